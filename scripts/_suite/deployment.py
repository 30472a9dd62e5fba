"""The one deploy path of the suite.

`deploy_suite` deploys everything: on a local chain first the stand-ins (LocalWrappedM, USDC/USDT-like
stablecoins, Uniswap V3 from its npm artifacts with a wM pool per stablecoin, or the reserve-backed local
venue, and price-feed stand-ins), on a fork or a live network the real token, router and Chainlink
addresses of the network config; then each core contract as an implementation behind OpenZeppelin's
TransparentUpgradeableProxy, initialized in the proxy's constructor (no front-running window), and
the roles. Test fixtures, `scripts/deploy.py`, the demo and the benchmarks all call it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ape import project
from eth_utils.address import is_address, is_checksum_address, to_checksum_address
from eth_utils.crypto import keccak

from scripts._suite.abi import init_args
from scripts._suite.build import ensure_fresh_build
from scripts._suite.journal import Journal, Steps
from scripts._suite.uniswap import UniswapStack, deploy_uniswap

BPS = 10_000
DEAD = "0x000000000000000000000000000000000000dEaD"
DAY = 86_400
WM_DECIMALS = 6
USDAI = 10**18
WM = 10**6


@dataclass(frozen=True)
class Params:
    """Initializer parameters, at their defaults (docs/DESIGN.md, "Parameters and defaults")."""

    wm_earner_rate_bps: int = 400
    # The swap venue of a local chain: "uniswap" (Uniswap V3 from npm, as on Arbitrum) or "local" (the
    # 1:1 reserve venue, for tests that need a price they control).
    venue: str = "uniswap"
    swap_fee_bps: int = 1  # the local venue's fee
    # Each side of each local Uniswap pool, in wM units, between -range and +range ticks around 1:1.
    uniswap_liquidity: int = 10_000_000 * 10**6
    uniswap_tick_range: int = 200  # about +-2%
    # USDai's price guard on every swap leg (docs/DESIGN.md, "USDai"): the oldest feed answer accepted
    # (Chainlink's USDC/USD and USDT/USD heartbeat on Arbitrum is 24 h), the largest gap between a swap's
    # price and the feed's, and the wait after the L2 sequencer comes back.
    price_max_age: int = 90_000
    price_max_deviation_bps: int = 50
    sequencer_grace_period: int = 3_600
    usdai_supply_cap: int = 1_000_000_000 * USDAI
    usdai_admin_fee_bps: int = 100
    cycle_duration: int = 30 * DAY
    min_request_shares: int = USDAI
    max_open_requests: int = 50
    vault_supply_cap: int = 1_000_000_000 * USDAI
    # None: cycle 0 starts at the deployment block.
    genesis: int | None = None
    # Dead shares: USDai staked at deployment for an address nobody controls, so that yield or a
    # donation reaching the vault before its first depositor cannot set an absurd share price.
    seed_stake: int = USDAI
    qev_bid_window: int = 5 * DAY
    qev_reveal_window: int = 2 * DAY
    qev_max_bids: int = 4096
    qev_min_fee_bps: int = 10
    qev_keeper_tip_bps: int = 100
    caliber_max_appraisal_age: int = 90 * DAY
    filo_min_first_loss_bps: int = 1000
    filo_max_ltv_bps: int = 7000
    filo_liquidation_cost_bps: int = 3000
    filo_max_curator_fee_bps: int = 2000
    filo_grace_period: int = 30 * DAY
    # What a stale appraisal loses on top of the liquidation cost: 100% (it supports nothing).
    filo_stale_haircut_bps: int = 10_000
    filo_maintenance_ltv_bps: int = 8500
    filo_cure_period: int = 14 * DAY
    filo_penalty_bps: int = 500
    filo_recovery_period: int = 180 * DAY
    # Residual value of an appraisal after k months (bps), per CALIBER asset class: GPUs lose 2% of
    # their appraised value a month, down to a 20% floor (the last entry holds beyond).
    depreciation_curves: dict[str, tuple[int, ...]] = field(
        default_factory=lambda: {"GPU": tuple(max(2_000, BPS - 200 * k) for k in range(41))}
    )

    def problems(self) -> list[str]:
        """Every parameter outside the bounds its contract enforces, one line each: the deploy checks
        them before its first transaction (`tests/unit/scripts/test_deploy.py` holds each bound against
        the contract's own refusal)."""
        cycle = self.cycle_duration
        bounds: list[tuple[str, int, int, int]] = [
            ("swap_fee_bps", self.swap_fee_bps, 0, 100),  # LocalSwapVenue.MAX_FEE_BPS
            ("uniswap_liquidity", self.uniswap_liquidity, 1, 2**96 - 1),
            ("uniswap_tick_range", self.uniswap_tick_range, 1, 887_272),  # TickMath.MAX_TICK
            ("price_max_age", self.price_max_age, 60, 7 * DAY),  # USDai.setPriceFeed
            ("price_max_deviation_bps", self.price_max_deviation_bps, 1, 1_000),  # USDai.setPriceGuard
            ("sequencer_grace_period", self.sequencer_grace_period, 0, DAY),
            ("usdai_admin_fee_bps", self.usdai_admin_fee_bps, 0, 2_000),  # USDai.MAX_ADMIN_FEE_BPS
            ("cycle_duration", cycle, 1, 2**32 - 1),  # StakedUSDaiModule.initialize (a uint32)
            ("min_request_shares", self.min_request_shares, 0, 2**88 - 1),
            ("max_open_requests", self.max_open_requests, 1, 2**16 - 1),
            ("seed_stake", self.seed_stake, 0, self.vault_supply_cap),
            ("qev_bid_window", self.qev_bid_window, 1, max(cycle - 1, 0)),
            ("qev_reveal_window", self.qev_reveal_window, 1, max(cycle - self.qev_bid_window - 1, 0)),
            ("qev_max_bids", self.qev_max_bids, 1, 2**16 - 1),
            ("qev_min_fee_bps", self.qev_min_fee_bps, 0, 8_191),  # QEVAuction.MAX_MIN_FEE_BPS
            ("qev_keeper_tip_bps", self.qev_keeper_tip_bps, 0, 1_000),  # QEVAuction.MAX_KEEPER_TIP_BPS
            ("caliber_max_appraisal_age", self.caliber_max_appraisal_age, 1, 2**256 - 1),
            ("filo_min_first_loss_bps", self.filo_min_first_loss_bps, 0, BPS),
            ("filo_max_curator_fee_bps", self.filo_max_curator_fee_bps, 0, BPS),
            # CreditPolicy.checkRiskParams
            ("filo_max_ltv_bps", self.filo_max_ltv_bps, 1, BPS),
            ("filo_liquidation_cost_bps", self.filo_liquidation_cost_bps, 0, BPS),
            ("filo_grace_period", self.filo_grace_period, 0, 365 * DAY),
            ("filo_stale_haircut_bps", self.filo_stale_haircut_bps, 0, BPS),
            ("filo_maintenance_ltv_bps", self.filo_maintenance_ltv_bps, self.filo_max_ltv_bps, BPS),
            ("filo_cure_period", self.filo_cure_period, DAY, 90 * DAY),
            ("filo_penalty_bps", self.filo_penalty_bps, 0, 5_000),
            ("filo_recovery_period", self.filo_recovery_period, 30 * DAY, 3 * 365 * DAY),
        ]
        found = [
            f"{name.replace('_', '-')} = {value:,} is outside [{low:,}, {high:,}]"
            for name, value, low, high in bounds
            if not low <= value <= high
        ]
        # USDai and the vault store a cap in 96 bits, type(uint256).max meaning none (`_encodeCap`).
        for name, cap in (("usdai_supply_cap", self.usdai_supply_cap), ("vault_supply_cap", self.vault_supply_cap)):
            if cap != 2**256 - 1 and not 0 <= cap <= 2**96 - 2:
                found.append(f"{name.replace('_', '-')} = {cap:,} is outside [0, {2**96 - 2:,}] (or 2^256 - 1 for none)")
        if self.venue not in VENUES:
            found.append(f"venue = {self.venue!r} is not one of {', '.join(VENUES)}")
        for asset_class, curve in self.depreciation_curves.items():
            # CreditPolicy.setDepreciationCurve: 1 to 366 monthly entries, at most 100%, never rising.
            if not 1 <= len(curve) <= 366 or curve[0] > BPS or any(b > a for a, b in zip(curve, curve[1:], strict=False)):
                found.append(f"depreciation curve {asset_class!r}: 1-366 entries, at most {BPS}, never rising")
        return found

    def stack_rules(self) -> dict[str, int]:
        """FiLoRegistry's StackRules, by field name (placed by the ABI: `scripts/_suite/abi.py`)."""
        return {"minFirstLossBps": self.filo_min_first_loss_bps, "maxCuratorFeeBps": self.filo_max_curator_fee_bps}

    def book_risk(self) -> dict[str, int]:
        """LoanBook's RiskParams, by field name."""
        return {
            "maxLtvBps": self.filo_max_ltv_bps,
            "liquidationCostBps": self.filo_liquidation_cost_bps,
            "gracePeriod": self.filo_grace_period,
            "staleHaircutBps": self.filo_stale_haircut_bps,
            "maintenanceLtvBps": self.filo_maintenance_ltv_bps,
            "curePeriod": self.filo_cure_period,
            "penaltyBps": self.filo_penalty_bps,
            "recoveryPeriod": self.filo_recovery_period,
        }


VENUES = ("uniswap", "local")


def asset_class_key(asset_class: str) -> bytes:
    """How the credit policy names a CALIBER asset class: keccak256(bytes(assetClass))."""
    return keccak(text=asset_class)


@dataclass(frozen=True)
class NetworkConfig:
    """Where the external tokens come from. `local=True` deploys stand-ins."""

    name: str
    local: bool
    wm: str | None = None
    usdc: str | None = None
    usdt: str | None = None
    swap_router: str | None = None
    # Uniswap V3 pool fee tiers (hundredths of a bip) of the wM/USDC and wM/USDT pools.
    pool_fees: tuple[int, int] = (100, 100)
    # Chainlink USDC/USD and USDT/USD feeds and the L2 sequencer-uptime feed (None: none on this chain).
    usdc_feed: str | None = None
    usdt_feed: str | None = None
    sequencer_feed: str | None = None


ARBITRUM_ONE = NetworkConfig(
    name="arbitrum-one",
    local=False,
    wm="0x437cc33344a0B27A429f795ff6B469C72698B291",
    usdc="0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    usdt="0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9",
    swap_router="0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
    usdc_feed="0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3",
    usdt_feed="0x3f3f5dF88dC9F13eac63DF89EC16ef6e7E25DdE7",
    sequencer_feed="0xFdB631F5EE196F0ed6FAa767959853A9F217697D",
)
LOCAL = NetworkConfig(name="local", local=True)

NETWORKS: dict[str, NetworkConfig] = {
    "local": LOCAL,
    "arbitrum:mainnet-fork": ARBITRUM_ONE,
    "arbitrum:mainnet": ARBITRUM_ONE,
    # Arbitrum Sepolia has no wM: the launch deploys the stand-ins there too.
    "arbitrum:sepolia": NetworkConfig(name="arbitrum-sepolia", local=True),
}


def network_config(choice: str) -> NetworkConfig:
    """The config of an Ape network choice such as `arbitrum:mainnet-fork:foundry`."""
    ecosystem_network = ":".join(choice.split(":")[:2])
    if ecosystem_network.startswith("ethereum:local") or choice == "local":
        return LOCAL
    return NETWORKS.get(ecosystem_network, LOCAL)


@dataclass(frozen=True)
class TimelockSpec:
    """Governance as an OpenZeppelin TimelockController deployed by the same path: `proposers` schedule
    and cancel, `executors` execute (an empty list: anyone may execute a ready operation), nobody
    administers it but itself."""

    min_delay: int
    proposers: tuple[str, ...]
    executors: tuple[str, ...] = ()


@dataclass
class Suite:
    """Every deployed contract, as Ape contract instances, and the journal of the run that made them."""

    network: NetworkConfig
    params: Params
    deployer: Any
    governance: Any
    wm: Any
    usdc: Any
    usdt: Any
    swap_adapter: Any
    usdai: Any
    vault: Any
    ticket: Any
    auction: Any
    caliber: Any
    registry: Any
    loan_book: Any
    credit_policy: Any
    venue: Any = None  # the local reserve venue (venue "local")
    uniswap: UniswapStack | None = None  # Uniswap V3 deployed from npm (venue "uniswap" on a local chain)
    price_feeds: dict[str, Any] = field(default_factory=dict)  # USDC, USDT, sequencer -> feed
    timelock: Any = None
    timelock_spec: TimelockSpec | None = None
    roles: dict[str, Any] = field(default_factory=dict)
    proxy_admins: dict[str, str] = field(default_factory=dict)
    implementations: dict[str, str] = field(default_factory=dict)
    journal: Journal | None = None
    genesis: int = 0

    def contracts(self) -> dict[str, str]:
        """Manifest name -> checksummed address."""
        contracts = {name: getattr(self, attr).address for name, attr in CONTRACT_ATTRS.items()}
        if self.venue is not None:
            contracts["localSwapVenue"] = self.venue.address
        if self.uniswap is not None:
            contracts.update(self.uniswap.contracts())
        for label, feed in self.price_feeds.items():
            contracts[f"priceFeed{label}"] = feed.address
        if self.timelock is not None:
            contracts["timelock"] = self.timelock.address
        return {name: to_checksum_address(address) for name, address in contracts.items()}

    def expected_roles(self) -> dict[str, dict[str, list[str]]]:
        """Manifest name -> role -> the accounts that must hold it (and nobody else)."""
        governance = _address(self.governance)
        expected: dict[str, dict[str, list[str]]] = {}
        for attr, grants in ROLE_GRANTS.items():
            table = {"DEFAULT_ADMIN_ROLE": [governance]}
            for role_name, holder in grants:
                table.setdefault(role_name, []).append(_address(self.roles.get(holder, self.governance)))
            expected[MANIFEST_NAMES[attr]] = {role: sorted(set(holders)) for role, holders in table.items()}
        return expected

    def manifest(self) -> dict[str, Any]:
        provider = self.deployer.provider
        steps = self.journal.transactions() if self.journal else []
        blocks = [s["block"] for s in steps if s.get("block") is not None]
        timelock = None
        if self.timelock is not None and self.timelock_spec is not None:
            timelock = {
                "address": to_checksum_address(self.timelock.address),
                "minDelay": self.timelock_spec.min_delay,
                "proposers": [to_checksum_address(a) for a in self.timelock_spec.proposers],
                "executors": [to_checksum_address(a) for a in self.timelock_spec.executors],
            }
        return {
            "version": MANIFEST_VERSION,
            "network": self.network.name,
            "chainId": int(provider.chain_id),
            "deployer": _address(self.deployer),
            "governance": _address(self.governance),
            "timelock": timelock,
            "commit": git_commit(),
            "startBlock": min(blocks) if blocks else None,
            "endBlock": max(blocks) if blocks else None,
            "contracts": self.contracts(),
            "implementations": {k: to_checksum_address(v) for k, v in self.implementations.items()},
            "proxyAdmins": {k: to_checksum_address(v) for k, v in self.proxy_admins.items()},
            "roles": self.expected_roles(),
            "params": self.params.__dict__,
            "genesis": self.genesis,
            "transactions": steps,
            "notes": launch_notes(self.network),
        }

    def write_manifest(
        self, folder: Path, network_name: str, force: bool = False, extra: Mapping[str, Any] | None = None
    ) -> Path:
        """Writes `<folder>/<network_name>.json` (with `extra` tables, e.g. the storage layouts). An
        existing manifest of *another* deployment is never overwritten without `force` (rewriting the
        same deployment's manifest is allowed)."""
        path = folder / f"{network_name}.json"
        manifest = {**self.manifest(), **(extra or {})}
        if path.exists() and not force:
            try:
                old = json.loads(path.read_text()).get("contracts")
            except json.JSONDecodeError:
                old = None
            if old != manifest["contracts"]:
                raise ManifestExists(f"{path} describes another deployment; pass --force to replace it")
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, path)
        return path


