"""A full QEV cycle on the local chain: requests, sealed bids, one holder never reveals, settlement,
servicing in priority order and then FIFO, fees and bonds reflected in the share price."""

from ape import chain

from scripts._suite.deployment import USDAI
from scripts._suite.qev import place_bid, reveal_bid, settlement_order


def warp(t):
    chain.pending_timestamp = t
    chain.mine()


def test_cycle__bids_reveal_settle__winners_served_first(suite, vault, auction, alice, bob, carol, keeper, stake):
    for who in (alice, bob, carol):
        stake(who, 1_000 * USDAI)
    ids = [vault.requestRedeem(100 * USDAI, who, who, sender=who).return_value for who in (alice, bob, carol)]
    cycle = vault.currentCycle()
    bid_opens, boundary, reveal_closes = auction.windows(cycle)
    warp(bid_opens + 1)

    op_bob, _ = place_bid(auction, vault, bob, ids[1], 300)
    op_carol, _ = place_bid(auction, vault, carol, ids[2], 500)
    op_alice, _ = place_bid(auction, vault, alice, ids[0], 100)  # never revealed
    assert vault.bondOf(ids[2]) > 0

    warp(boundary + 1)
    reveal_bid(auction, op_bob, bob)
    reveal_bid(auction, op_carol, carol)
    warp(reveal_closes + 1)
    price_before = vault.convertToAssets(USDAI)
    auction.sweep(cycle, ids[0], sender=keeper)
    assert vault.convertToAssets(USDAI) > price_before  # the burned bond raised the price
    order = settlement_order(auction, cycle, ids)
    assert order == [ids[2], ids[1]]
    auction.settle(cycle, order, sender=keeper)

    tx = vault.serviceRedemptions(10, sender=keeper)
    served = [(e.requestId, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    assert [rid for rid, _ in served] == [ids[2], ids[1], ids[0]]
    assert served[0][1] == 100 * USDAI * 500 // 10_000
    assert served[1][1] == 100 * USDAI * 300 // 10_000
    assert served[2][1] == 0
