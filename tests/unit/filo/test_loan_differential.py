"""Differential: one loan driven through the loan book and through the Python reference
(`ref.BookLoan`) on the same random payments and dates; interest, penalty interest,
scheduled and prepaid principal, prepayment fees, re-amortization and the schedule cursor must agree to
the wei after every payment."""

import os

from ape import chain
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.credit.fixtures import DAY, LOAN_REPAID, MONTH, RISK_DEFAULTS, USDAI, now, set_risk, travel
from tests.reference import credit as ref

PENALTY_BPS = RISK_DEFAULTS["penaltyBps"]
# Each example opens a stack and a loan and makes up to six payments (about 40 transactions): eight
# examples in the ci and dev profiles keep the suite's time; `deep` runs its own count.
EXAMPLES = settings.default.max_examples if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 8

payments = st.lists(
    st.tuples(
        # Days until the payment, and the payment in hundredths of the level payment (up to 4x: prepayments).
        st.integers(min_value=0, max_value=75),
        st.integers(min_value=1, max_value=400),
    ),
    min_size=1,
    max_size=6,
)


def _assert_same(book, loan_id, model):
    ln = book.loan(loan_id)
    assert (ln.outstanding, ln.interestAccrued, ln.penaltyAccrued, ln.totalPaid) == (
        model.outstanding, model.interest, model.penalty, model.total_paid,
    )
    assert (ln.payment, ln.rebaseIndex, ln.rebaseBalance, ln.rebasePaid) == (
        model.payment, model.rebase_index, model.rebase_balance, model.rebase_paid,
    )
    assert (ln.dueIndex, ln.dueBalance, ln.duePaidTotal) == (model.due_index, model.due_balance, model.due_paid_total)


@given(
    principal=st.integers(min_value=1_000, max_value=600_000).map(lambda x: x * USDAI + 123),
    apr=st.integers(min_value=0, max_value=3_000),
    periods=st.integers(min_value=2, max_value=24),
    length=st.sampled_from([7 * DAY, 14 * DAY, MONTH]),
    fee_bps=st.sampled_from([0, 100, 500]),
    plan=payments,
)
@example(principal=700_000 * USDAI, apr=1200, periods=12, length=MONTH, fee_bps=100, plan=[(40, 100), (5, 300)])
@settings(max_examples=EXAMPLES)
def test_loan__payments_match_reference(
    book, registry, governance, curator, borrower, make_stack, originate, fund_usdai, usdai,
    principal, apr, periods, length, fee_bps, plan,
):
    set_risk(book, governance, penaltyBps=PENALTY_BPS)
    stack_id = make_stack()
    book.setPrepaymentFee(stack_id, fee_bps, sender=curator)
    loan_id = originate(stack_id, principal=principal, apr_bps=apr, periods=periods, period_length=length)
    ln = book.loan(loan_id)
    model = ref.BookLoan(principal, apr, periods, length, ln.start, PENALTY_BPS, fee_bps)
    _assert_same(book, loan_id, model)
    # Enough for every payment of the plan (at most 4x the payment each), funded and approved once.
    fund_usdai(borrower, model.payment * 4 * len(plan) + 1)
    usdai.approve(registry, 2**256 - 1, sender=borrower)
    for days, hundredths in plan:
        if days:
            travel(days * DAY)
        when = now() + 1
        interest, penalty, principal_due = book.amountDue(loan_id)
        assert (interest, penalty, principal_due) == model.amount_due(now())
        amount = max(1, model.payment * hundredths // 100)
        chain.pending_timestamp = when
        tx = book.repay(loan_id, amount, sender=borrower)
        paid = model.repay(amount, when)
        event = tx.events.filter(book.LoanRepayment)[0]
        assert (event.interestPaid, event.principalPaid) == (paid.interest, paid.principal)
        fees = tx.events.filter(book.LoanFeesPaid)
        got = (fees[0].penaltyPaid, fees[0].prepaymentFee) if fees else (0, 0)
        assert got == (paid.penalty, paid.fee)
        reamortized = tx.events.filter(book.LoanReamortized)
        assert bool(reamortized) == (paid.prepaid != 0 and model.outstanding != 0)
        _assert_same(book, loan_id, model)
        if model.outstanding == 0:
            assert book.loan(loan_id).status == LOAN_REPAID
            break
