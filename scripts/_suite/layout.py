"""Storage layouts of the upgradeable implementations, and what an upgrade may change in them.

Every core contract keeps its state in one ERC-7201 namespaced struct (docs/DESIGN.md, "Storage").
`namespace_layouts()` asks solc for the layout of each such struct: solc reports `storageLayout` for
state variables only, so a scratch harness declaring one state variable of each struct type
(`QEVAuction.AuctionStorage internal s4;`) is compiled through the solc shim, analysis only (no
bytecode), with the project's remappings. The same compilation reports the storage of the
implementations themselves: an implementation behind a proxy must declare no state variable outside
its namespace (constants, immutables and transient variables take no slot), and any it declares is
listed in the layout's `stateVariables` and refused by `problems()`/`compare()`. The result is cached
in `.build/layouts.json` under a hash of the project sources and the compiler settings.

A layout is plain JSON (it is stored in the deploy manifest's `storageLayouts` table): the namespace
id, its root slot, and per member of the struct its label, slot (relative to the root), offset, and
type, recursively (`members` of a struct, `key`/`value` of a mapping, `base` of an array).

`compare(old, new)` lists every change that would corrupt the state already stored behind a proxy:

- a member removed, moved (slot or offset), or retyped (label, size or encoding; for a struct, its
  members compared recursively; for a mapping, its key and value);
- a member inserted anywhere but after the old members' storage (appended at the end is fine);
- an inline struct (or static array) that grows, unless nothing of the old layout follows it (the
  last member of the namespaced struct, recursively); a struct that is a mapping value may grow at
  its end (each value has its own hashed location), an array element may not (the stride changes);
- a changed namespace id (a new root: the old state is left behind);
- any state variable outside the namespace in the new implementation.

Decisions: `address`, `address payable` and any `contract X` are one type (the same 20 bytes; OZ's
upgrades plugin agrees); a struct is compared by its members, not its name (moving a struct's
declaration to an interface changes nothing in storage); an enum keeps its label and size when values
are appended (compatible, and not visible to this check: removing or reordering enum values is
not detected). A rename, i.e. an old member missing from the new struct while a new member occupies
exactly its slot and offset with the same type, is compatible: storage is what this check guards,
and the stored value keeps its meaning only if the rename says so, which is for review to judge;
`compare(..., notes=[...])` reports it, and the upgrade CLI prints it. Two members that both still
exist but traded places (a swap) are incompatible: each reads the other's value.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from eth_utils.crypto import keccak

from scripts._suite.build import project_sources, settings_key

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = Path(".build") / "layouts.json"
# Bump when the shape of a layout or the harness changes: older cache entries are recomputed.
LAYOUT_VERSION = 2
SHIM = Path("tools") / "solc-shim.js"

# Manifest implementation name -> (the Solidity contract deployed, the contract declaring its namespace).
IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "USDai": ("USDai", "USDai"),
    "sUSDai": ("StakedUSDai", "StakedUSDaiBase"),
    "sUSDaiModule": ("StakedUSDaiModule", "StakedUSDaiBase"),
    "RedemptionTicket": ("RedemptionTicket", "RedemptionTicket"),
    "QEVAuction": ("QEVAuction", "QEVAuction"),
    "CaliberReceipt": ("CaliberReceipt", "CaliberReceipt"),
    "FiLoRegistry": ("FiLoRegistry", "FiLoRegistry"),
    "LoanBook": ("LoanBook", "LoanBook"),
    "CreditPolicy": ("CreditPolicy", "CreditPolicy"),
}

# Namespaces an implementation inherits from a shared base, besides its own (checked the same way).
INHERITED: dict[str, tuple[str, ...]] = {
    "USDai": ("ERC20BalancesBase",),
    "sUSDai": ("ERC20BalancesBase",),
    "sUSDaiModule": ("ERC20BalancesBase",),
}

_NAMESPACE = re.compile(r"@custom:storage-location\s+erc7201:([\w.\-]+)\s*\n\s*struct\s+(\w+)")
_SLOT_CONSTANT = re.compile(
    r"bytes32\s+(?:private|internal)\s+constant\s+\w*STORAGE_SLOT\s*=\s*(0x[0-9a-fA-F]{64})\s*;"
)
_ADDRESS_LIKE = re.compile(r"^(address|address payable|contract \S+)$")


class TypeLayout(TypedDict):
    """A storage type as solc describes it, without AST ids: `label` (e.g. `uint128`,
    `mapping(uint256 => struct IQEVAuction.Bid)`), `encoding` (`inplace`, `mapping`,
    `dynamic_array`, `bytes`), `bytes` (its size in place), and what it is made of."""

    label: str
    encoding: str
    bytes: int
    members: NotRequired[list[MemberLayout]]
    key: NotRequired[TypeLayout]
    value: NotRequired[TypeLayout]
    base: NotRequired[TypeLayout]


class MemberLayout(TypedDict):
    label: str
    slot: int  # relative to the enclosing struct (the namespace root for the top level)
    offset: int  # bytes within the slot
    type: TypeLayout


class StateVariable(TypedDict):
    contract: str  # the declaring contract, as solc names it (`contracts/X.sol:X`)
    label: str
    slot: int
    offset: int
    type: str


class Layout(TypedDict):
    name: str  # the manifest's implementation name (`sUSDai`)
    contract: str  # the Solidity contract deployed (`StakedUSDai`)
    source: str  # where the namespaced struct is declared (`contracts/StakedUSDaiBase.sol`)
    struct: str  # `StakedUSDaiBase.VaultStorage`
    namespace: str  # `gpuyield.storage.StakedUSDai`
    root: str  # erc7201(namespace), 0x-prefixed 32 bytes
    bytes: int  # the struct's size from the root
    members: list[MemberLayout]
    # State variables of the implementation outside any namespace (must be empty).
    stateVariables: list[StateVariable]
    # The source's STORAGE_SLOT constant when it is not erc7201(namespace) (else absent).
    declaredRoot: NotRequired[str]
    # Namespaces inherited from shared bases (`INHERITED`), each laid out like the implementation's own.
    inherited: NotRequired[list[Layout]]


class LayoutError(RuntimeError):
    """The layouts cannot be computed (a source, the compiler or a dependency is missing)."""


def erc7201_root(namespace: str) -> int:
    """keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~0xff."""
    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


# ---------------------------------------------------------------- computing layouts


def namespace_layouts(names: Iterable[str] | None = None, *, root: Path | None = None) -> dict[str, Layout]:
    """The layout of each implementation's namespaced struct, keyed by the deploy manifest's
    implementation names (`IMPLEMENTATIONS`; default: all of them). Computed from the current sources
    (one analysis-only solc run, a few seconds) or read from the cache when no source changed."""
    root = (root or ROOT).resolve()
    wanted = list(IMPLEMENTATIONS) if names is None else list(names)
    unknown = [n for n in wanted if n not in IMPLEMENTATIONS]
    if unknown:
        raise KeyError(
            f"no upgradeable implementation named {unknown[0]!r} (known: {', '.join(IMPLEMENTATIONS)})"
        )
    key = _cache_key(root)
    cache_path = root / CACHE
    layouts: dict[str, Layout] | None = None
    try:
        cached = json.loads(cache_path.read_text())
        if cached.get("key") == key:
            layouts = cached["layouts"]
    except (OSError, ValueError, KeyError, AttributeError):
        layouts = None
    if layouts is None or any(n not in layouts for n in IMPLEMENTATIONS):
        layouts = _compute(root)
        _write_atomic(cache_path, json.dumps({"key": key, "layouts": layouts}, sort_keys=True))
    return {n: layouts[n] for n in wanted}


def _cache_key(root: Path) -> str:
    digest = hashlib.sha256()
    digest.update(f"layout-v{LAYOUT_VERSION}".encode())
    digest.update(json.dumps(project_sources(root), sort_keys=True).encode())
    digest.update(settings_key(root).encode())
    return digest.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _namespace_of(root: Path, declaring: str) -> tuple[str, str, str, int | None]:
    """(source path, struct name, namespace id, STORAGE_SLOT constant) declared by `declaring`."""
    source = f"contracts/{declaring}.sol"
    try:
        text = (root / source).read_text("utf8")
    except OSError:
        raise LayoutError(f"{source} not found (the namespace of {declaring})") from None
    found = _NAMESPACE.findall(text)
    if len(found) != 1:
        raise LayoutError(
            f"{source}: expected one `@custom:storage-location erc7201:` struct, found {len(found)}"
        )
    namespace, struct = found[0]
    constant = _SLOT_CONSTANT.search(text)
    return source, struct, namespace, int(constant.group(1), 16) if constant else None


def _remappings(root: Path) -> list[str]:
    """ape-config.yaml's `solidity.import_remapping`, each target resolved to a folder on disk: the
    dependency copy under `contracts/.cache` (where ape-solidity compiles from), else Ape's package
    store, else `node_modules` when its version is the configured one."""
    import yaml

    config = yaml.safe_load((root / "ape-config.yaml").read_text()) or {}
    dependencies = {str(d.get("name")): d for d in config.get("dependencies", []) or []}
    data_folder = Path(os.environ.get("APE_DATA_FOLDER", Path.home() / ".ape"))
    resolved: list[str] = []
    for entry in (config.get("solidity", {}) or {}).get("import_remapping", []) or []:
        prefix, _, target = str(entry).partition("=")
        name, _, version = target.partition("/")
        candidates = [root / "contracts" / ".cache" / target, root / ".solc-deps" / target]
        dependency = dependencies.get(name)
        if dependency and dependency.get("npm"):
            npm = str(dependency["npm"])
            candidates.append(
                data_folder / "packages" / "projects" / npm.replace("/", "_") / version.replace(".", "_")
            )
            package = root / "node_modules" / npm
            try:
                if json.loads((package / "package.json").read_text()).get("version") == version:
                    candidates.append(package)
            except (OSError, ValueError):
                pass
        folder = next((c for c in candidates if c.is_dir() and any(c.iterdir())), None)
        if folder is None:
            raise LayoutError(f"remapping {entry}: no copy of {target} found (run `make compile` once)")
        resolved.append(f"{prefix}={folder.resolve().as_posix()}")
    return resolved


def _harness(specs: Mapping[str, tuple[str, str, str]]) -> str:
    """One state variable per namespaced struct, declared as `Contract.Struct` (a struct declared in a
    contract is visible as such); every implementation is imported, so solc reports its storage too."""
    imports = sorted(
        {(declaring, source) for declaring, source, _ in specs.values()}
        | {(contract, f"contracts/{contract}.sol") for contract, _ in IMPLEMENTATIONS.values()}
    )
    lines = ["// SPDX-License-Identifier: UNLICENSED", "pragma solidity >=0.8.0;"]
    lines += [f'import {{{declaring}}} from "{source}";' for declaring, source in imports]
    lines.append("contract LayoutHarness {")
    for declaring, _, struct in sorted(set(specs.values())):
        lines.append(f"    {declaring}.{struct} internal {declaring}__{struct};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _compute(root: Path) -> dict[str, Layout]:
    specs: dict[str, tuple[str, str, str]] = {}  # declaring contract -> (declaring, source, struct)
    namespaces: dict[str, tuple[str, str, int | None]] = {}
    declarers = {declaring for _, declaring in IMPLEMENTATIONS.values()} | {b for bases in INHERITED.values() for b in bases}
    for declaring in sorted(declarers):
        source, struct, namespace, constant = _namespace_of(root, declaring)
        specs[declaring] = (declaring, source, struct)
        namespaces[declaring] = (struct, namespace, constant)
    harness_name = "__layout__/LayoutHarness.sol"
    selection: dict[str, dict[str, list[str]]] = {harness_name: {"LayoutHarness": ["storageLayout"]}}
    for contract, _ in IMPLEMENTATIONS.values():
        selection.setdefault(f"contracts/{contract}.sol", {})[contract] = ["storageLayout"]
    request = {
        "language": "Solidity",
        "sources": {harness_name: {"content": _harness(specs)}},
        "settings": {"remappings": _remappings(root), "outputSelection": selection},
    }
    output = _solc(root, request)
    harness = output["contracts"][harness_name]["LayoutHarness"]["storageLayout"]
    types: Mapping[str, Any] = harness.get("types") or {}
    by_variable = {entry["label"]: entry for entry in harness["storage"]}
    layouts: dict[str, Layout] = {}

    def namespaced(name: str, contract: str, declaring: str) -> Layout:
        struct, namespace, constant = namespaces[declaring]
        struct_type = types[by_variable[f"{declaring}__{struct}"]["type"]]
        root_slot = erc7201_root(namespace)
        layout: Layout = {
            "name": name,
            "contract": contract,
            "source": specs[declaring][1],
            "struct": f"{declaring}.{struct}",
            "namespace": namespace,
            "root": f"0x{root_slot:064x}",
            "bytes": int(struct_type["numberOfBytes"]),
            "members": [_member(m, types) for m in struct_type["members"]],
            "stateVariables": [],
        }
        if constant is not None and constant != root_slot:
            layout["declaredRoot"] = f"0x{constant:064x}"
        return layout

    for name, (contract, declaring) in IMPLEMENTATIONS.items():
        plain = output["contracts"][f"contracts/{contract}.sol"][contract]["storageLayout"]
        layout = namespaced(name, contract, declaring)
        layout.update({
            "inherited": [namespaced(name, contract, base) for base in INHERITED.get(name, ())],
            "stateVariables": [
                {
                    "contract": str(v["contract"]),
                    "label": str(v["label"]),
                    "slot": int(v["slot"]),
                    "offset": int(v["offset"]),
                    "type": str((plain.get("types") or {}).get(v["type"], {}).get("label", v["type"])),
                }
                for v in plain.get("storage", [])
            ],
        })
        layouts[name] = layout
    return layouts


def _solc(root: Path, request: Mapping[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise LayoutError("node is not on PATH (the solc shim runs on it): `source <(make -s env)`")
    try:
        proc = subprocess.run(
            [node, str(root / SHIM), "--standard-json", "--base-path", str(root)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
        )
    except OSError as exc:
        raise LayoutError(f"cannot run the solc shim: {exc}") from None
    if proc.returncode != 0:
        raise LayoutError(f"solc shim failed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    output: dict[str, Any] = json.loads(proc.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        first = str(errors[0].get("formattedMessage") or errors[0].get("message")).strip().splitlines()[0]
        raise LayoutError(f"solc refused the layout harness: {first}")
    return output


def _type(type_id: str, types: Mapping[str, Any]) -> TypeLayout:
    raw = types[type_id]
    out: TypeLayout = {
        "label": str(raw["label"]),
        "encoding": str(raw["encoding"]),
        "bytes": int(raw["numberOfBytes"]),
    }
    if "members" in raw:
        out["members"] = [_member(m, types) for m in raw["members"]]
    if "key" in raw:
        out["key"] = _type(raw["key"], types)
    if "value" in raw:
        out["value"] = _type(raw["value"], types)
    if "base" in raw:
        out["base"] = _type(raw["base"], types)
    return out


def _member(raw: Mapping[str, Any], types: Mapping[str, Any]) -> MemberLayout:
    return {
        "label": str(raw["label"]),
        "slot": int(raw["slot"]),
        "offset": int(raw["offset"]),
        "type": _type(str(raw["type"]), types),
    }


# ---------------------------------------------------------------- comparing layouts


def problems(layout: Layout) -> list[str]:
    """What is wrong with a layout on its own: state outside the namespace, a slot constant that is
    not the namespace's root."""
    name = layout["name"]
    found = [
        f"{name}: {v['contract'].rpartition(':')[2]}.{v['label']}: state variable outside the namespace "
        f"(slot {v['slot']}, {v['type']}); an upgradeable implementation keeps its state in {layout['namespace']}"
        for v in layout["stateVariables"]
    ]
    for namespaced in (layout, *layout.get("inherited", [])):
        if "declaredRoot" in namespaced:
            found.append(
                f"{name}: {namespaced['struct']}: STORAGE_SLOT {namespaced['declaredRoot']} is not "
                f"erc7201({namespaced['namespace']}) = {namespaced['root']}"
            )
    return found


