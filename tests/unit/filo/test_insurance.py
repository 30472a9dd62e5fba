"""Insurance (docs/DECISIONS.md, "Credit a borrower agreed to"): a custodian-reported casualty on a pledged receipt lets the insurer's
payout (at most the coverage, only for a loss before the policy expired) reach its loan: a repayment
while the loan performs, a recovery once it has defaulted."""

from ape import chain

from tests.credit.fixtures import (
    DAY,
    MONTH,
    R_LIQUIDATED,
    USDAI,
    insurance_params,
    now,
    strict_reverts,
    travel,
)

GRACE = 30 * DAY


def _pay(book, registry, usdai, fund_usdai, payer, loan_id, rid, amount):
    fund_usdai(payer, amount)
    usdai.approve(registry, amount, sender=payer)
    return book.recordInsurancePayout(loan_id, rid, amount, sender=payer)


def test_casualty__pledged_receipt__supports_nothing(book, caliber, make_stack, make_receipt, originate, custodian):
    rid = make_receipt(1_000_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    when = now()
    tx = caliber.reportCasualty(rid, when, sender=custodian)
    assert tx.events.filter(caliber.CasualtyReported)[0].occurredAt == when
    ln = book.loan(loan_id)
    assert (ln.collateralValue, ln.appraisalTotal, ln.impairment) == (0, 0, 700_000 * USDAI)
    assert ln.marginCallAt == tx.timestamp
    assert not caliber.isFinanceable(rid)


def test_casualty__report_checks(caliber, make_receipt, custodian, alice, make_stack, originate):
    rid = make_receipt()
    with strict_reverts(caliber.AccessControlUnauthorizedAccount, account=alice):
        caliber.reportCasualty(rid, now(), sender=alice)
    with strict_reverts(caliber.CasualtyInvalid, id=rid, occurredAt=0):
        caliber.reportCasualty(rid, 0, sender=custodian)
    with strict_reverts(caliber.CasualtyInvalid, id=rid, occurredAt=now() + 100):
        caliber.reportCasualty(rid, now() + 100, sender=custodian)
    caliber.reportCasualty(rid, now(), sender=custodian)
    with strict_reverts(caliber.CasualtyInvalid, id=rid):
        caliber.reportCasualty(rid, now(), sender=custodian)
    # Lost hardware is not collateral.
    with strict_reverts(caliber.ReceiptCasualty, id=rid):
        originate(make_stack(), receipts=[rid])


def test_payout__performing_loan__repays_it(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, alice
):
    rid = make_receipt(1_000_000 * USDAI, coverage=2_000_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    caliber.reportCasualty(rid, now(), sender=custodian)
    tx = _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 300_000 * USDAI)
    event = tx.events.filter(book.InsurancePayout)[0]
    assert (event.loanId, event.receiptId, event.payer, event.amount) == (loan_id, rid, alice, 300_000 * USDAI)
    assert book.insurancePaid(rid) == 300_000 * USDAI
    assert tx.events.filter(book.LoanReamortized)
    assert book.loan(loan_id).outstanding < 420_000 * USDAI


def test_payout__beyond_coverage__reverts(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, alice
):
    rid = make_receipt(1_000_000 * USDAI, coverage=500_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    travel(MONTH + GRACE + 1)
    caliber.reportCasualty(rid, now(), sender=custodian)
    book.markDefault(loan_id, sender=alice)
    _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 400_000 * USDAI)
    fund_usdai(alice, 100_001 * USDAI)
    with strict_reverts(
        book.InsuranceCoverageExceeded, receiptId=rid, paidAfter=500_001 * USDAI, coverage=500_000 * USDAI
    ):
        book.recordInsurancePayout(loan_id, rid, 100_001 * USDAI, sender=alice)
    _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 100_000 * USDAI)
    assert book.loan(loan_id).recovered == 500_000 * USDAI


def test_payout__loss_after_policy_expiry__reverts(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, alice
):
    expiry = now() + 20 * DAY
    rid = make_receipt(1_000_000 * USDAI, expiry=expiry)
    loan_id = originate(make_stack(), receipts=[rid])
    travel(21 * DAY)
    caliber.reportCasualty(rid, expiry + 1, sender=custodian)
    fund_usdai(alice, USDAI)
    with strict_reverts(book.CasualtyAfterPolicyExpiry, receiptId=rid, occurredAt=expiry + 1, policyExpiry=expiry):
        book.recordInsurancePayout(loan_id, rid, USDAI, sender=alice)


