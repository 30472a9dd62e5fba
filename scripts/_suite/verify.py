"""Checks a deployment against its manifest and the build: `verify_deployment(manifest, provider)`
returns every mismatch, one line each (empty: the deployment is what the manifest says).

- Proxies: each EIP-1967 implementation and admin slot holds what the manifest lists; each ProxyAdmin
  is owned by governance.
- Code: each implementation's runtime code is the build's, once the words of its immutables (the
  addresses it was constructed with) are blanked as solc leaves them in `deployedBytecode`.
- Roles: the holders of every role, rebuilt from the contracts' `RoleGranted`/`RoleRevoked` logs since
  the deployment's first block, equal the manifest's table exactly: a role left with the deployer, or
  held by anyone the manifest does not name, is a mismatch.
- Wiring: every address one contract keeps of another.
- Parameters: every initializer parameter read back, the depreciation curves, the seed stake, and the
  timelock's delay and roles when the launch deployed one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from scripts._suite.abi import container, event_topic
from scripts._suite.deployment import (
    DEAD,
    asset_class_key,
    implementation_of,
    owner_of,
    proxy_admin_of,
)

# Manifest name of an implementation -> the build's contract.
IMPLEMENTATION_CONTRACTS = {
    "USDai": "USDai",
    "sUSDai": "StakedUSDai",
    "sUSDaiModule": "StakedUSDaiModule",
    "RedemptionTicket": "RedemptionTicket",
    "QEVAuction": "QEVAuction",
    "CaliberReceipt": "CaliberReceipt",
    "FiLoRegistry": "FiLoRegistry",
    "LoanBook": "LoanBook",
    "CreditPolicy": "CreditPolicy",
}
DEFAULT_ADMIN_ROLE = "DEFAULT_ADMIN_ROLE"
LOG_BATCH = 50_000


def role_id(name: str) -> bytes:
    return bytes(32) if name == DEFAULT_ADMIN_ROLE else keccak(text=name)


def _addr(value: Any) -> str:
    return to_checksum_address(getattr(value, "address", value))


def _normalized(code: bytes, immutables: Iterable[str]) -> bytes:
    """`code` with every 32-byte word holding one of `immutables` (addresses) zeroed, as in the build."""
    for address in immutables:
        word = bytes(12) + bytes.fromhex(address[2:])
        code = code.replace(word, bytes(32))
    return code


def role_holders(provider: Any, contract: str, from_block: int, roles: dict[bytes, str]) -> dict[str, set[str]]:
    """Role name -> current holders of `contract`, from its RoleGranted/RoleRevoked logs."""
    granted = event_topic(container("CaliberReceipt"), "RoleGranted")
    revoked = event_topic(container("CaliberReceipt"), "RoleRevoked")
    latest = int(provider.get_block("latest").number)
    logs: list[Any] = []
    start = from_block
    while start <= latest:
        end = min(start + LOG_BATCH - 1, latest)
        logs += provider.web3.eth.get_logs(
            {"address": contract, "fromBlock": start, "toBlock": end, "topics": [[granted, revoked]]}
        )
        start = end + 1
    logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))
    holders: dict[str, set[str]] = {}
    for log in logs:
        topics = [bytes(t) for t in log["topics"]]
        name = roles.get(topics[1], "0x" + topics[1].hex())
        account = to_checksum_address(topics[2][-20:])
        members = holders.setdefault(name, set())
        if "0x" + topics[0].hex() == granted:
            members.add(account)
        else:
            members.discard(account)
    return {name: members for name, members in holders.items() if members}


def verify_deployment(manifest: dict[str, Any], provider: Any) -> list[str]:
    problems: list[str] = []
    contracts: dict[str, str] = manifest["contracts"]
    governance = _addr(manifest["governance"])
    params: dict[str, Any] = manifest.get("params", {})

    def at(name: str) -> Any:
        build_name = IMPLEMENTATION_CONTRACTS.get(name, name)
        return container(build_name).at(contracts[name])

    if int(provider.chain_id) != int(manifest.get("chainId", provider.chain_id)):
        return [f"connected to chain {provider.chain_id}, the manifest is for chain {manifest['chainId']}"]
    for name, address in contracts.items():
        if not provider.get_code(address):
            problems.append(f"{name}: no code at {address}")
    if problems:
        return problems

    # Proxies, their admins and the code behind them.
    implementations: dict[str, str] = manifest.get("implementations", {})
    known = [*contracts.values(), *implementations.values()]
    for name, implementation in implementations.items():
        if name in contracts:
            actual = implementation_of(provider, contracts[name])
            if actual != _addr(implementation):
                problems.append(f"{name}: proxy points at implementation {actual}, manifest says {implementation}")
            admin = proxy_admin_of(provider, contracts[name])
            listed = manifest.get("proxyAdmins", {}).get(name)
            if listed and admin != _addr(listed):
                problems.append(f"{name}: proxy admin is {admin}, manifest says {listed}")
            owner = owner_of(provider, admin)
            if owner != governance:
                problems.append(f"{name}: ProxyAdmin {admin} is owned by {owner}, not governance {governance}")
        build = container(IMPLEMENTATION_CONTRACTS[name]).contract_type.runtime_bytecode
        expected = bytes.fromhex((build.bytecode or "0x")[2:]) if build else b""
        deployed = _normalized(bytes(provider.get_code(implementation)), known)
        if deployed != expected:
            problems.append(f"{name}: implementation {implementation} does not run this build's code")

    # Roles: exactly the holders the manifest names.
    from_block = int(manifest.get("startBlock") or 0)
    for name, expected_roles in manifest.get("roles", {}).items():
        contract = at(name)
        names = {role_id(role): role for role in expected_roles}
        for role in ("PAUSER_ROLE", "BLACKLIST_ADMIN_ROLE", "STRATEGY_ADMIN_ROLE", "CUSTODIAN_ROLE",
                     "APPRAISER_ROLE", "CURATOR_ADMIN_ROLE"):
            names.setdefault(role_id(role), role)
        holders_now = role_holders(provider, contract.address, from_block, names)
        for role in sorted(set(expected_roles) | set(holders_now)):
            wanted = {_addr(a) for a in expected_roles.get(role, [])}
            held = holders_now.get(role, set())
            for holder in sorted(wanted - held):
                problems.append(f"{name}: {role} is not held by {holder}")
            for holder in sorted(held - wanted):
                who = " (the deployer)" if holder == _addr(manifest.get("deployer", holder)) else ""
                problems.append(f"{name}: {role} is also held by {holder}{who}, which the manifest does not name")

    # Wiring.
    usdai, vault, auction = at("USDai"), at("sUSDai"), at("QEVAuction")
    caliber, registry, book, policy, ticket = (
        at("CaliberReceipt"), at("FiLoRegistry"), at("LoanBook"), at("CreditPolicy"), at("RedemptionTicket"),
    )
    wiring: list[tuple[str, Callable[[], Any], str]] = [
        ("USDai.wrappedM", usdai.wrappedM, contracts["wM"]),
        ("USDai.swapAdapter", usdai.swapAdapter, contracts["swapAdapter"]),
        ("USDai.baseYieldRecipient", usdai.baseYieldRecipient, contracts["sUSDai"]),
        ("USDai.feeRecipient", usdai.feeRecipient, governance),
        ("sUSDai.asset", vault.asset, contracts["USDai"]),
        ("sUSDai.ticket", vault.ticket, contracts["RedemptionTicket"]),
        ("sUSDai.auction", vault.auction, contracts["QEVAuction"]),
        ("sUSDai.registry", vault.registry, contracts["FiLoRegistry"]),
        ("RedemptionTicket.vault", ticket.vault, contracts["sUSDai"]),
        ("QEVAuction.vault", auction.vault, contracts["sUSDai"]),
        ("CaliberReceipt.registry", caliber.registry, contracts["LoanBook"]),
        ("FiLoRegistry.vault", registry.vault, contracts["sUSDai"]),
        ("FiLoRegistry.loanBook", registry.loanBook, contracts["LoanBook"]),
        ("FiLoRegistry.usdai", registry.usdai, contracts["USDai"]),
        ("LoanBook.ledger", book.ledger, contracts["FiLoRegistry"]),
        ("LoanBook.caliber", book.caliber, contracts["CaliberReceipt"]),
        ("LoanBook.policy", book.policy, contracts["CreditPolicy"]),
        ("CreditPolicy.loanBook", policy.loanBook, contracts["LoanBook"]),
    ]
    if "sUSDaiModule" in implementations:
        wiring.append(("sUSDai.MODULE", vault.MODULE, implementations["sUSDaiModule"]))
    for label, read, want in wiring:
        have = _addr(read())
        if have != _addr(want):
            problems.append(f"wiring: {label} is {have}, expected {_addr(want)}")
    guard = usdai.priceGuard()
    for token in ("USDC", "USDT"):
        if not usdai.isTokenSupported(contracts[token]):
            problems.append(f"wiring: USDai does not accept {token} {contracts[token]}")
        feed = usdai.priceFeed(contracts[token])
        if f"priceFeed{token}" in contracts and _addr(feed.feed) != _addr(contracts[f"priceFeed{token}"]):
            problems.append(f"wiring: USDai prices {token} with feed {_addr(feed.feed)}, expected {contracts[f'priceFeed{token}']}")
        if params.get("price_max_age") is not None and int(feed.maxAge) != int(params["price_max_age"]):
            problems.append(f"parameter price-max-age ({token}): chain has {int(feed.maxAge):,}, manifest says {int(params['price_max_age']):,}")
    sequencer = _addr(contracts.get("priceFeedSequencer", "0x" + "00" * 20))
    if _addr(guard.sequencerFeed) != sequencer:
        problems.append(f"wiring: USDai's sequencer-uptime feed is {_addr(guard.sequencerFeed)}, expected {sequencer}")

    # Parameters.
    rules, risk = registry.stackRules(), book.riskParams()
    checks: list[tuple[str, Callable[[], Any], Any]] = [
        ("usdai_supply_cap", usdai.supplyCap, params.get("usdai_supply_cap")),
        ("usdai_admin_fee_bps", usdai.adminFeeBps, params.get("usdai_admin_fee_bps")),
        ("price_max_deviation_bps", lambda: guard.maxDeviationBps, params.get("price_max_deviation_bps")),
        ("sequencer_grace_period", lambda: guard.gracePeriod, params.get("sequencer_grace_period")),
        ("cycle_duration", vault.cycleDuration, params.get("cycle_duration")),
        ("min_request_shares", vault.minRequestShares, params.get("min_request_shares")),
        ("max_open_requests", vault.maxOpenRequests, params.get("max_open_requests")),
        ("vault_supply_cap", vault.supplyCap, params.get("vault_supply_cap")),
        ("genesis", vault.genesis, manifest.get("genesis", params.get("genesis"))),
        ("qev_bid_window", auction.bidWindow, params.get("qev_bid_window")),
        ("qev_reveal_window", auction.revealWindow, params.get("qev_reveal_window")),
        ("qev_max_bids", auction.maxBids, params.get("qev_max_bids")),
        ("qev_min_fee_bps", auction.minFeeBps, params.get("qev_min_fee_bps")),
        ("qev_keeper_tip_bps", auction.keeperTipBps, params.get("qev_keeper_tip_bps")),
        ("caliber_max_appraisal_age", caliber.maxAppraisalAge, params.get("caliber_max_appraisal_age")),
        ("filo_min_first_loss_bps", lambda: rules.minFirstLossBps, params.get("filo_min_first_loss_bps")),
        ("filo_max_curator_fee_bps", lambda: rules.maxCuratorFeeBps, params.get("filo_max_curator_fee_bps")),
    ]
    risk_fields = {
        "filo_max_ltv_bps": "maxLtvBps",
        "filo_liquidation_cost_bps": "liquidationCostBps",
        "filo_grace_period": "gracePeriod",
        "filo_stale_haircut_bps": "staleHaircutBps",
        "filo_maintenance_ltv_bps": "maintenanceLtvBps",
        "filo_cure_period": "curePeriod",
        "filo_penalty_bps": "penaltyBps",
        "filo_recovery_period": "recoveryPeriod",
    }
    for param, attr in risk_fields.items():
        checks.append((param, partial(getattr, risk, attr), params.get(param)))
    for param, read, want in checks:
        if want is None:
            continue
        have = read()
        if int(have) != int(want):
            problems.append(f"parameter {param.replace('_', '-')}: chain has {int(have):,}, manifest says {int(want):,}")
    for asset_class, curve in params.get("depreciation_curves", {}).items():
        if [int(x) for x in policy.depreciationCurve(asset_class_key(asset_class))] != [int(x) for x in curve]:
            problems.append(f"parameter depreciation curve {asset_class!r} differs from the manifest")
    if params.get("seed_stake") and int(vault.balanceOf(DEAD)) == 0:
        problems.append(f"seed stake: no dead shares at {DEAD}")

    timelock = manifest.get("timelock")
    if timelock:
        problems += _verify_timelock(container("SuiteTimelock").at(timelock["address"]), timelock, manifest)
    return problems


def _verify_timelock(timelock: Any, spec: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    problems = []
    if _addr(timelock) != _addr(manifest["governance"]):
        problems.append(f"timelock {timelock.address} is not the governance {manifest['governance']}")
    if int(timelock.getMinDelay()) != int(spec["minDelay"]):
        problems.append(f"timelock: min delay {int(timelock.getMinDelay())} s, manifest says {spec['minDelay']} s")
    for proposer in spec["proposers"]:
        if not timelock.hasRole(timelock.PROPOSER_ROLE(), proposer):
            problems.append(f"timelock: {proposer} cannot propose")
    executors = spec["executors"] or ["0x0000000000000000000000000000000000000000"]
    for executor in executors:
        if not timelock.hasRole(timelock.EXECUTOR_ROLE(), executor):
            problems.append(f"timelock: {executor} cannot execute")
    if timelock.hasRole(bytes(32), manifest["deployer"]):
        problems.append(f"timelock: the deployer {manifest['deployer']} administers it")
    return problems
