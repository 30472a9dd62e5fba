"""Range proof that a committed bid fee satisfies 0 <= f < 2^j (docs/DESIGN.md, "Bid range proof").

Bit decomposition f = sum b_i 2^i with bit commitments C_i = b_i*G + r_i*H,
sum 2^i r_i = r (mod n), and per bit a CDS OR-proof that C_i (branch 0, bit 0)
or C_i - G (branch 1, bit 1) is a multiple of H. One Fiat-Shamir challenge

    e = keccak256(ctx || C || C_0 .. C_{j-1} || A0_0 || A1_0 || A0_1 || ...) mod n

binds every bit, the commitment and the bid context. Per bit the proof holds
(C_i, e0_i, s0_i, s1_i) with e1_i = e - e0_i (mod n); the verifier recomputes

    A0_i = s0_i*H - e0_i*C_i        A1_i = s1_i*H - e1_i*(C_i - G)

and the challenge. The Solidity verifier (`RangeProofLib.sol`) does the same
computation with the ecAdd/ecMul precompiles and must agree bit for bit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Final, Protocol

from eth_hash.auto import keccak

from zk import jacobian as jac
from zk.curve import G, N, Point, Scalar, fixed_base_g, fixed_base_h, is_on_curve
from zk.encoding import (
    Address,
    BitProof,
    RangeProof,
    address_to_int,
    encode_point,
    proof_length,
    u256,
)

MIN_TIER: Final[int] = 4
"""Smallest tier j: proves f < 16 bps."""
MAX_TIER: Final[int] = 13
"""Largest tier j: proves f < 8192 bps."""

CONTEXT_TAG: Final[bytes] = keccak(b"QEV/BidRangeProof/v1")
"""TAG = keccak256("QEV/BidRangeProof/v1"), the first word of every context."""

CONTEXT_BYTES: Final[int] = 32


class RangeProofError(ValueError):
    """Base class of the errors `prove` and `context` raise."""


class InvalidTier(RangeProofError):
    """The tier j is outside [MIN_TIER, MAX_TIER]."""


class FeeOutOfRange(RangeProofError):
    """The fee is not in [0, 2^j): no valid proof exists."""


class InvalidBlinding(RangeProofError):
    """The blinding factor is not in [1, n)."""


class InvalidContext(RangeProofError):
    """The context is not 32 bytes, or a context field does not fit a word."""


class ScalarSource(Protocol):
    """Where the prover draws its secret scalars from."""

    def randbelow(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        ...


class SystemScalarSource:
    """The OS CSPRNG (`secrets`): the only source to use for real bids."""

    def randbelow(self, n: int) -> int:
        return secrets.randbelow(n)


def _nonzero_scalar(rng: ScalarSource) -> Scalar:
    return 1 + rng.randbelow(N - 1)


# ---------------------------------------------------------------- context and challenge


def context(
    chain_id: int,
    auction: Address,
    bidder: Address,
    cycle_id: int,
    ticket_id: int,
    tier: int,
) -> bytes:
    """ctx = keccak256(TAG || u256(chainId) || u256(auction) || u256(bidder) ||
    u256(cycleId) || u256(ticketId) || u256(j)).

    `bidder` is the address that sends the bid transaction.
    """
    try:
        fields = (
            u256(chain_id),
            u256(address_to_int(auction)),
            u256(address_to_int(bidder)),
            u256(cycle_id),
            u256(ticket_id),
            u256(tier),
        )
    except ValueError as exc:
        raise InvalidContext(str(exc)) from exc
    return keccak(CONTEXT_TAG + b"".join(fields))


def challenge(
    ctx: bytes,
    commitment: Point,
    bit_commitments: Sequence[Point],
    a0: Sequence[Point],
    a1: Sequence[Point],
) -> Scalar:
    """e = keccak256(ctx || C || C_0..C_{j-1} || A0_0 || A1_0 || ...) mod n."""
    parts = [ctx, encode_point(commitment)]
    parts.extend(encode_point(c) for c in bit_commitments)
    for p0, p1 in zip(a0, a1, strict=True):
        parts.append(encode_point(p0))
        parts.append(encode_point(p1))
    return int.from_bytes(keccak(b"".join(parts)), "big") % N


# ---------------------------------------------------------------- prover


def _check_tier(tier: int) -> None:
    if isinstance(tier, bool) or not isinstance(tier, int) or not MIN_TIER <= tier <= MAX_TIER:
        raise InvalidTier(f"tier must be in [{MIN_TIER}, {MAX_TIER}], got {tier!r}")


def split_blinding(r: Scalar, tier: int, rng: ScalarSource) -> list[Scalar]:
    """Per-bit blindings r_0..r_{j-1}, all in [1, n), with sum 2^i r_i = r (mod n).

    r_0..r_{j-2} are uniform; r_{j-1} is solved for (and everything is drawn
    again in the negligible case it comes out 0).
    """
    inv_top = pow(1 << (tier - 1), -1, N)
    while True:
        rs = [_nonzero_scalar(rng) for _ in range(tier - 1)]
        partial = sum(ri << i for i, ri in enumerate(rs)) % N
        top = (r - partial) * inv_top % N
        if top != 0:
            return [*rs, top]


def prove_bits(
    bits: Sequence[int],
    blindings: Sequence[Scalar],
    ctx: bytes,
    rng: ScalarSource,
) -> tuple[Point, RangeProof]:
    """Low level prover: no range or tier checks. Returns (C, proof).

    `bits` may hold values other than 0 and 1: such a bit is proven as if it
    were 1 with witness r_i, which a verifier rejects (tests and tampered
    vectors build such proofs on purpose). C = sum 2^i (b_i*G + r_i*H).
    """
    if len(bits) != len(blindings) or not bits:
        raise RangeProofError("need one blinding per bit, and at least one bit")
    g_table, h_table = fixed_base_g(), fixed_base_h()
    bit_jac: list[jac.JacobianPoint] = []
    a0_jac: list[jac.JacobianPoint] = []
    a1_jac: list[jac.JacobianPoint] = []
    secrets_per_bit: list[tuple[int, Scalar, Scalar, Scalar]] = []  # (real, k, e_sim, s_sim)
    for b, ri in zip(bits, blindings, strict=True):
        ci = jac.add(g_table.mul(b), h_table.mul(ri))
        real = b if b in (0, 1) else 1
        sim = 1 - real
        k = _nonzero_scalar(rng)
        e_sim = rng.randbelow(N)
        s_sim = rng.randbelow(N)
        a_real = h_table.mul(k)
        # A_sim = s_sim*H - e_sim*(C_i - sim*G); since C_i - sim*G = (b - sim)*G + r_i*H
        # the prover, who knows that representation, needs fixed-base multiplications only.
        a_sim = jac.add(h_table.mul(s_sim - e_sim * ri), g_table.mul(-e_sim * (b - sim)))
        bit_jac.append(ci)
        a0_jac.append(a_real if real == 0 else a_sim)
        a1_jac.append(a_real if real == 1 else a_sim)
        secrets_per_bit.append((real, k, e_sim, s_sim))

    f = sum(b << i for i, b in enumerate(bits))
    r = sum(ri << i for i, ri in enumerate(blindings))
    commitment_jac = jac.add(g_table.mul(f), h_table.mul(r))
    affine = jac.to_affine_many([commitment_jac, *bit_jac, *a0_jac, *a1_jac])
    j = len(bits)
    commitment = affine[0]
    bit_points = affine[1 : 1 + j]
    e = challenge(ctx, commitment, bit_points, affine[1 + j : 1 + 2 * j], affine[1 + 2 * j :])

    out: list[BitProof] = []
    for point, ri, (real, k, e_sim, s_sim) in zip(bit_points, blindings, secrets_per_bit, strict=True):
        e_real = (e - e_sim) % N
        s_real = (k + e_real * ri) % N
        if real == 0:
            out.append(BitProof(commitment=point, e0=e_real, s0=s_real, s1=s_sim))
        else:
            out.append(BitProof(commitment=point, e0=e_sim, s0=s_sim, s1=s_real))
    return commitment, RangeProof(challenge=e, bits=tuple(out))


def prove(
    f: int,
    r: Scalar,
    tier: int,
    ctx: bytes,
    *,
    rng: ScalarSource | None = None,
) -> bytes:
    """A proof that commit(f, r) hides 0 <= f < 2^tier, bound to `ctx`.

    Raises `InvalidTier`, `FeeOutOfRange`, `InvalidBlinding` or
    `InvalidContext` (all `ValueError`s). `rng` defaults to the OS CSPRNG;
    pass a deterministic source only for test vectors.
    """
    _check_tier(tier)
    if isinstance(f, bool) or not isinstance(f, int) or not 0 <= f < (1 << tier):
        raise FeeOutOfRange(f"fee must be in [0, 2^{tier}), got {f!r}")
    if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r < N:
        raise InvalidBlinding("blinding must be in [1, n)")
    if not isinstance(ctx, bytes) or len(ctx) != CONTEXT_BYTES:
        raise InvalidContext("context must be 32 bytes")
    source = rng if rng is not None else SystemScalarSource()
    bits = [(f >> i) & 1 for i in range(tier)]
    while True:
        blindings = split_blinding(r, tier, source)
        _, proof = prove_bits(bits, blindings, ctx, source)
        # A bit commitment equal to the identity would be refused by both
        # verifiers; it needs r_i = -log_H(G), so this loop never repeats in practice.
        if all(is_on_curve(bit.commitment) for bit in proof.bits):
            return proof.to_bytes()


# ---------------------------------------------------------------- verifier


def _is_point_pair(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(c, int) and not isinstance(c, bool) for c in value)
    )


def verify(commitment: Point, tier: int, ctx: bytes, proof: bytes) -> bool:
    """True iff `proof` shows that `commitment` hides a value in [0, 2^tier) for `ctx`.

    Refuses (returns False, never raises): a tier outside [4, 13], a context
    that is not 32 bytes, a proof whose length is not 32 + 160*tier, any
    scalar >= n, any coordinate >= p or point off the curve, the identity as
    C or as a bit commitment, C != sum 2^i C_i, and a challenge mismatch.
    """
    if isinstance(tier, bool) or not isinstance(tier, int) or not MIN_TIER <= tier <= MAX_TIER:
        return False
    if not isinstance(ctx, bytes) or len(ctx) != CONTEXT_BYTES:
        return False
    if not isinstance(proof, bytes | bytearray) or len(proof) != proof_length(tier):
        return False
    if not _is_point_pair(commitment) or not is_on_curve(commitment):
        return False
    parsed = RangeProof.from_bytes(bytes(proof))
    e = parsed.challenge
    if not 0 <= e < N:
        return False
    for bit in parsed.bits:
        if not is_on_curve(bit.commitment):
            return False
        if not (bit.e0 < N and bit.s0 < N and bit.s1 < N):
            return False

    # C == sum 2^i C_i, by Horner from the top bit (as the Solidity verifier).
    bit_jac = [jac.to_jacobian(bit.commitment) for bit in parsed.bits]
    acc = bit_jac[-1]
    for ci in reversed(bit_jac[:-1]):
        acc = jac.add(jac.double(acc), ci)
    if jac.is_identity(acc) or jac.to_affine(acc) != commitment:
        return False

    h_table = fixed_base_h()
    g_neg = jac.neg(jac.to_jacobian(G))
    a0_jac: list[jac.JacobianPoint] = []
    a1_jac: list[jac.JacobianPoint] = []
    for bit, ci in zip(parsed.bits, bit_jac, strict=True):
        e1 = (e - bit.e0) % N
        a0_jac.append(jac.add(h_table.mul(bit.s0), jac.neg(jac.mul(ci, bit.e0))))
        ci_minus_g = jac.add(ci, g_neg)
        a1_jac.append(jac.add(h_table.mul(bit.s1), jac.neg(jac.mul(ci_minus_g, e1))))
    a_points = jac.to_affine_many([*a0_jac, *a1_jac])
    expected = challenge(
        ctx,
        commitment,
        [bit.commitment for bit in parsed.bits],
        a_points[:tier],
        a_points[tier:],
    )
    return expected == e


__all__ = [
    "CONTEXT_TAG",
    "MAX_TIER",
    "MIN_TIER",
    "FeeOutOfRange",
    "InvalidBlinding",
    "InvalidContext",
    "InvalidTier",
    "RangeProofError",
    "ScalarSource",
    "SystemScalarSource",
    "challenge",
    "context",
    "prove",
    "prove_bits",
    "split_blinding",
    "verify",
]
