"""Upgrading one core contract behind its TransparentUpgradeableProxy (`ape run upgrade`).

The deploy manifest records, per contract, its proxy (`contracts`), implementation
(`implementations`), ProxyAdmin (`proxyAdmins`) and the storage layout the implementation was built
with (`storageLayouts`, `scripts/_suite/layout.py`). An upgrade:

1. checks the manifest against the chain: the proxy's EIP-1967 admin is the recorded ProxyAdmin and
   its implementation the recorded one (or a pending upgrade this script proposed, which is then
   recorded as done);
2. compares the stored layout with the layout of the current sources, refusing every incompatible
   change (one line each) before anything is deployed;
3. deploys the new implementation from a fresh build (sUSDai: a new StakedUSDaiModule and a
   StakedUSDai bound to it; RedemptionTicket bound to the sUSDai proxy, as `deploy_suite` does);
4. if the ProxyAdmin's owner is the sender, sends `upgradeAndCall(proxy, implementation, "")` and
   records the new implementation and layout (the old one goes to `history`); otherwise prints the
   calldata for governance (and, for an OpenZeppelin TimelockController owner, its `schedule` and
   `execute` calls) and records a `pendingUpgrades` entry, promoted once the chain shows it executed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from scripts._suite.deployment import implementation_of, proxy_admin_of
from scripts._suite.journal import create_address
from scripts._suite.layout import Layout, compare, namespace_layouts

ZERO32 = b"\x00" * 32

# Manifest contract name -> the manifest implementation entries it owns, and the Solidity contract.
UPGRADEABLE: dict[str, tuple[tuple[str, ...], str]] = {
    "USDai": (("USDai",), "USDai"),
    "sUSDai": (("sUSDai", "sUSDaiModule"), "StakedUSDai"),
    "RedemptionTicket": (("RedemptionTicket",), "RedemptionTicket"),
    "QEVAuction": (("QEVAuction",), "QEVAuction"),
    "CaliberReceipt": (("CaliberReceipt",), "CaliberReceipt"),
    "FiLoRegistry": (("FiLoRegistry",), "FiLoRegistry"),
    "LoanBook": (("LoanBook",), "LoanBook"),
    "CreditPolicy": (("CreditPolicy",), "CreditPolicy"),
}

PROXY_ADMIN_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "upgradeAndCall",
        "stateMutability": "payable",
        "inputs": [
            {"name": "proxy", "type": "address"},
            {"name": "implementation", "type": "address"},
            {"name": "data", "type": "bytes"},
        ],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "owner",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "address"}],
    },
]


class UpgradeRefused(Exception):
    """The upgrade would corrupt the proxy's state: one line per incompatibility."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def resolve_contract(text: str) -> str:
    """The manifest contract name for a CLI name: a manifest name (`sUSDai`) or the Solidity contract
    (`StakedUSDai`), any case."""
    wanted = text.strip().lower()
    for name, (_, solidity) in UPGRADEABLE.items():
        if wanted in (name.lower(), solidity.lower()):
            return name
    if wanted in ("susdaimodule", "stakedusdaimodule"):
        raise ValueError("the module is upgraded with its vault: `ape run upgrade sUSDai` deploys both")
    raise ValueError(f"no upgradeable contract {text!r} (one of: {', '.join(UPGRADEABLE)})")


# ---------------------------------------------------------------- layouts


def check_layouts(
    manifest: dict[str, Any], name: str, current: dict[str, Layout] | None = None
) -> tuple[list[str], list[str], dict[str, Layout]]:
    """(incompatibilities, notes, the new layouts by implementation name) of upgrading `name` from the
    layouts stored in the manifest to those of the current sources (or `current`)."""
    keys = UPGRADEABLE[name][0]
    new = current if current is not None else namespace_layouts(keys)
    stored = manifest.get("storageLayouts") or {}
    errors: list[str] = []
    notes: list[str] = []
    for key in keys:
        old = stored.get(key)
        if not isinstance(old, dict) or "members" not in old:
            errors.append(
                f"{key}: the manifest has no storageLayouts entry for it: nothing to check the new layout "
                "against (record the deployed layout first)"
            )
            continue
        found = compare(old, new[key], notes)  # type: ignore[arg-type]
        for line in found:
            # sUSDai and its module share one struct: say each change once.
            same = line.replace(f"{key}: ", f"{keys[0]}: ", 1)
            if same not in errors:
                errors.append(line)
    return errors, list(dict.fromkeys(notes)), {k: new[k] for k in keys}


