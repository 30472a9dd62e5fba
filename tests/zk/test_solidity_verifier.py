"""Differential tests: RangeProofLib (through RangeProofHarness) against the Python reference in zk/.

Every shared vector must get `expected` from both verifiers; random proofs and mutations of them must
be accepted or refused identically. Needs the chain (run with `ape test tests/zk`).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zk.curve import IDENTITY, G, H, N, P, Point, is_on_curve
from zk.encoding import from_hex, proof_length
from zk.pedersen import MAX_FEE_BPS, check_opening, commit
from zk.rangeproof import CONTEXT_TAG, MAX_TIER, MIN_TIER, context, prove, verify
from zk.vectors import (
    AUCTION,
    BIDDER,
    CHAIN_ID,
    KeccakScalarSource,
    OpeningVector,
    RangeProofVector,
    load,
    point_from_hex,
)

DATA = load()
PRECOMPILE_GAS_PER_BIT = 4 * 6_000 + 5 * 150


@pytest.fixture(scope="module")
def harness(request: pytest.FixtureRequest) -> Any:
    try:
        project = request.getfixturevalue("project")
        accounts = request.getfixturevalue("accounts")
    except pytest.FixtureLookupError:
        pytest.skip("needs the chain: run with `ape test tests/zk`")
    return project.RangeProofHarness.deploy(sender=accounts[0])


def _sol_verify(harness: Any, commitment: Point, tier: int, ctx: bytes, proof: bytes) -> bool:
    return bool(harness.verify(list(commitment), tier, ctx, proof))


def test_constants__h_and_tag__equal_zk(harness: Any) -> None:
    assert tuple(harness.pedersenH()) == H
    assert bytes(harness.contextTag()) == CONTEXT_TAG


@pytest.mark.parametrize(
    "point",
    [G, H, IDENTITY, (1, 3), (1, 2 + P), (1 + P, 2), (H[0], P - H[1]), (0, (1 << 256) - 1)],
)
def test_is_on_curve__edge_points__same_as_zk(harness: Any, point: Point) -> None:
    assert harness.isOnCurve(*point) is is_on_curve(point)


@pytest.mark.parametrize("vector", DATA["range_proofs"], ids=lambda v: v["name"])
def test_range_proof_vector__both_verifiers__return_expected(harness: Any, vector: RangeProofVector) -> None:
    c = point_from_hex(vector["commitment"])
    ctx = from_hex(vector["ctx"])
    proof = from_hex(vector["proof"])
    inputs = vector["context"]
    sol_ctx = harness.context(
        inputs["chain_id"],
        inputs["auction"],
        inputs["bidder"],
        inputs["cycle_id"],
        inputs["ticket_id"],
        inputs["tier"],
    )
    assert bytes(sol_ctx) == ctx
    assert verify(c, vector["tier"], ctx, proof) is vector["expected"]
    assert _sol_verify(harness, c, vector["tier"], ctx, proof) is vector["expected"]


@pytest.mark.parametrize("vector", DATA["openings"], ids=lambda v: v["name"])
def test_opening_vector__both_checks__return_expected(harness: Any, vector: OpeningVector) -> None:
    c = point_from_hex(vector["commitment"])
    r = int(vector["blinding"], 16)
    assert check_opening(c, vector["fee"], r) is vector["expected"]
    assert harness.checkOpening(list(c), vector["fee"], r) is vector["expected"]


@pytest.mark.parametrize("tier", range(MIN_TIER, MAX_TIER + 1))
def test_verify_gas__valid_proof_per_tier__does_all_precompile_work(harness: Any, tier: int) -> None:
    vector = next(v for v in DATA["range_proofs"] if v["expected"] and v["tier"] == tier)
    c = point_from_hex(vector["commitment"])
    args = (list(c), tier, from_hex(vector["ctx"]), from_hex(vector["proof"]))
    valid, gas_used = harness.measureVerify(*args)
    assert valid
    # A valid proof must cost at least the precompile floor (4 ecMul + 5 ecAdd per bit): less would
    # mean some bit was not checked. How far above the floor it lands is measured by `make bench`.
    assert gas_used >= PRECOMPILE_GAS_PER_BIT * tier


@settings(max_examples=10, deadline=None)
@given(
    tier=st.integers(min_value=MIN_TIER, max_value=MAX_TIER),
    data=st.data(),
    seed=st.binary(min_size=1, max_size=8),
    ticket=st.integers(min_value=0, max_value=2**64),
)
def test_random_proofs_and_mutations__both_verifiers__agree(
    harness: Any, tier: int, data: st.DataObject, seed: bytes, ticket: int
) -> None:
    rng = KeccakScalarSource(seed)
    fee = data.draw(st.integers(min_value=0, max_value=min((1 << tier) - 1, MAX_FEE_BPS)), label="fee")
    r = 1 + rng.randbelow(N - 1)
    ctx = context(CHAIN_ID, AUCTION, BIDDER, 1, ticket, tier)
    assert bytes(harness.context(CHAIN_ID, AUCTION, BIDDER, 1, ticket, tier)) == ctx
    c = commit(fee, r)
    proof = prove(fee, r, tier, ctx, rng=rng)
    assert verify(c, tier, ctx, proof) and _sol_verify(harness, c, tier, ctx, proof)
    assert check_opening(c, fee, r) and harness.checkOpening(list(c), fee, r)

    position = data.draw(st.integers(min_value=0, max_value=proof_length(tier) - 1), label="position")
    xor = data.draw(st.integers(min_value=1, max_value=255), label="xor")
    mutated = bytearray(proof)
    mutated[position] ^= xor
    py = verify(c, tier, ctx, bytes(mutated))
    assert py is _sol_verify(harness, c, tier, ctx, bytes(mutated))
    assert py is False
