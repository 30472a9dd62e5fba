import ape
import pytest

from _suite.deployment import USDAI, WM


def test_deposit__from_wm__mints_scaled_usdai(usdai, wm, alice, fund):
    fund(wm, alice, 100 * WM)
    wm.approve(usdai, 100 * WM, sender=alice)
    tx = usdai.deposit(wm, 100 * WM, 100 * USDAI, alice, sender=alice)
    assert usdai.balanceOf(alice) == 100 * USDAI
    assert wm.balanceOf(usdai) == 100 * WM
    assert tx.return_value == 100 * USDAI
    assert tx.events.filter(usdai.Deposited)[0].usdaiOut == 100 * USDAI
