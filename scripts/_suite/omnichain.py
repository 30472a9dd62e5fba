"""USDai and sUSDai on more chains: a lockbox (`OmniLockbox`, an upgradeable OFT adapter) for each on the
home chain, an upgradeable OFT (`OmniToken`) for each on every other chain, all behind `SuiteProxy`, wired
as LayerZero peers with enforced options and a rate limit per route and direction.

`deploy_omnichain` works on `EvmChain`s (web3): the home chain is the suite's (Ape's provider), the others
are their own anvils on a local rehearsal. It writes one manifest per chain; `verify_omnichain` reads the
chains back and names every peer, option, limit or role that differs from the parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract

from scripts._suite.layerzero import (
    SEND,
    SEND_AND_CALL,
    EvmChain,
    LzStack,
    address_to_bytes32,
    connect,
    deploy_layerzero,
    lz_receive_gas,
    lz_receive_option,
)

TOKENS = ("USDai", "sUSDai")
SHARED_DECIMALS = 6
UNIT = 10**18


@dataclass(frozen=True)
class OmniParams:
    """Per route and direction: at most `limit` units within `window` seconds; `lz_receive_gas` is the
    gas the executor must give each delivery (enforced on every send)."""

    outbound_limit: int = 5_000_000 * UNIT
    inbound_limit: int = 5_000_000 * UNIT
    window: int = 86_400
    lz_receive_gas: int = 200_000

    def check(self) -> None:
        if self.inbound_limit < self.outbound_limit:
            raise ValueError(
                f"inbound_limit {self.inbound_limit} is under outbound_limit {self.outbound_limit}: a message the "
                "sending side allows could never be delivered"
            )
        for name in ("outbound_limit", "inbound_limit"):
            value = getattr(self, name)
            if not 0 <= value < 2**96:
                raise ValueError(f"{name} {value} does not fit the rate limit's 96 bits")
        if not 60 <= self.window <= 30 * 86_400:
            raise ValueError(f"window {self.window} s is outside 60 s to 30 days")
        if not 50_000 <= self.lz_receive_gas <= 2_000_000:
            raise ValueError(f"lz_receive_gas {self.lz_receive_gas} is outside 50,000 to 2,000,000")


@dataclass
class ChainOmni:
    """One chain's part: its LayerZero stack and, per token, the lockbox (home) or the OFT (elsewhere)."""

    chain: EvmChain
    lz: LzStack
    home: bool
    oapps: dict[str, Contract] = field(default_factory=dict)  # "USDai"/"sUSDai" -> proxy, as OmniLockbox/OmniToken
    implementations: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # the ERC-20 a holder holds on this chain

    @property
    def eid(self) -> int:
        return self.chain.eid

    def manifest(self, owner: str, pauser: str, blacklister: str | None, params: OmniParams) -> dict[str, Any]:
        contracts = dict(self.lz.contracts())
        for token, oapp in self.oapps.items():
            role = "Lockbox" if self.home else "OFT"
            contracts[f"{token}{role}"] = oapp.address
            contracts[f"{token}{role}Implementation"] = self.implementations[token]
        return {
            "chainId": self.chain.chain_id,
            "eid": self.eid,
            "home": self.home,
            "contracts": contracts,
            "tokens": self.tokens,
            "roles": {"owner": owner, "pauser": pauser, **({"blacklister": blacklister} if blacklister else {})},
            "params": {
                "outboundLimit": str(params.outbound_limit),
                "inboundLimit": str(params.inbound_limit),
                "window": params.window,
                "lzReceiveGas": params.lz_receive_gas,
            },
        }


@dataclass
class Omnichain:
    home: ChainOmni
    remotes: list[ChainOmni]
    params: OmniParams
    owner: str
    pauser: str
    blacklister: str

    @property
    def chains(self) -> list[ChainOmni]:
        return [self.home, *self.remotes]

    def by_eid(self, eid: int) -> ChainOmni:
        return next(c for c in self.chains if c.eid == eid)

    def stacks(self) -> dict[int, LzStack]:
        return {c.eid: c.lz for c in self.chains}

    def write_manifests(self, folder: Path, stem: str) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for c in self.chains:
            path = folder / f"{stem}.{c.chain.name}.omnichain.json"
            data = c.manifest(self.owner, self.pauser, None if c.home else self.blacklister, self.params)
            data["peers"] = {str(o.eid): o.chain.name for o in self.chains if o is not c}
            path.write_text(json.dumps(data, indent=2) + "\n")
            paths.append(path)
        return paths


