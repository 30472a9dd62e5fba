"""`ape run status` (scripts/status.py, scripts/_suite/status.py) against one deployment in the middle of
its life: two FiLo stacks with three loans (one paid ahead, one late within its grace period, one
delinquent past it), a served cycle whose QEV round settled and a partly served request still due,
and the next cycle's requests with its auction taking bids. The snapshot must be what the views say
at its block, the terminal and the HTML page must show it, and the CLI must print one line on bad
input. The page is rendered by headless Chromium; its screenshot is kept in .artifacts/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest
from ape import chain

from scripts import status as cli
from scripts._suite import loans
from scripts._suite import status as st
from scripts._suite.qev import place_bid, reveal_bid
from tests.credit.fixtures import *  # noqa: F401,F403
from tests.credit.fixtures import DAY, USDAI, stack_params

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / ".artifacts"


def at(timestamp: int) -> None:
    chain.pending_timestamp = timestamp
    chain.mine()


def request(vault, who, shares: int) -> int:
    """A redemption request of `who`'s own shares; its ticket id (from the event: no call trace)."""
    tx = vault.requestRedeem(shares, who, who, sender=who)
    return int(tx.events.filter(vault.RedeemRequest)[0].requestId)


@pytest.fixture(scope="module")
def scenario(
    suite, credit, governance, strategist, curator, curator2, borrower, borrower2, alice, bob, carol, keeper,
    stake, deposit_junior, fund_usdai, originate,
):
    vault, registry, book, auction = suite.vault, suite.registry, suite.loan_book, suite.auction
    # The credit fixtures point the ledger at a stand-in vault; this scenario uses the real one.
    registry.setVault(vault, sender=governance)
    # The history starts with this scenario: in a full run, anvil no longer holds the state of the
    # session suite's first blocks after many snapshots and reverts (the page then notes "archive
    # node needed", as on a pruned live node).
    first = int(chain.blocks.height) + 1
    suite.wm.setEarnerRate(400, sender=suite.deployer)  # other fixtures of a full run stop the base yield
    k0 = int(vault.currentCycle()) + 1
    at(int(vault.cycleStart(k0)) + 60)
    for who, amount in ((alice, 600_000), (bob, 300_000), (carol, 100_000)):
        stake(who, amount * USDAI)
    stacks = []
    for who, junior, senior in ((curator, 50_000, 400_000), (curator2, 30_000, 250_000)):
        created = registry.createStack(stack_params(10_000_000 * USDAI, 1000, 1000), sender=who)
        stack_id = int(created.events.filter(registry.StackCreated)[0].stackId)
        deposit_junior(who, stack_id, junior * USDAI)
        vault.allocate(stack_id, senior * USDAI, sender=strategist)
        stacks.append(stack_id)
    # t0 = the start of cycle k0. Loan `paid`: 30-day periods, paid ahead at t0 + 32 d. Loan `delinquent`:
    # 10-day periods, never paid: due t0 + 10 d, markable after the 30-day grace (t0 + 40 d), so the
    # book is stale at the snapshot (the bid window of cycle k0 + 1, t0 + 55 d). Loan `late`: 20-day
    # periods from t0 + 32 d, its first due date three days before the snapshot, within its grace.
    paid = originate(stacks[0], 300_000 * USDAI)
    delinquent = originate(stacks[1], 200_000 * USDAI, period_length=10 * DAY, borrower_=borrower2, curator_=curator2)
    tickets = {who.address: request(vault, who, amount * USDAI) for who, amount in ((alice, 250_000), (bob, 150_000))}
    # Cycle k0's round: bob buys priority, the keeper settles, servicing pays bob first, then alice in part.
    bid_opens, reveal_opens, reveal_closes = (int(t) for t in auction.windows(k0))
    at(bid_opens + 60)
    opening, _ = place_bid(auction, vault, bob, tickets[bob.address], 12, 4)
    at(reveal_opens + 60)
    reveal_bid(auction, opening, bob)
    at(reveal_closes + 60)
    auction.settle(k0, [tickets[bob.address]], sender=keeper)
    vault.serviceRedemptions(10, sender=keeper)
    vault.redeem(vault.maxRedeem(bob), bob, bob, sender=bob)
    fund_usdai(borrower, 60_000 * USDAI)
    loans.repay(book, borrower, paid, None)
    late = originate(stacks[1], 40_000 * USDAI, period_length=20 * DAY, borrower_=borrower2, curator_=curator2)
    # Cycle k0 + 1: new requests, and its auction takes a sealed bid.
    waiting = [request(vault, who, amount * USDAI) for who, amount in ((carol, 50_000), (alice, 20_000))]
    at(int(auction.windows(k0 + 1)[0]) + 60)
    place_bid(auction, vault, carol, waiting[0], 15, 4)
    snapshot = st.read_snapshot(suite.manifest()["contracts"], from_block=first)
    return {
        "snapshot": snapshot, "first": first, "k0": k0, "stacks": stacks, "paid": paid, "late": late, "delinquent": delinquent,
        "served": tickets, "waiting": waiting,
    }


