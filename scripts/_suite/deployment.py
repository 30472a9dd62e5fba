"""The one deploy path of the suite.

`deploy_suite` deploys everything: on a local chain first the stand-ins (LocalWrappedM, USDC/USDT-like
stablecoins, the swap venue and its adapter), on a fork or a testnet the real token addresses of the
network config; then each core contract as an implementation behind OpenZeppelin's
TransparentUpgradeableProxy, initialized in the proxy's constructor (no front-running window), and
the roles. Test fixtures, `scripts/deploy.py`, the demo and the benchmarks all call it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ape import project
from eth_utils.crypto import keccak

from scripts._suite.abi import init_args
from scripts._suite.build import ensure_fresh_build

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
    swap_fee_bps: int = 1
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


ARBITRUM_ONE = NetworkConfig(
    name="arbitrum-one",
    local=False,
    wm="0x437cc33344a0B27A429f795ff6B469C72698B291",
    usdc="0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    usdt="0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9",
    swap_router="0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
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


@dataclass
class Suite:
    """Every deployed contract, as Ape contract instances."""

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
    venue: Any = None
    proxy_admins: dict[str, str] = field(default_factory=dict)
    implementations: dict[str, str] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        contracts = {
            "wM": self.wm.address,
            "USDC": self.usdc.address,
            "USDT": self.usdt.address,
            "swapAdapter": self.swap_adapter.address,
            "USDai": self.usdai.address,
            "sUSDai": self.vault.address,
            "RedemptionTicket": self.ticket.address,
            "QEVAuction": self.auction.address,
            "CaliberReceipt": self.caliber.address,
            "FiLoRegistry": self.registry.address,
            "LoanBook": self.loan_book.address,
            "CreditPolicy": self.credit_policy.address,
        }
        if self.venue is not None:
            contracts["localSwapVenue"] = self.venue.address
        return {
            "network": self.network.name,
            "governance": str(self.governance),
            "contracts": contracts,
            "implementations": self.implementations,
            "proxyAdmins": self.proxy_admins,
            "params": self.params.__dict__,
        }

    def write_manifest(self, folder: Path, network_name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{network_name}.json"
        path.write_text(json.dumps(self.manifest(), indent=2) + "\n")
        return path


def deploy_proxy(
    container: Any,
    deployer: Any,
    admin_owner: Any,
    init: Mapping[str, Any],
    impl_args: tuple[Any, ...] = (),
    init_abi: Any = None,
) -> tuple[Any, str, str]:
    """Deploys `container(*impl_args)` as an implementation and a TransparentUpgradeableProxy
    initialized with `initialize(**init)` (arguments by name, placed by the ABI of `init_abi`, by default
    `container`); returns (proxied instance, implementation address, ProxyAdmin address)."""
    implementation = container.deploy(*impl_args, sender=deployer)
    data = implementation.initialize.encode_input(*init_args(init_abi or container, **init))
    proxy = project.SuiteProxy.deploy(implementation.address, admin_owner, data, sender=deployer)
    admin_slot = int("b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103", 16)
    raw = deployer.provider.get_storage(proxy.address, admin_slot)
    proxy_admin = "0x" + bytes(raw)[-20:].hex()
    return container.at(proxy.address), implementation.address, proxy_admin


def deploy_vault(deployer: Any, admin_owner: Any, init: Mapping[str, Any]) -> tuple[Any, str, str, str]:
    """sUSDai: its module (the less frequent entry points, run by delegatecall), then the vault
    implementation bound to it, behind a proxy. Returns (vault, implementation, ProxyAdmin, module).
    The initializer runs in the module, whose ABI names its arguments (the vault's stub leaves them
    unnamed; `tests/unit/scripts/test_abi.py` checks that both take the same types)."""
    module = project.StakedUSDaiModule.deploy(sender=deployer)
    vault, implementation, proxy_admin = deploy_proxy(
        project.StakedUSDai, deployer, admin_owner, init, impl_args=(module,), init_abi=project.StakedUSDaiModule
    )
    return vault, implementation, proxy_admin, module.address


def deploy_local_tokens(deployer: Any, params: Params) -> tuple[Any, Any, Any, Any, Any]:
    """Stand-ins: wM with earning, USDC/USDT, the reserve-backed venue and its adapter."""
    wm = project.LocalWrappedM.deploy(deployer, params.wm_earner_rate_bps, sender=deployer)
    usdc = project.LocalStablecoin.deploy("USD Coin (local)", "USDC", deployer, sender=deployer)
    usdt = project.LocalStablecoin.deploy("Tether USD (local)", "USDT", deployer, sender=deployer)
    venue = project.LocalSwapVenue.deploy(wm, params.swap_fee_bps, deployer, sender=deployer)
    wm.setMinter(venue, sender=deployer)
    venue.listStablecoin(usdc, sender=deployer)
    venue.listStablecoin(usdt, sender=deployer)
    adapter = project.LocalSwapAdapter.deploy(venue, sender=deployer)
    return wm, usdc, usdt, venue, adapter


def deploy_suite(
    deployer: Any,
    governance: Any | None = None,
    params: Params | None = None,
    network: NetworkConfig = LOCAL,
    roles: dict[str, Any] | None = None,
) -> Suite:
    """Deploys the suite. `governance` receives DEFAULT_ADMIN_ROLE and owns the ProxyAdmins; until the
    end of this call the deployer holds admin so that it can wire contracts, then it renounces it
    (unless the deployer is the governance). `roles` maps the role names of `ROLE_GRANTS` (`pauser`,
    `blacklist_admin`, `strategy_admin`, `custodian`, `appraiser`, `curator_admin`) to accounts; by
    default governance holds them."""
    ensure_fresh_build(project)
    params = params or Params()
    governance = governance or deployer
    roles = roles or {}

    if network.local:
        wm, usdc, usdt, venue, adapter = deploy_local_tokens(deployer, params)
    else:
        wm = project.LocalWrappedM.at(network.wm)  # same IWrappedM surface as the real token
        usdc = project.LocalStablecoin.at(network.usdc)
        usdt = project.LocalStablecoin.at(network.usdt)
        venue = None
        adapter = project.UniswapV3SwapAdapter.deploy(
            network.swap_router, network.wm, [network.usdc, network.usdt], list(network.pool_fees), sender=deployer
        )

    suite_impls: dict[str, str] = {}
    admins: dict[str, str] = {}
    usdai, suite_impls["USDai"], admins["USDai"] = deploy_proxy(
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
    )
    if network.local:
        wm.startEarningFor(usdai, sender=deployer)

    genesis = params.genesis if params.genesis is not None else deployer.provider.get_block("latest").timestamp
    vault, suite_impls["sUSDai"], admins["sUSDai"], suite_impls["sUSDaiModule"] = deploy_vault(
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
    )
    # Redemption tickets: the ERC-721 face of the vault's requests.
    ticket, suite_impls["RedemptionTicket"], admins["RedemptionTicket"] = deploy_proxy(
        project.RedemptionTicket, deployer, governance, {}, impl_args=(vault,)
    )
    vault.setTicket(ticket, sender=deployer)
    auction, suite_impls["QEVAuction"], admins["QEVAuction"] = deploy_proxy(
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
    )
    if params.qev_min_fee_bps != auction.minFeeBps():
        auction.setMinFee(params.qev_min_fee_bps, sender=deployer)
    vault.setAuction(auction, sender=deployer)

    caliber, suite_impls["CaliberReceipt"], admins["CaliberReceipt"] = deploy_proxy(
        project.CaliberReceipt,
        deployer,
        governance,
        {"admin": deployer, "maxAppraisalAge": params.caliber_max_appraisal_age},
    )
    # The FiLo ledger (holds every USDai of the credit side) and the loan book (loans and receipts).
    registry, suite_impls["FiLoRegistry"], admins["FiLoRegistry"] = deploy_proxy(
        project.FiLoRegistry,
        deployer,
        governance,
        {"admin": deployer, "usdai": usdai, "vault": vault, "rules": params.stack_rules()},
    )
    # Borrower consent and depreciation curves: checked by the credit policy for the loan book.
    policy, suite_impls["CreditPolicy"], admins["CreditPolicy"] = deploy_proxy(
        project.CreditPolicy, deployer, governance, {"admin": deployer}
    )
    loan_book, suite_impls["LoanBook"], admins["LoanBook"] = deploy_proxy(
        project.LoanBook,
        deployer,
        governance,
        {"admin": deployer, "ledger": registry, "caliber": caliber, "policy": policy, "risk": params.book_risk()},
    )
    policy.setLoanBook(loan_book, sender=deployer)
    for asset_class, curve in params.depreciation_curves.items():
        policy.setDepreciationCurve(asset_class_key(asset_class), list(curve), sender=deployer)
    registry.setLoanBook(loan_book, sender=deployer)
    caliber.setRegistry(loan_book, sender=deployer)
    vault.setRegistry(registry, sender=deployer)
    # Base (T-bill) yield is the vault's.
    usdai.setBaseYieldRecipient(vault, sender=deployer)
    if network.local and params.seed_stake:
        seed_wm = -(-params.seed_stake // 10**12)
        wm.mint(deployer, seed_wm, sender=deployer)
        wm.approve(usdai, seed_wm, sender=deployer)
        usdai.deposit(wm, seed_wm, params.seed_stake, deployer, sender=deployer)
        usdai.approve(vault, params.seed_stake, sender=deployer)
        vault.deposit(params.seed_stake, DEAD, sender=deployer)

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
        venue=venue,
        proxy_admins=admins,
        implementations=suite_impls,
    )
    _grant_roles(suite, deployer, governance, roles)
    return suite


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


def _grant_roles(suite: Suite, deployer: Any, governance: Any, roles: dict[str, Any]) -> None:
    for attr, grants in ROLE_GRANTS.items():
        contract = getattr(suite, attr)
        for role_name, holder in grants:
            contract.grantRole(getattr(contract, role_name)(), roles.get(holder, governance), sender=deployer)
        admin_role = contract.DEFAULT_ADMIN_ROLE()
        if str(governance) != str(deployer.address):
            contract.grantRole(admin_role, governance, sender=deployer)
            contract.renounceRole(admin_role, deployer, sender=deployer)
