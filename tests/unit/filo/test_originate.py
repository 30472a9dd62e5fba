"""originateLoan: the happy path and every check, each with its exact error."""

from tests.credit.fixtures import (
    DAY,
    LOAN_ACTIVE,
    MONTH,
    R_PLEDGED,
    USDAI,
    now,
    strict_reverts,
    travel,
)
from tests.reference import credit as ref
from tests.support import assert_call_reverts


def test_originate__happy_path__escrows_receipts_and_pays_borrower(
    registry, caliber, make_stack, make_receipt, borrower, usdai, curator, book, sign
):
    stack_id = make_stack()
    receipts = [make_receipt(600_000 * USDAI), make_receipt(400_000 * USDAI)]
    terms, signature = sign(stack_id, borrower, 700_000 * USDAI, receipts)
    tx = book.originateLoan(terms.as_tuple(), signature, sender=curator)
    loan_id = tx.return_value
    ln = book.loan(loan_id)
    assert ln.status == LOAN_ACTIVE
    assert ln.payment == ref.level_payment(700_000 * USDAI, 1200, 36, MONTH)
    assert list(ln.receiptIds) == receipts
    assert usdai.balanceOf(borrower) == 700_000 * USDAI
    for rid in receipts:
        assert caliber.ownerOf(rid) == book.address
        assert caliber.statusOf(rid) == R_PLEDGED
        assert book.loanOfReceipt(rid) == loan_id
    st = registry.stack(stack_id)
    assert (st.cash, st.principalOutstanding, st.rateSum) == (
        1_300_000 * USDAI,
        700_000 * USDAI,
        700_000 * USDAI * 1200,
    )
    event = tx.events.filter(book.LoanOriginated)[0]
    assert (event.loanId, event.principal, event.payment) == (loan_id, 700_000 * USDAI, ln.payment)


def test_originate__not_stack_curator__reverts(make_stack, make_receipt, borrower, curator2, book, sign):
    stack_id = make_stack()
    terms, signature = sign(stack_id, borrower, USDAI, [make_receipt()])
    with strict_reverts(book.StackCuratorOnly, stackId=stack_id, caller=curator2):
        book.originateLoan(terms.as_tuple(), signature, sender=curator2)


def test_originate__curator_revoked__reverts(registry, make_stack, originate, governance, curator):
    stack_id = make_stack()
    registry.setCuratorApproval(curator, False, sender=governance)
    with strict_reverts(registry.CuratorNotApproved, curator=curator):
        originate(stack_id)


def test_originate__stale_appraisal__reverts(registry, make_stack, make_receipt, originate, book):
    stack_id = make_stack()
    rid = make_receipt()
    travel(90 * DAY + 1)
    with strict_reverts(book.ReceiptAppraisalStale, receiptId=rid):
        originate(stack_id, receipts=[rid])


def test_originate__never_appraised__reverts(registry, make_stack, make_receipt, originate, book):
    stack_id = make_stack()
    rid = make_receipt(appraise=False)
    with strict_reverts(book.ReceiptAppraisalStale, receiptId=rid, appraisedAt=0):
        originate(stack_id, receipts=[rid])


def test_originate__insurance_lapsed__reverts(registry, make_stack, make_receipt, originate, book):
    stack_id = make_stack()
    expiry = now() + 10 * DAY
    rid = make_receipt(expiry=expiry)
    travel(10 * DAY)
    with strict_reverts(book.ReceiptInsuranceLapsed, receiptId=rid, policyExpiry=expiry):
        originate(stack_id, receipts=[rid])


def test_originate__ltv_exceeded__reverts(registry, make_stack, make_receipt, originate, book):
    stack_id = make_stack()
    rid = make_receipt(1_000_000 * USDAI)
    with strict_reverts(
        book.LoanToValueExceeded, principal=700_000 * USDAI + 1, maxPrincipal=700_000 * USDAI
    ):
        originate(stack_id, principal=700_000 * USDAI + 1, receipts=[rid])