@pytest.fixture(scope="module")
def snap(scenario) -> st.Snapshot:
    return scenario["snapshot"]


def test_snapshot__every_figure_is_the_view_at_its_block(snap, suite):
    vault, usdai, registry = suite.vault, suite.usdai, suite.registry
    b = snap.block
    assert snap.block == chain.blocks.height and snap.timestamp == chain.blocks[b].timestamp
    held = suite.wm.balanceOf(usdai, block_id=b)
    assert snap.usdai == st.UsdaiFigures(
        supply=usdai.totalSupply(block_id=b),
        supply_cap=usdai.supplyCap(block_id=b),
        wm_backing=held,
        wm_accrued=suite.wm.accruedYieldOf(usdai, block_id=b),
        backing_ratio_wad=held * 10**12 * 10**18 // usdai.totalSupply(block_id=b),
        harvestable=usdai.harvestableBaseYield(block_id=b),
        base_yield_owed=usdai.baseYieldOwed(vault, block_id=b),
        admin_fee_bps=usdai.adminFeeBps(block_id=b),
    )
    assert snap.usdai.backing_ratio_wad >= 10**18 and snap.usdai.base_yield_owed > 0
    v = snap.vault
    deposit_nav, redemption_nav, stale_from = registry.navState(block_id=b)
    assert (v.total_assets, v.redemption_assets, v.total_supply, v.share_price) == (
        vault.totalAssets(block_id=b), vault.redemptionAssets(block_id=b), vault.totalSupply(block_id=b),
        vault.convertToAssets(USDAI, block_id=b),
    )
    assert (v.senior_nav_deposit, v.senior_nav_redemption, v.stale_from) == (deposit_nav, redemption_nav, stale_from)
    assert v.reserved_assets == vault.reservedAssets(block_id=b) > 0
    assert v.idle == usdai.balanceOf(vault, block_id=b) - v.reserved_assets
    assert v.escrowed_shares == vault.escrowedShares(block_id=b)
    # The NAV split adds up to the price's basis (docs/DESIGN.md, "sUSDai: the price").
    assert v.total_assets == v.idle + v.base_yield_owed + v.senior_nav_deposit
    assert v.redemption_assets == v.idle + v.base_yield_owed + v.senior_nav_redemption
    # A loan is markable: the vault refuses deposits until a keeper marks it.
    assert v.stale_from <= snap.timestamp and v.max_deposit == 0
    assert snap.notes == ()
    assert dict(snap.contracts) == suite.manifest()["contracts"]


