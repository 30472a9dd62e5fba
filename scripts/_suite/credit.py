"""Credit-side actions shared by the demo, the benchmarks and the integration tests: custody
receipts minted and appraised, stacks opened with first-loss capital, loans originated."""

from __future__ import annotations

from typing import Any

from scripts._suite.deployment import DAY, USDAI, Suite

ONE_YEAR = 365 * DAY
MONTH = 30 * DAY


def mint_receipt(
    suite: Suite, custodian: Any, appraiser: Any, owner: Any, value_usdai: int, *, quantity: int = 8,
    model: str = "NVIDIA H100 SXM5", now: int,
) -> int:
    """A custody receipt for `quantity` GPUs held for `owner`, insured for a year and appraised now."""
    insurance = ("0x00000000000000000000000000000000000115e4", b"\x11" * 32, 2 * value_usdai, now + ONE_YEAR)
    params = (b"\x0f" * 32, "GPU", model, quantity, b"\x5e" * 32, b"\x1e" * 32, insurance)
    receipt_id = int(suite.caliber.mint(owner, params, sender=custodian).return_value)
    suite.caliber.appraise(receipt_id, value_usdai, now, sender=appraiser)
    return receipt_id


def open_stack(
    suite: Suite, curator: Any, junior_usdai: int, *, max_senior: int = 100_000_000 * USDAI,
    first_loss_bps: int = 1000, curator_fee_bps: int = 1000,
) -> int:
    """A stack run by `curator` (already approved) with `junior_usdai` of first-loss capital; the
    curator must hold that much USDai."""
    registry = suite.registry
    stack_id = int(registry.createStack((max_senior, first_loss_bps, curator_fee_bps), sender=curator).return_value)
    if junior_usdai:
        suite.usdai.approve(registry, junior_usdai, sender=curator)
        registry.depositJunior(stack_id, junior_usdai, sender=curator)
    return stack_id


def originate(
    suite: Suite, curator: Any, borrower: Any, stack_id: int, principal: int, receipts: list[int], *,
    apr_bps: int = 1500, periods: int = 36, period_length: int = MONTH,
) -> int:
    """Pledges `receipts` (the borrower approves the loan book) and lends `principal` to `borrower`."""
    suite.caliber.setApprovalForAll(suite.loan_book, True, sender=borrower)
    tx = suite.loan_book.originateLoan(
        stack_id, borrower, principal, apr_bps, periods, period_length, receipts, sender=curator
    )
    return int(tx.return_value)
