"""Shared test vectors: valid and tampered range proofs, openings, H.

`generate()` is deterministic: every random scalar comes from
`KeccakScalarSource(seed)`, so `python -m zk vectors --out ...` reproduces the
checked-in `zk/vectors/range_proofs.json` byte for byte. That source is for
vectors only; real proofs use the OS CSPRNG.

Both verifiers (Python `zk.rangeproof.verify`, Solidity `RangeProofLib.verify`)
must return each vector's `expected`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Final, TypedDict

from eth_hash.auto import keccak

from zk.curve import CURVE_B, H_COUNTER, H_DOMAIN, IDENTITY, G, H, N, P, Point, add, neg
from zk.encoding import (
    BitProof,
    RangeProof,
    address_to_int,
    from_hex,
    to_checksum_address,
    to_hex,
    u256,
    word_hex,
)
from zk.pedersen import MAX_FEE_BPS, check_opening, commit, commit_unchecked
from zk.rangeproof import (
    CONTEXT_TAG,
    MAX_TIER,
    MIN_TIER,
    context,
    prove,
    prove_bits,
    split_blinding,
    verify,
)

VECTOR_FORMAT_VERSION: Final[int] = 1
DEFAULT_SEED: Final[bytes] = b"QEV/zk/range-proof-vectors/v1"
DEFAULT_PATH: Final[Path] = Path(__file__).parent / "vectors" / "range_proofs.json"

CHAIN_ID: Final[int] = 42161
"""Arbitrum One, where the auction runs."""
AUCTION: Final[str] = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BIDDER: Final[str] = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_AUCTION: Final[str] = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
OTHER_BIDDER: Final[str] = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TAMPER_TIER: Final[int] = 10
"""Tier of the valid proof most tampered vectors start from."""


class KeccakScalarSource:
    """Deterministic scalars: keccak256(keccak256(domain || seed) || u256(counter)).

    For reproducible test vectors only.
    """

    def __init__(self, seed: bytes) -> None:
        self._key = keccak(b"QEV/zk/vector-rng/v1" + seed)
        self._counter = 0

    def _word(self) -> int:
        out = int.from_bytes(keccak(self._key + u256(self._counter)), "big")
        self._counter += 1
        return out

    def randbelow(self, n: int) -> int:
        """Uniform in [0, n) by rejection sampling on the top bits of a word."""
        if not 0 < n <= 1 << 256:
            raise ValueError(f"bound out of range: {n}")
        bits = (n - 1).bit_length()
        while True:
            candidate = self._word() >> (256 - bits) if bits else 0
            if candidate < n:
                return candidate


class _ZeroSimulationSource:
    """Returns 0 for the simulated branch's (e_sim, s_sim) of the first bit.

    prove_bits draws, per bit, k (bound n - 1), then e_sim and s_sim (bound n);
    zeros make that bit's simulated announcement the identity, which both
    verifiers must hash as (0, 0).
    """

    def __init__(self, inner: KeccakScalarSource) -> None:
        self._inner = inner
        self._zeros_left = 2

    def randbelow(self, n: int) -> int:
        if n == N and self._zeros_left:
            self._zeros_left -= 1
            return 0
        return self._inner.randbelow(n)


# ---------------------------------------------------------------- file schema


class ContextInputs(TypedDict):
    chain_id: int
    auction: str
    bidder: str
    cycle_id: int
    ticket_id: int
    tier: int


class RangeProofVector(TypedDict):
    name: str
    context: ContextInputs
    """Inputs of `context(...)`; `ctx` must equal their hash."""
    ctx: str
    tier: int
    """The tier passed to verify (usually context.tier)."""
    commitment: list[str]
    fee: int | None
    """The committed fee for valid vectors (null when meaningless)."""
    blinding: str | None
    proof: str
    expected: bool


class OpeningVector(TypedDict):
    name: str
    commitment: list[str]
    fee: int
    blinding: str
    expected: bool


class CurveParams(TypedDict):
    p: str
    n: str
    b: int
    G: list[str]


class HParams(TypedDict):
    domain: str
    counter: int
    point: list[str]


class VectorFile(TypedDict):
    version: int
    description: str
    seed: str
    curve: CurveParams
    H: HParams
    context_tag: str
    range_proofs: list[RangeProofVector]
    openings: list[OpeningVector]


# ---------------------------------------------------------------- helpers


def _point_hex(pt: Point) -> list[str]:
    return [word_hex(pt[0]), word_hex(pt[1])]


def point_from_hex(words: list[str]) -> Point:
    """Inverse of the vector file's point encoding."""
    return (int(words[0], 16), int(words[1], 16))