def test_snapshot__queue_by_cycle(snap, scenario, suite, alice):
    vault, ticket = suite.vault, suite.ticket
    b, k0 = snap.block, scenario["k0"]
    q = snap.queue
    assert q.current_cycle == vault.currentCycle(block_id=b) == k0 + 1
    assert (q.cycle_start, q.cycle_end) == (vault.cycleStart(k0 + 1, block_id=b), vault.cycleStart(k0 + 2, block_id=b))
    assert (q.next_request_id, q.fifo_head, q.due_limit) == tuple(vault.queueState(block_id=b))
    still_due = vault.pendingRedeemRequest(scenario["served"][alice.address], alice, block_id=b)
    assert 0 < still_due < 250_000 * USDAI  # served in part
    carol_ticket, alice_ticket = scenario["waiting"]
    waiting = [vault.pendingRedeemRequest(t, vault.requestOf(t, block_id=b).controller, block_id=b) for t in scenario["waiting"]]
    assert q.cycles == (
        st.CycleQueue(k0, vault.cycleStart(k0 + 1, block_id=b), 1, still_due, 0, True),
        st.CycleQueue(k0 + 1, vault.cycleStart(k0 + 2, block_id=b), 2, sum(waiting), vault.bondOf(carol_ticket, block_id=b), False),
    )
    assert ticket.requestCycle(alice_ticket) == k0 + 1 and q.cycles[1].bonded_shares > 0
    assert sum(c.pending_shares for c in q.cycles) == snap.vault.escrowed_shares


def test_snapshot__auction_rounds_and_phases(snap, scenario, suite):
    auction, b, k0 = suite.auction, snap.block, scenario["k0"]
    previous, current = snap.auctions
    for rd in (previous, current):
        assert (rd.bid_opens, rd.reveal_opens, rd.reveal_closes) == tuple(auction.windows(rd.cycle, block_id=b))
        on_chain = auction.roundOf(rd.cycle, block_id=b)
        assert (rd.bids, rd.revealed, rd.swept, rd.eligible, rd.ranked, rd.min_fee_bps) == (
            on_chain.bids, on_chain.revealed, on_chain.swept, on_chain.eligible, on_chain.ranked, on_chain.minFeeBps,
        )
        assert (rd.final, rd.priority_length) == tuple(auction.priorityStatus(rd.cycle, block_id=b))
    assert (previous.cycle, previous.phase, previous.bids, previous.priority_length) == (k0, "settled", 1, 1)
    assert (current.cycle, current.phase, current.bids, current.final) == (k0 + 1, "bidding", 1, False)
    assert [st.auction_phase(t, 10, 20, 30, final) for t, final in ((9, False), (10, False), (20, False), (30, False), (30, True))] == [
        "not open", "bidding", "revealing", "settling", "settled"]
    # A round past its reveal window and not yet settled holds servicing back: an alert says so.
    waiting = replace(snap, auctions=(replace(previous, phase="settling", final=False), current))
    assert f"QEV round of cycle {k0} awaits its sweep and settlement" in st.render_text(waiting)
    assert f"QEV round of cycle {k0}" not in st.render_text(snap)


def test_snapshot__stacks_and_loans_flagged(snap, scenario, suite):
    registry, book, b = suite.registry, suite.loan_book, snap.block
    by_id = {s.stack_id: s for s in snap.stacks}
    for stack_id in scenario["stacks"]:
        s, raw = by_id[stack_id], registry.stack(stack_id, block_id=b)
        assert (s.curator, s.senior_principal, s.cash, s.principal_outstanding, s.impairment) == (
            raw.curator, raw.seniorPrincipal, raw.cash, raw.principalOutstanding, raw.impairment)
        assert (s.first_loss_book, s.first_loss_economic) == tuple(registry.juniorCapital(stack_id, block_id=b))
        assert (s.deposit_nav, s.redemption_nav) == tuple(registry.stackNav(stack_id, block_id=b))
        assert s.delinquency == book.hasDelinquency(stack_id, block_id=b)
    healthy, troubled = (by_id[i] for i in scenario["stacks"])
    assert (healthy.status, troubled.status) == ("performing", "delinquent")
    assert troubled.open_loans == tuple(sorted((scenario["delinquent"], scenario["late"])))
    loans_by_id = {ln.loan_id: ln for ln in snap.loans}
    assert sorted(loans_by_id) == sorted((scenario["paid"], scenario["late"], scenario["delinquent"]))
    for loan_id, ln in loans_by_id.items():
        raw = book.loan(loan_id, block_id=b)
        assert (ln.outstanding, ln.interest) == tuple(book.loanDebt(loan_id, block_id=b))
        assert (ln.stack_id, ln.borrower, ln.principal, ln.state) == (raw.stackId, raw.borrower, raw.principal, "active")
        assert ln.next_due == raw.start + raw.dueIndex * raw.periodLength
        assert ln.deadline == book.deadlineOf(loan_id, block_id=b)
        assert ln.delinquent == book.isDelinquent(loan_id, block_id=b)
    assert loans_by_id[scenario["paid"]].flags == ()
    assert loans_by_id[scenario["late"]].flags == ("late",)
    assert loans_by_id[scenario["delinquent"]].flags == ("delinquent", "late")
    assert loans_by_id[scenario["paid"]].next_due > snap.timestamp > loans_by_id[scenario["late"]].next_due


