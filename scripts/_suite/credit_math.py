"""Loan schedule math, in plain integer Python: the twin of `contracts/libraries/AmortizationLib.sol`
to the wei (same operations, same rounding, named in each function).

The `loan` CLI previews schedules and payments with it; the differential tests hold it to the contract
and the test-only models of the ledger (`tests/reference/credit.py`) build on it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
