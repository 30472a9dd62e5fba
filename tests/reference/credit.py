"""Test-only reference models of the FiLo ledger and loan book, in plain integer Python.

Mirror `contracts/libraries/WaterfallLib.sol`, the stack accounting of `contracts/FiLoRegistry.sol` and
the loans of `contracts/LoanBook.sol` to the wei: same operations, same rounding (named in each
function). Differential tests run both on the same inputs; the invariant tests use `RegistryModel` to
recompute the senior NAV independently of the contract. The schedule math they share with the `loan`
CLI is `scripts/_suite/credit_math.py` (re-exported here, so `ref.accrue` etc. keep working).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from scripts._suite.credit_math import (  # noqa: F401  (re-exported for the tests)
    BPS,
    NAV_SCALE,
    RAY,
    SECONDS_PER_YEAR,
    Period,
    accrue,
    level_payment,
    mul_div_ceil,
    mul_div_floor,
    period_rate_ray,
    rpow,
    schedule,
    schedule_at,
)

# ---------------------------------------------------------------- waterfall


@dataclass(frozen=True)
class Claims:
    senior_principal: int
    senior_interest: int
    junior_principal: int
    junior_interest: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.senior_principal, self.senior_interest, self.junior_principal, self.junior_interest)


def distribute(amount: int, claims: Claims) -> tuple[Claims, int]:
    """Senior principal, senior interest, junior principal, junior interest; the rest is surplus."""
    left = amount
    paid: list[int] = []
    for claim in claims.as_tuple():
        take = min(left, claim)
        paid.append(take)
        left -= take
    return Claims(*paid), left


def senior_share(amount: int, senior: int, total: int) -> int:
    """Pro rata to capital, rounded down."""
    return 0 if total == 0 else mul_div_floor(amount, senior, total)


def split_interest(interest: int, senior: int, total: int, fee_bps: int) -> tuple[int, int, int]:
    """(senior net, curator fee, junior); the fee is rounded down (the vault keeps the rounding)."""
    gross = senior_share(interest, senior, total)
    fee = mul_div_floor(gross, fee_bps, BPS)
    return gross - fee, fee, interest - gross


# ---------------------------------------------------------------- stack accounting


@dataclass
class LoanModel:
    """A loan in the registry model: its schedule (`BookLoan`, appended below), the appraisals of its
    receipts, and what the book keeps about its collateral and margin."""

    stack_id: int
    borrower: str
    schedule: BookLoan
    appraisals: list[int]
    impairment: int = 0
    recovered: int = 0
    status: str = "Active"
    margin_call_at: int = 0
    defaulted_at: int = 0

    @property
    def outstanding(self) -> int:
        return self.schedule.outstanding

    @property
    def interest(self) -> int:
        return self.schedule.interest

    @property
    def apr_bps(self) -> int:
        return self.schedule.apr_bps

    @property
    def payment(self) -> int:
        return self.schedule.payment


@dataclass
class StackModel:
    curator: str
    min_first_loss_bps: int
    curator_fee_bps: int
    max_senior: int
    last_accrual: int
    senior: int = 0
    cash: int = 0
    outstanding: int = 0
    impairment: int = 0
    pending: int = 0
    rate_sum: int = 0
    accrued: int = 0
    senior_loss: int = 0
    loans_in_default: int = 0
    # The stack's part of the registry-wide deposit-NAV accrual (NAV_SCALE units), as of `last_accrual`.
    senior_accrued_scaled: int = 0
    senior_rate_scaled: int = 0

    def accrue_to(self, now: int) -> None:
        if now > self.last_accrual:
            self.accrued += mul_div_floor(self.rate_sum, now - self.last_accrual, BPS * SECONDS_PER_YEAR)
            self.last_accrual = now

    def redemption(self) -> int:
        return min(self.senior, self.cash + self.outstanding - self.impairment) + self.pending

    def accrued_scaled(self, now: int) -> int:
        return self.senior_accrued_scaled + self.senior_rate_scaled * (now - self.last_accrual)

    def close(self) -> None:
        """After a change (the ledger's `_close`): the senior net share of the accrued interest and of its
        rate, pro rata to capital net of the curator fee, each rounded down."""
        total = self.cash + self.outstanding
        if total == 0 or self.senior == 0:
            self.senior_accrued_scaled = self.senior_rate_scaled = 0
            return
        senior_net_bps = self.senior * (BPS - self.curator_fee_bps)
        self.senior_accrued_scaled = mul_div_floor(self.accrued * NAV_SCALE, senior_net_bps, total * BPS)
        self.senior_rate_scaled = mul_div_floor(
            self.rate_sum * NAV_SCALE, senior_net_bps, total * BPS * BPS * SECONDS_PER_YEAR
        )

    def junior_book(self) -> int:
        return self.cash + self.outstanding - self.senior

    def junior_economic(self) -> int:
        return max(0, self.cash + self.outstanding - self.impairment - self.senior)

    def nav(self, now: int) -> tuple[int, int]:
        """(deposit NAV, redemption NAV) of the senior tranche, as `FiLoRegistry.stackNav`."""
        redemption = self.redemption()
        return redemption + self.accrued_scaled(now) // NAV_SCALE, redemption


@dataclass
class RegistryModel:
    """The ledger's and the loan book's books, driven by the same actions as the contracts (see
    tests/invariant). Appraisals never turn stale here (the stale haircut is off)."""

    max_ltv_bps: int = 7000
    liquidation_cost_bps: int = 3000
    grace: int = 30 * 86_400
    maintenance_ltv_bps: int = 8500
    cure_period: int = 14 * 86_400
    penalty_bps: int = 0
    stacks: dict[int, StackModel] = field(default_factory=dict)
    loans: dict[int, LoanModel] = field(default_factory=dict)
    claimable: dict[str, int] = field(default_factory=dict)
    fee_bps: dict[int, int] = field(default_factory=dict)
    allocated: int = 0
    returned: int = 0
    loss_realised: int = 0

    def _credit(self, account: str, amount: int) -> None:
        self.claimable[account] = self.claimable.get(account, 0) + amount

    def collateral(self, appraisals: list[int]) -> int:
        """Recovery value of fresh appraisals, rounded down per receipt (as the book values them)."""
        return sum(mul_div_floor(a, BPS - self.liquidation_cost_bps, BPS) for a in appraisals)

    def new_loan(
        self, stack_id: int, borrower: str, principal: int, apr_bps: int, periods: int, period_length: int,
        now: int, appraisals: list[int],
    ) -> LoanModel:
        book_loan = BookLoan(
            principal, apr_bps, periods, period_length, now, self.penalty_bps, self.fee_bps.get(stack_id, 0)
        )
        return LoanModel(stack_id, borrower, book_loan, list(appraisals))

    def allocate(self, stack_id: int, amount: int, now: int) -> None:
        st = self.stacks[stack_id]
        st.accrue_to(now)
        st.senior += amount
        st.cash += amount
        st.close()
        self.allocated += amount

    def release(self, stack_id: int, amount: int, now: int) -> None:
        st = self.stacks[stack_id]
        st.accrue_to(now)
        st.senior -= amount
        st.cash -= amount
        st.pending += amount
        st.close()
        self.returned += amount

    def deposit_junior(self, stack_id: int, amount: int, now: int) -> None:
        st = self.stacks[stack_id]
        st.accrue_to(now)
        st.cash += amount
        st.close()

    def withdraw_junior(self, stack_id: int, amount: int, now: int) -> None:
        st = self.stacks[stack_id]
        st.accrue_to(now)
        st.cash -= amount
        st.close()

    def originate(self, loan_id: int, loan: LoanModel, now: int) -> None:
        st = self.stacks[loan.stack_id]
        st.accrue_to(now)
        principal = loan.schedule.principal
        st.rate_sum += principal * loan.apr_bps
        st.outstanding += principal
        st.cash -= principal
        loan.impairment = max(0, principal - self.collateral(loan.appraisals))
        st.impairment += loan.impairment
        st.close()
        self.loans[loan_id] = loan

    def repay(self, loan_id: int, amount: int, now: int, *, insurance: bool = False) -> tuple[int, int]:
        """`LoanBook.repay`, or an insurance payout on a performing loan (no prepayment fee):
        (interest, principal) paid."""
        ln = self.loans[loan_id]
        st = self.stacks[ln.stack_id]
        st.accrue_to(now)
        paid = ln.schedule.repay(amount, now, fee_bps=0 if insurance else None)
        # Interest and fees are shared like interest; only interest settles the stack's accrual.
        total = st.cash + st.outstanding
        senior_interest, fee, junior_interest = split_interest(
            paid.interest + paid.penalty + paid.fee, st.senior, total, st.curator_fee_bps
        )
        senior_principal = senior_share(paid.principal, st.senior, total)
        st.accrued = max(0, st.accrued - paid.interest)
        st.rate_sum -= paid.principal * ln.apr_bps
        st.outstanding -= paid.principal
        st.senior -= senior_principal
        st.pending += senior_interest + senior_principal
        st.cash += junior_interest + paid.principal - senior_principal
        self._set_impairment(ln, st, max(0, ln.outstanding - self.collateral(ln.appraisals)))
        st.close()
        self._credit(st.curator, fee)
        self.returned += senior_principal
        if ln.outstanding == 0:
            ln.status = "Repaid"
            ln.margin_call_at = 0
        else:
            self._check_margin(ln, now)
        return paid.interest, paid.principal

    def paid_total(self, loan_id: int, amount: int, now: int, *, insurance: bool = False) -> int:
        """What `repay(amount)` would take now (interest, fees, principal), without booking it."""
        trial = copy.copy(self.loans[loan_id].schedule)
        paid = trial.repay(amount, now, fee_bps=0 if insurance else None)
        return paid.interest + paid.penalty + paid.fee + paid.principal

    def revalue(self, loan_id: int, appraisals: list[int], now: int) -> None:
        """New evidence on a live loan's receipts (an appraisal, a casualty at zero, a pledge)."""
        ln = self.loans[loan_id]
        st = self.stacks[ln.stack_id]
        ln.appraisals = list(appraisals)
        impairment = max(0, ln.outstanding - self.collateral(ln.appraisals))
        if impairment != ln.impairment:
            # The ledger checkpoints the stack only when the impairment moves.
            st.accrue_to(now)
            self._set_impairment(ln, st, impairment)
            st.close()
        if ln.status == "Active":
            self._check_margin(ln, now)

    def _set_impairment(self, ln: LoanModel, st: StackModel, impairment: int) -> None:
        st.impairment += impairment - ln.impairment
        ln.impairment = impairment

    def _check_margin(self, ln: LoanModel, now: int) -> None:
        above = ln.outstanding * BPS > self.maintenance_ltv_bps * sum(ln.appraisals)
        if above and not ln.margin_call_at:
            ln.margin_call_at = now
        elif not above:
            ln.margin_call_at = 0

    def default_at(self, loan_id: int) -> int:
        ln = self.loans[loan_id]
        at = ln.schedule.default_at(self.grace)
        if ln.margin_call_at:
            at = min(at, ln.margin_call_at + self.cure_period + 1)
        return at

    def is_delinquent(self, loan_id: int, now: int) -> bool:
        ln = self.loans[loan_id]
        return ln.status == "Active" and now >= self.default_at(loan_id)

    def mark_default(self, loan_id: int, now: int) -> None:
        ln = self.loans[loan_id]
        st = self.stacks[ln.stack_id]
        st.accrue_to(now)
        ln.schedule.accrue_to(now)
        self._set_impairment(ln, st, max(0, ln.outstanding - self.collateral(ln.appraisals)))
        ln.status = "Defaulted"
        ln.defaulted_at = now
        st.rate_sum -= ln.outstanding * ln.apr_bps
        st.accrued = max(0, st.accrued - ln.interest)
        st.loans_in_default += 1
        st.close()

    def record_recovery(self, loan_id: int, amount: int) -> None:
        self.loans[loan_id].recovered += amount

    def close_liquidation(self, loan_id: int, now: int) -> tuple[Claims, int, int]:
        """Returns (paid per claim, surplus, realised senior loss)."""
        ln = self.loans[loan_id]
        st = self.stacks[ln.stack_id]
        st.accrue_to(now)
        total = st.cash + st.outstanding
        owed_interest = ln.interest + ln.schedule.penalty  # penalty interest is a claim like interest
        sp = senior_share(ln.outstanding, st.senior, total)
        si = senior_share(owed_interest, st.senior, total)
        paid, surplus = distribute(ln.recovered, Claims(sp, si, ln.outstanding - sp, owed_interest - si))
        fee = mul_div_floor(paid.senior_interest, st.curator_fee_bps, BPS)
        ln.status = "Closed"
        st.outstanding -= ln.outstanding
        st.impairment -= ln.impairment
        st.loans_in_default -= 1
        st.senior -= paid.senior_principal
        st.pending += paid.senior_principal + paid.senior_interest - fee
        st.cash += paid.junior_principal + paid.junior_interest
        self._credit(st.curator, fee)
        self._credit(ln.borrower, surplus)
        self.returned += paid.senior_principal
        assets = st.cash + st.outstanding
        loss = max(0, st.senior - assets)
        st.senior -= loss
        st.senior_loss += loss
        self.loss_realised += loss
        st.close()
        return paid, surplus, loss

    def sweep(self, stack_id: int, now: int) -> int:
        st = self.stacks[stack_id]
        if st.pending == 0:
            return 0
        st.accrue_to(now)
        amount, st.pending = st.pending, 0
        st.close()
        return amount

    def senior_nav(self, now: int) -> tuple[int, int]:
        """The ledger's running totals: redemption NAVs summed exactly; the accrual summed in NAV_SCALE
        units and rounded down once (so at most one wei per stack above the sum of `stack_nav`s)."""
        redemption = sum(st.redemption() for st in self.stacks.values())
        accrued = sum(st.accrued_scaled(now) for st in self.stacks.values())
        return redemption + accrued // NAV_SCALE, redemption


# ---------------------------------------------------------------- one loan, as the loan book runs it


def step(balance: int, apr_bps: int, periods: int, period_length: int, payment: int, j: int) -> tuple[int, int]:
    """Period `j` (from 0) of a schedule paid on its due date: (balance after, payment) (AmortizationLib.step)."""
    owed = balance + accrue(balance, apr_bps, period_length)
    pay = owed if (j + 1 == periods or payment > owed) else payment
    return owed - pay, pay


MONTH = 30 * 86_400


def depreciation_breach(
    principal: int, apr_bps: int, periods: int, period_length: int, max_ltv_bps: int,
    collateral: list[tuple[int, list[int]]],
) -> tuple[int, int, int] | None:
    """The first due date whose scheduled balance exceeds `max_ltv_bps` x the collateral depreciated
    along its curves, as (period, balance, max balance), or None (CreditPolicy.checkSchedule).
    `collateral` is [(appraisals of a class, its curve)]; months since origination are rounded up."""
    payment = level_payment(principal, apr_bps, periods, period_length)
    balance = principal
    for k in range(1, periods):
        balance, _ = step(balance, apr_bps, periods, period_length, payment, k - 1)
        months = -(-k * period_length // MONTH)
        depreciated = sum(amount * curve[min(months, len(curve) - 1)] for amount, curve in collateral)
        max_balance = depreciated * max_ltv_bps // (BPS * BPS)
        if balance > max_balance:
            return k, balance, max_balance
    return None


@dataclass(frozen=True)
class Payment:
    interest: int
    penalty: int
    principal: int  # scheduled and prepaid
    prepaid: int
    fee: int
    target: int  # the due date the scheduled part covers


@dataclass
class BookLoan:
    """One loan's schedule, interest, penalty and prepayments, as `LoanBook` books them (to the wei)."""

    principal: int
    apr_bps: int
    periods: int
    period_length: int
    start: int
    penalty_bps: int = 0
    fee_bps: int = 0
    payment: int = 0
    outstanding: int = 0
    interest: int = 0
    penalty: int = 0
    last_accrual: int = 0
    total_paid: int = 0
    due_index: int = 1
    due_balance: int = 0
    due_paid_total: int = 0
    rebase_index: int = 0
    rebase_balance: int = 0
    rebase_paid: int = 0

    def __post_init__(self) -> None:
        self.payment = level_payment(self.principal, self.apr_bps, self.periods, self.period_length)
        self.outstanding = self.rebase_balance = self.principal
        self.last_accrual = self.start
        self.due_balance, self.due_paid_total = step(
            self.principal, self.apr_bps, self.periods, self.period_length, self.payment, 0
        )

    def _step(self, balance: int, d: int) -> tuple[int, int]:
        base = self.rebase_index
        return step(balance, self.apr_bps, self.periods - base, self.period_length, self.payment, d - base)

    def accrued(self, now: int) -> tuple[int, int]:
        """Interest and penalty since the last accrual: the penalty on the overdue installments, from each
        uncovered due date, on the scheduled payments through it not paid."""
        start = self.last_accrual
        if now <= start:
            return 0, 0
        interest = accrue(self.outstanding, self.apr_bps, now - start)
        d = self.due_index
        due_at = self.start + d * self.period_length
        if self.penalty_bps == 0 or due_at >= now:
            return interest, 0
        penalty = 0
        balance, paid_total = self.due_balance, self.due_paid_total
        while True:
            next_at = due_at + self.period_length if d < self.periods else now
            end, begin = min(now, next_at), max(start, due_at)
            if end > begin and paid_total > self.total_paid:
                penalty += accrue(paid_total - self.total_paid, self.penalty_bps, end - begin)
            if next_at >= now:
                return interest, penalty
            balance, pay = self._step(balance, d)
            paid_total += pay
            d += 1
            due_at = next_at

    def accrue_to(self, now: int) -> None:
        interest, penalty = self.accrued(now)
        self.interest += interest
        self.penalty += penalty
        self.last_accrual = max(self.last_accrual, now)

    def scheduled_principal(self, paid: int, now: int) -> tuple[int, int]:
        """(the next due date at or after now, or the first uncovered; principal still needed to cover it)."""
        target = max(self.due_index, -(-(now - self.start) // self.period_length))
        if target >= self.periods:
            return self.periods, self.outstanding
        balance, paid_total = self.due_balance, self.due_paid_total
        for d in range(self.due_index, target):
            balance, pay = self._step(balance, d)
            paid_total += pay
        return target, min(max(0, paid_total - paid), max(0, self.outstanding - balance))

    def amount_due(self, now: int) -> tuple[int, int, int]:
        interest, penalty = self.accrued(now)
        interest += self.interest
        _, principal = self.scheduled_principal(self.total_paid + interest, now)
        return interest, self.penalty + penalty, principal

    def repay(self, amount: int, now: int, fee_bps: int | None = None) -> Payment:
        """Books a payment; `fee_bps` overrides the loan's prepayment fee (0 for insurance money)."""
        fee_bps = self.fee_bps if fee_bps is None else fee_bps
        self.accrue_to(now)
        interest = min(amount, self.interest)
        rest = amount - interest
        penalty = min(rest, self.penalty)
        rest -= penalty
        self.interest -= interest
        self.penalty -= penalty
        self.total_paid += interest
        target, due = self.scheduled_principal(self.total_paid, now)
        principal = min(rest, due)
        rest -= principal
        prepaid = fee = 0
        room = self.outstanding - principal
        if rest and room:
            prepaid = min(rest * BPS // (BPS + fee_bps), room)
            if prepaid:
                fee = rest - prepaid if prepaid < room else mul_div_ceil(prepaid, fee_bps, BPS)
            principal += prepaid
        self.outstanding -= principal
        self.total_paid += principal
        if self.outstanding:
            if prepaid:
                self.reamortize(target)
            else:
                self.advance()
        return Payment(interest, penalty, principal, prepaid, fee, target)

    def reamortize(self, start_period: int) -> None:
        left = self.periods - start_period
        self.payment = level_payment(self.outstanding, self.apr_bps, left, self.period_length)
        self.rebase_index, self.rebase_balance, self.rebase_paid = start_period, self.outstanding, self.total_paid
        self.due_balance, pay = step(self.outstanding, self.apr_bps, left, self.period_length, self.payment, 0)
        self.due_index, self.due_paid_total = start_period + 1, self.total_paid + pay

    def advance(self) -> None:
        d, balance, paid_total = self.due_index, self.due_balance, self.due_paid_total
        while d < self.periods and (self.total_paid >= paid_total or self.outstanding <= balance):
            balance, pay = self._step(balance, d)
            paid_total += pay
            d += 1
        self.due_index, self.due_balance, self.due_paid_total = d, balance, paid_total

    def default_at(self, grace: int) -> int:
        return self.start + self.due_index * self.period_length + grace + 1