def _ctx_inputs(
    chain_id: int, auction: str, bidder: str, cycle_id: int, ticket_id: int, tier: int
) -> ContextInputs:
    return ContextInputs(
        chain_id=chain_id,
        auction=auction,
        bidder=bidder,
        cycle_id=cycle_id,
        ticket_id=ticket_id,
        tier=tier,
    )


def context_of(inputs: ContextInputs) -> bytes:
    """`context(...)` of a vector's context inputs."""
    return context(
        inputs["chain_id"],
        inputs["auction"],
        inputs["bidder"],
        inputs["cycle_id"],
        inputs["ticket_id"],
        inputs["tier"],
    )


def _vector(
    name: str,
    inputs: ContextInputs,
    commitment: Point,
    proof: bytes,
    *,
    tier: int | None = None,
    fee: int | None = None,
    blinding: int | None = None,
    expected: bool,
) -> RangeProofVector:
    return RangeProofVector(
        name=name,
        context=inputs,
        ctx=to_hex(context_of(inputs)),
        tier=inputs["tier"] if tier is None else tier,
        commitment=_point_hex(commitment),
        fee=fee,
        blinding=None if blinding is None else word_hex(blinding),
        proof=to_hex(proof),
        expected=expected,
    )


def _with_bit(proof: RangeProof, i: int, bit: BitProof) -> bytes:
    bits = list(proof.bits)
    bits[i] = bit
    return RangeProof(challenge=proof.challenge, bits=tuple(bits)).to_bytes()


# ---------------------------------------------------------------- generation


