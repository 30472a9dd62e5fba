"""Zero-knowledge bid proofs for the QEV sealed priority auction (docs/DESIGN.md, "Bid range proof").

Pedersen commitments C = f*G + r*H on alt_bn128 and bit-decomposition range
proofs (one CDS OR-proof per bit, one Fiat-Shamir challenge) that the
committed fee f satisfies 0 <= f < 2^j. `contracts/libraries/RangeProofLib.sol`
verifies the same bytes on chain.

Example::

    from zk import commit, context, prove, random_blinding, verify
    r = random_blinding()
    ctx = context(42161, auction, bidder, cycle_id, ticket_id, 10)
    proof = prove(250, r, 10, ctx)
    assert verify(commit(250, r), 10, ctx, proof)
"""

from zk.curve import (
    CURVE_B,
    H_COUNTER,
    IDENTITY,
    G,
    H,
    InvalidPoint,
    InvalidScalar,
    N,
    P,
    Point,
    Scalar,
    add,
    decode_point,
    decode_scalar,
    derive_h,
    is_on_curve,
    mul,
    neg,
    sub,
)
from zk.encoding import Address, BitProof, EncodingError, RangeProof, proof_length
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
    ScalarSource,
    challenge,
    context,
    prove,
    verify,
)

__all__ = [
    "CONTEXT_TAG",
    "CURVE_B",
    "G",
    "H",
    "H_COUNTER",
    "IDENTITY",
    "MAX_FEE_BPS",
    "MAX_TIER",
    "MIN_TIER",
    "N",
    "P",
    "Address",
    "BitProof",
    "EncodingError",
    "FeeOutOfRange",
    "InvalidBlinding",
    "InvalidContext",
    "InvalidOpening",
    "InvalidPoint",
    "InvalidScalar",
    "InvalidTier",
    "Point",
    "RangeProof",
    "RangeProofError",
    "Scalar",
    "ScalarSource",
    "add",
    "challenge",
    "check_opening",
    "commit",
    "context",
    "decode_point",
    "decode_scalar",
    "derive_h",
    "is_on_curve",
    "mul",
    "neg",
    "proof_length",
    "prove",
    "random_blinding",
    "sub",
    "verify",
]
