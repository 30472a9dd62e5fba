"""Explorer verification files: for each contract a launch created from this build, the solc standard-JSON
input that reproduces its bytecode (sources, optimizer, EVM version, remappings: what the build used),
its constructor arguments (read from the creation transaction: its input minus the build's creation
code) and one `submit.sh` that sends each to an Etherscan-family explorer (Etherscan API v2, which
serves Arbiscan by chain id). Written beside the manifest: `deployments/<network>.verify/`."""

from __future__ import annotations

import json
import shlex
from functools import cache
from pathlib import Path
from typing import Any

from scripts._suite.abi import container

# Journal step -> (manifest label, the build's contract). Proxies are verified once per proxy.
CREATIONS: dict[str, tuple[str, str]] = {
    "timelock": ("timelock", "SuiteTimelock"),
    "swapAdapter": ("swapAdapter", "UniswapV3SwapAdapter"),
    "local.swapAdapter": ("swapAdapter", "LocalSwapAdapter"),
    "USDai.implementation": ("USDai.implementation", "USDai"),
    "sUSDai.module": ("sUSDaiModule", "StakedUSDaiModule"),
    "sUSDai.implementation": ("sUSDai.implementation", "StakedUSDai"),
    "RedemptionTicket.implementation": ("RedemptionTicket.implementation", "RedemptionTicket"),
    "QEVAuction.implementation": ("QEVAuction.implementation", "QEVAuction"),
    "CaliberReceipt.implementation": ("CaliberReceipt.implementation", "CaliberReceipt"),
    "FiLoRegistry.implementation": ("FiLoRegistry.implementation", "FiLoRegistry"),
    "CreditPolicy.implementation": ("CreditPolicy.implementation", "CreditPolicy"),
    "LoanBook.implementation": ("LoanBook.implementation", "LoanBook"),
}
PROXIED = ("USDai", "sUSDai", "RedemptionTicket", "QEVAuction", "CaliberReceipt", "FiLoRegistry", "CreditPolicy", "LoanBook")
SOLC_LONG_VERSION = "v0.8.28+commit.7893614a"


def source_path(contract_name: str) -> Path:
    """The project source that declares `contract_name`."""
    source_id = container(contract_name).contract_type.source_id
    from ape import project

    return Path(project.path) / str(source_id)


@cache
def standard_input(contract_name: str) -> dict[str, Any]:
    """The standard-JSON input of the build of `contract_name` (every source it imports, the settings;
    once per process: the build does not change under a running launch)."""
    from ape import compilers

    inputs = compilers.solidity.get_standard_input_json([source_path(contract_name)])
    (only,) = inputs.values()
    return dict(only)


def constructor_args(provider: Any, tx: str | None, contract_name: str) -> str | None:
    """Hex of the ABI-encoded constructor arguments: the creation input after the build's code. None
    when the creation transaction is unknown (a step a resumed launch settled from the chain)."""
    if not tx:
        return None
    creation = (container(contract_name).contract_type.deployment_bytecode.bytecode or "0x")[2:]
    data = bytes(provider.web3.eth.get_transaction(tx)["input"]).hex()
    if not data.startswith(creation):
        raise ValueError(f"{contract_name}: the creation transaction {tx} did not run this build's code")
    return data[len(creation):]


def write_verification(manifest: dict[str, Any], steps: dict[str, dict[str, Any]], folder: Path, provider: Any) -> Path:
    """Writes one `<label>.json` per created contract (standard input, contract name, compiler, address,
    constructor arguments) and `submit.sh`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs: list[dict[str, Any]] = []
    inputs: dict[str, dict[str, Any]] = {}
    for step, (label, name) in CREATIONS.items():
        if step in steps:
            jobs.append({"label": label, "contract": name, **steps[step]})
    for proxy in PROXIED:
        if f"{proxy}.proxy" in steps:
            jobs.append({"label": f"{proxy}.proxy", "contract": "SuiteProxy", **steps[f"{proxy}.proxy"]})
    lines = [
        "#!/usr/bin/env bash",
        "# Submits each contract of this launch for verification (Etherscan API v2; Arbiscan by chain id).",
        "# Needs ETHERSCAN_API_KEY. Each call returns a GUID; check it with action=checkverifystatus.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        f"CHAIN_ID={int(manifest['chainId'])}",
        'API="https://api.etherscan.io/v2/api?chainid=$CHAIN_ID"',
    ]
    for job in jobs:
        name = job["contract"]
        if name not in inputs:
            inputs[name] = standard_input(name)
        source_id = str(container(name).contract_type.source_id)
        record = {
            "address": job["address"],
            "contractName": f"{source_id}:{name}",
            "compilerVersion": SOLC_LONG_VERSION,
            "constructorArguments": constructor_args(provider, job.get("tx"), name),
            "standardJsonInput": inputs[name],
        }
        path = folder / f"{job['label']}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        if record["constructorArguments"] is None:
            # Never guess: an empty argument list would fail verification of a contract that has some.
            lines.append(f"# {job['label']}: creation transaction unknown (resumed launch); add its constructor arguments")
            continue
        args = record["constructorArguments"] or "''"
        lines.append(
            "curl -s \"$API\" -d module=contract -d action=verifysourcecode"
            f" -d contractaddress={job['address']} -d codeformat=solidity-standard-json-input"
            f" -d contractname={shlex.quote(record['contractName'])} -d compilerversion={SOLC_LONG_VERSION}"
            f" -d constructorArguements={args}"
            f" --data-urlencode sourceCode=\"$(jq -c .standardJsonInput {shlex.quote(path.name)})\""
            ' -d apikey="$ETHERSCAN_API_KEY"; echo'
        )
    script = folder / "submit.sh"
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return folder
