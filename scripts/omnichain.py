"""USDai and sUSDai on more chains: `ape run omnichain deploy|verify|relay --network <home> --remote URL ...`.

`deploy` launches the lockboxes and the composer on the home chain (Ape's `--network`, where the suite
runs) and the OFTs on every `--remote` chain, with peers, enforced options and rate limits, and hands
them to `--owner`. Each chain's steps are journaled in `deployments/<name>.<chain>.omnichain.journal.json`
(a stopped run resumes where it stopped; a finished one sends nothing) and each chain gets its manifest
`deployments/<name>.<chain>.omnichain.json`. On a chain where LayerZero's endpoint is deployed (live or
forked) it is used; on a local chain without it, LayerZero is deployed from its npm artifacts.

`verify` reads every chain back against the manifests (peers, options, limits, roles, the composer) and
exits 1 with one line per mismatch. `relay` is the local chains' DVN and executor (a polling loop).

A holder's commands: `send` moves USDai or sUSDai between any two chains of the launch (`--from`,
`--to`: chain names), `stake` stakes USDai held on another chain through the composer (sUSDai comes
back there). Both quote the LayerZero fee first and print it; `--dry-run` stops there.

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
from scripts._suite.loans import parse_usdai
from scripts._suite.manifest import DEPLOYMENTS, default_manifest, load_manifest, manifest_option
from scripts._suite.omnichain import (
    SHARED_DECIMALS,
    TOKENS,
    UNIT,
    OmniParams,
    accept_ownership,
    pending_acceptance,
    quote_send,
    quote_stake,
    send_problems,
    send_tokens,
    stake_from,
    verify_omnichain,
)
from scripts._suite.omnilaunch import ape_signer, chain_at, existing_endpoint, is_loopback, launch, lz_network
from scripts._suite.omnilaunch import load as load_launch
from scripts._suite.report import fmt_units

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
    """Omnichain USDai and sUSDai over LayerZero V2: deploy, accept, verify, relay (local chains), send, stake."""


def _command(*, signs: bool) -> Any:
    """A subcommand with the options every one of them takes: the home network, the other chains, the
    suite manifest and the launch's folder, and the account that signs (`signs`)."""
    shared = [network_option(), *([account_option()] if signs else []), remote_option, manifest_option, out_option]

    def wrap(func: Any) -> Any:
        for option in reversed(shared):  # as if stacked above the command's own options
            func = option(func)
        return cli.command(cls=ConnectedProviderCommand)(func)

    return wrap


@_command(signs=True)
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
    # A chain with LayerZero's own endpoint is live, or a fork of a live one: ask before broadcasting.
    live = [c.name for c in (home, *chains) if not local[c.eid] or existing_endpoint(c, local=True)]
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
    waiting = pending_acceptance(omni)
    if waiting:
        click.echo(
            f"ownership of {len(waiting)} OApps waits for {omni.owner} to accept: `ape run omnichain accept --account "
            "<owner>`, or acceptOwnership() (calldata 0x79ba5097) from the Safe or timelock on each of "
            + ", ".join(f"{part.chain.name} {token} {oapp.address}" for part, token, oapp in waiting)
        )
    problems = verify_omnichain(omni)
    click.echo("verify: ok" if not problems else "verify:\n" + "\n".join(f"MISMATCH {p}" for p in problems))


def _launched(remotes: tuple[str, ...], manifest: Path | None, out: Path, account: Any = None) -> Any:
    path, _ = _stem(manifest)
    home, _ = _home()
    chains = _remotes(remotes)
    if account is not None:
        signer = ape_signer(account, chain.provider.network.ecosystem)
        for c in (home, *chains):
            c.signers[account.address] = signer
    return load_launch(project, home, chains, out, path.stem)


def _part(omni: Any, name: str) -> Any:
    for part in omni.chains:
        if part.chain.name == name:
            return part
    raise ValueError(f"no chain {name!r} in this launch (chains: {', '.join(p.chain.name for p in omni.chains)})")


def _quote_line(part: Any, fee: int, what: str) -> str:
    return f"{what}; LayerZero fee {fmt_units(fee, 18, 6)} native on {part.chain.name}"


