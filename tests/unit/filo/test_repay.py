"""repay: interest first then principal, pro rata split, curator fee, full repayment returns receipts."""

from ape import chain

from tests.credit.fixtures import LOAN_REPAID, MONTH, R_ACTIVE, USDAI, now, strict_reverts, travel
from tests.reference import credit as ref


def _pay(registry, book, usdai, fund_usdai, payer, loan_id, amount):
    fund_usdai(payer, amount)
    usdai.approve(registry, amount, sender=payer)
    return book.repay(loan_id, amount, sender=payer)


def test_repay__one_period__interest_then_principal_split_pro_rata(
    registry, make_stack, originate, usdai, fund_usdai, alice, curator, book
):
    stack_id = make_stack()  # S 1.8M, total 2M: 90% senior
    loan_id = originate(stack_id)
    start = book.loan(loan_id).start
    payment = book.loan(loan_id).payment
    fund_usdai(alice, payment)
    usdai.approve(registry, payment, sender=alice)
    chain.pending_timestamp = start + MONTH  # the repayment lands exactly on the first due date
    tx = book.repay(loan_id, payment, sender=alice)
    assert tx.timestamp == start + MONTH
    interest = ref.accrue(700_000 * USDAI, 1200, MONTH)
    principal = payment - interest
    senior_net, fee, _ = ref.split_interest(interest, 1_800_000 * USDAI, 2_000_000 * USDAI, 1000)
    senior_principal = ref.senior_share(principal, 1_800_000 * USDAI, 2_000_000 * USDAI)
    event = tx.events.filter(book.LoanRepayment)[0]
    assert (event.interestPaid, event.principalPaid) == (interest, principal)
    event = tx.events.filter(registry.RepaymentSettled)[0]
    assert (event.interestPaid, event.principalPaid) == (interest, principal)
    assert (event.seniorInterest, event.curatorFee, event.seniorPrincipal) == (
        senior_net,
        fee,
        senior_principal,
    )
    st = registry.stack(stack_id)
    assert st.seniorPending == senior_net + senior_principal
    assert st.seniorPrincipal == 1_800_000 * USDAI - senior_principal
    assert registry.claimable(curator) == fee
    assert book.loan(loan_id).outstanding == 700_000 * USDAI - principal
    # The schedule's first row is exactly this payment.
    assert ref.schedule(700_000 * USDAI, 1200, 36, MONTH)[0].balance == book.loan(loan_id).outstanding


def test_repay__more_than_owed__pulls_only_debt_and_returns_receipts(
    registry, caliber, make_stack, originate, usdai, fund_usdai, borrower, alice, keeper, book
):
    stack_id = make_stack()
    loan_id = originate(stack_id)
    rid = book.loan(loan_id).receiptIds[0]
    travel(10 * 86_400)
    fund_usdai(alice, 800_000 * USDAI)
    usdai.approve(registry, 800_000 * USDAI, sender=alice)
    tx = book.repay(loan_id, 800_000 * USDAI, sender=alice)
    interest, principal = tx.return_value
    assert principal == 700_000 * USDAI
    assert usdai.balanceOf(alice) == 800_000 * USDAI - interest - principal
    assert book.loan(loan_id).status == LOAN_REPAID
    assert caliber.ownerOf(rid) == borrower
    assert caliber.statusOf(rid) == R_ACTIVE
    assert book.loanOfReceipt(rid) == 0
    assert tx.events.filter(book.LoanRepaid)
    # Everything came back: the stack is all cash, and the vault's share is pending.
    st = registry.stack(stack_id)
    assert (st.principalOutstanding, st.rateSum) == (0, 0)
    registry.sweep(stack_id, sender=keeper)
    assert registry.stack(stack_id).seniorPending == 0


def test_repay__after_repaid__reverts(registry, make_stack, originate, usdai, fund_usdai, alice, book):
    stack_id = make_stack()
    loan_id = originate(stack_id)
    _pay(registry, book, usdai, fund_usdai, alice, loan_id, 800_000 * USDAI)
    with strict_reverts(book.LoanStatusInvalid, loanId=loan_id, status=LOAN_REPAID):
        book.repay(loan_id, USDAI, sender=alice)


def test_repay__zero__reverts(registry, make_stack, originate, alice, book):
    loan_id = originate(make_stack())
    with strict_reverts(registry.AmountZero):
        book.repay(loan_id, 0, sender=alice)


def test_repay__unknown_loan__reverts(registry, alice, book):
    with strict_reverts(book.LoanNonexistent, loanId=42):
        book.repay(42, USDAI, sender=alice)


def test_repay__interest_only__principal_unchanged(registry, make_stack, originate, usdai, fund_usdai, alice, book):
    loan_id = originate(make_stack())
    travel(MONTH)
    _, interest_now = book.loanDebt(loan_id)
    tx = _pay(registry, book, usdai, fund_usdai, alice, loan_id, interest_now // 2)
    assert tx.return_value == (interest_now // 2, 0)
    assert book.loan(loan_id).outstanding == 700_000 * USDAI


def test_claim__curator_fee__paid_to_recipient(
    registry, make_stack, originate, usdai, fund_usdai, alice, curator, bob, book
):
    loan_id = originate(make_stack())
    travel(MONTH)
    _pay(registry, book, usdai, fund_usdai, alice, loan_id, 50_000 * USDAI)
    fee = registry.claimable(curator)
    assert fee > 0
    registry.claim(bob, sender=curator)
    assert usdai.balanceOf(bob) == fee
    with strict_reverts(registry.AmountZero):
        registry.claim(bob, sender=curator)


def test_nav__accrues_senior_interest_net_of_fee(registry, make_stack, originate):
    stack_id = make_stack()
    originate(stack_id)
    travel(MONTH)
    st = registry.stack(stack_id)
    # The ledger's accrual: the senior share of the rate, net of the fee, in 1e-9 wei a second.
    rate = ref.mul_div_floor(
        st.rateSum * ref.NAV_SCALE, 1_800_000 * USDAI * (ref.BPS - 1000), 2_000_000 * USDAI * ref.BPS * ref.BPS * ref.SECONDS_PER_YEAR
    )
    assert st.seniorRateScaled == rate
    senior_interest = (st.seniorAccruedScaled + rate * (now() - st.lastAccrual)) // ref.NAV_SCALE
    assert tuple(registry.seniorNav()) == (1_800_000 * USDAI + senior_interest, 1_800_000 * USDAI)
    # Within a wei a second of revision 1's formula (the whole month's interest, split at read time).
    accrued = ref.mul_div_floor(st.rateSum, now() - st.lastAccrual, ref.BPS * ref.SECONDS_PER_YEAR)
    old_formula, _, _ = ref.split_interest(accrued, 1_800_000 * USDAI, 2_000_000 * USDAI, 1000)
    assert abs(senior_interest - old_formula) <= 2
