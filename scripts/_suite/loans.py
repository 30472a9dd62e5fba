"""What the `loan` CLI does, as plain functions over the deployed contracts (the CLI adds options,
confirmation and one-line errors; tests call these directly).

A curator quotes terms (schedule, LTV, depreciation check), the borrower signs them into a terms file
(EIP-712; the file is written, owner-only, before anything is printed), the curator originates from
that file, anyone repays, anyone reads a loan's status."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ape import chain, project
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from scripts._suite.credit import LoanTerms, new_nonce, sign_terms, typed_data
from scripts._suite.credit_math import accrue, level_payment, schedule
from scripts._suite.report import fmt_units

USDAI = 10**18
# Seconds of interest added to a "pay what is due" amount: the time between reading it and the payment
# landing in a block.
DUE_SLACK = 300
STATUS = ["None", "Active", "Repaid", "Defaulted", "Closed"]


def parse_usdai(text: str) -> int:
    """'1,250.5' -> 1250.5 USDai in wei; refuses negatives, zero and more than 18 decimals."""
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    wei = value * USDAI
    if value <= 0 or wei != wei.to_integral_value():
        raise ValueError(f"amount must be positive with at most 18 decimals: {text!r}")
    return int(wei)


def usd(amount: int) -> str:
    return f"{fmt_units(amount, 18, 2)} USDai"


def date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def contracts(book_address: str) -> tuple[Any, Any, Any, Any]:
    """(loan book, credit policy, CALIBER, ledger) from the book's address."""
    book = project.LoanBook.at(book_address)
    return (
        book,
        project.CreditPolicy.at(book.policy()),
        project.CaliberReceipt.at(book.caliber()),
        project.FiLoRegistry.at(book.ledger()),
    )


# ---------------------------------------------------------------- quote


@dataclass(frozen=True)
class Quote:
    payment: int
    total_paid: int
    appraisals: int
    ltv_bps: int
    max_ltv_bps: int
    depreciation_error: str | None  # None: the schedule outpaces the depreciation curves

    def lines(self, principal: int, periods: int, period_days: int) -> list[str]:
        out = [
            f"{periods} payments of {usd(self.payment)} every {period_days} days; "
            f"{usd(self.total_paid)} in all ({usd(self.total_paid - principal)} interest)",
            f"LTV {self.ltv_bps / 100:.2f}% of appraisals {usd(self.appraisals)} (maximum {self.max_ltv_bps / 100:.2f}%)",
        ]
        out.append(
            "depreciation: the schedule outpaces the curves"
            if self.depreciation_error is None
            else f"depreciation: refused, {self.depreciation_error}"
        )
        return out


def quote(book: Any, principal: int, apr_bps: int, periods: int, period_length: int, receipts: list[int]) -> Quote:
    """The schedule and the checks origination will make (without the signature and the stack's cash)."""
    from scripts._suite.errors import describe

    _, policy, caliber, _ = contracts(book.address)
    by_class: dict[bytes, int] = {}
    for rid in receipts:
        record = caliber.receipt(rid)
        key = keccak(text=record.assetClass)
        by_class[key] = by_class.get(key, 0) + int(record.appraisal.valueUsdai)
    appraisals = sum(by_class.values())
    max_ltv = int(book.riskParams().maxLtvBps)
    rows = schedule(principal, apr_bps, periods, period_length)
    error = None
    try:
        policy.checkSchedule(principal, apr_bps, periods, period_length, max_ltv, list(by_class), list(by_class.values()))
    except Exception as exc:  # noqa: BLE001 - a contract revert, described for the user
        error = describe(exc, policy, book)
    return Quote(
        payment=level_payment(principal, apr_bps, periods, period_length),
        total_paid=sum(row.payment for row in rows),
        appraisals=appraisals,
        ltv_bps=principal * 10_000 // appraisals if appraisals else 10**9,
        max_ltv_bps=max_ltv,
        depreciation_error=error,
    )


# ---------------------------------------------------------------- signed terms files