# ---------------------------------------------------------------- chain reads


def proxy_slots(provider: Any, proxy: str) -> tuple[str, str]:
    """(implementation, admin) of an EIP-1967 proxy."""
    return implementation_of(provider, proxy), proxy_admin_of(provider, proxy)


def _call(provider: Any, to: str, data: bytes) -> bytes:
    try:
        return bytes(provider.web3.eth.call({"to": to, "data": "0x" + data.hex()}))
    except Exception:  # a revert or a node refusing the call: the answer is "not that contract"
        return b""


def admin_owner(provider: Any, admin: str) -> str:
    raw = _call(provider, admin, selector("owner()"))
    if len(raw) != 32:
        raise ValueError(f"ProxyAdmin {admin} does not answer owner()")
    return to_checksum_address(raw[-20:])


def timelock_delay(provider: Any, address: str) -> int | None:
    """The min delay if `address` is an OpenZeppelin TimelockController, else None."""
    if not provider.get_code(address):
        return None
    role = _call(provider, address, selector("PROPOSER_ROLE()"))
    if role != keccak(text="PROPOSER_ROLE"):
        return None
    raw = _call(provider, address, selector("getMinDelay()"))
    return int.from_bytes(raw, "big") if len(raw) == 32 else None


# ---------------------------------------------------------------- calldata


def upgrade_calldata(proxy: str, implementation: str) -> bytes:
    """ProxyAdmin.upgradeAndCall(proxy, implementation, "")."""
    return selector("upgradeAndCall(address,address,bytes)") + encode(
        ["address", "address", "bytes"], [proxy, implementation, b""]
    )


@dataclass(frozen=True)
class TimelockCalls:
    timelock: str
    target: str
    data: bytes
    delay: int
    predecessor: bytes
    salt: bytes

    @property
    def schedule(self) -> bytes:
        """TimelockController.schedule(target, 0, data, predecessor, salt, delay)."""
        return selector("schedule(address,uint256,bytes,bytes32,bytes32,uint256)") + encode(
            ["address", "uint256", "bytes", "bytes32", "bytes32", "uint256"],
            [self.target, 0, self.data, self.predecessor, self.salt, self.delay],
        )

    @property
    def execute(self) -> bytes:
        """TimelockController.execute(target, 0, data, predecessor, salt)."""
        return selector("execute(address,uint256,bytes,bytes32,bytes32)") + encode(
            ["address", "uint256", "bytes", "bytes32", "bytes32"],
            [self.target, 0, self.data, self.predecessor, self.salt],
        )

    @property
    def operation_id(self) -> bytes:
        """TimelockController.hashOperation(target, 0, data, predecessor, salt)."""
        return keccak(
            encode(
                ["address", "uint256", "bytes", "bytes32", "bytes32"],
                [self.target, 0, self.data, self.predecessor, self.salt],
            )
        )


def default_salt(name: str, implementation: str) -> bytes:
    """One salt per (contract, implementation): re-printing a proposal gives the same operation."""
    return keccak(text=f"gpuyield.upgrade:{name}:{implementation.lower()}")


# ---------------------------------------------------------------- the manifest


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_tables(manifest: dict[str, Any], name: str) -> tuple[str, str, str]:
    """(proxy, recorded implementation, recorded ProxyAdmin) of `name`, refusing a manifest without them."""
    found = []
    for table in ("contracts", "implementations", "proxyAdmins"):
        value = (manifest.get(table) or {}).get(name)
        if not value:
            raise ValueError(f"the manifest's {table} table has no {name} entry")
        found.append(to_checksum_address(str(value)))
    return found[0], found[1], found[2]


def record_upgrade(
    manifest: dict[str, Any],
    name: str,
    implementations: dict[str, str],
    layouts: dict[str, Layout],
    *,
    tx: str | None,
    when: str | None = None,
) -> None:
    """The manifest after `name`'s proxy moved to `implementations`: the old entries go to `history`."""
    when = when or now()
    previous = manifest.get("implementations") or {}
    entry: dict[str, Any] = {
        "contract": name,
        "implementations": {key: previous.get(key) for key in implementations},
        "replacedBy": dict(implementations),
        "replacedAt": when,
    }
    if tx:
        entry["tx"] = tx
    manifest.setdefault("history", []).append(entry)
    manifest.setdefault("implementations", {}).update(implementations)
    manifest.setdefault("storageLayouts", {}).update(layouts)
    (manifest.get("pendingUpgrades") or {}).pop(name, None)
    if manifest.get("pendingUpgrades") == {}:
        del manifest["pendingUpgrades"]


