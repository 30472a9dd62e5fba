"""Stacks: creation, curator approval, junior capital, senior allocation, release and sweep; governance."""

from ape import project

from tests.credit.fixtures import (
    DAY,
    RISK_NO_STALE_HAIRCUT,
    USDAI,
    current_risk,
    risk_params,
    stack_params,
    stack_rules,
    strict_reverts,
)


def test_create_stack__approved_curator__records_params(registry, curator):
    tx = registry.createStack(stack_params(5_000_000 * USDAI, 1500, 500), sender=curator)
    stack_id = tx.return_value
    st = registry.stack(stack_id)
    assert (st.curator, st.maxSenior, st.minFirstLossBps, st.curatorFeeBps) == (
        curator,
        5_000_000 * USDAI,
        1500,
        500,
    )
    assert tx.events.filter(registry.StackCreated)[0].stackId == stack_id
    assert registry.stackCount() == stack_id


def test_create_stack__unapproved_curator__reverts(registry, alice):
    with strict_reverts(registry.CuratorNotApproved, curator=alice):
        registry.createStack(stack_params(USDAI, 1000, 0), sender=alice)


def test_create_stack__first_loss_below_floor__reverts(registry, curator):
    with strict_reverts(registry.StackParamsInvalid, minFirstLossBps=999):
        registry.createStack(stack_params(USDAI, 999, 0), sender=curator)


def test_create_stack__fee_above_ceiling__reverts(registry, curator):
    with strict_reverts(registry.StackParamsInvalid, curatorFeeBps=2001):
        registry.createStack(stack_params(USDAI, 1000, 2001), sender=curator)


def test_set_curator_approval__without_role__reverts(registry, alice):
    with strict_reverts(registry.AccessControlUnauthorizedAccount, account=alice):
        registry.setCuratorApproval(alice, True, sender=alice)


def test_set_curator_approval__revoked__cannot_create(registry, governance, curator):
    tx = registry.setCuratorApproval(curator, False, sender=governance)
    assert not tx.events.filter(registry.CuratorApprovalUpdated)[0].approved
    with strict_reverts(registry.CuratorNotApproved):
        registry.createStack(stack_params(USDAI, 1000, 0), sender=curator)


def test_set_vault__admin__emits_previous_and_current(registry, governance, vault_account, alice):
    tx = registry.setVault(alice, sender=governance)
    event = tx.events.filter(registry.VaultUpdated)[0]
    assert (event.previous, event.current) == (vault_account.address, alice.address)
    assert registry.vault() == alice


def test_set_vault__without_admin__reverts(registry, alice):
    with strict_reverts(registry.AccessControlUnauthorizedAccount):
        registry.setVault(alice, sender=alice)


def test_set_stack_rules__admin__updates(registry, governance):
    new = stack_rules(minFirstLossBps=1200, maxCuratorFeeBps=1000)
    tx = registry.setStackRules(new, sender=governance)
    assert tuple(registry.stackRules()) == new
    event = tx.events.filter(registry.StackRulesUpdated)[0]
    assert (tuple(event.previous), tuple(event.current)) == (stack_rules(), new)


def test_set_stack_rules__out_of_range__reverts(registry, governance):
    with strict_reverts(registry.StackRulesInvalid, minFirstLossBps=10_001, maxCuratorFeeBps=2000):
        registry.setStackRules(stack_rules(minFirstLossBps=10_001), sender=governance)


def test_set_risk_params__book_admin__updates(book, governance):
    new = {
        "maxLtvBps": 6000,
        "liquidationCostBps": 2500,
        "gracePeriod": 15 * DAY,
        "staleHaircutBps": 5000,
        "maintenanceLtvBps": 8000,
        "curePeriod": 7 * DAY,
        "penaltyBps": 800,
        "recoveryPeriod": 90 * DAY,
    }
    book.setRiskParams(risk_params(new), sender=governance)
    assert current_risk(book) == new


YEAR = 365 * DAY


