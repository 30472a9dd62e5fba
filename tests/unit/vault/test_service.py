"""Servicing the redemption queue: due from the next cycle, FIFO, bounded, at most once, priced at the
servicing moment with the redemption NAV, partial fills that keep their place."""

import pytest
from ape import chain

from scripts._suite.deployment import DAY, USDAI
from tests.reference.shares import to_assets_down

ZERO = "0x" + "00" * 20


def _serviced(tx, vault):
    return [(e.requestId, e.shares, e.assets) for e in tx.events.filter(vault.RedemptionServiced)]


@pytest.fixture
def staked(vault, holders, deposit):
    """Alice, Bob and Carol hold 1,000 sUSDai each."""
    for holder in holders:
        deposit(holder, 1_000 * USDAI)
    return holders


# ---------------------------------------------------------------- cycles


def test_cycles__deployed__thirty_day_cycles_from_genesis(vault):
    assert vault.cycleDuration() == 30 * DAY
    assert vault.cycleStart(0) == vault.genesis()
    assert vault.cycleStart(3) == vault.genesis() + 90 * DAY
    assert vault.currentCycle() == 0


def test_service__same_cycle_last_second__serves_nothing(vault, staked, keeper, request_redeem, at):
    alice = staked[0]
    request_id = request_redeem(alice, 100 * USDAI)
    at(vault.cycleStart(1) - 1)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == 0
    assert _serviced(tx, vault) == []
    assert vault.pendingRedeemRequest(request_id, alice) == 100 * USDAI


def test_service__at_next_cycle_start__burns_shares_and_sets_assets_aside(
    vault, usdai, staked, keeper, request_redeem, at
):
    alice = staked[0]
    request_id = request_redeem(alice, 100 * USDAI)
    supply, assets, balance = vault.totalSupply(), vault.totalAssets(), usdai.balanceOf(vault)
    expected = to_assets_down(100 * USDAI, assets, supply)
    at(vault.cycleStart(1))
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == 1
    events = tx.events.filter(vault.RedemptionServiced)
    assert len(events) == 1
    assert events[0].requestId == request_id
    assert events[0].controller == alice.address
    assert events[0].shares == 100 * USDAI
    assert events[0].assets == expected
    assert events[0].feeShares == 0
    assert vault.totalSupply() == supply - 100 * USDAI
    assert vault.escrowedShares() == 0
    assert usdai.balanceOf(vault) == balance
    assert vault.reservedAssets() == expected
    # totalAssets == idle == balance - reserved (no registry).
    assert vault.totalAssets() == assets - expected == usdai.balanceOf(vault) - vault.reservedAssets()
    assert vault.pendingRedeemRequest(request_id, alice) == 0
    assert vault.claimableRedeemRequest(request_id, alice) == 100 * USDAI
    assert vault.maxRedeem(alice) == 100 * USDAI
    assert vault.maxWithdraw(alice) == expected
    assert vault.openRequests(alice) == 0
    # The ticket lives on until its claim is taken.
    assert vault.requestOf(request_id) == (alice.address, 0, False)
    assert vault.claimOf(request_id) == (100 * USDAI, expected, 0)
    assert vault.queueState()[1] == request_id + 1


def test_service__one_call__burns_the_served_shares_once(vault, staked, keeper, request_redeem, next_cycle):
    # One burn for the batch (one Transfer event, one balance write), not one a request.
    amounts = [(i + 1) * 10 * USDAI for i in range(len(staked))]
    for holder, amount in zip(staked, amounts, strict=True):
        request_redeem(holder, amount)
    supply = vault.totalSupply()
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == len(staked)
    burns = [e for e in tx.events.filter(vault.Transfer) if e["to"] == ZERO]
    assert [(e["from"], e.value) for e in burns] == [(vault.address, sum(amounts))]
    assert vault.totalSupply() == supply - sum(amounts)
    assert vault.escrowedShares() == 0


