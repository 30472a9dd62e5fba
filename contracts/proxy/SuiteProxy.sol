// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TransparentUpgradeableProxy} from
    "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// @title SuiteProxy
/// @notice OpenZeppelin 5's TransparentUpgradeableProxy, unchanged. It is declared here only so that
///         the project compiles an artifact for it (Ape exposes project sources, not dependencies);
///         the constructor deploys the ProxyAdmin owned by `initialOwner`.
contract SuiteProxy is TransparentUpgradeableProxy {
    constructor(address implementation, address initialOwner, bytes memory data)
        payable
        TransparentUpgradeableProxy(implementation, initialOwner, data)
    {}
}