def generate(seed: bytes = DEFAULT_SEED) -> VectorFile:
    """Build the whole vector file deterministically from `seed`."""
    rng = KeccakScalarSource(seed)
    vectors: list[RangeProofVector] = []

    # Valid proofs, one per tier, with the extreme fees at the ends.
    base: dict[int, tuple[ContextInputs, int, int, Point, bytes]] = {}
    for tier in range(MIN_TIER, MAX_TIER + 1):
        if tier == MIN_TIER:
            fee = 0
        elif tier in (MIN_TIER + 1, MAX_TIER):
            fee = (1 << tier) - 1
        else:
            fee = rng.randbelow(1 << tier)
        blinding = 1 + rng.randbelow(N - 1)
        inputs = _ctx_inputs(CHAIN_ID, AUCTION, BIDDER, 100 + tier, 1000 + rng.randbelow(1000), tier)
        commitment = commit(fee, blinding)
        proof = prove(fee, blinding, tier, context_of(inputs), rng=rng)
        base[tier] = (inputs, fee, blinding, commitment, proof)
        vectors.append(
            _vector(
                f"valid/tier-{tier}/fee-{fee}",
                inputs,
                commitment,
                proof,
                fee=fee,
                blinding=blinding,
                expected=True,
            )
        )

    # Valid edge cases: an identity announcement, and a bit commitment equal to G
    # (r_0 = 0), whose C_0 - G is the identity.
    inputs6, fee6, blinding6, c6, _ = base[6]
    _, zero_sim = prove_bits(
        [(fee6 >> i) & 1 for i in range(6)],
        split_blinding(blinding6, 6, rng),
        context_of(inputs6),
        _ZeroSimulationSource(rng),
    )
    vectors.append(
        _vector(
            "valid/identity-announcement",
            inputs6,
            c6,
            zero_sim.to_bytes(),
            fee=fee6,
            blinding=blinding6,
            expected=True,
        )
    )
    odd_fee = fee6 | 1
    # r_1..r_5 with sum 2^(i-1) r_i = r/2, so that sum 2^i r_i = r with r_0 = 0.
    rest = split_blinding(blinding6 * pow(2, -1, N) % N, 5, rng)
    c_g, bit_is_g = prove_bits([(odd_fee >> i) & 1 for i in range(6)], [0, *rest], context_of(inputs6), rng)
    vectors.append(
        _vector(
            "valid/bit-commitment-equals-g",
            inputs6,
            c_g,
            bit_is_g.to_bytes(),
            fee=odd_fee,
            blinding=blinding6,
            expected=True,
        )
    )

    inputs, fee, blinding, c, proof_bytes = base[TAMPER_TIER]
    j = TAMPER_TIER
    parsed = RangeProof.from_bytes(proof_bytes)
    e = parsed.challenge

    def bad(
        name: str,
        *,
        inputs: ContextInputs = inputs,
        commitment: Point = c,
        proof: bytes = proof_bytes,
        tier: int | None = None,
    ) -> None:
        vectors.append(_vector(f"tampered/{name}", inputs, commitment, proof, tier=tier, expected=False))

    def ctx_with(
        *,
        chain_id: int = inputs["chain_id"],
        auction: str = inputs["auction"],
        bidder: str = inputs["bidder"],
        cycle_id: int = inputs["cycle_id"],
        ticket_id: int = inputs["ticket_id"],
        tier: int = inputs["tier"],
    ) -> ContextInputs:
        return _ctx_inputs(chain_id, auction, bidder, cycle_id, ticket_id, tier)

    # The proof is bound to every context field.
    bad("other-chain", inputs=ctx_with(chain_id=1))
    bad("other-auction", inputs=ctx_with(auction=OTHER_AUCTION))
    bad("other-bidder", inputs=ctx_with(bidder=OTHER_BIDDER))
    bad("other-cycle", inputs=ctx_with(cycle_id=inputs["cycle_id"] + 1))
    bad("other-ticket", inputs=ctx_with(ticket_id=inputs["ticket_id"] + 1))
    bad("other-tier-in-context-only", inputs=ctx_with(tier=j + 1), tier=j)
    bad("other-tier-higher", inputs=ctx_with(tier=j + 1))
    bad("other-tier-lower", inputs=ctx_with(tier=j - 1))

    # The challenge and the responses.
    bad("challenge-plus-one", proof=replace(parsed, challenge=(e + 1) % N).to_bytes())
    bad("challenge-plus-n", proof=replace(parsed, challenge=e + N).to_bytes())
    bad("challenge-zero", proof=replace(parsed, challenge=0).to_bytes())
    b0, b3, b5 = parsed.bits[0], parsed.bits[3], parsed.bits[5]
    bad("e0-plus-one", proof=_with_bit(parsed, 0, replace(b0, e0=(b0.e0 + 1) % N)))
    bad("s0-plus-one", proof=_with_bit(parsed, 3, replace(b3, s0=(b3.s0 + 1) % N)))
    bad("s1-plus-one", proof=_with_bit(parsed, 5, replace(b5, s1=(b5.s1 + 1) % N)))
    bad("e0-plus-n", proof=_with_bit(parsed, 0, replace(b0, e0=b0.e0 + N)))
    bad("s0-plus-n", proof=_with_bit(parsed, 3, replace(b3, s0=b3.s0 + N)))
    bad("s1-plus-n", proof=_with_bit(parsed, 5, replace(b5, s1=b5.s1 + N)))
    b2 = parsed.bits[2]
    swapped = BitProof(commitment=b2.commitment, e0=(e - b2.e0) % N, s0=b2.s1, s1=b2.s0)
    bad("swapped-or-branches", proof=_with_bit(parsed, 2, swapped))
    swapped_bits = list(parsed.bits)
    swapped_bits[0], swapped_bits[1] = swapped_bits[1], swapped_bits[0]
    bad("swapped-bits", proof=RangeProof(challenge=e, bits=tuple(swapped_bits)).to_bytes())

    # The commitment.
    bad("commitment-plus-g", commitment=add(c, G))
    bad("commitment-negated", commitment=neg(c))
    bad("commitment-identity", commitment=IDENTITY)
    bad("commitment-off-curve", commitment=(c[0], (c[1] + 1) % P))
    bad("commitment-y-plus-p", commitment=(c[0], c[1] + P))

    # The bit commitments.
    x0, y0 = b0.commitment
    bad("bit-commitment-off-curve", proof=_with_bit(parsed, 0, replace(b0, commitment=(x0, (y0 + 1) % P))))
    bad("bit-commitment-y-plus-p", proof=_with_bit(parsed, 0, replace(b0, commitment=(x0, y0 + P))))
    bad("bit-commitment-identity", proof=_with_bit(parsed, 0, replace(b0, commitment=IDENTITY)))

    # Lengths.
    truncated = RangeProof(challenge=e, bits=parsed.bits[:-1]).to_bytes()
    bad("truncated-bit-list", proof=truncated)
    bad("truncated-bit-list-as-lower-tier", proof=truncated, inputs=ctx_with(tier=j - 1))
    bad("extra-trailing-byte", proof=proof_bytes + b"\x00")
    bad("missing-last-byte", proof=proof_bytes[:-1])
    bad("empty", proof=b"")

    # Hand-built, honest-looking proofs of things that are not in range.
    two_bits = [2] + [0] * (j - 1)
    c2, p2 = prove_bits(two_bits, split_blinding(blinding, j, rng), context_of(inputs), rng)
    bad("bit-equals-two", commitment=c2, proof=p2.to_bytes())
    over = [0] * (j - 1) + [2]  # f = 2^j, top "bit" 2
    c3, p3 = prove_bits(over, split_blinding(blinding, j, rng), context_of(inputs), rng)
    bad("fee-2-pow-tier-top-bit-two", commitment=c3, proof=p3.to_bytes())
    over_bits = [(fee >> i) & 1 for i in range(j)]  # drops bit j of f + 2^j
    c_over = commit_unchecked(fee + (1 << j), blinding)
    _, p4 = prove_bits(over_bits, split_blinding(blinding, j, rng), context_of(inputs), rng)
    bad("fee-plus-2-pow-tier-low-bits-only", commitment=c_over, proof=p4.to_bytes())

    # Honest proofs for tiers outside [4, 13].
    for tier in (MIN_TIER - 1, MAX_TIER + 1):
        out_inputs = ctx_with(tier=tier)
        bits = [(1 >> i) & 1 for i in range(tier)]
        c_t, p_t = prove_bits(bits, split_blinding(blinding, tier, rng), context_of(out_inputs), rng)
        bad(f"tier-{tier}-out-of-range", inputs=out_inputs, commitment=c_t, proof=p_t.to_bytes())

    openings = _openings(rng)
    return VectorFile(
        version=VECTOR_FORMAT_VERSION,
        description=(
            "QEV bid range proofs (docs/DESIGN.md, Bid range proof). Both verifiers must return "
            "`expected` for verify(commitment, tier, ctx, proof) and for "
            "checkOpening(commitment, fee, blinding); ctx == context(context.*). "
            "Regenerate with: python -m zk vectors --out zk/vectors/range_proofs.json"
        ),
        seed=to_hex(seed),
        curve=CurveParams(p=word_hex(P), n=word_hex(N), b=CURVE_B, G=_point_hex(G)),
        H=HParams(domain=H_DOMAIN.decode(), counter=H_COUNTER, point=_point_hex(H)),
        context_tag=to_hex(CONTEXT_TAG),
        range_proofs=vectors,
        openings=openings,
    )