def test_service__requests_of_one_cycle__fifo_one_per_call(vault, staked, keeper, request_redeem, next_cycle):
    ids = [request_redeem(holder, (i + 1) * 10 * USDAI) for i, holder in enumerate(staked)]
    next_cycle()
    for request_id in ids:
        tx = vault.serviceRedemptions(1, sender=keeper)
        assert tx.return_value == 1
        assert [e[0] for e in _serviced(tx, vault)] == [request_id]


def test_service__one_call__serves_in_request_order(vault, staked, keeper, request_redeem, next_cycle):
    alice, bob, carol = staked
    ids = [
        request_redeem(bob, 10 * USDAI),
        request_redeem(alice, 20 * USDAI),
        request_redeem(carol, 30 * USDAI),
    ]
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == 3
    assert [(e[0], e[1]) for e in _serviced(tx, vault)] == list(
        zip(ids, [10 * USDAI, 20 * USDAI, 30 * USDAI], strict=True)
    )


def test_service__request_of_current_cycle__waits_for_next_cycle(
    vault, staked, keeper, request_redeem, next_cycle
):
    alice, bob, _ = staked
    early = request_redeem(alice, 10 * USDAI)
    next_cycle()
    late = request_redeem(bob, 10 * USDAI)
    assert vault.queueState()[2] == late  # dueLimit: ids below it are due
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [e[0] for e in _serviced(tx, vault)] == [early]
    assert vault.pendingRedeemRequest(late, bob) == 10 * USDAI
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [e[0] for e in _serviced(tx, vault)] == [late]


def test_service__max_requests__bounds_the_walk(vault, staked, keeper, request_redeem, next_cycle):
    ids = [request_redeem(staked[0], USDAI) for _ in range(5)]
    next_cycle()
    tx = vault.serviceRedemptions(0, sender=keeper)
    assert tx.return_value == 0
    assert _serviced(tx, vault) == []
    tx = vault.serviceRedemptions(2, sender=keeper)
    assert tx.return_value == 2
    assert [e[0] for e in _serviced(tx, vault)] == ids[:2]
    tx = vault.serviceRedemptions(100, sender=keeper)
    assert tx.return_value == 3
    assert [e[0] for e in _serviced(tx, vault)] == ids[2:]


def test_service__called_again__serves_each_request_once(vault, staked, keeper, request_redeem, next_cycle):
    request_redeem(staked[0], 100 * USDAI)
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    reserved, supply = vault.reservedAssets(), vault.totalSupply()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == 0
    assert _serviced(tx, vault) == []
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert _serviced(tx, vault) == []
    assert (vault.reservedAssets(), vault.totalSupply()) == (reserved, supply)


def test_service__freed_request_slot__controller_may_request_again(
    vault, governance, staked, keeper, request_redeem, next_cycle
):
    alice = staked[0]
    vault.setRedemptionLimits(USDAI, 1, sender=governance)
    request_redeem(alice, USDAI)
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    assert vault.openRequests(alice) == 0
    request_redeem(alice, USDAI)


def test_service__while_paused__still_serves(vault, pauser, staked, keeper, request_redeem, next_cycle):
    request_id = request_redeem(staked[0], 100 * USDAI)
    next_cycle()
    vault.pause(sender=pauser)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [e[0] for e in _serviced(tx, vault)] == [request_id]


# ---------------------------------------------------------------- pricing


def test_service__after_base_yield__pending_shares_earn_it(
    vault, usdai, staked, keeper, request_redeem, next_cycle, base_yield_on
):
    alice, bob, _ = staked
    base_yield_on()
    first = request_redeem(alice, 500 * USDAI)
    second = request_redeem(bob, 300 * USDAI)
    start = vault.totalAssets()
    next_cycle()
    # A month of yield is in the price before anyone harvests; servicing harvests it into liquidity.
    assert vault.totalAssets() > start
    nav, supply = vault.redemptionAssets(), vault.totalSupply()
    # Both served at the same running price; the second after the first has left.
    first_assets = to_assets_down(500 * USDAI, nav, supply)
    second_assets = to_assets_down(300 * USDAI, nav - first_assets, supply - 500 * USDAI)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert _serviced(tx, vault) == [(first, 500 * USDAI, first_assets), (second, 300 * USDAI, second_assets)]
    assert first_assets > 500 * USDAI
    assert second_assets > 300 * USDAI