@_command(signs=True)
@click.option("--token", type=click.Choice(TOKENS), default="USDai", show_default=True)
@click.option("--amount", required=True, help="Tokens to send, e.g. 1000 or 1,000.5.")
@click.option("--from", "source", required=True, help="Chain name the tokens leave (e.g. arbitrum).")
@click.option("--to", "destination", required=True, help="Chain name they arrive on (e.g. ethereum).")
@click.option("--recipient", default=None, help="Receiver on the destination (default: you).")
@click.option("--dry-run", is_flag=True, help="Quote and check; send nothing.")
@_one_line
def send(account: Any, remotes: tuple[str, ...], manifest: Path | None, out: Path, token: str, amount: str,
         source: str, destination: str, recipient: str | None, dry_run: bool) -> None:
    """Send USDai or sUSDai to another chain of the launch."""
    omni = _launched(remotes, manifest, out, account)
    src, dst = _part(omni, source), _part(omni, destination)
    if dst not in omni.peers_of(src):
        raise ValueError(f"{source} and {destination} are not peers (every chain is wired to the home chain only)")
    wei = parse_usdai(amount)
    to = recipient or account.address
    if not Web3.is_address(to):
        raise ValueError(f"--recipient {to!r} is not an address")
    dust = wei % 10 ** (18 - SHARED_DECIMALS)
    fee = quote_send(src, token, account.address, wei, dst.eid, recipient=to)
    if problems := send_problems(src, token, account.address, wei, dst.eid, fee):
        raise ValueError("; ".join(problems))
    note = f" ({fmt_units(dust, 18, 18)} of dust under the shared decimals stays with you)" if dust else ""
    click.echo(_quote_line(src, fee, f"{fmt_units(wei - dust, 18, 6)} {token} {source} -> {destination} to {to}{note}"))
    if dry_run:
        return
    receipt = send_tokens(src, token, account.address, wei, dst.eid, recipient=to)
    click.echo(f"sent in block {receipt['blockNumber']:,} (tx 0x{bytes(receipt['transactionHash']).hex()}); "
               f"it arrives once LayerZero's DVNs verify it and the executor delivers it")


@_command(signs=True)
@click.option("--amount", required=True, help="USDai to stake, held on --from, e.g. 1000.")
@click.option("--from", "source", required=True, help="The chain your USDai is on (not the home chain).")
@click.option("--min-shares", default="0", show_default=True, help="Fewer sUSDai than this and the stake is refunded.")
@click.option("--dry-run", is_flag=True, help="Quote and check; send nothing.")
@_one_line
def stake(account: Any, remotes: tuple[str, ...], manifest: Path | None, out: Path, amount: str, source: str,
          min_shares: str, dry_run: bool) -> None:
    """Stake USDai held on another chain: sUSDai comes back there (or the USDai, refunded)."""
    omni = _launched(remotes, manifest, out, account)
    part = _part(omni, source)
    if part.home:
        raise ValueError(f"{source} is the home chain: deposit in sUSDai there directly")
    wei = parse_usdai(amount)
    minimum = 0 if min_shares.strip() in ("0", "") else parse_usdai(min_shares)
    fee = quote_stake(omni, part, account.address, wei, min_shares=minimum)
    if problems := send_problems(part, "USDai", account.address, wei, omni.home.eid, fee):
        raise ValueError("; ".join(problems))
    click.echo(_quote_line(part, fee, f"stake {fmt_units(wei, 18, 6)} USDai from {source}, sUSDai back to you there"))
    if dry_run:
        return
    receipt = stake_from(omni, part, account.address, wei, min_shares=minimum)
    click.echo(f"sent in block {receipt['blockNumber']:,} (tx 0x{bytes(receipt['transactionHash']).hex()}); the shares "
               "(or a refund) come back after the stake at home")


@_command(signs=True)
@_one_line
def accept(account: Any, remotes: tuple[str, ...], manifest: Path | None, out: Path) -> None:
    """The owner accepts every OApp the launch handed to it (two-step ownership)."""
    omni = _launched(remotes, manifest, out, account)
    if account.address != omni.owner:
        raise ValueError(f"{account.address} is not the launch's owner {omni.owner}")
    waiting = pending_acceptance(omni)
    accept_ownership(omni)
    if not waiting:
        click.echo("nothing to accept: every OApp is owned by " + omni.owner)
        return
    click.echo(f"accepted: {len(waiting)} OApps (" + ", ".join(f"{p.chain.name} {t}" for p, t, _ in waiting) + ")")


@_command(signs=False)
@_one_line
def verify(remotes: tuple[str, ...], manifest: Path | None, out: Path) -> None:
    """Check every chain against the manifests: exit 1 with one line per mismatch."""
    omni = _launched(remotes, manifest, out)
    problems = verify_omnichain(omni)
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH {problem}")
        sys.exit(1)
    click.echo(f"ok: {len(omni.chains)} chains, {len(omni.routes())} routes (peers, enforced options, limits, roles, composer)")


@_command(signs=False)
@click.option("--state", type=click.Path(path_type=Path), default=None, help="Relayer state file (default: beside the manifests).")
@click.option("--once", is_flag=True, help="One pass (deliver what is pending), then exit.")
@_one_line
def relay(remotes: tuple[str, ...], manifest: Path | None, out: Path, state: Path | None, once: bool) -> None:
    """Local chains: verify and deliver every packet and compose of the launch's routes (Ctrl-C stops)."""
    omni = _launched(remotes, manifest, out)
    relayer = omni.relayer(state or out / f"{_stem(manifest)[0].stem}.omnichain.relayer.json")

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

