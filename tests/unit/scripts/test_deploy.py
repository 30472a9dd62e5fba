"""The launch (`ape run deploy`) as a deployer runs it: inputs checked before the first transaction, a
journal that resumes a failed run and makes a finished one a no-op, a full manifest that is never
silently replaced, the two-step handoff, a timelock as governance, and `verify-deployment` naming
every planted fault. Revision 1 sent 6 and 15 transactions before failing on a malformed
`--governance` and `--pauser`, deployed a second suite on a rerun and overwrote the manifest; each is a
regression test here."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import click
import pytest

from scripts import deploy as deploy_cli
from scripts._suite.deployment import (
    DAY,
    DEAD,
    LOCAL,
    WM,
    Params,
    TimelockSpec,
    deploy_suite,
    implementation_of,
    owner_of,
    validate_launch,
)
from scripts._suite.journal import Journal, create_address
from scripts._suite.verify import verify_deployment

# Module-scoped deployments are set up before the first test's snapshot (Ape's isolation).
pytestmark = pytest.mark.usefixtures("launched")

ADDRESS_OPTIONS = ("pauser", "blacklist_admin", "strategy_admin", "custodian", "appraiser", "curator_admin")


def run_deploy(account: Any, out: Path, **options: Any) -> None:
    """`ape run deploy` with these options (the command's callback, on the test chain)."""
    values: dict[str, Any] = {f.name: f.default for f in fields(Params) if f.name != "depreciation_curves"}
    values.update(
        governance=None, timelock_delay=None, timelock_proposer=(), timelock_executor=(),
        allow_eoa_governance=False, out=out, force=False, dry_run=False, yes=True, stop_after=None,
        **{name: None for name in ADDRESS_OPTIONS},
    )
    values.update(options)
    deploy_cli.cli.callback(account=account, **values)


def journal_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "local.journal.json").read_text())


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"usdai_admin_fee_bps": 2_001}, "usdai-admin-fee-bps = 2,001"),
        ({"qev_keeper_tip_bps": 1_001}, "qev-keeper-tip-bps = 1,001"),
        ({"qev_bid_window": 0}, "qev-bid-window = 0 is outside [1, 2,591,999]"),
        ({"max_open_requests": 0}, "max-open-requests = 0"),
        ({"filo_maintenance_ltv_bps": 6_000}, "filo-maintenance-ltv-bps = 6,000"),
        ({"filo_cure_period": 3_600}, "filo-cure-period = 3,600"),
        ({"filo_recovery_period": 4 * 365 * DAY}, "filo-recovery-period"),
        ({"min_request_shares": 2**88}, "min-request-shares"),
        ({"cycle_duration": 2**32}, "cycle-duration = 4,294,967,296 is outside [1, 4,294,967,295]"),
        ({"usdai_supply_cap": 2**96 - 1}, "usdai-supply-cap = 79,228,162,514,264,337,593,543,950,335 is outside"),
        ({"vault_supply_cap": 2**96, "seed_stake": 0}, "vault-supply-cap = 79,228,162,514,264,337,593,543,950,336"),
        ({"price_max_age": 59}, "price-max-age = 59 is outside [60, 604,800]"),
        ({"price_max_deviation_bps": 1_001}, "price-max-deviation-bps = 1,001"),
        ({"sequencer_grace_period": DAY + 1}, "sequencer-grace-period = 86,401"),
        ({"venue": "curve"}, "venue = 'curve' is not one of uniswap, local"),
        ({"depreciation_curves": {"GPU": (9_000, 9_500)}}, "depreciation curve 'GPU'"),
    ],
)
def test_params__out_of_bounds_named(change, named):
    problems = replace(Params(), **change).problems()
    assert len(problems) == 1 and named in problems[0], problems


def test_params__defaults_within_bounds():
    assert Params().problems() == []