def test_snapshot__price_history_from_logs(snap, scenario, suite):
    vault, first = suite.vault, scenario["first"]
    points = snap.history
    assert [p.block for p in points] == sorted({p.block for p in points}) and points[-1].block == snap.block
    for p in points:
        assert p.share_price == vault.convertToAssets(USDAI, block_id=p.block)
        assert p.timestamp == chain.blocks[p.block].timestamp
    by_block = {p.block: p.events for p in points}
    deposits = vault.Deposit.range(first, snap.block + 1)
    assert deposits and all("Deposit" in by_block[log.block_number] for log in deposits)
    serviced = vault.RedemptionServiced.range(first, snap.block + 1)
    assert all("RedemptionServiced" in by_block[log.block_number] for log in serviced)
    assert {"Withdraw", "Allocated", "RepaymentSettled"} <= {e for p in points for e in p.events}
    assert points[-1].share_price > points[0].share_price  # base yield and interest


def test_snapshot__links_that_disagree_with_the_manifest__noted(suite, governance, vault_account):
    """The credit fixtures' stand-in vault: the ledger no longer answers to the manifest's sUSDai."""
    suite.registry.setVault(vault_account, sender=governance)
    snapshot = st.read_snapshot(suite.manifest()["contracts"], from_block=int(chain.blocks.height))
    note = f"FiLoRegistry.vault() is {vault_account.address}, not the manifest's sUSDai {suite.vault.address}"
    assert snapshot.notes == (note,)
    assert f"! {note}" in st.render_text(snapshot)


def test_raw_logs__newest_first__a_refused_range_is_halved_and_stays_narrow():
    asked = []

    def fetch(method, params):
        low, high = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
        asked.append((low, high))
        if high - low >= 3:
            raise ValueError("query returned more than 10000 results")
        return [{"blockNumber": hex(high)}]

    windows = list(st.raw_logs(["0x" + "11" * 20], ["0x" + "22" * 32], 0, 9, batch=8, fetch=fetch))
    assert asked == [(2, 9), (6, 9), (8, 9), (6, 7), (4, 5), (2, 3), (0, 1)]
    assert [int(w[0]["blockNumber"], 16) for w in windows] == [9, 7, 5, 3, 1]


def test_snapshot__price_guard__figures_and_alerts(snap, suite, deployer, chain):
    guard, feeds = snap.guard, suite.price_feeds
    assert guard is not None and guard.max_deviation_bps == 50 and guard.sequencer_up
    assert guard.sequencer_feed == feeds["Sequencer"].address and guard.grace_period == 3_600
    assert [(f.token, f.feed, f.answer, f.decimals, f.max_age) for f in guard.feeds] == [
        ("USDC", feeds["USDC"].address, 10**8, 8, 90_000), ("USDT", feeds["USDT"].address, 10**8, 8, 90_000),
    ]
    text = st.render_text(snap)
    assert "USDai price guard" in text and f"1.00000000 at {st.iso(snap.timestamp)} (fresh; max age 90,000 s)" in text
    # A USDC feed past its max age and a sequencer that went down: both are alerts.
    now = chain.blocks.head.timestamp
    feeds["USDC"].setRound(10**8, 1, now - 100_000, sender=deployer)
    feeds["Sequencer"].setRound(1, now, 0, sender=deployer)
    later = st.read_snapshot(suite.manifest()["contracts"], from_block=chain.blocks.height)
    alerts = later.alerts()
    assert f"sequencer DOWN since {st.iso(now)}: USDC/USDT deposits and withdrawals are refused" in alerts
    assert (
        f"USDC/USD feed stale since {st.iso(now - 100_000 + 90_000)}: USDC deposits and withdrawals are refused "
        "(wM stays open)"
    ) in alerts
    assert "STALE" in st.render_text(later)


