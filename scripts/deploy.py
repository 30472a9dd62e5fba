"""Launch: `ape run deploy --network <ecosystem:network:provider> [options]`.

Deploys the whole suite with the one deploy path (scripts/_suite/deployment.py). Every input is
checked before the first transaction; every step is journaled in `deployments/<network>.journal.json`,
so a failed run resumes where it stopped when the same command is run again and a finished run is a
no-op; the manifest `deployments/<network>.json` (chain id, blocks, transactions, deployer, commit,
addresses, implementations, proxy admins, roles, parameters) is written at the end and never replaces
another deployment's without `--force`. Governance is required on live networks (never hard-coded),
either an existing timelock/multisig (`--governance`) or a TimelockController deployed by this run
(`--timelock-delay` with `--timelock-proposer`). A live network asks for confirmation (or --yes)."""

from __future__ import annotations

import json
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import click
from ape import chain
from ape.cli import ConnectedProviderCommand, account_option, network_option

from scripts._suite.deployment import (
    VENUES,
    ManifestExists,
    Params,
    TimelockSpec,
    deploy_suite,
    network_config,
    validate_launch,
)
from scripts._suite.errors import describe
from scripts._suite.explorer import write_verification
from scripts._suite.journal import Journal, JournalMismatch, StepInterrupted
from scripts._suite.layout import namespace_layouts
from scripts._suite.layout import problems as layout_problems

DEPLOYMENTS = Path(__file__).resolve().parent.parent / "deployments"


def _param_options(func: Any) -> Any:
    """One `--<name>` option per initializer parameter, defaulting to `Params` (docs/DESIGN.md, "Parameters and defaults")."""
    for f in reversed(fields(Params)):
        default = f.default
        if default is MISSING:
            continue  # structured parameters (depreciation curves): `Params`' defaults
        if f.name == "venue":
            option = click.option(
                "--venue", "venue", type=click.Choice(VENUES), default=default, show_default=True,
                help="Swap venue of a local chain: Uniswap V3 from npm (as on Arbitrum) or the 1:1 reserve venue.",
            )
        else:
            option = click.option(f"--{f.name.replace('_', '-')}", f.name, type=int, default=default, show_default=True)
        func = option(func)
    return func


def manifest_name(network: Any) -> str:
    return "local" if network.is_local else f"{network.ecosystem.name}-{network.name}"


