"""The interfaces carry the whole external surface: every function a deployed contract exposes is
declared, with its NatSpec, in the contract's interface (or is a standard one: ERC-20/721, EIP-712,
AccessControl, Pausable). A function added to a contract but not to its interface fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ape import project

ROOT = Path(__file__).resolve().parents[2]
INTERFACES = {
    "USDai": ["IUSDai"],
    "StakedUSDai": ["IStakedUSDai"],
    "RedemptionTicket": ["IRedemptionTicket"],
    "QEVAuction": ["IQEVAuction", "IRedemptionPriority"],
    "CaliberReceipt": ["ICaliberReceipt"],
    "FiLoRegistry": ["IFiLoRegistry", "ISeniorCapital"],
    "LoanBook": ["ILoanBook"],
    "CreditPolicy": ["ICreditPolicy"],
}
# Standard surfaces documented by their own EIPs and OpenZeppelin; `initialize` is each
# implementation's own (documented where it is defined).
STANDARD = {
    "supportsInterface", "grantRole", "revokeRole", "renounceRole", "hasRole", "getRoleAdmin",
    "DEFAULT_ADMIN_ROLE", "paused", "name", "symbol", "decimals", "totalSupply", "balanceOf", "transfer",
    "transferFrom", "approve", "allowance", "ownerOf", "safeTransferFrom", "setApprovalForAll", "getApproved",
    "isApprovedForAll", "tokenURI", "eip712Domain", "nonces", "permit", "DOMAIN_SEPARATOR", "initialize",
    "UPGRADE_INTERFACE_VERSION",
}
# Role constants of sUSDai live in its storage base (shared with the module), outside the interface.
BASE_CONSTANTS = {"StakedUSDai": {"PAUSER_ROLE", "BLACKLIST_ADMIN_ROLE", "STRATEGY_ADMIN_ROLE"}}


def _declared(interface: str) -> set[str]:
    return set(re.findall(r"function (\w+)\(", (ROOT / "interfaces" / f"{interface}.sol").read_text("utf8")))


@pytest.mark.parametrize("contract", sorted(INTERFACES))
def test_interface__declares_every_external_function(contract):
    exposed = {abi.name for abi in getattr(project, contract).contract_type.abi if abi.type == "function"}
    declared = set().union(*(_declared(i) for i in INTERFACES[contract]))
    missing = exposed - declared - STANDARD - BASE_CONSTANTS.get(contract, set())
    assert not missing, f"{contract} exposes functions its interface does not declare: {sorted(missing)}"


@pytest.mark.parametrize("contract", sorted(INTERFACES))
def test_interface__every_declared_function_documented(contract):
    """Each function of the interface has NatSpec right above it (one `///` line at least)."""
    for interface in INTERFACES[contract]:
        lines = (ROOT / "interfaces" / f"{interface}.sol").read_text("utf8").split("\n")
        undocumented = []
        for k, line in enumerate(lines):
            match = re.match(r"\s*function (\w+)\(", line)
            if not match:
                continue
            if not lines[k - 1].strip().startswith("///"):
                undocumented.append(match.group(1))
        assert not undocumented, f"{interface}: no NatSpec on {undocumented}"