def test_service__redemption_nav__leaves_accrued_interest_out(
    vault, strategist, registry, staked, keeper, request_redeem, next_cycle
):
    alice = staked[0]
    request_id = request_redeem(alice, 100 * USDAI)
    vault.allocate(1, 2_000 * USDAI, sender=strategist)
    registry.setNav(2_100 * USDAI, 2_000 * USDAI, sender=keeper)  # 100 USDai accrued, unpaid
    idle = vault.totalAssets() - 2_100 * USDAI
    assert vault.redemptionAssets() == idle + 2_000 * USDAI
    next_cycle()
    nav, supply = vault.redemptionAssets(), vault.totalSupply()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert _serviced(tx, vault) == [(request_id, 100 * USDAI, to_assets_down(100 * USDAI, nav, supply))]
    # Priced with the conservative NAV, not the deposit NAV.
    assert to_assets_down(100 * USDAI, nav, supply) < to_assets_down(100 * USDAI, vault.totalAssets() + 100 * USDAI, supply)


def test_service__after_registry_loss__pending_shares_take_it(
    vault, strategist, registry, staked, keeper, request_redeem, next_cycle
):
    alice = staked[0]
    request_id = request_redeem(alice, 100 * USDAI)
    vault.allocate(1, 2_000 * USDAI, sender=strategist)
    registry.setNav(1_000 * USDAI, 1_000 * USDAI, sender=keeper)  # half the senior capital lost
    next_cycle()
    nav, supply = vault.redemptionAssets(), vault.totalSupply()
    tx = vault.serviceRedemptions(10, sender=keeper)
    [(served_id, _, assets)] = _serviced(tx, vault)
    assert served_id == request_id
    assert assets == to_assets_down(100 * USDAI, nav, supply)
    assert assets < 100 * USDAI * 3 // 4
    assert vault.maxWithdraw(alice) == assets


# ---------------------------------------------------------------- liquidity


@pytest.fixture
def short(vault, strategist, registry, staked):
    """All but 300 USDai of idle allocated to the registry: liquidity is short."""
    vault.allocate(7, vault.totalAssets() - 300 * USDAI, sender=strategist)
    assert vault.totalAssets() - registry.depositNav() == 300 * USDAI
    return registry


def test_service__short_liquidity__partial_fill_keeps_its_place(
    vault, short, staked, keeper, request_redeem, next_cycle
):
    alice, bob, carol = staked
    first = request_redeem(alice, 500 * USDAI)
    second = request_redeem(bob, 100 * USDAI)
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == 1
    [(request_id, shares, assets)] = _serviced(tx, vault)
    assert request_id == first
    assert assets <= 300 * USDAI and 300 * USDAI - assets < 2  # all the liquidity, but rounding
    assert shares < 500 * USDAI
    assert vault.pendingRedeemRequest(first, alice) == 500 * USDAI - shares
    assert vault.openRequests(alice) == 1
    assert vault.queueState()[1] == first  # the head stays on the partly served request
    assert vault.maxRedeem(alice) == shares
    assert vault.maxWithdraw(alice) == assets
    assert vault.pendingRedeemRequest(second, bob) == 100 * USDAI

    # A later request cannot jump the queue: the rest of the first is served before the second.
    next_cycle()
    late = request_redeem(carol, 50 * USDAI)
    short.returnToVault(1_000 * USDAI, sender=keeper)
    tx = vault.serviceRedemptions(10, sender=keeper)
    served = _serviced(tx, vault)
    assert [(e[0], e[1]) for e in served] == [(first, 500 * USDAI - shares), (second, 100 * USDAI)]
    assert vault.maxRedeem(alice) == 500 * USDAI
    assert vault.pendingRedeemRequest(late, carol) == 50 * USDAI
    assert vault.openRequests(alice) == 0