def test_params__bounds_are_the_contracts(suite, governance, reverts):
    """The Python bounds are the contracts' own: just past each one, the contract refuses too."""
    auction, policy, usdai = suite.auction, suite.credit_policy, suite.usdai
    with reverts(auction.ParameterOutOfRange, name="keeperTipBps", value=1_001, min=0, max=1_000):
        auction.setKeeperTip(1_001, sender=governance)
    with reverts(auction.ParameterOutOfRange, name="minFeeBps", value=8_192, min=0, max=8_191):
        auction.setMinFee(8_192, sender=governance)
    with reverts(usdai.AdminFeeTooHigh):
        usdai.setAdminFee(2_001, governance, sender=governance)
    feed, sequencer = suite.price_feeds["USDC"], suite.price_feeds["Sequencer"]
    with reverts(usdai.ParameterOutOfRange, name="maxAge", value=7 * DAY + 1, min=60, max=7 * DAY):
        usdai.setPriceFeed(suite.usdc, feed, 7 * DAY + 1, sender=governance)
    with reverts(usdai.ParameterOutOfRange, name="maxDeviationBps", value=1_001, min=1, max=1_000):
        usdai.setPriceGuard(sequencer, 3_600, 1_001, sender=governance)
    with reverts(usdai.ParameterOutOfRange, name="gracePeriod", value=DAY + 1, min=0, max=DAY):
        usdai.setPriceGuard(sequencer, DAY + 1, 50, sender=governance)
    with reverts(usdai.ParameterOutOfRange, name="supplyCap", value=2**96 - 1, min=0, max=2**96 - 2):
        usdai.setSupplyCap(2**96 - 1, sender=governance)
    with reverts(suite.vault.ParameterOutOfRange, name="supplyCap", value=2**96 - 1, min=0, max=2**96 - 2):
        suite.vault.setSupplyCap(2**96 - 1, sender=governance)
    risk = dict(Params().book_risk(), curePeriod=DAY - 1)
    with reverts(policy.RiskParamOutOfRange, name="curePeriod", value=DAY - 1, min=DAY, max=90 * DAY):
        policy.checkRiskParams(tuple(risk[k] for k in _risk_order(policy)))
    risk = dict(Params().book_risk(), recoveryPeriod=3 * 365 * DAY + 1)
    with reverts(policy.RiskParamOutOfRange, name="recoveryPeriod"):
        policy.checkRiskParams(tuple(risk[k] for k in _risk_order(policy)))


def _risk_order(policy: Any) -> list[str]:
    from scripts._suite.abi import struct_fields

    return struct_fields(policy, "RiskParams")


def test_validate__every_bad_input_named(chain, deployer):
    problems = validate_launch(
        chain.provider,
        deployer.address,
        governance="0x1234",
        roles={"pauser": "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01", "custodian": "0x" + "00" * 20},
        params=replace(Params(), qev_keeper_tip_bps=5_000, price_max_deviation_bps=0, venue="curve"),
        network=LOCAL,
        live=False,
    )
    assert problems == [
        "--governance '0x1234' is not an address",
        "--pauser 0xAbCdEf0123456789aBcDeF0123456789AbCdEf01 has a bad checksum (a typo?)",
        "--custodian is the zero address",
        "price-max-deviation-bps = 0 is outside [1, 1,000]",
        "qev-keeper-tip-bps = 5,000 is outside [0, 1,000]",
        "venue = 'curve' is not one of uniswap, local",
    ]


def test_validate__live_governance_must_have_code(chain, deployer, alice, suite):
    def check(governance: str | None, **kw: Any) -> list[str]:
        return validate_launch(
            chain.provider, deployer.address, governance=governance, roles={}, params=Params(), network=LOCAL,
            live=True, **kw,
        )

    assert "required on a live network" in check(None)[0]
    assert "has no code" in check(alice.address)[0]
    assert check(alice.address, allow_eoa_governance=True) == []
    assert check(suite.vault.address) == []  # a contract (a Safe, a timelock): accepted
    spec = TimelockSpec(DAY, ())
    assert check(alice.address, timelock=spec) == [
        "--governance and --timelock-delay exclude each other (the timelock is the governance)",
        "a timelock needs at least one --timelock-proposer",
    ]


def test_cli__bad_input_refused_before_any_transaction(deployer, tmp_path, capsys):
    nonce = deployer.nonce
    with pytest.raises(SystemExit) as exit_:
        run_deploy(deployer, tmp_path, governance="0xnot-an-address", pauser="0x12", qev_max_bids=0)
    assert exit_.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: --governance '0xnot-an-address' is not an address",
        "error: --pauser '0x12' is not an address",
        "error: qev-max-bids = 0 is outside [1, 65,535]",
        "nothing was sent",
    ]
    assert deployer.nonce == nonce and not list(tmp_path.iterdir())


# ---------------------------------------------------------------- journal, resume, rerun


