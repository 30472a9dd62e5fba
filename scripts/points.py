"""Allo points: `ape run points sync|show|export --network ... [--manifest PATH] [--db URL]`.

`sync` indexes the deployment's USDai, sUSDai and ticket logs from the last indexed block (the first
time from `--from-block`, else the manifest's startBlock) up to the head less `--confirmations`, with a
progress bar on stderr; a reorg since the last sync is rolled back first. With `--remote URL` it then
indexes that chain of an omnichain launch (`ape run omnichain deploy`: its manifest beside the suite's),
pricing its sUSDai with the home index's prices, into `deployments/<network>.<chain>.points.sqlite`;
`show` and `export` then sum every chain's points per account (one row, one Merkle leaf). `show` prints the leaderboard
and `export --format csv|json --out PATH` writes the table with its Merkle root and every account's
proof (OpenZeppelin `MerkleProof`). The index lives in `--db` (any SQLAlchemy URL; default: SQLite
beside the manifest, `deployments/<network>.points.sqlite`). The formula and its one approximation are
in scripts/_suite/points/indexer.py. Bad input prints one line, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from ape import chain
from ape.cli import ConnectedProviderCommand, network_option
from sqlalchemy.engine import make_url

from scripts._suite.errors import one_line_errors
from scripts._suite.manifest import default_manifest, load_manifest, manifest_option
from scripts._suite.points import chain_db, default_db, indexer, omnichain_manifests
from scripts._suite.points.indexer import (
    DEFAULT_BATCH_BLOCKS,
    DEFAULT_REORG_DEPTH,
    Deployment,
    HttpRpc,
    PointsError,
    home_schedule,
    rpc_for,
)
from scripts._suite.points.store import Store
from scripts._suite.points.table import FORMATS, read_table, render_leaderboard, write_export

_one_line = one_line_errors("USDai", "StakedUSDai")


def explained(func: Any) -> Any:
    """Bad input, node and database errors become one human line (exit 1), never a traceback."""
    import functools

    from sqlalchemy.exc import SQLAlchemyError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise PointsError(f"database: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}") from None

    return _one_line(wrapper)

db_option = click.option("--db", "db_url", default=None, help="SQLAlchemy URL of the index (default: SQLite beside the manifest).")


def _missing(url: str) -> str | None:
    """The SQLite file of `url` if it does not exist."""
    database = make_url(url).database if url.startswith("sqlite") else None
    return database if database and database != ":memory:" and not Path(database).exists() else None


def _open(manifest: Path | None, db_url: str | None, create: bool = False) -> tuple[dict[str, Any], Store]:
    """The manifest and the index (`create`: a new one may be made; else a missing SQLite file is an error)."""
    path = manifest or default_manifest()
    data = load_manifest(path)
    url = db_url or default_db(path)
    if not create and (missing := _missing(url)):
        raise PointsError(f"no index at {missing}: run `ape run points sync` first")
    return data, Store(url)


def _other_chains(manifest: Path | None, db_url: str | None) -> list[Store]:
    """The index of every other chain of the launch: a table without one of them would be wrong."""
    path = manifest or default_manifest()
    stores = []
    for m in omnichain_manifests(path):
        if m.get("home"):
            continue
        url = chain_db(db_url or default_db(path), str(m["network"]))
        if missing := _missing(url):
            raise PointsError(
                f"{m['network']} (chain {m['chainId']}) has no index at {missing}: "
                "run `ape run points sync --remote <its RPC URL>` first"
            )
        stores.append(Store(url))
    return stores


class Progress:
    """Sync progress on stderr: a bar on a terminal, else a line every few seconds (logs, CI)."""

    EVERY = 5.0

    def __init__(self) -> None:
        self.stream = click.get_text_stream("stderr")
        self.bar: Any = None
        self.last = 0.0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, events: int) -> None:
        if self.stream.isatty():
            if self.bar is None:
                self.bar = click.progressbar(length=total, label="indexing", file=self.stream, show_pos=True).__enter__()
            self.bar.label = f"indexing ({events:,} events)"
            self.bar.update(done - self.bar.pos)
        elif time.monotonic() - self.last >= self.EVERY or done == total:
            self.last = time.monotonic()
            click.echo(f"indexing: {done:,}/{total:,} blocks, {events:,} events", err=True)


@click.group()
def cli() -> None:
    """Allo points: index, leaderboard, export with Merkle proofs."""


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
@db_option
@click.option("--from-block", type=int, default=None, help="First block of a new index (default: the manifest's startBlock, else 0).")
@click.option("--confirmations", type=int, default=None,
              help="Blocks to stay behind the head (default: 0 on a local chain, 12 elsewhere).")
@click.option("--batch-blocks", type=int, default=DEFAULT_BATCH_BLOCKS, show_default=True, help="Widest eth_getLogs window.")
@click.option("--reorg-depth", type=int, default=DEFAULT_REORG_DEPTH, show_default=True,
              help="Recent blocks that keep what a rollback needs.")
@click.option("--remote", "remotes", multiple=True, metavar="URL",
              help="RPC URL of another chain of the omnichain launch, indexed after the home chain (repeat for several).")
@explained
def sync(
    manifest: Path | None = None, db_url: str | None = None, from_block: int | None = None,
    confirmations: int | None = None, batch_blocks: int = DEFAULT_BATCH_BLOCKS, reorg_depth: int = DEFAULT_REORG_DEPTH,
    remotes: tuple[str, ...] = (),
) -> None:
    """Index new blocks (resumes where the last sync stopped), at home and on every --remote chain."""
    for name, value in (("--from-block", from_block), ("--confirmations", confirmations)):
        if value is not None and value < 0:
            raise PointsError(f"{name} {value}: at least 0")
    data, store = _open(manifest, db_url, create=True)
    try:
        start = from_block if from_block is not None else int(data.get("startBlock") or 0)
        stored = store.deployment()
        if from_block is None and stored is not None:
            start = int(stored["startBlock"])  # an existing index keeps its first block
        path = manifest or default_manifest()
        omni = omnichain_manifests(path)
        home_omni = next((m for m in omni if m.get("home")), None)
        # The lockboxes and the composer hold tokens for others: they earn nothing.
        also = None if home_omni is None else home_omni["contracts"]
        deployment = Deployment.from_manifest(data["contracts"], chain.chain_id, start, also_excluded=also)
        if confirmations is None:
            confirmations = 0 if chain.provider.network.is_local else 12
        with Progress() as progress:
            report = indexer.sync(
                store, rpc_for(chain.provider), deployment, confirmations=confirmations, batch_blocks=batch_blocks,
                reorg_depth=reorg_depth, progress=progress,
            )
        click.echo(report.line())
        for url in remotes:
            rpc = HttpRpc(url)
            chain_id = int(rpc.call("eth_chainId", []), 16)
            found = next((m for m in omni if int(m["chainId"]) == chain_id and not m.get("home")), None)
            if found is None:
                raise PointsError(f"--remote {url} is chain {chain_id}: no omnichain manifest of it beside {path}")
            remote = Store(chain_db(db_url or default_db(path), str(found["network"])))
            try:
                with Progress() as progress:
                    report = indexer.sync(
                        remote, rpc, Deployment.from_omnichain(found, chain.chain_id), confirmations=confirmations,
                        batch_blocks=batch_blocks, reorg_depth=reorg_depth, progress=progress,
                        schedule=home_schedule(store),
                    )
                click.echo(f"{found['network']}: {report.line()}")
            finally:
                remote.close()
    finally:
        store.close()


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
@db_option
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Rows shown.")
@explained
def show(manifest: Path | None = None, db_url: str | None = None, limit: int = 50) -> None:
    """The leaderboard at the last indexed block (every chain's points summed)."""
    _, store = _open(manifest, db_url)
    others = _other_chains(manifest, db_url)
    try:
        click.echo(render_leaderboard(read_table(store, others), limit=limit), nl=False)
    finally:
        for s in (store, *others):
            s.close()


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="File to write.")
@explained
def export(out: Path, manifest: Path | None = None, db_url: str | None = None, fmt: str = "json") -> None:
    """Write the table, the Merkle root and every account's proof (every chain's points summed)."""
    _, store = _open(manifest, db_url)
    others = _other_chains(manifest, db_url)
    try:
        t = read_table(store, others)
        write_export(t, fmt, out)
    finally:
        for s in (store, *others):
            s.close()
    click.echo(f"{len(t.rows)} accounts at block {t.block:,}, root {t.tree.root_hex}, written to {out}")
