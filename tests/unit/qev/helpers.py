"""Plain helpers shared by the QEV unit tests and the QEV invariant tests: strict revert matching (by
transaction, or fast by `eth_call`), the bond and fee formulas with their rounding, and a speed fix
for Ape's revert traces."""

from __future__ import annotations

from scripts._suite.deployment import USDAI
from tests.reference.shares import VIRTUAL

BPS = 10_000
STAKE = 1_000 * USDAI
REQUEST = 100 * USDAI


def bond_for(pending: int, tier: int) -> int:
    """ceil(pending * (2^tier - 1) / 1e4): the bond a bid locks (rounded against the bidder)."""
    return -(-pending * ((1 << tier) - 1) // BPS)


def fee_for(served: int, fee_bps: int) -> int:
    """ceil(served * fee / 1e4): the priority fee burned from a winner's served shares."""
    return -(-served * fee_bps // BPS)


from tests.support import (  # noqa: E402  (re-exported for the QEV tests)
    assert_call_reverts,
    cache_test_accounts,
    call_revert_data,
    error_data,
    strict_reverts,
)

__all__ = [
    "BPS",
    "REQUEST",
    "STAKE",
    "VIRTUAL",
    "assert_call_reverts",
    "bond_for",
    "cache_test_accounts",
    "call_revert_data",
    "error_data",
    "fee_for",
    "strict_reverts",
]