def test_originate__receipt_not_owned__reverts(
    registry, make_stack, make_receipt, originate, alice, borrower, book
):
    stack_id = make_stack()
    rid = make_receipt(owner=alice)
    with strict_reverts(book.ReceiptNotOwned, receiptId=rid, owner=alice, borrower=borrower):
        originate(stack_id, receipts=[rid])


def test_originate__receipt_already_pledged__reverts(registry, make_stack, make_receipt, originate, book):
    stack_id = make_stack()
    rid = make_receipt(2_000_000 * USDAI)
    originate(stack_id, principal=100_000 * USDAI, receipts=[rid])
    with strict_reverts(book.ReceiptAlreadyPledged, receiptId=rid):
        originate(stack_id, principal=100_000 * USDAI, receipts=[rid])


def test_originate__receipt_listed_twice__reverts(registry, make_stack, make_receipt, originate, book):
    stack_id = make_stack()
    rid = make_receipt()
    with strict_reverts(book.ReceiptAlreadyPledged, receiptId=rid):
        originate(stack_id, principal=100_000 * USDAI, receipts=[rid, rid])


def test_originate__receipt_released__reverts(
    registry, caliber, make_stack, make_receipt, originate, custodian, book
):
    stack_id = make_stack()
    rid = make_receipt()
    caliber.burn(rid, sender=custodian)
    with strict_reverts(book.ReceiptNotFinanceable, receiptId=rid, status=5):
        originate(stack_id, receipts=[rid])


# Refusals raised inside the ledger or CALIBER (nested calls) are checked by eth_call: Ape spends about
# 13 s tracing such a transaction.


def test_originate__first_loss_below_minimum__reverts(registry, book, curator, make_stack, originate):
    stack_id = make_stack(junior=50_000 * USDAI, senior=1_950_000 * USDAI)
    assert_call_reverts(
        registry.FirstLossBelowMinimum, book.originateLoan, *originate(stack_id, prepared=True), sender=curator,
        juniorCapital=50_000 * USDAI, required=70_000 * USDAI,
    )


def test_originate__more_than_cash__reverts(registry, book, curator, make_stack, originate):
    stack_id = make_stack(junior=100_000 * USDAI, senior=400_000 * USDAI)
    assert_call_reverts(
        registry.StackCapitalInsufficient, book.originateLoan, *originate(stack_id, prepared=True), sender=curator,
        needed=700_000 * USDAI, available=500_000 * USDAI,
    )


def test_originate__invalid_terms__reverts(registry, make_stack, make_receipt, borrower, curator, book, sign):
    stack_id = make_stack()
    rid = make_receipt()
    for principal, apr, periods, length in [
        (0, 1200, 36, MONTH),
        (USDAI, 10_001, 36, MONTH),
        (USDAI, 1200, 0, MONTH),
        (USDAI, 1200, 361, MONTH),
        (USDAI, 1200, 36, DAY - 1),
        (USDAI, 1200, 31, 365 * DAY),
    ]:
        terms, signature = sign(stack_id, borrower, principal, [rid], apr, periods, length)
        with strict_reverts(book.LoanTermsInvalid, principal=principal, periods=periods):
            book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_originate__no_receipts__reverts(make_stack, borrower, curator, book, sign):
    stack_id = make_stack()
    terms, signature = sign(stack_id, borrower, USDAI, [])
    with strict_reverts(book.ReceiptCountInvalid, count=0):
        book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_originate__paused__reverts(registry, book, curator, make_stack, originate, pauser):
    stack_id = make_stack()
    args = originate(stack_id, prepared=True)
    registry.pause(sender=pauser)
    assert_call_reverts(registry.EnforcedPause, book.originateLoan, *args, sender=curator)


def test_originate__borrower_has_not_approved_book__reverts(
    registry, book, caliber, curator, make_stack, make_receipt, originate, alice
):
    stack_id = make_stack()
    rid = make_receipt(owner=alice)
    assert_call_reverts(
        caliber.ERC721InsufficientApproval, book.originateLoan,
        *originate(stack_id, receipts=[rid], borrower_=alice, prepared=True), sender=curator, operator=book, tokenId=rid,
    )
