"""The shared vector file: reproducible, complete, and agreed on by the Python verifier."""

from __future__ import annotations

import pytest

from zk.curve import H_COUNTER, H, N, P
from zk.encoding import from_hex
from zk.pedersen import check_opening
from zk.rangeproof import CONTEXT_TAG, MAX_TIER, MIN_TIER, verify
from zk.vectors import (
    DEFAULT_PATH,
    KeccakScalarSource,
    OpeningVector,
    RangeProofVector,
    check,
    context_of,
    dumps,
    generate,
    load,
    point_from_hex,
)

DATA = load(DEFAULT_PATH)
REQUIRED_TAMPERED = {
    "other-chain",
    "other-auction",
    "other-bidder",
    "other-cycle",
    "other-ticket",
    "other-tier-higher",
    "other-tier-lower",
    "challenge-plus-one",
    "challenge-plus-n",
    "e0-plus-one",
    "s0-plus-one",
    "s1-plus-one",
    "e0-plus-n",
    "s0-plus-n",
    "s1-plus-n",
    "swapped-or-branches",
    "swapped-bits",
    "commitment-plus-g",
    "commitment-identity",
    "bit-commitment-off-curve",
    "truncated-bit-list",
    "bit-equals-two",
}


def test_vector_file__regenerated__byte_identical() -> None:
    assert DEFAULT_PATH.read_text() == dumps(generate())


def test_vector_file__parameters__match_zk() -> None:
    assert point_from_hex(DATA["H"]["point"]) == H
    assert DATA["H"]["counter"] == H_COUNTER
    assert int(DATA["curve"]["p"], 16) == P
    assert int(DATA["curve"]["n"], 16) == N
    assert from_hex(DATA["context_tag"]) == CONTEXT_TAG


def test_vector_file__coverage__every_tier_and_every_tampering() -> None:
    names = [v["name"] for v in DATA["range_proofs"]]
    assert len(set(names)) == len(names)
    valid_tiers = {v["tier"] for v in DATA["range_proofs"] if v["expected"]}
    assert valid_tiers == set(range(MIN_TIER, MAX_TIER + 1))
    assert {"valid/identity-announcement", "valid/bit-commitment-equals-g"} <= set(names)
    tampered = {n.removeprefix("tampered/") for n in names if n.startswith("tampered/")}
    assert REQUIRED_TAMPERED <= tampered
    assert all(not v["expected"] for v in DATA["range_proofs"] if v["name"].startswith("tampered/"))
    opening_names = {o["name"] for o in DATA["openings"]}
    assert {"valid", "fee-plus-one", "blinding-plus-n"} <= opening_names


@pytest.mark.parametrize("vector", DATA["range_proofs"], ids=lambda v: v["name"])
def test_range_proof_vector__python_verifier__returns_expected(vector: RangeProofVector) -> None:
    ctx = from_hex(vector["ctx"])
    assert context_of(vector["context"]) == ctx
    got = verify(point_from_hex(vector["commitment"]), vector["tier"], ctx, from_hex(vector["proof"]))
    assert got is vector["expected"]


@pytest.mark.parametrize("vector", DATA["openings"], ids=lambda v: v["name"])
def test_opening_vector__python_check__returns_expected(vector: OpeningVector) -> None:
    got = check_opening(point_from_hex(vector["commitment"]), vector["fee"], int(vector["blinding"], 16))
    assert got is vector["expected"]


def test_check__verifier_that_accepts_everything__reports_tampered() -> None:
    failures = check(DATA, verifier=lambda *_: True)
    assert len(failures) == sum(1 for v in DATA["range_proofs"] if not v["expected"])
    assert all(f.startswith("tampered/") for f in failures)
    assert check(DATA, verifier=lambda *_: False) == [
        f"{v['name']}: verify returned False" for v in DATA["range_proofs"] if v["expected"]
    ]


def test_keccak_scalar_source__same_seed__same_stream_within_bound() -> None:
    a, b = KeccakScalarSource(b"x"), KeccakScalarSource(b"x")
    draws = [a.randbelow(N) for _ in range(20)]
    assert draws == [b.randbelow(N) for _ in range(20)]
    assert all(0 <= d < N for d in draws)
    assert {KeccakScalarSource(b"y").randbelow(7) for _ in range(50)} <= set(range(7))
    with pytest.raises(ValueError):
        a.randbelow(0)