def test_render_text__shows_the_figures_and_flags(snap, scenario, suite):
    text = st.render_text(snap)
    vault, b = suite.vault, snap.block
    for figure in (
        st.usd(suite.usdai.totalSupply(block_id=b)), st.wm(suite.wm.balanceOf(suite.usdai, block_id=b)),
        st.price(vault.convertToAssets(USDAI, block_id=b)), st.usd(vault.totalAssets(block_id=b)),
        st.usd(vault.totalSupply(block_id=b)), st.usd(snap.vault.idle), st.usd(snap.vault.senior_nav_deposit),
        st.usd(snap.queue.cycles[0].pending_shares), st.iso(snap.queue.cycle_end),
    ):
        assert figure in text
    assert "block time (UTC) | " + st.iso(snap.timestamp) in text.replace("  ", "")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    late, delinquent, paid = (str(scenario[k]) for k in ("late", "delinquent", "paid"))
    loan_row = [line for line in text.splitlines() if line.startswith(f"| {delinquent} ")][-1]
    assert "! DELINQUENT, LATE" in loan_row and st.usd(suite.loan_book.loanDebt(int(delinquent))[0]) in loan_row
    assert [line for line in text.splitlines() if line.startswith(f"| {paid} ")][-1].rstrip(" |").endswith("ok")
    assert f"! loan {delinquent} (stack {scenario['stacks'][1]}): delinquent, late" in text
    assert f"! loan {late} (stack {scenario['stacks'][1]}): late" in text
    assert text.splitlines()[2].startswith("! book stale since ")
    assert "bidding" in text and "settled" in text and rows


def test_cli__prints_the_report_and_writes_the_page(snap, scenario, suite, tmp_path, capsys):
    manifest = tmp_path / "local.json"
    manifest.write_text(json.dumps(suite.manifest()))
    page = tmp_path / "report.html"
    cli.cli.callback(manifest=manifest, html_path=page, from_block=scenario["first"])
    out = capsys.readouterr().out
    assert out == st.render_text(snap) + f"report written to {page}\n"
    assert page.read_text() == st.render_html(snap)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (None, "no manifest at"),
        ({"drop": "LoanBook"}, "the manifest lists no LoanBook"),
        ({"set": ("sUSDai", "0x1234")}, "manifest entry sUSDai is not an address: '0x1234'"),
        ({"set": ("QEVAuction", "0x" + "22" * 20)}, "no contract at 0x2222222222222222222222222222222222222222 (QEVAuction)"),
        ({"html": "missing/report.html"}, "/missing/report.html: no folder "),
    ],
)
def test_cli__bad_input__one_line(suite, tmp_path, change, message):
    manifest = tmp_path / "m.json"
    body = suite.manifest()
    html_path = None
    if change is not None:
        if "drop" in change:
            del body["contracts"][change["drop"]]
        if "set" in change:
            body["contracts"][change["set"][0]] = change["set"][1]
        if "html" in change:
            html_path = tmp_path / change["html"]
        manifest.write_text(json.dumps(body))
    with pytest.raises(click.ClickException) as info:
        cli.cli.callback(manifest=manifest, html_path=html_path)
    assert message in info.value.message and "\n" not in info.value.message


# ---------------------------------------------------------------- the page in a browser