def compare(old: Layout, new: Layout, notes: list[str] | None = None) -> list[str]:
    """Every incompatibility of `new` with state written under `old`, one line each, naming the
    contract, the struct path and the member. Compatible renames go to `notes` when given."""
    name = new["name"]
    struct = new["struct"].rpartition(".")[2]
    errors: list[str] = []
    if old["namespace"] != new["namespace"] or old["root"].lower() != new["root"].lower():
        errors.append(
            f"{name}: {struct}: namespace changed from {old['namespace']} ({old['root']}) to "
            f"{new['namespace']} ({new['root']}); the state stored under the old root would be abandoned"
        )
    _compare_members(
        name, struct, old["members"], new["members"], True, errors, [] if notes is None else notes
    )
    # Namespaces inherited from shared bases (the balances of USDai and sUSDai): each one the old
    # implementation used must still be there, laid out compatibly.
    kept = {n["namespace"]: n for n in new.get("inherited", [])}
    for base in old.get("inherited", []):
        if base["namespace"] not in kept:
            errors.append(
                f"{name}: {base['struct'].rpartition('.')[2]}: namespace {base['namespace']} ({base['root']}) is no "
                "longer used; the state stored under it would be abandoned"
            )
            continue
        now = kept[base["namespace"]]
        _compare_members(
            name, now["struct"].rpartition(".")[2], base["members"], now["members"], True, errors,
            [] if notes is None else notes,
        )
    return errors + problems(new)


