import pytest
from eth_account import Account

from scripts._suite.deployment import USDAI, WM
from tests.support import PERMIT_TYPES

ZERO_ADDRESS = "0x" + "00" * 20
MAX_UINT256 = 2**256 - 1



@pytest.fixture
def funded(alice, mint_usdai):
    """Alice holds 100 USDai."""
    mint_usdai(alice, 100 * WM)


@pytest.fixture(scope="session")
def sign_permit(usdai, chain):
    """`sign_permit(signer, owner, spender, value, deadline, nonce=None)`: EIP-2612 signature (v, r, s)
    over USDai's EIP-712 domain, made with `signer`'s test-account key."""

    def _sign(signer, owner, spender, value, deadline, nonce=None):
        domain = {
            "name": "USDai",
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": usdai.address,
        }
        message = {
            "owner": owner.address,
            "spender": spender.address,
            "value": value,
            "nonce": usdai.nonces(owner) if nonce is None else nonce,
            "deadline": deadline,
        }
        signed = Account.sign_typed_data(signer.private_key, domain, PERMIT_TYPES, message)
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    return _sign


# ---------------------------------------------------------------- transfers


def test_transfer__between_holders__moves_balance(usdai, alice, bob, funded):
    tx = usdai.transfer(bob, 30 * USDAI, sender=alice)
    assert usdai.balanceOf(alice) == 70 * USDAI
    assert usdai.balanceOf(bob) == 30 * USDAI
    assert tx.events.filter(usdai.Transfer)[0].value == 30 * USDAI


def test_transfer__while_paused__succeeds(usdai, pauser, alice, bob, funded):
    # The pause stops deposits, not what holders already own.
    usdai.pause(sender=pauser)
    usdai.transfer(bob, 30 * USDAI, sender=alice)
    assert usdai.balanceOf(bob) == 30 * USDAI


def test_transfer_from__approved_operator__moves_balance_and_spends_allowance(
    usdai, alice, bob, carol, funded
):
    usdai.approve(carol, 50 * USDAI, sender=alice)
    usdai.transferFrom(alice, bob, 20 * USDAI, sender=carol)
    assert usdai.balanceOf(bob) == 20 * USDAI
    assert usdai.allowance(alice, carol) == 30 * USDAI


def test_transfer__more_than_balance__reverts(usdai, alice, bob, funded, reverts):
    with reverts(usdai.ERC20InsufficientBalance, sender=alice, balance=100 * USDAI, needed=100 * USDAI + 1):
        usdai.transfer(bob, 100 * USDAI + 1, sender=alice)


def test_transfer__to_zero_address__reverts(usdai, alice, funded, reverts):
    with reverts(usdai.ERC20InvalidReceiver, receiver=ZERO_ADDRESS):
        usdai.transfer(ZERO_ADDRESS, 1, sender=alice)


def test_transfer_from__above_allowance__reverts(usdai, alice, bob, carol, funded, reverts):
    usdai.approve(carol, 10 * USDAI, sender=alice)
    with reverts(
        usdai.ERC20InsufficientAllowance, spender=carol, allowance=10 * USDAI, needed=10 * USDAI + 1
    ):
        usdai.transferFrom(alice, bob, 10 * USDAI + 1, sender=carol)


# ---------------------------------------------------------------- blacklist


def test_transfer__blacklisted_sender__reverts(usdai, blacklister, alice, bob, funded, reverts):
    usdai.setBlacklisted(alice, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=alice):
        usdai.transfer(bob, 1 * USDAI, sender=alice)


def test_transfer__blacklisted_recipient__reverts(usdai, blacklister, alice, bob, funded, reverts):
    usdai.setBlacklisted(bob, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=bob):
        usdai.transfer(bob, 1 * USDAI, sender=alice)


def test_transfer_from__blacklisted_operator__reverts(usdai, blacklister, alice, bob, carol, funded, reverts):
    usdai.approve(carol, 10 * USDAI, sender=alice)
    usdai.setBlacklisted(carol, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=carol):
        usdai.transferFrom(alice, bob, 1 * USDAI, sender=carol)


