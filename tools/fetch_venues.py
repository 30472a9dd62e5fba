"""Fetches the Uniswap V3 artifacts named in tools/venues.lock into .venues/uniswap/ (run by `make setup`).

Only the tarballs are fetched (`npm pack`, from the registry or npm's cache), never their dependencies:
the packages depend on hardhat and friends (about 300 MB) and the suite needs five JSON files. Each
tarball's sha512 must equal the lock's, or nothing is written. A second run with the same lock is a no-op.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "tools" / "venues.lock"
OUT = ROOT / ".venues" / "uniswap"
STAMP = OUT / ".stamp"


def lock_entries() -> list[tuple[str, str, str, list[str]]]:
    entries = []
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        package, version, integrity, *artifacts = line.split()
        entries.append((package, version, integrity, artifacts))
    return entries


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(package: str, version: str, integrity: str, artifacts: list[str], tmp: Path) -> dict[str, bytes]:
    done = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--pack-destination", str(tmp), "--json", "--loglevel=error"],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"fetch-venues: npm pack {package}@{version} failed: {done.stderr.strip()[:300]}")
    tarball = tmp / json.loads(done.stdout)[0]["filename"]
    found = integrity_of(tarball)
    if found != integrity:
        raise SystemExit(f"fetch-venues: {package}@{version} has integrity {found}, the lock says {integrity}")
    files = {}
    with tarfile.open(tarball) as tar:
        for artifact in artifacts:
            member = tar.extractfile(f"package/{artifact}")
            if member is None:
                raise SystemExit(f"fetch-venues: {package}@{version} has no {artifact}")
            files[Path(artifact).name] = member.read()
    return files


def main() -> int:
    stamp = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    if STAMP.exists() and STAMP.read_text() == stamp:
        return 0
    print("setup: fetching the Uniswap V3 artifacts (tools/venues.lock)")
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for package, version, integrity, artifacts in lock_entries():
            files.update(fetch(package, version, integrity, artifacts, Path(tmp)))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (OUT / name).write_bytes(data)
    STAMP.write_text(stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