def _openings(rng: KeccakScalarSource) -> list[OpeningVector]:
    out: list[OpeningVector] = []

    def vec(name: str, c: Point, fee: int, blinding: int, expected: bool) -> None:
        out.append(
            OpeningVector(
                name=name,
                commitment=_point_hex(c),
                fee=fee,
                blinding=word_hex(blinding),
                expected=expected,
            )
        )

    fee = 1 + rng.randbelow(MAX_FEE_BPS)
    r = 1 + rng.randbelow(N - 1)
    c = commit(fee, r)
    vec("valid", c, fee, r, True)
    r_max = 1 + rng.randbelow(N - 1)
    vec("valid/max-fee", commit(MAX_FEE_BPS, r_max), MAX_FEE_BPS, r_max, True)
    vec("valid/zero-fee", commit(0, r), 0, r, True)
    vec("valid/blinding-n-minus-one", commit(fee, N - 1), fee, N - 1, True)
    vec("fee-plus-one", c, fee + 1, r, False)
    vec("blinding-plus-one", c, fee, r + 1, False)
    vec("blinding-plus-n", c, fee, r + N, False)
    vec("fee-plus-n", commit_unchecked(fee, r), fee + N, r, False)
    over = MAX_FEE_BPS + 1
    vec("fee-above-max", commit_unchecked(over, r), over, r, False)
    vec("blinding-zero", commit_unchecked(fee, 0), fee, 0, False)
    vec("commitment-off-curve", (c[0], (c[1] + 1) % P), fee, r, False)
    return out


