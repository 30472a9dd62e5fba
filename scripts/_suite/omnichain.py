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

from scripts._suite.journal import ChainSteps, Journal, StepBudget
from scripts._suite.layerzero import (
    ARTIFACTS,
    SEND,
    SEND_AND_CALL,
    TYPE_3,
    EvmChain,
    LzStack,
    address_to_bytes32,
    artifact,
    compose_option,
    connect,
    deploy_layerzero,
    external_layerzero,
    lz_compose_gas,
    lz_receive_gas,
    lz_receive_option,
)
from scripts._suite.relayer import ComposeRoute, Relayer, Route

TOKENS = ("USDai", "sUSDai")
SHARED_DECIMALS = 6
UNIT = 10**18


@dataclass(frozen=True)
class OmniParams:
    """Per route and direction: a bucket of `limit` units refilling over `window` seconds; `lz_receive_gas`
    is the gas the executor must give each delivery (enforced on every send), `lz_compose_gas` what it must
    give a compose (enforced on every send with a compose message: the stake from another chain)."""

    outbound_limit: int = 5_000_000 * UNIT
    inbound_limit: int = 5_000_000 * UNIT
    window: int = 86_400
    lz_receive_gas: int = 200_000
    lz_compose_gas: int = 800_000

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
        for name in ("lz_receive_gas", "lz_compose_gas"):
            if not 50_000 <= getattr(self, name) <= 2_000_000:
                raise ValueError(f"{name} {getattr(self, name)} is outside 50,000 to 2,000,000")

    def options(self, msg_type: int) -> bytes:
        """The enforced options of a message type: lzReceive gas, and lzCompose gas for a send-and-call."""
        options = lz_receive_option(self.lz_receive_gas)
        return options + compose_option(self.lz_compose_gas) if msg_type == SEND_AND_CALL else options


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


