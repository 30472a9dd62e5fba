"""The gas anatomy behind bench/anatomy.md (`scripts/_suite/gas_anatomy.py`): a receipt's gas split by
what the EVM charged for, from the node's opcode trace. Checked against transfers whose every charge is
known by hand, so a miscounted part fails here and not silently in the bench."""

from __future__ import annotations

from ape import chain, project

from scripts._suite.deployment import USDAI, WM
from scripts._suite.gas_anatomy import PARTS, anatomy_of, intrinsic_gas

FRESH = "0x" + "77" * 20  # an account nothing has touched
TRANSFER_LOG = 375 + 3 * 375 + 8 * 32  # LOG3 with one word of data


def _fund(suite, who, amount=1_000):
    suite.wm.mint(who, amount * WM, sender=suite.deployer)
    suite.wm.approve(suite.usdai, 2**256 - 1, sender=who)
    suite.usdai.deposit(suite.wm, amount * WM, 0, who, sender=who)


def test_a_proxied_transfer_is_the_reference_plus_one_hop(suite, deployer, alice, bob):
    _fund(suite, alice)
    _fund(suite, bob)
    ours = anatomy_of(suite.usdai.transfer(bob, USDAI, sender=alice), chain.provider)
    ref = project.ReferenceERC20.deploy(sender=deployer)
    ref.mint(alice, 10**24, sender=deployer)
    ref.mint(bob, 1, sender=deployer)
    theirs = anatomy_of(ref.transfer(bob, USDAI, sender=alice), chain.provider)
    for a in (ours, theirs):
        # The sender's and the recipient's balance words: read cold, changed once each.
        assert (a.count["cold slots"], a.gas["cold slots"]) == (2, 4_200)
        assert (a.count["updates"], a.gas["updates"]) == (2, 5_800)
        assert a.gas["fills"] == a.gas["accounts"] == a.refund == 0
        assert a.gas["logs"] == TRANSFER_LOG
        assert a.unitemized() == 0
        assert a.total() == a.gas_used
    # One hop: the implementation slot (2,100) and the cold implementation account (2,600).
    assert (ours.count["proxies"], ours.gas["proxies"]) == (1, 4_700)
    assert theirs.gas["proxies"] == 0
    assert ours.gas["intrinsic"] == theirs.gas["intrinsic"] == intrinsic_gas(
        bytes.fromhex("a9059cbb") + bytes(12) + bytes.fromhex(bob.address[2:]) + USDAI.to_bytes(32, "big")
    )


def test_emptying_a_balance_is_refunded_and_the_parts_still_add_up(suite, alice):
    _fund(suite, alice)
    balance = suite.usdai.balanceOf(alice)
    a = anatomy_of(suite.usdai.transfer(FRESH, balance, sender=alice), chain.provider)
    # alice's word goes to zero (refund 4,800, EIP-3529); the fresh account's is filled from zero.
    assert a.refund == 4_800
    assert (a.count["fills"], a.gas["fills"]) == (1, 20_000)
    assert (a.count["updates"], a.gas["updates"]) == (1, 2_900)
    assert a.unitemized() == 0
    assert {p: a.cell(p) for p in ("fills", "updates", "proxies")} == {
        "fills": "20,000 (1)", "updates": "2,900 (1)", "proxies": "4,700 (1)"
    }
    assert set(PARTS) >= {"intrinsic", "execution"}
