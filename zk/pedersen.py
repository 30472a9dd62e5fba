"""Pedersen commitments to bid fees: C = f*G + r*H (docs/DESIGN.md, "Bid range proof")."""

from __future__ import annotations

import secrets
from typing import Final

from zk import jacobian as jac
from zk.curve import N, Point, Scalar, fixed_base_g, fixed_base_h, is_on_curve

MAX_FEE_BPS: Final[int] = 10_000
"""A revealed fee is at most 100% (in basis points)."""


class InvalidOpening(ValueError):
    """Raised by `commit` when (f, r) is not an admissible opening."""


def random_blinding() -> Scalar:
    """A uniform blinding factor r in [1, n), from the OS CSPRNG."""
    return 1 + secrets.randbelow(N - 1)


def commit(f: int, r: Scalar) -> Point:
    """C = f*G + r*H.

    Refuses values the reveal would refuse (f outside [0, 10000], r outside
    [1, n)) so a bidder cannot commit to something it cannot open.
    """
    if not 0 <= f <= MAX_FEE_BPS:
        raise InvalidOpening(f"fee must be in [0, {MAX_FEE_BPS}] bps, got {f}")
    if not 1 <= r < N:
        raise InvalidOpening("blinding must be in [1, n)")
    return commit_unchecked(f, r)


def commit_unchecked(f: int, r: int) -> Point:
    """f*G + r*H with f and r taken modulo n, no range checks (for tests and tampered vectors).

    Never use it for a real bid: `commit` refuses openings the reveal would refuse.
    """
    return jac.to_affine(jac.add(fixed_base_g().mul(f), fixed_base_h().mul(r)))



def check_opening(commitment: Point, f: int, r: int) -> bool:
    """True iff (f, r) opens `commitment`, as the reveal checks it.

    Requires 0 <= f <= 10000 and r canonical in [1, n): `r + n` opens the same
    point algebraically but is refused, so every commitment has exactly one
    accepted opening and the Solidity check (which does the same) agrees.
    The commitment must be a point on the curve (not the identity).
    Never raises on malformed input.
    """
    if not (isinstance(f, int) and isinstance(r, int)):
        return False
    if not 0 <= f <= MAX_FEE_BPS or not 1 <= r < N:
        return False
    if not (
        isinstance(commitment, tuple)
        and len(commitment) == 2
        and all(isinstance(c, int) for c in commitment)
        and is_on_curve(commitment)
    ):
        return False
    return commit_unchecked(f, r) == commitment