@dataclass
class Omnichain:
    home: ChainOmni
    remotes: list[ChainOmni]
    params: OmniParams
    owner: str
    pauser: str
    blacklister: str
    composer: Contract | None = None  # OmniComposer on the home chain: stake from another chain
    sent: int = 0  # transactions the deploy run that made this sent (0: a rerun of a finished launch)

    @property
    def chains(self) -> list[ChainOmni]:
        return [self.home, *self.remotes]

    def by_eid(self, eid: int) -> ChainOmni:
        return next(c for c in self.chains if c.eid == eid)

    def peers_of(self, here: ChainOmni) -> list[ChainOmni]:
        """The chains `here` is wired to: every other chain from home, home from any other chain."""
        return self.remotes if here.home else [self.home]

    def stacks(self) -> dict[int, LzStack]:
        return {c.eid: c.lz for c in self.chains}

    def routes(self) -> list[Route]:
        """Every (source eid, sender, destination eid, receiver) path between peers, both ways."""
        return [
            (here.eid, "0x" + address_to_bytes32(here.oapps[token].address).hex(), there.eid, there.oapps[token].address)
            for here in self.chains for there in self.peers_of(here) for token in TOKENS
        ]

    def compose_routes(self) -> list[ComposeRoute]:
        return [(self.home.eid, self.home.oapps["USDai"].address, self.composer.address)] if self.composer else []

    def relayer(self, state_path: Path | None = None) -> Relayer:
        """The local relayer for these chains and their routes; with no state yet it reads from the block the
        LayerZero stacks were deployed in, so no packet sent before it started is missed."""
        live = [c.chain.name for c in self.chains if c.lz.external]
        if live:
            raise ValueError(f"the local relayer serves local chains only; {', '.join(live)} use LayerZero's DVNs and executors")
        return Relayer(self.stacks(), self.routes(), state_path, compose_routes=self.compose_routes(),
                       default_compose_gas=self.params.lz_compose_gas, start_blocks={c.eid: c.lz.deployed_at for c in self.chains})

    def manifest(self, part: ChainOmni) -> dict[str, Any]:
        """One chain's manifest: its LayerZero contracts, its lockboxes or OFTs (proxy and implementation),
        the tokens holders hold there, its peers, the roles and the parameters."""
        contracts = dict(part.lz.contracts())
        if part.home and self.composer is not None:
            contracts["omniComposer"] = self.composer.address
        kind = "Lockbox" if part.home else "OFT"
        for token, oapp in part.oapps.items():
            contracts[f"{token}{kind}"] = oapp.address
            contracts[f"{token}{kind}Implementation"] = part.implementations[token]
        roles = {"owner": self.owner, "pauser": self.pauser}
        if not part.home:
            roles["blacklister"] = self.blacklister
        if part.lz.dvn is not None:
            roles["lzDvn"] = part.lz.dvn  # the local relayer's account
        return {
            "kind": "omnichain",
            "network": part.chain.name,
            "chainId": part.chain.chain_id,
            "eid": part.eid,
            "home": part.home,
            "startBlock": part.lz.deployed_at,
            "contracts": contracts,
            "tokens": part.tokens,
            "peers": {str(o.eid): o.chain.name for o in self.peers_of(part)},
            "roles": roles,
            "params": {
                "outboundLimit": str(self.params.outbound_limit),
                "inboundLimit": str(self.params.inbound_limit),
                "window": self.params.window,
                "lzReceiveGas": self.params.lz_receive_gas,
                "lzComposeGas": self.params.lz_compose_gas,
            },
        }

    @classmethod
    def from_manifests(cls, project: Any, chains: Sequence[EvmChain], manifests: Sequence[Mapping[str, Any]]) -> Omnichain:
        """The deployment the manifests describe, on `chains` (matched by chain id), for `verify_omnichain`,
        the relayer and holders' sends. A chain without a manifest, or a manifest without its chain, is
        refused by name."""
        by_id = {int(m["chainId"]): m for m in manifests}
        parts: list[ChainOmni] = []
        owner = pauser = blacklister = ""
        for chain in chains:
            m = by_id.pop(chain.chain_id, None)
            if m is None:
                raise ValueError(f"no omnichain manifest for {chain.name} (chain {chain.chain_id})")
            if int(m["eid"]) != chain.eid:
                raise ValueError(f"{chain.name}: the manifest says eid {m['eid']}, the chain is {chain.eid}")
            register_abis(chain, project)
            for name in ARTIFACTS:
                chain.abis[name] = artifact(name)["abi"]
            c = m["contracts"]
            optional = {k: chain.contract(n, c[k]) if k in c else None for k, n in (
                ("lzSendUln302", "SendUln302"), ("lzReceiveUln302", "ReceiveUln302"), ("lzLocalWorker", "LocalLzWorker"))}
            roles = m["roles"]
            lz = LzStack(chain, chain.contract("EndpointV2", c["lzEndpoint"]), optional["lzSendUln302"],
                         optional["lzReceiveUln302"], optional["lzLocalWorker"], roles.get("lzDvn"), None,
                         int(m.get("startBlock", 0)))
            is_home = bool(m["home"])
            kind, name = ("Lockbox", "OmniLockbox") if is_home else ("OFT", "OmniToken")
            part = ChainOmni(chain, lz, is_home, tokens=dict(m["tokens"]))
            for token in TOKENS:
                part.oapps[token] = chain.contract(name, c[f"{token}{kind}"])
                part.implementations[token] = c[f"{token}{kind}Implementation"]
            parts.append(part)
            owner, pauser = roles["owner"], roles["pauser"]
            blacklister = roles.get("blacklister", blacklister)
        if by_id:
            raise ValueError(f"manifests of chains not given: {sorted(by_id)}")
        homes = [p for p in parts if p.home]
        if len(homes) != 1:
            raise ValueError(f"{len(homes)} home chains among the manifests: exactly one is needed")
        home = homes[0]
        m = next(x for x in manifests if x["home"])
        p = m["params"]
        params = OmniParams(int(p["outboundLimit"]), int(p["inboundLimit"]), int(p["window"]), int(p["lzReceiveGas"]),
                            int(p["lzComposeGas"]))
        composer_address = m["contracts"].get("omniComposer")
        composer = home.chain.contract("OmniComposer", composer_address) if composer_address else None
        return cls(home, [x for x in parts if not x.home], params, owner, pauser, blacklister, composer)

    def write_manifests(self, folder: Path, stem: str) -> list[Path]:
        """`<stem>.<chain name>.omnichain.json` for every chain."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for part in self.chains:
            path = folder / f"{stem}.{part.chain.name}.omnichain.json"
            path.write_text(json.dumps(self.manifest(part), indent=2) + "\n")
            paths.append(path)
        return paths


def register_abis(chain: EvmChain, project: Any) -> None:
    """The suite's ABIs this module uses, from Ape's build (errors from all of them decode)."""
    for name in ("OmniLockbox", "OmniToken", "OmniComposer", "SuiteProxy", "LocalLzWorker", "USDai", "StakedUSDai"):
        chain.abis[name] = [a.model_dump(by_alias=True, mode="json") for a in getattr(project, name).contract_type.abi]


def _bytecode(project: Any, name: str) -> str:
    return str(getattr(project, name).contract_type.deployment_bytecode.bytecode)


def _proxy(steps: ChainSteps, project: Any, name: str, step: str, implementation: str, admin: str, init: bytes) -> Contract:
    proxy = steps.deploy(step, "SuiteProxy", _bytecode(project, "SuiteProxy"), implementation, admin, init)
    contract: Contract = steps.chain.contract(name, proxy.address)
    return contract


def journal_header(chain: EvmChain, *, home: bool, deployer: str, owner: str, pauser: str, blacklister: str,
                   params: OmniParams, home_tokens: Mapping[str, str], peers: Sequence[int],
                   endpoint: str | None) -> dict[str, Any]:
    """What one chain's journal is for: resuming with other inputs is refused (`Journal.open`)."""
    return {
        "kind": "omnichain", "network": chain.name, "chainId": chain.chain_id, "eid": chain.eid, "home": home,
        "deployer": Web3.to_checksum_address(deployer), "owner": Web3.to_checksum_address(owner),
        "pauser": Web3.to_checksum_address(pauser), "blacklister": Web3.to_checksum_address(blacklister),
        "homeTokens": {k: Web3.to_checksum_address(v) for k, v in home_tokens.items()}, "peers": sorted(peers),
        "endpoint": endpoint or "deployed from npm (local)",
        "params": {k: str(v) for k, v in vars(params).items()},
    }


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
    dvns: Mapping[int, str] | None = None,
    endpoints: Mapping[int, str] | None = None,
    params: OmniParams | None = None,
    journals: Mapping[int, Journal] | None = None,
    stop_after: int | None = None,
) -> Omnichain:
    """The one omnichain deploy path: LayerZero on every chain, the lockboxes and the composer at home, the
    OFTs elsewhere, and their wiring, every step journaled per chain (`journals`, by eid; in memory if
    absent), so that a run stopped anywhere resumes where it stopped and a finished one sends nothing.

    A chain in `endpoints` (eid -> address: a live chain's LayerZero endpoint) uses LayerZero's own
    endpoint, libraries, DVNs and executors; on any other chain (local) the endpoint and ULN302 are
    deployed from LayerZero's npm artifacts, with `dvns[eid]` as the verifier the local relayer signs as.
    Every input is checked before the first transaction.

    `owner` is each OApp's owner and endpoint delegate and each proxy's admin owner; the deployer wires the
    peers, options and limits while it owns them, then hands ownership to `owner` (one step, checked by
    `verify_omnichain`)."""
    params = params or OmniParams()
    params.check()
    endpoints, dvns = dict(endpoints or {}), dict(dvns or {})
    chains = [home, *remotes]
    if len({c.eid for c in chains}) != len(chains):
        raise ValueError(f"two chains share an endpoint id: {[c.eid for c in chains]}")
    for chain in chains:
        register_abis(chain, project)
        if chain.eid not in endpoints and chain.eid not in dvns:
            raise ValueError(f"{chain.name}: a local chain needs a DVN account (dvns) or a live chain its endpoint")
    for token in TOKENS:
        if not home.w3.eth.get_code(Web3.to_checksum_address(home_tokens[token])):
            raise ValueError(f"{home.name}: no {token} contract at {home_tokens[token]}")
    _check_accounts(chains, deployer, owner)
    external = {c.eid: external_layerzero(c, endpoints[c.eid]) for c in chains if c.eid in endpoints}
    for ec in chains:
        if ec.eid in external:
            peers = [r.eid for r in remotes] if ec is home else [home.eid]
            missing = [eid for eid in peers if not external[ec.eid].endpoint.functions.isSupportedEid(eid).call()]
            if missing:
                raise ValueError(f"{ec.name}: LayerZero's endpoint has no default pathway to eid {missing}")
    budget = StepBudget(stop_after)
    steps = {
        c.eid: ChainSteps(c, deployer, (journals or {}).get(c.eid) or Journal(None), budget) for c in chains
    }

    worker = _bytecode(project, "LocalLzWorker")
    stacks = {
        c.eid: external.get(c.eid) or deploy_layerzero(steps[c.eid], dvn=dvns[c.eid], worker_bytecode=worker)
        for c in chains
    }
    for remote in remotes:
        for a, b in ((home, remote), (remote, home)):
            if not stacks[a.eid].external:
                connect(stacks[a.eid], stacks[b.eid], steps[a.eid])

    home_part = ChainOmni(home, stacks[home.eid], True, tokens=dict(home_tokens))
    at_home = steps[home.eid]
    for token in TOKENS:
        impl = at_home.deploy(f"{token}.lockbox.implementation", "OmniLockbox", _bytecode(project, "OmniLockbox"),
                              home_tokens[token], stacks[home.eid].endpoint.address)
        init = impl.functions.initialize(deployer, pauser)._encode_transaction_data()
        home_part.oapps[token] = _proxy(at_home, project, "OmniLockbox", f"{token}.lockbox.proxy", impl.address, owner,
                                        bytes.fromhex(init[2:]))
        home_part.implementations[token] = impl.address
    remote_parts = []
    for remote in remotes:
        part = ChainOmni(remote, stacks[remote.eid], False)
        remote_steps = steps[remote.eid]
        for token in TOKENS:
            impl = remote_steps.deploy(f"{token}.oft.implementation", "OmniToken", _bytecode(project, "OmniToken"),
                                stacks[remote.eid].endpoint.address)
            init = impl.functions.initialize(token, token, deployer, pauser, blacklister)._encode_transaction_data()
            part.oapps[token] = _proxy(remote_steps, project, "OmniToken", f"{token}.oft.proxy", impl.address, owner,
                                       bytes.fromhex(init[2:]))
            part.implementations[token] = impl.address
            part.tokens[token] = part.oapps[token].address
        remote_parts.append(part)

    for ec in chains:  # LayerZero's own endpoint is older than the launch: its part starts at its first OApp
        if stacks[ec.eid].external:
            first = "USDai.lockbox.implementation" if ec is home else "USDai.oft.implementation"
            stacks[ec.eid].deployed_at = steps[ec.eid].block_of(first) or int(ec.w3.eth.block_number)
    composer = at_home.deploy(
        "composer", "OmniComposer", _bytecode(project, "OmniComposer"), stacks[home.eid].endpoint.address,
        home_part.oapps["USDai"].address, home_part.oapps["sUSDai"].address, home_tokens["sUSDai"],
    )
    omni = Omnichain(home_part, remote_parts, params, Web3.to_checksum_address(owner), pauser, blacklister, composer)
    for here in omni.chains:
        for there in omni.peers_of(here):
            for token in TOKENS:
                _wire(steps[here.eid], here, there, token, params)
    if Web3.to_checksum_address(deployer) != omni.owner:
        for c in omni.chains:
            for token, oapp in c.oapps.items():
                _hand_over(steps[c.eid], c, token, oapp, omni.owner)
    omni.sent = sum(s.sent for s in steps.values())
    return omni


