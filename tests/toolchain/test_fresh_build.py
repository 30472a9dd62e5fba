"""No test runs stale bytecode: an edit to a library or an interface reaches every contract that imports
it, through the project's own test entry point (`ape test`, whose root conftest rebuilds).

Each test works in a temporary copy of the project that starts from this checkout's warm build, edits
one source, runs `ape test` on a probe that observes the edit through an importing contract, then
restores the source and runs the probe again. Before the fix, the first probe saw the old bytecode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ape.utils.os import get_all_files_in_directory

from scripts._suite.build import RECORD, isolate_dependency_cache, stale_contracts

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import hashlib
import json
import os
from pathlib import Path

from ape import project

from zk.pedersen import commit_unchecked


def _code(name):
    return project.get_contract(name).contract_type.runtime_bytecode.bytecode


def test_probe(accounts):
    harness = accounts[0].deploy(project.RangeProofHarness)
    c = commit_unchecked(10_001, 5)
    request_of = next(m for m in project.StakedUSDai.contract_type.view_methods if m.name == "requestOf")
    result = {
        # The library constant seen through a contract that imports the library.
        "opens_fee_10001": harness.checkOpening([c[0], c[1]], 10_001, 5),
        "qev_has_push2_2711": "612711" in _code("QEVAuction"),
        # The interface struct seen through both contracts that use it.
        "request_fields": [(f.name, f.type) for f in request_of.outputs[0].components],
        "code": {
            n: hashlib.sha256(_code(n).encode()).hexdigest() for n in ("StakedUSDai", "QEVAuction", "RedemptionTicket")
        },
    }
    Path(os.environ["PROBE_OUT"]).write_text(json.dumps(result))
'''


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with this checkout's build (warm: only what an edit reaches rebuilds)."""
    ensure_built = ROOT / RECORD
    assert ensure_built.is_file(), "the session's conftest builds before any test runs"
    dst = tmp_path_factory.mktemp("project")
    for name in ("contracts", "interfaces", "scripts", "zk", "tools"):
        shutil.copytree(ROOT / name, dst / name, symlinks=True, ignore=shutil.ignore_patterns(".cache", "__pycache__"))
    for name in ("ape-config.yaml", "package-lock.json", "pyproject.toml"):
        shutil.copy2(ROOT / name, dst / name)
    shutil.copytree(ROOT / ".build", dst / ".build")
    shutil.copytree(ROOT / ".solc-deps", dst / ".solc-deps", symlinks=True)
    (dst / "node_modules").symlink_to(ROOT / "node_modules")
    (dst / "tests").mkdir()
    shutil.copy2(ROOT / "tests" / "conftest.py", dst / "tests" / "conftest.py")
    shutil.copy2(ROOT / "tests" / "support.py", dst / "tests" / "support.py")
    (dst / "tests" / "test_probe.py").write_text(PROBE)
    return dst


@pytest.fixture
def probe(scratch: Path, tmp_path: Path) -> Callable[[], dict[str, Any]]:
    """Runs the project's test entry point on the probe and returns what it observed."""

    def _run() -> dict[str, Any]:
        out = tmp_path / "probe.json"
        out.unlink(missing_ok=True)
        env = {**os.environ, "PROBE_OUT": str(out), "HYPOTHESIS_PROFILE": "dev"}
        proc = subprocess.run(
            ["ape", "test", "tests/test_probe.py", "-q", "-p", "no:cacheprovider"],
            cwd=scratch, env=env, capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return json.loads(out.read_text())

    return _run


@pytest.fixture
def edit(scratch: Path) -> Iterator[Callable[[str, str, str], None]]:
    """`edit(path, old, new)`: a one-place source edit, undone by `restore()` or at teardown."""
    originals: dict[Path, str] = {}

    def _edit(rel: str, old: str, new: str) -> None:
        path = scratch / rel
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} must occur once in {rel}"
        originals.setdefault(path, text)
        path.write_text(text.replace(old, new))

    def _restore() -> None:
        for path, text in originals.items():
            path.write_text(text)
        originals.clear()

    _edit.restore = _restore  # type: ignore[attr-defined]
    yield _edit
    _restore()