def test_service__no_liquidity__serves_nothing(
    vault, strategist, registry, staked, keeper, request_redeem, next_cycle
):
    request_id = request_redeem(staked[0], 100 * USDAI)
    vault.allocate(7, vault.totalAssets(), sender=strategist)
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.return_value == 0
    assert _serviced(tx, vault) == []
    assert vault.pendingRedeemRequest(request_id, staked[0]) == 100 * USDAI


def test_service__reserved_assets__are_not_liquidity(
    vault, strategist, registry, staked, keeper, request_redeem, next_cycle
):
    alice, bob, _ = staked
    first = request_redeem(alice, 100 * USDAI)
    next_cycle()
    second = request_redeem(bob, 100 * USDAI)
    # Leave exactly enough idle for the first request.
    nav, supply = vault.redemptionAssets(), vault.totalSupply()
    first_assets = to_assets_down(100 * USDAI, nav, supply)
    vault.allocate(7, vault.totalAssets() - first_assets, sender=strategist)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert _serviced(tx, vault) == [(first, 100 * USDAI, first_assets)]
    assert vault.maxWithdraw(alice) == first_assets
    assert vault.totalAssets() == registry.depositNav()  # idle is all reserved
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert _serviced(tx, vault) == []
    # A claim pays out of the reserve: it does not free liquidity either.
    vault.redeem(100 * USDAI, alice, alice, sender=alice)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert _serviced(tx, vault) == []
    assert vault.pendingRedeemRequest(second, bob) == 100 * USDAI


def test_allocate__to_registry__moves_idle_and_keeps_totalto_assets_down(vault, usdai, strategist, registry, staked):
    assets, balance = vault.totalAssets(), usdai.balanceOf(vault)
    tx = vault.allocate(3, 1_000 * USDAI, sender=strategist)
    event = tx.events.filter(vault.Allocated)[0]
    assert (event.stackId, event.amount) == (3, 1_000 * USDAI)
    assert usdai.balanceOf(vault) == balance - 1_000 * USDAI
    assert usdai.balanceOf(registry) == 1_000 * USDAI
    assert registry.allocated() == 1_000 * USDAI
    assert vault.totalAssets() == assets


def test_allocate__more_than_idle__reverts_allocation_exceeds_idle(
    vault, strategist, registry, staked, keeper, request_redeem, next_cycle, reverts
):
    request_redeem(staked[0], 100 * USDAI)
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    idle = vault.totalAssets()  # balance minus the reserve for the claim
    with reverts(vault.AllocationExceedsIdle, amount=idle + 1, idle=idle):
        vault.allocate(1, idle + 1, sender=strategist)
    vault.allocate(1, idle, sender=strategist)


def test_allocate__registry_unset__reverts_registry_unset(bare_vault, strategist, reverts):
    assert bare_vault.registry() == "0x" + "00" * 20
    with reverts(bare_vault.RegistryUnset):
        bare_vault.allocate(1, USDAI, sender=strategist)


def test_allocate__zero__reverts_amount_zero(vault, strategist, registry, reverts):
    with reverts(vault.AmountZero):
        vault.allocate(1, 0, sender=strategist)


def test_chain_time__pending_timestamp__next_transaction_mined_at_it(vault, keeper, at):
    # The boundary tests above rely on this: `at(t)` pins the next block to t.
    at(vault.cycleStart(1))
    tx = vault.serviceRedemptions(1, sender=keeper)
    assert chain.provider.get_block(tx.block_number).timestamp == vault.cycleStart(1)
