"""Where the points index lives: SQLite by default, any SQLAlchemy 2 URL (`postgresql://...` with a driver
such as psycopg installed) for a team that outgrows one machine.

Tables (amounts are exact integers of any size, kept as decimal text so every database stores them
bit for bit):

- `meta`: the deployment the index belongs to (chain id, token addresses, the accounts that earn
  nothing, the first block) and the running state (last indexed block, its timestamp, the two clocks
  and the sampled share price; see indexer.py);
- `accounts`: per address its USDai, its sUSDai shares, the escrowed shares of the pending requests it
  holds the tickets of, its accrued numerator and the clock readings it was last settled at;
- `requests`: per redemption request, the ticket's holder and the shares still escrowed;
- `prices`: every change of the sampled share price (block, timestamp, price): the other chains' indexes
  price their sUSDai with it (indexer.py, `PriceSchedule`);
- `blocks`: hashes of recent indexed blocks, compared with the chain to find a reorg;
- `undo`: for recent blocks only (the reorg window), one row per block with the value each row and
  the running state had before the block changed them, so a reorged range can be rolled back exactly.

Every sync commits once per batch of blocks, in one transaction: an interrupted sync resumes from the
last committed batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

SCHEMA_VERSION = 2  # 2: the home index keeps its price samples (points_prices) for the other chains

# An account row: usdai, shares, escrow, acc, usdai clock mark, price clock mark (see indexer.py).
AccountRow = list[int]
# A request row: the ticket's holder, escrowed shares.
RequestRow = tuple[str, int]


class StoreError(ValueError):
    """The database cannot be opened or does not hold a points index of this deployment."""


class Uint(sa.types.TypeDecorator[int]):
    """An unsigned integer of any size, stored as decimal text (exact on every database)."""

    impl = sa.String(80)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any | None, dialect: sa.Dialect) -> int | None:
        return None if value is None else int(value)


metadata = sa.MetaData()
meta = sa.Table(
    "points_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
accounts = sa.Table(
    "points_accounts", metadata,
    sa.Column("address", sa.String(42), primary_key=True),
    sa.Column("usdai", Uint, nullable=False),
    sa.Column("shares", Uint, nullable=False),
    sa.Column("escrow", Uint, nullable=False),
    sa.Column("acc", Uint, nullable=False),
    sa.Column("clock_mark", Uint, nullable=False),
    sa.Column("price_mark", Uint, nullable=False),
)
requests = sa.Table(
    "points_requests", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("holder", sa.String(42), nullable=False),
    sa.Column("escrow", Uint, nullable=False),
)
prices = sa.Table(
    "points_prices", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),  # the order samples were taken in
    sa.Column("block", sa.BigInteger, nullable=False, index=True),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("price", Uint, nullable=False),
)
blocks = sa.Table(
    "points_blocks", metadata,
    sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(66), nullable=False),
)
undo = sa.Table(
    "points_undo", metadata,
    sa.Column("block", sa.BigInteger, primary_key=True, autoincrement=False),
    # JSON: {"accounts": {address: row or null}, "requests": {id: [holder, escrow] or null}, "state": {...}},
    # each value as it was before the block changed it (null: there was no row).
    sa.Column("before", sa.Text, nullable=False),
)

ACCOUNT_FIELDS = ("usdai", "shares", "escrow", "acc", "clock_mark", "price_mark")


@dataclass
class BlockUndo:
    """What one block changed, as it was before: rows (None: there was none) and the running state."""

    block: int
    state: dict[str, Any]
    accounts: dict[str, AccountRow | None] = field(default_factory=dict)
    requests: dict[int, RequestRow | None] = field(default_factory=dict)

    def to_json(self) -> str:
        # Python's json writes and reads integers of any size exactly.
        return json.dumps({
            "accounts": self.accounts,
            "requests": {str(k): None if v is None else list(v) for k, v in self.requests.items()},
            "state": self.state,
        })


@dataclass
class Loaded:
    state: dict[str, Any] | None
    accounts: dict[str, AccountRow]
    requests: dict[int, RequestRow]


class Store:
    """The points index in one database (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.label = _safe(url)  # for messages: no password
        try:
            self.engine: Engine = sa.create_engine(url)
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                version = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema")).scalar()
                if version is None:
                    conn.execute(meta.insert().values(key="schema", value=str(SCHEMA_VERSION)))
                elif int(version) != SCHEMA_VERSION:
                    raise StoreError(f"--db {_safe(url)}: schema {version}, this indexer writes {SCHEMA_VERSION}")
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreError(f"--db {_safe(url)}: not a database URL this machine can open ({exc})") from None
        except ImportError as exc:
            raise StoreError(f"--db {_safe(url)}: its driver is not installed ({exc.name}: pip install it)") from None
        except OperationalError as exc:
            raise StoreError(f"--db {_safe(url)}: {str(exc.orig).splitlines()[0]}") from None

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- meta

    def _meta(self, conn: Connection, key: str) -> Any:
        value = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()
        return None if value is None else json.loads(value)

    def _set_meta(self, conn: Connection, key: str, value: Any) -> None:
        conn.execute(meta.delete().where(meta.c.key == key))
        conn.execute(meta.insert().values(key=key, value=json.dumps(value, sort_keys=True)))

    def deployment(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            found = self._meta(conn, "deployment")
        return None if found is None else dict(found)

    def set_deployment(self, deployment: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            self._set_meta(conn, "deployment", dict(deployment))

    def state(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            found = self._meta(conn, "state")
        return None if found is None else dict(found)

    # ---------------------------------------------------------------- rows

    def load(self) -> Loaded:
        with self.engine.connect() as conn:
            state = self._meta(conn, "state")
            rows = conn.execute(sa.select(accounts)).all()
            reqs = conn.execute(sa.select(requests)).all()
        return Loaded(
            state=None if state is None else dict(state),
            accounts={r.address: [int(getattr(r, f)) for f in ACCOUNT_FIELDS] for r in rows},
            requests={int(r.id): (str(r.holder), int(r.escrow)) for r in reqs},
        )

    def commit(
        self,
        state: Mapping[str, Any],
        changed_accounts: Mapping[str, AccountRow],
        changed_requests: Mapping[int, RequestRow],
        undo_rows: Sequence[BlockUndo],
        block_hashes: Iterable[tuple[int, str]],
        keep_from: int,
        samples: Sequence[tuple[int, int, int]] = (),
    ) -> None:
        """Writes one batch in one transaction; undo rows and block hashes below `keep_from` (out of the
        reorg window) are dropped. `samples` are new (block, timestamp, price) changes of the price."""
        with self.engine.begin() as conn:
            self._upsert_accounts(conn, changed_accounts)
            self._upsert_requests(conn, changed_requests)
            if samples:
                seq = conn.execute(sa.select(sa.func.max(prices.c.seq))).scalar()
                start = 0 if seq is None else int(seq) + 1
                conn.execute(prices.insert(), [
                    {"seq": start + i, "block": b, "timestamp": t, "price": p} for i, (b, t, p) in enumerate(samples)
                ])
            if undo_rows:
                conn.execute(undo.delete().where(undo.c.block.in_([u.block for u in undo_rows])))
                conn.execute(undo.insert(), [{"block": u.block, "before": u.to_json()} for u in undo_rows])
            hashes = dict(block_hashes)
            if hashes:
                conn.execute(blocks.delete().where(blocks.c.number.in_(list(hashes))))
                conn.execute(blocks.insert(), [{"number": n, "hash": h} for n, h in sorted(hashes.items())])
            conn.execute(undo.delete().where(undo.c.block < keep_from))
            conn.execute(blocks.delete().where(blocks.c.number < keep_from))
            self._set_meta(conn, "state", dict(state))

    def _upsert_accounts(self, conn: Connection, rows: Mapping[str, AccountRow]) -> None:
        if not rows:
            return
        values = [{"address": a, **dict(zip(ACCOUNT_FIELDS, row, strict=True))} for a, row in rows.items()]
        self._replace(conn, accounts, accounts.c.address, list(rows), values)

    def _upsert_requests(self, conn: Connection, rows: Mapping[int, RequestRow]) -> None:
        if not rows:
            return
        values = [{"id": i, "holder": holder, "escrow": escrow} for i, (holder, escrow) in rows.items()]
        self._replace(conn, requests, requests.c.id, list(rows), values)

    @staticmethod
    def _replace(conn: Connection, table: sa.Table, key: sa.Column[Any], keys: list[Any], values: list[dict[str, Any]]) -> None:
        """Delete-then-insert: one portable upsert for SQLite, PostgreSQL and the rest."""
        chunk = 500  # below every database's bound-parameter limit
        for i in range(0, len(keys), chunk):
            conn.execute(table.delete().where(key.in_(keys[i : i + chunk])))
        conn.execute(table.insert(), values)

    # ---------------------------------------------------------------- reorgs

    def block_hashes(self) -> list[tuple[int, str]]:
        """Stored (number, hash) pairs, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(blocks.c.number, blocks.c.hash).order_by(blocks.c.number.desc())).all()
        return [(int(n), str(h)) for n, h in rows]

    def rollback(self, to_block: int) -> int:
        """Undoes every change made by blocks above `to_block`, newest block first (so each row ends at
        the value it had before the first of them); returns the number of changes undone."""
        undone = 0
        with self.engine.begin() as conn:
            payloads = conn.execute(
                sa.select(undo.c.before).where(undo.c.block > to_block).order_by(undo.c.block.desc())
            ).scalars().all()
            for payload in payloads:
                before = json.loads(payload)
                for address, row in before["accounts"].items():
                    conn.execute(accounts.delete().where(accounts.c.address == address))
                    if row is not None:
                        conn.execute(accounts.insert().values(address=address, **dict(zip(ACCOUNT_FIELDS, row, strict=True))))
                for key, req in before["requests"].items():
                    conn.execute(requests.delete().where(requests.c.id == int(key)))
                    if req is not None:
                        conn.execute(requests.insert().values(id=int(key), holder=req[0], escrow=int(req[1])))
                self._set_meta(conn, "state", before["state"])
                undone += len(before["accounts"]) + len(before["requests"]) + 1
            conn.execute(undo.delete().where(undo.c.block > to_block))
            conn.execute(blocks.delete().where(blocks.c.number > to_block))
            conn.execute(prices.delete().where(prices.c.block > to_block))
        return undone

    def prices(self) -> list[tuple[int, int]]:
        """(timestamp, price) of every price change, in the order they were sampled."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(prices.c.timestamp, prices.c.price).order_by(prices.c.seq)).all()
        return [(int(t), int(p)) for t, p in rows]


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