def record_pending(
    manifest: dict[str, Any],
    name: str,
    implementations: dict[str, str],
    layouts: dict[str, Layout],
    proposal: dict[str, Any],
) -> None:
    """A new implementation deployed for governance to switch to: recorded once the chain shows it."""
    manifest.setdefault("pendingUpgrades", {})[name] = {
        "implementations": implementations,
        "storageLayouts": layouts,
        "proposedAt": now(),
        **proposal,
    }


def promote_pending(manifest: dict[str, Any], name: str, onchain: str) -> bool:
    """If governance executed the pending upgrade of `name` (its proxy now points to it), record it."""
    pending = (manifest.get("pendingUpgrades") or {}).get(name)
    if not pending:
        return False
    implementation = pending["implementations"].get(UPGRADEABLE[name][0][0], "")
    if implementation.lower() != onchain.lower():
        return False
    record_upgrade(manifest, name, dict(pending["implementations"]), dict(pending["storageLayouts"]), tx=None)
    return True


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Atomically: a reader sees the old manifest or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- the upgrade


def deploy_implementation(project: Any, manifest: dict[str, Any], name: str, account: Any) -> dict[str, str]:
    """The new implementation(s) of `name`, as `deploy_suite` builds them; by implementation name."""
    if name == "sUSDai":
        module = project.StakedUSDaiModule.deploy(sender=account)
        vault = project.StakedUSDai.deploy(module, sender=account)
        return {"sUSDai": str(vault.address), "sUSDaiModule": str(module.address)}
    container = getattr(project, UPGRADEABLE[name][1])
    args: tuple[Any, ...] = ()
    if name == "RedemptionTicket":
        args = (manifest["contracts"]["sUSDai"],)  # the ticket binds its vault as an immutable
    return {name: str(container.deploy(*args, sender=account).address)}


@dataclass
class Outcome:
    kind: str  # "upgraded", "proposed" or "dry-run"
    implementations: dict[str, str] = field(default_factory=dict)
    calldata: bytes = b""
    timelock: TimelockCalls | None = None
    tx: str | None = None


