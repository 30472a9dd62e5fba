"""`ape run upgrade`: the storage-layout check (scripts/_suite/layout.py) and the upgrade itself
(scripts/_suite/upgrade.py, scripts/upgrade.py) on the local chain."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from ape import chain, project

from scripts._suite.deployment import IMPLEMENTATION_SLOT
from scripts._suite.journal import create_address
from scripts._suite.layout import IMPLEMENTATIONS, compare, namespace_layouts, problems
from scripts._suite.upgrade import (
    UpgradeRefused,
    promote_pending,
    proxy_slots,
    resolve_contract,
    run_upgrade,
    upgrade_calldata,
)

ROOT = Path(__file__).resolve().parents[3]
UINT256 = {"label": "uint256", "encoding": "inplace", "bytes": 32}


@pytest.fixture(scope="session")
def layouts() -> dict[str, Any]:
    return namespace_layouts()


def _member(layout_or_struct: dict[str, Any], label: str) -> dict[str, Any]:
    return next(m for m in layout_or_struct["members"] if m["label"] == label)


def _shift(members: list[dict[str, Any]], after: str, slots: int) -> None:
    """Moves every member after `after` by `slots` (what solc does when `after` grows)."""
    index = [m["label"] for m in members].index(after)
    for member in members[index + 1 :]:
        member["slot"] += slots


# ---------------------------------------------------------------- the layouts solc reports


def test_namespace_layouts__every_implementation__its_namespace_and_members(layouts):
    assert set(layouts) == set(IMPLEMENTATIONS)
    auction = layouts["QEVAuction"]
    assert auction["namespace"] == "gpuyield.storage.QEVAuction"
    assert auction["root"] == "0x2495eb36d0c2b58cdc9a4cd512b791c517d9f4fee7692e14e7810dbb03bdce00"
    assert [(m["label"], m["slot"], m["offset"], m["type"]["label"]) for m in auction["members"][:3]] == [
        ("vault", 0, 0, "contract IStakedUSDai"),
        ("bidWindow", 0, 20, "uint32"),
        ("revealWindow", 0, 24, "uint32"),
    ]
    bids = _member(auction, "bids")["type"]
    assert bids["encoding"] == "mapping" and bids["value"]["value"]["label"] == "struct IQEVAuction.Bid"
    assert {m["label"] for m in bids["value"]["value"]["members"]} >= {"commitmentHash"}
    assert layouts["sUSDai"]["members"] == layouts["sUSDaiModule"]["members"]
    assert layouts["sUSDai"]["contract"] == "StakedUSDai" and layouts["sUSDaiModule"]["contract"] == "StakedUSDaiModule"
    for layout in layouts.values():
        assert layout["stateVariables"] == [] and problems(layout) == []
        json.dumps(layout)  # stored as is in the manifest


def test_namespace_layouts__balances_base__inherited_by_usdai_and_susdai(layouts):
    for name in ("USDai", "sUSDai", "sUSDaiModule"):
        (balances,) = layouts[name]["inherited"]
        assert balances["namespace"] == "gpuyield.storage.ERC20Balances"
        assert balances["struct"] == "ERC20BalancesBase.ERC20BalancesStorage"
        assert "declaredRoot" not in balances  # BALANCES_STORAGE_SLOT is erc7201 of its namespace
    assert layouts["QEVAuction"]["inherited"] == []


def test_compare__inherited_balances_reordered__named(layouts):
    old = layouts["USDai"]
    new = copy.deepcopy(old)
    members = new["inherited"][0]["members"]
    assert len(members) >= 2
    members[0]["label"], members[1]["label"] = members[1]["label"], members[0]["label"]
    errors = compare(old, new)
    assert "USDai: ERC20BalancesStorage.words: moved from slot 0 offset 0 to slot 1 offset 0" in errors
    assert "USDai: ERC20BalancesStorage.totalSupply: retyped uint256 -> mapping(address => uint256)" in errors
    assert len(errors) == 4 and all(e.startswith("USDai: ERC20BalancesStorage.") for e in errors), errors


def test_compare__inherited_namespace_dropped__named(layouts):
    old = layouts["sUSDai"]
    new = copy.deepcopy(old)
    new["inherited"] = []
    assert compare(old, new) == [
        f"sUSDai: ERC20BalancesStorage: namespace gpuyield.storage.ERC20Balances ({old['inherited'][0]['root']}) "
        "is no longer used; the state stored under it would be abandoned"
    ]


def test_namespace_layouts__no_source_changed__read_from_the_cache(layouts):
    assert (ROOT / ".build" / "layouts.json").is_file()
    assert namespace_layouts(["QEVAuction"]) == {"QEVAuction": layouts["QEVAuction"]}


# ---------------------------------------------------------------- compare


def test_compare__identical__compatible(layouts):
    for layout in layouts.values():
        assert compare(layout, copy.deepcopy(layout)) == []


def test_compare__member_appended__compatible(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    new["members"].append({"label": "upgradedAt", "slot": 5, "offset": 0, "type": UINT256})
    assert compare(old, new) == []


def test_compare__member_appended_to_a_mapping_value_struct__compatible(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    round_type = _member(new, "rounds")["type"]["value"]
    round_type["members"].append({"label": "extra", "slot": 1, "offset": 0, "type": UINT256})
    round_type["bytes"] += 32
    assert compare(old, new) == []


def test_compare__last_member_an_inline_struct_that_grows__compatible(layouts):
    old = copy.deepcopy(layouts["sUSDai"])
    old["members"] = old["members"][: [m["label"] for m in old["members"]].index("queue") + 1]
    new = copy.deepcopy(old)
    queue = _member(new, "queue")["type"]
    queue["members"].append({"label": "flags", "slot": 1, "offset": 0, "type": UINT256})
    queue["bytes"] += 32
    assert compare(old, new) == []


def test_compare__two_members_swapped__both_named(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    first, second = _member(new, "bidWindow"), _member(new, "revealWindow")
    first["label"], second["label"] = "revealWindow", "bidWindow"
    errors = compare(old, new)
    assert errors == [
        "QEVAuction: AuctionStorage.bidWindow: moved from slot 0 offset 20 to slot 0 offset 24",
        "QEVAuction: AuctionStorage.revealWindow: moved from slot 0 offset 24 to slot 0 offset 20",
    ]


def test_compare__member_retyped__named(layouts):
    old = layouts["sUSDai"]
    new = copy.deepcopy(old)
    # uint96 -> uint256: solc moves it off the auction's slot to a slot of its own, and all that follows.
    member = _member(new, "minRequestShares")
    member["type"] = dict(UINT256)
    _shift(new["members"], "minRequestShares", 1)
    errors = compare(old, new)
    assert "sUSDai: VaultStorage.minRequestShares: retyped uint96 -> uint256" in errors
    assert any(e.startswith("sUSDai: VaultStorage.queue: moved from slot") for e in errors)


def test_compare__member_removed__named(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    new["members"] = [m for m in new["members"] if m["label"] != "priority"]
    assert compare(old, new) == [
        "QEVAuction: AuctionStorage.priority: removed "
        "(was mapping(uint256 => mapping(uint256 => uint256)) at slot 4 offset 0)"
    ]


def test_compare__nested_inline_struct_grown__named_with_what_shifts(layouts):
    old = layouts["sUSDai"]
    new = copy.deepcopy(old)
    queue = _member(new, "queue")["type"]
    queue["members"].append({"label": "flags", "slot": 1, "offset": 0, "type": UINT256})
    queue["bytes"] += 32
    _shift(new["members"], "queue", 1)
    errors = compare(old, new)
    assert errors[0].startswith("sUSDai: VaultStorage.queue: inline struct grew from 1 to 2 slots")
    assert any(e.startswith("sUSDai: VaultStorage.cursor: moved from slot") for e in errors)


def test_compare__mapping_value_member_retyped__named_by_path(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    bid = _member(new, "bids")["type"]["value"]["value"]
    bid["members"][0]["type"] = {"label": "uint256", "encoding": "inplace", "bytes": 32}
    assert compare(old, new) == [
        f"QEVAuction: AuctionStorage.bids[][].{bid['members'][0]['label']}: retyped bytes32 -> uint256"
    ]


def test_compare__inserted_in_the_middle__named(layouts):
    old = layouts["CreditPolicy"]
    new = copy.deepcopy(old)
    new["members"].insert(1, {"label": "paused", "slot": 1, "offset": 0, "type": UINT256})
    _shift(new["members"], "paused", 1)
    errors = compare(old, new)
    assert errors == [
        "CreditPolicy: CreditPolicyStorage.nonces: moved from slot 1 offset 0 to slot 2 offset 0",
        "CreditPolicy: CreditPolicyStorage.curves: moved from slot 2 offset 0 to slot 3 offset 0",
        "CreditPolicy: CreditPolicyStorage.paused: inserted before nonces (uint256 at slot 1 offset 0); "
        "new members go at the end",
    ]


def test_compare__renamed_in_place__compatible_with_a_note(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    _member(new, "minFeeBps")["label"] = "reserveFeeBps"
    notes: list[str] = []
    assert compare(old, new, notes) == []
    assert notes == [
        "QEVAuction: AuctionStorage.minFeeBps: renamed to reserveFeeBps (same slot 1 offset 0 and type uint16); "
        "compatible in storage"
    ]


def test_compare__renamed_and_retyped__removed_and_added(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    member = _member(new, "minFeeBps")
    member["label"], member["type"] = "reserveFee", dict(UINT256)
    assert compare(old, new) == [
        "QEVAuction: AuctionStorage.minFeeBps: removed (was uint16 at slot 1 offset 0)",
        "QEVAuction: AuctionStorage.reserveFee: inserted before rounds (uint256 at slot 1 offset 0); "
        "new members go at the end",
    ]


def test_compare__address_and_interface_types__interchangeable(layouts):
    old = layouts["QEVAuction"]
    new = copy.deepcopy(old)
    _member(new, "vault")["type"]["label"] = "address"
    assert compare(old, new) == []


def test_compare__namespace_changed__named(layouts):
    old = layouts["LoanBook"]
    new = copy.deepcopy(old)
    new["namespace"], new["root"] = "gpuyield.storage.LoanBookV2", "0x" + "11" * 32
    assert compare(old, new) == [
        f"LoanBook: LoanBookStorage: namespace changed from gpuyield.storage.LoanBook ({old['root']}) to "
        f"gpuyield.storage.LoanBookV2 (0x{'11' * 32}); the state stored under the old root would be abandoned"
    ]


def test_namespace_layouts__edited_sources__solc_reports_the_changes(layouts, tmp_path):
    """A scratch copy of the sources with two members swapped, one appended, an inline struct grown and a
    state variable outside the namespace: the real compiler output, compared with the current one."""
    for folder in ("contracts", "interfaces"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns(".cache"))
    for name in ("ape-config.yaml", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "solc-shim.js", tmp_path / "tools" / "solc-shim.js")
    os.symlink(ROOT / "node_modules", tmp_path / "node_modules")
    if (ROOT / "contracts" / ".cache").is_dir():
        os.symlink((ROOT / "contracts" / ".cache").resolve(), tmp_path / "contracts" / ".cache")
    auction = tmp_path / "contracts" / "QEVAuction.sol"
    text = auction.read_text()
    swapped = "        uint32 revealWindow;\n        uint32 bidWindow;\n"
    text = text.replace("        uint32 bidWindow;\n        uint32 revealWindow;\n", swapped, 1)
    assert swapped in text
    text = text.replace(
        "        mapping(uint256 cycleId => mapping(uint256 word => uint256)) priority;\n    }\n",
        "        mapping(uint256 cycleId => mapping(uint256 word => uint256)) priority;\n"
        "        uint64 upgradedAt;\n    }\n\n    uint256 internal strayCounter;\n",
        1,
    )
    auction.write_text(text)
    base = tmp_path / "contracts" / "StakedUSDaiBase.sol"
    text = base.read_text()
    # Queue (inline in VaultStorage, one full slot) and ClaimList (a mapping value) each get a member.
    queue_end = "        uint32 lockedBonds; // requests holding a QEV bond\n"
    claim_list_end = "        uint160 pending;\n    }\n"
    assert queue_end in text and claim_list_end in text
    text = text.replace(queue_end, queue_end + "        uint8 flags;\n", 1)
    text = text.replace(claim_list_end, "        uint160 pending;\n        uint8 flags;\n    }\n", 1)
    base.write_text(text)
    module = tmp_path / "contracts" / "StakedUSDaiModule.sol"
    module.write_text(module.read_text().replace("lockedBonds: 0})", "lockedBonds: 0, flags: 0})", 1))

    edited = namespace_layouts(["QEVAuction", "sUSDai"], root=tmp_path)

    assert _member(edited["QEVAuction"], "upgradedAt")["slot"] == 5
    assert compare(layouts["QEVAuction"], edited["QEVAuction"]) == [
        "QEVAuction: AuctionStorage.bidWindow: moved from slot 0 offset 20 to slot 0 offset 24",
        "QEVAuction: AuctionStorage.revealWindow: moved from slot 0 offset 24 to slot 0 offset 20",
        "QEVAuction: QEVAuction.strayCounter: state variable outside the namespace (slot 0, uint256); "
        "an upgradeable implementation keeps its state in gpuyield.storage.QEVAuction",
    ]
    vault_errors = compare(layouts["sUSDai"], edited["sUSDai"])
    assert vault_errors[0] == (
        "sUSDai: VaultStorage.queue: inline struct grew from 1 to 2 slots (struct StakedUSDaiBase.Queue); "
        "what is stored after it would shift"
    )
    assert "sUSDai: VaultStorage.cursor: moved from slot" in vault_errors[1]
    assert all("lists[]" not in e for e in vault_errors)  # a mapping value may grow at its end
    lists_value = _member(edited["sUSDai"], "lists")["type"]["value"]
    assert lists_value["bytes"] == 64 and lists_value["members"][-1]["label"] == "flags"


# ---------------------------------------------------------------- the upgrade on the local chain


def test_resolve_contract__any_case_or_solidity_name():
    assert resolve_contract("qevauction") == "QEVAuction"
    assert resolve_contract("SUSDAI") == "sUSDai"
    assert resolve_contract("StakedUSDai") == "sUSDai"
    with pytest.raises(ValueError, match="upgraded with its vault"):
        resolve_contract("StakedUSDaiModule")
    with pytest.raises(ValueError, match="no upgradeable contract"):
        resolve_contract("wM")


@pytest.fixture
def manifest_path(suite, layouts, tmp_path) -> Path:
    data = suite.manifest()
    data["storageLayouts"] = namespace_layouts(suite.implementations)
    path = tmp_path / "local.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def _impl(address: str) -> str:
    return proxy_slots(chain.provider, address)[0]


def _auction_state(auction: Any, governance: Any) -> tuple[Any, ...]:
    return (
        auction.vault(),
        auction.bidWindow(),
        auction.revealWindow(),
        auction.maxBids(),
        auction.keeperTipBps(),
        auction.minFeeBps(),
        auction.hasRole(auction.DEFAULT_ADMIN_ROLE(), governance),
    )


def test_upgrade__governance_owns_the_admin__upgraded_state_kept_manifest_updated(
    suite, governance, manifest_path
):
    auction = suite.auction
    auction.setMinFee(25, sender=governance)
    before = _auction_state(auction, governance)
    old = _impl(auction.address)
    lines: list[str] = []

    outcome = run_upgrade(
        manifest_path, "qevauction", governance, project=project, provider=chain.provider, echo=lines.append
    )

    new = outcome.implementations["QEVAuction"]
    assert outcome.kind == "upgraded" and new != old
    raw = chain.provider.get_storage(auction.address, IMPLEMENTATION_SLOT)
    assert "0x" + bytes(raw)[-20:].hex() == new.lower()
    assert _auction_state(auction, governance) == before
    auction.setMinFee(30, sender=governance)  # the new implementation runs on the old state
    assert auction.minFeeBps() == 30
    saved = json.loads(manifest_path.read_text())
    assert saved["implementations"]["QEVAuction"] == new
    assert saved["storageLayouts"]["QEVAuction"] == namespace_layouts(["QEVAuction"])["QEVAuction"]
    (entry,) = saved["history"]
    assert entry["contract"] == "QEVAuction" and entry["implementations"] == {"QEVAuction": old}
    assert entry["replacedBy"] == {"QEVAuction": new} and entry["replacedAt"][:4].isdigit()
    assert entry["tx"].startswith("0x")
    assert any(line.startswith("upgraded: QEVAuction") for line in lines)


def test_upgrade__stored_layout_differs__refused_per_field_nothing_deployed(
    suite, deployer, governance, manifest_path, capsys
):
    from scripts.upgrade import cli

    data = json.loads(manifest_path.read_text())
    stored = data["storageLayouts"]["QEVAuction"]
    # As if the deployed build had a uint32 minFeeBps and revealWindow before bidWindow.
    _member(stored, "minFeeBps")["type"] = {"label": "uint32", "encoding": "inplace", "bytes": 4}
    first, second = _member(stored, "bidWindow"), _member(stored, "revealWindow")
    first["label"], second["label"] = "revealWindow", "bidWindow"
    manifest_path.write_text(json.dumps(data, indent=2))
    before_file = manifest_path.read_bytes()
    nonces = (deployer.nonce, governance.nonce)
    old = _impl(suite.auction.address)

    with pytest.raises(SystemExit) as exit_info:
        cli.callback(
            account=governance, contract="QEVAuction", manifest=manifest_path, salt=None, dry_run=False, yes=True
        )

    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "refused: the new storage layout is incompatible (3 change(s)):",
        "QEVAuction: AuctionStorage.revealWindow: moved from slot 0 offset 20 to slot 0 offset 24",
        "QEVAuction: AuctionStorage.bidWindow: moved from slot 0 offset 24 to slot 0 offset 20",
        "QEVAuction: AuctionStorage.minFeeBps: retyped uint32 -> uint16",
    ]
    assert (deployer.nonce, governance.nonce) == nonces
    assert _impl(suite.auction.address) == old
    assert manifest_path.read_bytes() == before_file


def test_upgrade__dry_run__prints_the_plan_sends_nothing(suite, governance, manifest_path):
    before_file = manifest_path.read_bytes()
    nonce = governance.nonce
    old = _impl(suite.auction.address)
    lines: list[str] = []

    outcome = run_upgrade(
        manifest_path, "QEVAuction", governance, project=project, provider=chain.provider, dry_run=True,
        echo=lines.append,
    )

    predicted = create_address(str(governance.address), nonce)
    assert outcome.kind == "dry-run" and outcome.implementations == {"QEVAuction": predicted}
    assert f"data 0x{upgrade_calldata(suite.auction.address, predicted).hex()}" in "\n".join(lines)
    assert lines[-1] == "dry run: nothing deployed, nothing sent"
    assert governance.nonce == nonce and _impl(suite.auction.address) == old
    assert manifest_path.read_bytes() == before_file


def test_upgrade__sender_not_the_owner__calldata_for_governance_then_recorded(
    suite, deployer, governance, manifest_path
):
    lines: list[str] = []
    outcome = run_upgrade(
        manifest_path, "QEVAuction", deployer, project=project, provider=chain.provider, echo=lines.append
    )
    new = outcome.implementations["QEVAuction"]
    assert outcome.kind == "proposed" and outcome.timelock is None
    assert f"  data 0x{outcome.calldata.hex()}" in lines
    saved = json.loads(manifest_path.read_text())
    assert saved["pendingUpgrades"]["QEVAuction"]["implementations"] == {"QEVAuction": new}
    assert saved["implementations"]["QEVAuction"] != new

    governance.transfer(suite.proxy_admins["QEVAuction"], 0, data=outcome.calldata)  # governance sends it

    assert _impl(suite.auction.address) == new
    assert promote_pending(saved, "QEVAuction", new)
    assert saved["implementations"]["QEVAuction"] == new and "pendingUpgrades" not in saved
    assert saved["history"][-1]["replacedBy"] == {"QEVAuction": new}


def _deploy_timelock(delay: int, member: Any, sender: Any) -> Any:
    """The project's TimelockController (`SuiteTimelock`, or OpenZeppelin's own if compiled) with
    `member` as its proposer and executor; None if the project compiles neither."""
    for name, extra in (("SuiteTimelock", ()), ("TimelockController", ("0x" + "00" * 20,))):
        try:
            container = getattr(project, name)
        except AttributeError:
            continue
        return container.deploy(delay, [member], [member], *extra, sender=sender)
    return None


def test_upgrade__timelock_owner__schedule_and_execute_calldata(suite, deployer, governance, manifest_path):
    delay = 3600
    timelock = _deploy_timelock(delay, governance, deployer)
    if timelock is None:
        pytest.skip("no TimelockController compiled in the project")
    admin = suite.proxy_admins["QEVAuction"]
    transfer_ownership = bytes.fromhex("f2fde38b") + bytes(12) + bytes.fromhex(str(timelock.address)[2:])
    governance.transfer(admin, 0, data=transfer_ownership)
    lines: list[str] = []

    outcome = run_upgrade(
        manifest_path, "QEVAuction", governance, project=project, provider=chain.provider, echo=lines.append
    )

    calls = outcome.timelock
    assert outcome.kind == "proposed" and calls is not None and calls.delay == delay
    assert calls.target == admin and calls.data == outcome.calldata
    governance.transfer(timelock, 0, data=calls.schedule)
    assert timelock.isOperationPending(calls.operation_id)
    chain.pending_timestamp = chain.pending_timestamp + delay
    governance.transfer(timelock, 0, data=calls.execute)
    new = outcome.implementations["QEVAuction"]
    assert _impl(suite.auction.address) == new
    saved = json.loads(manifest_path.read_text())
    assert saved["pendingUpgrades"]["QEVAuction"]["timelock"]["operationId"] == "0x" + calls.operation_id.hex()
    assert promote_pending(saved, "QEVAuction", new)


def test_upgrade__refused_manifest_run_through_run_upgrade__raises_with_the_lines(governance, manifest_path):
    data = json.loads(manifest_path.read_text())
    data["storageLayouts"]["QEVAuction"]["members"].pop()  # the stored build had no `priority`? then the new adds one
    data["storageLayouts"]["QEVAuction"]["members"].append(
        {"label": "legacy", "slot": 4, "offset": 0, "type": dict(UINT256)}
    )
    manifest_path.write_text(json.dumps(data))
    with pytest.raises(UpgradeRefused) as refused:
        run_upgrade(manifest_path, "QEVAuction", governance, project=project, provider=chain.provider, echo=print)
    assert refused.value.lines == [
        "QEVAuction: AuctionStorage.legacy: removed (was uint256 at slot 4 offset 0)",
        "QEVAuction: AuctionStorage.priority: added at slot 4 offset 0, inside the old layout",
    ]
