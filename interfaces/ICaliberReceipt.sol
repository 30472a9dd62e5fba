// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ICaliberReceipt
/// @notice CALIBER custody receipts: ERC-721 documents of title (UCC Article 7 warehouse receipts) for a
///         lot of GPU hardware held by a licensed, insured custodian. The FiLo registry holds pledged
///         receipts in escrow and is the only address that can move them or change their status.
/// @dev Status machine: `Active -> Pledged -> Active` (loan repaid), `Pledged -> Liquidating -> Liquidated`
///      (custodian burns after the sale), `Active -> Released` (custodian burns when the hardware leaves
///      custody). Money values are in USDai units (18 decimals).
interface ICaliberReceipt is IERC721 {
    // ---------------------------------------------------------------- types

    enum Status {
        None,
        Active,
        Pledged,
        Liquidating,
        Liquidated,
        Released
    }

    struct Insurance {
        address insurer;
        bytes32 policyHash;
        uint256 coverageUsdai;
        uint64 policyExpiry;
    }

    struct Appraisal {
        uint256 valueUsdai;
        uint64 timestamp;
        address appraiser;
    }

    /// @notice What a custodian states when minting a receipt.
    struct MintParams {
        bytes32 facilityId;
        string assetClass;
        string model;
        uint256 quantity;
        bytes32 serialsRoot;
        bytes32 legalDocHash;
        Insurance insurance;
    }

    struct Receipt {
        address custodian;
        Status status;
        bytes32 facilityId;
        string assetClass;
        string model;
        uint256 quantity;
        bytes32 serialsRoot;
        bytes32 legalDocHash;
        Insurance insurance;
        Appraisal appraisal;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a configuration address is zero.
    error AddressZero();
    /// @notice Thrown when a receipt id has never been minted.
    error ReceiptNonexistent(uint256 id);
    /// @notice Thrown when a caller other than the receipt's custodian acts as its custodian.
    error ReceiptCustodianMismatch(uint256 id, address caller, address custodian);
    /// @notice Thrown when a receipt is minted with a zero quantity or a zero serials root.
    error ReceiptRecordInvalid();
    /// @notice Thrown when an insurance policy is stated without insurer or with an expiry in the past.
    error InsuranceInvalid(address insurer, uint64 policyExpiry);
    /// @notice Thrown when an appraisal is not newer than the previous one or lies in the future.
    error AppraisalTimestampInvalid(uint256 id, uint64 timestamp, uint64 previous);
    /// @notice Thrown when an appraisal values a receipt at zero.
    error AppraisalValueZero(uint256 id);
    /// @notice Thrown when a burn finds a receipt neither Active nor Liquidating (a pledged receipt cannot be burned).
    error ReceiptNotBurnable(uint256 id, Status status);
    /// @notice Thrown when anyone but the registry moves a Pledged or Liquidating receipt.
    error ReceiptLocked(uint256 id, Status status);
    /// @notice Thrown when a caller other than the FiLo registry changes a receipt's status.
    error CallerNotRegistry(address caller);
    /// @notice Thrown when the registry asks for a status change the status machine does not allow.
    error StatusTransitionInvalid(uint256 id, Status current, Status next);
    /// @notice Thrown when a receipt offered as collateral is already pledged (same selector as the registry's).
    error ReceiptAlreadyPledged(uint256 id);
    /// @notice Thrown when a receipt offered as collateral is not Active (same selector as the registry's).
    error ReceiptNotFinanceable(uint256 id, Status status);
    /// @notice Thrown when a receipt offered as collateral has a lapsed insurance policy.
    error ReceiptInsuranceLapsed(uint256 id, uint64 policyExpiry);
    /// @notice Thrown when a receipt offered as collateral has no appraisal younger than `maxAppraisalAge`.
    error ReceiptAppraisalStale(uint256 id, uint64 appraisedAt);
    /// @notice Thrown when a receipt offered as collateral is not owned by the borrower.
    error ReceiptNotOwned(uint256 id, address owner, address borrower);
    /// @notice Thrown when a casualty is reported twice, at time zero or in the future, or on a burned receipt.
    error CasualtyInvalid(uint256 id, uint64 occurredAt);
    /// @notice Thrown when a receipt offered as collateral has a reported casualty (the hardware is lost).
    error ReceiptCasualty(uint256 id, uint64 occurredAt);
    /// @notice Thrown when the maximum appraisal age is set to zero.
    error MaxAppraisalAgeInvalid(uint256 maxAge);

    // ---------------------------------------------------------------- events

    /// @notice Emitted when a custodian mints receipt `id` to `owner`.
    event ReceiptMinted(uint256 indexed id, address indexed custodian, address indexed owner, bytes32 facilityId);
    /// @notice Emitted when the custodian burns receipt `id`, leaving it in `status` (Released or Liquidated).
    event ReceiptBurned(uint256 indexed id, address indexed custodian, Status status);
    /// @notice Emitted when an appraiser posts a valuation.
    event Appraised(uint256 indexed id, address indexed appraiser, uint256 valueUsdai, uint64 timestamp);
    /// @notice Emitted when the custodian restates the insurance of receipt `id`.
    event InsuranceUpdated(uint256 indexed id, address indexed insurer, bytes32 policyHash, uint256 coverageUsdai, uint64 policyExpiry);
    /// @notice Emitted on every status change.
    event StatusChanged(uint256 indexed id, Status previous, Status current);
    /// @notice Emitted when the custodian reports the hardware of receipt `id` lost or destroyed at `occurredAt`.
    event CasualtyReported(uint256 indexed id, address indexed custodian, uint64 occurredAt);
    event RegistryUpdated(address indexed previous, address indexed current);
    event MaxAppraisalAgeUpdated(uint256 previous, uint256 current);

