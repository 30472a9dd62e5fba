"""USDai and sUSDai on more chains: `ape run omnichain deploy|verify|relay --network <home> --remote URL ...`.

`deploy` launches the lockboxes and the composer on the home chain (Ape's `--network`, where the suite
runs) and the OFTs on every `--remote` chain, with peers, enforced options and rate limits, and hands
them to `--owner`. Each chain's steps are journaled in `deployments/<name>.<chain>.omnichain.journal.json`
(a stopped run resumes where it stopped; a finished one sends nothing) and each chain gets its manifest
`deployments/<name>.<chain>.omnichain.json`. On a chain where LayerZero's endpoint is deployed (live or
forked) it is used; on a local chain without it, LayerZero is deployed from its npm artifacts.

`verify` reads every chain back against the manifests (peers, options, limits, roles, the composer) and
exits 1 with one line per mismatch. `relay` is the local chains' DVN and executor (a polling loop).

Every transaction is signed with `--account` (an Ape account), on every chain. Bad input prints one line,
never a traceback; a live launch asks for confirmation (or `--yes`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option, network_option
from web3 import Web3

from scripts._suite.errors import one_line_errors
from scripts._suite.journal import JournalMismatch, StepInterrupted
from scripts._suite.layerzero import EvmChain, TxFailed
from scripts._suite.manifest import DEPLOYMENTS, default_manifest, load_manifest, manifest_option
from scripts._suite.omnichain import UNIT, OmniParams, verify_omnichain
from scripts._suite.omnilaunch import ape_signer, chain_at, is_loopback, launch, lz_network
from scripts._suite.omnilaunch import load as load_launch

_decoded = one_line_errors("OmniLockbox", "OmniToken", "OmniComposer")


def _one_line(func: Any) -> Any:
    """A refused transaction on any chain (`TxFailed`, decoded) or bad input: one line, exit 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except TxFailed as exc:
            raise click.ClickException(str(exc)) from None

    return _decoded(wrapper)


remote_option = click.option("--remote", "remotes", multiple=True, required=True, metavar="URL",
                             help="RPC URL of another chain (repeat for several); its chain id names it.")
out_option = click.option("--out", type=click.Path(path_type=Path), default=DEPLOYMENTS, show_default=True,
                          help="Folder of the journals and manifests.")


def _home() -> tuple[EvmChain, bool]:
    """The home chain (Ape's provider) and whether it is local (a local network or a fork)."""
    network = chain.provider.network
    found = lz_network(chain.chain_id)
    return EvmChain(found.name, chain.provider.web3, found.eid), network.is_local or network.name.endswith("-fork")


def _remotes(urls: tuple[str, ...]) -> list[EvmChain]:
    return [chain_at(url) for url in urls]


def _stem(manifest: Path | None) -> tuple[Path, dict[str, Any]]:
    path = manifest or default_manifest()
    return path, load_manifest(path)


@click.group()
def cli() -> None:
    """Omnichain USDai and sUSDai over LayerZero V2: deploy, verify, relay (local chains)."""


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@remote_option
@manifest_option
@out_option
@click.option("--owner", help="Owner and endpoint delegate of every OApp, proxy admin owner (default: the suite's governance).")
@click.option("--pauser", help="May pause every OApp (default: the owner).")
@click.option("--blacklister", help="Blacklists on the OFTs (default: the owner).")
@click.option("--dvn", help="Local chains only: the verifier the local relayer signs as (default: the deployer).")
@click.option("--limit", type=click.IntRange(0), default=OmniParams.outbound_limit // UNIT, show_default=True,
              help="Tokens per window per route, each way (whole tokens).")