def test_cli__killed_run_resumes__a_rerun_is_a_no_op__another_launch_needs_force(deployer, governance, tmp_path, capsys):
    # Steps 1-30: the stand-ins, Uniswap V3 with its two seeded pools, the swap adapter, the price feeds,
    # USDai with its price guard and its earning; step 31 would be sUSDai's module.
    with pytest.raises(click.ClickException, match=r"stopped after 30 steps \(--stop-after\); run the same command again to resume"):
        run_deploy(deployer, tmp_path, governance=governance.address, stop_after=30)
    partial = journal_of(tmp_path)["steps"]
    created = {name: entry["address"] for name, entry in partial.items() if "address" in entry}
    assert len([e for e in partial.values() if e.get("tx")]) == 30 and not (tmp_path / "local.json").exists()
    assert "USDai.proxy" in created and "sUSDai.module" not in partial

    # The process then died while step 12 was in flight: the journal says pending, the chain has it.
    journal = Journal.open(tmp_path / "local.journal.json", journal_of(tmp_path)["header"])
    next_deploy, nonce = "sUSDai.module", deployer.nonce
    journal.mark(next_deploy, status="pending", nonce=nonce)
    in_flight = deployer.deploy(__import__("ape").project.StakedUSDaiModule)
    assert in_flight.address == create_address(deployer.address, nonce)

    capsys.readouterr()
    run_deploy(deployer, tmp_path, governance=governance.address)
    out = capsys.readouterr().out
    assert "resuming from" in out and "manifest written" in out
    manifest = json.loads((tmp_path / "local.json").read_text())
    steps = journal_of(tmp_path)["steps"]
    assert {n: steps[n]["address"] for n in created} == created  # nothing deployed twice
    assert steps[next_deploy]["address"] == in_flight.address
    assert manifest["implementations"]["sUSDaiModule"] == in_flight.address
    assert verify_deployment(manifest, deployer.provider) == []
    assert set(manifest["storageLayouts"]) == set(manifest["implementations"])  # for `ape run upgrade`
    # Explorer verification: the standard input of each creation and its constructor arguments.
    explorer = tmp_path / "local.verify"
    ticket = json.loads((explorer / "RedemptionTicket.implementation.json").read_text())
    assert ticket["constructorArguments"] == manifest["contracts"]["sUSDai"][2:].lower().rjust(64, "0")
    assert ticket["contractName"] == "contracts/RedemptionTicket.sol:RedemptionTicket"
    assert "contracts/RedemptionTicket.sol" in ticket["standardJsonInput"]["sources"]
    assert ticket["standardJsonInput"]["settings"]["optimizer"] == {"enabled": True, "runs": 400}
    assert len(list(explorer.glob("*.proxy.json"))) == 8 and (explorer / "submit.sh").stat().st_mode & 0o111

    nonce = deployer.nonce
    run_deploy(deployer, tmp_path, governance=governance.address)
    assert "nothing to do" in capsys.readouterr().out
    assert deployer.nonce == nonce

    # Another launch (its journal elsewhere) may not replace this manifest without --force.
    (tmp_path / "local.journal.json").rename(tmp_path / "elsewhere.journal.json")
    with pytest.raises(click.ClickException, match="exists \\(another deployment\\); pass --force"):
        run_deploy(deployer, tmp_path, governance=governance.address)
    assert json.loads((tmp_path / "local.json").read_text()) == manifest and deployer.nonce == nonce
    run_deploy(deployer, tmp_path, governance=governance.address, force=True)
    assert json.loads((tmp_path / "local.json").read_text())["contracts"]["USDai"] != manifest["contracts"]["USDai"]


def test_cli__resume_with_other_inputs_is_refused(deployer, governance, alice, tmp_path):
    with pytest.raises(click.ClickException):
        run_deploy(deployer, tmp_path, governance=governance.address, stop_after=3)
    with pytest.raises(click.ClickException, match=r"belongs to another deployment \(governance: journal"):
        run_deploy(deployer, tmp_path, governance=alice.address)


# ---------------------------------------------------------------- manifest, handoff, verify


@pytest.fixture(scope="module")
def launched(suite, deployer, governance, pauser, blacklister, strategist):
    """A deployment of its own: the session suite carries the role grants and parameter changes of
    session fixtures (custodians, appraisers, fees), which verify-deployment rightly reports."""
    roles = {"pauser": pauser, "blacklist_admin": blacklister, "strategy_admin": strategist}
    return deploy_suite(deployer, governance, roles=roles)