class ManifestExists(FileExistsError):
    """A manifest of another deployment is in the way (`--force` replaces it)."""


MANIFEST_VERSION = 2
# Manifest name -> Suite attribute, for the contracts every deployment has.
CONTRACT_ATTRS: dict[str, str] = {
    "wM": "wm",
    "USDC": "usdc",
    "USDT": "usdt",
    "swapAdapter": "swap_adapter",
    "USDai": "usdai",
    "sUSDai": "vault",
    "RedemptionTicket": "ticket",
    "QEVAuction": "auction",
    "CaliberReceipt": "caliber",
    "FiLoRegistry": "registry",
    "LoanBook": "loan_book",
    "CreditPolicy": "credit_policy",
}
MANIFEST_NAMES = {attr: name for name, attr in CONTRACT_ATTRS.items()}


def _address(account: Any) -> str:
    return to_checksum_address(getattr(account, "address", account))


def git_commit() -> str | None:
    """The commit the build came from (`-dirty` when the work tree has changes), or None outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "contracts", "interfaces"], cwd=root,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def launch_notes(network: NetworkConfig) -> list[str]:
    """What a deployer still has to do by hand after the deploy."""
    if network.local:
        return []
    return [
        "M^0 earner approval: USDai earns the wM base yield only once M^0 governance has approved the USDai "
        "address as an earner and `startEarningFor(USDai)` has been called on wM; until then "
        "harvestableBaseYield stays 0 and sUSDai grows from loan interest alone.",
    ]


def deploy_proxy(
    container: Any,
    deployer: Any,
    admin_owner: Any,
    init: Mapping[str, Any],
    impl_args: tuple[Any, ...] = (),
    init_abi: Any = None,
    steps: Steps | None = None,
    name: str | None = None,
) -> tuple[Any, str, str]:
    """Deploys `container(*impl_args)` as an implementation and a TransparentUpgradeableProxy
    initialized with `initialize(**init)` (arguments by name, placed by the ABI of `init_abi`, by default
    `container`); returns (proxied instance, implementation address, ProxyAdmin address). With `steps`,
    the two creations are journaled as `<name>.implementation` and `<name>.proxy`."""
    steps = steps or Steps(deployer, Journal(None))
    name = name or container.contract_type.name
    implementation = steps.deploy(f"{name}.implementation", container, *impl_args)
    data = implementation.initialize.encode_input(*init_args(init_abi or container, **init))
    proxy = steps.deploy(f"{name}.proxy", project.SuiteProxy, implementation.address, admin_owner, data)
    return container.at(proxy.address), implementation.address, proxy_admin_of(deployer.provider, proxy.address)


# EIP-1967 slots of a proxy's implementation and admin.
IMPLEMENTATION_SLOT = int("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc", 16)
ADMIN_SLOT = int("b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103", 16)


def _slot_address(provider: Any, address: str, slot: int) -> str:
    return to_checksum_address(bytes(provider.get_storage(address, slot))[-20:])


def proxy_admin_of(provider: Any, proxy: str) -> str:
    return _slot_address(provider, proxy, ADMIN_SLOT)


def implementation_of(provider: Any, proxy: str) -> str:
    return _slot_address(provider, proxy, IMPLEMENTATION_SLOT)


def owner_of(provider: Any, ownable: str) -> str:
    """`owner()` of an Ownable (a ProxyAdmin: OpenZeppelin's, deployed by each proxy, is not in the build)."""
    raw = provider.web3.eth.call({"to": ownable, "data": "0x8da5cb5b"})
    return to_checksum_address(bytes(raw)[-20:])


def deploy_vault(
    deployer: Any, admin_owner: Any, init: Mapping[str, Any], steps: Steps | None = None
) -> tuple[Any, str, str, str]:
    """sUSDai: its module (the less frequent entry points, run by delegatecall), then the vault
    implementation bound to it, behind a proxy. Returns (vault, implementation, ProxyAdmin, module).
    The initializer runs in the module, whose ABI names its arguments (the vault's stub leaves them
    unnamed; `tests/unit/scripts/test_abi.py` checks that both take the same types)."""
    steps = steps or Steps(deployer, Journal(None))
    module = steps.deploy("sUSDai.module", project.StakedUSDaiModule)
    vault, implementation, proxy_admin = deploy_proxy(
        project.StakedUSDai,
        deployer,
        admin_owner,
        init,
        impl_args=(module,),
        init_abi=project.StakedUSDaiModule,
        steps=steps,
        name="sUSDai",
    )
    return vault, implementation, proxy_admin, module.address


@dataclass
class Venue:
    """What a deploy swaps through: the adapter USDai calls, and the venue behind it."""

    adapter: Any
    local: Any = None  # LocalSwapVenue
    uniswap: UniswapStack | None = None


def deploy_local_tokens(steps: Steps, params: Params) -> tuple[Any, Any, Any]:
    """Stand-ins: wM with earning, USDC and USDT, owned (and minted) by the deployer."""
    owner = steps.account
    wm = steps.deploy("local.wM", project.LocalWrappedM, owner, params.wm_earner_rate_bps)
    usdc = steps.deploy("local.USDC", project.LocalStablecoin, "USD Coin (local)", "USDC", owner)
    usdt = steps.deploy("local.USDT", project.LocalStablecoin, "Tether USD (local)", "USDT", owner)
    return wm, usdc, usdt


def deploy_local_venue(steps: Steps, params: Params, wm: Any, usdc: Any, usdt: Any) -> Venue:
    """The venue of a local chain: Uniswap V3 from npm with a wM pool per stablecoin (`venue="uniswap"`),
    or the 1:1 reserve venue that mints and burns wM (`venue="local"`)."""
    if params.venue == "uniswap":
        stables = (("USDC", usdc), ("USDT", usdt))
        fee = LOCAL.pool_fees[0]
        stack = deploy_uniswap(steps, wm, stables, fee, params.uniswap_liquidity, params.uniswap_tick_range)
        adapter = steps.deploy(
            "swapAdapter", project.UniswapV3SwapAdapter, stack.router, wm, [usdc, usdt], list(LOCAL.pool_fees)
        )
        return Venue(adapter=adapter, uniswap=stack)
    venue = steps.deploy("local.venue", project.LocalSwapVenue, wm, params.swap_fee_bps, steps.account)
    steps.send("wM.setMinter", wm.setMinter, venue, done=lambda: wm.minter() == venue.address)
    for token, label in ((usdc, "USDC"), (usdt, "USDT")):
        steps.send(f"venue.list{label}", venue.listStablecoin, token, done=partial(venue.isListed, token))
    adapter = steps.deploy("local.swapAdapter", project.LocalSwapAdapter, venue)
    return Venue(adapter=adapter, local=venue)


# Chainlink's USD feeds answer with 8 decimals; the sequencer-uptime feed answers 0 (up) or 1 (down).
FEED_DECIMALS = 8


def deploy_price_feeds(steps: Steps, network: NetworkConfig) -> dict[str, Any]:
    """The price guard's feeds: on a local chain, stand-ins at $1 (always fresh, the sequencer up since
    the epoch) that the owner (the deployer) can move; elsewhere the network's Chainlink feeds."""
    if network.local:
        owner = steps.account
        feed = project.LocalPriceFeed
        return {
            "USDC": steps.deploy("local.feedUSDC", feed, FEED_DECIMALS, "USDC / USD", 10**FEED_DECIMALS, owner),
            "USDT": steps.deploy("local.feedUSDT", feed, FEED_DECIMALS, "USDT / USD", 10**FEED_DECIMALS, owner),
            "Sequencer": steps.deploy("local.feedSequencer", feed, 0, "L2 Sequencer Uptime", 0, owner),
        }
    feeds = {"USDC": network.usdc_feed, "USDT": network.usdt_feed, "Sequencer": network.sequencer_feed}
    return {label: project.LocalPriceFeed.at(address) for label, address in feeds.items() if address}


def _guard_is(usdai: Any, sequencer: str, params: Params) -> bool:
    guard = usdai.priceGuard()
    return bool(
        guard.sequencerFeed == sequencer
        and guard.gracePeriod == params.sequencer_grace_period
        and guard.maxDeviationBps == params.price_max_deviation_bps
    )


def _feed_is(usdai: Any, token: Any, feed: Any) -> bool:
    return bool(usdai.priceFeed(token).feed == feed.address)


def _set_price_guard(
    steps: Steps, params: Params, usdai: Any, feeds: Mapping[str, Any], stables: Mapping[str, Any]
) -> None:
    """USDai's price guard: a feed for each stablecoin, then the deviation bound and the sequencer check."""
    for label, token in stables.items():
        feed = feeds[label]
        steps.send(
            f"usdai.setPriceFeed{label}",
            usdai.setPriceFeed,
            token,
            feed,
            params.price_max_age,
            done=partial(_feed_is, usdai, token, feed),
        )
    sequencer = feeds["Sequencer"].address if "Sequencer" in feeds else ZERO_ADDRESS
    steps.send(
        "usdai.setPriceGuard",
        usdai.setPriceGuard,
        sequencer,
        params.sequencer_grace_period,
        params.price_max_deviation_bps,
        done=lambda: _guard_is(usdai, sequencer, params),
    )


def deploy_suite(
    deployer: Any,
    governance: Any | None = None,
    params: Params | None = None,
    network: NetworkConfig = LOCAL,
    roles: dict[str, Any] | None = None,
    *,
    timelock: TimelockSpec | None = None,
    journal: Journal | None = None,
    stop_after: int | None = None,
) -> Suite:
    """Deploys the suite, one journaled step at a time (`scripts/_suite/journal.py`: a journal from an
    interrupted run resumes it; a finished one sends nothing).

    `governance` receives DEFAULT_ADMIN_ROLE and owns the ProxyAdmins; with `timelock`, a
    TimelockController deployed first is the governance. Until the end of this call the deployer holds
    admin so that it can wire contracts; then the handoff takes two steps: every role is granted, a
    check reads back that governance holds each admin role and owns each ProxyAdmin, and only then does
    the deployer renounce (unless it is the governance). `roles` maps the role names of `ROLE_GRANTS`
    (`pauser`, `blacklist_admin`, `strategy_admin`, `custodian`, `appraiser`, `curator_admin`) to
    accounts; by default governance holds them."""
    ensure_fresh_build(project)
    params = params or Params()
    roles = roles or {}
    steps = Steps(deployer, journal or Journal(None), stop_after)

    timelock_contract = None
    if timelock is not None:
        timelock_contract = steps.deploy(
            "timelock",
            project.SuiteTimelock,
            timelock.min_delay,
            list(timelock.proposers),
            list(timelock.executors) or [ZERO_ADDRESS],
        )
        governance = timelock_contract
    governance = governance or deployer

    if network.local:
        wm, usdc, usdt = deploy_local_tokens(steps, params)
        venue = deploy_local_venue(steps, params, wm, usdc, usdt)
    else:
        wm = project.LocalWrappedM.at(network.wm)  # same IWrappedM surface as the real token
        usdc = project.LocalStablecoin.at(network.usdc)
        usdt = project.LocalStablecoin.at(network.usdt)
        venue = Venue(
            adapter=steps.deploy(
                "swapAdapter",
                project.UniswapV3SwapAdapter,
                network.swap_router,
                network.wm,
                [network.usdc, network.usdt],
                list(network.pool_fees),
            )
        )
    adapter = venue.adapter
    feeds = deploy_price_feeds(steps, network)

    impls: dict[str, str] = {}
    admins: dict[str, str] = {}
    usdai, impls["USDai"], admins["USDai"] = deploy_proxy(
        project.USDai,
        deployer,
        governance,
        {
            "admin": deployer,
            "wM": wm,
            "adapter": adapter,
            "tokens": [usdc, usdt],
            "cap": params.usdai_supply_cap,
            "feeBps": params.usdai_admin_fee_bps,
            "feeRecipient": governance,
        },
        steps=steps,
    )
    _set_price_guard(steps, params, usdai, feeds, {"USDC": usdc, "USDT": usdt})
    if network.local:
        steps.send("wM.startEarningFor", wm.startEarningFor, usdai, done=lambda: wm.isEarning(usdai))

    # The genesis is fixed once, by the first run: a resumed launch keeps the recorded one.
    genesis_entry = steps.journal.done("sUSDai.genesis")
    if genesis_entry:
        genesis = int(genesis_entry["value"])
    else:
        genesis = params.genesis if params.genesis is not None else deployer.provider.get_block("latest").timestamp
        steps.journal.mark("sUSDai.genesis", status="done", value=genesis)
    vault, impls["sUSDai"], admins["sUSDai"], impls["sUSDaiModule"] = deploy_vault(
        deployer,
        governance,
        {
            "admin": deployer,
            "usdai": usdai,
            "genesis": genesis,
            "cycleDuration": params.cycle_duration,
            "minRequestShares": params.min_request_shares,
            "maxOpenRequests": params.max_open_requests,
            "supplyCap": params.vault_supply_cap,
        },
        steps=steps,
    )
    # Redemption tickets: the ERC-721 face of the vault's requests.
    ticket, impls["RedemptionTicket"], admins["RedemptionTicket"] = deploy_proxy(
        project.RedemptionTicket, deployer, governance, {}, impl_args=(vault,), steps=steps
    )
    steps.send("vault.setTicket", vault.setTicket, ticket, done=lambda: vault.ticket() == ticket.address)
    auction, impls["QEVAuction"], admins["QEVAuction"] = deploy_proxy(
        project.QEVAuction,
        deployer,
        governance,
        {
            "admin": deployer,
            "vault": vault,
            "bidWindow": params.qev_bid_window,
            "revealWindow": params.qev_reveal_window,
            "maxBids": params.qev_max_bids,
            "keeperTipBps": params.qev_keeper_tip_bps,
        },
        steps=steps,
    )
    if params.qev_min_fee_bps != QEV_DEFAULT_MIN_FEE_BPS:
        steps.send(
            "auction.setMinFee",
            auction.setMinFee,
            params.qev_min_fee_bps,
            done=lambda: auction.minFeeBps() == params.qev_min_fee_bps,
        )
    steps.send("vault.setAuction", vault.setAuction, auction, done=lambda: vault.auction() == auction.address)

    caliber, impls["CaliberReceipt"], admins["CaliberReceipt"] = deploy_proxy(
        project.CaliberReceipt,
        deployer,
        governance,
        {"admin": deployer, "maxAppraisalAge": params.caliber_max_appraisal_age},
        steps=steps,
    )
    # The FiLo ledger (holds every USDai of the credit side) and the loan book (loans and receipts).
    registry, impls["FiLoRegistry"], admins["FiLoRegistry"] = deploy_proxy(
        project.FiLoRegistry,
        deployer,
        governance,
        {"admin": deployer, "usdai": usdai, "vault": vault, "rules": params.stack_rules()},
        steps=steps,
    )
    # Borrower consent and depreciation curves: checked by the credit policy for the loan book.
    policy, impls["CreditPolicy"], admins["CreditPolicy"] = deploy_proxy(
        project.CreditPolicy, deployer, governance, {"admin": deployer}, steps=steps
    )
    loan_book, impls["LoanBook"], admins["LoanBook"] = deploy_proxy(
        project.LoanBook,
        deployer,
        governance,
        {"admin": deployer, "ledger": registry, "caliber": caliber, "policy": policy, "risk": params.book_risk()},
        steps=steps,
    )
    steps.send("policy.setLoanBook", policy.setLoanBook, loan_book, done=lambda: policy.loanBook() == loan_book.address)
    for asset_class, curve in params.depreciation_curves.items():
        key = asset_class_key(asset_class)
        steps.send(
            f"policy.setDepreciationCurve.{asset_class}",
            policy.setDepreciationCurve,
            key,
            list(curve),
            done=partial(_curve_is, policy, key, curve),
        )
    steps.send(
        "registry.setLoanBook", registry.setLoanBook, loan_book, done=lambda: registry.loanBook() == loan_book.address
    )
    steps.send("caliber.setRegistry", caliber.setRegistry, loan_book, done=lambda: caliber.registry() == loan_book.address)
    steps.send("vault.setRegistry", vault.setRegistry, registry, done=lambda: vault.registry() == registry.address)
    # Base (T-bill) yield is the vault's.
    steps.send(
        "usdai.setBaseYieldRecipient",
        usdai.setBaseYieldRecipient,
        vault,
        done=lambda: usdai.baseYieldRecipient() == vault.address,
    )
    if params.seed_stake:
        _seed_stake(steps, network, params, wm, usdai, vault)

    suite = Suite(
        network=network,
        params=params,
        deployer=deployer,
        governance=governance,
        wm=wm,
        usdc=usdc,
        usdt=usdt,
        swap_adapter=adapter,
        usdai=usdai,
        vault=vault,
        ticket=ticket,
        auction=auction,
        caliber=caliber,
        registry=registry,
        loan_book=loan_book,
        credit_policy=policy,
        venue=venue.local,
        uniswap=venue.uniswap,
        price_feeds=feeds,
        timelock=timelock_contract,
        timelock_spec=timelock,
        roles=dict(roles),
        proxy_admins=admins,
        implementations=impls,
        journal=steps.journal,
        genesis=genesis,
    )
    _hand_over(steps, suite)
    steps.journal.mark("complete", status="done")
    return suite


ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
QEV_DEFAULT_MIN_FEE_BPS = 10  # QEVAuction.DEFAULT_MIN_FEE_BPS


def seed_wm_amount(params: Params) -> int:
    """wM (6 decimals) that buys `params.seed_stake` USDai (18 decimals), rounded up."""
    return -(-params.seed_stake // 10**12)


def _seed_stake(steps: Steps, network: NetworkConfig, params: Params, wm: Any, usdai: Any, vault: Any) -> None:
    """Dead shares on every network: the deployer turns wM into USDai and stakes it for DEAD. On a local
    chain the wM is minted; elsewhere the deployer must hold it (`validate_inputs` checks this before
    the first transaction)."""
    deployer = steps.account
    seed_wm = seed_wm_amount(params)

    def staked() -> bool:
        return bool(vault.balanceOf(DEAD) > 0)

    def has_usdai() -> bool:
        return staked() or usdai.balanceOf(deployer) >= params.seed_stake

    if network.local:
        steps.send(
            "seed.mintWM", wm.mint, deployer, seed_wm, done=lambda: has_usdai() or wm.balanceOf(deployer) >= seed_wm
        )
    steps.send(
        "seed.approveWM", wm.approve, usdai, seed_wm, done=lambda: has_usdai() or wm.allowance(deployer, usdai) >= seed_wm
    )
    steps.send("seed.depositUSDai", usdai.deposit, wm, seed_wm, params.seed_stake, deployer, done=has_usdai)
    steps.send(
        "seed.approveVault",
        usdai.approve,
        vault,
        params.seed_stake,
        done=lambda: staked() or usdai.allowance(deployer, vault) >= params.seed_stake,
    )
    steps.send("seed.stake", vault.deposit, params.seed_stake, DEAD, done=staked)


# Which role of which contract goes to which named account of `roles` (default: governance).
ROLE_GRANTS: dict[str, list[tuple[str, str]]] = {
    "usdai": [("PAUSER_ROLE", "pauser"), ("BLACKLIST_ADMIN_ROLE", "blacklist_admin")],
    "vault": [
        ("PAUSER_ROLE", "pauser"),
        ("BLACKLIST_ADMIN_ROLE", "blacklist_admin"),
        ("STRATEGY_ADMIN_ROLE", "strategy_admin"),
    ],
    "auction": [("PAUSER_ROLE", "pauser")],
    "caliber": [("PAUSER_ROLE", "pauser"), ("CUSTODIAN_ROLE", "custodian"), ("APPRAISER_ROLE", "appraiser")],
    "registry": [("PAUSER_ROLE", "pauser"), ("CURATOR_ADMIN_ROLE", "curator_admin")],
    "loan_book": [],
    "credit_policy": [],
}


def _curve_is(policy: Any, key: bytes, curve: tuple[int, ...]) -> bool:
    return [int(x) for x in policy.depreciationCurve(key)] == list(curve)


def _lacks_role(contract: Any, role: bytes, account: Any) -> bool:
    return not contract.hasRole(role, account)


def _hand_over(steps: Steps, suite: Suite) -> None:
    """Grant every role, check that governance holds each admin role and owns each ProxyAdmin, then
    (only then) the deployer renounces admin. A typo'd governance is caught by `validate_inputs`; a
    grant that did not land is caught here, while the deployer can still fix it."""
    deployer, governance = steps.account, suite.governance
    handing_over = _address(governance) != _address(deployer)
    for attr, grants in ROLE_GRANTS.items():
        contract = getattr(suite, attr)
        for role_name, holder_key in grants:
            role, holder = getattr(contract, role_name)(), suite.roles.get(holder_key, governance)
            steps.send(
                f"{MANIFEST_NAMES[attr]}.grant.{role_name}",
                contract.grantRole,
                role,
                holder,
                done=partial(contract.hasRole, role, holder),
            )
        if handing_over:
            admin_role = contract.DEFAULT_ADMIN_ROLE()
            steps.send(
                f"{MANIFEST_NAMES[attr]}.grant.DEFAULT_ADMIN_ROLE",
                contract.grantRole,
                admin_role,
                governance,
                done=partial(contract.hasRole, admin_role, governance),
            )
    if not handing_over:
        return

    def governance_holds_everything() -> list[str]:
        problems = []
        for attr in ROLE_GRANTS:
            contract = getattr(suite, attr)
            if not contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), governance):
                problems.append(f"{MANIFEST_NAMES[attr]}: governance lacks DEFAULT_ADMIN_ROLE")
        for name, admin in suite.proxy_admins.items():
            owner = owner_of(deployer.provider, admin)
            if owner != _address(governance):
                problems.append(f"{name}: ProxyAdmin {admin} owned by {owner}, not governance")
        return problems

    steps.check("handover.verified", governance_holds_everything)
    for attr in ROLE_GRANTS:
        contract = getattr(suite, attr)
        admin_role = contract.DEFAULT_ADMIN_ROLE()
        steps.send(
            f"{MANIFEST_NAMES[attr]}.renounce.DEFAULT_ADMIN_ROLE",
            contract.renounceRole,
            admin_role,
            deployer,
            done=partial(_lacks_role, contract, admin_role, deployer),
        )