# ---------------------------------------------------------------- io and self-check


def dumps(data: VectorFile) -> str:
    """Canonical JSON text of a vector file (stable key order, trailing newline)."""
    return json.dumps(data, indent=2) + "\n"


def write(path: Path, seed: bytes = DEFAULT_SEED) -> VectorFile:
    data = generate(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(data))
    return data


def load(path: Path = DEFAULT_PATH) -> VectorFile:
    data: VectorFile = json.loads(path.read_text())
    return data


def check(data: VectorFile, verifier: Callable[[Point, int, bytes, bytes], bool] = verify) -> list[str]:
    """Names of the vectors whose outcome (or context) differs from the file."""
    failures: list[str] = []
    for v in data["range_proofs"]:
        ctx = from_hex(v["ctx"])
        if context_of(v["context"]) != ctx:
            failures.append(f"{v['name']}: context")
        got = verifier(point_from_hex(v["commitment"]), v["tier"], ctx, from_hex(v["proof"]))
        if got is not v["expected"]:
            failures.append(f"{v['name']}: verify returned {got}")
    for o in data["openings"]:
        got = check_opening(point_from_hex(o["commitment"]), o["fee"], int(o["blinding"], 16))
        if got is not o["expected"]:
            failures.append(f"opening {o['name']}: returned {got}")
    if point_from_hex(data["H"]["point"]) != H:
        failures.append("H")
    return failures


__all__ = [
    "AUCTION",
    "BIDDER",
    "CHAIN_ID",
    "DEFAULT_PATH",
    "DEFAULT_SEED",
    "KeccakScalarSource",
    "OpeningVector",
    "RangeProofVector",
    "VectorFile",
    "check",
    "context_of",
    "dumps",
    "generate",
    "load",
    "point_from_hex",
    "write",
]


def _self_check() -> None:
    # The vector addresses are written checksummed so Ape accepts them as is.
    for address in (AUCTION, BIDDER, OTHER_AUCTION, OTHER_BIDDER):
        if to_checksum_address(address_to_int(address)) != address:
            raise AssertionError(f"not EIP-55: {address}")


_self_check()
