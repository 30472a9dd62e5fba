"""Borrower consent (docs/DECISIONS.md, "Credit a borrower agreed to"): a loan exists only on terms its borrower signed.

Revision 1 let any approved curator originate against a borrower's standing `setApprovalForAll` (the
forced loan); every test here fails on that code, which took no signature at all."""

from ape import chain, project
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from scripts._suite.credit import typed_data
from tests.credit.fixtures import DAY, R_ACTIVE, USDAI, now, strict_reverts

FORCED_APR = 10_000  # 100% a year over one 1-day period: the attack of the issue


def test_forced_loan__other_curator_without_borrower_signature__reverts(
    make_stack, make_receipt, originate, book, caliber, borrower, curator2, sign, usdai
):
    # The borrower has a loan with the first curator, and a second financeable receipt; its standing
    # approval of the book (which every borrower gives) lets the book move that receipt.
    originate(make_stack(), principal=100_000 * USDAI)
    spare = make_receipt(1_000_000 * USDAI)
    assert caliber.isApprovedForAll(borrower, book)
    stack2 = make_stack(curator_=curator2)
    balance = usdai.balanceOf(borrower)

    # The second curator signs the terms itself, or sends none: neither is the borrower's consent.
    terms, forged = sign(stack2, borrower, 700_000 * USDAI, [spare], FORCED_APR, 1, DAY, signer=curator2)
    for signature in (forged, b""):
        with strict_reverts(book.SignatureInvalid, borrower=borrower):
            book.originateLoan(terms.as_tuple(), signature, sender=curator2)

    assert caliber.ownerOf(spare) == borrower
    assert caliber.statusOf(spare) == R_ACTIVE
    assert usdai.balanceOf(borrower) == balance


def test_consent__signature_for_other_terms__reverts(make_stack, make_receipt, book, borrower, curator, sign):
    stack_id = make_stack()
    rid, other = make_receipt(), make_receipt()
    terms, signature = sign(stack_id, borrower, 100_000 * USDAI, [rid])
    for changed in (
        terms.but(principal=100_000 * USDAI + 1),
        terms.but(apr_bps=terms.apr_bps + 1),
        terms.but(periods=12),
        terms.but(receipt_ids=(rid, other)),
        terms.but(deadline=terms.deadline + 1),
        terms.but(nonce=terms.nonce + 1),
    ):
        with strict_reverts(book.SignatureInvalid, borrower=borrower):
            book.originateLoan(changed.as_tuple(), signature, sender=curator)
    # The terms as signed still work.
    book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_consent__wrong_signer__reverts(make_stack, make_receipt, book, borrower, curator, alice, sign):
    terms, signature = sign(make_stack(), borrower, 100_000 * USDAI, [make_receipt()], signer=alice)
    with strict_reverts(book.SignatureInvalid, borrower=borrower):
        book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_consent__expired_deadline__reverts(make_stack, make_receipt, book, borrower, curator, sign):
    deadline = now() + 10
    terms, signature = sign(make_stack(), borrower, 100_000 * USDAI, [make_receipt()], deadline=deadline)
    chain.pending_timestamp = deadline + 1
    with strict_reverts(book.TermsExpired, deadline=deadline, timestamp=deadline + 1):
        book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_consent__deadline_second__accepted(make_stack, make_receipt, book, borrower, curator, sign):
    deadline = now() + 10
    terms, signature = sign(make_stack(), borrower, 100_000 * USDAI, [make_receipt()], deadline=deadline)
    chain.pending_timestamp = deadline
    book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_consent__used_nonce__reverts(make_stack, make_receipt, book, policy, borrower, curator, sign):
    stack_id = make_stack()
    terms, signature = sign(stack_id, borrower, 100_000 * USDAI, [make_receipt()], nonce=7)
    book.originateLoan(terms.as_tuple(), signature, sender=curator)
    assert policy.nonceState(borrower, 7) == 1  # Used
    # The same signature again (a replay), and new terms under the same nonce.
    with strict_reverts(book.NonceUsed, borrower=borrower, nonce=7):
        book.originateLoan(terms.as_tuple(), signature, sender=curator)
    again, signature2 = sign(stack_id, borrower, 50_000 * USDAI, [make_receipt()], nonce=7)
    with strict_reverts(book.NonceUsed, borrower=borrower, nonce=7):
        book.originateLoan(again.as_tuple(), signature2, sender=curator)
    # A used nonce cannot be cancelled either.
    with strict_reverts(policy.NonceUsed, borrower=borrower, nonce=7):
        policy.cancelNonce(7, sender=borrower)