def _check_accounts(chains: Sequence[EvmChain], deployer: str, owner: str) -> None:
    """Before any transaction: the deployer can pay on every chain, and the owner is one account on every
    chain. The owner also owns each proxy's admin (the upgrade rights) from its creation, in one step: a
    contract owner (a Safe, a timelock) deployed on some chains but not on another would leave that
    chain's upgrade rights to whoever deploys a contract at its address there."""
    if int(owner, 16) == 0:
        raise ValueError("the owner is the zero address")
    for c in chains:
        if c.w3.eth.get_balance(Web3.to_checksum_address(deployer)) == 0:
            raise ValueError(f"{c.name}: the deployer {deployer} holds no native token to pay gas")
    codes = {c.name: bytes(c.w3.eth.get_code(Web3.to_checksum_address(owner))) for c in chains}
    if len(set(codes.values())) > 1:
        found = ", ".join(f"{name}: {'no code' if not code else f'{len(code)} bytes'}" for name, code in codes.items())
        raise ValueError(
            f"the owner {owner} is not the same account on every chain ({found}): deploy it with the same code at "
            "this address on each chain first (or name an account that is)"
        )


def _hand_over(steps: ChainSteps, part: ChainOmni, token: str, oapp: Contract, owner: str) -> None:
    """The endpoint delegate, then the ownership, which the owner accepts (`accept_ownership`); the proxy's
    admin is the owner's from its creation."""
    endpoint = part.lz.endpoint
    steps.send(f"{token}.setDelegate", oapp.functions.setDelegate(owner),
               done=lambda: endpoint.functions.delegates(oapp.address).call() == owner)
    steps.send(f"{token}.transferOwnership", oapp.functions.transferOwnership(owner),
               done=lambda: owner in (oapp.functions.pendingOwner().call(), oapp.functions.owner().call()))


