"""Credit-side actions shared by the demo, the benchmarks, the `loan` CLI and the tests: custody
receipts minted and appraised, stacks opened with first-loss capital, loan terms signed by their
borrower (EIP-712 on the credit policy's domain) and originated."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields, replace
from typing import Any

from ape import chain
from eth_account.messages import encode_typed_data

from scripts._suite.abi import container, struct, struct_abi
from scripts._suite.deployment import DAY, USDAI, WM, Suite

ONE_YEAR = 365 * DAY
MONTH = 30 * DAY


def mint_receipt(
    suite: Suite, custodian: Any, appraiser: Any, owner: Any, value_usdai: int, *, quantity: int = 8,
    model: str = "NVIDIA H100 SXM5", now: int,
) -> int:
    """A custody receipt for `quantity` GPUs held for `owner`, insured for a year and appraised now."""
    params = struct(
        suite.caliber,
        "MintParams",
        facilityId=b"\x0f" * 32,
        assetClass="GPU",
        model=model,
        quantity=quantity,
        serialsRoot=b"\x5e" * 32,
        legalDocHash=b"\x1e" * 32,
        insurance={
            "insurer": "0x00000000000000000000000000000000000115e4",
            "policyHash": b"\x11" * 32,
            "coverageUsdai": 2 * value_usdai,
            "policyExpiry": now + ONE_YEAR,
        },
    )
    # Ids from events, not `return_value`: the bench runs anvil without step traces.
    minted = suite.caliber.mint(owner, params, sender=custodian)
    receipt_id = int(minted.events.filter(suite.caliber.ReceiptMinted)[0].id)
    suite.caliber.appraise(receipt_id, value_usdai, now, sender=appraiser)
    return receipt_id


def open_stack(
    suite: Suite, curator: Any, junior_usdai: int, *, max_senior: int = 100_000_000 * USDAI,
    first_loss_bps: int = 1000, curator_fee_bps: int = 1000,
) -> int:
    """A stack run by `curator` (already approved) with `junior_usdai` of first-loss capital; the
    curator must hold that much USDai."""
    registry = suite.registry
    params = struct(
        registry, "StackParams", maxSenior=max_senior, minFirstLossBps=first_loss_bps, curatorFeeBps=curator_fee_bps
    )
    created = registry.createStack(params, sender=curator)
    stack_id = int(created.events.filter(registry.StackCreated)[0].stackId)
    if junior_usdai:
        suite.usdai.approve(registry, junior_usdai, sender=curator)
        registry.depositJunior(stack_id, junior_usdai, sender=curator)
    return stack_id


# ---------------------------------------------------------------- signed terms

DOMAIN_NAME = "GPU Yield Credit Policy"
DOMAIN_VERSION = "1"


def terms_fields() -> list[tuple[str, str]]:
    """(name, type) of each `LoanTerms` field, in the compiled struct's order: the EIP-712 type. The
    contract's LOAN_TERMS_TYPEHASH is checked against it (tests/unit/filo/test_consent.py)."""
    return [(str(c["name"]), str(c["type"])) for c in struct_abi(container("LoanBook"), "LoanTerms")["components"]]


@dataclass(frozen=True)
class LoanTerms:
    """What a borrower signs (`ICreditTerms.LoanTerms`)."""

    stack_id: int
    borrower: str
    principal: int
    apr_bps: int
    periods: int
    period_length: int
    prepayment_fee_bps: int
    receipt_ids: tuple[int, ...]
    deadline: int
    nonce: int

    def message(self) -> dict[str, Any]:
        """The terms by their Solidity field names (`stack_id` is `stackId`)."""
        values = {_camel(f.name): getattr(self, f.name) for f in fields(self)}
        values["receiptIds"] = list(self.receipt_ids)
        return values

    def as_tuple(self) -> tuple[Any, ...]:
        """The struct as the contracts take it, placed by the compiled ABI (`ICreditTerms.LoanTerms`)."""
        return struct(container("LoanBook"), "LoanTerms", **self.message())

    def but(self, **changes: Any) -> LoanTerms:
        """The same terms with some fields changed (a curator's other terms, in tests)."""
        return replace(self, **changes)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def new_nonce() -> int:
    """A fresh nonce: any unused number works, so a random 64-bit one never collides in practice."""
    return secrets.randbits(64)


