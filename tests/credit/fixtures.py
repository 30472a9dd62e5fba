"""Fixtures of the credit layer (CALIBER receipts and FiLo stacks), shared by tests/unit/caliber,
tests/unit/filo, tests/integration/test_credit_*.py and tests/invariant/test_filo_*.py: each of those
imports them with `from tests.credit.fixtures import *`.

The contracts are the suite's own (deployed by the launch code); to test the registry in isolation,
its vault is pointed at a plain test account (`vault_account`), funded with USDai, that transfers it to
the registry and calls `allocateSenior` exactly as the vault does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import chain, project

from scripts._suite.abi import container, enum_members, struct, struct_fields
from scripts._suite.credit import LoanTerms, build_terms, sign_terms
from scripts._suite.deployment import DAY, USDAI, Params, asset_class_key
from tests.support import strict_reverts

YEAR = 365 * DAY
MONTH = 30 * DAY

# FiLoRegistry.StackRules and LoanBook.RiskParams as the launch sets them, by field name (the ABI
# places them: `risk_params`, `stack_rules`).
STACK_RULES_DEFAULTS = Params().stack_rules()
RISK_DEFAULTS = Params().book_risk()
# The credit unit tests run loans for months without re-appraising, as revision 1 did: there a stale
# appraisal costs nothing (staleHaircutBps 0), and late payments pay no penalty (penaltyBps 0), so that
# their amounts are the schedule's. Stale appraisals and penalties at the launch defaults have their own
# tests (tests/unit/filo/test_valuation.py, test_penalty.py, tests/integration/test_nav_attacks.py).
RISK_NO_STALE_HAIRCUT = {**RISK_DEFAULTS, "staleHaircutBps": 0, "penaltyBps": 0}


def stack_params(max_senior: int, first_loss_bps: int, curator_fee_bps: int) -> tuple[int, ...]:
    """FiLoRegistry.StackParams as the ABI orders it."""
    return struct(
        container("FiLoRegistry"),
        "StackParams",
        maxSenior=max_senior,
        minFirstLossBps=first_loss_bps,
        curatorFeeBps=curator_fee_bps,
    )


def risk_params(base: dict[str, int] | None = None, **fields: int) -> tuple[int, ...]:
    """LoanBook.RiskParams as the ABI orders it: `base` (default: the launch's) with `fields` changed."""
    return struct(container("LoanBook"), "RiskParams", **{**(base or RISK_DEFAULTS), **fields})


def current_risk(book: Any) -> dict[str, int]:
    """The book's risk parameters by field name."""
    return dict(zip(struct_fields(container("LoanBook"), "RiskParams"), book.riskParams(), strict=True))


def set_risk(book: Any, governance: Any, **fields: int) -> None:
    """Changes some of the book's risk parameters (by name), keeping the others."""
    book.setRiskParams(risk_params(current_risk(book), **fields), sender=governance)


def stack_rules(**fields: int) -> tuple[int, ...]:
    """FiLoRegistry.StackRules as the ABI orders it, the launch's with `fields` changed."""
    return struct(container("FiLoRegistry"), "StackRules", **{**STACK_RULES_DEFAULTS, **fields})

# The unit tests' receipts are of class "GPU"; their schedules are not bound by depreciation (a flat
# curve) unless a test sets one (tests/unit/filo/test_depreciation.py).
GPU_CLASS = asset_class_key("GPU")
FLAT_CURVE = [10_000]
MAX_APPRAISAL_AGE = 90 * DAY

# LoanStatus / receipt Status as the contracts number them.
# Enum values from the declaring sources (the ABI carries only the enum's name).
_LOAN = enum_members("ILoanBook", "LoanStatus")
LOAN_ACTIVE, LOAN_REPAID, LOAN_DEFAULTED, LOAN_CLOSED = (
    _LOAN.index(m) for m in ("Active", "Repaid", "Defaulted", "Closed")
)
_RECEIPT = enum_members("ICaliberReceipt", "Status")
R_NONE, R_ACTIVE, R_PLEDGED, R_LIQUIDATING, R_LIQUIDATED, R_RELEASED = (
    _RECEIPT.index(m) for m in ("None", "Active", "Pledged", "Liquidating", "Liquidated", "Released")
)


# ---------------------------------------------------------------- time


def now() -> int:
    """Timestamp of the latest block."""
    return int(chain.blocks.head.timestamp)


def travel(seconds: int) -> None:
    """Moves the chain `seconds` forward and mines a block there."""
    chain.pending_timestamp = now() + seconds
    chain.mine()


def travel_to(timestamp: int) -> None:
    chain.pending_timestamp = timestamp
    chain.mine()


# ---------------------------------------------------------------- deployment


# The credit tests' extra actors are fixed dev accounts (funded by anvil at genesis): generated
# accounts would get other addresses depending on which tests were collected before, and ether funded
# inside a test's snapshot would vanish with it.
@pytest.fixture(scope="session")
def custodian(accounts: Any) -> Any:
    return accounts[14]


@pytest.fixture(scope="session")
def appraiser(accounts: Any) -> Any:
    return accounts[15]


@pytest.fixture(scope="session")
def vault_account(accounts: Any) -> Any:
    return accounts[16]


@pytest.fixture(scope="session")
def curator2(accounts: Any) -> Any:
    return accounts[17]


@pytest.fixture(scope="session")
def borrower2(accounts: Any) -> Any:
    return accounts[18]


@pytest.fixture(scope="session")
def credit(
    suite: Any,
    deployer: Any,
    governance: Any,
    pauser: Any,
    custodian: Any,
    appraiser: Any,
    vault_account: Any,
    curator: Any,
    curator2: Any,
    borrower: Any,
    borrower2: Any,
) -> tuple[Any, Any, Any]:
    # The suite's own CaliberReceipt, FiLo ledger (FiLoRegistry) and LoanBook (deployed by the launch
    # code). These tests isolate the ledger from the vault: governance points it at a plain account that
    # plays the vault; tests/integration/test_vault_credit.py points it back at the real vault.
    caliber, registry, book = suite.caliber, suite.registry, suite.loan_book
    caliber.grantRole(caliber.CUSTODIAN_ROLE(), custodian, sender=governance)
    caliber.grantRole(caliber.APPRAISER_ROLE(), appraiser, sender=governance)
    registry.setVault(vault_account, sender=governance)
    registry.setCuratorApproval(curator, True, sender=governance)
    registry.setCuratorApproval(curator2, True, sender=governance)
    book.setRiskParams(risk_params(RISK_NO_STALE_HAIRCUT), sender=governance)
    project.CreditPolicy.at(book.policy()).setDepreciationCurve(GPU_CLASS, FLAT_CURVE, sender=governance)
    for owner in (borrower, borrower2):
        caliber.setApprovalForAll(book, True, sender=owner)
    return caliber, registry, book


@pytest.fixture(scope="session")
def caliber(credit: tuple[Any, Any, Any]) -> Any:
    return credit[0]


@pytest.fixture(scope="session")
def registry(credit: tuple[Any, Any, Any]) -> Any:
    """The FiLo ledger."""
    return credit[1]


@pytest.fixture(scope="session")
def book(credit: tuple[Any, Any, Any]) -> Any:
    """The FiLo loan book."""
    return credit[2]


@pytest.fixture(scope="session")
def policy(book: Any) -> Any:
    """The credit policy: borrower consent and depreciation curves."""
    return project.CreditPolicy.at(book.policy())


@pytest.fixture(scope="session")
def sign(policy: Any) -> Callable[..., tuple[LoanTerms, bytes]]:
    """`sign(stack_id, borrower, principal, receipts, apr_bps=1200, periods=36, period_length=MONTH,
    fee_bps=0, deadline=None, nonce=None, signer=None)` -> (terms, signature): terms the borrower (or
    `signer`) signed, valid for a day by default."""

    def _sign(
        stack_id: int,
        borrower_: Any,
        principal: int,
        receipts: list[int],
        apr_bps: int = 1200,
        periods: int = 36,
        period_length: int = MONTH,
        fee_bps: int = 0,
        deadline: int | None = None,
        nonce: int | None = None,
        signer: Any = None,
    ) -> tuple[LoanTerms, bytes]:
        terms = build_terms(
            stack_id, borrower_, principal, receipts, apr_bps=apr_bps, periods=periods,
            period_length=period_length, fee_bps=fee_bps, deadline=now() + DAY if deadline is None else deadline,
            nonce=nonce,
        )
        return terms, sign_terms(signer or borrower_, policy, terms)

    return _sign


@pytest.fixture(scope="session")
def harness(deployer: Any) -> Any:
    return project.CreditMathHarness.deploy(sender=deployer)


# ---------------------------------------------------------------- factories


def insurance(
    expiry: int | None = None, coverage: int = 10_000_000 * USDAI, insurer: str | None = None
) -> dict[str, Any]:
    """CALIBER's Insurance struct, by field name."""
    return {
        "insurer": insurer or "0x00000000000000000000000000000000000115e4",
        "policyHash": b"\x11" * 32,
        "coverageUsdai": coverage,
        "policyExpiry": expiry or now() + YEAR,
    }


def insurance_params(
    expiry: int | None = None, coverage: int = 10_000_000 * USDAI, insurer: str | None = None
) -> tuple:
    """CALIBER's Insurance struct as the ABI orders it."""
    return struct(container("CaliberReceipt"), "Insurance", **insurance(expiry, coverage, insurer))


def mint_params(
    quantity: int = 8, model: str = "NVIDIA H100 SXM5", expiry: int | None = None, asset_class: str = "GPU",
    coverage: int = 10_000_000 * USDAI, serials_root: bytes = b"\x5e" * 32,
) -> tuple:
    """CALIBER's MintParams as the ABI orders it."""
    return struct(
        container("CaliberReceipt"),
        "MintParams",
        facilityId=b"\x0f" * 32,
        assetClass=asset_class,
        model=model,
        quantity=quantity,
        serialsRoot=serials_root,
        legalDocHash=b"\x1e" * 32,
        insurance=insurance(expiry, coverage),
    )


@pytest.fixture(scope="session")
def make_receipt(caliber: Any, custodian: Any, appraiser: Any, borrower: Any) -> Callable[..., int]:
    """`make_receipt(value, owner=borrower, appraise=True, expiry=None, asset_class="GPU",
    coverage=10M USDai)` -> receipt id, appraised now."""

    def _make(
        value: int = 1_000_000 * USDAI, owner: Any = None, appraise: bool = True, expiry: int | None = None,
        asset_class: str = "GPU", coverage: int = 10_000_000 * USDAI,
    ) -> int:
        params = mint_params(expiry=expiry, asset_class=asset_class, coverage=coverage)
        tx = caliber.mint(owner or borrower, params, sender=custodian)
        receipt_id = tx.return_value
        if appraise:
            caliber.appraise(receipt_id, value, now(), sender=appraiser)
        return receipt_id

    return _make


@pytest.fixture(scope="session")
def fund_usdai(mint_usdai: Callable[[Any, int], int]) -> Callable[[Any, int], None]:
    """`fund_usdai(account, usdai_amount)`: mints USDai (a multiple of 1e12) to `account`."""

    def _fund(account: Any, amount: int) -> None:
        mint_usdai(account, -(-amount // 10**12))

    return _fund


@pytest.fixture(scope="session")
def allocate(
    registry: Any, usdai: Any, vault_account: Any, fund_usdai: Callable[[Any, int], None]
) -> Callable[[int, int], None]:
    """`allocate(stack_id, amount)`: the vault transfers USDai to the registry and allocates it."""

    def _allocate(stack_id: int, amount: int) -> None:
        fund_usdai(vault_account, amount)
        usdai.transfer(registry, amount, sender=vault_account)
        registry.allocateSenior(stack_id, amount, sender=vault_account)

    return _allocate


@pytest.fixture(scope="session")
def deposit_junior(
    registry: Any, usdai: Any, fund_usdai: Callable[[Any, int], None]
) -> Callable[[Any, int, int], None]:
    def _deposit(curator_: Any, stack_id: int, amount: int) -> None:
        fund_usdai(curator_, amount)
        usdai.approve(registry, amount, sender=curator_)
        registry.depositJunior(stack_id, amount, sender=curator_)

    return _deposit


@pytest.fixture(scope="session")
def make_stack(
    registry: Any,
    curator: Any,
    allocate: Callable[[int, int], None],
    deposit_junior: Callable[[Any, int, int], None],
) -> Callable[..., int]:
    """`make_stack(junior, senior, curator=curator, max_senior=..., first_loss_bps=1000, fee_bps=1000)`."""

    def _make(
        junior: int = 200_000 * USDAI,
        senior: int = 1_800_000 * USDAI,
        curator_: Any = None,
        max_senior: int = 10_000_000 * USDAI,
        first_loss_bps: int = 1000,
        fee_bps: int = 1000,
    ) -> int:
        who = curator_ or curator
        stack_id = registry.createStack(stack_params(max_senior, first_loss_bps, fee_bps), sender=who).return_value
        if junior:
            deposit_junior(who, stack_id, junior)
        if senior:
            allocate(stack_id, senior)
        return stack_id

    return _make


@pytest.fixture(scope="session")
def originate(
    book: Any, curator: Any, borrower: Any, make_receipt: Callable[..., int], sign: Callable[..., Any]
) -> Callable[..., int]:
    """`originate(stack_id, principal, apr_bps=1200, periods=36, period_length=MONTH, receipts=None,
    borrower=borrower, curator=curator)` -> loan id; by default one receipt appraised at principal / 0.7.
    With `prepared=True` nothing is sent: it returns the `originateLoan` arguments (terms, signature),
    for a refusal checked by `eth_call` (a nested revert in a sent transaction costs Ape a long trace)."""

    def _originate(
        stack_id: int,
        principal: int = 700_000 * USDAI,
        apr_bps: int = 1200,
        periods: int = 36,
        period_length: int = MONTH,
        receipts: list[int] | None = None,
        borrower_: Any = None,
        curator_: Any = None,
        prepared: bool = False,
    ) -> Any:
        who = borrower_ or borrower
        if receipts is None:
            receipts = [make_receipt(-(-principal * 10_000 // 7000), owner=who)]
        terms, signature = sign(
            stack_id, who, principal, receipts, apr_bps, periods, period_length,
            fee_bps=int(book.prepaymentFeeOf(stack_id)),
        )
        if prepared:
            return terms.as_tuple(), signature
        tx = book.originateLoan(terms.as_tuple(), signature, sender=curator_ or curator)
        return tx.return_value

    return _originate


__all__ = [
    "strict_reverts",
    "now",
    "travel",
    "travel_to",
    "insurance",
    "insurance_params",
    "mint_params",
    "custodian",
    "appraiser",
    "vault_account",
    "curator2",
    "borrower2",
    "credit",
    "caliber",
    "registry",
    "book",
    "policy",
    "sign",
    "harness",
    "make_receipt",
    "fund_usdai",
    "allocate",
    "deposit_junior",
    "make_stack",
    "originate",
    "YEAR",
    "MONTH",
    "DAY",
    "USDAI",
    "RISK_DEFAULTS",
    "RISK_NO_STALE_HAIRCUT",
    "risk_params",
    "stack_params",
    "current_risk",
    "set_risk",
    "stack_rules",
    "GPU_CLASS",
    "FLAT_CURVE",
    "MAX_APPRAISAL_AGE",
    "LOAN_ACTIVE",
    "LOAN_REPAID",
    "LOAN_DEFAULTED",
    "LOAN_CLOSED",
    "R_NONE",
    "R_ACTIVE",
    "R_PLEDGED",
    "R_LIQUIDATING",
    "R_LIQUIDATED",
    "R_RELEASED",
]
