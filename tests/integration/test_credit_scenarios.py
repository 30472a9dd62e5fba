"""End-to-end FiLo scenarios: on-schedule, early and late repayment; defaults with and without senior
loss; isolation of two stacks."""

from ape import chain

from tests.credit.fixtures import *  # noqa: F401,F403
from tests.credit.fixtures import (
    DAY,
    LOAN_CLOSED,
    LOAN_REPAID,
    MONTH,
    R_ACTIVE,
    USDAI,
    strict_reverts,
    travel,
)
from tests.reference import credit as ref

PRINCIPAL = 700_000 * USDAI
APR = 1200
GRACE = 30 * DAY


def _sell(caliber, book, loan_id, custodian):
    """The custodian sells the hardware and burns the receipts (Liquidated): the liquidation may close."""
    for rid in book.loan(loan_id).receiptIds:
        caliber.burn(rid, sender=custodian)


def _approve_payer(registry, usdai, fund_usdai, payer, amount):
    fund_usdai(payer, amount)
    usdai.approve(registry, amount, sender=payer)


def test_loan_36_periods__repaid_on_schedule__matches_reference(
    registry, caliber, make_stack, originate, usdai, fund_usdai, borrower, vault_account, keeper, curator, book
):
    stack_id = make_stack()
    loan_id = originate(stack_id, PRINCIPAL, APR, 36, MONTH)
    ln = book.loan(loan_id)
    rows = ref.schedule(PRINCIPAL, APR, 36, MONTH)
    _approve_payer(registry, usdai, fund_usdai, borrower, sum(r.payment for r in rows))
    vault_before = usdai.balanceOf(vault_account)
    senior_flows = 0
    for k, row in enumerate(rows, start=1):
        chain.pending_timestamp = ln.start + k * MONTH
        tx = book.repay(loan_id, row.payment, sender=borrower)
        event = tx.events.filter(registry.RepaymentSettled)[0]
        senior_flows += event.seniorInterest + event.seniorPrincipal
        assert tuple(tx.return_value) == (row.interest, row.principal)
        assert book.loan(loan_id).outstanding == row.balance
        assert tuple(book.scheduleAt(loan_id, k)) == ref.schedule_at(
            PRINCIPAL, APR, 36, MONTH, ln.payment, k
        )
        assert not book.isDelinquent(loan_id)
    assert book.loan(loan_id).status == LOAN_REPAID
    assert caliber.ownerOf(ln.receiptIds[0]) == borrower
    assert caliber.statusOf(ln.receiptIds[0]) == R_ACTIVE
    registry.sweep(stack_id, sender=keeper)
    st = registry.stack(stack_id)
    returned = usdai.balanceOf(vault_account) - vault_before
    total_interest = sum(r.interest for r in rows)
    # The vault got the senior share of every payment (net of the curator fee) and nothing else.
    assert returned == senior_flows
    senior_returned = 1_800_000 * USDAI - st.seniorPrincipal
    assert senior_returned < PRINCIPAL
    assert 0 < returned - senior_returned < total_interest * 9 // 10
    assert st.principalOutstanding == 0 and st.rateSum == 0
    assert registry.claimable(curator) > 0
    deposit_nav, redemption_nav = registry.seniorNav()
    assert deposit_nav == redemption_nav == st.seniorPrincipal


def test_loan__repaid_early__less_interest_than_schedule(
    registry, make_stack, originate, usdai, fund_usdai, borrower, book
):
    stack_id = make_stack()
    loan_id = originate(stack_id, PRINCIPAL, APR, 36, MONTH)
    ln = book.loan(loan_id)
    rows = ref.schedule(PRINCIPAL, APR, 36, MONTH)
    _approve_payer(registry, usdai, fund_usdai, borrower, 2 * PRINCIPAL)
    paid = 0
    for k in range(1, 4):
        chain.pending_timestamp = ln.start + k * MONTH - 10 * DAY  # ten days early each time
        interest, principal = book.repay(loan_id, ln.payment, sender=borrower).return_value
        paid += interest + principal
    assert book.loan(loan_id).outstanding < rows[2].balance  # ahead of schedule
    chain.pending_timestamp = ln.start + 4 * MONTH
    outstanding, interest = book.loanDebt(loan_id)
    tx = book.repay(loan_id, 2 * PRINCIPAL, sender=borrower)
    paid += sum(tx.return_value)
    assert book.loan(loan_id).status == LOAN_REPAID
    assert paid - PRINCIPAL < sum(r.interest for r in rows)


def test_loan__paid_late_within_grace__performing_then_default_after_grace(
    registry, make_stack, originate, usdai, fund_usdai, borrower, keeper, book
):
    stack_id = make_stack()
    loan_id = originate(stack_id, PRINCIPAL, APR, 36, MONTH)
    ln = book.loan(loan_id)
    _approve_payer(registry, usdai, fund_usdai, borrower, PRINCIPAL)
    for k in range(1, 4):
        chain.pending_timestamp = ln.start + k * MONTH + 20 * DAY  # 20 days late: inside the grace
        chain.mine()
        assert not book.isDelinquent(loan_id)
        book.repay(loan_id, ln.payment, sender=borrower)
    # Late interest accrued more: principal is behind the schedule, but the payments are on time.
    assert book.loan(loan_id).outstanding > ref.schedule(PRINCIPAL, APR, 36, MONTH)[2].balance
    # The borrower stops paying: period 4 due at 4 x MONTH, delinquent once grace has passed.
    chain.pending_timestamp = ln.start + 4 * MONTH + GRACE
    chain.mine()
    chain.pending_timestamp = ln.start + 4 * MONTH + GRACE  # the mark in that same last second of grace
    with strict_reverts(book.LoanNotDelinquent):
        book.markDefault(loan_id, sender=keeper)
    travel(2)
    book.markDefault(loan_id, sender=keeper)