def register_abis(chain: EvmChain, project: Any) -> None:
    """The suite's ABIs this module uses, from Ape's build (errors from all of them decode)."""
    for name in ("OmniLockbox", "OmniToken", "SuiteProxy", "LocalLzWorker", "USDai", "StakedUSDai"):
        chain.abis[name] = [a.model_dump(by_alias=True, mode="json") for a in getattr(project, name).contract_type.abi]


def _bytecode(project: Any, name: str) -> str:
    return str(getattr(project, name).contract_type.deployment_bytecode.bytecode)


def _proxy(chain: EvmChain, project: Any, name: str, implementation: str, admin: str, init: bytes, sender: str) -> Contract:
    proxy = chain.deploy("SuiteProxy", _bytecode(project, "SuiteProxy"), implementation, admin, init, sender=sender)
    return chain.contract(name, proxy.address)


def deploy_omnichain(
    project: Any,
    home: EvmChain,
    remotes: Sequence[EvmChain],
    home_tokens: Mapping[str, str],
    *,
    deployer: str,
    owner: str,
    pauser: str,
    blacklister: str,
    dvns: Mapping[int, str],
    params: OmniParams | None = None,
) -> Omnichain:
    """LayerZero on every chain, the lockboxes at home, the OFTs elsewhere, and their wiring.

    `owner` is each OApp's owner and endpoint delegate and each proxy's admin owner; the deployer wires the
    peers, options and limits while it owns them, then hands ownership to `owner` (one step: on a local
    rehearsal the owner is a known account)."""
    params = params or OmniParams()
    params.check()
    chains = [home, *remotes]
    for chain in chains:
        register_abis(chain, project)
    worker = _bytecode(project, "LocalLzWorker")
    stacks = {c.eid: deploy_layerzero(c, owner=deployer, dvn=dvns[c.eid], worker_bytecode=worker) for c in chains}
    for remote in remotes:
        connect(stacks[home.eid], stacks[remote.eid])

    home_part = ChainOmni(home, stacks[home.eid], True, tokens=dict(home_tokens))
    for token in TOKENS:
        impl = home.deploy("OmniLockbox", _bytecode(project, "OmniLockbox"), home_tokens[token],
                           stacks[home.eid].endpoint.address, sender=deployer)
        init = impl.functions.initialize(deployer, pauser)._encode_transaction_data()
        home_part.oapps[token] = _proxy(home, project, "OmniLockbox", impl.address, owner, bytes.fromhex(init[2:]), deployer)
        home_part.implementations[token] = impl.address
    remote_parts = []
    for remote in remotes:
        part = ChainOmni(remote, stacks[remote.eid], False)
        for token in TOKENS:
            impl = remote.deploy("OmniToken", _bytecode(project, "OmniToken"), stacks[remote.eid].endpoint.address,
                                 sender=deployer)
            init = impl.functions.initialize(token, token, deployer, pauser, blacklister)._encode_transaction_data()
            part.oapps[token] = _proxy(remote, project, "OmniToken", impl.address, owner, bytes.fromhex(init[2:]), deployer)
            part.implementations[token] = impl.address
            part.tokens[token] = part.oapps[token].address
        remote_parts.append(part)

    omni = Omnichain(home_part, remote_parts, params, Web3.to_checksum_address(owner), pauser, blacklister)
    for here in omni.chains:
        for there in omni.chains:
            if there is here or (not here.home and not there.home):
                continue  # remote chains talk to the home chain only
            for token in TOKENS:
                _wire(here, there, token, params, deployer)
    if Web3.to_checksum_address(deployer) != omni.owner:
        for c in omni.chains:
            for oapp in c.oapps.values():
                c.chain.transact(oapp.functions.setDelegate(owner), sender=deployer)
                c.chain.transact(oapp.functions.transferOwnership(owner), sender=deployer)
    return omni


