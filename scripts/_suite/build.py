"""A build that is never stale: every contract whose sources changed, directly or through an import,
is recompiled before anything runs.

Ape's compile cache compares each source file with its own last build only, so editing a library or
an interface leaves every contract importing it on its previous bytecode. `ensure_fresh_build` keeps
its own record (`.build/sources.json`): a hash of every project source, and a settings key (the
compiler configuration, the compiler and the locked npm packages, OpenZeppelin among them). A
contract is rebuilt when any file it reaches through its imports, transitively, changed since the
last fresh build; a settings change (or no record) rebuilds everything. With nothing changed it
only hashes the sources (a few milliseconds).

Every entry point that compiles calls it: the root `tests/conftest.py` (so `make test` and any
`ape test ...`), `deploy_suite` (deploy, demo, bench) and `make compile` (`ape run build`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Project sources: contracts (compiled) and the interfaces they import (compiled through them).
SOURCE_FOLDERS = ("contracts", "interfaces")
# Files whose change can alter any bytecode: the compiler settings, the compiler itself and the
# locked npm packages (OpenZeppelin), the shim that drives the compiler.
SETTINGS_FILES = ("ape-config.yaml", "package-lock.json", "tools/solc-shim.js")
RECORD = Path(".build") / "sources.json"
# ape-solidity copies dependencies into `contracts/.cache`; Ape scans at most 500 files under
# `contracts/`, so the ~590 OpenZeppelin copies would hide the project's own sources. The cache is a
# symlink to this folder, which the scan (pathlib's rglob) does not follow.
DEPENDENCY_CACHE = Path(".solc-deps")
RECORD_VERSION = 1

_IMPORT = re.compile(r"""\bimport\b[^;]*?["']([^"']+)["']\s*;""", re.DOTALL)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def project_sources(root: Path) -> dict[str, str]:
    """Hash of every `.sol` file of the project, by path relative to `root` (caches excluded)."""
    hashes: dict[str, str] = {}
    for folder in SOURCE_FOLDERS:
        for path in sorted((root / folder).rglob("*.sol")):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue  # contracts/.cache and other tool folders are not project sources
            hashes[rel.as_posix()] = _sha(path.read_bytes())
    return hashes


def settings_key(root: Path) -> str:
    """One hash of everything besides the project's sources that can change a contract's bytecode."""
    digest = hashlib.sha256()
    for name in SETTINGS_FILES:
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def import_graph(root: Path, sources: Iterable[str]) -> dict[str, set[str]]:
    """Direct project imports of each source (package imports such as `@openzeppelin/...` are
    pinned by the settings key and left out)."""
    graph: dict[str, set[str]] = {}
    for source in sources:
        text = (root / source).read_text("utf8")
        edges: set[str] = set()
        for target in _IMPORT.findall(text):
            if not target.startswith("."):
                continue
            resolved = (root / source).parent.joinpath(target).resolve()
            try:
                edges.add(resolved.relative_to(root.resolve()).as_posix())
            except ValueError:
                continue  # outside the project: not ours to track
        graph[source] = edges
    return graph


def reach(graph: Mapping[str, set[str]], start: str) -> set[str]:
    """Every file `start` depends on, itself included (transitive closure of its imports)."""
    seen = {start}
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def stale_contracts(root: Path, record: Mapping[str, Any] | None) -> tuple[list[str], dict[str, Any]]:
    """(contract sources to rebuild, the record to keep once they are rebuilt).

    A contract source (under `contracts/`) is stale when anything it reaches changed since the
    record was written, or it is new; everything is stale without a matching record.
    """
    current = project_sources(root)
    key = settings_key(root)
    fresh_record = {"version": RECORD_VERSION, "settings": key, "sources": current}
    compiled = [s for s in current if s.startswith("contracts/")]
    if not record or record.get("version") != RECORD_VERSION or record.get("settings") != key:
        return compiled, fresh_record
    previous: Mapping[str, str] = record.get("sources", {})
    changed = {s for s, h in current.items() if previous.get(s) != h}
    changed |= {s for s in previous if s not in current}  # deleted: importers must fail loudly
    if not changed:
        return [], fresh_record
    graph = import_graph(root, current)
    return [s for s in compiled if reach(graph, s) & changed], fresh_record


def isolate_dependency_cache(root: Path) -> None:
    """Makes `contracts/.cache` a symlink to `.solc-deps/` (moving a real folder's content there)."""
    cache = root / "contracts" / ".cache"
    target = root / DEPENDENCY_CACHE
    target.mkdir(exist_ok=True)
    if cache.is_symlink():
        return
    if cache.is_dir():
        shutil.copytree(cache, target, dirs_exist_ok=True, symlinks=True)
        shutil.rmtree(cache)
    cache.symlink_to(Path("..") / DEPENDENCY_CACHE, target_is_directory=True)


class BuildError(RuntimeError):
    """The build cannot be trusted (a project source is invisible to the compiler)."""


def check_sources_visible(project: Any) -> None:
    """Every project contract source must be in Ape's scan, or its contracts silently vanish."""
    root = Path(project.path)
    seen = {Path(p).resolve().relative_to(root.resolve()).as_posix() for p in project.sources.paths}
    missing = sorted(s for s in project_sources(root) if s.startswith("contracts/") and s not in seen)
    if missing:
        raise BuildError(
            f"Ape does not see {len(missing)} contract source(s) (first: {missing[0]}); is "
            "contracts/.cache a real folder? `make setup` makes it a symlink to .solc-deps/."
        )


def ensure_fresh_build(project: Any | None = None, *, quiet: bool = False) -> list[str]:
    """Rebuilds every contract a changed source reaches; returns the rebuilt source ids."""
    if project is None:
        from ape import project as ape_project

        project = ape_project
    root = Path(project.path)
    isolate_dependency_cache(root)
    check_sources_visible(project)
    record_path = root / RECORD
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        record = None
    # A build folder without compiled contracts (deleted, or a fresh clone) is rebuilt whole.
    if not (project.manifest.contract_types or {}):
        record = None
    stale, fresh_record = stale_contracts(root, record)
    if stale:
        if not quiet:
            print(f"build: compiling {len(stale)} contract source(s) reached by a change", flush=True)
        project.load_contracts(*stale, use_cache=False)
        record_path.parent.mkdir(parents=True, exist_ok=True)
    if stale or record != fresh_record:
        record_path.write_text(json.dumps(fresh_record, indent=1, sort_keys=True))
    return stale