def _default(registry, book, loan_id, keeper):
    chain.pending_timestamp = book.loan(loan_id).start + MONTH + GRACE + 1
    book.markDefault(loan_id, sender=keeper)


def test_default__recovery_covers_senior__no_senior_loss(
    registry, caliber, make_stack, originate, usdai, fund_usdai, keeper, curator, custodian, alice, vault_account,
    book,
):
    stack_id = make_stack(junior=100_000 * USDAI, senior=900_000 * USDAI)
    loan_id = originate(stack_id, 1_000_000 * USDAI)  # receipt 1.428..M: carrying 1M, no impairment
    _default(registry, book, loan_id, keeper)
    assert registry.seniorNav()[1] == 900_000 * USDAI
    _approve_payer(registry, usdai, fund_usdai, alice, 920_000 * USDAI)
    book.recordRecovery(loan_id, 920_000 * USDAI, sender=alice)
    _sell(caliber, book, loan_id, custodian)
    book.closeLiquidation(loan_id, sender=curator)
    st = registry.stack(stack_id)
    assert st.seniorLoss == 0
    assert st.seniorPending >= 900_000 * USDAI  # principal plus some senior interest
    before = usdai.balanceOf(vault_account)
    registry.sweep(stack_id, sender=keeper)
    assert usdai.balanceOf(vault_account) - before == st.seniorPending
    assert registry.juniorCapital(stack_id)[0] < 100_000 * USDAI  # junior took the loss


def test_default__recovery_short_of_senior__junior_wiped_then_senior_loss(
    registry,
    caliber,
    make_stack,
    originate,
    make_receipt,
    appraiser,
    usdai,
    fund_usdai,
    keeper,
    curator,
    custodian,
    alice,
    book,
):
    stack_id = make_stack(junior=100_000 * USDAI, senior=900_000 * USDAI)
    rid = make_receipt(1_500_000 * USDAI)
    loan_id = originate(stack_id, 1_000_000 * USDAI, receipts=[rid])
    start = book.loan(loan_id).start
    chain.pending_timestamp = start + MONTH + GRACE
    caliber.appraise(rid, 800_000 * USDAI, start + MONTH + GRACE, sender=appraiser)  # carrying 560k
    chain.pending_timestamp = start + MONTH + GRACE + 1
    book.markDefault(loan_id, sender=keeper)
    # Impairment 440k: junior (100k) absorbs first, senior is carried at 560k.
    assert tuple(registry.seniorNav()) == (560_000 * USDAI, 560_000 * USDAI)
    _approve_payer(registry, usdai, fund_usdai, alice, 500_000 * USDAI)
    book.recordRecovery(loan_id, 500_000 * USDAI, sender=alice)
    _sell(caliber, book, loan_id, custodian)
    book.closeLiquidation(loan_id, sender=curator)
    st = registry.stack(stack_id)
    assert st.seniorLoss == 400_000 * USDAI
    assert tuple(registry.juniorCapital(stack_id)) == (0, 0)
    assert book.loan(loan_id).status == LOAN_CLOSED
    assert tuple(registry.seniorNav()) == (500_000 * USDAI, 500_000 * USDAI)
    totals = registry.seniorTotals()
    assert st.seniorPrincipal == totals.allocated - totals.returned - totals.lossRealised


def test_two_stacks__one_defaults__other_untouched(
    registry, caliber, make_stack, originate, usdai, fund_usdai, keeper, curator, curator2, custodian, borrower2,
    alice, book,
):
    a = make_stack(junior=100_000 * USDAI, senior=900_000 * USDAI)
    b = make_stack(junior=100_000 * USDAI, senior=900_000 * USDAI, curator_=curator2)
    loan_a = originate(a, 1_000_000 * USDAI)
    loan_b = originate(b, 500_000 * USDAI, borrower_=borrower2, curator_=curator2)
    _approve_payer(registry, usdai, fund_usdai, borrower2, 100_000 * USDAI)
    _default(registry, book, loan_a, keeper)
    book.repay(loan_b, 20_000 * USDAI, sender=borrower2)
    b_before = registry.stack(b)
    nav_b_before = registry.stackNav(b)
    _approve_payer(registry, usdai, fund_usdai, alice, 100_000 * USDAI)
    book.recordRecovery(loan_a, 100_000 * USDAI, sender=alice)
    _sell(caliber, book, loan_a, custodian)
    book.closeLiquidation(loan_a, sender=curator)
    assert registry.stack(a).seniorLoss == 800_000 * USDAI
    assert registry.stack(b) == b_before
    assert registry.stackNav(b)[1] == nav_b_before[1]  # deposit NAV keeps accruing with time
    assert registry.stack(b).seniorLoss == 0
    # The other curator cannot touch stack A, nor stack A's curator stack B.
    with strict_reverts(registry.StackCuratorOnly):
        registry.withdrawJunior(b, USDAI, curator, sender=curator)
