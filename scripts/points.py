"""Allo points: `ape run points sync|show|export --network ... [--manifest PATH] [--db URL]`.

`sync` indexes the deployment's USDai, sUSDai and ticket logs from the last indexed block (the first
time from `--from-block`, else the manifest's startBlock) up to the head less `--confirmations`, with a
progress bar on stderr; a reorg since the last sync is rolled back first. `show` prints the leaderboard
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
from scripts._suite.points import default_db, indexer
from scripts._suite.points.indexer import (
    DEFAULT_BATCH_BLOCKS,
    DEFAULT_REORG_DEPTH,
    Deployment,
    PointsError,
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


def _open(manifest: Path | None, db_url: str | None, create: bool = False) -> tuple[dict[str, Any], Store]:
    """The manifest and the index (`create`: a new one may be made; else a missing SQLite file is an error)."""
    path = manifest or default_manifest()
    data = load_manifest(path)
    url = db_url or default_db(path)
    if not create:
        database = make_url(url).database if url.startswith("sqlite") else None
        if database and database != ":memory:" and not Path(database).exists():
            raise PointsError(f"no index at {database}: run `ape run points sync` first")
    return data, Store(url)


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
@explained
def sync(
    manifest: Path | None = None, db_url: str | None = None, from_block: int | None = None,
    confirmations: int | None = None, batch_blocks: int = DEFAULT_BATCH_BLOCKS, reorg_depth: int = DEFAULT_REORG_DEPTH,
) -> None:
    """Index new blocks (resumes where the last sync stopped)."""
    for name, value in (("--from-block", from_block), ("--confirmations", confirmations)):
        if value is not None and value < 0:
            raise PointsError(f"{name} {value}: at least 0")
    data, store = _open(manifest, db_url, create=True)
    try:
        start = from_block if from_block is not None else int(data.get("startBlock") or 0)
        stored = store.deployment()
        if from_block is None and stored is not None:
            start = int(stored["startBlock"])  # an existing index keeps its first block
        deployment = Deployment.from_manifest(data["contracts"], chain.chain_id, start)
        if confirmations is None:
            confirmations = 0 if chain.provider.network.is_local else 12
        with Progress() as progress:
            report = indexer.sync(
                store, rpc_for(chain.provider), deployment, confirmations=confirmations, batch_blocks=batch_blocks,
                reorg_depth=reorg_depth, progress=progress,
            )
        click.echo(report.line())
    finally:
        store.close()


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
@db_option
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Rows shown.")
@explained
def show(manifest: Path | None = None, db_url: str | None = None, limit: int = 50) -> None:
    """The leaderboard at the last indexed block."""
    _, store = _open(manifest, db_url)
    try:
        click.echo(render_leaderboard(read_table(store), limit=limit), nl=False)
    finally:
        store.close()


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="File to write.")
@explained
def export(out: Path, manifest: Path | None = None, db_url: str | None = None, fmt: str = "json") -> None:
    """Write the table, the Merkle root and every account's proof."""
    _, store = _open(manifest, db_url)
    try:
        t = read_table(store)
        write_export(t, fmt, out)
    finally:
        store.close()
    click.echo(f"{len(t.rows)} accounts at block {t.block:,}, root {t.tree.root_hex}, written to {out}")
