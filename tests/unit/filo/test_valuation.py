"""Carrying value follows the evidence: re-appraisals reach the ledger (and so the vault's price) in
their own transaction, stale appraisals are haircut once marked, the due-date index tells the ledger
when its NAV stops being the truth, and the ledger's running totals equal the sum of its stacks."""

from __future__ import annotations

from ape import chain

from tests.credit.fixtures import (
    DAY,
    MONTH,
    RISK_DEFAULTS,
    USDAI,
    now,
    risk_params,
    strict_reverts,
    travel,
    travel_to,
)

NEVER = 2**256 - 1
HOUR = 3_600
MAX_APPRAISAL_AGE = 90 * DAY


def _receipt(book, loan_id):
    return book.loan(loan_id).receiptIds[0]


def _pay(registry, book, usdai, fund_usdai, payer, loan_id, amount):
    fund_usdai(payer, amount)
    usdai.approve(registry, amount, sender=payer)
    return book.repay(loan_id, amount, sender=payer)


# ---------------------------------------------------------------- re-appraisals


def test_reappraisal__marked_down__impairment_in_the_same_transaction_junior_first(
    registry, book, caliber, appraiser, make_stack, originate
):
    stack_id = make_stack()  # junior 200,000, senior 1,800,000
    loan_id = originate(stack_id, 700_000 * USDAI)  # receipt appraised at 1,000,000 (recovery 700,000)
    rid = _receipt(book, loan_id)
    assert book.loan(loan_id).impairment == 0
    _, redemption = registry.stackNav(stack_id)

    # Recovery 560,000 against 700,000 lent: 140,000 impaired, all of it within junior capital.
    travel(1)
    tx = caliber.appraise(rid, 800_000 * USDAI, now(), sender=appraiser)
    assert book.loan(loan_id).impairment == 140_000 * USDAI
    assert registry.stack(stack_id).impairment == 140_000 * USDAI
    events = tx.events.filter(registry.ImpairmentUpdated)
    assert [(e.stackId, e.previous, e.current) for e in events] == [(stack_id, 0, 140_000 * USDAI)]
    assert registry.stackNav(stack_id)[1] == redemption  # senior untouched
    assert tuple(registry.juniorCapital(stack_id)) == (200_000 * USDAI, 60_000 * USDAI)

    # Recovery 280,000: 420,000 impaired, 220,000 beyond junior capital reaches the senior NAV.
    travel(1)
    caliber.appraise(rid, 400_000 * USDAI, now(), sender=appraiser)
    assert registry.stackNav(stack_id)[1] == redemption - 220_000 * USDAI
    assert tuple(registry.juniorCapital(stack_id))[1] == 0


def test_reappraisal__back_up__impairment_released(registry, book, caliber, appraiser, make_stack, originate):
    stack_id = make_stack()
    loan_id = originate(stack_id, 700_000 * USDAI)
    rid = _receipt(book, loan_id)
    travel(1)
    caliber.appraise(rid, 500_000 * USDAI, now(), sender=appraiser)
    assert registry.stack(stack_id).impairment == 350_000 * USDAI
    travel(1)
    caliber.appraise(rid, 1_100_000 * USDAI, now(), sender=appraiser)
    assert registry.stack(stack_id).impairment == 0
    assert book.loan(loan_id).collateralValue == 770_000 * USDAI


def test_reappraisal__unpledged_receipt__touches_no_loan(registry, caliber, appraiser, make_receipt):
    rid = make_receipt(1_000_000 * USDAI)
    travel(1)
    tx = caliber.appraise(rid, 10 * USDAI, now(), sender=appraiser)
    assert len(tx.events.filter(registry.ImpairmentUpdated)) == 0


def test_on_receipt_evidence__not_caliber__reverts(book, alice):
    with strict_reverts(book.CallerNotCaliber, caller=alice):
        book.onReceiptEvidence(1, sender=alice)


def test_ledger_settlement__not_loan_book__reverts(registry, alice):
    with strict_reverts(registry.CallerNotLoanBook, caller=alice):
        registry.lend(1, alice, USDAI, 1000, sender=alice)
    with strict_reverts(registry.CallerNotLoanBook, caller=alice):
        registry.updateImpairment(1, 0, USDAI, sender=alice)
    with strict_reverts(registry.CallerNotLoanBook, caller=alice):
        registry.setStaleFrom(0, sender=alice)


# ---------------------------------------------------------------- stale appraisals


def test_stale_appraisal__default_haircut__deadline_then_refresh_impairs(
    registry, book, caliber, governance, usdai, fund_usdai, alice, make_stack, originate
):
    book.setRiskParams(risk_params(RISK_DEFAULTS), sender=governance)  # the launch default: a stale appraisal supports nothing
    stack_id = make_stack()
    loan_id = originate(stack_id, 700_000 * USDAI, periods=12)
    ln = book.loan(loan_id)
    # Four payments ahead: the first uncovered due date is the fifth, far past the appraisal's expiry.
    _pay(registry, book, usdai, fund_usdai, alice, loan_id, 4 * ln.payment)
    appraised_at = caliber.financing(_receipt(book, loan_id))[2]
    expiry = appraised_at + MAX_APPRAISAL_AGE + 1
    assert book.deadlineOf(loan_id) == expiry
    assert registry.navState()[2] == expiry // HOUR * HOUR  # the vault stops pricing from that hour

    travel_to(expiry)
    impaired_before = registry.stack(stack_id).impairment
    assert impaired_before == 0  # nothing moves by itself: the deadline tells the vault to wait
    outstanding = book.loan(loan_id).outstanding
    tx = book.refreshCollateral(loan_id, sender=alice)
    assert book.loan(loan_id).collateralValue == 0
    assert registry.stack(stack_id).impairment == outstanding
    revalued = tx.events.filter(book.CollateralRevalued)[0]
    assert (revalued.loanId, revalued.collateralValue, revalued.impairment) == (loan_id, 0, outstanding)
    # The stale appraisal no longer sets a deadline; the default deadline does.
    ln = book.loan(loan_id)
    assert book.deadlineOf(loan_id) == ln.start + ln.dueIndex * ln.periodLength + 30 * DAY + 1
    assert registry.navState()[2] == book.deadlineOf(loan_id) // HOUR * HOUR


