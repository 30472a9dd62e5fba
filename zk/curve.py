"""alt_bn128 (BN254) G1 arithmetic for the QEV bid commitments (docs/DESIGN.md, "Bid range proof").

Public values are affine integer pairs (`Point`); the identity is encoded as
(0, 0), which is not on the curve, exactly as the EVM precompiles encode it.
Internally the arithmetic runs on py-ecc's `optimized_bn128` projective points
(`zk.jacobian`), with two speed-ups py-ecc does not ship:

- fixed-base comb tables for G and H (the bases of almost every
  multiplication in proving and verifying);
- 4-bit fixed-window multiplication for variable bases, and batched
  normalisation (one field inversion for many points).

py-ecc does not check that its inputs are on the curve: every decoding
function here does (`decode_point`, `decode_scalar`).
"""

from __future__ import annotations

from functools import cache
from typing import Final, TypeAlias

from eth_hash.auto import keccak
from py_ecc.optimized_bn128.optimized_curve import curve_order as _py_curve_order
from py_ecc.optimized_bn128.optimized_curve import field_modulus as _py_field_modulus

from zk import jacobian as jac

# ---------------------------------------------------------------- types

Scalar: TypeAlias = int
"""An integer meant modulo N (the group order); canonical when 0 <= s < N."""

Point: TypeAlias = tuple[int, int]
"""An affine point (x, y) with 0 <= x, y < P; the identity is (0, 0)."""

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
"""Domain string hashed with a counter to derive H (docs/DESIGN.md, "Bid range proof")."""


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


# ---------------------------------------------------------------- public affine API


def add(a: Point, b: Point) -> Point:
    """a + b (either may be the identity)."""
    return jac.to_affine(jac.add(jac.to_jacobian(a), jac.to_jacobian(b)))


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
        return jac.to_affine(fixed_base_g().mul(k))
    if a == H:
        return jac.to_affine(fixed_base_h().mul(k))
    return jac.to_affine(jac.mul(jac.to_jacobian(a), k))


def double_mul(a: Point, k: int, b: Point, m: int) -> Point:
    """k * a + m * b."""
    return jac.to_affine(jac.add(jac.to_jacobian(mul(a, k)), jac.to_jacobian(mul(b, m))))


# ---------------------------------------------------------------- H


def _sqrt_mod_p(a: int) -> int | None:
    """A square root of a mod P, or None if a is not a square (P = 3 mod 4)."""
    root = pow(a, (P + 1) // 4, P)
    return root if root * root % P == a % P else None


def derive_h() -> tuple[Point, int]:
    """Derive H by try-and-increment (docs/DESIGN.md, "Bid range proof").

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
def fixed_base_g() -> jac.FixedBase:
    """Comb table for G (built on first use, ~30 ms)."""
    return jac.FixedBase(G)


@cache
def fixed_base_h() -> jac.FixedBase:
    """Comb table for H (built on first use, ~30 ms)."""
    return jac.FixedBase(H)


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
    if not jac.is_identity(_py_mul_order(G)):
        raise AssertionError("N * G is not the identity")
    if not jac.is_identity(_py_mul_order(H)):
        raise AssertionError("N * H is not the identity")


def _py_mul_order(pt: Point) -> jac.JacobianPoint:
    """N * pt with plain double-and-add (the window code reduces k mod N)."""
    acc = jac.IDENTITY
    base = jac.to_jacobian(pt)
    k = N
    while k:
        if k & 1:
            acc = jac.add(acc, base)
        base = jac.double(base)
        k >>= 1
    return acc


_self_check()