def _end(member: MemberLayout) -> int:
    return member["slot"] * 32 + member["offset"] + member["type"]["bytes"]


def _position(member: MemberLayout) -> str:
    return f"slot {member['slot']} offset {member['offset']}"


def _same_scalar(old: str, new: str) -> bool:
    return old == new or bool(_ADDRESS_LIKE.match(old) and _ADDRESS_LIKE.match(new))


def _compare_members(
    name: str,
    path: str,
    old: list[MemberLayout],
    new: list[MemberLayout],
    growable: bool,
    errors: list[str],
    notes: list[str],
) -> None:
    """Members of one struct at `path`. `growable`: the struct may extend past its old size (nothing
    of the old layout follows it)."""
    new_by_label = {m["label"]: m for m in new}
    old_labels = {m["label"] for m in old}
    renamed: dict[str, str] = {}  # new label -> old label
    last_old = max(old, key=_end)["label"] if old else None
    for member in old:
        where = f"{name}: {path}.{member['label']}"
        match = new_by_label.get(member["label"])
        if match is None:
            twin = next(
                (
                    m
                    for m in new
                    if m["label"] not in old_labels
                    and m["label"] not in renamed
                    and (m["slot"], m["offset"]) == (member["slot"], member["offset"])
                    and _type_equal(member["type"], m["type"])
                ),
                None,
            )
            if twin is not None:
                renamed[twin["label"]] = member["label"]
                notes.append(
                    f"{where}: renamed to {twin['label']} (same {_position(member)} and type "
                    f"{member['type']['label']}); compatible in storage"
                )
            else:
                errors.append(f"{where}: removed (was {member['type']['label']} at {_position(member)})")
            continue
        if (match["slot"], match["offset"]) != (member["slot"], member["offset"]):
            errors.append(f"{where}: moved from {_position(member)} to {_position(match)}")
        last = growable and member["label"] == last_old
        _compare_type(name, f"{path}.{member['label']}", member["type"], match["type"], last, errors, notes)
    old_end = max((_end(m) for m in old), default=0)
    for index, member in enumerate(new):
        if member["label"] in old_labels or member["label"] in renamed:
            continue
        where = f"{name}: {path}.{member['label']}"
        later = [m["label"] for m in new[index + 1 :] if m["label"] in old_labels or m["label"] in renamed]
        if later:
            errors.append(
                f"{where}: inserted before {later[0]} ({member['type']['label']} at {_position(member)}); "
                "new members go at the end"
            )
        elif member["slot"] * 32 + member["offset"] < old_end:
            errors.append(f"{where}: added at {_position(member)}, inside the old layout")


