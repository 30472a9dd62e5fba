"""Reference math of the FiLo registry, in plain integer Python.

Mirrors `contracts/libraries/AmortizationLib.sol`, `contracts/libraries/WaterfallLib.sol` and the stack
accounting of `contracts/FiLoRegistry.sol` to the wei: same operations, same rounding (named in each
function). Differential tests run both on the same inputs; the invariant tests use `StackModel` to
recompute the senior NAV independently of the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BPS = 10_000
NAV_SCALE = 10**9  # FiLoRegistry.NAV_SCALE
SECONDS_PER_YEAR = 365 * 86_400
RAY = 10**27


def mul_div_floor(a: int, b: int, c: int) -> int:
    return a * b // c


def mul_div_ceil(a: int, b: int, c: int) -> int:
    return -((-a * b) // c)


# ---------------------------------------------------------------- amortization


def accrue(principal: int, apr_bps: int, elapsed: int) -> int:
    """Simple interest, rounded up (it is debt)."""
    return mul_div_ceil(principal, apr_bps * elapsed, BPS * SECONDS_PER_YEAR)


def period_rate_ray(apr_bps: int, period_length: int) -> int:
    """Rate of one period as a RAY fraction, rounded down."""
    return mul_div_floor(apr_bps * period_length, RAY, BPS * SECONDS_PER_YEAR)


def rpow(x: int, n: int) -> int:
    """x^n in RAY fixed point by square-and-multiply, every product rounded down."""
    z = RAY
    while n:
        if n & 1:
            z = z * x // RAY
        n >>= 1
        if n:
            x = x * x // RAY
    return z


def level_payment(principal: int, apr_bps: int, periods: int, period_length: int) -> int:
    """Annuity payment, rounded up; P / n (up) at a zero rate."""
    r = period_rate_ray(apr_bps, period_length)
    if r == 0:
        return -(-principal // periods)
    x = rpow(RAY + r, periods)
    rx = mul_div_ceil(r, x, RAY)
    return mul_div_ceil(principal, rx, x - RAY)


@dataclass(frozen=True)
class Period:
    payment: int
    interest: int
    principal: int
    balance: int


def schedule(principal: int, apr_bps: int, periods: int, period_length: int) -> list[Period]:
    """The full schedule with payments on their due dates; the last period clears the balance."""
    payment = level_payment(principal, apr_bps, periods, period_length)
    rows: list[Period] = []
    balance = principal
    for j in range(periods):
        interest = accrue(balance, apr_bps, period_length)
        owed = balance + interest
        pay = owed if (j + 1 == periods or payment > owed) else payment
        balance = owed - pay
        rows.append(Period(pay, interest, pay - interest, balance))
    return rows


def schedule_at(
    principal: int, apr_bps: int, periods: int, period_length: int, payment: int, k: int
) -> tuple[int, int]:
    """(remaining principal, cumulative payments) after `k` on-time payments (AmortizationLib.scheduleAt)."""
    balance, paid = principal, 0
    for j in range(min(k, periods)):
        owed = balance + accrue(balance, apr_bps, period_length)
        pay = owed if (j + 1 == periods or payment > owed) else payment
        balance = owed - pay
        paid += pay
    return balance, paid


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
    stack_id: int
    borrower: str
    principal: int
    apr_bps: int
    periods: int
    period_length: int
    start: int
    payment: int
    appraisals: int
    outstanding: int = 0
    interest: int = 0
    last_accrual: int = 0
    total_paid: int = 0
    impairment: int = 0
    recovered: int = 0
    status: str = "Active"

    def accrue_to(self, now: int) -> None:
        if now > self.last_accrual:
            self.interest += accrue(self.outstanding, self.apr_bps, now - self.last_accrual)
            self.last_accrual = now


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
    """The registry's books, driven by the same actions as the contract (see tests/invariant)."""

    max_ltv_bps: int = 7000
    liquidation_cost_bps: int = 3000
    grace: int = 30 * 86_400
    stacks: dict[int, StackModel] = field(default_factory=dict)
    loans: dict[int, LoanModel] = field(default_factory=dict)
    claimable: dict[str, int] = field(default_factory=dict)
    allocated: int = 0
    returned: int = 0
    loss_realised: int = 0

    def _credit(self, account: str, amount: int) -> None:
        self.claimable[account] = self.claimable.get(account, 0) + amount

    def collateral(self, appraisals: int) -> int:
        """Recovery value of fresh appraisals (one receipt: the contract rounds per receipt)."""
        return mul_div_floor(appraisals, BPS - self.liquidation_cost_bps, BPS)

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
        st.rate_sum += loan.principal * loan.apr_bps
        st.outstanding += loan.principal
        st.cash -= loan.principal
        loan.outstanding = loan.principal
        loan.last_accrual = now
        loan.impairment = max(0, loan.principal - self.collateral(loan.appraisals))
        st.impairment += loan.impairment
        st.close()
        self.loans[loan_id] = loan

    def repay(self, loan_id: int, amount: int, now: int) -> tuple[int, int]:
        ln = self.loans[loan_id]
        st = self.stacks[ln.stack_id]
        st.accrue_to(now)
        ln.accrue_to(now)
        interest_paid = min(amount, ln.interest)
        principal_paid = min(amount - interest_paid, ln.outstanding)
        total = st.cash + st.outstanding
        senior_interest, fee, junior_interest = split_interest(
            interest_paid, st.senior, total, st.curator_fee_bps
        )
        senior_principal = senior_share(principal_paid, st.senior, total)
        ln.interest -= interest_paid
        ln.outstanding -= principal_paid
        ln.total_paid += interest_paid + principal_paid
        st.accrued = max(0, st.accrued - interest_paid)
        st.rate_sum -= principal_paid * ln.apr_bps
        st.outstanding -= principal_paid
        st.senior -= senior_principal
        st.pending += senior_interest + senior_principal
        st.cash += junior_interest + principal_paid - senior_principal
        impairment = max(0, ln.outstanding - self.collateral(ln.appraisals))
        st.impairment += impairment - ln.impairment
        ln.impairment = impairment
        st.close()
        self._credit(st.curator, fee)
        self.returned += senior_principal
        if ln.outstanding == 0:
            ln.status = "Repaid"
        return interest_paid, principal_paid

    def is_delinquent(self, loan_id: int, now: int) -> bool:
        ln = self.loans[loan_id]
        if ln.status != "Active":
            return False
        if now <= ln.start + self.grace + ln.period_length:
            return False
        due_passed = (now - ln.start - self.grace - 1) // ln.period_length
        if due_passed >= ln.periods:
            return True
        balance, paid = schedule_at(
            ln.principal, ln.apr_bps, ln.periods, ln.period_length, ln.payment, due_passed
        )
        return ln.total_paid < paid and ln.outstanding > balance

    def mark_default(self, loan_id: int, now: int, appraisals: int) -> None:
        ln = self.loans[loan_id]
        st = self.stacks[ln.stack_id]
        st.accrue_to(now)
        ln.accrue_to(now)
        impairment = max(0, ln.outstanding - self.collateral(appraisals))
        st.impairment += impairment - ln.impairment
        ln.impairment = impairment
        ln.status = "Defaulted"
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
        sp = senior_share(ln.outstanding, st.senior, total)
        si = senior_share(ln.interest, st.senior, total)
        paid, surplus = distribute(ln.recovered, Claims(sp, si, ln.outstanding - sp, ln.interest - si))
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
