"""Projective point arithmetic (zk/jacobian.py), against zk.curve's affine API and py-ecc."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.bn128 import bn128_curve as ref
from py_ecc.fields import bn128_FQ
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.optimized_bn128 import optimized_curve as opt

from zk import jacobian as jac
from zk.curve import IDENTITY, G, H, N, P, Point, add, fixed_base_g, fixed_base_h, mul, neg

scalars = st.integers(min_value=0, max_value=N - 1)
nonzero_scalars = st.integers(min_value=1, max_value=N - 1)
# A point of G1 other than the identity, as k*G.
points = nonzero_scalars.map(lambda k: mul(G, k))
# A nonzero factor to rescale (X, Y, Z): another representation of the same point.
factors = st.integers(min_value=1, max_value=P - 1)


def _ref(pt: Point) -> tuple[bn128_FQ, bn128_FQ] | None:
    return None if pt == IDENTITY else (bn128_FQ(pt[0]), bn128_FQ(pt[1]))


def _from_ref(out: tuple[bn128_FQ, bn128_FQ] | None) -> Point:
    return IDENTITY if out is None else (out[0].n, out[1].n)


def _scaled(q: jac.JacobianPoint, lam: int) -> jac.JacobianPoint:
    f = FQ(lam)
    return (q[0] * f, q[1] * f, q[2] * f)


# ---------------------------------------------------------------- conversions


@given(pt=points, lam=factors)
def test_to_affine__any_representation__round_trips(pt: Point, lam: int) -> None:
    q = jac.to_jacobian(pt)
    assert (q[0].n, q[1].n, q[2].n) == (pt[0], pt[1], 1)
    assert jac.to_affine(q) == pt
    assert jac.to_affine(_scaled(q, lam)) == pt
    assert not jac.is_identity(_scaled(q, lam))


def test_identity__both_encodings__convert_to_each_other() -> None:
    assert jac.to_jacobian(IDENTITY) is jac.IDENTITY
    assert jac.is_identity(jac.IDENTITY)
    assert jac.to_affine(jac.IDENTITY) == IDENTITY
    # Any Z == 0 is the identity, whatever X and Y.
    odd = (FQ(5), FQ(7), FQ(0))
    assert jac.is_identity(odd)
    assert jac.to_affine(odd) == IDENTITY
    assert jac.to_affine_many([]) == []
    assert jac.to_affine_many([jac.IDENTITY, odd]) == [IDENTITY, IDENTITY]


@settings(deadline=None)
@given(
    entries=st.lists(st.tuples(st.none() | points, factors), min_size=1, max_size=8),
)
def test_to_affine_many__identities_anywhere__equals_one_by_one(
    entries: list[tuple[Point | None, int]],
) -> None:
    qs = [jac.IDENTITY if pt is None else _scaled(jac.to_jacobian(pt), lam) for pt, lam in entries]
    expected = [IDENTITY if pt is None else pt for pt, _ in entries]
    assert jac.to_affine_many(qs) == [jac.to_affine(q) for q in qs] == expected


# ---------------------------------------------------------------- group law


@settings(deadline=None)
@given(a=points, b=points, lam=factors)
def test_add__random_points__matches_affine_and_reference(a: Point, b: Point, lam: int) -> None:
    qa, qb = jac.to_jacobian(a), _scaled(jac.to_jacobian(b), lam)
    expected = _from_ref(ref.add(_ref(a), _ref(b)))
    assert jac.to_affine(jac.add(qa, qb)) == add(a, b) == expected
    assert jac.to_affine(jac.add(qb, qa)) == expected


@settings(deadline=None)
@given(a=points, lam=factors)
def test_double__random_point__equals_add_to_itself_and_reference(a: Point, lam: int) -> None:
    q = _scaled(jac.to_jacobian(a), lam)
    expected = _from_ref(ref.double(_ref(a)))
    assert jac.to_affine(jac.double(q)) == expected
    assert jac.to_affine(jac.add(q, q)) == expected  # add is complete: a + a doubles
    assert jac.to_affine(jac.double(q)) == add(a, a)


@settings(deadline=None)
@given(a=points, lam=factors)
def test_neg__random_point__matches_affine_and_cancels(a: Point, lam: int) -> None:
    q = _scaled(jac.to_jacobian(a), lam)
    assert jac.to_affine(jac.neg(q)) == neg(a) == _from_ref(ref.neg(_ref(a)))
    assert jac.is_identity(jac.add(q, jac.neg(q)))
    assert jac.to_affine(jac.neg(jac.neg(q))) == a


def test_group_law__identity_operands__behave() -> None:
    q = jac.to_jacobian(mul(G, 12345))
    odd = (FQ(5), FQ(7), FQ(0))
    for zero in (jac.IDENTITY, odd):
        assert jac.add(q, zero) is q
        assert jac.add(zero, q) is q
        assert jac.is_identity(jac.add(zero, zero))
        assert jac.double(zero) is zero  # py-ecc's double alone would give a non-canonical identity
        assert jac.is_identity(jac.neg(zero))
        assert jac.mul(zero, 7) is jac.IDENTITY
    assert jac.add(q, jac.neg(q)) == jac.IDENTITY
    assert jac.double(jac.IDENTITY) == jac.IDENTITY


# ---------------------------------------------------------------- multiplication


@settings(deadline=None)
@given(a=points, k=scalars, lam=factors)
def test_mul__random_scalar__matches_affine_and_reference(a: Point, k: int, lam: int) -> None:
    q = _scaled(jac.to_jacobian(a), lam)
    expected = _from_ref(ref.multiply(_ref(a), k))
    assert jac.to_affine(jac.mul(q, k)) == mul(a, k) == expected
    assert jac.to_affine(jac.mul(q, k)) == jac.to_affine(opt.multiply(q, k))  # py-ecc's double-and-add


@settings(deadline=None)
@given(a=points, k=scalars)
def test_mul__scalar_out_of_range__taken_modulo_n(a: Point, k: int) -> None:
    q = jac.to_jacobian(a)
    got = jac.to_affine(jac.mul(q, k))
    assert jac.to_affine(jac.mul(q, k + N)) == got
    assert jac.to_affine(jac.mul(q, k + (N << 3))) == got
    assert jac.to_affine(jac.mul(q, -k)) == neg(got)


@given(a=points)
def test_mul__zero_one_order__identity_self_identity(a: Point) -> None:
    q = jac.to_jacobian(a)
    assert jac.mul(q, 0) is jac.IDENTITY
    assert jac.mul(q, N) is jac.IDENTITY
    assert jac.to_affine(jac.mul(q, 1)) == a
    assert jac.to_affine(jac.mul(q, N - 1)) == neg(a)
    assert jac.to_affine(jac.mul(q, 2)) == jac.to_affine(jac.double(q))


def test_window_table__entries__are_multiples() -> None:
    q = jac.to_jacobian(H)
    table = jac.window_table(q)
    assert len(table) == jac.WINDOW_SIZE == 1 << jac.WINDOW_BITS
    assert table[0] is jac.IDENTITY
    assert jac.to_affine_many(table) == [mul(H, d) for d in range(jac.WINDOW_SIZE)]


@settings(deadline=None)
@given(k=st.integers(min_value=-(N << 2), max_value=N << 2))
def test_fixed_base__g_and_h__match_window_mul(k: int) -> None:
    for base, table in ((G, fixed_base_g()), (H, fixed_base_h())):
        assert table.base == base
        assert jac.to_affine(table.mul(k)) == jac.to_affine(jac.mul(jac.to_jacobian(base), k))
    assert jac.to_affine(fixed_base_g().mul(k)) == _from_ref(ref.multiply(ref.G1, k % N))


def test_fixed_base__other_base__matches_window_mul() -> None:
    base = mul(G, 0xC0FFEE)
    table = jac.FixedBase(base)
    for k in (0, 1, 2, 15, 16, 17, 0xDEADBEEF, N - 1, N, N + 5, -3, (1 << 256) - 1):
        assert jac.to_affine(table.mul(k)) == jac.to_affine(jac.mul(jac.to_jacobian(base), k))
    assert table.mul(0) is jac.IDENTITY
    assert table.mul(N) is jac.IDENTITY


# ---------------------------------------------------------------- module boundary


def test_zk_modules__import_no_private_names_from_each_other() -> None:
    zk_dir = Path(jac.__file__).parent
    offenders = []
    for path in sorted(zk_dir.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "zk":
                offenders += [
                    f"{path.name}: {alias.name}" for alias in node.names if alias.name.startswith("_")
                ]
    assert offenders == []