@click.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--governance", help="DEFAULT_ADMIN_ROLE and ProxyAdmin owner: an existing timelock or multisig. Required on live networks unless --timelock-delay.")
@click.option("--timelock-delay", type=int, default=None, help="Deploy an OpenZeppelin TimelockController with this minimum delay (seconds) as governance.")
@click.option("--timelock-proposer", multiple=True, help="Proposer (and canceller) of the deployed timelock; repeat for several.")
@click.option("--timelock-executor", multiple=True, help="Executor of the deployed timelock (default: anyone may execute a ready operation).")
@click.option("--allow-eoa-governance", is_flag=True, help="Accept a --governance without code on a live network.")
@click.option("--pauser", help="PAUSER_ROLE holder (default: governance).")
@click.option("--blacklist-admin", help="BLACKLIST_ADMIN_ROLE holder (default: governance).")
@click.option("--strategy-admin", help="STRATEGY_ADMIN_ROLE holder (default: governance).")
@click.option("--custodian", help="CUSTODIAN_ROLE holder on CaliberReceipt (default: governance).")
@click.option("--appraiser", help="APPRAISER_ROLE holder on CaliberReceipt (default: governance).")
@click.option("--curator-admin", help="CURATOR_ADMIN_ROLE holder on FiLoRegistry (default: governance).")
@click.option("--out", type=click.Path(path_type=Path), default=DEPLOYMENTS, show_default=True)
@click.option("--force", is_flag=True, help="Replace a manifest of another deployment (its journal is kept as <name>.journal.<n>.json).")
@click.option("--dry-run", is_flag=True, help="Check the inputs and print the plan; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@click.option("--stop-after", type=int, default=None, hidden=True, help="Rehearse a failed launch: stop after N steps.")
@_param_options
def cli(
    account: Any,
    governance: str | None,
    timelock_delay: int | None,
    timelock_proposer: tuple[str, ...],
    timelock_executor: tuple[str, ...],
    allow_eoa_governance: bool,
    pauser: str | None,
    blacklist_admin: str | None,
    strategy_admin: str | None,
    custodian: str | None,
    appraiser: str | None,
    curator_admin: str | None,
    out: Path,
    force: bool,
    dry_run: bool,
    yes: bool,
    stop_after: int | None,
    **param_values: Any,
) -> None:
    network = chain.provider.network
    choice = f"{network.ecosystem.name}:{network.name}"
    config = network_config(choice)
    live = not (network.is_local or network.name.endswith("-fork"))
    params = Params(**param_values)
    named = {
        "pauser": pauser,
        "blacklist_admin": blacklist_admin,
        "strategy_admin": strategy_admin,
        "custodian": custodian,
        "appraiser": appraiser,
        "curator_admin": curator_admin,
    }
    roles = {k: v for k, v in named.items() if v}
    timelock = None
    if timelock_delay is not None or timelock_proposer:
        timelock = TimelockSpec(timelock_delay or 0, tuple(timelock_proposer), tuple(timelock_executor))

    problems = validate_launch(
        chain.provider,
        account.address,
        governance=governance,
        roles=roles,
        params=params,
        network=config,
        live=live,
        timelock=timelock,
        allow_eoa_governance=allow_eoa_governance,
    )
    # The storage layout of every implementation goes into the manifest (`ape run upgrade` compares a
    # new build with it); a state variable outside its ERC-7201 namespace stops the launch here.
    layouts = namespace_layouts()
    problems += [p for layout in layouts.values() for p in layout_problems(layout)]
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("nothing was sent", err=True)
        sys.exit(1)

    name = manifest_name(network)
    manifest_path = out / f"{name}.json"
    journal_path = out / f"{name}.journal.json"
    header = {
        "network": choice,
        "chainId": chain.chain_id,
        "deployer": account.address,
        "governance": governance,
        "timelock": timelock.__dict__ if timelock else None,
        "roles": roles,
        "params": params.__dict__,
    }
    if force and journal_path.exists() and manifest_path.exists():
        # A finished launch is being replaced: its journal moves aside, a new one starts.
        n = 1
        while (moved := out / f"{name}.journal.{n}.json").exists():
            n += 1
        journal_path.rename(moved)
        click.echo(f"previous journal kept as {moved}")
    curves = {k: f"{len(v)} months, {v[0]} -> {v[-1]} bps" for k, v in params.depreciation_curves.items()}
    shown = {**header, "params": {**params.__dict__, "depreciation_curves": curves}}
    plan = {**shown, "stand-ins": config.local, "journal": str(journal_path), "manifest": str(manifest_path)}
    click.echo(json.dumps(plan, indent=2))
    if dry_run:
        click.echo("dry run: inputs valid, nothing sent")
        return
    if manifest_path.exists() and not journal_path.exists() and not force:
        raise click.ClickException(f"{manifest_path} exists (another deployment); pass --force to replace it")
    try:
        journal = Journal.open(journal_path, header)
    except JournalMismatch as exc:
        raise click.ClickException(str(exc)) from None
    if journal.complete and manifest_path.exists():
        click.echo(f"already deployed (journal {journal_path} is complete): nothing to do")
        return
    if journal.steps and not journal.complete:
        click.echo(f"resuming from {journal_path}: {len(journal.transactions())} steps already done")
    if live and not yes:
        click.confirm(f"Deploy to {choice} from {account.address}?", abort=True)
    try:
        suite = deploy_suite(
            account,
            governance,
            params=params,
            network=config,
            roles=roles,
            timelock=timelock,
            journal=journal,
            stop_after=stop_after,
        )
    except StepInterrupted as exc:
        raise click.ClickException(f"{exc}; run the same command again to resume ({journal_path})") from None
    except Exception as exc:  # one line for any failure: the journal is the record, rerunning resumes
        raise click.ClickException(f"{describe(exc)}; run the same command again to resume ({journal_path})") from None
    try:
        path = suite.write_manifest(out, name, force=force, extra={"storageLayouts": layouts})
    except ManifestExists as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"manifest written to {path}")
    verify_dir = write_verification(suite.manifest(), journal.steps, out / f"{name}.verify", chain.provider)
    click.echo(f"explorer verification inputs in {verify_dir} (submit with {verify_dir / 'submit.sh'})")
    for note in suite.manifest()["notes"]:
        click.echo(f"note: {note}")
    click.echo(f"next: ape run verify-deployment --network {choice}:{chain.provider.name} --manifest {path}")