def test_manifest__records_the_whole_launch(launched, deployer, governance, chain):
    manifest = launched.manifest()
    assert manifest["version"] == 2 and manifest["chainId"] == chain.chain_id == 42161
    assert manifest["deployer"] == deployer.address and manifest["governance"] == governance.address
    assert manifest["commit"] and len(manifest["commit"].split("-")[0]) == 40
    txs = manifest["transactions"]
    mined = [t for t in txs if t.get("tx")]
    assert len(mined) > 50 and all(t["tx"].startswith("0x") and len(t["tx"]) == 66 for t in mined)
    assert manifest["startBlock"] == min(t["block"] for t in mined) < manifest["endBlock"]
    for table in ("contracts", "implementations", "proxyAdmins"):
        for address in manifest[table].values():
            assert address == __import__("eth_utils").to_checksum_address(address)
    for name, admin in manifest["proxyAdmins"].items():
        assert owner_of(chain.provider, admin) == governance.address
        assert implementation_of(chain.provider, manifest["contracts"][name]) == manifest["implementations"][name]
    assert manifest["genesis"] == launched.vault.genesis()


def test_handoff__deployer_keeps_nothing(launched, deployer):
    steps = list(launched.journal.steps)
    grants = [i for i, s in enumerate(steps) if ".grant." in s]
    renounces = [i for i, s in enumerate(steps) if ".renounce." in s]
    checked = steps.index("handover.verified")
    assert max(grants) < checked < min(renounces)  # grant, read back, only then renounce
    for contract in (launched.usdai, launched.vault, launched.auction, launched.caliber, launched.registry, launched.loan_book):
        assert not contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), deployer)


def test_verify__a_good_deployment_passes(launched, chain):
    assert verify_deployment(launched.manifest(), chain.provider) == []


def test_verify__names_each_planted_fault(launched, chain, governance, deployer, alice):
    manifest = launched.manifest()
    launched.usdai.grantRole(launched.usdai.PAUSER_ROLE(), deployer, sender=governance)  # a role left with the deployer
    launched.usdai.setBaseYieldRecipient(alice, sender=governance)  # wrong wiring
    launched.auction.setKeeperTip(250, sender=governance)  # a parameter nobody recorded
    feeds, usdai = launched.price_feeds, launched.usdai
    usdai.setPriceFeed(launched.usdt, feeds["USDC"], 90_000, sender=governance)  # USDT priced by USDC's feed
    usdai.setPriceGuard(feeds["Sequencer"], 3_600, 100, sender=governance)  # a looser price guard
    problems = verify_deployment(manifest, chain.provider)
    assert problems == [
        f"USDai: PAUSER_ROLE is also held by {deployer.address} (the deployer), which the manifest does not name",
        f"wiring: USDai.baseYieldRecipient is {alice.address}, expected {launched.vault.address}",
        f"wiring: USDai prices USDT with feed {feeds['USDC'].address}, expected {feeds['USDT'].address}",
        "parameter price-max-deviation-bps: chain has 100, manifest says 50",
        "parameter qev-keeper-tip-bps: chain has 250, manifest says 100",
    ]


def test_verify__foreign_code_and_wrong_proxy_admin_named(launched, chain):
    manifest = launched.manifest()
    manifest["implementations"]["LoanBook"] = manifest["implementations"]["CreditPolicy"]
    manifest["proxyAdmins"]["USDai"] = manifest["proxyAdmins"]["sUSDai"]
    problems = verify_deployment(manifest, chain.provider)
    assert any(p.startswith("LoanBook: proxy points at implementation") for p in problems)
    assert any(p.startswith("LoanBook: implementation") and "does not run this build's code" in p for p in problems)
    assert any(p.startswith("USDai: proxy admin is") for p in problems)


def test_verify_cli__exit_1_with_the_list(launched, governance, tmp_path, capsys):
    path = tmp_path / "local.json"
    path.write_text(json.dumps(launched.manifest()))
    cli = __import__("importlib").import_module("scripts.verify-deployment").cli

    def verify() -> int:
        # Ape's test runner turns a SystemExit into the end of the session: keep it in the test.
        try:
            cli.callback(manifest=path)
        except SystemExit as exit_:
            return int(exit_.code or 0)
        return 0

    assert verify() == 0 and capsys.readouterr().out.startswith("ok: 21 contracts")
    launched.auction.setMaxBids(7, sender=governance)
    assert verify() == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "MISMATCH parameter qev-max-bids: chain has 7, manifest says 4,096"


