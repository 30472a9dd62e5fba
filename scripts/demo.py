"""`make demo`: boots the local chain (anvil, chain id 42161), deploys the whole suite with the launch
code and walks its lifecycle, printing balances, prices, queue states and the gas of every step."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from ape import accounts, chain
from ape.logging import logger
from eth_utils import keccak

from scripts._suite.credit import MONTH, loan_terms, mint_receipt, open_stack, originate, sign_terms
from scripts._suite.deployment import DAY, USDAI, WM, Suite, deploy_suite
from scripts._suite.errors import preflight
from scripts._suite.loans import repay as repay_due
from scripts._suite.points import leaderboard_text
from scripts._suite.qev import place_bid, reveal_bid, settlement_order
from scripts._suite.report import StepLog, fmt_units, table
from scripts._suite.status import read_snapshot, render_text
from scripts._suite.verify import verify_deployment


def usd(amount: int) -> str:
    return fmt_units(amount, 18, 4)


def six(amount: int) -> str:
    return fmt_units(amount, 6, 4)


def warp_to(timestamp: int) -> None:
    chain.pending_timestamp = timestamp
    chain.mine()


def section(title: str) -> None:
    click.echo(f"\n## {title}\n")


def main() -> None:
    deployer, governance, alice, bob, carol, keeper = (accounts.test_accounts[i] for i in (0, 1, 4, 5, 6, 7))
    logger.set_level("WARNING")  # the tables below say what happened; no per-transaction lines
    log = StepLog()
    click.echo(f"# GPU-yield suite demo on chain {chain.chain_id} (anvil)")

    custodian, appraiser = accounts.test_accounts[15], accounts.test_accounts[16]
    suite = deploy_suite(deployer, governance, roles={"custodian": custodian, "appraiser": appraiser})
    usdai, vault, wm, usdc, usdt = suite.usdai, suite.vault, suite.wm, suite.usdc, suite.usdt
    section("Deployed")
    manifest = suite.manifest()
    click.echo(table(["contract", "address"], list(manifest["contracts"].items())))
    mismatches = verify_deployment(manifest, chain.provider)
    click.echo(
        f"{len(manifest['transactions'])} journaled steps; verify-deployment: "
        + ("ok (proxies, code, roles, wiring, parameters)" if not mismatches else "; ".join(mismatches))
    )

    # ------------------------------------------------------------ USDai
    section("USDai: deposit USDC through Uniswap V3 (deployed from npm), priced against Chainlink-shaped feeds")
    uniswap = suite.uniswap
    assert uniswap is not None
    guard = usdai.priceGuard()
    click.echo(
        f"venue: Uniswap V3 SwapRouter02 {uniswap.router.address}, wM/USDC pool {uniswap.pools['USDC'].address} "
        f"and wM/USDT pool {uniswap.pools['USDT'].address} at {uniswap.fee / 10_000:.2f}%; "
        f"price guard {guard.maxDeviationBps} bps from the USDC/USD and USDT/USD feeds, "
        f"sequencer grace {guard.gracePeriod} s"
    )
    for who, amount in ((alice, 10_000 * WM), (bob, 5_000 * WM)):
        usdc.mint(who, amount, sender=deployer)
        usdc.approve(usdai, amount, sender=who)
    click.echo(f"QuoterV2: 10,000 USDC -> {six(uniswap.quote(usdc, wm, 10_000 * WM))} wM (the pool's 0.01% fee and impact)")
    log.tx("USDai.deposit 10,000 USDC (alice)", usdai.deposit(usdc, 10_000 * WM, 9_990 * USDAI, alice, sender=alice))
    log.tx("USDai.deposit 5,000 USDC (bob)", usdai.deposit(usdc, 5_000 * WM, 4_990 * USDAI, bob, sender=bob))
    wm.mint(carol, 2_000 * WM, sender=deployer)
    wm.approve(usdai, 2_000 * WM, sender=carol)
    log.tx("USDai.deposit 2,000 wM (carol)", usdai.deposit(wm, 2_000 * WM, 2_000 * USDAI, carol, sender=carol))

    section("sUSDai: staking")
    for name, who, amount in (("alice", alice, 9_000), ("bob", bob, 4_000), ("carol", carol, 2_000)):
        usdai.approve(vault, amount * USDAI, sender=who)
        log.tx(f"sUSDai.deposit {amount:,} USDai ({name})", vault.deposit(amount * USDAI, who, sender=who))
    price = lambda: vault.convertToAssets(USDAI)  # noqa: E731
    click.echo(f"share price: {usd(price())} USDai; total assets {usd(vault.totalAssets())}")

    warp_to(chain.pending_timestamp + 30 * DAY)
    harvestable = usdai.harvestableBaseYield()
    log.tx("USDai.harvestBaseYield (keeper)", usdai.harvestBaseYield(sender=keeper))
    click.echo(
        f"30 days later: wM yield {usd(harvestable)} USDai harvested, "
        f"fee {usd(usdai.balanceOf(governance))} to governance, rest to the vault"
    )
    click.echo(f"share price: {usd(price())} USDai (base yield)")

    section("sUSDai: redemption requests across a cycle boundary")
    rid_a = log.tx("requestRedeem 3,000 (alice)", vault.requestRedeem(3_000 * USDAI, alice, alice, sender=alice))
    rid_b = log.tx("requestRedeem 1,000 (bob)", vault.requestRedeem(1_000 * USDAI, bob, bob, sender=bob))
    ids = [rid_a.return_value, rid_b.return_value]
    next_id, head, due = vault.queueState()
    click.echo(f"cycle {vault.currentCycle()}: requests {ids}, queue next={next_id} head={head} due<{due}")
    log.tx("serviceRedemptions before the boundary (nothing due)", vault.serviceRedemptions(10, sender=keeper))
    warp_to(vault.cycleStart(vault.currentCycle() + 1) + 1)
    log.tx("USDai.harvestBaseYield (keeper)", usdai.harvestBaseYield(sender=keeper))
    log.tx("serviceRedemptions(10) after the boundary", vault.serviceRedemptions(10, sender=keeper))
    rows = []
    for name, who in (("alice", alice), ("bob", bob)):
        rows.append((name, usd(vault.maxRedeem(who)), usd(vault.maxWithdraw(who))))
    click.echo(table(["controller", "claimable shares", "claimable USDai"], rows))
    log.tx("redeem (claim) alice", vault.redeem(vault.maxRedeem(alice), alice, alice, sender=alice))
    log.tx("withdraw (claim) bob", vault.withdraw(vault.maxWithdraw(bob), bob, bob, sender=bob))

    section("USDai: withdraw to USDT through Uniswap V3")
    amount = 2_000 * USDAI
    log.tx("USDai.withdraw 2,000 to USDT (alice)", usdai.withdraw(usdt, amount, 1_999 * WM, alice, sender=alice))

    section("Balances")
    rows = []
    for name, who in (("alice", alice), ("bob", bob), ("carol", carol), ("governance (fees)", governance)):
        rows.append(
            (name, six(usdc.balanceOf(who)), six(usdt.balanceOf(who)), usd(usdai.balanceOf(who)), usd(vault.balanceOf(who)))
        )
    click.echo(table(["holder", "USDC", "USDT", "USDai", "sUSDai"], rows))
    backing = wm.balanceOf(usdai) * 10**12
    click.echo(
        f"\nUSDai supply {usd(usdai.totalSupply())}, wM backing {usd(backing)} "
        f"(fully backed: {usdai.totalSupply() <= backing}); sUSDai price {usd(price())}"
    )

    stack = demo_credit(suite, log, custodian, appraiser)
    demo_qev(suite, log, stack)

    remote, omni_manifests = demo_omnichain(suite, alice, governance)
    try:
        section("Status (`ape run status`: the operator's view of the same chain)")
        click.echo(render_text(read_snapshot(manifest["contracts"])), nl=False)

        section("Gas per step")
        click.echo(log.render())

        section("Allo points on both chains (`ape run points sync --remote URL|show|export`: 5 per USDai-day held, "
                "2 per USDai-day of sUSDai, summed over the chains)")
        # The other chain is indexed only up to the home index's time: one more home block (a second
        # later) brings it past the last delivery there.
        chain.provider.web3.provider.make_request("evm_increaseTime", [1])  # type: ignore[arg-type]
        chain.mine()
        remote_url = str(remote.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        omnichain = [(m, None if m["home"] else remote_url) for m in omni_manifests]
        click.echo(leaderboard_text(manifest["contracts"], labels=actor_labels(), omnichain=omnichain), nl=False)
    finally:
        remote.stop()


def demo_omnichain(suite: Suite, alice: Any, governance: Any) -> tuple[Any, list[dict[str, Any]]]:
    """USDai to a second chain and back over LayerZero V2, the relayer polling as DVN and executor.
    Returns the second chain (still running: the points are counted on it too; the caller stops it) and
    the launch's manifests."""
    from ape import project

    from scripts._suite.layerzero import EID_ARBITRUM, EID_ETHEREUM, EvmChain, boot_anvil
    from scripts._suite.omnichain import (
        ChainOmni,
        accept_ownership,
        locked_and_supply,
        send_tokens,
        stake_from,
        verify_omnichain,
    )
    from scripts._suite.omnilaunch import launch
    from scripts._suite.relayer import Delivery

    section("Omnichain: USDai to Ethereum and back, and staking from Ethereum, over LayerZero V2 (a second anvil, chain id 1)")
    deployer, pauser, blacklister, dvn = (accounts.test_accounts[i].address for i in (0, 2, 3, 11))
    holder = alice.address
    home = EvmChain("arbitrum", chain.provider.web3, EID_ARBITRUM)
    remote = boot_anvil("ethereum", 1, EID_ETHEREUM)
    try:
        # The demo moved the home chain's clock months ahead; the second chain starts at the same time, so
        # that points on both chains count the same days.
        remote.rpc("evm_setNextBlockTimestamp", int(chain.blocks.head.timestamp) + 1)
        remote.rpc("evm_mine")
        # The launch path of `ape run omnichain deploy`: journaled per chain, a manifest per chain.
        with tempfile.TemporaryDirectory(prefix="omnichain-") as folder:
            launched = launch(
                project, home, [remote], {"USDai": suite.usdai.address, "sUSDai": suite.vault.address},
                folder=Path(folder), stem="demo", deployer=deployer, owner=governance.address, pauser=pauser,
                blacklister=blacklister, local={EID_ARBITRUM: True, EID_ETHEREUM: True}, dvn=dvn,
            )
            manifests = [json.loads(p.read_text()) for p in launched.manifests]
        omni = launched.omni
        accepted = accept_ownership(omni)  # two-step ownership: governance accepts what the deployer handed over
        problems = verify_omnichain(omni)
        click.echo(
            f"EndpointV2 and ULN302 from LayerZero's npm artifacts on both chains; lockboxes for USDai and sUSDai "
            f"on chain {home.chain_id}, OFTs on chain {remote.chain_id}; {omni.sent} journaled transactions, then "
            f"governance accepts ownership of {accepted} OApps; rate limit "
            f"{usd(omni.params.outbound_limit)} per {omni.params.window // 3600} h each way; cross-chain verify: "
            + ("ok (peers, enforced options, limits, roles)" if not problems else "; ".join(problems))
        )
        relayer = omni.relayer()
        gas_rows: list[tuple[str, ...]] = []

        def send(part: ChainOmni, amount: int, dst: int, label: str) -> None:
            receipt = send_tokens(part, "USDai", holder, amount, dst)
            gas_rows.append((label, "send", f"{receipt['gasUsed']:,}"))

        def record(d: Delivery) -> None:
            for step, gas in d.gas.items():
                gas_rows.append((f"  relayer {d.route}", step, f"{gas:,}"))

        oft = omni.remotes[0].oapps["USDai"]
        send(omni.home, 1_000 * USDAI, EID_ETHEREUM, "alice: 1,000 USDai arbitrum -> ethereum")
        relayer.run(until=lambda: oft.functions.balanceOf(holder).call() == 1_000 * USDAI, on_delivery=record)
        send(omni.remotes[0], 400 * USDAI, EID_ARBITRUM, "alice: 400 USDai ethereum -> arbitrum")
        relayer.run(until=lambda: locked_and_supply(omni, "USDai")[0] == 600 * USDAI, on_delivery=record)
        # Stake from ethereum: USDai home to the composer, deposited in sUSDai, the shares sent back.
        staked_oft = omni.remotes[0].oapps["sUSDai"]
        home_shares = suite.vault.balanceOf(holder)
        receipt = stake_from(omni, omni.remotes[0], holder, 200 * USDAI)
        gas_rows.append(("alice: stakes 200 USDai from ethereum (composer)", "send", f"{receipt['gasUsed']:,}"))
        relayer.run(until=lambda: staked_oft.functions.balanceOf(holder).call() > 0, on_delivery=record)
        click.echo(table(["step", "call", "gas"], gas_rows))
        locked, supply = locked_and_supply(omni, "USDai")
        s_locked, s_supply = locked_and_supply(omni, "sUSDai")
        click.echo(
            f"alice: {usd(suite.usdai.balanceOf(holder))} USDai on arbitrum, "
            f"{usd(oft.functions.balanceOf(holder).call())} USDai and "
            f"{usd(staked_oft.functions.balanceOf(holder).call())} sUSDai on ethereum "
            f"(and {fmt_units(suite.vault.balanceOf(holder) - home_shares, 18, 18)} sUSDai of dust under the shared "
            "decimals to her address at home)\n"
            f"lockboxes: USDai {usd(locked)} locked for an OFT supply of {usd(supply)}, sUSDai {usd(s_locked)} for "
            f"{usd(s_supply)} (all delivered, so locked == supply: {locked == supply and s_locked == s_supply})"
        )
    except BaseException:
        remote.stop()
        raise
    return remote, manifests


