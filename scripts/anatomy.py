"""`make bench`, second part: where the gas of each TARGETS.md hot path goes, part by part (proxy hops,
cold accounts, cold slots, slots filled and updated, logs, execution), beside the same-run OpenZeppelin
reference, from the node's opcode traces (`scripts/_suite/gas_anatomy.py`). Written to
bench/anatomy.md. Runs on its own chain with step traces, which the first part turns off."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from ape.logging import logger

from scripts._suite.credit import (
    MONTH,
    fund_credit_cast,
    loan_terms,
    mint_receipt,
    open_stack,
    originate,
    sign_terms,
)
from scripts._suite.deployment import DAY, USDAI, WM, Params, deploy_suite
from scripts._suite.gas_anatomy import PARTS, Anatomy, anatomy_of
from scripts._suite.qev import place_bid, reveal_bid, settlement_order
from scripts._suite.report import table

OUT = Path(__file__).resolve().parent.parent / "bench" / "anatomy.md"
QUEUE = 10  # requests serviced in the measured batch (five holders, two each)
BIDS = 16  # revealed bids in the measured settlement (TARGETS.md: per bid at 16 bids and beyond)
# The clock of the measured chain: every block one second after the one before, from a fixed start, so
# that what depends on time (base yield accrued, hour buckets of the due-date index, cycle windows) is the
# same on every run and a row's gas is reproducible to the unit.
START = 1_900_000_000  # 2030-03-17
_STARTED = time.monotonic()


def progress(message: str) -> None:
    click.echo(f"[anatomy {time.monotonic() - _STARTED:4.0f} s] {message}", err=True)


class Rows:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, Anatomy, int]] = []

    def add(self, label: str, target: str, receipt: Any, per: int = 1) -> None:
        # Traced at once: a later snapshot restore may drop the transaction from the node.
        self.rows.append((label, target, anatomy_of(receipt, chain.provider), per))


def tokens_and_vault(suite: Any, rows: Rows, alice: Any, bob: Any, keeper: Any, users: list[Any]) -> None:
    deployer, usdai, vault, wm = suite.deployer, suite.usdai, suite.vault, suite.wm
    ref20 = project.ReferenceERC20.deploy(sender=deployer)
    ref20.mint(alice, 10**24, sender=deployer)
    ref20.transfer(bob, 1, sender=alice)
    rows.add("OpenZeppelin ERC-20 transfer (reference)", "-", ref20.transfer(bob, 10**18, sender=alice))
    rows.add("OpenZeppelin ERC-20 mint (reference)", "-", ref20.mint(alice, 10**18, sender=deployer))
    for who in (alice, bob, *users):
        wm.mint(who, 2_000_000 * WM, sender=deployer)
        wm.approve(usdai, 2**256 - 1, sender=who)
        usdai.deposit(wm, 1_000_000 * WM, 0, who, sender=who)
        usdai.approve(vault, 2**256 - 1, sender=who)
    usdai.transfer(bob, USDAI, sender=alice)
    rows.add("USDai transfer (existing holder)", "reference + 4,800", usdai.transfer(bob, USDAI, sender=alice))
    rows.add("USDai deposit from wM (repeat)", "69,000", usdai.deposit(wm, 100 * WM, 0, alice, sender=alice))

    ref4626 = project.ReferenceERC4626.deploy(usdai, sender=deployer)
    usdai.approve(ref4626, 2**256 - 1, sender=alice)
    ref4626.deposit(1_000 * USDAI, alice, sender=alice)
    rows.add("OpenZeppelin ERC-4626 deposit (reference)", "-", ref4626.deposit(1_000 * USDAI, alice, sender=alice))
    rows.add("OpenZeppelin ERC-4626 redeem (reference)", "-", ref4626.redeem(100 * USDAI, alice, alice, sender=alice))
    vault.deposit(1_000 * USDAI, alice, sender=alice)
    rows.add("sUSDai deposit (repeat)", "1.25 x reference", vault.deposit(1_000 * USDAI, alice, sender=alice))
    rows.add("vault NAV read (totalAssets, sent as a transaction)", "15,000 + intrinsic",
             vault.totalAssets.transact(sender=keeper))
    chain.pending_timestamp = chain.pending_timestamp + DAY
    chain.mine()
    usdai.harvestBaseYield(sender=keeper)
    vault.requestRedeem(10 * USDAI, alice, alice, sender=alice)
    rows.add("sUSDai requestRedeem (repeat)", "100,000", vault.requestRedeem(10 * USDAI, alice, alice, sender=alice))
    for who in users:
        vault.deposit(100 * USDAI, who, sender=who)
    for _ in range(QUEUE // len(users)):
        for who in users:
            vault.requestRedeem(2 * USDAI, who, who, sender=who)
    chain.pending_timestamp = vault.cycleStart(vault.currentCycle() + 1) + 1
    chain.mine()
    vault.serviceRedemptions(1, sender=keeper)  # alice's two: the harvest and the first touches
    vault.serviceRedemptions(1, sender=keeper)
    # The call harvests base yield first (wM accrues every second): its share is in each request's figure.
    rows.add(f"servicing, per request ({QUEUE} in one batch, five holders; with the call's harvest)", "20,000",
             vault.serviceRedemptions(QUEUE, sender=keeper), per=QUEUE)
    vault.redeem(USDAI, alice, alice, sender=alice)
    rows.add("sUSDai claim (redeem with controller)", "reference", vault.redeem(USDAI, alice, alice, sender=alice))


def qev(suite: Any, rows: Rows, users: list[Any], keeper: Any) -> None:
    """A round of BIDS sealed bids at tier 4 and one at tier 10: the tier-10 bid, a reveal, and the
    settlement of the BIDS + 1 revealed bids (one page)."""
    vault, auction = suite.vault, suite.auction
    snapshot = chain.snapshot()
    tickets = []
    for i in range(BIDS + 1):
        who = users[i % len(users)]
        receipt = vault.requestRedeem(2 * USDAI, who, who, sender=who)
        tickets.append((who, int(receipt.events.filter(vault.RedeemRequest)[0].requestId)))
    cycle = int(vault.currentCycle())
    opens, boundary, closes = auction.windows(cycle)
    chain.pending_timestamp = opens + 1
    chain.mine()
    reserve = int(auction.minFeeBps())
    openings = [
        (who, place_bid(auction, vault, who, ticket, reserve + i % (16 - reserve), 4)[0])
        for i, (who, ticket) in enumerate(tickets[:BIDS])
    ]
    who, ticket = tickets[BIDS]
    opening, receipt = place_bid(auction, vault, who, ticket, reserve, 10)
    rows.add("QEV bid, tier 10, whole transaction", "380,000", receipt)
    openings.append((who, opening))
    chain.pending_timestamp = boundary + 1
    chain.mine()
    rows.add("QEV reveal", "60,000", reveal_bid(auction, openings[0][1], openings[0][0]))
    for bidder, opening in openings[1:]:
        reveal_bid(auction, opening, bidder)
    chain.pending_timestamp = closes + 1
    chain.mine()
    order = settlement_order(auction, cycle, [t for _, t in tickets])
    rows.add(f"QEV settlement, per bid ({len(order)} revealed, one page)", "12,000",
             auction.settle(cycle, order, sender=keeper), per=len(order))
    chain.restore(snapshot)


def credit(suite: Any, rows: Rows, staker: Any, curator: Any, borrower: Any, keeper: Any) -> None:
    governance, vault, book = suite.governance, suite.vault, suite.loan_book
    fund_credit_cast(suite, staker, curator, borrower)

    def now() -> int:
        return int(chain.pending_timestamp)

    stack = open_stack(suite, curator, 90_000 * USDAI)
    vault.allocate(stack, 800_000 * USDAI, sender=governance)
    receipt_id = mint_receipt(suite, governance, governance, borrower, 20_000 * USDAI, now=now())
    terms = loan_terms(suite, borrower, stack, 10_000 * USDAI, [receipt_id], periods=12)
    tx = book.originateLoan(terms.as_tuple(), sign_terms(borrower, suite.credit_policy, terms), sender=curator)
    rows.add("FiLo originate (1 receipt, signed; the stack's first loan)", "350,000", tx)
    loan = int(tx.events.filter(book.LoanOriginated)[0].loanId)
    second = mint_receipt(suite, governance, governance, borrower, 20_000 * USDAI, now=now())
    terms = loan_terms(suite, borrower, stack, 10_000 * USDAI, [second], periods=12)
    rows.add("FiLo originate (1 receipt, signed; a second loan)", "350,000",
             book.originateLoan(terms.as_tuple(), sign_terms(borrower, suite.credit_policy, terms), sender=curator))
    chain.pending_timestamp = now() + MONTH
    chain.mine()
    suite.caliber.appraise(receipt_id, 19_000 * USDAI, now(), sender=governance)
    rows.add("FiLo repay (scheduled payment)", "120,000", book.repay(loan, book.loan(loan).payment, sender=borrower))
    bad_receipt = mint_receipt(suite, governance, governance, borrower, 20_000 * USDAI, now=now())
    bad = originate(suite, curator, borrower, stack, 10_000 * USDAI, [bad_receipt])
    chain.pending_timestamp = now() + MONTH + 31 * DAY
    chain.mine()
    suite.caliber.appraise(receipt_id, 19_000 * USDAI, now(), sender=governance)
    rows.add("FiLo markDefault", "120,000", book.markDefault(bad, sender=keeper))


def pin_clock() -> None:
    request = chain.provider.web3.provider.make_request
    if int(chain.blocks.head.timestamp) >= START:
        raise click.ClickException(f"the chain's clock is past {START}: start a fresh one")
    for method, params in (("evm_setNextBlockTimestamp", [START]), ("anvil_setBlockTimestampInterval", [1])):
        answer = request(method, params)
        if "error" in answer:
            raise click.ClickException(f"{method}: {answer['error'].get('message', answer['error'])}")


def render(rows: Rows) -> str:
    headers = ["action", "gas used", "target", *PARTS, "refund"]
    body = []
    for label, target, a, per in rows.rows:
        if a.unitemized() not in range(0, 64 * per + 64):
            raise click.ClickException(f"{label}: {a.unitemized()} gas not itemized (a miscount)")
        refund = f"-{a.refund / per:,.0f}" if a.refund else "-"
        body.append([label, f"{a.gas_used / per:,.0f}", target, *(a.cell(p, per) for p in PARTS), refund])
    return "\n".join([
        "# Where the gas goes",
        "",
        "Written by `make bench` (`ape run anatomy`) from anvil's opcode traces of a fresh suite: each receipt's "
        "`gasUsed` split into what the EVM charged for (`scripts/_suite/gas_anatomy.py`). A number in brackets "
        "counts the items (per request or bid where the row says so): proxies are DELEGATECALL hops (each also reads its implementation slot: 4,700 cold); "
        "accounts are first calls to another contract (2,600); cold slots are first reads of a storage slot "
        "(2,100); fills set a slot from zero (20,000); updates first change a non-zero slot (2,900). "
        "Execution is every other opcode, memory included. The parts add up to the gas used, less the refund, "
        "within a call's memory expansion (checked for each row). The chain's clock is pinned (one second a "
        "block from a fixed start), so every figure is the same on every run but for calldata carrying random "
        "bytes (a proof's blinding, a signature: intrinsic gas only); they can differ from bench/results.md by "
        "a few thousand gas, whose chain follows the wall clock.",
        "",
        table(headers, body),
        "",
        f"_Run took {time.monotonic() - _STARTED:.0f} s._",
        "",
    ])


@click.command(cls=ConnectedProviderCommand)
@click.option("--out", type=click.Path(path_type=Path), default=OUT, show_default=True)
def cli(out: Path) -> None:
    logger.set_level("WARNING")
    test_accounts = accounts.test_accounts
    deployer, governance, alice, bob, keeper = (test_accounts[i] for i in (0, 1, 4, 5, 7))
    users = [test_accounts[i] for i in range(8, 13)]
    pin_clock()
    suite = deploy_suite(deployer, governance, params=Params(qev_max_bids=256), roles={"strategy_admin": governance})
    rows = Rows()
    progress("deployed; tokens and vault")
    tokens_and_vault(suite, rows, alice, bob, keeper, users)
    progress("QEV")
    qev(suite, rows, users, keeper)
    progress("credit")
    credit(suite, rows, test_accounts[13], test_accounts[14], test_accounts[15], keeper)
    out.write_text(render(rows))
    progress(f"written to {out}")
