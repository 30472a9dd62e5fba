"""CALIBER receipts: mint, appraisals, financeability, serial proofs, burns, escrow lock, metadata."""

import base64
import json

from eth_abi import encode
from eth_utils import keccak

from tests.credit.fixtures import (
    DAY,
    R_ACTIVE,
    R_RELEASED,
    USDAI,
    insurance_params,
    mint_params,
    now,
    strict_reverts,
    travel,
)


def _leaf(serial: str) -> bytes:
    return keccak(keccak(encode(["string"], [serial])))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


def test_mint__custodian__records_and_owns(caliber, custodian, borrower):
    tx = caliber.mint(borrower, mint_params(quantity=16), sender=custodian)
    rid = tx.return_value
    record = caliber.receipt(rid)
    assert (record.custodian, record.status, record.quantity, record.model) == (
        custodian.address,
        R_ACTIVE,
        16,
        "NVIDIA H100 SXM5",
    )
    assert caliber.ownerOf(rid) == borrower
    assert not caliber.isFinanceable(rid)  # not appraised yet
    assert tx.events.filter(caliber.ReceiptMinted)[0].id == rid


def test_mint__without_custodian_role__reverts(caliber, alice, borrower):
    with strict_reverts(caliber.AccessControlUnauthorizedAccount, account=alice):
        caliber.mint(borrower, mint_params(), sender=alice)


def test_mint__zero_quantity__reverts(caliber, custodian, borrower):
    with strict_reverts(caliber.ReceiptRecordInvalid):
        caliber.mint(borrower, mint_params(quantity=0), sender=custodian)


def test_mint__expired_policy__reverts(caliber, custodian, borrower):
    with strict_reverts(caliber.InsuranceInvalid):
        caliber.mint(borrower, mint_params(expiry=now()), sender=custodian)


def test_mint__paused__reverts(caliber, custodian, borrower, pauser):
    caliber.pause(sender=pauser)
    with strict_reverts(caliber.EnforcedPause):
        caliber.mint(borrower, mint_params(), sender=custodian)


def test_appraise__fresh__financeable_until_max_age(caliber, make_receipt):
    rid = make_receipt(500 * USDAI)
    assert caliber.isFinanceable(rid)
    assert caliber.appraisalValue(rid) == 500 * USDAI
    travel(90 * DAY + 1)
    assert not caliber.isFinanceable(rid)


def test_appraise__not_newer__reverts(caliber, make_receipt, appraiser):
    rid = make_receipt()
    t = caliber.receipt(rid).appraisal.timestamp
    with strict_reverts(caliber.AppraisalTimestampInvalid, id=rid, timestamp=t, previous=t):
        caliber.appraise(rid, USDAI, t, sender=appraiser)


def test_appraise__in_future__reverts(caliber, make_receipt, appraiser):
    rid = make_receipt()
    with strict_reverts(caliber.AppraisalTimestampInvalid, id=rid):
        caliber.appraise(rid, USDAI, now() + 1000, sender=appraiser)


def test_appraise__without_role__reverts(caliber, make_receipt, alice):
    rid = make_receipt()
    with strict_reverts(caliber.AccessControlUnauthorizedAccount, account=alice):
        caliber.appraise(rid, USDAI, now(), sender=alice)


def test_appraise__unknown_receipt__reverts(caliber, appraiser):
    with strict_reverts(caliber.ReceiptNonexistent, id=77):
        caliber.appraise(77, USDAI, now(), sender=appraiser)


def test_insurance__lapses__not_financeable_until_renewed(caliber, make_receipt, custodian):
    rid = make_receipt(expiry=now() + 5 * DAY)
    travel(5 * DAY)
    assert not caliber.isFinanceable(rid)
    caliber.updateInsurance(rid, insurance_params(expiry=now() + 365 * DAY), sender=custodian)
    assert caliber.isFinanceable(rid)


def test_update_insurance__other_custodian__reverts(caliber, make_receipt, deployer, governance, alice):
    rid = make_receipt()
    caliber.grantRole(caliber.CUSTODIAN_ROLE(), alice, sender=governance)
    with strict_reverts(caliber.ReceiptCustodianMismatch, id=rid, caller=alice):
        caliber.updateInsurance(rid, insurance_params(), sender=alice)


def test_verify_serial__merkle_proof(caliber, custodian, borrower):
    serials = ["GPU-0001", "GPU-0002", "GPU-0003", "GPU-0004"]
    leaves = [_leaf(s) for s in serials]
    left, right = _pair(leaves[0], leaves[1]), _pair(leaves[2], leaves[3])
    root = _pair(left, right)
    rid = caliber.mint(borrower, mint_params(serials_root=root), sender=custodian).return_value
    assert caliber.verifySerial(rid, "GPU-0003", [leaves[3], left])
    assert not caliber.verifySerial(rid, "GPU-9999", [leaves[3], left])


def test_burn__active__released(caliber, make_receipt, custodian):
    rid = make_receipt()
    tx = caliber.burn(rid, sender=custodian)
    assert caliber.statusOf(rid) == R_RELEASED
    assert tx.events.filter(caliber.ReceiptBurned)[0].status == R_RELEASED


def test_burn__pledged__reverts(caliber, registry, make_stack, originate, custodian, book):
    loan_id = originate(make_stack())
    rid = book.loan(loan_id).receiptIds[0]
    with strict_reverts(caliber.ReceiptNotBurnable, id=rid, status=2):
        caliber.burn(rid, sender=custodian)


def test_transfer__pledged__locked(caliber, registry, make_stack, originate, borrower, book):
    loan_id = originate(make_stack())
    rid = book.loan(loan_id).receiptIds[0]
    with strict_reverts(caliber.ReceiptLocked, id=rid, status=2):
        caliber.transferFrom(book, borrower, rid, sender=borrower)


def test_set_status__not_registry__reverts(caliber, make_receipt, alice):
    rid = make_receipt()
    with strict_reverts(caliber.CallerNotRegistry, caller=alice):
        caliber.setStatus(rid, 2, sender=alice)


def test_set_registry__without_admin__reverts(caliber, alice):
    with strict_reverts(caliber.AccessControlUnauthorizedAccount):
        caliber.setRegistry(alice, sender=alice)


def test_transfer__active__free(caliber, make_receipt, borrower, alice):
    rid = make_receipt()
    caliber.transferFrom(borrower, alice, rid, sender=borrower)
    assert caliber.ownerOf(rid) == alice


def test_token_uri__on_chain_json(caliber, make_receipt):
    rid = make_receipt(123 * USDAI)
    uri = caliber.tokenURI(rid)
    prefix = "data:application/json;base64,"
    assert uri.startswith(prefix)
    meta = json.loads(base64.b64decode(uri[len(prefix) :]))
    assert meta["name"] == f"CALIBER #{rid}"
    attrs = {a["trait_type"]: a["value"] for a in meta["attributes"]}
    assert attrs["status"] == "Active"
    assert attrs["appraisalValueUsdai"] == 123 * USDAI
    assert attrs["quantity"] == 8


def test_token_uri__model_with_quotes_and_backslashes__stays_valid_json(caliber, custodian, borrower):
    model = 'H100 "SXM5"\\","trait_type":"forged'
    rid = caliber.mint(borrower, mint_params(model=model), sender=custodian).return_value
    uri = caliber.tokenURI(rid)
    meta = json.loads(base64.b64decode(uri[len("data:application/json;base64,") :]))
    attrs = {a["trait_type"]: a["value"] for a in meta["attributes"]}
    assert attrs["model"] == model
    assert "forged" not in attrs