def _compare_type(
    name: str,
    path: str,
    old: TypeLayout,
    new: TypeLayout,
    growable: bool,
    errors: list[str],
    notes: list[str],
) -> None:
    """One type at `path` (`X.m` for a member, `X.m[]` for a mapping value or an array element)."""
    where = f"{name}: {path}"
    retyped = f"{where}: retyped {old['label']} -> {new['label']}"
    if old["encoding"] != new["encoding"]:
        errors.append(retyped)
    elif "members" in old or "members" in new:
        if "members" not in old or "members" not in new:
            errors.append(retyped)
            return
        _compare_members(name, path, old["members"], new["members"], growable, errors, notes)
        if new["bytes"] > old["bytes"] and not growable:
            errors.append(
                f"{where}: inline struct grew from {old['bytes'] // 32} to {new['bytes'] // 32} slots "
                f"({new['label']}); what is stored after it would shift"
            )
    elif old["encoding"] == "mapping":
        if not _same_scalar(old["key"]["label"], new["key"]["label"]):
            errors.append(f"{where}: mapping key retyped {old['key']['label']} -> {new['key']['label']}")
        # Each value lives at its own hashed location: a struct value may grow at its end.
        _compare_type(name, path + "[]", old["value"], new["value"], True, errors, notes)
    elif "base" in old or "base" in new:
        if "base" not in old or "base" not in new:
            errors.append(retyped)
            return
        # Elements are contiguous: an element may not grow (the stride would change).
        _compare_type(name, path + "[]", old["base"], new["base"], False, errors, notes)
        if old["encoding"] == "inplace" and new["bytes"] != old["bytes"]:
            if new["bytes"] < old["bytes"] or not growable:
                errors.append(f"{retyped} (the fixed length changed)")
    elif not _same_scalar(old["label"], new["label"]) or old["bytes"] != new["bytes"]:
        errors.append(retyped)


def _type_equal(old: TypeLayout, new: TypeLayout) -> bool:
    """Storage-identical (what a rename may keep): compared as `compare` does, without growth."""
    errors: list[str] = []
    _compare_type("", "", old, new, False, errors, [])
    return not errors and old["bytes"] == new["bytes"]