def test_set_risk_params__out_of_range__reverts_naming_the_field(book, governance):
    """Each field out of its bounds is refused, naming the field, its value and the bounds."""
    for name, bad, low, high in [
        ("maxLtvBps", 10_001, 1, 10_000),
        ("maxLtvBps", 0, 1, 10_000),
        ("liquidationCostBps", 10_001, 0, 10_000),
        ("gracePeriod", 366 * DAY, 0, YEAR),
        ("staleHaircutBps", 10_001, 0, 10_000),
        ("maintenanceLtvBps", 6999, 7000, 10_000),  # below the origination LTV
        ("maintenanceLtvBps", 10_001, 7000, 10_000),  # a margin call only once underwater: none
        ("curePeriod", 91 * DAY, DAY, 90 * DAY),
        ("curePeriod", DAY - 1, DAY, 90 * DAY),
        ("penaltyBps", 5001, 0, 5000),
        ("recoveryPeriod", 30 * DAY - 1, 30 * DAY, 3 * YEAR),
        ("recoveryPeriod", 3 * YEAR + 1, 30 * DAY, 3 * YEAR),
    ]:
        with strict_reverts(book.RiskParamOutOfRange, name=name, value=bad, min=low, max=high):
            book.setRiskParams(risk_params(**{name: bad}), sender=governance)
    assert current_risk(book) == RISK_NO_STALE_HAIRCUT  # nothing changed


def test_initialize__defaults(registry, book, caliber, usdai, vault_account):
    assert tuple(registry.stackRules()) == stack_rules()
    assert (registry.usdai(), registry.vault(), registry.loanBook()) == (
        usdai.address,
        vault_account.address,
        book.address,
    )
    assert (book.ledger(), book.caliber()) == (registry.address, caliber.address)
    assert project.CreditPolicy.at(book.policy()).loanBook() == book.address
    assert caliber.registry() == book.address
    # The credit fixture turns the stale haircut off; the launch sets the full default.
    assert current_risk(book) == RISK_NO_STALE_HAIRCUT


def test_initialize__implementation__is_disabled(registry, deployer, usdai, caliber, vault_account):
    impl = project.FiLoRegistry.deploy(sender=deployer)
    with strict_reverts(impl.InvalidInitialization):
        impl.initialize(deployer, usdai, vault_account, stack_rules(), sender=deployer)
    book_impl = project.LoanBook.deploy(sender=deployer)
    with strict_reverts(book_impl.InvalidInitialization):
        book_impl.initialize(deployer, registry, caliber, registry, risk_params(), sender=deployer)
    policy_impl = project.CreditPolicy.deploy(sender=deployer)
    with strict_reverts(policy_impl.InvalidInitialization):
        policy_impl.initialize(deployer, sender=deployer)


# ---------------------------------------------------------------- junior capital


def test_deposit_junior__curator__adds_cash(registry, make_stack, deposit_junior, curator, usdai):
    stack_id = make_stack(junior=0, senior=0)
    deposit_junior(curator, stack_id, 100 * USDAI)
    assert registry.stack(stack_id).cash == 100 * USDAI
    assert tuple(registry.juniorCapital(stack_id)) == (100 * USDAI, 100 * USDAI)
    assert usdai.balanceOf(registry) == 100 * USDAI


def test_deposit_junior__not_curator__reverts(registry, make_stack, alice):
    stack_id = make_stack(junior=0, senior=0)
    with strict_reverts(registry.StackCuratorOnly, stackId=stack_id, caller=alice):
        registry.depositJunior(stack_id, USDAI, sender=alice)


def test_deposit_junior__paused__reverts(registry, make_stack, pauser, curator):
    stack_id = make_stack(junior=0, senior=0)
    registry.pause(sender=pauser)
    with strict_reverts(registry.EnforcedPause):
        registry.depositJunior(stack_id, USDAI, sender=curator)


def test_withdraw_junior__ratio_holds__pays_recipient(registry, make_stack, originate, curator, alice, usdai):
    stack_id = make_stack()
    originate(stack_id)  # 700k outstanding: 70k junior required of 200k
    registry.withdrawJunior(stack_id, 130_000 * USDAI, alice, sender=curator)
    assert usdai.balanceOf(alice) == 130_000 * USDAI
    assert registry.juniorCapital(stack_id)[0] == 70_000 * USDAI