@dataclass(frozen=True)
class TermsFile:
    chain_id: int
    book: str
    policy: str
    terms: LoanTerms
    signature: str
    digest: str

    def save(self, path: Path) -> Path:
        """Writes the file owner-only; refuses to overwrite one (a signed offer is never lost)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        body = asdict(self)
        body["terms"]["receipt_ids"] = list(self.terms.receipt_ids)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(body, handle, indent=2)
            handle.write("\n")
        return path

    @classmethod
    def load(cls, path: Path) -> TermsFile:
        body = json.loads(path.read_text())
        terms = dict(body["terms"])
        terms["receipt_ids"] = tuple(terms["receipt_ids"])
        return cls(
            chain_id=body["chain_id"], book=body["book"], policy=body["policy"], terms=LoanTerms(**terms),
            signature=body["signature"], digest=body["digest"],
        )


def sign(
    book: Any, borrower: Any, stack_id: int, principal: int, apr_bps: int, periods: int, period_length: int,
    receipts: list[int], valid_for: int, out_dir: Path, nonce: int | None = None,
) -> tuple[TermsFile, Path]:
    """The borrower signs terms at the stack's prepayment fee; the terms file is saved first."""
    _, policy, _, _ = contracts(book.address)
    terms = LoanTerms(
        stack_id=stack_id, borrower=str(borrower.address), principal=principal, apr_bps=apr_bps, periods=periods,
        period_length=period_length, prepayment_fee_bps=int(book.prepaymentFeeOf(stack_id)),
        receipt_ids=tuple(receipts), deadline=chain.pending_timestamp + valid_for,
        nonce=new_nonce() if nonce is None else nonce,
    )
    signable = encode_typed_data(full_message=typed_data(policy.address, chain.chain_id, terms))
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    signature = sign_terms(borrower, policy, terms)
    record = TermsFile(chain.chain_id, str(book.address), str(policy.address), terms, "0x" + signature.hex(), "0x" + digest.hex())
    path = record.save(out_dir / f"{policy.address}-{terms.borrower}-{terms.nonce}.terms.json")
    return record, path


def originate(book: Any, curator: Any, record: TermsFile) -> int:
    if record.chain_id != chain.chain_id or record.book.lower() != str(book.address).lower():
        raise ValueError(f"terms are for book {record.book} on chain {record.chain_id}, not {book.address} on {chain.chain_id}")
    tx = book.originateLoan(record.terms.as_tuple(), bytes.fromhex(record.signature[2:]), sender=curator)
    return int(tx.return_value)


def repay(book: Any, payer: Any, loan_id: int, amount: int | None) -> tuple[int, int, int]:
    """Pays `amount` (None: what is due, with `DUE_SLACK` seconds more interest so that the payment still
    covers the installment when it lands a little later; the few wei left over prepay principal).
    Approves the ledger for it. Returns (interest, fees, principal)."""
    _, _, _, ledger = contracts(book.address)
    if amount is None:
        interest, penalty, principal = book.amountDue(loan_id)
        ln = book.loan(loan_id)
        slack = accrue(int(ln.outstanding), int(ln.aprBps), DUE_SLACK)
        amount = int(interest + penalty + principal) + slack
        if amount == slack:
            raise ValueError(f"nothing is due on loan {loan_id} now")
    usdai = project.USDai.at(ledger.usdai())
    if usdai.allowance(payer, ledger) < amount:
        usdai.approve(ledger, amount, sender=payer)
    tx = book.repay(loan_id, amount, sender=payer)
    paid = tx.events.filter(book.LoanRepayment)[0]
    fees = tx.events.filter(book.LoanFeesPaid)
    fee_total = int(fees[0].penaltyPaid + fees[0].prepaymentFee) if fees else 0
    return int(paid.interestPaid), fee_total, int(paid.principalPaid)


def status(book: Any, loan_id: int) -> list[str]:
    ln = book.loan(loan_id)
    state = STATUS[int(ln.status)]
    lines = [f"loan {loan_id}: {state}, stack {ln.stackId}, borrower {ln.borrower}"]
    lines.append(
        f"principal {usd(ln.principal)}, outstanding {usd(ln.outstanding)}, payment {usd(ln.payment)} "
        f"({ln.periods} periods of {ln.periodLength // 86_400} days from {date(ln.start)})"
    )
    if state == "Active":
        interest, penalty, principal = book.amountDue(loan_id)
        next_due = ln.start + ln.dueIndex * ln.periodLength
        lines.append(
            f"due now: interest {usd(interest)}, penalty {usd(penalty)}, principal {usd(principal)}; "
            f"next due date {date(next_due)} (period {ln.dueIndex} of {ln.periods})"
        )
        deadline = int(book.deadlineOf(loan_id))
        if ln.marginCallAt:
            cure = int(book.riskParams().curePeriod)
            lines.append(f"MARGIN CALL since {date(ln.marginCallAt)}: cure by {date(ln.marginCallAt + cure)}")
        if deadline:
            lines.append(f"markable from {date(deadline)}")
    if state == "Defaulted":
        lines.append(f"defaulted {date(ln.defaultedAt)}; recovered {usd(ln.recovered)}; impairment {usd(ln.impairment)}")
    lines.append(
        f"collateral: receipts {list(ln.receiptIds)}, appraisals {usd(ln.appraisalTotal)}, "
        f"recovery value {usd(ln.collateralValue)}"
    )
    return lines
