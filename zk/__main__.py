"""Command line: `python -m zk commit | prove | verify | open | params | vectors`.

Every command prints one JSON object on stdout. `verify` and `open` exit 0
when the proof or opening is accepted and 1 when it is refused; usage errors
exit 2. Integers are accepted in decimal or 0x-hex.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from zk.curve import H_COUNTER, H, N, P, Point
from zk.encoding import EncodingError, from_hex, to_hex, word_hex
from zk.pedersen import check_opening, commit, random_blinding
from zk.rangeproof import CONTEXT_TAG, RangeProofError, context, prove, verify
from zk.vectors import DEFAULT_SEED, dumps, generate, write


class _U256(click.ParamType):
    name = "u256"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            out = int(str(value), 0)
        except ValueError:
            self.fail(f"{value!r} is not an integer (decimal or 0x-hex)", param, ctx)
        if not 0 <= out < 1 << 256:
            self.fail(f"{value!r} does not fit in 256 bits", param, ctx)
        return out


U256 = _U256()


def _emit(payload: dict[str, object]) -> None:
    click.echo(json.dumps(payload, indent=2))


def _point_json(pt: Point) -> list[str]:
    return [word_hex(pt[0]), word_hex(pt[1])]


def _context_options(fn: Any) -> Any:
    """Either --ctx, or every field of the context."""
    for option in reversed(
        [
            click.option("--ctx", "ctx_hex", help="32-byte context (hex); replaces the fields below."),
            click.option("--chain-id", type=U256, help="Chain id (42161 on Arbitrum One)."),
            click.option("--auction", help="Auction contract address."),
            click.option("--bidder", help="Address that sends the bid transaction."),
            click.option("--cycle-id", type=U256, help="Auction cycle."),
            click.option("--ticket-id", type=U256, help="Ticket (request) id."),
        ]
    ):
        fn = option(fn)
    return fn


def _resolve_ctx(
    ctx_hex: str | None,
    chain_id: int | None,
    auction: str | None,
    bidder: str | None,
    cycle_id: int | None,
    ticket_id: int | None,
    tier: int,
) -> bytes:
    if ctx_hex is not None:
        ctx = from_hex(ctx_hex)
        if len(ctx) != 32:
            raise click.BadParameter("must be 32 bytes", param_hint="--ctx")
        return ctx
    if chain_id is None or auction is None or bidder is None or cycle_id is None or ticket_id is None:
        raise click.UsageError("give --ctx, or all of --chain-id --auction --bidder --cycle-id --ticket-id")
    try:
        return context(chain_id, auction, bidder, cycle_id, ticket_id, tier)
    except RangeProofError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group()
def cli() -> None:
    """Pedersen commitments and range proofs for QEV bids."""


@cli.command("params")
def params_cmd() -> None:
    """Print the curve constants, H and the context tag."""
    _emit(
        {
            "p": word_hex(P),
            "n": word_hex(N),
            "H": _point_json(H),
            "H_counter": H_COUNTER,
            "context_tag": to_hex(CONTEXT_TAG),
        }
    )


@cli.command("commit")
@click.option("--fee", type=int, required=True, help="Fee in bps (0..10000).")
@click.option("--blinding", type=U256, help="Blinding r in [1, n); random if omitted.")
def commit_cmd(fee: int, blinding: int | None) -> None:
    """Commit to a fee: C = fee*G + r*H. Keep the printed blinding secret."""
    r = random_blinding() if blinding is None else blinding
    try:
        c = commit(fee, r)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    _emit({"commitment": _point_json(c), "fee": fee, "blinding": word_hex(r)})


@cli.command("prove")
@click.option("--fee", type=int, required=True, help="Fee in bps, < 2^tier.")
@click.option("--blinding", type=U256, required=True, help="The commitment's blinding r.")
@click.option("--tier", type=int, required=True, help="Tier j (4..13): proves fee < 2^j.")
@_context_options
def prove_cmd(
    fee: int,
    blinding: int,
    tier: int,
    ctx_hex: str | None,
    chain_id: int | None,
    auction: str | None,
    bidder: str | None,
    cycle_id: int | None,
    ticket_id: int | None,
) -> None:
    """Prove that commit(fee, blinding) hides a value in [0, 2^tier)."""
    ctx = _resolve_ctx(ctx_hex, chain_id, auction, bidder, cycle_id, ticket_id, tier)
    try:
        c = commit(fee, blinding)
        proof = prove(fee, blinding, tier, ctx)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    _emit({"commitment": _point_json(c), "tier": tier, "ctx": to_hex(ctx), "proof": to_hex(proof)})


@cli.command("verify")
@click.option("--commitment", type=(U256, U256), required=True, help="C as two words: x y.")
@click.option("--tier", type=int, required=True)
@click.option("--proof", "proof_hex", required=True, help="Proof bytes (hex).")
@_context_options
def verify_cmd(
    commitment: tuple[int, int],
    tier: int,
    proof_hex: str,
    ctx_hex: str | None,
    chain_id: int | None,
    auction: str | None,
    bidder: str | None,
    cycle_id: int | None,
    ticket_id: int | None,
) -> None:
    """Verify a range proof; exit 1 if it is refused."""
    ctx = _resolve_ctx(ctx_hex, chain_id, auction, bidder, cycle_id, ticket_id, tier)
    try:
        proof = from_hex(proof_hex)
    except EncodingError as exc:
        raise click.BadParameter(str(exc), param_hint="--proof") from exc
    valid = verify(commitment, tier, ctx, proof)
    _emit({"valid": valid, "ctx": to_hex(ctx)})
    sys.exit(0 if valid else 1)


@cli.command("open")
@click.option("--commitment", type=(U256, U256), required=True, help="C as two words: x y.")
@click.option("--fee", type=U256, required=True)
@click.option("--blinding", type=U256, required=True)
def open_cmd(commitment: tuple[int, int], fee: int, blinding: int) -> None:
    """Check a reveal (fee, blinding) against C; exit 1 if it is refused."""
    valid = check_opening(commitment, fee, blinding)
    _emit({"valid": valid})
    sys.exit(0 if valid else 1)


@cli.command("vectors")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the file here.")
@click.option(
    "--check",
    "check_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Regenerate and compare with this file; exit 1 if it differs.",
)
@click.option("--seed", default=None, help="Seed (hex); the default reproduces the checked-in file.")
def vectors_cmd(out: Path | None, check_path: Path | None, seed: str | None) -> None:
    """Generate the shared test vectors (deterministic)."""
    seed_bytes = DEFAULT_SEED if seed is None else from_hex(seed)
    if check_path is not None:
        same = check_path.read_text() == dumps(generate(seed_bytes))
        _emit({"path": str(check_path), "up_to_date": same})
        sys.exit(0 if same else 1)
    if out is None:
        click.echo(dumps(generate(seed_bytes)), nl=False)
        return
    data = write(out, seed_bytes)
    _emit(
        {
            "path": str(out),
            "range_proofs": len(data["range_proofs"]),
            "openings": len(data["openings"]),
        }
    )


if __name__ == "__main__":
    cli()