def typed_data(policy_address: str, chain_id: int, terms: LoanTerms) -> dict[str, Any]:
    """The EIP-712 document a borrower signs (what a wallet shows)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "LoanTerms": [{"name": name, "type": kind} for name, kind in terms_fields()],
        },
        "primaryType": "LoanTerms",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": str(policy_address),
        },
        "message": terms.message(),
    }


def sign_terms(signer: Any, policy: Any, terms: LoanTerms) -> bytes:
    """`signer`'s EIP-712 signature (65 bytes, r || s || v) of `terms` for the credit policy `policy`."""
    signable = encode_typed_data(full_message=typed_data(policy.address, chain.chain_id, terms))
    signature = signer.sign_message(signable)
    if signature is None:
        raise ValueError(f"account {signer} cannot sign typed data")
    return bytes(signature.encode_rsv())


def build_terms(
    stack_id: int, borrower: Any, principal: int, receipts: list[int], *, apr_bps: int, periods: int,
    period_length: int, fee_bps: int, deadline: int, nonce: int | None = None,
) -> LoanTerms:
    """Terms for `borrower` (an account or an address); a fresh nonce unless one is given."""
    return LoanTerms(
        stack_id=stack_id,
        borrower=str(borrower.address if hasattr(borrower, "address") else borrower),
        principal=principal,
        apr_bps=apr_bps,
        periods=periods,
        period_length=period_length,
        prepayment_fee_bps=fee_bps,
        receipt_ids=tuple(receipts),
        deadline=deadline,
        nonce=new_nonce() if nonce is None else nonce,
    )


def loan_terms(
    suite: Suite, borrower: Any, stack_id: int, principal: int, receipts: list[int], *,
    apr_bps: int = 1500, periods: int = 36, period_length: int = MONTH, valid_for: int = DAY,
    nonce: int | None = None,
) -> LoanTerms:
    """Terms at the stack's current prepayment fee, valid for `valid_for` seconds from the chain's now."""
    return build_terms(
        stack_id, borrower, principal, receipts, apr_bps=apr_bps, periods=periods, period_length=period_length,
        fee_bps=int(suite.loan_book.prepaymentFeeOf(stack_id)), deadline=chain.pending_timestamp + valid_for,
        nonce=nonce,
    )


def originate(
    suite: Suite, curator: Any, borrower: Any, stack_id: int, principal: int, receipts: list[int], *,
    apr_bps: int = 1500, periods: int = 36, period_length: int = MONTH,
) -> int:
    """The borrower signs the terms and lets the book take `receipts`; the curator originates."""
    terms = loan_terms(
        suite, borrower, stack_id, principal, receipts, apr_bps=apr_bps, periods=periods,
        period_length=period_length,
    )
    signature = sign_terms(borrower, suite.credit_policy, terms)
    suite.caliber.setApprovalForAll(suite.loan_book, True, sender=borrower)
    tx = suite.loan_book.originateLoan(terms.as_tuple(), signature, sender=curator)
    return int(tx.events.filter(suite.loan_book.LoanOriginated)[0].loanId)


def fund_credit_cast(suite: Suite, staker: Any, curator: Any, borrower: Any, stake: int = 5_000_000) -> None:
    """The credit benchmarks' cast (`make bench`): the curator approved, the book free to move the
    borrower's receipts, a million USDai each for curator and borrower (the borrower's repayments
    approved to the ledger), and `stake` USDai staked in the vault by the staker."""
    governance, registry, vault, usdai = suite.governance, suite.registry, suite.vault, suite.usdai
    registry.setCuratorApproval(curator, True, sender=governance)
    suite.caliber.setApprovalForAll(suite.loan_book, True, sender=borrower)
    for who, amount in ((staker, stake), (curator, 1_000_000), (borrower, 1_000_000)):
        suite.wm.mint(who, amount * WM, sender=suite.deployer)
        suite.wm.approve(usdai, 2**256 - 1, sender=who)
        usdai.deposit(suite.wm, amount * WM, 0, who, sender=who)
    usdai.approve(vault, 2**256 - 1, sender=staker)
    vault.deposit(stake * USDAI, staker, sender=staker)
    usdai.approve(registry, 2**256 - 1, sender=borrower)
