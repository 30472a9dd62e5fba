"""alt_bn128 (BN254) G1 arithmetic on projective points, the fast core under `zk.curve`.

`zk.curve` exposes affine integer pairs; everything that adds or multiplies
many points (the prover, the verifier, commitments) works here instead and
normalises once at the end (`to_affine_many`: one field inversion for many
points).

A `JacobianPoint` is py-ecc's `optimized_bn128` point (X, Y, Z) of field
elements. Despite the module's name the coordinates are homogeneous
projective, as py-ecc uses them: (X, Y, Z) stands for the affine point
(X/Z, Y/Z), and any Z == 0 is the identity (`IDENTITY` is (1, 1, 0)). The
representation is not unique: compare points with `to_affine`, never with
`==`.

Affine points are integer pairs (x, y), the identity encoded as (0, 0) exactly
as in `zk.curve` (and the EVM precompiles).

Nothing here checks that a point is on the curve; `zk.curve.decode_point`
does that for untrusted input. Scalars are taken modulo the group order n.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeAlias

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.optimized_bn128.optimized_curve import add as _py_add
from py_ecc.optimized_bn128.optimized_curve import curve_order as _py_curve_order
from py_ecc.optimized_bn128.optimized_curve import double as _py_double
from py_ecc.optimized_bn128.optimized_curve import field_modulus as _py_field_modulus

JacobianPoint: TypeAlias = tuple[FQ, FQ, FQ]
"""py-ecc projective point (X, Y, Z) meaning (X/Z, Y/Z); Z == 0 is the identity."""

IDENTITY: Final[JacobianPoint] = (FQ(1), FQ(1), FQ(0))
"""The canonical projective identity (1, 1, 0) (py-ecc's `Z1`)."""

WINDOW_BITS: Final[int] = 4
"""Width of the fixed windows of `mul` and of the rows of `FixedBase`."""

WINDOW_SIZE: Final[int] = 1 << WINDOW_BITS
"""Entries of a `window_table`: 0*B .. 15*B."""

_P: Final[int] = _py_field_modulus  # zk.curve.P (checked by zk.curve's import-time self-check)
_N: Final[int] = _py_curve_order  # zk.curve.N
_AFFINE_IDENTITY: Final[tuple[int, int]] = (0, 0)  # zk.curve.IDENTITY
_WINDOW_MASK: Final[int] = WINDOW_SIZE - 1
_SCALAR_WINDOWS: Final[int] = (_N.bit_length() + WINDOW_BITS - 1) // WINDOW_BITS


# ---------------------------------------------------------------- conversions


def is_identity(q: JacobianPoint) -> bool:
    """True iff `q` is the identity (Z == 0, whatever X and Y are)."""
    return q[2].n == 0


def to_jacobian(pt: tuple[int, int]) -> JacobianPoint:
    """The affine point (x, y) as (x, y, 1); the affine identity (0, 0) becomes `IDENTITY`.

    The coordinates are not range- or curve-checked (see `zk.curve.decode_point`).
    """
    if pt == _AFFINE_IDENTITY:
        return IDENTITY
    return (FQ(pt[0]), FQ(pt[1]), FQ(1))


def to_affine(q: JacobianPoint) -> tuple[int, int]:
    """The affine point (X/Z, Y/Z) with canonical coordinates; (0, 0) for the identity.

    One field inversion; use `to_affine_many` to normalise several points.
    """
    if is_identity(q):
        return _AFFINE_IDENTITY
    z_inv = pow(q[2].n, -1, _P)
    return (q[0].n * z_inv % _P, q[1].n * z_inv % _P)


def to_affine_many(qs: Sequence[JacobianPoint]) -> list[tuple[int, int]]:
    """`[to_affine(q) for q in qs]` with one field inversion (Montgomery's trick).

    Identities (anywhere in `qs`) come out as (0, 0); an empty input gives [].
    """
    zs = [q[2].n for q in qs]
    prefix: list[int] = []
    acc = 1
    for z in zs:
        prefix.append(acc)
        if z != 0:
            acc = acc * z % _P
    inv = pow(acc, -1, _P)
    out: list[tuple[int, int]] = [_AFFINE_IDENTITY] * len(qs)
    for i in range(len(qs) - 1, -1, -1):
        z = zs[i]
        if z == 0:
            continue
        z_inv = inv * prefix[i] % _P
        inv = inv * z % _P
        out[i] = (qs[i][0].n * z_inv % _P, qs[i][1].n * z_inv % _P)
    return out


# ---------------------------------------------------------------- group law


def add(a: JacobianPoint, b: JacobianPoint) -> JacobianPoint:
    """a + b. Complete: either may be the identity, a == b doubles, a == -b gives `IDENTITY`."""
    # py-ecc's add is complete: it handles the identity and a == b (doubling).
    return _py_add(a, b)


def double(a: JacobianPoint) -> JacobianPoint:
    """2 * a; an identity is returned unchanged (py-ecc's double would turn `IDENTITY` into (0, -27, 0))."""
    if is_identity(a):
        return a
    return _py_double(a)


def neg(a: JacobianPoint) -> JacobianPoint:
    """-a, i.e. (X, -Y, Z); the negation of an identity is an identity (not necessarily `IDENTITY`)."""
    return (a[0], -a[1], a[2])


def window_table(base: JacobianPoint) -> list[JacobianPoint]:
    """[0*B, 1*B, ..., 15*B] (`WINDOW_SIZE` entries, 0*B being `IDENTITY`)."""
    table = [IDENTITY, base]
    for _ in range(2, WINDOW_SIZE):
        table.append(add(table[-1], base))
    return table


def mul(base: JacobianPoint, k: int) -> JacobianPoint:
    """k * base for a variable base; k is taken modulo n (any integer, negative included).

    4-bit fixed window, top window first. Returns `IDENTITY` itself when
    k == 0 (mod n) or `base` is an identity.
    """
    k %= _N
    if k == 0 or is_identity(base):
        return IDENTITY
    table = window_table(base)
    acc = IDENTITY
    started = False
    for w in range(_SCALAR_WINDOWS - 1, -1, -1):
        if started:
            for _ in range(WINDOW_BITS):
                acc = double(acc)
        digit = (k >> (w * WINDOW_BITS)) & _WINDOW_MASK
        if digit:
            acc = add(acc, table[digit])
            started = True
    return acc


class FixedBase:
    """Comb table for a fixed base B: rows[w][d] = d * 16^w * B.

    A multiplication is then at most 64 additions and no doubling. Building
    the table costs about 1,000 additions (~30 ms): worth it for a base
    multiplied many times (`zk.curve.fixed_base_g`, `zk.curve.fixed_base_h`).
    """

    def __init__(self, base: tuple[int, int]) -> None:
        """Build the table for the affine point `base` (not checked to be on the curve)."""
        self.base: Final[tuple[int, int]] = base
        rows: list[list[JacobianPoint]] = []
        row_base = to_jacobian(base)
        for _ in range(_SCALAR_WINDOWS):
            row = window_table(row_base)
            rows.append(row)
            row_base = double(row[WINDOW_SIZE // 2])  # 16 * row_base
        self._rows: Final[list[list[JacobianPoint]]] = rows

    def mul(self, k: int) -> JacobianPoint:
        """k * B; k is taken modulo n (any integer, negative included)."""
        k %= _N
        acc = IDENTITY
        w = 0
        while k:
            digit = k & _WINDOW_MASK
            if digit:
                acc = add(acc, self._rows[w][digit])
            k >>= WINDOW_BITS
            w += 1
        return acc


__all__ = [
    "IDENTITY",
    "WINDOW_BITS",
    "WINDOW_SIZE",
    "FixedBase",
    "JacobianPoint",
    "add",
    "double",
    "is_identity",
    "mul",
    "neg",
    "to_affine",
    "to_affine_many",
    "to_jacobian",
    "window_table",
]
