"""Slither gate of `make lint`: no High or Medium finding without a reason in `slither.triage.json`.

What is analysed: every `.sol` file under `contracts/` and `interfaces/` except `contracts/testing/`
and `contracts/local/` (harnesses and local-chain stand-ins, never deployed to a live network; a
stand-in imported by a deployed contract is still compiled, its findings are not gated), in one
solc standard-JSON compilation: the `solc` of `tools/bin` (npm's solcjs 0.8.28 behind
`tools/solc-shim.js`, no compiler download), the settings of `ape-config.yaml` (EVM version,
optimizer and runs, viaIR if set) and its import remappings pointed at the npm packages that
`make setup` installs from `package-lock.json` (`node_modules/@openzeppelin/...`, checked to be the
version ape-config names: the same sources ape-solidity compiles). Nothing needs a prior compile.

The rule: a finding is gated when its impact is High or Medium, at any confidence (a High finding of
low confidence still needs a reason), and its primary location (slither's first element) is a
project file outside the excluded folders. Findings located in OpenZeppelin (`node_modules/`) or in
the excluded folders are counted, not gated. Inline `slither-disable` comments are ignored
(`--show-ignored-findings`), so the triage file is the only place a finding is accepted.

Keys: `<detector>|<Contract.function[.variable]>|<10 hex digits>`, the digits a SHA-256 of slither's
description with every `(file#lines)` location taken out. A key holds while the code the finding
names is unchanged, whatever moves around it (slither's own `id` hashes line numbers, so any edit
above a finding would change it); a change to a line the finding quotes asks for a new look.
Equal keys within one run (identical findings in one function) get `#2`, `#3`, ...

Exit status: 0 when every gated finding is triaged; 1 when one is not (each printed on one line:
impact, detector, location, description, key), the triage file is malformed or the setup is
incomplete (no slither, no node_modules); 2 when slither or the compilation fails. Triage entries no longer found are printed as warnings (stale), not errors.

    python tools/slither_gate.py               # the gate (make lint)
    python tools/slither_gate.py --skeleton    # also print triage entries to fill in for the untriaged
    python tools/slither_gate.py --json-out slither.json   # keep slither's full JSON report
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TRIAGE_FILE = ROOT / "slither.triage.json"
SOLC = ROOT / "tools" / "bin" / "solc"
SOURCE_FOLDERS = ("contracts", "interfaces")
# Harnesses, benchmark references and local-chain stand-ins: never deployed to a live network.
EXCLUDED_FOLDERS = ("contracts/testing/", "contracts/local/")
DEPENDENCY_FOLDERS = ("node_modules/",)
GATED_IMPACTS = ("High", "Medium")
VERDICTS = ("false-positive", "accepted")
IMPACT_ORDER = ("High", "Medium", "Low", "Informational", "Optimization")

# " (contracts/X.sol#12-14)" as slither writes every location inside a description.
_LOCATION = re.compile(r"\s*\([^()\s]+#\d+(?:-\d+)?\)")


@dataclass(frozen=True)
class Finding:
    key: str
    check: str
    impact: str
    confidence: str
    location: str  # file#lines of the primary element
    description: str

    def brief(self, limit: int = 300) -> str:
        """The description on one line, locations left out (the finding's own is `location`)."""
        text = " ".join(_LOCATION.sub("", self.description).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------- the compilation


def _sources() -> list[str]:
    sources: list[str] = []
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.sol")):
            rel = path.relative_to(ROOT)
            if any(part.startswith(".") for part in rel.parts):
                continue  # contracts/.cache (ape-solidity's dependency copies) and other tool folders
            posix = rel.as_posix()
            if not posix.startswith(EXCLUDED_FOLDERS):
                sources.append(posix)
    return sources


def _remappings(config: dict[str, Any]) -> list[str]:
    """ape-config's `prefix=dependency/version` remappings, pointed at the npm package installed for
    that dependency (refused if node_modules holds another version)."""
    packages: dict[tuple[str, str], str] = {}
    for dep in config.get("dependencies") or []:
        if "npm" in dep:
            packages[(str(dep["name"]), str(dep["version"]))] = str(dep["npm"])
    remappings: list[str] = []
    for entry in config.get("solidity", {}).get("import_remapping") or []:
        prefix, _, target = str(entry).partition("=")
        name, _, version = target.partition("/")
        npm = packages.get((name, version))
        if npm is None:
            raise SystemExit(f"slither gate: remapping {entry!r} names no npm dependency of ape-config.yaml")
        manifest = ROOT / "node_modules" / npm / "package.json"
        if not manifest.is_file():
            raise SystemExit(f"slither gate: {manifest.relative_to(ROOT)} is missing: run `make setup`")
        installed = json.loads(manifest.read_text("utf8")).get("version")
        if installed != version:
            raise SystemExit(
                f"slither gate: node_modules has {npm} {installed}, ape-config.yaml wants {version}"
            )
        remappings.append(f"{prefix.rstrip('/')}/=node_modules/{npm}/")
    return remappings


def standard_json_input() -> dict[str, Any]:
    """The solc standard-JSON input slither compiles (sources by path, read by the shim)."""
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text("utf8")) or {}
    solidity = config.get("solidity", {})
    settings: dict[str, Any] = {
        "remappings": _remappings(config),
        "optimizer": {
            "enabled": bool(solidity.get("optimize", True)),
            "runs": int(solidity.get("optimization_runs", 200)),
        },
    }
    if solidity.get("evm_version"):
        settings["evmVersion"] = str(solidity["evm_version"])
    if solidity.get("via_ir"):
        settings["viaIR"] = True
    return {"language": "Solidity", "sources": {s: {"urls": [s]} for s in _sources()}, "settings": settings}


def _slither_executable() -> str:
    beside = Path(sys.executable).with_name("slither")
    if beside.is_file():
        return str(beside)
    found = shutil.which("slither")
    if found is None:
        raise SystemExit("slither gate: slither is not installed: run `make setup`")
    return found


def run_slither(json_out: Path | None) -> tuple[list[dict[str, Any]], float]:
    """Slither's detector results (every detector, every impact) and the seconds it took."""
    with tempfile.TemporaryDirectory(prefix="slither-gate-") as tmp:
        target = Path(tmp) / "input.json"
        target.write_text(json.dumps(standard_json_input(), indent=1), "utf8")
        report = Path(tmp) / "report.json"
        cmd = [
            _slither_executable(),
            str(target),
            "--compile-force-framework", "solc-json",
            "--solc", str(SOLC),
            "--solc-disable-warnings",
            "--json", str(report),
            "--fail-none",
            "--show-ignored-findings",
            "--triage-database", str(Path(tmp) / "no-triage-db.json"),
            "--disable-color",
        ]  # fmt: skip
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - start
        data: dict[str, Any] = json.loads(report.read_text("utf8")) if report.is_file() else {}
        if proc.returncode != 0 or not data.get("success"):
            sys.stderr.write(proc.stderr[-6000:])
            error = data.get("error") or f"slither exited with {proc.returncode}"
            print(f"slither gate: slither failed: {error}", file=sys.stderr)
            raise SystemExit(2)
        if json_out is not None:
            json_out.write_text(json.dumps(data, indent=1), "utf8")
    detectors: list[dict[str, Any]] = (data.get("results") or {}).get("detectors") or []
    return detectors, elapsed


# ---------------------------------------------------------------- findings and keys


def _locator(element: dict[str, Any]) -> str:
    """`Contract.function[.variable]` of a result element (a node is named by its function)."""
    kind = element.get("type")
    name = str(element.get("name", "?"))
    parent = (element.get("type_specific_fields") or {}).get("parent")
    if kind == "contract" or not isinstance(parent, dict):
        return name
    if kind == "node":
        return _locator(parent)
    return f"{_locator(parent)}.{name}"


def _filename(element: dict[str, Any]) -> str:
    return str((element.get("source_mapping") or {}).get("filename_relative", ""))


def _location(element: dict[str, Any]) -> str:
    mapping = element.get("source_mapping") or {}
    lines: list[int] = mapping.get("lines") or []
    span = f"#{lines[0]}" + (f"-{lines[-1]}" if len(lines) > 1 else "") if lines else ""
    return f"{mapping.get('filename_relative', '?')}{span}"


def finding_key(result: dict[str, Any]) -> str:
    """`detector|Contract.function|digest` (see the module docstring), before de-duplication."""
    elements: list[dict[str, Any]] = result.get("elements") or []
    where = _locator(elements[0]) if elements else "-"
    text = _LOCATION.sub("", str(result.get("description", "")))
    digest = hashlib.sha256(" ".join(text.split()).encode("utf8")).hexdigest()[:10]
    return f"{result['check']}|{where}|{digest}"


def scope_of(result: dict[str, Any]) -> str:
    """'gated', 'dependency' or 'excluded', by the primary element's file."""
    elements: list[dict[str, Any]] = result.get("elements") or []
    filename = _filename(elements[0]) if elements else ""
    if filename.startswith(DEPENDENCY_FOLDERS):
        return "dependency"
    if filename.startswith(EXCLUDED_FOLDERS) or not filename.startswith(
        tuple(f"{f}/" for f in SOURCE_FOLDERS)
    ):
        return "excluded"
    return "gated"


def gated_findings(results: list[dict[str, Any]]) -> list[Finding]:
    """High and Medium findings of the gated scope, keyed, in a stable order."""
    chosen = [r for r in results if r.get("impact") in GATED_IMPACTS and scope_of(r) == "gated"]

    def order(r: dict[str, Any]) -> tuple[str, str, int, str]:
        elements: list[dict[str, Any]] = r.get("elements") or []
        lines: list[int] = (
            ((elements[0].get("source_mapping") or {}).get("lines") or [0]) if elements else [0]
        )
        return (
            finding_key(r),
            _filename(elements[0]) if elements else "",
            lines[0],
            str(r.get("description")),
        )

    findings: list[Finding] = []
    seen: Counter[str] = Counter()
    for r in sorted(chosen, key=order):
        base = finding_key(r)
        seen[base] += 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        elements: list[dict[str, Any]] = r.get("elements") or []
        findings.append(
            Finding(
                key=key,
                check=str(r["check"]),
                impact=str(r["impact"]),
                confidence=str(r.get("confidence", "?")),
                location=_location(elements[0]) if elements else "?",
                description=str(r.get("description", "")),
            )
        )
    return findings


# ---------------------------------------------------------------- the triage file


def load_triage(path: Path) -> dict[str, dict[str, Any]]:
    """Triage entries by key; a malformed file is an error (exit 1)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text("utf8"))
    entries = data.get("findings")
    problems: list[str] = []
    if not isinstance(entries, dict):
        raise SystemExit(f"slither gate: {path.name}: 'findings' must be an object keyed by finding key")
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            problems.append(f"{key}: not an object")
            continue
        if entry.get("verdict") not in VERDICTS:
            problems.append(f"{key}: verdict must be one of {', '.join(VERDICTS)}")
        if not str(entry.get("reason", "")).strip():
            problems.append(f"{key}: no reason")
    if problems:
        for problem in problems:
            print(f"slither gate: {path.name}: {problem}", file=sys.stderr)
        raise SystemExit(1)
    return entries


def skeleton(findings: list[Finding]) -> str:
    entries = {
        f.key: {
            "impact": f.impact,
            "where": f.location.split("#")[0],
            "finding": f.brief(),
            "verdict": "",
            "reason": "",
        }
        for f in findings
    }
    return json.dumps(entries, indent=2)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--triage", type=Path, default=TRIAGE_FILE, help="triage file (default: %(default)s)")
    parser.add_argument("--json-out", type=Path, help="also write slither's JSON report here")
    parser.add_argument(
        "--skeleton", action="store_true", help="print triage entries to fill in for the untriaged"
    )
    args = parser.parse_args(argv)

    triage = load_triage(args.triage)
    results, elapsed = run_slither(args.json_out)

    by_scope: dict[str, Counter[str]] = {"gated": Counter(), "dependency": Counter(), "excluded": Counter()}
    for r in results:
        by_scope[scope_of(r)][str(r.get("impact"))] += 1
    findings = gated_findings(results)
    untriaged = [f for f in findings if f.key not in triage]
    found = {f.key for f in findings}
    stale = [key for key in triage if key not in found]

    def counts(c: Counter[str]) -> str:
        return ", ".join(f"{impact} {c[impact]}" for impact in IMPACT_ORDER if c[impact])

    print(f"slither: {len(results)} findings in {elapsed:.0f} s")
    print(f"  gated (project sources): {counts(by_scope['gated']) or 'none'}")
    print(f"  not gated, OpenZeppelin: {counts(by_scope['dependency']) or 'none'}")
    print(f"  not gated, {' '.join(EXCLUDED_FOLDERS)}: {counts(by_scope['excluded']) or 'none'}")
    print(
        f"  High/Medium gated: {len(findings)}, triaged {len(findings) - len(untriaged)}, untriaged {len(untriaged)}"
    )
    for key in stale:
        print(f"warning: stale triage entry (no longer found): {key}")
    for f in untriaged:
        print(f"UNTRIAGED {f.impact}/{f.confidence} {f.check} {f.location}: {f.brief()} [key {f.key}]")
    if untriaged:
        print(
            f"slither gate: {len(untriaged)} High/Medium finding(s) not in {args.triage.name}: fix them, or add"
        )
        print(
            "  each key with a verdict and a reason (`python tools/slither_gate.py --skeleton` prints entries)"
        )
        if args.skeleton:
            print(skeleton(untriaged))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
