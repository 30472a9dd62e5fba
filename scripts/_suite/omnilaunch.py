"""The omnichain launch on real chains: which LayerZero endpoint each chain has, connecting to the chains,
signing with the deployer's Ape account, and the journals and manifests of `ape run omnichain deploy`.

Each chain is known by its chain id (`LZ_NETWORKS`: LayerZero's endpoint id and EndpointV2 address, from
LayerZero's deployed-contracts list). A chain where that endpoint answers with its endpoint id (a live
chain, or a fork of one) uses LayerZero's own endpoint, libraries, DVNs and executors; a local chain
without it (a plain anvil) gets LayerZero deployed from its npm artifacts, served by the local relayer;
a live chain without it is refused before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from web3 import Web3

from scripts._suite.journal import Journal
from scripts._suite.layerzero import EvmChain, Signer
from scripts._suite.omnichain import Omnichain, OmniParams, deploy_omnichain, journal_header

# LayerZero V2's endpoints (docs.layerzero.network, "Deployed Contracts"): mainnets share one address,
# testnets another.
MAINNET_ENDPOINT = "0x1a44076050125825900e736c501f859c50fE728c"
TESTNET_ENDPOINT = "0x6EDCE65403992e310A62460808c4b910D972f10f"


@dataclass(frozen=True)
class LzNetwork:
    name: str
    chain_id: int
    eid: int
    endpoint: str


LZ_NETWORKS: dict[int, LzNetwork] = {
    n.chain_id: n
    for n in (
        LzNetwork("arbitrum", 42161, 30110, MAINNET_ENDPOINT),
        LzNetwork("ethereum", 1, 30101, MAINNET_ENDPOINT),
        LzNetwork("base", 8453, 30184, MAINNET_ENDPOINT),
        LzNetwork("optimism", 10, 30111, MAINNET_ENDPOINT),
        LzNetwork("arbitrum-sepolia", 421614, 40231, TESTNET_ENDPOINT),
        LzNetwork("sepolia", 11155111, 40161, TESTNET_ENDPOINT),
        LzNetwork("base-sepolia", 84532, 40245, TESTNET_ENDPOINT),
        LzNetwork("optimism-sepolia", 11155420, 40232, TESTNET_ENDPOINT),
    )
}


def lz_network(chain_id: int) -> LzNetwork:
    found = LZ_NETWORKS.get(chain_id)
    if found is None:
        known = ", ".join(f"{n.name} ({n.chain_id})" for n in LZ_NETWORKS.values())
        raise ValueError(f"chain {chain_id} has no LayerZero endpoint id here (known: {known}); add it to LZ_NETWORKS")
    return found


def is_loopback(url: str) -> bool:
    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def chain_at(url: str, timeout: float = 60.0) -> EvmChain:
    """The chain behind an RPC URL, named and numbered by its chain id."""
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
    try:
        chain_id = int(w3.eth.chain_id)
    except Exception as exc:  # noqa: BLE001 - any transport failure is one line for the CLI
        raise ValueError(f"no node answers at {url} ({type(exc).__name__})") from None
    network = lz_network(chain_id)
    return EvmChain(network.name, w3, network.eid)


def existing_endpoint(chain: EvmChain, *, local: bool) -> str | None:
    """LayerZero's endpoint on `chain` if it is there (live or forked), None on a local chain without it
    (deploy it from npm); a live chain without it is refused."""
    network = lz_network(chain.chain_id)
    if chain.w3.eth.get_code(Web3.to_checksum_address(network.endpoint)):
        return network.endpoint
    if local:
        return None
    raise ValueError(f"{chain.name}: no LayerZero endpoint at {network.endpoint}; is the RPC URL the right chain?")


def ape_signer(account: Any, ecosystem: Any) -> Signer:
    """Signs web3 transactions with an Ape account (a keyfile asks for its passphrase once, as Ape does)."""

    def sign(tx: dict[str, Any]) -> bytes:
        fields: dict[str, Any] = {
            "chain_id": tx["chainId"], "nonce": tx["nonce"], "value": tx.get("value", 0),
            "data": bytes.fromhex(str(tx.get("data", "0x"))[2:]), "gas_limit": tx["gas"],
        }
        if tx.get("to"):  # a creation has no receiver (web3 says b"", which Ape would sign as another tx)
            fields["receiver"] = tx["to"]
        if "maxFeePerGas" in tx:
            fields.update(max_fee=tx["maxFeePerGas"], max_priority_fee=tx["maxPriorityFeePerGas"], type=2)
        else:
            fields.update(gas_price=tx["gasPrice"], type=0)
        signed = account.sign_transaction(ecosystem.create_transaction(**fields))
        if signed is None:
            raise ValueError(f"account {account.address} declined to sign")
        return bytes(signed.serialize_transaction())

    return sign


def paths(folder: Path, stem: str, chain: EvmChain) -> tuple[Path, Path]:
    """(manifest, journal) of `chain`'s part of the launch named `stem` (the suite manifest's name)."""
    return folder / f"{stem}.{chain.name}.omnichain.json", folder / f"{stem}.{chain.name}.omnichain.journal.json"


@dataclass(frozen=True)
class Launch:
    omni: Omnichain
    manifests: list[Path]
    resumed: bool  # some chain's journal had steps before this run


def launch(
    project: Any,
    home: EvmChain,
    remotes: Sequence[EvmChain],
    home_tokens: Mapping[str, str],
    *,
    folder: Path,
    stem: str,
    deployer: str,
    owner: str,
    pauser: str,
    blacklister: str,
    local: Mapping[int, bool],
    dvn: str | None = None,
    params: OmniParams | None = None,
    stop_after: int | None = None,
) -> Launch:
    """`deploy_omnichain` journaled in `folder` (one journal per chain), then one manifest per chain.
    `local[eid]` says which chains may get LayerZero from npm (with `dvn`, default the deployer, as the
    local relayer's verifier)."""
    params = params or OmniParams()
    chains = [home, *remotes]
    endpoints = {c.eid: e for c in chains if (e := existing_endpoint(c, local=local[c.eid])) is not None}
    journals: dict[int, Journal] = {}
    for c in chains:
        peers = [r.eid for r in remotes] if c is home else [home.eid]
        header = journal_header(c, home=c is home, deployer=deployer, owner=owner, pauser=pauser,
                                blacklister=blacklister, params=params, home_tokens=home_tokens, peers=peers,
                                endpoint=endpoints.get(c.eid))
        journals[c.eid] = Journal.open(paths(folder, stem, c)[1], header)
    resumed = any(j.steps for j in journals.values())
    omni = deploy_omnichain(
        project, home, remotes, home_tokens, deployer=deployer, owner=owner, pauser=pauser, blacklister=blacklister,
        dvns={c.eid: dvn or deployer for c in chains if c.eid not in endpoints}, endpoints=endpoints, params=params,
        journals=journals, stop_after=stop_after,
    )
    written = []
    for part in omni.chains:
        manifest_path = paths(folder, stem, part.chain)[0]
        manifest_path.write_text(json.dumps(omni.manifest(part), indent=2) + "\n")
        written.append(manifest_path)
    for journal in journals.values():
        journal.mark("complete", status="done")
    return Launch(omni, written, resumed)


def load(project: Any, home: EvmChain, remotes: Sequence[EvmChain], folder: Path, stem: str) -> Omnichain:
    """The launch's deployment, from its manifests, on the given chains."""
    manifests = []
    for c in (home, *remotes):
        path = paths(folder, stem, c)[0]
        try:
            manifests.append(json.loads(path.read_text()))
        except FileNotFoundError:
            raise ValueError(f"no omnichain manifest at {path}: run `ape run omnichain deploy` first") from None
    return Omnichain.from_manifests(project, [home, *remotes], manifests)