# ---------------------------------------------------------------- timelock as governance


def test_timelock__governs_the_suite_after_its_delay(deployer, alice, bob, chain, reverts):
    spec = TimelockSpec(min_delay=2 * DAY, proposers=(alice.address,))
    suite = deploy_suite(deployer, params=replace(Params(), seed_stake=0), timelock=spec)
    timelock = suite.timelock
    manifest = suite.manifest()
    assert manifest["governance"] == timelock.address == manifest["timelock"]["address"]
    assert verify_deployment(manifest, chain.provider) == []
    auction = suite.auction
    call = auction.setKeeperTip.encode_input(300)
    salt = b"\x01" * 32
    timelock.schedule(auction, 0, call, bytes(32), salt, 2 * DAY, sender=alice)
    with reverts(timelock.TimelockUnexpectedOperationState):
        timelock.execute(auction, 0, call, bytes(32), salt, sender=bob)
    chain.pending_timestamp += 2 * DAY
    timelock.execute(auction, 0, call, bytes(32), salt, sender=bob)  # anyone executes a ready operation
    assert auction.keeperTipBps() == 300
    assert verify_deployment(manifest, chain.provider) == [
        "parameter qev-keeper-tip-bps: chain has 300, manifest says 100"
    ]
    assert suite.vault.balanceOf(DEAD) == 0  # seed stake 0: none


def test_seed_stake__elsewhere_the_deployer_must_hold_the_wm(chain, deployer, suite):
    elsewhere = replace(
        LOCAL, name="elsewhere", local=False, wm=suite.wm.address, usdc=suite.usdc.address,
        usdt=suite.usdt.address, swap_router=suite.uniswap.router.address,
        usdc_feed=suite.price_feeds["USDC"].address, usdt_feed=suite.price_feeds["USDT"].address,
        sequencer_feed=suite.price_feeds["Sequencer"].address,
    )
    problems = validate_launch(
        chain.provider, deployer.address, governance=None, roles={}, params=Params(), network=elsewhere, live=False
    )
    assert problems == [
        "--seed-stake needs 1.000000 wM in the deployer (it holds 0.000000); fund it, or pass --seed-stake 0 "
        "to launch without dead shares"
    ]


def test_steps__a_pending_transaction_is_settled_from_the_chain(deployer):
    """A transaction step left pending is sent again only if the chain shows it did not land."""
    journal = Journal(None)
    sent: list[str] = []

    def method(*args: Any, sender: Any) -> Any:
        sent.append(args[0])
        return None

    journal.mark("landed", status="pending", nonce=0)
    journal.mark("lost", status="pending", nonce=0)
    steps = __import__("scripts._suite.journal", fromlist=["Steps"]).Steps(deployer, journal)
    steps.send("landed", method, "landed", done=lambda: True)
    steps.send("lost", method, "lost", done=lambda: False)
    steps.send("landed", method, "landed", done=lambda: False)  # done in the journal: never again
    assert sent == ["lost"] and journal.done("landed") and journal.done("lost")


def test_uniswap__pool_opened_by_someone_else_off_1_to_1__refused_before_seeding(suite, deployer, alice):
    """On a public testnet anyone can create and initialize the pool before the deploy reaches it:
    the deploy keeps the pool but refuses to pour liquidity into it at the wrong price."""
    from scripts._suite.journal import StepInterrupted, Steps
    from scripts._suite.uniswap import PoolMispriced, container, deploy_uniswap, sqrt_price_x96

    journal = Journal(None)
    stables = (("USDC", suite.usdc),)
    with pytest.raises(StepInterrupted):  # factory, manager, router, quoter, the 0.01% tier
        deploy_uniswap(Steps(deployer, journal, stop_after=5), suite.wm, stables, 100, 1_000 * WM, 200)
    factory = container("UniswapV3Factory").at(journal.done("uniswap.factory")["address"])
    factory.createPool(suite.wm, suite.usdc, 100, sender=alice)
    pool = container("UniswapV3Pool").at(factory.getPool(suite.wm, suite.usdc, 100))
    pool.initialize(sqrt_price_x96(1.04), sender=alice)
    with pytest.raises(PoolMispriced, match=r"was initialized at sqrtPriceX96 \d+, not 1:1"):
        deploy_uniswap(Steps(deployer, journal), suite.wm, stables, 100, 1_000 * WM, 200)
    assert int(pool.liquidity()) == 0