def pending_acceptance(omni: Omnichain) -> list[tuple[ChainOmni, str, Contract]]:
    """(chain, token, OApp) of every OApp whose ownership waits for the owner's `acceptOwnership`."""
    return [
        (part, token, oapp)
        for part in omni.chains for token, oapp in part.oapps.items()
        if oapp.functions.owner().call() != omni.owner and oapp.functions.pendingOwner().call() == omni.owner
    ]


def accept_ownership(omni: Omnichain) -> int:
    """The owner accepts every OApp handed to it (the owner must be able to sign on every chain: an
    unlocked account locally, or a signer); returns the number accepted."""
    waiting = pending_acceptance(omni)
    for part, _, oapp in waiting:
        part.chain.transact(oapp.functions.acceptOwnership(), sender=omni.owner)
    return len(waiting)


def _wire(steps: ChainSteps, here: ChainOmni, there: ChainOmni, token: str, params: OmniParams) -> None:
    oapp, peer = here.oapps[token], there.oapps[token]
    eid, peer_word = there.eid, address_to_bytes32(peer.address)
    steps.send(f"{token}.{eid}.peer", oapp.functions.setPeer(eid, peer_word),
               done=lambda: bytes(oapp.functions.peers(eid).call()) == peer_word)
    enforced = [(eid, t, params.options(t)) for t in (SEND, SEND_AND_CALL)]
    steps.send(f"{token}.{eid}.enforcedOptions", oapp.functions.setEnforcedOptions(enforced),
               done=lambda: all(bytes(oapp.functions.enforcedOptions(eid, t).call()) == o for _, t, o in enforced))
    limits = {True: (params.outbound_limit, params.window), False: (params.inbound_limit, params.window)}
    steps.send(
        f"{token}.{eid}.rateLimits",
        oapp.functions.setRateLimits(eid, params.outbound_limit, params.window, params.inbound_limit, params.window),
        done=lambda: all(tuple(oapp.functions.rateLimit(eid, d).call()[:2]) == limits[d] for d in limits),
    )


