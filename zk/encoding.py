"""Byte encodings shared by the Python and Solidity verifiers (docs/DESIGN.md, "Bid range proof").

- `u256(v)`: 32-byte big-endian word.
- A point is two words (x, y); the identity is (0, 0).
- A range proof is `e` then, per bit i = 0..j-1, `C_i.x, C_i.y, e0_i, s0_i,
  s1_i`: 32 + 160 j bytes.

Parsing here is purely syntactic (lengths and word splitting): it keeps
non-canonical words as they are so that the verifier, not the parser, is the
one that refuses them (and so tampered vectors can be serialised).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from eth_hash.auto import keccak

from zk.curve import Point, Scalar

WORD_BYTES: Final[int] = 32
POINT_BYTES: Final[int] = 2 * WORD_BYTES
BIT_PROOF_BYTES: Final[int] = 5 * WORD_BYTES
"""Per bit: C_i.x, C_i.y, e0_i, s0_i, s1_i."""
PROOF_HEADER_BYTES: Final[int] = WORD_BYTES
"""The challenge e."""
U256_MAX: Final[int] = (1 << 256) - 1

Address: TypeAlias = str | int | bytes
"""An EVM address: 0x-hex string (any case), integer, or 20 raw bytes."""


class EncodingError(ValueError):
    """Raised when bytes or values do not fit the wire format."""


def u256(v: int) -> bytes:
    """32-byte big-endian encoding of 0 <= v < 2^256."""
    if not 0 <= v <= U256_MAX:
        raise EncodingError(f"value does not fit in 256 bits: {v}")
    return v.to_bytes(WORD_BYTES, "big")


def word(data: bytes, offset: int) -> int:
    """The big-endian word at `offset` (must be fully inside `data`)."""
    if offset < 0 or offset + WORD_BYTES > len(data):
        raise EncodingError(f"word at {offset} outside {len(data)} bytes")
    return int.from_bytes(data[offset : offset + WORD_BYTES], "big")


def encode_point(pt: Point) -> bytes:
    """u256(x) || u256(y)."""
    return u256(pt[0]) + u256(pt[1])


def decode_point_bytes(data: bytes) -> Point:
    """Inverse of `encode_point` (no curve check)."""
    if len(data) != POINT_BYTES:
        raise EncodingError(f"a point is {POINT_BYTES} bytes, got {len(data)}")
    return (word(data, 0), word(data, WORD_BYTES))


def address_to_int(address: Address) -> int:
    """An address as the integer u256(address) encodes (left-padded to 32 bytes)."""
    if isinstance(address, bool):
        raise EncodingError("a bool is not an address")
    if isinstance(address, int):
        value = address
    elif isinstance(address, bytes):
        if len(address) != 20:
            raise EncodingError(f"an address is 20 bytes, got {len(address)}")
        value = int.from_bytes(address, "big")
    else:
        text = address[2:] if address[:2] in ("0x", "0X") else address
        if len(text) != 40:
            raise EncodingError(f"an address is 40 hex digits, got {address!r}")
        try:
            value = int(text, 16)
        except ValueError as exc:
            raise EncodingError(f"not a hex address: {address!r}") from exc
    if not 0 <= value < (1 << 160):
        raise EncodingError(f"address out of range: {value}")
    return value


def to_hex(data: bytes) -> str:
    """0x-prefixed lowercase hex."""
    return "0x" + data.hex()


def from_hex(text: str) -> bytes:
    """Parse 0x-prefixed (or bare) hex."""
    body = text[2:] if text[:2] in ("0x", "0X") else text
    try:
        return bytes.fromhex(body)
    except ValueError as exc:
        raise EncodingError(f"not hex: {text!r}") from exc


def word_hex(v: int) -> str:
    """u256 as a 0x-prefixed 64-digit hex string."""
    return to_hex(u256(v))


@dataclass(frozen=True)
class BitProof:
    """One bit of a range proof: its commitment and the OR-proof responses."""

    commitment: Point
    """C_i = b_i*G + r_i*H."""
    e0: Scalar
    """Challenge of branch 0 ("C_i = r_i*H"); branch 1 gets e - e0 mod n."""
    s0: Scalar
    """Response of branch 0."""
    s1: Scalar
    """Response of branch 1 ("C_i - G = r_i*H")."""

    def to_bytes(self) -> bytes:
        return encode_point(self.commitment) + u256(self.e0) + u256(self.s0) + u256(self.s1)


@dataclass(frozen=True)
class RangeProof:
    """A parsed range proof; `tier` (j) is the number of bits."""

    challenge: Scalar
    bits: tuple[BitProof, ...]

    @property
    def tier(self) -> int:
        return len(self.bits)

    def to_bytes(self) -> bytes:
        return u256(self.challenge) + b"".join(bit.to_bytes() for bit in self.bits)

    @classmethod
    def from_bytes(cls, data: bytes) -> RangeProof:
        """Split `data` into words. Raises `EncodingError` on a bad length."""
        body = len(data) - PROOF_HEADER_BYTES
        if body < 0 or body % BIT_PROOF_BYTES != 0:
            raise EncodingError(f"a proof is 32 + 160 j bytes, got {len(data)}")
        bits = []
        for i in range(body // BIT_PROOF_BYTES):
            o = PROOF_HEADER_BYTES + i * BIT_PROOF_BYTES
            bits.append(
                BitProof(
                    commitment=(word(data, o), word(data, o + 32)),
                    e0=word(data, o + 64),
                    s0=word(data, o + 96),
                    s1=word(data, o + 128),
                )
            )
        return cls(challenge=word(data, 0), bits=tuple(bits))


def proof_length(tier: int) -> int:
    """Exact byte length of a proof with `tier` bits."""
    return PROOF_HEADER_BYTES + BIT_PROOF_BYTES * tier


# ---------------------------------------------------------------- ABI helpers


def bid_call_args(commitment: Point, tier: int, proof: bytes) -> tuple[list[int], int, bytes]:
    """Arguments for a Solidity `(uint256[2] commitment, uint8 tier, bytes proof)`."""
    if not 0 <= tier <= 0xFF:
        raise EncodingError(f"tier does not fit uint8: {tier}")
    return [commitment[0], commitment[1]], tier, proof


def to_checksum_address(address: int) -> str:
    """EIP-55 mixed-case hex of a 160-bit address."""
    lower = f"{address:040x}"
    digest = keccak(lower.encode()).hex()
    return "0x" + "".join(ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower))