def run_upgrade(
    manifest_path: Path,
    contract: str,
    account: Any,
    *,
    project: Any,
    provider: Any,
    dry_run: bool = False,
    salt: bytes | None = None,
    echo: Callable[[str], None] = print,
    confirm: Callable[[str], None] | None = None,
    current_layouts: dict[str, Layout] | None = None,
) -> Outcome:
    """`ape run upgrade`: see the module docstring. Raises UpgradeRefused (nothing deployed) on an
    incompatible layout, ValueError on a manifest that does not match the chain."""
    from scripts._suite.manifest import load_manifest

    name = resolve_contract(contract)
    manifest = load_manifest(manifest_path)
    proxy, recorded, recorded_admin = check_tables(manifest, name)
    if not provider.get_code(proxy):
        raise ValueError(f"no contract at {name}'s proxy {proxy} on this network")
    onchain, admin = proxy_slots(provider, proxy)
    if admin.lower() != recorded_admin.lower():
        raise ValueError(f"{name}'s proxy is administered by {admin}, the manifest records {recorded_admin}")
    changed = False
    if onchain.lower() != recorded.lower():
        if not promote_pending(manifest, name, onchain):
            raise ValueError(
                f"{name}'s proxy points to {onchain}, the manifest records {recorded}: "
                "its stored layout may not describe the live implementation"
            )
        echo(f"the pending upgrade of {name} to {onchain} was executed: recorded in the manifest")
        changed = True
        recorded = onchain

    errors, notes, layouts = check_layouts(manifest, name, current_layouts)
    for note in notes:
        echo(f"note: {note}")
    if errors:
        if changed and not dry_run:
            write_manifest(manifest_path, manifest)
        raise UpgradeRefused(errors)

    owner = admin_owner(provider, admin)
    sender = str(account.address)
    delay = None if owner.lower() == sender.lower() else timelock_delay(provider, owner)
    who = (
        "the sender"
        if owner.lower() == sender.lower()
        else (f"a TimelockController (min delay {delay} s)" if delay is not None else "not the sender")
    )
    keys = UPGRADEABLE[name][0]
    deploys = "StakedUSDaiModule, then StakedUSDai(module)" if name == "sUSDai" else UPGRADEABLE[name][1]
    echo(f"upgrade {name}: proxy {proxy}, implementation {recorded}")
    echo(f"ProxyAdmin {admin}, owner {owner} ({who})")
    namespace = layouts[keys[0]]["namespace"]
    echo(
        f"storage layout: compatible with the manifest's ({namespace}, {len(layouts[keys[0]]['members'])} members)"
    )
    echo(f"deploys: {deploys}, from {sender}")

    if dry_run:
        nonce = int(account.nonce)
        predicted = {
            "sUSDaiModule": create_address(sender, nonce),
            "sUSDai": create_address(sender, nonce + 1),
        }
        implementations = predicted if name == "sUSDai" else {name: create_address(sender, nonce)}
        echo(
            f"predicted implementation (sender nonce {nonce}): "
            + ", ".join(f"{k} {v}" for k, v in implementations.items())
        )
    else:
        if confirm is not None:
            confirm(f"the upgrade of {name}")
        from scripts._suite.build import ensure_fresh_build

        ensure_fresh_build(project)
        implementations = deploy_implementation(project, manifest, name, account)
        echo("deployed: " + ", ".join(f"{k} {v}" for k, v in implementations.items()))
    new_impl = implementations[keys[0]]
    data = upgrade_calldata(proxy, new_impl)
    outcome = Outcome("dry-run" if dry_run else "proposed", implementations, data)

    if owner.lower() == sender.lower():
        echo(f"ProxyAdmin.upgradeAndCall({proxy}, {new_impl}, 0x): to {admin}, data 0x{data.hex()}")
        if dry_run:
            echo("dry run: nothing deployed, nothing sent")
            return outcome
        from ape import Contract

        proxy_admin = Contract(admin, abi=PROXY_ADMIN_ABI, fetch_from_explorer=False, detect_proxy=False)
        receipt = proxy_admin.upgradeAndCall(proxy, new_impl, b"", sender=account)
        now_impl, _ = proxy_slots(provider, proxy)
        if now_impl.lower() != new_impl.lower():
            raise ValueError(f"upgradeAndCall was mined but {name}'s proxy points to {now_impl}")
        outcome.kind, outcome.tx = "upgraded", str(receipt.txn_hash)
        record_upgrade(manifest, name, implementations, layouts, tx=outcome.tx)
        write_manifest(manifest_path, manifest)
        echo(f"upgraded: {name} -> {new_impl} (tx {outcome.tx}); manifest {manifest_path} updated")
        return outcome

    echo("the sender does not own the ProxyAdmin: submit this call through governance")
    echo(f"  ProxyAdmin call: to {admin}, value 0")
    echo(f"  data 0x{data.hex()}")
    echo(f"  (upgradeAndCall(proxy {proxy}, implementation {new_impl}, data 0x))")
    proposal: dict[str, Any] = {"to": admin, "data": "0x" + data.hex()}
    if delay is not None:
        calls = TimelockCalls(owner, admin, data, delay, ZERO32, salt or default_salt(name, new_impl))
        outcome.timelock = calls
        echo(f"  timelock {owner}: schedule from a proposer, then execute after {delay} s from an executor")
        echo(
            f"  schedule(target {admin}, value 0, data above, predecessor 0x{ZERO32.hex()}, "
            f"salt 0x{calls.salt.hex()}, delay {delay})"
        )
        echo(f"  schedule data 0x{calls.schedule.hex()}")
        echo(f"  execute data 0x{calls.execute.hex()}")
        echo(f"  operation id 0x{calls.operation_id.hex()}")
        proposal["timelock"] = {
            "address": owner,
            "delay": delay,
            "salt": "0x" + calls.salt.hex(),
            "predecessor": "0x" + ZERO32.hex(),
            "operationId": "0x" + calls.operation_id.hex(),
            "schedule": "0x" + calls.schedule.hex(),
            "execute": "0x" + calls.execute.hex(),
        }
    if dry_run:
        echo("dry run: nothing deployed, nothing sent")
        return outcome
    record_pending(manifest, name, implementations, layouts, proposal)
    write_manifest(manifest_path, manifest)
    echo(f"manifest {manifest_path}: pendingUpgrades.{name} recorded (promoted once the proxy points to it)")
    return outcome