def actor_labels() -> dict[str, str]:
    """The demo's actors by name, for the points leaderboard."""
    names = {
        0: "deployer", 1: "governance", 4: "alice", 5: "bob", 6: "carol", 7: "keeper", 8: "curator",
        9: "lab A", 11: "dave", 12: "erin", 13: "frank", 14: "grace", 15: "sam (custodian)",
        16: "heidi (appraiser)", 17: "lab B", 18: "lab C", 19: "insurer",
    }
    return {accounts.test_accounts[i].address: name for i, name in names.items()}


def demo_qev(suite: Suite, log: StepLog, stack: int) -> None:
    """A cycle short of liquidity: tickets, one of them sold mid-queue; three sealed bids (one never
    revealed) and a squatter's fee-0 bids below the reserve; a paginated settlement; servicing that pays
    the priority winners while FIFO waits, and FIFO once cash comes home; the buyer claims."""
    section("QEV: sealed priority auction over a queue short of liquidity")
    vault, auction, usdai, ticket = suite.vault, suite.auction, suite.usdai, suite.ticket
    names = ["dave", "erin", "frank", "grace", "sam"]
    holders = [accounts.test_accounts[i] for i in (11, 12, 13, 14, 15)]
    heidi, keeper, strategist = accounts.test_accounts[16], accounts.test_accounts[7], suite.governance
    for who in holders:
        suite.wm.mint(who, 1_000 * WM, sender=suite.deployer)
        suite.wm.approve(usdai, 1_000 * WM, sender=who)
        usdai.deposit(suite.wm, 1_000 * WM, 0, who, sender=who)
        usdai.approve(vault, 1_000 * USDAI, sender=who)
        vault.deposit(1_000 * USDAI, who, sender=who)
    tickets = [vault.requestRedeem(500 * USDAI, who, who, sender=who).return_value for who in holders[:4]]
    # Sam squats: three small tickets, each to carry a fee-0 bid.
    squat = [vault.requestRedeem(100 * USDAI, holders[4], holders[4], sender=holders[4]).return_value for _ in range(3)]
    owner = dict(zip(tickets, names, strict=False)) | {t: "sam" for t in squat}
    cycle = vault.currentCycle()
    bid_opens, boundary, reveal_closes = auction.windows(cycle)
    click.echo(f"cycle {cycle}: tickets {dict(zip(names, tickets, strict=False))}, sam {squat}")

    # Grace needs out and sells her place: the ticket moves every right of the request.
    log.tx("RedemptionTicket.safeTransferFrom grace -> heidi", ticket.safeTransferFrom(holders[3], heidi, tickets[3], sender=holders[3]))
    owner[tickets[3]] = "heidi (bought from grace)"
    click.echo(f"ticket {tickets[3]} now held by heidi: pending {usd(vault.pendingRedeemRequest(tickets[3], heidi))} sUSDai, same place")

    warp_to(bid_opens + 1)
    fees = {"dave": 120, "erin": 450, "frank": 450}
    openings = {}
    rows = []
    for name, who, tid in zip(names, holders, tickets, strict=False):
        if name not in fees:
            continue
        opening, receipt = place_bid(auction, vault, who, tid, fees[name])
        log.tx(f"QEV bid tier {opening.tier} ({name})", receipt)
        openings[name] = opening
        rows.append((name, tid, opening.tier, usd(vault.bondOf(tid)), "sealed"))
    sam_openings = [place_bid(auction, vault, holders[4], t, 0)[0] for t in squat]
    rows += [("sam", t, 4, usd(vault.bondOf(t)), "sealed") for t in squat]
    click.echo("bids as the chain sees them (fees hidden, tiers public):")
    click.echo(table(["bidder", "ticket", "tier", "bond (shares)", "state"], rows))

    warp_to(boundary + 1)
    for name in ("erin", "frank"):  # dave never reveals
        log.tx(f"QEV reveal ({name})", reveal_bid(auction, openings[name], holders[names.index(name)]))
    for opening in sam_openings:
        reveal_bid(auction, opening, holders[4])
    r = auction.roundOf(cycle)
    click.echo(
        f"{r.revealed} bids revealed; {r.eligible} at or above the {r.minFeeBps} bps reserve fee "
        "(sam's fee-0 bids buy nothing; their bonds came back)"
    )
    warp_to(reveal_closes + 1)
    price_before = vault.convertToAssets(USDAI)
    log.tx("QEV sweep of dave's unrevealed bid (keeper)", auction.sweep(cycle, tickets[0], sender=keeper))
    click.echo(f"dave's bond burned: share price {usd(price_before)} -> {usd(vault.convertToAssets(USDAI))}")
    order = settlement_order(auction, cycle, tickets + squat)
    for first in range(0, len(order), 1):
        log.tx(f"QEV settle, batch {first + 1} (paginated)", auction.settle(cycle, order[first : first + 1], sender=keeper))
    click.echo(f"settled order (fee desc, then request order): {[owner[t] for t in order]}")

    # Most idle cash goes out to GPU loans: what is left pays the winners, and FIFO waits.
    idle = usdai.balanceOf(vault) - vault.reservedAssets()
    parked = idle - 1_000 * USDAI
    log.tx(f"vault.allocate {usd(parked)} to the stack (cash is short)", vault.allocate(stack, parked, sender=strategist))
    served_rows = []

    def serve(label: str) -> None:
        receipt = log.tx(label, vault.serviceRedemptions(20, sender=keeper))
        for event in receipt.events.filter(vault.RedemptionServiced):
            served_rows.append((label.split(":")[0], owner.get(event.requestId, f"#{event.requestId}"), event.requestId,
                                usd(event.shares), usd(event.feeShares), usd(event.assets)))

    # A diligent borrower pays an installment that falls due before servicing: a loan past its deadline
    # makes the book stale (from the start of that hour) and the vault refuses to price (BookStale).
    # Whether one falls due here depends on where the wall clock put genesis against the loans' months.
    book, borrowers = suite.loan_book, {a.address: a for a in accounts.test_accounts[:20]}
    for loan_id in range(1, int(book.loanCount()) + 1):
        ln = book.loan(loan_id)
        if int(ln.status) == 1 and int(book.deadlineOf(loan_id)) <= chain.pending_timestamp + 2 * DAY:
            interest, fees, principal = repay_due(book, borrowers[ln.borrower], loan_id, None)
            click.echo(f"loan {loan_id}: its borrower pays the installment due ({usd(interest + fees + principal)})")
    serve("first call: priority, then FIFO until cash runs out")
    log.tx("vault.deallocate the unused senior cash (loan repayments come home)",
           vault.deallocate(stack, min(parked, suite.registry.stack(stack).cash), sender=strategist))
    serve("second call: FIFO")
    click.echo(table(["call", "holder", "ticket", "shares", "priority fee (burned)", "USDai set aside"], served_rows))
    claimable = vault.claimableRedeemRequest(tickets[3], heidi)
    receipt = log.tx("redeem (claim) by heidi, the ticket's buyer", vault.redeem(claimable, heidi, heidi, sender=heidi))
    click.echo(
        f"heidi claimed {usd(receipt.return_value)} USDai for grace's old place; grace can claim nothing "
        f"({usd(vault.maxRedeem(holders[3]))}); share price {usd(vault.convertToAssets(USDAI))}"
    )