    // ---------------------------------------------------------------- custodian and appraiser

    /// @notice Mints a receipt to `to` (the hardware owner) with the caller as custodian. Needs `CUSTODIAN_ROLE`.
    /// @dev Reverts while paused. The receipt is Active but not financeable until an appraisal is posted.
    /// @return id The new receipt id (starting at 1).
    function mint(address to, MintParams calldata params) external returns (uint256 id);

    /// @notice Burns receipt `id`: Active -> Released (hardware left custody) or Liquidating -> Liquidated
    ///         (hardware sold). Only the receipt's custodian, holding `CUSTODIAN_ROLE`.
    function burn(uint256 id) external;

    /// @notice Restates the insurance of receipt `id`. Only the receipt's custodian, holding `CUSTODIAN_ROLE`.
    function updateInsurance(uint256 id, Insurance calldata insurance) external;

    /// @notice Reports that the hardware of receipt `id` was lost or destroyed at `occurredAt` (not in the
    ///         future; once). Only the receipt's custodian, holding `CUSTODIAN_ROLE`. A pledged receipt's
    ///         loan is re-valued at once (the receipt now supports nothing); the insurer's payout is
    ///         recorded on the loan book (`ILoanBook.recordInsurancePayout`).
    function reportCasualty(uint256 id, uint64 occurredAt) external;

    /// @notice Posts a valuation of receipt `id` made at `timestamp` (strictly after the previous one,
    ///         not in the future). Needs `APPRAISER_ROLE`.
    function appraise(uint256 id, uint256 valueUsdai, uint64 timestamp) external;

    // ---------------------------------------------------------------- registry

    /// @notice Moves receipt `id` along the status machine: Active -> Pledged, Pledged -> Active,
    ///         Pledged -> Liquidating. Only the FiLo registry.
    function setStatus(uint256 id, Status status) external;

    // ---------------------------------------------------------------- governance

    /// @notice Sets the FiLo registry (`DEFAULT_ADMIN_ROLE`).
    function setRegistry(address registry) external;

    /// @notice Sets the age beyond which an appraisal no longer makes a receipt financeable (`DEFAULT_ADMIN_ROLE`).
    function setMaxAppraisalAge(uint256 maxAge) external;

    /// @notice Stops mints (`PAUSER_ROLE`).
    function pause() external;

    /// @notice Resumes mints (`PAUSER_ROLE`).
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice The full record of receipt `id`.
    function receipt(uint256 id) external view returns (Receipt memory);

    /// @notice The status of receipt `id` (`None` if it was never minted).
    function statusOf(uint256 id) external view returns (Status);

    /// @notice The latest appraised value of receipt `id` in USDai units.
    function appraisalValue(uint256 id) external view returns (uint256);

    /// @notice What a lender checks, in one call: status, appraised value and time, policy expiry.
    function financing(uint256 id)
        external
        view
        returns (Status status, uint256 valueUsdai, uint64 appraisedAt, uint64 policyExpiry);

    /// @notice What the loan book values a receipt on: appraised value and time, casualty time (0: none).
    function valuation(uint256 id) external view returns (uint256 valueUsdai, uint64 appraisedAt, uint64 casualtyAt);

    /// @notice What an insurance payout is checked against: casualty time (0: none), and the coverage and
    ///         policy expiry as they stood when the casualty was reported.
    function casualty(uint256 id) external view returns (uint64 occurredAt, uint256 coverageUsdai, uint64 policyExpiry);

    /// @notice True when receipt `id` is Active or Pledged, without a reported casualty, insured past now and appraised within `maxAppraisalAge`.
    function isFinanceable(uint256 id) external view returns (bool);

    /// @notice Reverts unless receipt `id` is Active, financeable and owned by `borrower`, naming the first
    ///         check that fails; returns its appraised value and `keccak256(bytes(assetClass))`. The loan
    ///         book calls it for each collateral.
    function checkPledgeable(uint256 id, address borrower) external view returns (uint256 valueUsdai, bytes32 assetClass);

    /// @notice True when `serial` is in the serials Merkle tree of receipt `id`
    ///         (leaf = keccak256(bytes.concat(keccak256(abi.encode(serial)))), OpenZeppelin StandardMerkleTree).
    function verifySerial(uint256 id, string calldata serial, bytes32[] calldata proof) external view returns (bool);

    /// @notice The FiLo registry.
    function registry() external view returns (address);

    /// @notice Maximum appraisal age in seconds.
    function maxAppraisalAge() external view returns (uint256);

    /// @notice Number of receipts ever minted (the last id).
    function totalMinted() external view returns (uint256);

    // ---------------------------------------------------------------- constants

    /// @notice The role that may record appraisals.
    function APPRAISER_ROLE() external view returns (bytes32);

    /// @notice The role that may mint receipts and report on the hardware it holds.
    function CUSTODIAN_ROLE() external view returns (bytes32);

    /// @notice The role that may pause and unpause.
    function PAUSER_ROLE() external view returns (bytes32);
}