def test_payout__loss_reported_late_but_before_expiry__pays(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, alice
):
    expiry = now() + 20 * DAY
    rid = make_receipt(1_000_000 * USDAI, expiry=expiry)
    loan_id = originate(make_stack(), receipts=[rid])
    travel(25 * DAY)
    caliber.reportCasualty(rid, expiry, sender=custodian)  # the loss happened on the policy's last second
    _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 100_000 * USDAI)
    assert book.insurancePaid(rid) == 100_000 * USDAI


def test_payout__no_casualty_or_other_loan__reverts(
    book, registry, usdai, fund_usdai, make_stack, make_receipt, originate, alice
):
    rid = make_receipt()
    loan_id = originate(make_stack(), receipts=[rid])
    fund_usdai(alice, USDAI)
    with strict_reverts(book.CasualtyNotReported, receiptId=rid):
        book.recordInsurancePayout(loan_id, rid, USDAI, sender=alice)
    other = originate(make_stack())
    with strict_reverts(book.ReceiptNotInLoan, receiptId=rid, loanId=other):
        book.recordInsurancePayout(other, rid, USDAI, sender=alice)


def test_payout__defaulted_loan__recovery_in_waterfall(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, curator, alice
):
    rid = make_receipt(1_000_000 * USDAI, coverage=650_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    travel(MONTH + GRACE + 1)
    book.markDefault(loan_id, sender=alice)
    caliber.reportCasualty(rid, now(), sender=custodian)
    caliber.burn(rid, sender=custodian)  # nothing left to sell
    assert caliber.statusOf(rid) == R_LIQUIDATED
    # The hardware is gone but its insurance has not paid: closing now would strand the payout.
    closable_at = book.loan(loan_id).defaultedAt + 180 * DAY
    with strict_reverts(book.LiquidationOpen, loanId=loan_id, closableAt=closable_at):
        book.closeLiquidation(loan_id, sender=curator)
    _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 300_000 * USDAI)
    with strict_reverts(book.LiquidationOpen, loanId=loan_id):
        book.closeLiquidation(loan_id, sender=curator)
    _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 350_000 * USDAI)  # the whole coverage
    chain.pending_timestamp = now() + 1
    tx = book.closeLiquidation(loan_id, sender=curator)
    result = tx.events.filter(registry.LiquidationSettled)[0].result
    assert result[0] == 630_000 * USDAI and result[5] == 0


def test_payout__coverage_fixed_when_the_loss_is_reported(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, alice
):
    rid = make_receipt(1_000_000 * USDAI, coverage=100_000 * USDAI)
    loan_id = originate(make_stack(), receipts=[rid])
    caliber.reportCasualty(rid, now(), sender=custodian)
    # Restating the policy after the loss changes nothing the loss is covered for.
    caliber.updateInsurance(rid, insurance_params(now() + 400 * DAY, 5_000_000 * USDAI), sender=custodian)
    assert tuple(caliber.casualty(rid))[1] == 100_000 * USDAI
    fund_usdai(alice, 100_001 * USDAI)
    with strict_reverts(book.InsuranceCoverageExceeded, coverage=100_000 * USDAI):
        book.recordInsurancePayout(loan_id, rid, 100_001 * USDAI, sender=alice)


def test_payout__performing_loan__no_prepayment_fee(
    book, registry, caliber, usdai, fund_usdai, make_stack, make_receipt, originate, custodian, curator, alice
):
    stack_id = make_stack()
    book.setPrepaymentFee(stack_id, 500, sender=curator)
    rid = make_receipt(1_000_000 * USDAI)
    loan_id = originate(stack_id, receipts=[rid])
    caliber.reportCasualty(rid, now(), sender=custodian)
    before = book.loan(loan_id).outstanding
    tx = _pay(book, registry, usdai, fund_usdai, alice, loan_id, rid, 300_000 * USDAI)
    assert not tx.events.filter(book.LoanFeesPaid)
    paid = tx.events.filter(book.LoanRepayment)[0]
    assert paid.interestPaid + paid.principalPaid == 300_000 * USDAI
    assert before - book.loan(loan_id).outstanding == paid.principalPaid