def demo_credit(suite: Suite, log: StepLog, custodian: object, appraiser: object) -> int:
    """Receipts, a first-loss stack and GPU loans on terms their borrowers signed: a schedule the
    depreciation curve refuses, then one it accepts; a loan repaid monthly on fresh appraisals whose
    markdown opens a margin call, cured by a prepayment that re-amortizes it; an insured casualty paid
    out; a loan whose GPUs are marked down, which is margin-called, defaults and is liquidated once the
    hardware is sold, junior capital absorbing first; the price follows the evidence the moment it
    arrives."""
    section("CALIBER and FiLo: GPU loans in a first-loss stack")
    vault, ledger, book, usdai, caliber = suite.vault, suite.registry, suite.loan_book, suite.usdai, suite.caliber
    policy = suite.credit_policy
    governance, keeper = suite.governance, accounts.test_accounts[7]
    curator, lab_a, lab_b, lab_c = (accounts.test_accounts[i] for i in (8, 9, 17, 18))
    strategist = governance  # STRATEGY_ADMIN_ROLE defaults to governance in this deployment

    now = chain.pending_timestamp
    rid_a = mint_receipt(suite, custodian, appraiser, lab_a, 10_000 * USDAI, quantity=8, now=now)
    rid_b = mint_receipt(suite, custodian, appraiser, lab_b, 4_000 * USDAI, quantity=4, model="NVIDIA A100", now=now)
    rid_c = mint_receipt(suite, custodian, appraiser, lab_c, 3_000 * USDAI, quantity=2, now=now)
    click.echo(
        f"custodian minted receipts #{rid_a} (8x H100, appraised 10,000), #{rid_b} (4x A100, 4,000) and "
        f"#{rid_c} (2x H100, 3,000, insured for 6,000)"
    )
    curve = list(policy.depreciationCurve(keccak(text="GPU")))
    click.echo(
        f"governance's depreciation curve for class GPU: {curve[0] / 100:.0f}% of the appraisal at origination, "
        f"{curve[12] / 100:.0f}% after 12 months, {curve[24] / 100:.0f}% after 24, {curve[-1] / 100:.0f}% floor"
    )

    ledger.setCuratorApproval(curator, True, sender=governance)
    suite.wm.mint(curator, 2_500 * WM, sender=suite.deployer)
    suite.wm.approve(usdai, 2_500 * WM, sender=curator)
    usdai.deposit(suite.wm, 2_500 * WM, 0, curator, sender=curator)
    stack = open_stack(suite, curator, 2_500 * USDAI)
    log.tx("vault.allocate 9,000 senior to the stack", vault.allocate(stack, 9_000 * USDAI, sender=strategist))

    # Lab A signs terms; a standing approval of the book moves receipts, it is not consent to a loan.
    caliber.setApprovalForAll(book, True, sender=lab_a)
    long_terms = loan_terms(suite, lab_a, stack, 6_000 * USDAI, [rid_a], apr_bps=1500, periods=60)
    signature = sign_terms(lab_a, policy, long_terms)
    click.echo(
        f"lab A signs terms (EIP-712): 6,000 at 15% over 60 months against #{rid_a}, nonce {long_terms.nonce}, "
        f"valid until {datetime.fromtimestamp(long_terms.deadline, UTC):%Y-%m-%d %H:%M} UTC"
    )
    refused = preflight(book.originateLoan, long_terms.as_tuple(), signature, sender=curator)
    if refused is None:
        raise SystemExit("the depreciation check let a 60-month schedule through")
    click.echo(f"origination refused: {refused} (the balance would outrun the GPUs' depreciated value)")
    terms_a = loan_terms(suite, lab_a, stack, 6_000 * USDAI, [rid_a], apr_bps=1500, periods=36)
    tx = log.tx(
        "originate lab A: 6,000 @15% over 36 months (signed terms)",
        book.originateLoan(terms_a.as_tuple(), sign_terms(lab_a, policy, terms_a), sender=curator),
    )
    loan_a = int(tx.return_value)
    loan_b = originate(suite, curator, lab_b, stack, 2_500 * USDAI, [rid_b], apr_bps=1800)
    loan_c = originate(suite, curator, lab_c, stack, 2_000 * USDAI, [rid_c], apr_bps=1600)
    click.echo(
        f"lab A re-signs over 36 months: loan #{loan_a} accepted; loans #{loan_b} (lab B, 2,500 @18%) and "
        f"#{loan_c} (lab C, 2,000 @16%), 36 monthly payments each"
    )

    def stack_row(label: str) -> tuple[str, ...]:
        st = ledger.stack(stack)
        _, economic = ledger.juniorCapital(stack)
        return (
            label,
            usd(vault.convertToAssets(USDAI)),
            usd(st.seniorPrincipal),
            usd(economic),
            usd(st.principalOutstanding),
            usd(st.impairment),
            str(st.loansInDefault),
        )

    rows = [stack_row("start")]
    # Lab A pays on schedule; lab B never pays. The appraiser re-values the lots every month (an
    # appraisal older than 90 days would support nothing): the H100s hold their value until month 4,
    # the A100s are marked down in month 2, which lowers the price in that very transaction, junior
    # capital first, and puts lab B in margin call.
    for lab in (lab_a, lab_c):
        suite.wm.mint(lab, 6_000 * WM, sender=suite.deployer)
        suite.wm.approve(usdai, 6_000 * WM, sender=lab)
        usdai.deposit(suite.wm, 6_000 * WM, 0, lab, sender=lab)
        usdai.approve(ledger, 2**256 - 1, sender=lab)
    start = book.loan(loan_a).start
    a100_marks = {1: 3_800, 2: 2_700, 3: 600, 4: 600, 5: 600, 6: 600}
    for month in range(1, 7):
        warp_to(start + month * MONTH)
        h100_mark = (10_000 - 100 * month) * USDAI if month != 4 else book.loan(loan_a).outstanding * 100 // 88
        tx = caliber.appraise(rid_a, h100_mark, chain.pending_timestamp, sender=appraiser)
        caliber.appraise(rid_c, (3_000 - 30 * month) * USDAI, chain.pending_timestamp, sender=appraiser)
        if month == 4:
            called = tx.events.filter(book.MarginCalled)[0]
            log.tx("re-appraisal of lab A's H100s at 88% LTV (opens a margin call)", tx)
            click.echo(
                f"month 4: the H100s re-appraised at {usd(h100_mark)}: lab A's loan is at 88% LTV, above the "
                f"85% maintenance level; margin call, cure by "
                f"{datetime.fromtimestamp(called.curableUntil, UTC):%Y-%m-%d %H:%M} UTC"
            )
        price_before, junior_before = vault.convertToAssets(USDAI), ledger.juniorCapital(stack)[1]
        tx = caliber.appraise(rid_b, a100_marks[month] * USDAI, chain.pending_timestamp, sender=appraiser)
        if month in (2, 3):
            log.tx(f"re-appraisal of lab B's A100s at {a100_marks[month]:,} (re-values the loan)", tx)
            rows.append(stack_row(f"month {month}, A100s at {a100_marks[month]:,}"))
            margin = " and opens a margin call (LTV above 85%)" if tx.events.filter(book.MarginCalled) else ""
            click.echo(
                f"month {month}: the A100s re-appraised at {a100_marks[month]:,} (recovery "
                f"{a100_marks[month] * 7 // 10:,} against 2,500 lent){margin}; in that transaction: junior capital "
                f"{usd(junior_before)} -> {usd(ledger.juniorCapital(stack)[1])}, sUSDai "
                f"{usd(price_before)} -> {usd(vault.convertToAssets(USDAI))}"
            )
        payment = book.loan(loan_a).payment
        if month == 4:
            # Lab A cures by prepaying down to 80% LTV: the rest of its schedule is re-amortized.
            ln = book.loan(loan_a)
            interest, penalty, due = book.amountDue(loan_a)
            prepay = ln.outstanding - due - ln.appraisalTotal * 80 // 100
            tx = log.tx(
                "repay month 4 + prepayment (lab A cures the margin call)",
                book.repay(loan_a, interest + penalty + due + prepay, sender=lab_a),
            )
            re = tx.events.filter(book.LoanReamortized)[0]
            cured = "cured" if tx.events.filter(book.MarginCallCured) else "NOT cured"
            click.echo(
                f"month 4: lab A pays its installment and prepays {usd(prepay)}: margin call {cured}; the "
                f"{36 - re.fromPeriod} payments left are re-amortized from {usd(payment)} to {usd(re.payment)}"
            )
        else:
            log.tx(f"repay month {month} (lab A)", book.repay(loan_a, payment, sender=lab_a))
        if book.loan(loan_c).status == 1:  # Active (repaid by its insurance in month 5)
            book.repay(loan_c, book.loan(loan_c).payment, sender=lab_c)
        if month == 3:
            # Lab B's margin call went uncured: until someone marks it, the vault will not price.
            stale_from = int(ledger.navState()[2])
            click.echo(
                f"month 3: lab B's margin call is uncured past its 14 days; since "
                f"{datetime.fromtimestamp(stale_from, UTC):%Y-%m-%d %H:%M} UTC the vault refuses to price "
                f"(maxDeposit {usd(vault.maxDeposit(keeper))}, deposits revert BookStale) until anyone marks "
                "the loan:"
            )
            log.tx("markDefault lab B (uncured margin call)", book.markDefault(loan_b, sender=keeper))
        if month == 5:
            # A fire at the facility destroys lab C's two H100s; the insurer pays out the coverage.
            price_before = vault.convertToAssets(USDAI)
            tx = log.tx(
                "custodian reports a casualty on lab C's receipt",
                caliber.reportCasualty(rid_c, chain.pending_timestamp, sender=custodian),
            )
            ln = book.loan(loan_c)
            click.echo(
                f"month 5: fire at the facility; custodian reports receipt #{rid_c} lost: lab C's loan is carried "
                f"at {usd(ln.collateralValue)} collateral (impairment {usd(ln.impairment)}), sUSDai "
                f"{usd(price_before)} -> {usd(vault.convertToAssets(USDAI))}"
            )
            insurer = accounts.test_accounts[19]
            suite.wm.mint(insurer, 2_000 * WM, sender=suite.deployer)
            suite.wm.approve(usdai, 2_000 * WM, sender=insurer)
            usdai.deposit(suite.wm, 2_000 * WM, 0, insurer, sender=insurer)
            usdai.approve(ledger, 2**256 - 1, sender=insurer)
            debt = sum(book.amountDue(loan_c)[:2]) + book.loan(loan_c).outstanding
            tx = log.tx(
                "insurer's payout recorded on lab C's loan (repays it)",
                book.recordInsurancePayout(loan_c, rid_c, 2_000 * USDAI, sender=insurer),
            )
            paid = tx.events.filter(book.InsurancePayout)[0].amount
            click.echo(
                f"month 5: the insurer pays {usd(paid)} (coverage 6,000; debt {usd(debt)}): lab C's loan is "
                f"{['-', 'active', 'repaid', 'defaulted', 'closed'][int(book.loan(loan_c).status)]}, sUSDai "
                f"{usd(vault.convertToAssets(USDAI))}"
            )
        log.tx(f"sweep month {month} (senior cash to the vault)", ledger.sweep(stack, sender=keeper))
        usdai.harvestBaseYield(sender=keeper)
        rows.append(stack_row(f"month {month}"))

    section("Liquidation of lab B's GPUs")
    # The custodian sells the A100s (ITAD) for 700 USDai, burns the receipt, and the proceeds come back as
    # a recovery; the liquidation closes only once the hardware is sold.
    refused = preflight(book.closeLiquidation, loan_b, sender=curator)
    if refused is None:
        raise SystemExit("a liquidation closed before the hardware was sold")
    click.echo(f"closing before the sale is refused: {refused}")
    suite.wm.mint(custodian, 700 * WM, sender=suite.deployer)
    suite.wm.approve(usdai, 700 * WM, sender=custodian)
    usdai.deposit(suite.wm, 700 * WM, 0, custodian, sender=custodian)
    usdai.approve(ledger, 700 * USDAI, sender=custodian)
    log.tx("burn the sold receipt (Liquidated)", caliber.burn(rid_b, sender=custodian))
    log.tx("recordRecovery 700 (sale proceeds)", book.recordRecovery(loan_b, 700 * USDAI, sender=custodian))
    log.tx("closeLiquidation (waterfall: senior first)", book.closeLiquidation(loan_b, sender=curator))
    ledger.sweep(stack, sender=keeper)
    rows.append(stack_row("after liquidation"))
    st = ledger.stack(stack)
    unused = min(st.seniorPrincipal, st.cash)
    if unused:
        log.tx("vault.deallocate unused senior cash", vault.deallocate(stack, unused, sender=strategist))
        rows.append(stack_row(f"deallocated {usd(unused)}"))
    click.echo(
        table(
            ["when", "sUSDai price", "senior principal", "junior capital", "loans outstanding", "impairment", "defaults"],
            rows,
        )
    )
    _, economic = ledger.juniorCapital(stack)
    fees = ledger.claimable(curator)
    click.echo(
        f"curator: put in 2,500 first-loss; now holds {usd(economic)} junior capital plus {usd(fees)} fees "
        f"(return {usd(economic + fees - 2_500 * USDAI)}); lab B's shortfall was taken by junior capital first: "
        "only its excess reached the sUSDai price, at the month-3 appraisal, until interest rebuilt junior "
        f"capital; senior losses realised at the close: {usd(ledger.stack(stack).seniorLoss)}"
    )
    receipt_state = ["none", "active", "pledged", "liquidating", "liquidated", "released"]
    click.echo(
        "receipts: " + ", ".join(
            f"#{rid} {receipt_state[int(caliber.statusOf(rid))]}" for rid in (rid_a, rid_b, rid_c)
        )
    )
    return stack