# ---------------------------------------------------------------- a holder's send


def _send_param(
    part: ChainOmni, token: str, sender: str, amount: int, dst_eid: int, recipient: str | None, min_amount: int | None,
    compose_msg: bytes, extra_options: bytes,
) -> tuple[Any, ...]:
    """LayerZero's `SendParam` of a holder's send, after the checks a contract would make too late or not
    at all: the recipient, and the sender's balance."""
    to = recipient or sender
    if int(to, 16) == 0:
        # The contracts accept it (LayerZero's OFT does) but it could never be released at home.
        raise ValueError("refusing to send to the zero address: it could never be released")
    holding = part.oapps[token] if not part.home else part.chain.contract("USDai", part.tokens[token])
    held = int(holding.functions.balanceOf(Web3.to_checksum_address(sender)).call())
    if held < amount:
        raise ValueError(f"{sender} holds {held / UNIT:,.6f} {token} on {part.chain.name}, not {amount / UNIT:,.6f}")
    dust = amount % 10 ** (18 - SHARED_DECIMALS)
    return (dst_eid, address_to_bytes32(to), amount, amount - dust if min_amount is None else min_amount,
            extra_options, compose_msg, b"")


def quote_send(
    part: ChainOmni, token: str, sender: str, amount: int, dst_eid: int, *, recipient: str | None = None,
    min_amount: int | None = None, compose_msg: bytes = b"", extra_options: bytes = b"",
) -> int:
    """The native fee of `send_tokens` with the same arguments (nothing is sent); a refusal the quote can
    see (no peer, slippage) raises `TxFailed`. The quote does not see the pause or the rate limit:
    `send_problems` reads them."""
    param = _send_param(part, token, sender, amount, dst_eid, recipient, min_amount, compose_msg, extra_options)
    return int(part.chain.call(part.oapps[token].functions.quoteSend(param, False))[0])


