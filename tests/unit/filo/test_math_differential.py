"""Differential tests: AmortizationLib / WaterfallLib (through CreditMathHarness) against the Python
reference `scripts/_suite/tests/reference/credit.py` on the same Hypothesis inputs; they must agree to the wei."""

import math

from hypothesis import example, given
from hypothesis import strategies as st

from tests.credit.fixtures import DAY, MONTH, USDAI
from tests.reference import credit as ref

principals = st.integers(min_value=1, max_value=10**12 * USDAI)
aprs = st.integers(min_value=0, max_value=10_000)
periods = st.integers(min_value=1, max_value=360)
period_lengths = st.one_of(
    st.sampled_from([7 * DAY, MONTH, 91 * DAY]), st.integers(min_value=DAY, max_value=365 * DAY)
)


MAX_TERM = 30 * 365 * DAY  # FiLoRegistry.MAX_TERM


@given(principal=principals, apr=aprs, n=periods, length=period_lengths)
def test_level_payment__matches_reference(harness, principal, apr, n, length):
    n = max(1, min(n, MAX_TERM // length))
    assert harness.levelPayment(principal, apr, n, length) == ref.level_payment(principal, apr, n, length)
    assert harness.periodRateRay(apr, length) == ref.period_rate_ray(apr, length)


@given(
    principal=principals,
    apr=aprs,
    n=st.integers(min_value=1, max_value=120),
    length=period_lengths,
    k=st.integers(0, 130),
)
# Found by fuzzing: at billions of USDai the payment's own rounding (the rate power is exact to 1e-27)
# adds wei of dust that compounds into the last period.
@example(principal=6_869_458_190_337_848_779_510_640_651, apr=4006, n=12, length=7_862_400, k=0)
def test_schedule__matches_reference_and_amortizes(harness, principal, apr, n, length, k):
    n = max(1, min(n, MAX_TERM // length))
    payment = ref.level_payment(principal, apr, n, length)
    assert tuple(harness.scheduleAt(principal, apr, n, length, payment, k)) == ref.schedule_at(
        principal, apr, n, length, payment, k
    )
    rows = ref.schedule(principal, apr, n, length)
    assert rows[-1].balance == 0
    # The payment is rounded up, so no period ever needs more than the level payment, bar the last
    # one's rounding dust: each period's interest is rounded up by < 1 wei, and the payment itself is
    # exact to about principal / 1e27 (the ray precision of the rate power); both compound at the rate.
    assert all(row.payment <= payment for row in rows[:-1])
    growth = (1 + apr * length / (ref.BPS * ref.SECONDS_PER_YEAR)) ** n
    dust_per_period = 1 + principal // ref.RAY
    assert rows[-1].payment <= payment + math.ceil(n * growth * dust_per_period) + 1


@given(principal=principals, apr=aprs, elapsed=st.integers(min_value=0, max_value=10 * 365 * DAY))
def test_accrue__matches_reference(harness, principal, apr, elapsed):
    assert harness.accrue(principal, apr, elapsed) == ref.accrue(principal, apr, elapsed)


@given(
    x=st.integers(min_value=ref.RAY, max_value=ref.RAY * 11 // 10), n=st.integers(min_value=0, max_value=360)
)
def test_rpow__matches_reference(harness, x, n):
    assert harness.rpow(x, n) == ref.rpow(x, n)


amounts = st.integers(min_value=0, max_value=10**30)


@given(amount=amounts, claims=st.tuples(amounts, amounts, amounts, amounts))
def test_distribute__matches_reference(harness, amount, claims):
    paid, surplus = harness.distribute(amount, claims)
    expected, expected_surplus = ref.distribute(amount, ref.Claims(*claims))
    assert tuple(paid) == expected.as_tuple()
    assert surplus == expected_surplus
    assert sum(expected.as_tuple()) + expected_surplus == amount


@given(
    interest=amounts,
    senior=st.integers(min_value=0, max_value=10**30),
    extra=st.integers(min_value=0, max_value=10**30),
    fee=st.integers(min_value=0, max_value=10_000),
)
def test_split_interest__matches_reference(harness, interest, senior, extra, fee):
    total = senior + extra
    got = tuple(harness.splitInterest(interest, senior, total, fee))
    assert got == ref.split_interest(interest, senior, total, fee)
    assert sum(got) == interest
