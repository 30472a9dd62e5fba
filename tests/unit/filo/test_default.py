"""Delinquency, default with impairment, recoveries and the liquidation waterfall."""

from ape import chain

from tests.credit.fixtures import (
    DAY,
    LOAN_CLOSED,
    LOAN_DEFAULTED,
    MONTH,
    R_LIQUIDATED,
    R_LIQUIDATING,
    USDAI,
    set_risk,
    strict_reverts,
    travel,
)

GRACE = 30 * DAY


def _recover(registry, book, usdai, fund_usdai, payer, loan_id, amount):
    fund_usdai(payer, amount)
    usdai.approve(registry, amount, sender=payer)
    book.recordRecovery(loan_id, amount, sender=payer)


def test_mark_default__within_grace__reverts(registry, make_stack, originate, keeper, book):
    loan_id = originate(make_stack())
    travel(MONTH + GRACE - 5)
    assert not book.isDelinquent(loan_id)
    with strict_reverts(book.LoanNotDelinquent, loanId=loan_id):
        book.markDefault(loan_id, sender=keeper)


def test_mark_default__behind_beyond_grace__impairs_and_locks(
    registry, caliber, make_stack, originate, keeper, book
):
    stack_id = make_stack()
    loan_id = originate(stack_id)  # receipt appraised at 1M: carrying 700k = principal -> no impairment
    travel(MONTH + GRACE + 1)
    assert book.isDelinquent(loan_id)
    tx = book.markDefault(loan_id, sender=keeper)
    ln = book.loan(loan_id)
    assert ln.status == LOAN_DEFAULTED
    assert caliber.statusOf(ln.receiptIds[0]) == R_LIQUIDATING
    assert tx.events.filter(book.LoanDefaulted)[0].impairment == 0
    st = registry.stack(stack_id)
    assert (st.loansInDefault, st.rateSum, st.accruedInterest) == (1, 0, 0)


def test_mark_default__appraisal_below_debt__impairment_in_nav(
    registry, caliber, make_stack, originate, make_receipt, appraiser, keeper, book
):
    stack_id = make_stack(junior=100_000 * USDAI, senior=900_000 * USDAI)
    rid = make_receipt(1_000_000 * USDAI)
    loan_id = originate(stack_id, receipts=[rid])
    travel(MONTH + GRACE + 1)
    from tests.credit.fixtures import now

    caliber.appraise(rid, 500_000 * USDAI, now(), sender=appraiser)  # carrying 350k -> impairment 350k
    book.markDefault(loan_id, sender=keeper)
    st = registry.stack(stack_id)
    assert st.impairment == 350_000 * USDAI
    # Junior (100k) absorbs first; senior is carried at C + L - impairment = 1M - 350k = 650k.
    assert tuple(registry.seniorNav()) == (650_000 * USDAI, 650_000 * USDAI)
    assert tuple(registry.juniorCapital(stack_id)) == (100_000 * USDAI, 0)


def test_withdraw_junior__loan_in_default__reverts(registry, make_stack, originate, keeper, curator, book):
    stack_id = make_stack()
    loan_id = originate(stack_id)
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    with strict_reverts(registry.StackHasDefault, stackId=stack_id, loansInDefault=1):
        registry.withdrawJunior(stack_id, USDAI, curator, sender=curator)


def test_repay__defaulted__reverts(registry, make_stack, originate, keeper, alice, book):
    loan_id = originate(make_stack())
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    with strict_reverts(book.LoanStatusInvalid, status=LOAN_DEFAULTED):
        book.repay(loan_id, USDAI, sender=alice)


def test_record_recovery__active_loan__reverts(registry, make_stack, originate, alice, book):
    loan_id = originate(make_stack())
    with strict_reverts(book.LoanStatusInvalid, loanId=loan_id):
        book.recordRecovery(loan_id, USDAI, sender=alice)


def test_close_liquidation__stranger__reverts(registry, make_stack, originate, keeper, alice, book):
    loan_id = originate(make_stack())
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    with strict_reverts(book.LiquidationCloserInvalid, loanId=loan_id, caller=alice):
        book.closeLiquidation(loan_id, sender=alice)


def test_close_liquidation__recovery_covers_senior__junior_absorbs(
    registry, caliber, make_stack, originate, usdai, fund_usdai, keeper, curator, custodian, alice, book
):
    stack_id = make_stack()  # S 1.8M, J 200k
    loan_id = originate(stack_id)  # 700k; senior claim 630k, junior 70k
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    rid = book.loan(loan_id).receiptIds[0]
    caliber.burn(rid, sender=custodian)  # sold: the custodian burns the receipt
    assert caliber.statusOf(rid) == R_LIQUIDATED
    _recover(registry, book, usdai, fund_usdai, alice, loan_id, 650_000 * USDAI)
    tx = book.closeLiquidation(loan_id, sender=curator)
    senior_principal, senior_interest, junior_principal, junior_interest, surplus, loss = tx.events.filter(
        registry.LiquidationSettled
    )[0].result
    assert senior_principal == 630_000 * USDAI
    assert senior_interest > 0  # senior interest is paid before junior principal
    assert junior_principal == 20_000 * USDAI - senior_interest
    assert (junior_interest, surplus, loss) == (0, 0, 0)
    st = registry.stack(stack_id)
    assert st.seniorPrincipal == 1_170_000 * USDAI  # the rest of the senior capital, still whole
    assert book.loan(loan_id).status == LOAN_CLOSED
    # Junior absorbed the loss: 200k minus (700k principal - 630k returned) plus junior recoveries.
    junior_book, _ = registry.juniorCapital(stack_id)
    assert junior_book == st.cash + st.principalOutstanding - st.seniorPrincipal