def test_consent__cancelled_nonce__reverts(make_stack, make_receipt, book, policy, borrower, curator, sign):
    terms, signature = sign(make_stack(), borrower, 100_000 * USDAI, [make_receipt()], nonce=11)
    tx = policy.cancelNonce(11, sender=borrower)
    assert tx.events.filter(policy.NonceCancellation)[0].nonce == 11
    with strict_reverts(book.NonceCancelled, borrower=borrower, nonce=11):
        book.originateLoan(terms.as_tuple(), signature, sender=curator)


def test_consent__only_book_spends_consent(make_stack, make_receipt, policy, borrower, alice, sign):
    terms, signature = sign(make_stack(), borrower, 100_000 * USDAI, [make_receipt()])
    with strict_reverts(policy.CallerNotLoanBook, caller=alice):
        policy.consume(terms.as_tuple(), signature, sender=alice)


def test_consent__prepayment_fee_not_signed__reverts(make_stack, make_receipt, book, borrower, curator, sign):
    stack_id = make_stack()
    book.setPrepaymentFee(stack_id, 100, sender=curator)
    terms, signature = sign(stack_id, borrower, 100_000 * USDAI, [make_receipt()], fee_bps=0)
    with strict_reverts(book.PrepaymentFeeMismatch, stackId=stack_id, signed=0, current=100):
        book.originateLoan(terms.as_tuple(), signature, sender=curator)
    with strict_reverts(book.PrepaymentFeeInvalid, feeBps=501):
        book.setPrepaymentFee(stack_id, 501, sender=curator)


def test_consent__digest_matches_eip712(make_stack, make_receipt, policy, borrower, sign):
    """Differential: the contract's digest is the EIP-712 hash eth-account computes for the document."""
    terms, _ = sign(make_stack(), borrower, 123 * USDAI, [make_receipt(), make_receipt()], nonce=2**200)
    expected = encode_typed_data(full_message=typed_data(policy.address, chain.chain_id, terms))
    digest = bytes(policy.termsDigest(terms.as_tuple()))
    assert digest == keccak(b"\x19" + expected.version + expected.header + expected.body)


def test_consent__contract_borrower_erc1271(
    make_stack, make_receipt, book, caliber, curator, alice, bob, sign, usdai, deployer
):
    wallet = project.ContractBorrower.deploy(alice, sender=deployer)
    rid = make_receipt(owner=wallet)
    wallet.execute(caliber, caliber.setApprovalForAll.encode_input(book, True), sender=alice)
    stack_id = make_stack()
    # The wallet's owner signs for the wallet; anybody else's signature is refused.
    terms, by_bob = sign(stack_id, wallet, 100_000 * USDAI, [rid], signer=bob)
    with strict_reverts(book.SignatureInvalid, borrower=wallet):
        book.originateLoan(terms.as_tuple(), by_bob, sender=curator)
    terms, by_owner = sign(stack_id, wallet, 100_000 * USDAI, [rid], signer=alice)
    book.originateLoan(terms.as_tuple(), by_owner, sender=curator)
    assert usdai.balanceOf(wallet) == 100_000 * USDAI
    assert caliber.ownerOf(rid) == book.address