@click.option("--window", type=int, default=OmniParams.window, show_default=True, help="Rate limit window, seconds.")
@click.option("--lz-receive-gas", type=int, default=OmniParams.lz_receive_gas, show_default=True)
@click.option("--lz-compose-gas", type=int, default=OmniParams.lz_compose_gas, show_default=True)
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live chain.")
@click.option("--stop-after", type=int, default=None, hidden=True, help="Rehearse a failed launch: stop after N steps.")
@_one_line
def deploy(
    account: Any, remotes: tuple[str, ...], manifest: Path | None, out: Path, owner: str | None, pauser: str | None,
    blacklister: str | None, dvn: str | None, limit: int, window: int, lz_receive_gas: int, lz_compose_gas: int,
    yes: bool, stop_after: int | None,
) -> None:
    """Deploy and wire the lockboxes, the composer and the OFTs (journaled, resumable)."""
    path, suite = _stem(manifest)
    owner = owner or suite.get("governance")
    if not owner:
        raise ValueError(f"{path} names no governance: pass --owner")
    roles = {"--owner": owner, "--pauser": pauser or owner, "--blacklister": blacklister or owner,
             "--dvn": dvn or account.address}
    for flag, value in roles.items():
        if not Web3.is_address(value):
            raise ValueError(f"{flag} {value!r} is not an address")
    params = OmniParams(limit * UNIT, limit * UNIT, window, lz_receive_gas, lz_compose_gas)
    params.check()
    home, home_local = _home()
    chains = _remotes(remotes)
    local = {home.eid: home_local, **{c.eid: is_loopback(url) for c, url in zip(chains, remotes, strict=True)}}
    signer = ape_signer(account, chain.provider.network.ecosystem)
    for c in (home, *chains):
        c.signers[account.address] = signer
    live = [c.name for c in (home, *chains) if not local[c.eid]]
    if live and not yes:
        click.confirm(f"broadcast to {', '.join(live)} as {account.address}?", abort=True)
    tokens = {"USDai": suite["contracts"]["USDai"], "sUSDai": suite["contracts"]["sUSDai"]}
    try:
        done = launch(project, home, chains, tokens, folder=out, stem=path.stem, deployer=account.address,
                      owner=roles["--owner"], pauser=roles["--pauser"], blacklister=roles["--blacklister"],
                      local=local, dvn=roles["--dvn"], params=params, stop_after=stop_after)
    except StepInterrupted as exc:
        raise click.ClickException(f"{exc}; run the same command again to resume") from None
    except JournalMismatch as exc:
        raise click.ClickException(str(exc)) from None
    omni = done.omni
    if omni.sent == 0 and done.resumed:
        click.echo("nothing to do: every step of this launch is done")
    else:
        click.echo(f"{'resumed: ' if done.resumed else ''}{omni.sent} transactions on {len(omni.chains)} chains")
    for manifest_path in done.manifests:
        click.echo(f"manifest written: {manifest_path}")
    problems = verify_omnichain(omni)
    click.echo("verify: ok" if not problems else "verify:\n" + "\n".join(f"MISMATCH {p}" for p in problems))


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@remote_option
@manifest_option
@out_option
@_one_line
def verify(remotes: tuple[str, ...], manifest: Path | None, out: Path) -> None:
    """Check every chain against the manifests: exit 1 with one line per mismatch."""
    path, _ = _stem(manifest)
    home, _ = _home()
    omni = load_launch(project, home, _remotes(remotes), out, path.stem)
    problems = verify_omnichain(omni)
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH {problem}")
        sys.exit(1)
    click.echo(f"ok: {len(omni.chains)} chains, {len(omni.routes())} routes (peers, enforced options, limits, roles, composer)")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@remote_option
@manifest_option
@out_option
@click.option("--state", type=click.Path(path_type=Path), default=None, help="Relayer state file (default: beside the manifests).")
@click.option("--once", is_flag=True, help="One pass (deliver what is pending), then exit.")
@_one_line
def relay(remotes: tuple[str, ...], manifest: Path | None, out: Path, state: Path | None, once: bool) -> None:
    """Local chains: verify and deliver every packet and compose of the launch's routes (Ctrl-C stops)."""
    path, _ = _stem(manifest)
    home, _ = _home()
    omni = load_launch(project, home, _remotes(remotes), out, path.stem)
    relayer = omni.relayer(state or out / f"{path.stem}.omnichain.relayer.json")

    def report(delivery: Any) -> None:
        click.echo(f"{delivery.route}: {delivery.outcome}")

    if once:
        for delivery in relayer.step():
            report(delivery)
        return
    click.echo("relaying (Ctrl-C stops; the state file resumes it)")
    try:
        relayer.run(until=lambda: False, timeout=float("inf"), on_delivery=report)
    except KeyboardInterrupt:
        click.echo("stopped")