def send_problems(part: ChainOmni, token: str, sender: str, amount: int, dst_eid: int, fee: int) -> list[str]:
    """What would refuse a holder's send that neither the quote nor an approval would show: the OApp's
    pause, dust only, the rate limit's room, the native fee. One line each; empty: nothing known."""
    oapp, chain = part.oapps[token], part.chain
    problems = []
    sent = amount - amount % 10 ** (18 - SHARED_DECIMALS)
    if oapp.functions.paused().call():
        problems.append(f"{token} sends from {chain.name} are paused")
    if sent == 0:
        problems.append(f"{amount} wei is all dust under the shared decimals: nothing would arrive")
    room = int(oapp.functions.availableToMove(dst_eid, True).call())
    if room < sent:
        problems.append(f"the route from {chain.name} to eid {dst_eid} has room for {room / UNIT:,.6f} {token} now "
                        f"(rate limit), not {sent / UNIT:,.6f}")
    native = int(chain.w3.eth.get_balance(Web3.to_checksum_address(sender)))
    if native < fee:
        problems.append(f"{sender} has {native / UNIT:,.6f} native on {chain.name}; the fee is {fee / UNIT:,.6f}")
    return problems


def send_tokens(
    part: ChainOmni, token: str, sender: str, amount: int, dst_eid: int, *, recipient: str | None = None,
    min_amount: int | None = None, compose_msg: bytes = b"", extra_options: bytes = b"",
) -> Any:
    """`sender` sends `amount` of `token` from `part`'s chain to `recipient` (default: itself) on `dst_eid`,
    paying the quoted fee; at home the lockbox is approved first if it must be. The minimum received
    defaults to the amount less its shared-decimals dust. Returns the receipt; a refusal raises `TxFailed`
    with the decoded error (from the quote or the send), before anything is sent."""
    param = _send_param(part, token, sender, amount, dst_eid, recipient, min_amount, compose_msg, extra_options)
    oapp, chain = part.oapps[token], part.chain
    fee = chain.call(oapp.functions.quoteSend(param, False))
    if part.home:
        erc20 = chain.contract("USDai", part.tokens[token])
        if erc20.functions.allowance(sender, oapp.address).call() < amount:
            chain.transact(erc20.functions.approve(oapp.address, amount), sender=sender)
    return chain.transact(oapp.functions.send(param, fee, sender), sender=sender, value=fee[0])