def test_transfer_from__blacklisted_owner__reverts(usdai, blacklister, alice, bob, carol, funded, reverts):
    usdai.approve(carol, 10 * USDAI, sender=alice)
    usdai.setBlacklisted(alice, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=alice):
        usdai.transferFrom(alice, bob, 1 * USDAI, sender=carol)


def test_transfer_from__blacklisted_recipient__reverts(
    usdai, blacklister, alice, bob, carol, funded, reverts
):
    usdai.approve(carol, 10 * USDAI, sender=alice)
    usdai.setBlacklisted(bob, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=bob):
        usdai.transferFrom(alice, bob, 1 * USDAI, sender=carol)


def test_transfer_from__operator_blacklist_lifted__succeeds(usdai, blacklister, alice, bob, carol, funded):
    usdai.approve(carol, 10 * USDAI, sender=alice)
    usdai.setBlacklisted(carol, True, sender=blacklister)
    usdai.setBlacklisted(carol, False, sender=blacklister)
    usdai.transferFrom(alice, bob, 1 * USDAI, sender=carol)
    assert usdai.balanceOf(bob) == 1 * USDAI


# ---------------------------------------------------------------- permit (EIP-2612)


def test_permit__eip712_domain__names_usdai_on_this_chain(usdai, chain):
    domain = usdai.eip712Domain()
    assert (domain.name, domain.version, domain.chainId, domain.verifyingContract) == (
        "USDai",
        "1",
        chain.chain_id,
        usdai.address,
    )


def test_permit__valid_signature__sets_allowance_and_nonce(
    usdai, alice, bob, carol, keeper, funded, sign_permit, chain
):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(alice, alice, bob, 40 * USDAI, deadline)
    # Anyone may relay the signature.
    tx = usdai.permit(alice, bob, 40 * USDAI, deadline, v, r, s, sender=keeper)
    assert usdai.allowance(alice, bob) == 40 * USDAI
    assert usdai.nonces(alice) == 1
    approval = tx.events.filter(usdai.Approval)[0]
    assert (approval.owner, approval.spender, approval.value) == (alice.address, bob.address, 40 * USDAI)
    usdai.transferFrom(alice, carol, 40 * USDAI, sender=bob)
    assert usdai.balanceOf(carol) == 40 * USDAI


def test_permit__expired_deadline__reverts(usdai, alice, bob, keeper, sign_permit, chain, reverts):
    deadline = chain.blocks.head.timestamp - 1
    v, r, s = sign_permit(alice, alice, bob, 40 * USDAI, deadline)
    with reverts(usdai.ERC2612ExpiredSignature, deadline=deadline):
        usdai.permit(alice, bob, 40 * USDAI, deadline, v, r, s, sender=keeper)


def test_permit__signed_by_other_account__reverts(usdai, alice, bob, keeper, sign_permit, chain, reverts):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(bob, alice, bob, 40 * USDAI, deadline)
    with reverts(usdai.ERC2612InvalidSigner, signer=bob, owner=alice):
        usdai.permit(alice, bob, 40 * USDAI, deadline, v, r, s, sender=keeper)


def test_permit__replayed__reverts(usdai, alice, bob, keeper, sign_permit, chain, reverts):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(alice, alice, bob, 40 * USDAI, deadline)
    usdai.permit(alice, bob, 40 * USDAI, deadline, v, r, s, sender=keeper)
    # The nonce moved on: the same signature now recovers to some other address.
    with reverts(usdai.ERC2612InvalidSigner, owner=alice):
        usdai.permit(alice, bob, 40 * USDAI, deadline, v, r, s, sender=keeper)


def test_permit__value_changed_after_signing__reverts(usdai, alice, bob, keeper, sign_permit, chain, reverts):
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(alice, alice, bob, 40 * USDAI, deadline)
    with reverts(usdai.ERC2612InvalidSigner, owner=alice):
        usdai.permit(alice, bob, MAX_UINT256, deadline, v, r, s, sender=keeper)