def test_withdraw_junior__below_first_loss__reverts(registry, make_stack, originate, curator):
    stack_id = make_stack()
    originate(stack_id)
    with strict_reverts(registry.FirstLossBelowMinimum, stackId=stack_id, required=70_000 * USDAI):
        registry.withdrawJunior(stack_id, 130_000 * USDAI + 1, curator, sender=curator)


def test_withdraw_junior__not_curator__reverts(registry, make_stack, alice):
    stack_id = make_stack()
    with strict_reverts(registry.StackCuratorOnly):
        registry.withdrawJunior(stack_id, USDAI, alice, sender=alice)


# ---------------------------------------------------------------- senior capital


def test_allocate_senior__vault__credits_stack(registry, make_stack, allocate):
    stack_id = make_stack(senior=0)
    tx_before = registry.seniorTotals().allocated
    allocate(stack_id, 500 * USDAI)
    st = registry.stack(stack_id)
    assert st.seniorPrincipal == 500 * USDAI
    assert registry.seniorTotals().allocated == tx_before + 500 * USDAI
    assert tuple(registry.seniorNav()) == (500 * USDAI, 500 * USDAI)


def test_allocate_senior__not_vault__reverts(registry, make_stack, alice):
    stack_id = make_stack(senior=0)
    with strict_reverts(registry.CallerNotVault, caller=alice):
        registry.allocateSenior(stack_id, USDAI, sender=alice)


def test_allocate_senior__above_max__reverts(
    registry, make_stack, allocate, vault_account, usdai, fund_usdai
):
    stack_id = make_stack(senior=0, max_senior=1000 * USDAI)
    fund_usdai(vault_account, 1001 * USDAI)
    usdai.transfer(registry, 1001 * USDAI, sender=vault_account)
    with strict_reverts(registry.StackSeniorCapExceeded, stackId=stack_id, seniorAfter=1001 * USDAI):
        registry.allocateSenior(stack_id, 1001 * USDAI, sender=vault_account)


def test_allocate_senior__funds_not_transferred__reverts(registry, make_stack, vault_account):
    stack_id = make_stack(senior=0)
    with strict_reverts(registry.SeniorFundsMissing, amount=USDAI, received=0):
        registry.allocateSenior(stack_id, USDAI, sender=vault_account)


def test_allocate_senior__unknown_stack__reverts(registry, vault_account):
    with strict_reverts(registry.StackNonexistent, stackId=99):
        registry.allocateSenior(99, USDAI, sender=vault_account)


def test_release_senior__idle__goes_to_vault_on_sweep(registry, make_stack, vault_account, usdai, keeper):
    stack_id = make_stack()
    registry.releaseSenior(stack_id, 300_000 * USDAI, sender=vault_account)
    st = registry.stack(stack_id)
    assert (st.seniorPrincipal, st.seniorPending) == (1_500_000 * USDAI, 300_000 * USDAI)
    before = usdai.balanceOf(vault_account)
    tx = registry.sweep(stack_id, sender=keeper)
    assert usdai.balanceOf(vault_account) - before == 300_000 * USDAI
    assert tx.events.filter(registry.Swept)[0].amount == 300_000 * USDAI
    assert registry.stack(stack_id).seniorPending == 0


def test_release_senior__more_than_idle__reverts(registry, make_stack, originate, vault_account):
    stack_id = make_stack()
    originate(stack_id)  # cash 1.3M
    with strict_reverts(registry.StackCapitalInsufficient, needed=1_300_000 * USDAI + 1):
        registry.releaseSenior(stack_id, 1_300_000 * USDAI + 1, sender=vault_account)


def test_sweep__nothing_pending__returns_zero(registry, make_stack, keeper):
    stack_id = make_stack()
    assert registry.sweep(stack_id, sender=keeper).return_value == 0


def test_pause__without_role__reverts(registry, alice):
    with strict_reverts(registry.AccessControlUnauthorizedAccount):
        registry.pause(sender=alice)