def test_library_and_interface_edits__reach_every_importer__and_restore_brings_old_code_back(
    probe: Callable[[], dict[str, Any]], edit: Any
) -> None:
    """Both kinds of edit in one pass (each probe is a full `ape test` run): a library constant and an
    interface struct field."""
    before = probe()
    assert before["opens_fee_10001"] is False and before["qev_has_push2_2711"] is False
    assert before["request_fields"] == [["controller", "address"], ["shares", "uint88"], ["counted", "bool"]]

    edit("contracts/libraries/RangeProofLib.sol", "MAX_FEE_BPS = 10_000;", "MAX_FEE_BPS = 10_001;")
    edit("interfaces/IStakedUSDai.sol", "uint88 shares; // pending", "uint96 shares; // pending")
    edited = probe()
    assert edited["opens_fee_10001"] is True  # through RangeProofHarness, which imports the library
    assert edited["qev_has_push2_2711"] is True  # and QEVAuction holds the new constant
    assert edited["request_fields"] == [["controller", "address"], ["shares", "uint96"], ["counted", "bool"]]
    # The vault keeps the struct; the ticket (which does not import the library) only decodes it from
    # the vault: its code must change with it.
    assert edited["code"]["StakedUSDai"] != before["code"]["StakedUSDai"]
    assert edited["code"]["RedemptionTicket"] != before["code"]["RedemptionTicket"]

    edit.restore()
    # Byte for byte the code of the first build (a partial rebuild gave USDai and StakedUSDai
    # other bytecode than a whole-unit build).
    assert probe() == before


# ---------------------------------------------------------------- the rule itself, without compiling


def test_stale_contracts__nothing_changed__rebuilds_nothing() -> None:
    record = {"version": 1, "settings": None, "sources": {}}
    _, fresh = stale_contracts(ROOT, record)
    assert stale_contracts(ROOT, fresh)[0] == []


def test_stale_contracts__any_source_changed__rebuilds_the_whole_unit() -> None:
    """A library edit reaches only its importers, but a partial job numbers internal functions by
    other AST ids: USDai came out of an incremental rebuild with other bytecode than a clean build.
    Any changed, added or deleted source rebuilds every contract, in one job."""
    _, fresh = stale_contracts(ROOT, None)
    everything = sorted(s for s in fresh["sources"] if s.startswith("contracts/"))
    lib = "contracts/libraries/ContinuousIndexLib.sol"
    for sources in (
        {**fresh["sources"], lib: "changed"},
        {s: h for s, h in fresh["sources"].items() if s != lib},  # a source added since
        {**fresh["sources"], "contracts/Gone.sol": "deleted since"},
    ):
        stale, _ = stale_contracts(ROOT, {**fresh, "sources": sources})
        assert sorted(stale) == everything
    # A record written by the partial-rebuild rule (version 1) is not trusted.
    assert sorted(stale_contracts(ROOT, {**fresh, "version": 1})[0]) == everything


def test_stale_contracts__settings_changed__rebuilds_everything() -> None:
    _, fresh = stale_contracts(ROOT, None)
    stale, _ = stale_contracts(ROOT, {**fresh, "settings": "another compiler"})
    assert sorted(stale) == sorted(s for s in fresh["sources"] if s.startswith("contracts/"))


def test_dependency_cache__real_folder__moves_out_of_the_scanned_tree(tmp_path: Path) -> None:
    """The second-run failure: ~590 dependency copies in contracts/.cache pushed the project's own
    sources past Ape's 500-file scan. The cache becomes a symlink, which the scan does not follow."""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Mine.sol").write_text("// mine\n")
    copies = tmp_path / "contracts" / ".cache" / "openzeppelin" / "5.4.0"
    copies.mkdir(parents=True)
    for i in range(600):
        (copies / f"C{i}.sol").write_text("// dependency\n")

    isolate_dependency_cache(tmp_path)

    cache = tmp_path / "contracts" / ".cache"
    assert cache.is_symlink() and (cache / "openzeppelin" / "5.4.0" / "C599.sol").is_file()
    # Ape's own scan, with its own cap.
    assert [p.name for p in get_all_files_in_directory(tmp_path / "contracts", max_files=500)] == ["Mine.sol"]
    isolate_dependency_cache(tmp_path)  # idempotent
    assert cache.is_symlink()
