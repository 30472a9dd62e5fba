"""A build that is never stale and always the same: when any project source changed (a contract, a
library, an interface) or nothing was built yet, every contract is recompiled in one compiler job.

Ape's compile cache compares each source file with its own last build only, so editing a library or
an interface leaves every contract importing it on its previous bytecode. Rebuilding only the
contracts an edit reaches is not enough either: solc's legacy code generator numbers internal
functions by AST id, and the ids depend on the set of sources in the job, so a contract compiled with
a subset of the project came out with different bytecode than in a full build (StakedUSDai and USDai
did), and `verify-deployment` or an explorer's verification would not match a clean clone's build.

`ensure_fresh_build` keeps its own record (`.build/sources.json`): a hash of every project source, and
a settings key (the compiler configuration, the compiler and the locked npm packages, OpenZeppelin
among them). Any difference rebuilds the whole unit; with nothing changed it only hashes the sources
(a few milliseconds).

Every entry point that compiles calls it: the root `tests/conftest.py` (so `make test` and any
`ape test ...`), `deploy_suite` (deploy, demo, bench) and `make compile` (`ape run build`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
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

RECORD_VERSION = 2  # 2: whole-unit rebuilds (a record from partial rebuilds is not trusted)


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


def stale_contracts(root: Path, record: Mapping[str, Any] | None) -> tuple[list[str], dict[str, Any]]:
    """(contract sources to rebuild, the record to keep once they are rebuilt).

    Nothing when every source and the settings match the record; otherwise every contract source
    (under `contracts/`): a partial job would number internal functions differently (module doc).
    """
    current = project_sources(root)
    key = settings_key(root)
    fresh_record = {"version": RECORD_VERSION, "settings": key, "sources": current}
    compiled = [s for s in current if s.startswith("contracts/")]
    if not record or record.get("version") != RECORD_VERSION or record.get("settings") != key:
        return compiled, fresh_record
    if record.get("sources") != current:  # edited, added or deleted (importers must fail loudly)
        return compiled, fresh_record
    return [], fresh_record


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
    """Rebuilds every contract when anything changed; returns the rebuilt source ids."""
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
            print(
                f"build: compiling all {len(stale)} contract sources (a source or setting changed)",
                flush=True,
            )
        project.load_contracts(*stale, use_cache=False)
        record_path.parent.mkdir(parents=True, exist_ok=True)
    if stale or record != fresh_record:
        record_path.write_text(json.dumps(fresh_record, indent=1, sort_keys=True))
    return stale
