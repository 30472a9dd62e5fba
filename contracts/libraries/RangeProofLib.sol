// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title RangeProofLib
/// @notice On-chain verifier of the QEV bid range proofs (docs/DESIGN.md, "Bid range proof"): a Pedersen commitment
///         C = f*G + r*H on alt_bn128 hides a fee 0 <= f < 2^j. Must accept and refuse exactly what the
///         Python reference `zk.rangeproof.verify` does; the shared vectors in
///         `zk/vectors/range_proofs.json` are run through both.
/// @dev Proof bytes: e, then per bit i = 0..j-1: C_i.x, C_i.y, e0_i, s0_i, s1_i (32 + 160 j bytes).
///      Verification recomputes A0_i = s0_i*H - e0_i*C_i and A1_i = s1_i*H - e1_i*(C_i - G) with
///      e1_i = e - e0_i mod n, checks C == sum 2^i C_i, and compares
///      e == keccak256(ctx || C || C_0..C_{j-1} || A0_0 || A1_0 || ...) mod n.
///      Gas: 4 ecMul + 5 ecAdd per bit (24,750 gas of precompiles), about 28.9k per bit in all
///      (tier 10: ~290k, measured by RangeProofHarness.measureVerify).
library RangeProofLib {
    // ---------------------------------------------------------------- constants

    /// @notice Base field modulus p of alt_bn128.
    uint256 internal constant P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    /// @notice Order n of the G1 group (prime, cofactor 1).
    uint256 internal constant N = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// @notice The curve is y^2 = x^3 + 3.
    uint256 internal constant CURVE_B = 3;

    /// @notice Generator G = (1, 2).
    uint256 internal constant G_X = 1;
    uint256 internal constant G_Y = 2;

    /// @notice Second Pedersen base H, nothing up the sleeve: try-and-increment from ctr = 0 on
    ///         x = keccak256("QEV/PedersenH/v1" || u256(ctr)) mod p until x^3 + 3 is a square, then
    ///         y = its even square root. ctr = 0 already works. Derived and checked by `zk/curve.py`
    ///         (`python -m zk params`); tests/zk/test_solidity_verifier.py asserts these equal zk.H.
    uint256 internal constant H_X = 0x20213b0e1fb018400d315cc8e2f4f9f4c0516c54d6df8fbd1a259e21185f0bc7;
    uint256 internal constant H_Y = 0x2d8b143e3a4069b759717279f49f4efced55ecaef5acdcb5ec14d20875363800;

    /// @notice TAG = keccak256("QEV/BidRangeProof/v1"), the first word of every proof context.
    bytes32 internal constant CONTEXT_TAG = keccak256("QEV/BidRangeProof/v1");

    /// @notice Tiers j: a bid proves f < 2^j with MIN_TIER <= j <= MAX_TIER.
    uint256 internal constant MIN_TIER = 4;
    uint256 internal constant MAX_TIER = 13;
    /// @notice A revealed fee is at most 100%, in bps.
    uint256 internal constant MAX_FEE_BPS = 10_000;

    uint256 private constant PROOF_HEADER_BYTES = 32;
    uint256 private constant BIT_PROOF_BYTES = 160;
    uint256 private constant EC_ADD = 0x06;
    uint256 private constant EC_MUL = 0x07;

    /// @notice Thrown when an ecAdd/ecMul precompile call fails. Every input is checked to be on the
    ///         curve first, so this only happens when the call runs out of gas; reverting (rather than
    ///         returning false) keeps an out-of-gas call from making a valid proof look invalid.
    error EcPrecompileFailed(uint256 precompile);

    // ---------------------------------------------------------------- verification

    /// @notice True iff `proof` shows that `commitment` hides a value in [0, 2^tier), bound to `ctx`.
    /// @dev Returns false (never reverts, except out of gas) for: a tier outside [4, 13], a proof
    ///      length other than 32 + 160 tier, a scalar >= n, a coordinate >= p or a point off the curve
    ///      (which includes the identity (0, 0), refused as C and as every C_i), C != sum 2^i C_i, and a
    ///      challenge mismatch.
    function verify(uint256[2] memory commitment, uint256 tier, bytes32 ctx, bytes calldata proof)
        internal
        view
        returns (bool)
    {
        if (tier < MIN_TIER || tier > MAX_TIER) return false;
        if (proof.length != PROOF_HEADER_BYTES + BIT_PROOF_BYTES * tier) return false;
        if (!isOnCurve(commitment[0], commitment[1])) return false;
        uint256 e = _word(proof, 0);
        if (e >= N) return false;

        // The challenge preimage as words: ctx, C, then C_i at 3 + 2i, then A0_i, A1_i at 3 + 2j + 4i.
        uint256[] memory preimage = new uint256[](3 + 6 * tier);
        preimage[0] = uint256(ctx);
        preimage[1] = commitment[0];
        preimage[2] = commitment[1];
        if (!_verifyBits(preimage, proof, tier, e)) return false;
        if (!_isBitSum(preimage, tier, commitment)) return false;
        return _hashWords(preimage) % N == e;
    }

    /// @notice True iff (fee, blinding) opens `commitment`: fee*G + blinding*H == commitment, with
    ///         fee <= 10000 and blinding canonical in [1, n) (so `blinding + n` is refused, as in zk/).
    function checkOpening(uint256[2] memory commitment, uint256 fee, uint256 blinding)
        internal
        view
        returns (bool)
    {
        if (fee > MAX_FEE_BPS || blinding == 0 || blinding >= N) return false;
        if (!isOnCurve(commitment[0], commitment[1])) return false;
        (uint256 fx, uint256 fy) = _ecMul(G_X, G_Y, fee);
        (uint256 rx, uint256 ry) = _ecMul(H_X, H_Y, blinding);
        (uint256 cx, uint256 cy) = _ecAdd(fx, fy, rx, ry);
        return cx == commitment[0] && cy == commitment[1];
    }

    /// @notice ctx = keccak256(TAG || u256(chainId) || u256(auction) || u256(bidder) || u256(cycleId) ||
    ///         u256(ticketId) || u256(tier)); `bidder` is the sender of the bid transaction.
    function context(
        uint256 chainId,
        address auction,
        address bidder,
        uint256 cycleId,
        uint256 ticketId,
        uint256 tier
    ) internal pure returns (bytes32) {
        // abi.encode pads every field, addresses included, to one 32-byte word: exactly u256(v).
        return keccak256(abi.encode(CONTEXT_TAG, chainId, auction, bidder, cycleId, ticketId, tier));
    }

    /// @notice True iff x, y < p and y^2 == x^3 + 3 (mod p). The identity (0, 0) is not on the curve.
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= P || y >= P) return false;
        return mulmod(y, y, P) == addmod(mulmod(mulmod(x, x, P), x, P), CURVE_B, P);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Runs `_verifyBit` on every bit, bit 0 first.
    function _verifyBits(uint256[] memory preimage, bytes calldata proof, uint256 tier, uint256 e)
        private
        view
        returns (bool)
    {
        // No overflow: tier <= MAX_TIER, so every index and offset here is tiny.
        unchecked {
            for (uint256 i; i < tier; ++i) {
                uint256 offset = PROOF_HEADER_BYTES + BIT_PROOF_BYTES * i;
                bytes calldata bit = proof[offset:offset + BIT_PROOF_BYTES];
                if (!_verifyBit(preimage, bit, 3 + 2 * i, 3 + 2 * tier + 4 * i, e)) return false;
            }
        }
        return true;
    }

    /// @dev Checks one bit's 160 bytes (C_i, e0_i, s0_i, s1_i) and writes C_i at preimage[cIndex..+1] and
    ///      A0_i, A1_i at preimage[aIndex..+3]. False on a non-canonical scalar or C_i off the curve.
    function _verifyBit(uint256[] memory preimage, bytes calldata bit, uint256 cIndex, uint256 aIndex, uint256 e)
        private
        view
        returns (bool)
    {
        uint256 x = _word(bit, 0);
        uint256 y = _word(bit, 32);
        uint256 e0 = _word(bit, 64);
        if (!isOnCurve(x, y) || e0 >= N || _word(bit, 96) >= N || _word(bit, 128) >= N) return false;
        // No overflow: the indices are below 3 + 6 MAX_TIER, and 0 < y < P, e0 < N.
        unchecked {
            preimage[cIndex] = x;
            preimage[cIndex + 1] = y;
            // -C_i = (x, p - y); y != 0 because alt_bn128 has no point of order 2.
            y = P - y;
            // A0_i = s0*H - e0*C_i = s0*H + e0*(-C_i)
            (preimage[aIndex], preimage[aIndex + 1]) = _announcement(_word(bit, 96), x, y, e0);
            // A1_i = s1*H - e1*(C_i - G) = s1*H + e1*(G - C_i), with e1 = e - e0 mod n
            (x, y) = _ecAdd(G_X, G_Y, x, y);
            (preimage[aIndex + 2], preimage[aIndex + 3]) = _announcement(_word(bit, 128), x, y, addmod(e, N - e0, N));
        }
        return true;
    }

    /// @dev s*H + c*(px, py): one OR-proof announcement.
    function _announcement(uint256 s, uint256 px, uint256 py, uint256 c) private view returns (uint256, uint256) {
        (uint256 hx, uint256 hy) = _ecMul(H_X, H_Y, s);
        (px, py) = _ecMul(px, py, c);
        return _ecAdd(hx, hy, px, py);
    }

    /// @dev C == sum 2^i C_i, by Horner's rule from the top bit (acc = 2 acc + C_i), reading the
    ///      (already checked) bit commitments from the preimage.
    function _isBitSum(uint256[] memory preimage, uint256 tier, uint256[2] memory commitment)
        private
        view
        returns (bool)
    {
        // No overflow: MIN_TIER <= tier <= MAX_TIER.
        unchecked {
            uint256 accX = preimage[1 + 2 * tier];
            uint256 accY = preimage[2 + 2 * tier];
            for (uint256 i = tier - 1; i > 0;) {
                --i;
                (accX, accY) = _ecAdd(accX, accY, accX, accY);
                (accX, accY) = _ecAdd(accX, accY, preimage[3 + 2 * i], preimage[4 + 2 * i]);
            }
            return accX == commitment[0] && accY == commitment[1];
        }
    }

    /// @dev The big-endian word of `data` at `offset`. The caller has checked offset + 32 <= data.length
    ///      (`verify` checks the exact proof length first); a plain calldataload is much cheaper than a
    ///      checked slice and a bytes32 conversion.
    function _word(bytes calldata data, uint256 offset) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, offset))
        }
    }

    /// @dev keccak256 of the words of `words` back to back (= keccak256(abi.encodePacked(words)), without
    ///      abi.encodePacked's element-by-element copy into a new buffer).
    function _hashWords(uint256[] memory words) private pure returns (uint256 h) {
        assembly ("memory-safe") {
            h := keccak256(add(words, 0x20), shl(5, mload(words)))
        }
    }

    /// @dev ecAdd precompile (EIP-196): (x1, y1) + (x2, y2); the identity is (0, 0). Uses the memory
    ///      above the free memory pointer as scratch without allocating it.
    function _ecAdd(uint256 x1, uint256 y1, uint256 x2, uint256 y2)
        private
        view
        returns (uint256 x, uint256 y)
    {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, x1)
            mstore(add(m, 0x20), y1)
            mstore(add(m, 0x40), x2)
            mstore(add(m, 0x60), y2)
            ok := staticcall(gas(), EC_ADD, m, 0x80, m, 0x40)
            x := mload(m)
            y := mload(add(m, 0x20))
        }
        if (!ok) revert EcPrecompileFailed(EC_ADD);
    }

    /// @dev ecMul precompile (EIP-196): scalar * (px, py); the identity is (0, 0). Same scratch as
    ///      `_ecAdd`.
    function _ecMul(uint256 px, uint256 py, uint256 scalar) private view returns (uint256 x, uint256 y) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, px)
            mstore(add(m, 0x20), py)
            mstore(add(m, 0x40), scalar)
            ok := staticcall(gas(), EC_MUL, m, 0x60, m, 0x40)
            x := mload(m)
            y := mload(add(m, 0x20))
        }
        if (!ok) revert EcPrecompileFailed(EC_MUL);
    }
}
