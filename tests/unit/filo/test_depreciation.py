"""Depreciation-aware schedules (docs/DECISIONS.md, "Credit a borrower agreed to"): governance sets a residual-value curve per asset
class; origination refuses a schedule whose balance after any due date exceeds `maxLtvBps` x the
depreciated collateral. Differential against `ref.depreciation_breach`."""

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts._suite.deployment import asset_class_key
from tests.credit.fixtures import DAY, MONTH, USDAI, strict_reverts
from tests.reference import credit as ref

# 10% of the appraisal a month, down to a 10% floor.
STEEP = [max(1_000, 10_000 - 1_000 * k) for k in range(11)]
# 2% a month, down to 20% (the launch default for "GPU").
GENTLE = [max(2_000, 10_000 - 200 * k) for k in range(41)]


def test_set_curve__checks(policy, governance, alice):
    key = asset_class_key("H100")
    for bad in ([], [10_001], [9_000, 9_001], [10_000] * 367):
        with strict_reverts(policy.DepreciationCurveInvalid, assetClass=key):
            policy.setDepreciationCurve(key, bad, sender=governance)
    with strict_reverts(policy.AccessControlUnauthorizedAccount, account=alice):
        policy.setDepreciationCurve(key, GENTLE, sender=alice)
    tx = policy.setDepreciationCurve(key, GENTLE, sender=governance)
    assert list(tx.events.filter(policy.DepreciationCurveUpdated)[0].residualBps) == GENTLE
    assert list(policy.depreciationCurve(key)) == GENTLE


def test_origination__class_without_curve__reverts(book, make_stack, make_receipt, originate):
    rid = make_receipt(asset_class="TPU v5")
    with strict_reverts(book.DepreciationCurveMissing, assetClass=asset_class_key("TPU v5")):
        originate(make_stack(), receipts=[rid])


def test_origination__schedule_outpaced_by_depreciation__refused_then_accepted(
    book, policy, governance, make_stack, make_receipt, originate
):
    policy.setDepreciationCurve(asset_class_key("H100 steep"), STEEP, sender=governance)
    stack_id = make_stack()
    appraisal = 1_000_000 * USDAI
    rid = make_receipt(appraisal, asset_class="H100 steep")
    # 36 months at 70% LTV: after one month the balance is ~97.9% of the principal, the collateral 90%.
    breach = ref.depreciation_breach(700_000 * USDAI, 1200, 36, MONTH, 7000, [(appraisal, STEEP)])
    assert breach is not None and breach[0] == 1
    with strict_reverts(book.DepreciationOutpacesSchedule, period=breach[0], balance=breach[1], maxBalance=breach[2]):
        originate(stack_id, principal=700_000 * USDAI, receipts=[rid])
    # Twelve months at 40% still runs into the curve's floor at month 9; six months outpace it.
    late = ref.depreciation_breach(400_000 * USDAI, 1200, 12, MONTH, 7000, [(appraisal, STEEP)])
    with strict_reverts(book.DepreciationOutpacesSchedule, period=late[0], balance=late[1], maxBalance=late[2]):
        originate(stack_id, principal=400_000 * USDAI, periods=12, receipts=[rid])
    assert ref.depreciation_breach(400_000 * USDAI, 1200, 6, MONTH, 7000, [(appraisal, STEEP)]) is None
    loan_id = originate(stack_id, principal=400_000 * USDAI, periods=6, receipts=[rid])
    assert book.loan(loan_id).principal == 400_000 * USDAI


EXAMPLES = settings.default.max_examples if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 12

curves = st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=50).map(
    lambda drops: [max(0, 10_000 - sum(drops[: k + 1])) for k in range(len(drops))]
)


@given(
    principal=st.integers(min_value=1, max_value=10**9).map(lambda x: x * USDAI // 1000),
    apr=st.integers(min_value=0, max_value=10_000),
    periods=st.integers(min_value=1, max_value=60),
    length=st.sampled_from([DAY, 7 * DAY, MONTH, 45 * DAY]),
    mix=st.lists(st.tuples(st.integers(min_value=1, max_value=10**9), curves), min_size=1, max_size=3),
)
@settings(max_examples=EXAMPLES)
def test_check_schedule__matches_reference(policy, governance, principal, apr, periods, length, mix):
    classes, amounts = [], []
    for i, (amount, curve) in enumerate(mix):
        key = asset_class_key(f"class {i}")
        policy.setDepreciationCurve(key, curve, sender=governance)
        classes.append(key)
        amounts.append(amount * USDAI)
    expected = ref.depreciation_breach(
        principal, apr, periods, length, 7000, [(a, c) for a, (_, c) in zip(amounts, mix, strict=True)]
    )
    if expected is None:
        policy.checkSchedule(principal, apr, periods, length, 7000, classes, amounts)
    else:
        with strict_reverts(
            policy.DepreciationOutpacesSchedule, period=expected[0], balance=expected[1], maxBalance=expected[2]
        ):
            policy.checkSchedule(principal, apr, periods, length, 7000, classes, amounts)