def test_stale_appraisal__no_haircut__sets_no_deadline(registry, book, make_stack, originate):
    # The credit fixture sets staleHaircutBps to 0: staleness costs nothing and needs no marking.
    loan_id = originate(make_stack(), 700_000 * USDAI)
    ln = book.loan(loan_id)
    assert ln.appraisalExpiry == 0
    assert book.deadlineOf(loan_id) == ln.start + MONTH + 30 * DAY + 1


def test_refresh_collateral__repaid_loan__reverts(registry, book, usdai, fund_usdai, alice, make_stack, originate):
    loan_id = originate(make_stack(), 100_000 * USDAI, periods=1)
    travel(DAY)
    _pay(registry, book, usdai, fund_usdai, alice, loan_id, 200_000 * USDAI)
    with strict_reverts(book.LoanStatusInvalid, loanId=loan_id, status=2):
        book.refreshCollateral(loan_id, sender=alice)


# ---------------------------------------------------------------- due-date index


def test_due_index__two_loans__stale_from_is_the_earliest_and_moves_with_payments(
    registry, book, usdai, fund_usdai, alice, make_stack, originate
):
    stack_id = make_stack()
    assert registry.navState()[2] == NEVER
    first = originate(stack_id, 100_000 * USDAI)
    travel(10 * DAY)
    second = originate(stack_id, 100_000 * USDAI)
    d1, d2 = book.deadlineOf(first), book.deadlineOf(second)
    assert d1 < d2
    assert book.staleFrom() == registry.navState()[2] == d1 // HOUR * HOUR

    # The first pays its first installment: its deadline moves a period on, the second's is now first.
    _pay(registry, book, usdai, fund_usdai, alice, first, book.loan(first).payment)
    assert book.deadlineOf(first) == d1 + MONTH
    assert registry.navState()[2] == d2 // HOUR * HOUR

    # Both repaid in full: nothing left to mark.
    for loan_id in (first, second):
        _pay(registry, book, usdai, fund_usdai, alice, loan_id, 200_000 * USDAI)
    assert registry.navState()[2] == NEVER
    assert book.deadlineOf(first) == 0


def test_due_index__default_marks__loan_leaves_default_deadline(
    registry, book, keeper, make_stack, originate
):
    loan_id = originate(make_stack(), 100_000 * USDAI)
    deadline = book.deadlineOf(loan_id)
    assert registry.navState()[2] == deadline // HOUR * HOUR
    travel_to(deadline - 1)
    assert not book.isDelinquent(loan_id)
    travel(1)
    assert book.isDelinquent(loan_id) and registry.navState()[2] <= now()  # the vault waits for a mark
    book.markDefault(loan_id, sender=keeper)
    assert book.deadlineOf(loan_id) == 0  # no stale-appraisal deadline either (haircut 0 here)
    assert registry.navState()[2] == NEVER


# ---------------------------------------------------------------- delinquency and junior capital


def test_withdraw_junior__loan_behind_schedule_within_grace__reverts(
    registry, book, curator, make_stack, originate
):
    stack_id = make_stack(junior=400_000 * USDAI)
    loan_id = originate(stack_id, 100_000 * USDAI)
    assert not book.hasDelinquency(stack_id)
    travel_to(book.loan(loan_id).start + MONTH + 1)  # the first due date passed unpaid
    assert book.hasDelinquency(stack_id)
    assert not book.isDelinquent(loan_id)  # not yet past grace
    with strict_reverts(registry.StackHasDelinquency, stackId=stack_id):
        registry.withdrawJunior(stack_id, USDAI, curator, sender=curator)


def test_withdraw_junior__loan_current__allowed(registry, book, usdai, fund_usdai, alice, curator, make_stack, originate):
    stack_id = make_stack(junior=400_000 * USDAI)
    loan_id = originate(stack_id, 100_000 * USDAI)
    travel_to(book.loan(loan_id).start + MONTH - 1)
    _pay(registry, book, usdai, fund_usdai, alice, loan_id, book.loan(loan_id).payment)
    travel(2)
    assert not book.hasDelinquency(stack_id)
    registry.withdrawJunior(stack_id, USDAI, curator, sender=curator)


# ---------------------------------------------------------------- running totals


def test_senior_nav__is_sum_of_stack_navs(registry, book, caliber, appraiser, make_stack, originate, curator2):
    a = make_stack()
    b = make_stack(junior=100_000 * USDAI, senior=500_000 * USDAI, curator_=curator2)
    loan_a = originate(a, 700_000 * USDAI, apr_bps=1500)
    originate(b, 300_000 * USDAI, apr_bps=900, curator_=curator2)
    travel(17 * DAY)
    caliber.appraise(_receipt(book, loan_a), 300_000 * USDAI, now(), sender=appraiser)
    travel(3 * DAY + 7)
    chain.mine()
    deposit, redemption = registry.seniorNav()
    navs = [registry.stackNav(s) for s in (a, b)]
    assert redemption == sum(r for _, r in navs)
    assert 0 <= deposit - sum(d for d, _ in navs) < 2  # one rounding per stack, in the vault's favour
    assert deposit > redemption  # interest accrues on both performing loans