def _stake_message(omni: Omnichain, part: ChainOmni, amount: int, recipient: str, min_shares: int) -> tuple[bytes, bytes]:
    """(compose message, extra options) of a stake: the compose option carries the native fee of the send
    back (quoted now, with a 20% margin; the endpoint returns what it does not take to the recipient at
    home), so that the executor attaches it to `lzCompose`."""
    to = address_to_bytes32(recipient)
    back = (part.eid, to, amount, 0, b"", b"", b"")
    fee = omni.home.chain.call(omni.home.oapps["sUSDai"].functions.quoteSend(back, False))[0]
    extra = TYPE_3 + compose_option(0, 0, fee * 12 // 10) if fee else b""
    return bytes(to) + min_shares.to_bytes(32, "big"), extra  # abi.encode(bytes32, uint256)


def quote_stake(omni: Omnichain, part: ChainOmni, sender: str, amount: int, *, recipient: str | None = None,
                min_shares: int = 0) -> int:
    """The native fee of `stake_from` with the same arguments (nothing is sent)."""
    assert omni.composer is not None and not part.home
    message, extra = _stake_message(omni, part, amount, recipient or sender, min_shares)
    return quote_send(part, "USDai", sender, amount, omni.home.eid, recipient=omni.composer.address,
                      compose_msg=message, extra_options=extra)


def stake_from(omni: Omnichain, part: ChainOmni, sender: str, amount: int, *, recipient: str | None = None,
               min_shares: int = 0) -> Any:
    """`sender` stakes `amount` of its USDai on `part`'s chain: sent home to the composer, deposited in
    sUSDai, the shares sent back to `recipient` (default: itself) on `part`'s chain."""
    assert omni.composer is not None and not part.home
    message, extra = _stake_message(omni, part, amount, recipient or sender, min_shares)
    return send_tokens(part, "USDai", sender, amount, omni.home.eid, recipient=omni.composer.address,
                       compose_msg=message, extra_options=extra)


# ---------------------------------------------------------------- verification across chains


def verify_omnichain(omni: Omnichain) -> list[str]:
    """Every difference between the chains and the parameters, one line each (empty: all match)."""
    problems: list[str] = []
    p = omni.params
    for here in omni.chains:
        for token, oapp in here.oapps.items():
            where = f"{here.chain.name} {token}"
            owner, pending = oapp.functions.owner().call(), oapp.functions.pendingOwner().call()
            if owner != omni.owner:
                waiting = f"; {omni.owner} has not accepted yet (acceptOwnership())" if pending == omni.owner else ""
                problems.append(f"{where}: owner is {owner}, not {omni.owner}{waiting}")
            roles = {
                "endpoint delegate": (here.lz.endpoint.functions.delegates(oapp.address).call(), omni.owner),
                "pauser": (oapp.functions.pauser().call(), omni.pauser),
            }
            if here.home:
                roles["locked token"] = (oapp.functions.token().call(), Web3.to_checksum_address(here.tokens[token]))
            else:
                roles["blacklister"] = (oapp.functions.blacklister().call(), omni.blacklister)
            problems += [f"{where}: {role} is {got}, not {want}" for role, (got, want) in roles.items() if got != want]
            if oapp.functions.sharedDecimals().call() != SHARED_DECIMALS:
                problems.append(f"{where}: shared decimals are not {SHARED_DECIMALS}")
            for there in omni.peers_of(here):
                route = f"{where} -> {there.chain.name}"
                peer = there.oapps[token]
                if bytes(oapp.functions.peers(there.eid).call()) != address_to_bytes32(peer.address):
                    problems.append(f"{route}: peer is not {there.chain.name}'s {token}")
                for msg_type in (SEND, SEND_AND_CALL):
                    options = bytes(oapp.functions.enforcedOptions(there.eid, msg_type).call())
                    if options != p.options(msg_type):
                        problems.append(
                            f"{route}: enforced options (type {msg_type}) ask lzReceive {lz_receive_gas(options)} and "
                            f"lzCompose {lz_compose_gas(options)[0]} gas, not {p.lz_receive_gas} and "
                            f"{p.lz_compose_gas if msg_type == SEND_AND_CALL else 0}"
                        )
                limits = {outbound: oapp.functions.rateLimit(there.eid, outbound).call()[:2] for outbound in (True, False)}
                for outbound, limit in ((True, p.outbound_limit), (False, p.inbound_limit)):
                    stored, window = limits[outbound]
                    if (stored, window) != (limit, p.window):
                        direction = "outbound" if outbound else "inbound"
                        problems.append(f"{route}: {direction} limit is {stored} per {window} s, not {limit} per {p.window} s")
                inbound = limits[False][0]
                peer_outbound = peer.functions.rateLimit(here.eid, True).call()[0]
                if inbound < peer_outbound:
                    problems.append(
                        f"{route}: inbound limit {inbound} is under {there.chain.name}'s outbound limit {peer_outbound}: "
                        "a message that fits there could never be delivered here"
                    )
    if omni.composer is not None:
        c, home = omni.composer, omni.home
        wiring = {
            "endpoint": (c.functions.endpoint().call(), home.lz.endpoint.address),
            "USDai lockbox": (c.functions.usdaiLockbox().call(), home.oapps["USDai"].address),
            "sUSDai lockbox": (c.functions.susdaiLockbox().call(), home.oapps["sUSDai"].address),
            "vault": (c.functions.vault().call(), Web3.to_checksum_address(home.tokens["sUSDai"])),
        }
        problems += [f"composer: {name} is {got}, not {want}" for name, (got, want) in wiring.items() if got != want]
    return problems


def locked_and_supply(omni: Omnichain, token: str) -> tuple[int, int]:
    """(tokens locked in the home lockbox, the OFT supply on every other chain)."""
    home = omni.home
    erc20 = home.chain.contract("USDai", home.tokens[token])
    locked = int(erc20.functions.balanceOf(home.oapps[token].address).call())
    supply = sum(int(r.oapps[token].functions.totalSupply().call()) for r in omni.remotes)
    return locked, supply
