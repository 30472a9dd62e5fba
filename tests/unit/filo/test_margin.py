"""LTV maintenance (docs/DECISIONS.md, "Credit a borrower agreed to"): a re-appraisal above `maintenanceLtvBps` opens a margin call; the
borrower cures it by prepaying or pledging more receipts; uncured past `curePeriod`, anyone marks the
loan defaulted."""

from ape import chain

from tests.credit.fixtures import DAY, LOAN_DEFAULTED, USDAI, now, set_risk, strict_reverts

CURE = 14 * DAY


def _appraise(caliber, appraiser, rid, value):
    """An appraisal made in the next block (its timestamp pinned to that block's)."""
    when = now() + 1
    chain.pending_timestamp = when
    return caliber.appraise(rid, value, when, sender=appraiser)


def _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber):
    """700k against one receipt appraised at 1M (70%), then re-appraised at 800k (87.5% > 85%)."""
    rid = make_receipt(1_000_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    tx = _appraise(caliber, appraiser, rid, 800_000 * USDAI)
    return loan_id, rid, tx


def test_reappraisal_above_maintenance__opens_margin_call(book, make_stack, make_receipt, originate, appraiser, caliber):
    loan_id, _, tx = _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber)
    event = tx.events.filter(book.MarginCalled)[0]
    assert (event.loanId, event.outstanding, event.appraisalTotal) == (loan_id, 700_000 * USDAI, 800_000 * USDAI)
    assert event.curableUntil == tx.timestamp + CURE
    ln = book.loan(loan_id)
    assert ln.marginCallAt == tx.timestamp
    # The margin call's end is now the loan's next markable moment (before its first due date + grace).
    assert book.deadlineOf(loan_id) == tx.timestamp + CURE + 1


def test_reappraisal_within_maintenance__no_call(book, make_stack, make_receipt, originate, appraiser, caliber):
    rid = make_receipt(1_000_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    # 700k / 823,530 = 84.99...%: within 85%.
    tx = _appraise(caliber, appraiser, rid, 823_530 * USDAI)
    assert not tx.events.filter(book.MarginCalled)
    assert book.loan(loan_id).marginCallAt == 0


def test_margin_call__uncured__anyone_marks_default(
    book, make_stack, make_receipt, originate, appraiser, caliber, keeper
):
    loan_id, _, tx = _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber)
    chain.pending_timestamp = tx.timestamp + CURE
    with strict_reverts(book.LoanNotDelinquent, loanId=loan_id):
        book.markDefault(loan_id, sender=keeper)
    chain.pending_timestamp = tx.timestamp + CURE + 1
    book.markDefault(loan_id, sender=keeper)
    assert book.loan(loan_id).status == LOAN_DEFAULTED


def test_margin_call__cured_by_prepaying(
    book, registry, make_stack, make_receipt, originate, appraiser, caliber, borrower, usdai, fund_usdai, keeper
):
    loan_id, _, called = _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber)
    # Down to 85% of 800k = 680k: the first installment's principal and a prepayment of the rest.
    interest, _, due = book.amountDue(loan_id)
    amount = interest + due + 30_000 * USDAI
    fund_usdai(borrower, amount)
    usdai.approve(registry, amount, sender=borrower)
    tx = book.repay(loan_id, amount, sender=borrower)
    assert tx.events.filter(book.MarginCallCured)[0].loanId == loan_id
    assert tx.events.filter(book.LoanReamortized)
    ln = book.loan(loan_id)
    assert ln.marginCallAt == 0 and ln.outstanding * 10_000 <= 8500 * ln.appraisalTotal
    chain.pending_timestamp = called.timestamp + CURE + 1
    with strict_reverts(book.LoanNotDelinquent, loanId=loan_id):
        book.markDefault(loan_id, sender=keeper)


def test_margin_call__cured_by_pledging_more(
    book, caliber, make_stack, make_receipt, originate, appraiser, borrower, alice
):
    loan_id, rid, _ = _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber)
    extra = make_receipt(100_000 * USDAI)
    # Only the borrower pledges (its own transaction is its consent).
    with strict_reverts(book.BorrowerOnly, loanId=loan_id, caller=alice):
        book.pledgeReceipts(loan_id, [extra], sender=alice)
    mine = make_receipt(100_000 * USDAI, owner=alice)
    with strict_reverts(book.ReceiptNotOwned, receiptId=mine, borrower=borrower):
        book.pledgeReceipts(loan_id, [mine], sender=borrower)
    with strict_reverts(book.ReceiptAlreadyPledged, receiptId=rid):
        book.pledgeReceipts(loan_id, [rid], sender=borrower)
    tx = book.pledgeReceipts(loan_id, [extra], sender=borrower)
    assert tx.events.filter(book.MarginCallCured)[0].loanId == loan_id
    ln = book.loan(loan_id)
    assert list(ln.receiptIds) == [rid, extra]
    assert ln.appraisalTotal == 900_000 * USDAI and ln.marginCallAt == 0
    assert caliber.ownerOf(extra) == book.address and book.loanOfReceipt(extra) == loan_id


def test_margin_call__cleared_by_better_appraisal(book, make_stack, make_receipt, originate, appraiser, caliber):
    loan_id, rid, _ = _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber)
    tx = _appraise(caliber, appraiser, rid, 900_000 * USDAI)
    assert tx.events.filter(book.MarginCallCured)
    assert book.loan(loan_id).marginCallAt == 0


def test_stale_appraisal__haircuts_value_but_opens_no_margin_call(
    book, governance, make_stack, make_receipt, originate, appraiser, caliber, keeper
):
    """Only evidence opens a margin call: an appraisal growing old is haircut (default 100%) in the
    carrying value, but the loan's LTV stays on the last appraisal (a paying borrower is not defaulted
    because an appraiser was late)."""
    set_risk(book, governance, staleHaircutBps=10_000)  # the launch's stale haircut
    rid = make_receipt(appraise=False)
    caliber.appraise(rid, 1_000_000 * USDAI, now() - 89 * DAY, sender=appraiser)
    loan_id = originate(make_stack(), receipts=[rid])
    chain.pending_timestamp = now() + 2 * DAY
    book.refreshCollateral(loan_id, sender=keeper)
    ln = book.loan(loan_id)
    assert (ln.collateralValue, ln.impairment) == (0, ln.outstanding)
    assert ln.appraisalTotal == 1_000_000 * USDAI and ln.marginCallAt == 0


def test_margin_call__holds_junior_capital(
    book, registry, make_stack, make_receipt, originate, appraiser, caliber, curator
):
    loan_id, _, _ = _called_loan(book, make_stack, make_receipt, originate, appraiser, caliber)
    stack_id = book.loan(loan_id).stackId
    assert book.hasDelinquency(stack_id)
    with strict_reverts(registry.StackHasDelinquency, stackId=stack_id):
        registry.withdrawJunior(stack_id, USDAI, curator, sender=curator)