def test_close_liquidation__junior_exhausted__senior_loss(
    registry, caliber, make_stack, originate, usdai, fund_usdai, keeper, curator, custodian, alice, book
):
    stack_id = make_stack(junior=100_000 * USDAI, senior=900_000 * USDAI)
    loan_id = originate(stack_id, principal=1_000_000 * USDAI)  # all capital lent: 90/10
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    caliber.burn(book.loan(loan_id).receiptIds[0], sender=custodian)
    _recover(registry, book, usdai, fund_usdai, alice, loan_id, 600_000 * USDAI)
    tx = book.closeLiquidation(loan_id, sender=curator)
    result = tx.events.filter(registry.LiquidationSettled)[0].result
    # Senior got 600k of its 900k claim; junior's 100k is gone; senior loses 300k.
    assert result[0] == 600_000 * USDAI
    assert result[5] == 300_000 * USDAI
    st = registry.stack(stack_id)
    assert (st.seniorPrincipal, st.seniorLoss, st.cash) == (0, 300_000 * USDAI, 0)
    assert tuple(registry.juniorCapital(stack_id)) == (0, 0)
    totals = registry.seniorTotals()
    assert totals.lossRealised == 300_000 * USDAI


def test_close_liquidation__not_defaulted__reverts(registry, make_stack, originate, curator, book):
    loan_id = originate(make_stack())
    with strict_reverts(book.LoanStatusInvalid, loanId=loan_id):
        book.closeLiquidation(loan_id, sender=curator)


# ---------------------------------------------------------------- closing only when the collateral is gone


def test_close_liquidation__before_sale__reverts_and_recovery_still_lands(
    registry, caliber, make_stack, make_receipt, originate, usdai, fund_usdai, keeper, curator, custodian,
    alice, book, governance,
):
    """Revision 1 let the curator (or governance) close a liquidation before any recovery arrived; the
    sale proceeds that came later could never enter the stack. Now the close waits for the sale."""
    stack_id = make_stack()
    rids = [make_receipt(600_000 * USDAI), make_receipt(600_000 * USDAI)]
    loan_id = originate(stack_id, receipts=rids)
    travel(MONTH + GRACE + 1)
    tx = book.markDefault(loan_id, sender=keeper)
    closable_at = book.loan(loan_id).defaultedAt + 180 * DAY
    assert book.loan(loan_id).defaultedAt == tx.timestamp
    for closer in (curator, governance):
        with strict_reverts(book.LiquidationOpen, loanId=loan_id, closableAt=closable_at):
            book.closeLiquidation(loan_id, sender=closer)
    # One lot sold: still open.
    caliber.burn(rids[0], sender=custodian)
    _recover(registry, book, usdai, fund_usdai, alice, loan_id, 300_000 * USDAI)
    with strict_reverts(book.LiquidationOpen, loanId=loan_id):
        book.closeLiquidation(loan_id, sender=curator)
    # Both sold: the close runs the waterfall over every recovery.
    caliber.burn(rids[1], sender=custodian)
    _recover(registry, book, usdai, fund_usdai, alice, loan_id, 400_000 * USDAI)
    tx = book.closeLiquidation(loan_id, sender=curator)
    result = tx.events.filter(registry.LiquidationSettled)[0].result
    assert result[0] == 630_000 * USDAI  # senior principal whole
    assert book.loan(loan_id).recovered == 700_000 * USDAI


def test_close_liquidation__recovery_period_over__closes_unsold(
    registry, caliber, make_stack, originate, keeper, curator, book
):
    loan_id = originate(make_stack())
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    closable_at = book.loan(loan_id).defaultedAt + 180 * DAY
    chain.pending_timestamp = closable_at - 1
    with strict_reverts(book.LiquidationOpen, loanId=loan_id, closableAt=closable_at):
        book.closeLiquidation(loan_id, sender=curator)
    chain.pending_timestamp = closable_at
    book.closeLiquidation(loan_id, sender=curator)
    assert book.loan(loan_id).status == LOAN_CLOSED
    assert caliber.statusOf(book.loan(loan_id).receiptIds[0]) == R_LIQUIDATING


def test_close_liquidation__penalty_interest_paid_before_surplus(
    registry, caliber, make_stack, make_receipt, originate, usdai, fund_usdai, keeper, curator, custodian,
    alice, borrower, book, governance,
):
    """Defaulting does not wipe penalty interest: recoveries pay it before the borrower's surplus."""
    set_risk(book, governance, penaltyBps=500)
    rid = make_receipt(2_000_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=keeper)
    ln = book.loan(loan_id)
    assert ln.penaltyAccrued > 0
    owed = ln.outstanding + ln.interestAccrued + ln.penaltyAccrued
    caliber.burn(rid, sender=custodian)
    _recover(registry, book, usdai, fund_usdai, alice, loan_id, owed + 1_000 * USDAI)
    before = registry.claimable(borrower)
    tx = book.closeLiquidation(loan_id, sender=curator)
    assert tx.events.filter(registry.LiquidationSettled)[0].result[4] == 1_000 * USDAI  # surplus
    assert registry.claimable(borrower) - before == 1_000 * USDAI