class Figures(HTMLParser):
    """Text of every element with a data-field, and the classes of every row with a data-key."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.rows: dict[tuple[str, str], str] = {}
        self.section = ""
        self.alerts: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self.section = a.get("id") or ""
        if tag == "tr" and "data-key" in a:
            self.rows[(self.section, a["data-key"])] = a.get("class") or ""
        self._open.append((tag, a.get("data-field") or ("alert" if "data-alert" in a else None)))
        if self._open[-1][1] is not None:
            self._text: list[str] = []

    def handle_endtag(self, tag):
        while self._open:
            open_tag, name = self._open.pop()
            if name is not None:
                text = "".join(self._text).strip()
                if name == "alert":
                    self.alerts.append(text)
                else:
                    self.fields[name] = text
            if open_tag == tag:
                break

    def handle_data(self, data):
        if any(name is not None for _, name in self._open):
            self._text.append(data)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not on PATH: run `make setup`, which installs it (Debian: apt-get install chromium)")
    return found


def _browse(tmp_path: Path, *runs: list[str]) -> list[str]:
    """Runs headless Chromium once per argument list, side by side (each with its own profile);
    returns each run's standard output."""
    chromium = _chromium()
    started = []
    for i, args in enumerate(runs):
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={tmp_path / f'profile-{i}'}",
        ]
        started.append(subprocess.Popen(
            [chromium, *flags, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "HOME": str(tmp_path)},
        ))
    outputs = []
    for process in started:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, f"chromium failed ({process.returncode}): {err[-2000:]}"
        outputs.append(out)
    return outputs


def test_html__headless_chromium_shows_the_chain_figures(snap, scenario, suite, tmp_path):
    page = tmp_path / "status.html"
    page.write_text(st.render_html(snap))
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "status-report.png"
    shot.unlink(missing_ok=True)
    dom, _ = _browse(tmp_path, ["--dump-dom", page.as_uri()], [f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()])
    assert shot.stat().st_size > 10_000
    seen = Figures()
    seen.feed(dom)
    f = seen.fields
    vault, usdai, book, b = suite.vault, suite.usdai, suite.loan_book, snap.block
    assert not {"script", "link", "img", "iframe"} & seen.tags and "svg" in seen.tags
    assert f["usdai.supply"] == st.usd(usdai.totalSupply(block_id=b))
    assert f["usdai.wm_backing"] == st.wm(suite.wm.balanceOf(usdai, block_id=b))
    assert f["usdai.base_yield_owed"] == st.usd(usdai.baseYieldOwed(vault, block_id=b))
    assert f["vault.share_price"] == st.price(vault.convertToAssets(USDAI, block_id=b))
    assert f["vault.total_assets"] == st.usd(vault.totalAssets(block_id=b))
    assert f["vault.total_supply"] == st.usd(vault.totalSupply(block_id=b))
    assert f["vault.senior_nav_deposit"] == st.usd(suite.registry.navState(block_id=b)[0])
    assert f["vault.stale_from"] == st.iso(suite.registry.navState(block_id=b)[2])
    k0 = scenario["k0"]
    assert f[f"cycle.{k0}.pending_shares"] == st.usd(snap.queue.cycles[0].pending_shares)
    assert f[f"cycle.{k0 + 1}.bonded_shares"] == st.usd(vault.bondOf(scenario["waiting"][0], block_id=b))
    assert f[f"auction.{k0 + 1}.phase"] == "bidding" and f[f"auction.{k0}.phase"] == "settled"
    assert f[f"auction.{k0 + 1}.bid_opens"] == st.iso(suite.auction.windows(k0 + 1, block_id=b)[0])
    for loan_id in (scenario["paid"], scenario["late"], scenario["delinquent"]):
        assert f[f"loan.{loan_id}.outstanding"] == st.usd(book.loanDebt(loan_id, block_id=b)[0])
    delinquent = scenario["delinquent"]
    assert "flagged" in seen.rows[("loans", str(delinquent))].split() and "delinquent" in seen.rows[("loans", str(delinquent))]
    assert f[f"loan.{delinquent}.flags"].startswith("! DELINQUENT")
    assert "flagged" not in seen.rows[("loans", str(scenario["paid"]))]
    assert any(a.startswith(f"loan {delinquent} ") for a in seen.alerts)
    for p in snap.history:
        assert f[f"history.{p.block}.share_price"] == st.price(vault.convertToAssets(USDAI, block_id=p.block))
    # Every figure the terminal shows is on the page.
    text = st.render_text(snap)
    for section in st.sections(snap):
        for row in section.rows:
            for cell in row.cells:
                if cell.field is not None:
                    assert cell.text in text and f[cell.field] == cell.text
