"""Launch: `ape run deploy --network <ecosystem:network:provider> [options]`.

Deploys the whole suite with the one deploy path (scripts/_suite/deployment.py) and writes the
manifest `deployments/<network>.json`. Every address and parameter is an option; governance is
required on live networks (never hard-coded). A live network asks for confirmation (or --yes)."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import click
from ape import chain
from ape.cli import ConnectedProviderCommand, account_option, network_option

from scripts._suite.deployment import Params, deploy_suite, network_config

DEPLOYMENTS = Path(__file__).resolve().parent.parent / "deployments"


def _param_options(func: Any) -> Any:
    """One `--<name>` option per initializer parameter, defaulting to `Params` (docs/DESIGN.md, "Parameters and defaults")."""
    for f in reversed(fields(Params)):
        default = f.default
        if default is MISSING:
            continue  # structured parameters (depreciation curves): `Params`' defaults
        func = click.option(
            f"--{f.name.replace('_', '-')}", f.name, type=int, default=default, show_default=True
        )(func)
    return func


@click.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--governance", help="DEFAULT_ADMIN_ROLE and ProxyAdmin owner (a timelock or multisig). Required on live networks.")
@click.option("--pauser", help="PAUSER_ROLE holder (default: governance).")
@click.option("--blacklist-admin", help="BLACKLIST_ADMIN_ROLE holder (default: governance).")
@click.option("--strategy-admin", help="STRATEGY_ADMIN_ROLE holder (default: governance).")
@click.option("--custodian", help="CUSTODIAN_ROLE holder on CaliberReceipt (default: governance).")
@click.option("--appraiser", help="APPRAISER_ROLE holder on CaliberReceipt (default: governance).")
@click.option("--curator-admin", help="CURATOR_ADMIN_ROLE holder on FiLoRegistry (default: governance).")
@click.option("--out", type=click.Path(path_type=Path), default=DEPLOYMENTS, show_default=True)
@click.option("--dry-run", is_flag=True, help="Print the plan, send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@_param_options
def cli(
    account: Any,
    governance: str | None,
    pauser: str | None,
    blacklist_admin: str | None,
    strategy_admin: str | None,
    custodian: str | None,
    appraiser: str | None,
    curator_admin: str | None,
    out: Path,
    dry_run: bool,
    yes: bool,
    **param_values: Any,
) -> None:
    network = chain.provider.network
    choice = f"{network.ecosystem.name}:{network.name}"
    config = network_config(choice)
    live = not (network.is_local or network.name.endswith("-fork"))
    if live and not governance:
        raise click.UsageError("--governance is required on a live network")
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
    plan = {
        "network": choice,
        "chainId": chain.chain_id,
        "deployer": account.address,
        "governance": governance or account.address,
        "roles": roles,
        "stand-ins": config.local,
        "tokens": {"wM": config.wm, "USDC": config.usdc, "USDT": config.usdt, "router": config.swap_router},
        "params": params.__dict__,
    }
    click.echo(json.dumps(plan, indent=2))
    if dry_run:
        click.echo("dry run: nothing sent")
        return
    if live and not yes:
        click.confirm(f"Deploy to {choice} from {account.address}?", abort=True)
    suite = deploy_suite(account, governance or account, params=params, network=config, roles=roles)
    name = choice.replace(":", "-") if not network.is_local else "local"
    path = suite.write_manifest(out, name)
    click.echo(f"manifest written to {path}")
