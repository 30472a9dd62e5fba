"""ERC-7540 operators and the ERC-165/ERC-7575 surface."""

import pytest

from scripts._suite.deployment import USDAI


def test_set_operator__approve__returns_true_and_emits_operator_set(vault, alice, bob):
    assert not vault.isOperator(alice, bob)
    tx = vault.setOperator(bob, True, sender=alice)
    assert tx.return_value is True
    events = tx.events.filter(vault.OperatorSet)
    assert len(events) == 1
    assert (events[0].controller, events[0].operator, events[0].approved) == (
        alice.address,
        bob.address,
        True,
    )
    assert vault.isOperator(alice, bob)
    assert not vault.isOperator(bob, alice)  # one way only


def test_set_operator__revoke__emits_operator_set_false(vault, alice, bob):
    vault.setOperator(bob, True, sender=alice)
    tx = vault.setOperator(bob, False, sender=alice)
    assert tx.return_value is True
    event = tx.events.filter(vault.OperatorSet)[0]
    assert (event.controller, event.operator, event.approved) == (alice.address, bob.address, False)
    assert not vault.isOperator(alice, bob)


def test_set_operator__self__reverts_caller_unauthorized(vault, alice, reverts):
    with reverts(vault.CallerUnauthorized, caller=alice, account=alice):
        vault.setOperator(alice, True, sender=alice)


def test_operator__requests_and_claims__for_the_controller(
    vault, usdai, holders, bob, carol, keeper, deposit, next_cycle
):
    alice = holders[0]
    deposit(alice, 100 * USDAI)
    vault.setOperator(bob, True, sender=alice)
    tx = vault.requestRedeem(100 * USDAI, alice, alice, sender=bob)
    request_id = tx.events.filter(vault.RedeemRequest)[0].requestId
    assert vault.allowance(alice, bob) == 0
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    assets = vault.maxWithdraw(alice)
    before = usdai.balanceOf(carol)
    vault.redeem(100 * USDAI, carol, alice, sender=bob)
    assert usdai.balanceOf(carol) - before == assets
    assert vault.pendingRedeemRequest(request_id, alice) == 0


def test_operator__of_another_controller__cannot_claim(
    vault, holders, bob, keeper, deposit, request_redeem, next_cycle, reverts
):
    alice, _, carol = holders
    deposit(alice, 100 * USDAI)
    request_redeem(alice, 100 * USDAI)
    vault.setOperator(bob, True, sender=carol)  # Carol's operator, not Alice's
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    with reverts(vault.CallerUnauthorized, caller=bob, account=alice):
        vault.redeem(100 * USDAI, bob, alice, sender=bob)


@pytest.mark.parametrize(
    "interface_id, supported",
    [
        ("0x01ffc9a7", True),  # ERC-165
        ("0xe3bc4e65", True),  # ERC-7540 operator
        ("0x620ee8e4", True),  # ERC-7540 asynchronous redeem
        ("0x2f0a18c5", True),  # ERC-7575
        ("0xffffffff", False),  # ERC-165: must be false
        ("0xce3bbe50", False),  # ERC-7540 asynchronous deposit: deposits are synchronous
    ],
)
def test_supports_interface__ids__as_specified(vault, interface_id, supported):
    assert vault.supportsInterface(bytes.fromhex(interface_id[2:])) is supported


def test_share__erc7575__is_the_vault(vault):
    assert vault.share() == vault.address