def _wire(here: ChainOmni, there: ChainOmni, token: str, params: OmniParams, sender: str) -> None:
    oapp, peer = here.oapps[token], there.oapps[token]
    chain = here.chain
    chain.transact(oapp.functions.setPeer(there.eid, address_to_bytes32(peer.address)), sender=sender)
    options = lz_receive_option(params.lz_receive_gas)
    chain.transact(oapp.functions.setEnforcedOptions([(there.eid, SEND, options), (there.eid, SEND_AND_CALL, options)]),
                   sender=sender)
    chain.transact(
        oapp.functions.setRateLimits(there.eid, params.outbound_limit, params.window, params.inbound_limit, params.window),
        sender=sender,
    )


# ---------------------------------------------------------------- verification across chains


def verify_omnichain(omni: Omnichain) -> list[str]:
    """Every difference between the chains and the parameters, one line each (empty: all match)."""
    problems: list[str] = []
    p = omni.params
    for here in omni.chains:
        for token, oapp in here.oapps.items():
            where = f"{here.chain.name} {token}"
            if oapp.functions.owner().call() != omni.owner:
                problems.append(f"{where}: owner is {oapp.functions.owner().call()}, not {omni.owner}")
            if oapp.functions.pauser().call() != omni.pauser:
                problems.append(f"{where}: pauser is {oapp.functions.pauser().call()}")
            if not here.home and oapp.functions.blacklister().call() != omni.blacklister:
                problems.append(f"{where}: blacklister is {oapp.functions.blacklister().call()}")
            if oapp.functions.sharedDecimals().call() != SHARED_DECIMALS:
                problems.append(f"{where}: shared decimals are not {SHARED_DECIMALS}")
            for there in omni.chains:
                if there is here or (not here.home and not there.home):
                    continue
                route = f"{where} -> {there.chain.name}"
                expected_peer = address_to_bytes32(there.oapps[token].address)
                if bytes(oapp.functions.peers(there.eid).call()) != expected_peer:
                    problems.append(f"{route}: peer is not {there.chain.name}'s {token}")
                for msg_type in (SEND, SEND_AND_CALL):
                    options = bytes(oapp.functions.enforcedOptions(there.eid, msg_type).call())
                    if lz_receive_gas(options) != p.lz_receive_gas:
                        problems.append(f"{route}: enforced lzReceive gas is {lz_receive_gas(options)} (type {msg_type})")
                for outbound, limit in ((True, p.outbound_limit), (False, p.inbound_limit)):
                    stored = oapp.functions.rateLimit(there.eid, outbound).call()
                    if (stored[0], stored[1]) != (limit, p.window):
                        direction = "outbound" if outbound else "inbound"
                        problems.append(f"{route}: {direction} limit is {stored[0]} per {stored[1]} s, not {limit} per {p.window} s")
            for there in omni.chains:
                if there is here or (not here.home and not there.home):
                    continue
                inbound = oapp.functions.rateLimit(there.eid, False).call()[0]
                peer_outbound = there.oapps[token].functions.rateLimit(here.eid, True).call()[0]
                if inbound < peer_outbound:
                    problems.append(
                        f"{where} -> {there.chain.name}: inbound limit {inbound} is under {there.chain.name}'s outbound "
                        f"limit {peer_outbound}: a message that fits there could never be delivered here"
                    )
        if here.home:
            for token, oapp in here.oapps.items():
                if oapp.functions.token().call() != Web3.to_checksum_address(here.tokens[token]):
                    problems.append(f"{here.chain.name} {token}: lockbox locks {oapp.functions.token().call()}")
    return problems


def locked_and_supply(omni: Omnichain, token: str) -> tuple[int, int]:
    """(tokens locked in the home lockbox, the OFT supply on every other chain)."""
    home = omni.home
    erc20 = home.chain.contract("USDai", home.tokens[token])
    locked = int(erc20.functions.balanceOf(home.oapps[token].address).call())
    supply = sum(int(r.oapps[token].functions.totalSupply().call()) for r in omni.remotes)
    return locked, supply
