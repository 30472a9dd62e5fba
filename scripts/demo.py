"""`make demo`: boots the local chain (anvil, chain id 42161), deploys the whole suite with the launch
code and walks its lifecycle, printing balances, prices, queue states and the gas of every step."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from ape import accounts, chain
from ape.logging import logger

from scripts._suite.credit import MONTH, mint_receipt, open_stack, originate
from scripts._suite.deployment import DAY, USDAI, WM, Suite, deploy_suite
from scripts._suite.qev import place_bid, reveal_bid, settlement_order
from scripts._suite.report import StepLog, fmt_units, table


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
    click.echo(table(["contract", "address"], list(suite.manifest()["contracts"].items())))

    # ------------------------------------------------------------ USDai
    section("USDai: deposit USDC, time passes, base yield harvested, withdraw to USDT")
    for who, amount in ((alice, 10_000 * WM), (bob, 5_000 * WM)):
        usdc.mint(who, amount, sender=deployer)
        usdc.approve(usdai, amount, sender=who)
    usdt.mint(suite.venue, 50_000 * WM, sender=deployer)  # the venue's USDT reserve
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

    section("USDai: withdraw to USDT")
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

    demo_qev(suite, log)
    demo_credit(suite, log, custodian, appraiser)

    section("Gas per step")
    click.echo(log.render())


def demo_qev(suite: Suite, log: StepLog) -> None:
    """One auction: four requests, three sealed bids, one never revealed, settlement, servicing."""
    section("QEV: sealed priority auction over the redemption queue")
    vault, auction, usdai = suite.vault, suite.auction, suite.usdai
    names = ["dave", "erin", "frank", "grace"]
    holders = [accounts.test_accounts[i] for i in (11, 12, 13, 14)]
    keeper = accounts.test_accounts[7]
    for who in holders:
        suite.wm.mint(who, 1_000 * WM, sender=suite.deployer)
        suite.wm.approve(usdai, 1_000 * WM, sender=who)
        usdai.deposit(suite.wm, 1_000 * WM, 0, who, sender=who)
        usdai.approve(vault, 1_000 * USDAI, sender=who)
        vault.deposit(1_000 * USDAI, who, sender=who)
    tickets = [vault.requestRedeem(500 * USDAI, who, who, sender=who).return_value for who in holders]
    cycle = vault.currentCycle()
    bid_opens, boundary, reveal_closes = auction.windows(cycle)
    click.echo(f"cycle {cycle}: tickets {dict(zip(names, tickets, strict=True))}; bids open {bid_opens - chain.pending_timestamp:,} s from now")
    warp_to(bid_opens + 1)

    fees = {"dave": 120, "erin": 450, "frank": 450}  # grace does not bid
    openings = {}
    rows = []
    for name, who, ticket in zip(names, holders, tickets, strict=True):
        if name not in fees:
            continue
        opening, receipt = place_bid(auction, vault, who, ticket, fees[name])
        log.tx(f"QEV bid tier {opening.tier} ({name})", receipt)
        openings[name] = opening
        rows.append((name, ticket, opening.tier, usd(vault.bondOf(ticket)), "sealed"))
    click.echo("bids as the chain sees them (fees hidden, tiers public):")
    click.echo(table(["bidder", "ticket", "tier", "bond (shares)", "state"], rows))

    warp_to(boundary + 1)
    for name in ("erin", "frank"):  # dave never reveals
        log.tx(f"QEV reveal ({name})", reveal_bid(auction, openings[name], holders[names.index(name)]))
    warp_to(reveal_closes + 1)
    price_before = vault.convertToAssets(USDAI)
    log.tx("QEV sweep of dave's unrevealed bid (keeper)", auction.sweep(cycle, tickets[0], sender=keeper))
    click.echo(f"dave's bond burned: share price {usd(price_before)} -> {usd(vault.convertToAssets(USDAI))}")
    order = settlement_order(auction, cycle, tickets)
    log.tx(f"QEV settle ({len(order)} revealed bids)", auction.settle(cycle, order, sender=keeper))
    click.echo(f"settled order (fee desc, then request order): {[names[tickets.index(t)] for t in order]}")

    receipt = log.tx("serviceRedemptions: priority, then FIFO", vault.serviceRedemptions(10, sender=keeper))
    rows = []
    for event in receipt.events.filter(vault.RedemptionServiced):
        name = names[tickets.index(event.requestId)] if event.requestId in tickets else f"#{event.requestId}"
        rows.append((name, event.requestId, usd(event.shares), usd(event.feeShares), usd(event.assets)))
    click.echo(table(["served", "ticket", "shares", "priority fee (burned)", "USDai set aside"], rows))
    click.echo(f"share price after servicing: {usd(vault.convertToAssets(USDAI))}")


def demo_credit(suite: Suite, log: StepLog, custodian: object, appraiser: object) -> None:
    """Receipts, a first-loss stack, two GPU loans: one repaid monthly on fresh appraisals, one whose GPUs
    are marked down, which falls behind, defaults and is liquidated; junior capital absorbs first and the
    price follows the evidence the moment it arrives."""
    section("CALIBER and FiLo: GPU loans in a first-loss stack")
    vault, ledger, book, usdai, caliber = suite.vault, suite.registry, suite.loan_book, suite.usdai, suite.caliber
    governance, keeper = suite.governance, accounts.test_accounts[7]
    curator, lab_a, lab_b = (accounts.test_accounts[i] for i in (8, 9, 17))
    strategist = governance  # STRATEGY_ADMIN_ROLE defaults to governance in this deployment

    now = chain.pending_timestamp
    rid_a = mint_receipt(suite, custodian, appraiser, lab_a, 10_000 * USDAI, quantity=8, now=now)
    rid_b = mint_receipt(suite, custodian, appraiser, lab_b, 4_000 * USDAI, quantity=4, model="NVIDIA A100", now=now)
    click.echo(f"custodian minted receipts #{rid_a} (8x H100, appraised 10,000) and #{rid_b} (4x A100, appraised 4,000)")

    ledger.setCuratorApproval(curator, True, sender=governance)
    suite.wm.mint(curator, 2_000 * WM, sender=suite.deployer)
    suite.wm.approve(usdai, 2_000 * WM, sender=curator)
    usdai.deposit(suite.wm, 2_000 * WM, 0, curator, sender=curator)
    stack = open_stack(suite, curator, 2_000 * USDAI)
    log.tx("vault.allocate 8,000 senior to the stack", vault.allocate(stack, 8_000 * USDAI, sender=strategist))
    loan_a = originate(suite, curator, lab_a, stack, 6_000 * USDAI, [rid_a], apr_bps=1500)
    loan_b = originate(suite, curator, lab_b, stack, 2_500 * USDAI, [rid_b], apr_bps=1800)
    click.echo(f"curator opened stack {stack} with 2,000 first-loss; loans #{loan_a} (6,000 @15%) and #{loan_b} (2,500 @18%), 36 monthly payments")

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
    # Lab A pays on schedule; lab B never pays. The appraiser re-values both lots every month (an
    # appraisal older than 90 days would support nothing): the H100s hold their value, the A100s are
    # marked down in month 2, which lowers the price in that very transaction, junior capital first.
    suite.wm.mint(lab_a, 2_000 * WM, sender=suite.deployer)
    suite.wm.approve(usdai, 2_000 * WM, sender=lab_a)
    usdai.deposit(suite.wm, 2_000 * WM, 0, lab_a, sender=lab_a)
    usdai.approve(ledger, 2**256 - 1, sender=lab_a)
    start = book.loan(loan_a).start
    a100_marks = {1: 3_800, 2: 2_700, 3: 600, 4: 600, 5: 600, 6: 600}
    for month in range(1, 7):
        warp_to(start + month * MONTH)
        caliber.appraise(rid_a, (10_000 - 100 * month) * USDAI, chain.pending_timestamp, sender=appraiser)
        price_before, junior_before = vault.convertToAssets(USDAI), ledger.juniorCapital(stack)[1]
        tx = caliber.appraise(rid_b, a100_marks[month] * USDAI, chain.pending_timestamp, sender=appraiser)
        if month in (2, 3):
            log.tx(f"re-appraisal of lab B's A100s at {a100_marks[month]:,} (re-values the loan)", tx)
            rows.append(stack_row(f"month {month}, A100s at {a100_marks[month]:,}"))
            click.echo(
                f"month {month}: the A100s re-appraised at {a100_marks[month]:,} (recovery "
                f"{a100_marks[month] * 7 // 10:,} against 2,500 lent), in that transaction: junior capital "
                f"{usd(junior_before)} -> {usd(ledger.juniorCapital(stack)[1])}, sUSDai "
                f"{usd(price_before)} -> {usd(vault.convertToAssets(USDAI))}"
            )
        payment = book.loan(loan_a).payment
        log.tx(f"repay month {month} (lab A)", book.repay(loan_a, payment, sender=lab_a))
        if month == 3:
            # Lab B is past its grace period: until someone marks it, the vault will not price.
            stale_from = int(ledger.navState()[2])
            click.echo(
                f"month 3: lab B is past grace and unmarked; since {datetime.fromtimestamp(stale_from, UTC):%Y-%m-%d %H:%M} UTC "
                f"the vault refuses to price (maxDeposit {usd(vault.maxDeposit(keeper))}, deposits revert BookStale) "
                "until anyone marks the loan:"
            )
            log.tx("markDefault lab B (behind schedule past grace)", book.markDefault(loan_b, sender=keeper))
        log.tx(f"sweep month {month} (senior cash to the vault)", ledger.sweep(stack, sender=keeper))
        usdai.harvestBaseYield(sender=keeper)
        rows.append(stack_row(f"month {month}"))

    section("Liquidation of lab B's GPUs")
    # The custodian sells the A100s (ITAD) for 700 USDai and the proceeds come back as a recovery.
    suite.wm.mint(custodian, 700 * WM, sender=suite.deployer)
    suite.wm.approve(usdai, 700 * WM, sender=custodian)
    usdai.deposit(suite.wm, 700 * WM, 0, custodian, sender=custodian)
    usdai.approve(ledger, 700 * USDAI, sender=custodian)
    log.tx("recordRecovery 700 (sale proceeds)", book.recordRecovery(loan_b, 700 * USDAI, sender=custodian))
    log.tx("closeLiquidation (waterfall: senior first)", book.closeLiquidation(loan_b, sender=curator))
    log.tx("burn the sold receipt (Liquidated)", caliber.burn(rid_b, sender=custodian))
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
        f"curator: put in 2,000 first-loss; now holds {usd(economic)} junior capital plus {usd(fees)} fees "
        f"(return {usd(economic + fees - 2_000 * USDAI)}); lab B's shortfall was taken by junior capital first: "
        "only its excess reached the sUSDai price, at the month-3 appraisal, until interest rebuilt junior "
        f"capital; senior losses realised at the close: {usd(ledger.stack(stack).seniorLoss)}"
    )
    receipt_state = ["none", "active", "pledged", "liquidating", "liquidated", "released"]
    click.echo(f"receipt #{rid_a}: {receipt_state[int(caliber.statusOf(rid_a))]}; receipt #{rid_b}: {receipt_state[int(caliber.statusOf(rid_b))]}")

