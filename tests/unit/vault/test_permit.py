"""EIP-2612 on sUSDai: a holder approves share spending by signature, so a smart wallet's or a relayer's
first deposit-and-request, or a router taking shares, needs no separate approval transaction. Revision 1
had no permit (an independent checker skipped it)."""

from __future__ import annotations

import pytest
from eth_account import Account

from scripts._suite.deployment import USDAI
from tests.support import PERMIT_TYPES


@pytest.fixture
def shares(vault, alice, stake):
    """Alice holds the shares of 100 USDai."""
    return stake(alice, 100 * USDAI)


@pytest.fixture(scope="session")
def sign_permit(vault, chain):
    """`sign_permit(signer, owner, spender, value, deadline)`: EIP-2612 signature over sUSDai's domain."""

    def _sign(signer, owner, spender, value, deadline):
        domain = {"name": "Staked USDai", "version": "1", "chainId": chain.chain_id, "verifyingContract": vault.address}
        message = {
            "owner": owner.address, "spender": spender.address, "value": value, "nonce": vault.nonces(owner),
            "deadline": deadline,
        }
        signed = Account.sign_typed_data(signer.private_key, domain, PERMIT_TYPES, message)
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    return _sign


def test_permit__eip712_domain__names_staked_usdai_on_this_chain(vault, chain):
    domain = vault.eip712Domain()
    assert (domain.name, domain.version, domain.chainId, domain.verifyingContract) == (
        "Staked USDai", "1", chain.chain_id, vault.address,
    )
    assert vault.DOMAIN_SEPARATOR() != b"\x00" * 32


def test_permit__valid__a_relayer_requests_with_the_allowance(vault, alice, keeper, shares, sign_permit, chain):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(alice, alice, keeper, shares, deadline)
    tx = vault.permit(alice, keeper, shares, deadline, v, r, s, sender=keeper)
    approval = tx.events.filter(vault.Approval)[0]
    assert (approval.owner, approval.spender, approval.value) == (alice.address, keeper.address, shares)
    assert vault.allowance(alice, keeper) == shares and vault.nonces(alice) == 1
    # The relayer spends it: a request of Alice's shares, controlled by the relayer.
    vault.requestRedeem(shares, keeper, alice, sender=keeper)
    assert vault.allowance(alice, keeper) == 0 and vault.balanceOf(alice) == 0


def test_permit__replayed__reverts(vault, alice, keeper, shares, sign_permit, chain, reverts):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(alice, alice, keeper, shares, deadline)
    vault.permit(alice, keeper, shares, deadline, v, r, s, sender=keeper)
    with reverts(vault.ERC2612InvalidSigner, owner=alice):  # the nonce moved on
        vault.permit(alice, keeper, shares, deadline, v, r, s, sender=keeper)


def test_permit__expired__reverts(vault, alice, keeper, shares, sign_permit, chain, reverts):
    deadline = chain.blocks.head.timestamp - 1
    v, r, s = sign_permit(alice, alice, keeper, shares, deadline)
    with reverts(vault.ERC2612ExpiredSignature, deadline=deadline):
        vault.permit(alice, keeper, shares, deadline, v, r, s, sender=keeper)


def test_permit__wrong_signer__reverts(vault, alice, bob, keeper, shares, sign_permit, chain, reverts):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(bob, alice, keeper, shares, deadline)
    with reverts(vault.ERC2612InvalidSigner, signer=bob, owner=alice):
        vault.permit(alice, keeper, shares, deadline, v, r, s, sender=keeper)
    assert vault.allowance(alice, keeper) == 0
