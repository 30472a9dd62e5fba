"""Contract addresses for the CLIs: an explicit option, else the deployment manifest (`--manifest`, or
`deployments/<network>.json` written by `ape run deploy`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

DEPLOYMENTS = Path(__file__).resolve().parent.parent.parent / "deployments"

manifest_option = click.option(
    "--manifest",
    "manifest",
    type=click.Path(path_type=Path),
    default=None,
    help="Deployment manifest (default: deployments/<network>.json).",
)


def default_manifest() -> Path:
    """deployments/<network>.json for the connected network, named as `ape run deploy` names it."""
    from ape import chain

    network = chain.provider.network
    name = "local" if network.is_local else f"{network.ecosystem.name}-{network.name}"
    return DEPLOYMENTS / f"{name}.json"


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"no manifest at {path} (deploy first, or pass the address)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"manifest {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict) or not isinstance(data.get("contracts"), dict):
        raise ValueError(f"manifest {path} has no 'contracts' table")
    return data


def resolve(address: str | None, manifest: Path | None, name: str, flag: str) -> str:
    """`address` if given, else contract `name` from the manifest."""
    if address:
        return address
    path = manifest or default_manifest()
    contracts = load_manifest(path)["contracts"]
    if name not in contracts:
        raise ValueError(f"manifest {path} lists no {name} (pass {flag})")
    return str(contracts[name])
