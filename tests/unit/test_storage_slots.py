"""ERC-7201: every upgradeable contract keeps its state in one namespaced struct whose slot constant is
`keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~bytes32(uint256(0xff))` of the namespace
its `@custom:storage-location` annotation names. A constant copied from another contract, or left
behind by a rename, would put two contracts' state on top of each other behind one proxy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_utils import keccak

ROOT = Path(__file__).resolve().parents[2]
_LOCATION = re.compile(r"@custom:storage-location erc7201:([\w.]+)")
_SLOT = re.compile(r"bytes32 (?:private|internal) constant \w*STORAGE_SLOT =\s*(0x[0-9a-fA-F]{64});")


def erc7201_slot(namespace: str) -> int:
    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


def _namespaced_sources() -> dict[str, tuple[str, int]]:
    found = {}
    paths = [*(ROOT / "contracts").glob("*.sol"), *(ROOT / "contracts" / "omnichain").glob("*.sol")]
    for path in sorted(paths):
        text = path.read_text("utf8")
        locations, slots = _LOCATION.findall(text), _SLOT.findall(text)
        if locations or slots:
            assert len(locations) == len(slots) == 1, f"{path.name}: one namespace and one slot constant"
            found[path.stem] = (locations[0], int(slots[0], 16))
    return found


SOURCES = _namespaced_sources()


def test_erc7201_formula__known_vector():
    # The example of ERC-7201 itself.
    assert erc7201_slot("example.main") == 0x183A6125C38840424C4A85FA12BAB2AB606C4B6D0E7CC73C0C06BA5300EAB500


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_storage_slot__matches_namespace(source):
    namespace, slot = SOURCES[source]
    # Named after the contract (sUSDai's storage is declared by its base, shared with its module).
    assert namespace == f"gpuyield.storage.{source.removesuffix('Base')}"
    assert slot == erc7201_slot(namespace), f"{source}: STORAGE_SLOT is not erc7201({namespace})"


def test_storage_slots__every_proxied_contract_is_namespaced():
    """Each implementation `deploy_suite` puts behind a proxy keeps its state in a namespace (sUSDai's
    lives in its base; its module shares it by delegatecall; USDai's and sUSDai's balances live in the
    balance base both inherit, one namespace behind each proxy), and no two share one."""
    deploy_code = (ROOT / "scripts" / "_suite" / "deployment.py").read_text("utf8")
    implementations = set(re.findall(r'impls\["(\w+)"\]', deploy_code))
    declared_by = {"sUSDai": "StakedUSDaiBase", "sUSDaiModule": "StakedUSDaiBase"}
    proxied = {declared_by.get(name, name) for name in implementations}
    assert len(proxied) == 8, proxied
    # The omnichain lockbox and OFT (deployed by scripts/_suite/omnichain.py) share the guard's namespace;
    # the OFT adds its own, beside LayerZero's and OpenZeppelin's.
    assert set(SOURCES) == proxied | {"ERC20BalancesBase", "OmniGuard", "OmniToken"}
    assert len({slot for _, slot in SOURCES.values()}) == len(SOURCES)
