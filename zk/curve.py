"""alt_bn128 (BN254) G1 arithmetic for the QEV bid commitments (docs/SPEC.md, "Bid range proof").

Public values are affine integer pairs (`Point`); the identity is encoded as
(0, 0), which is not on the curve, exactly as the EVM precompiles encode it.
Internally the arithmetic runs on py-ecc's `optimized_bn128` projective points
(`_Jac`), with two speed-ups py-ecc does not ship:

- fixed-base comb tables for G and H (the bases of almost every
  multiplication in proving and verifying);
- 4-bit fixed-window multiplication for variable bases, and batched
  normalisation (one field inversion for many points).

py-ecc does not check that its inputs are on the curve: every decoding
function here does (`decode_point`, `decode_scalar`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Final, TypeAlias

from eth_hash.auto import keccak
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.optimized_bn128.optimized_curve import add as _py_add
from py_ecc.optimized_bn128.optimized_curve import curve_order as _py_curve_order
from py_ecc.optimized_bn128.optimized_curve import double as _py_double
from py_ecc.optimized_bn128.optimized_curve import field_modulus as _py_field_modulus

# ---------------------------------------------------------------- types

Scalar: TypeAlias = int
"""An integer meant modulo N (the group order); canonical when 0 <= s < N."""

Point: TypeAlias = tuple[int, int]
"""An affine point (x, y) with 0 <= x, y < P; the identity is (0, 0)."""

_Jac: TypeAlias = tuple[FQ, FQ, FQ]
"""py-ecc projective point (X, Y, Z) meaning (X/Z, Y/Z); Z == 0 is the identity."""

# ---------------------------------------------------------------- constants

P: Final[int] = 21888242871839275222246405745257275088696311157297823662689037894645226208583
"""Base field modulus p of alt_bn128."""

N: Final[int] = 21888242871839275222246405745257275088548364400416034343698204186575808495617
"""Order n of the G1 group (prime; the cofactor is 1)."""

CURVE_B: Final[int] = 3
"""The curve is y^2 = x^3 + 3 over F_p."""

G: Final[Point] = (1, 2)
"""The standard generator of G1."""

IDENTITY: Final[Point] = (0, 0)
"""Encoding of the point at infinity (as the ecAdd/ecMul precompiles use it)."""

H_DOMAIN: Final[bytes] = b"QEV/PedersenH/v1"
"""Domain string hashed with a counter to derive H (docs/SPEC.md, "Bid range proof")."""

_WINDOW_BITS: Final[int] = 4
_WINDOW_SIZE: Final[int] = 1 << _WINDOW_BITS
_WINDOW_MASK: Final[int] = _WINDOW_SIZE - 1
_SCALAR_WINDOWS: Final[int] = (N.bit_length() + _WINDOW_BITS - 1) // _WINDOW_BITS


class InvalidPoint(ValueError):
    """Raised when a pair of integers is not a canonical point on the curve."""


class InvalidScalar(ValueError):
    """Raised when an integer is not a canonical scalar (0 <= s < N)."""


# ---------------------------------------------------------------- checks


def is_identity(pt: Point) -> bool:
    """True for the identity encoding (0, 0)."""
    return pt == IDENTITY


def is_on_curve(pt: Point) -> bool:
    """True iff `pt` has canonical coordinates (< P) and y^2 == x^3 + 3 mod P.

    The identity encoding (0, 0) does not satisfy the equation, so it is
    *not* on the curve for this function (callers that accept the identity
    test for it first).
    """
    x, y = pt
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - x * x * x - CURVE_B) % P == 0


def is_canonical_scalar(s: int) -> bool:
    """True iff 0 <= s < N."""
    return 0 <= s < N


def decode_scalar(s: int) -> Scalar:
    """Return `s` if it is canonical, else raise `InvalidScalar`."""
    if not is_canonical_scalar(s):
        raise InvalidScalar(f"scalar not in [0, n): {s}")
    return s


def decode_point(x: int, y: int, *, allow_identity: bool = False) -> Point:
    """Return (x, y) if it is a canonical curve point, else raise `InvalidPoint`.

    The identity (0, 0) is refused unless `allow_identity`.
    """
    pt = (x, y)
    if allow_identity and is_identity(pt):
        return pt
    if not is_on_curve(pt):
        raise InvalidPoint(f"not a canonical point on alt_bn128: {pt}")
    return pt


# ---------------------------------------------------------------- projective core

_JAC_IDENTITY: Final[_Jac] = (FQ(1), FQ(1), FQ(0))


def _to_jac(pt: Point) -> _Jac:
    if is_identity(pt):
        return _JAC_IDENTITY
    return (FQ(pt[0]), FQ(pt[1]), FQ(1))


def _is_jac_identity(q: _Jac) -> bool:
    return q[2].n == 0


def _to_affine(q: _Jac) -> Point:
    if _is_jac_identity(q):
        return IDENTITY
    z_inv = pow(q[2].n, -1, P)
    return (q[0].n * z_inv % P, q[1].n * z_inv % P)


def _to_affine_many(qs: Sequence[_Jac]) -> list[Point]:
    """Normalise many points with one field inversion (Montgomery's trick)."""
    zs = [q[2].n for q in qs]
    prefix: list[int] = []
    acc = 1
    for z in zs:
        prefix.append(acc)
        if z != 0:
            acc = acc * z % P
    inv = pow(acc, -1, P)
    out: list[Point] = [IDENTITY] * len(qs)
    for i in range(len(qs) - 1, -1, -1):
        z = zs[i]
        if z == 0:
            continue
        z_inv = inv * prefix[i] % P
        inv = inv * z % P
        out[i] = (qs[i][0].n * z_inv % P, qs[i][1].n * z_inv % P)
    return out


def _jadd(a: _Jac, b: _Jac) -> _Jac:
    # py-ecc's add is complete: it handles the identity and a == b (doubling).
    return _py_add(a, b)


def _jdouble(a: _Jac) -> _Jac:
    if _is_jac_identity(a):
        return a
    return _py_double(a)


def _jneg(a: _Jac) -> _Jac:
    return (a[0], -a[1], a[2])


def _window_table(base: _Jac) -> list[_Jac]:
    """[0*B, 1*B, ..., 15*B]."""
    table = [_JAC_IDENTITY, base]
    for _ in range(2, _WINDOW_SIZE):
        table.append(_jadd(table[-1], base))
    return table


def _jmul(base: _Jac, k: int) -> _Jac:
    """k * base for a variable base: 4-bit fixed window, top window first."""
    k %= N
    if k == 0 or _is_jac_identity(base):
        return _JAC_IDENTITY
    table = _window_table(base)
    acc = _JAC_IDENTITY
    started = False
    for w in range(_SCALAR_WINDOWS - 1, -1, -1):
        if started:
            for _ in range(_WINDOW_BITS):
                acc = _jdouble(acc)
        digit = (k >> (w * _WINDOW_BITS)) & _WINDOW_MASK
        if digit:
            acc = _jadd(acc, table[digit])
            started = True
    return acc


class _FixedBase:
    """Comb table for a fixed base B: rows[w][d] = d * 16^w * B.

    A multiplication is then at most 64 additions and no doubling.
    """

    def __init__(self, base: Point) -> None:
        self.base: Final[Point] = base
        rows: list[list[_Jac]] = []
        row_base = _to_jac(base)
        for _ in range(_SCALAR_WINDOWS):
            row = _window_table(row_base)
            rows.append(row)
            row_base = _jdouble(row[_WINDOW_SIZE // 2])  # 16 * row_base
        self._rows: Final[list[list[_Jac]]] = rows

    def mul(self, k: int) -> _Jac:
        k %= N
        acc = _JAC_IDENTITY
        w = 0
        while k:
            digit = k & _WINDOW_MASK
            if digit:
                acc = _jadd(acc, self._rows[w][digit])
            k >>= _WINDOW_BITS
            w += 1
        return acc


# ---------------------------------------------------------------- public affine API


def add(a: Point, b: Point) -> Point:
    """a + b (either may be the identity)."""
    return _to_affine(_jadd(_to_jac(a), _to_jac(b)))


def neg(a: Point) -> Point:
    """-a (the identity is its own negation)."""
    if is_identity(a):
        return a
    return (a[0], (P - a[1]) % P)


def sub(a: Point, b: Point) -> Point:
    """a - b."""
    return add(a, neg(b))


def mul(a: Point, k: int) -> Point:
    """k * a; k is taken modulo N (every point of G1 has order N)."""
    if a == G:
        return _to_affine(fixed_base_g().mul(k))
    if a == H:
        return _to_affine(fixed_base_h().mul(k))
    return _to_affine(_jmul(_to_jac(a), k))


def double_mul(a: Point, k: int, b: Point, m: int) -> Point:
    """k * a + m * b."""
    return _to_affine(_jadd(_to_jac(mul(a, k)), _to_jac(mul(b, m))))


# ---------------------------------------------------------------- H


def _sqrt_mod_p(a: int) -> int | None:
    """A square root of a mod P, or None if a is not a square (P = 3 mod 4)."""
    root = pow(a, (P + 1) // 4, P)
    return root if root * root % P == a % P else None


def derive_h() -> tuple[Point, int]:
    """Derive H by try-and-increment (docs/SPEC.md, "Bid range proof").

    For ctr = 0, 1, ...: x = keccak256("QEV/PedersenH/v1" || u256(ctr)) mod p;
    if x^3 + 3 is a square mod p, y is its even square root and H = (x, y).
    Nobody knows log_G(H). Returns (H, ctr).
    """
    ctr = 0
    while True:
        x = int.from_bytes(keccak(H_DOMAIN + ctr.to_bytes(32, "big")), "big") % P
        y = _sqrt_mod_p((x * x * x + CURVE_B) % P)
        if y is not None:
            if y % 2 == 1:
                y = P - y
            return (x, y), ctr
        ctr += 1


_DERIVED_H: Final[tuple[Point, int]] = derive_h()
H: Final[Point] = _DERIVED_H[0]
"""The second Pedersen base: nothing-up-my-sleeve, log_G(H) unknown."""
H_COUNTER: Final[int] = _DERIVED_H[1]
"""The try-and-increment counter that produced H."""


@cache
def fixed_base_g() -> _FixedBase:
    """Comb table for G (built on first use, ~30 ms)."""
    return _FixedBase(G)


@cache
def fixed_base_h() -> _FixedBase:
    """Comb table for H (built on first use, ~30 ms)."""
    return _FixedBase(H)


# ---------------------------------------------------------------- import-time self-check


def _self_check() -> None:
    if P != _py_field_modulus or N != _py_curve_order:
        raise AssertionError("curve constants disagree with py-ecc")
    if pow(2, N - 1, N) != 1 or pow(2, P - 1, P) != 1:
        raise AssertionError("N or P is not prime")
    if not is_on_curve(G):
        raise AssertionError("G is not on the curve")
    if not is_on_curve(H):
        raise AssertionError("H is not on the curve")
    if H == G or H == neg(G) or H[1] % 2 != 0:
        raise AssertionError("H must differ from +-G and have an even y")
    if not _is_jac_identity(_py_mul_order(G)):
        raise AssertionError("N * G is not the identity")
    if not _is_jac_identity(_py_mul_order(H)):
        raise AssertionError("N * H is not the identity")


def _py_mul_order(pt: Point) -> _Jac:
    """N * pt with plain double-and-add (the window code reduces k mod N)."""
    acc = _JAC_IDENTITY
    base = _to_jac(pt)
    k = N
    while k:
        if k & 1:
            acc = _jadd(acc, base)
        base = _jdouble(base)
        k >>= 1
    return acc


_self_check()
