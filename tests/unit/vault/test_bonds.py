"""The QEV hooks of the vault (lockBond, releaseBond, forfeitBond), driven from an account installed
as the auction, and their AuctionOnly guard."""

import pytest

from scripts._suite.deployment import USDAI

ZERO = "0x" + "00" * 20


@pytest.fixture
def pending(vault, holders, deposit, request_redeem):
    """Alice's request of 100 sUSDai (cycle 0)."""
    deposit(holders[0], 1_000 * USDAI)
    return request_redeem(holders[0], 100 * USDAI)


@pytest.mark.parametrize("hook", ["lockBond", "releaseBond", "forfeitBond"])
def test_hook__from_non_auction__reverts_auction_only(vault, pending, alice, reverts, hook):
    args = {"lockBond": [pending, USDAI], "releaseBond": [pending], "forfeitBond": [pending, alice, 0]}[hook]
    with reverts(vault.AuctionOnly, caller=alice):
        getattr(vault, hook)(*args, sender=alice)


def test_lock_bond__auction_unset__reverts_auction_only(vault, governance, pending, alice, reverts):
    vault.setAuction(ZERO, sender=governance)
    with reverts(vault.AuctionOnly, caller=alice):
        vault.lockBond(pending, USDAI, sender=alice)


def test_lock_bond__by_auction__moves_shares_to_bond_and_pending_still_counts_it(
    vault, hook_caller, pending, alice
):
    escrowed = vault.escrowedShares()
    tx = vault.lockBond(pending, 30 * USDAI, sender=hook_caller)
    event = tx.events.filter(vault.BondLocked)[0]
    assert (event.requestId, event.shares) == (pending, 30 * USDAI)
    assert vault.bondOf(pending) == 30 * USDAI
    assert vault.requestOf(pending).shares == 70 * USDAI
    # ERC-7540 pending includes the bond; the escrow is unchanged.
    assert vault.pendingRedeemRequest(pending, alice) == 100 * USDAI
    assert vault.escrowedShares() == escrowed


def test_lock_bond__unknown_request__reverts_request_not_pending(vault, hook_caller, pending, reverts):
    with reverts(vault.RequestNotPending, requestId=pending + 1):
        vault.lockBond(pending + 1, USDAI, sender=hook_caller)


def test_lock_bond__above_pending__reverts_bond_exceeds_pending(vault, hook_caller, pending, reverts):
    with reverts(vault.BondExceedsPending, requestId=pending, bond=100 * USDAI + 1, pending=100 * USDAI):
        vault.lockBond(pending, 100 * USDAI + 1, sender=hook_caller)


def test_release_bond__by_auction__returns_bond_to_pending(vault, hook_caller, pending, alice):
    vault.lockBond(pending, 30 * USDAI, sender=hook_caller)
    tx = vault.releaseBond(pending, sender=hook_caller)
    event = tx.events.filter(vault.BondReleased)[0]
    assert (event.requestId, event.shares) == (pending, 30 * USDAI)
    assert vault.bondOf(pending) == 0
    assert vault.requestOf(pending).shares == 100 * USDAI
    assert vault.pendingRedeemRequest(pending, alice) == 100 * USDAI


def test_forfeit_bond__with_tip__burns_rest_and_raises_price(vault, hook_caller, pending, alice, keeper):
    vault.lockBond(pending, 30 * USDAI, sender=hook_caller)
    supply, assets, escrowed = vault.totalSupply(), vault.totalAssets(), vault.escrowedShares()
    price_before = vault.convertToAssets(USDAI)
    tx = vault.forfeitBond(pending, keeper, 2 * USDAI, sender=hook_caller)
    event = tx.events.filter(vault.BondForfeited)[0]
    assert (event.requestId, event.burnedShares, event.keeper, event.tipShares) == (
        pending,
        28 * USDAI,
        keeper.address,
        2 * USDAI,
    )
    assert vault.totalSupply() == supply - 28 * USDAI
    assert vault.balanceOf(keeper) == 2 * USDAI
    assert vault.escrowedShares() == escrowed - 30 * USDAI
    assert vault.pendingRedeemRequest(pending, alice) == 70 * USDAI
    assert vault.totalAssets() == assets
    assert vault.convertToAssets(USDAI) > price_before  # paid to those who stay


def test_forfeit_bond__tip_above_bond__tip_capped_at_bond(vault, hook_caller, pending, keeper):
    vault.lockBond(pending, 10 * USDAI, sender=hook_caller)
    tx = vault.forfeitBond(pending, keeper, 50 * USDAI, sender=hook_caller)
    event = tx.events.filter(vault.BondForfeited)[0]
    assert (event.burnedShares, event.tipShares) == (0, 10 * USDAI)
    assert vault.balanceOf(keeper) == 10 * USDAI


def test_forfeit_bond__whole_request_bonded__closes_request(vault, hook_caller, pending, alice, keeper):
    vault.lockBond(pending, 100 * USDAI, sender=hook_caller)
    vault.forfeitBond(pending, keeper, 0, sender=hook_caller)
    assert vault.openRequests(alice) == 0
    assert vault.requestOf(pending).controller == ZERO
    assert vault.pendingRedeemRequest(pending, alice) == 0
    assert vault.escrowedShares() == 0


def test_lock_bond__second_bond_on_request__reverts_bond_already_locked(vault, hook_caller, pending, reverts):
    vault.lockBond(pending, 10 * USDAI, sender=hook_caller)
    with reverts(vault.BondAlreadyLocked, requestId=pending):
        vault.lockBond(pending, 10 * USDAI, sender=hook_caller)


def test_release_bond__nothing_locked__does_nothing(vault, hook_caller, pending, alice):
    tx = vault.releaseBond(pending, sender=hook_caller)
    assert tx.events.filter(vault.BondReleased) == []
    assert vault.pendingRedeemRequest(pending, alice) == 100 * USDAI


def test_set_auction__with_locked_bond__reverts_bonds_outstanding(
    vault, governance, hook_caller, auction, pending, reverts
):
    # Only the auction that locked a bond can release or burn it: switching (or turning the auction
    # off, which would let servicing delete the request under its bond) waits until none is left.
    vault.lockBond(pending, 30 * USDAI, sender=hook_caller)
    with reverts(vault.BondsOutstanding, count=1):
        vault.setAuction(ZERO, sender=governance)
    with reverts(vault.BondsOutstanding, count=1):
        vault.setAuction(auction, sender=governance)
    vault.releaseBond(pending, sender=hook_caller)
    vault.setAuction(auction, sender=governance)
    assert vault.auction() == auction.address
