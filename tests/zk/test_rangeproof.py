"""The bid range proof (docs/DESIGN.md, "Bid range proof"): prover, verifier, context, openings."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest
from eth_hash.auto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from zk.curve import IDENTITY, G, H, N, P, Point, add, mul, neg
from zk.encoding import BitProof, RangeProof, proof_length, u256
from zk.pedersen import MAX_FEE_BPS, InvalidOpening, check_opening, commit, random_blinding
from zk.rangeproof import (
    CONTEXT_TAG,
    MAX_TIER,
    MIN_TIER,
    FeeOutOfRange,
    InvalidBlinding,
    InvalidContext,
    InvalidTier,
    RangeProofError,
    challenge,
    context,
    prove,
    prove_bits,
    split_blinding,
    verify,
)
from zk.vectors import KeccakScalarSource

AUCTION = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BIDDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
tiers = st.integers(min_value=MIN_TIER, max_value=MAX_TIER)
blindings = st.integers(min_value=1, max_value=N - 1)
seeds = st.binary(min_size=1, max_size=8)


def _ctx(tier: int, ticket: int = 7) -> bytes:
    return context(42161, AUCTION, BIDDER, 3, ticket, tier)


@cache
def _valid(tier: int = 6, fee: int = 45) -> tuple[Point, bytes, bytes]:
    """(C, ctx, proof) of a fixed, deterministic valid proof."""
    r = 1 + KeccakScalarSource(b"fixture").randbelow(N - 1)
    ctx = _ctx(tier)
    return commit(fee, r), ctx, prove(fee, r, tier, ctx, rng=KeccakScalarSource(b"fixture-proof"))


def _with_bit(proof: bytes, i: int, **changes: object) -> bytes:
    parsed = RangeProof.from_bytes(proof)
    bits = list(parsed.bits)
    bits[i] = replace(bits[i], **changes)  # type: ignore[arg-type]
    return RangeProof(challenge=parsed.challenge, bits=tuple(bits)).to_bytes()


# ---------------------------------------------------------------- context


def test_context__known_layout__equals_hand_built_preimage() -> None:
    auction, bidder = int(AUCTION, 16), int(BIDDER, 16)
    preimage = keccak(b"QEV/BidRangeProof/v1") + b"".join(u256(v) for v in (42161, auction, bidder, 3, 7, 10))
    assert CONTEXT_TAG == keccak(b"QEV/BidRangeProof/v1")
    assert context(42161, AUCTION, BIDDER, 3, 7, 10) == keccak(preimage)


def test_context__address_spellings__same_context() -> None:
    as_int = context(42161, int(AUCTION, 16), int(BIDDER, 16), 3, 7, 10)
    as_bytes = context(42161, bytes.fromhex(AUCTION[2:]), bytes.fromhex(BIDDER[2:]), 3, 7, 10)
    as_lower = context(42161, AUCTION.lower(), BIDDER.lower(), 3, 7, 10)
    assert as_int == as_bytes == as_lower == context(42161, AUCTION, BIDDER, 3, 7, 10)


def test_context__each_field__changes_context() -> None:
    base = context(42161, AUCTION, BIDDER, 3, 7, 10)
    others = [
        context(1, AUCTION, BIDDER, 3, 7, 10),
        context(42161, BIDDER, BIDDER, 3, 7, 10),
        context(42161, AUCTION, AUCTION, 3, 7, 10),
        context(42161, AUCTION, BIDDER, 4, 7, 10),
        context(42161, AUCTION, BIDDER, 3, 8, 10),
        context(42161, AUCTION, BIDDER, 3, 7, 11),
    ]
    assert base not in others and len(set(others)) == len(others)


@pytest.mark.parametrize("bad", ["0x1234", "zz" * 20, -1, 1 << 160, b"\x00" * 19])
def test_context__malformed_address__raises_invalid_context(bad: object) -> None:
    with pytest.raises(InvalidContext):
        context(42161, bad, BIDDER, 3, 7, 10)  # type: ignore[arg-type]


# ---------------------------------------------------------------- prover


@pytest.mark.parametrize("tier", range(MIN_TIER, MAX_TIER + 1))
def test_prove__every_tier_extreme_fees__verifies(tier: int) -> None:
    for fee in (0, (1 << tier) - 1):
        r = random_blinding()
        ctx = _ctx(tier)
        proof = prove(fee, r, tier, ctx)
        assert len(proof) == proof_length(tier) == 32 + 160 * tier
        assert verify(commit(fee, r), tier, ctx, proof)


def test_prove__structure__matches_spec() -> None:
    c, ctx, proof = _valid()
    parsed = RangeProof.from_bytes(proof)
    acc = IDENTITY
    for i, bit in enumerate(parsed.bits):
        acc = add(acc, mul(bit.commitment, 1 << i))
    assert acc == c
    a0 = [add(mul(H, b.s0), neg(mul(b.commitment, b.e0))) for b in parsed.bits]
    a1 = [
        add(mul(H, b.s1), neg(mul(add(b.commitment, neg(G)), parsed.challenge - b.e0))) for b in parsed.bits
    ]
    assert challenge(ctx, c, [b.commitment for b in parsed.bits], a0, a1) == parsed.challenge


def test_prove__same_deterministic_source__same_bytes() -> None:
    ctx = _ctx(8)
    one = prove(200, 12345, 8, ctx, rng=KeccakScalarSource(b"s"))
    two = prove(200, 12345, 8, ctx, rng=KeccakScalarSource(b"s"))
    three = prove(200, 12345, 8, ctx)
    assert one == two != three


@pytest.mark.parametrize(
    ("fee", "r", "tier", "ctx", "error"),
    [
        (16, 5, 4, b"\x00" * 32, FeeOutOfRange),
        (-1, 5, 4, b"\x00" * 32, FeeOutOfRange),
        (8192, 5, 13, b"\x00" * 32, FeeOutOfRange),
        (1, 5, 3, b"\x00" * 32, InvalidTier),
        (1, 5, 14, b"\x00" * 32, InvalidTier),
        (1, 0, 4, b"\x00" * 32, InvalidBlinding),
        (1, N, 4, b"\x00" * 32, InvalidBlinding),
        (1, 5, 4, b"\x00" * 31, InvalidContext),
    ],
)
def test_prove__invalid_input__raises_value_error(
    fee: int, r: int, tier: int, ctx: bytes, error: type[RangeProofError]
) -> None:
    with pytest.raises(error):
        prove(fee, r, tier, ctx)
    assert issubclass(error, ValueError)


def test_split_blinding__sum__equals_r() -> None:
    rng = KeccakScalarSource(b"split")
    for tier in (MIN_TIER, MAX_TIER):
        rs = split_blinding(777, tier, rng)
        assert len(rs) == tier and all(1 <= ri < N for ri in rs)
        assert sum(ri << i for i, ri in enumerate(rs)) % N == 777


# ---------------------------------------------------------------- verifier, named tampering


def test_verify__valid__accepted() -> None:
    c, ctx, proof = _valid()
    assert verify(c, 6, ctx, proof)


def test_verify__challenge_plus_one__rejected() -> None:
    c, ctx, proof = _valid()
    parsed = RangeProof.from_bytes(proof)
    assert not verify(c, 6, ctx, replace(parsed, challenge=(parsed.challenge + 1) % N).to_bytes())


def test_verify__challenge_plus_n__rejected() -> None:
    c, ctx, proof = _valid()
    parsed = RangeProof.from_bytes(proof)
    assert not verify(c, 6, ctx, replace(parsed, challenge=parsed.challenge + N).to_bytes())


@pytest.mark.parametrize("field", ["e0", "s0", "s1"])
def test_verify__response_plus_one_or_plus_n__rejected(field: str) -> None:
    c, ctx, proof = _valid()
    value = getattr(RangeProof.from_bytes(proof).bits[2], field)
    assert not verify(c, 6, ctx, _with_bit(proof, 2, **{field: (value + 1) % N}))
    assert not verify(c, 6, ctx, _with_bit(proof, 2, **{field: value + N}))


def test_verify__swapped_or_branches__rejected() -> None:
    c, ctx, proof = _valid()
    parsed = RangeProof.from_bytes(proof)
    b = parsed.bits[1]
    assert not verify(c, 6, ctx, _with_bit(proof, 1, e0=(parsed.challenge - b.e0) % N, s0=b.s1, s1=b.s0))


def test_verify__other_context_or_tier__rejected() -> None:
    c, ctx, proof = _valid()
    assert not verify(c, 6, _ctx(6, ticket=8), proof)
    assert not verify(c, 7, _ctx(7), proof)
    assert not verify(c, 5, _ctx(5), proof)


def test_verify__commitment_tampered__rejected() -> None:
    c, ctx, proof = _valid()
    for bad in [add(c, G), neg(c), IDENTITY, (c[0], c[1] + P), (c[0], (c[1] + 1) % P)]:
        assert not verify(bad, 6, ctx, proof)


def test_verify__bit_commitment_identity_or_noncanonical__rejected() -> None:
    c, ctx, proof = _valid()
    x, y = RangeProof.from_bytes(proof).bits[0].commitment
    for bad in [IDENTITY, (x, y + P), (x, (y + 1) % P)]:
        assert not verify(c, 6, ctx, _with_bit(proof, 0, commitment=bad))


def test_verify__bit_equal_to_two__rejected() -> None:
    rng = KeccakScalarSource(b"two")
    ctx = _ctx(6)
    c, proof = prove_bits([0, 2, 0, 0, 0, 0], split_blinding(99, 6, rng), ctx, rng)
    assert c == commit(4, 99)  # the commitment itself is an honest one
    assert not verify(c, 6, ctx, proof.to_bytes())


@pytest.mark.parametrize("length", [0, 31, 32, proof_length(6) - 1, proof_length(6) + 1, proof_length(7)])
def test_verify__wrong_length__rejected(length: int) -> None:
    c, ctx, proof = _valid()
    assert not verify(c, 6, ctx, (proof * 2)[:length])


@pytest.mark.parametrize(
    "args",
    [
        (None, 6, b"\x00" * 32, b""),
        ((1, 2, 3), 6, b"\x00" * 32, b""),
        ((1, 2), "6", b"\x00" * 32, b""),
        ((1, 2), True, b"\x00" * 32, b""),
        ((1, 2), 6, "00" * 32, b""),
        ((1, 2), 6, b"\x00" * 32, None),
        ((1.0, 2), 6, b"\x00" * 32, b"\x00" * proof_length(6)),
        ((1, 2), 6, b"\x00" * 32, b"\x00" * proof_length(6)),
        ((1, 2), 6, b"\x00" * 32, b"\xff" * proof_length(6)),
    ],
)
def test_verify__malformed_input__returns_false_without_raising(args: tuple[object, ...]) -> None:
    assert verify(*args) is False  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties


@settings(deadline=None)
@given(tier=tiers, data=st.data(), r=blindings, seed=seeds)
def test_verify__random_fee_in_range__accepted(tier: int, data: st.DataObject, r: int, seed: bytes) -> None:
    fee = data.draw(st.integers(min_value=0, max_value=(1 << tier) - 1), label="fee")
    ctx = _ctx(tier)
    proof = prove(fee, r, tier, ctx, rng=KeccakScalarSource(seed))
    assert verify(commit(fee, r), tier, ctx, proof)


@settings(deadline=None)
@given(tier=tiers, data=st.data(), r=blindings, seed=seeds)
def test_prove__fee_at_or_above_two_pow_tier__refused_and_forged_proof_rejected(
    tier: int, data: st.DataObject, r: int, seed: bytes
) -> None:
    fee = data.draw(st.integers(min_value=1 << tier, max_value=MAX_FEE_BPS), label="fee")
    ctx = _ctx(tier)
    with pytest.raises(FeeOutOfRange):
        prove(fee, r, tier, ctx)
    rng = KeccakScalarSource(seed)
    # Forge 1: the top "bit" carries everything above bit j-2 (so the sum holds, the OR-proof cannot).
    bits = [(fee >> i) & 1 for i in range(tier - 1)] + [fee >> (tier - 1)]
    c, forged = prove_bits(bits, split_blinding(r, tier, rng), ctx, rng)
    assert c == commit(fee, r)
    assert not verify(c, tier, ctx, forged.to_bytes())
    # Forge 2: honest bits of fee mod 2^j (the OR-proofs hold, the sum cannot).
    low = [(fee >> i) & 1 for i in range(tier)]
    _, forged_low = prove_bits(low, split_blinding(r, tier, rng), ctx, rng)
    assert not verify(commit(fee, r), tier, ctx, forged_low.to_bytes())


@settings(deadline=None)
@given(position=st.integers(min_value=0, max_value=proof_length(6) - 1), xor=st.integers(1, 255))
def test_verify__random_byte_mutation__rejected(position: int, xor: int) -> None:
    c, ctx, proof = _valid()
    mutated = bytearray(proof)
    mutated[position] ^= xor
    assert not verify(c, 6, ctx, bytes(mutated))


@settings(deadline=None)
@given(position=st.integers(min_value=0, max_value=31), xor=st.integers(1, 255))
def test_verify__random_context_mutation__rejected(position: int, xor: int) -> None:
    c, ctx, proof = _valid()
    mutated = bytearray(ctx)
    mutated[position] ^= xor
    assert not verify(c, 6, bytes(mutated), proof)


# ---------------------------------------------------------------- openings


def test_check_opening__valid__accepted() -> None:
    r = random_blinding()
    assert check_opening(commit(250, r), 250, r)
    assert check_opening(commit(MAX_FEE_BPS, r), MAX_FEE_BPS, r)


def test_check_opening__fee_plus_one_or_r_plus_n__rejected() -> None:
    r = random_blinding()
    c = commit(250, r)
    assert not check_opening(c, 251, r)
    assert not check_opening(c, 250, r + N)
    assert not check_opening(c, 250, r + 1)


def test_check_opening__out_of_range_or_malformed__rejected() -> None:
    r = random_blinding()
    c = commit(250, r)
    assert not check_opening(c, -1, r)
    assert not check_opening(c, MAX_FEE_BPS + 1, r)
    assert not check_opening(c, 250, 0)
    assert not check_opening(IDENTITY, 0, r)
    assert not check_opening((1, 2, 3), 250, r)  # type: ignore[arg-type]
    assert not check_opening(c, "250", r)  # type: ignore[arg-type]


def test_commit__inadmissible_opening__raises() -> None:
    for fee, r in [(MAX_FEE_BPS + 1, 5), (-1, 5), (1, 0), (1, N)]:
        with pytest.raises(InvalidOpening):
            commit(fee, r)


def test_bit_proof__round_trip__bytes_equal() -> None:
    _, _, proof = _valid()
    parsed = RangeProof.from_bytes(proof)
    assert parsed.tier == 6
    assert isinstance(parsed.bits[0], BitProof)
    assert parsed.to_bytes() == proof