def validate_launch(
    provider: Any,
    deployer: str,
    *,
    governance: str | None,
    roles: Mapping[str, str],
    params: Params,
    network: NetworkConfig,
    live: bool,
    timelock: TimelockSpec | None = None,
    allow_eoa_governance: bool = False,
) -> list[str]:
    """Everything that would make the launch fail or lock itself out, found before the first
    transaction: malformed or zero addresses, a governance with no code on a live network (the deployer
    renounces admin in the same run: a typo'd EOA would own the suite for good), parameters out of
    bounds, external tokens missing, a seed stake the deployer cannot pay for."""
    problems: list[str] = []
    named = {"governance": governance, **{k.replace("_", "-"): v for k, v in roles.items()}}
    if timelock is not None:
        named.update({f"timelock-proposer {i + 1}": a for i, a in enumerate(timelock.proposers)})
        named.update({f"timelock-executor {i + 1}": a for i, a in enumerate(timelock.executors)})
    for label, value in named.items():
        if value is None:
            continue
        if not is_address(value):
            problems.append(f"--{label} {value!r} is not an address")
        elif value != value.lower() and value[2:] != value[2:].upper() and not is_checksum_address(value):
            problems.append(f"--{label} {value} has a bad checksum (a typo?)")
        elif int(value, 16) == 0:
            problems.append(f"--{label} is the zero address")
    if timelock is not None:
        if governance is not None:
            problems.append("--governance and --timelock-delay exclude each other (the timelock is the governance)")
        if not timelock.proposers:
            problems.append("a timelock needs at least one --timelock-proposer")
        if timelock.min_delay < 0:
            problems.append("--timelock-delay must be at least 0 seconds")
    elif live and governance is None:
        problems.append("--governance (or --timelock-delay) is required on a live network")
    elif (
        live
        and governance is not None
        and is_address(governance)
        and to_checksum_address(governance) != to_checksum_address(deployer)
        and not provider.get_code(to_checksum_address(governance))
        and not allow_eoa_governance
    ):
        problems.append(
            f"--governance {governance} has no code: a timelock or multisig is expected (the deployer renounces "
            "admin in this run); pass --allow-eoa-governance if an EOA is really meant"
        )
    problems += params.problems()
    now = int(provider.get_block("latest").timestamp)
    if params.genesis is not None and params.genesis > now:
        problems.append(f"--genesis {params.genesis} is in the future (latest block: {now})")
    if not network.local:
        external = (
            ("wM", network.wm),
            ("USDC", network.usdc),
            ("USDT", network.usdt),
            ("router", network.swap_router),
            ("USDC/USD feed", network.usdc_feed),
            ("USDT/USD feed", network.usdt_feed),
        )
        for label, token in external:
            if not token or not provider.get_code(token):
                problems.append(f"{network.name}: {label} {token} has no code on this chain")
        if network.sequencer_feed and not provider.get_code(network.sequencer_feed):
            problems.append(f"{network.name}: sequencer-uptime feed {network.sequencer_feed} has no code on this chain")
        if params.seed_stake and network.wm and provider.get_code(network.wm):
            need = seed_wm_amount(params)
            data = "0x70a08231" + deployer[2:].lower().rjust(64, "0")  # balanceOf(deployer)
            held = int.from_bytes(bytes(provider.web3.eth.call({"to": network.wm, "data": data})), "big")
            if held < need:
                problems.append(
                    f"--seed-stake needs {need / 10**WM_DECIMALS:,.6f} wM in the deployer (it holds "
                    f"{held / 10**WM_DECIMALS:,.6f}); fund it, or pass --seed-stake 0 to launch without dead shares"
                )
    if live and provider.get_balance(deployer) == 0:
        problems.append(f"deployer {deployer} has no ether for gas")
    return problems
