"""The QEV client (`ape run qev ...`) as a keeper and a bidder use it: its commands run here on the
test chain (their callbacks, without a new provider). Revision 1's keeper commands died with
`KeyError: 'cycleId'`, a bid with a bad `--openings` lost its opening after the bond was locked, and bad
input ended in tracebacks; each is a regression test here."""

import stat

import click
import pytest

from scripts import qev as cli
from scripts._suite.qev import Opening, bid_tickets

from .helpers import REQUEST


def test_bid_tickets__lists_this_cycles_bids(auction, cycle, sealed_round, alice, bob):
    tickets, _ = sealed_round((alice, 10), (bob, 50, 6))
    assert bid_tickets(auction, cycle) == sorted(tickets)
    assert bid_tickets(auction, cycle + 1) == []


def test_status__prints_tiers_until_revealed(auction, cycle, sealed_round, unseal, phase, alice, bob, capsys):
    tickets, openings = sealed_round((alice, 10), (bob, 50, 6))
    phase("reveal")
    unseal(openings[0], alice)
    cli.status.callback(auction_address=auction.address, cycle_id=cycle)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"cycle {cycle}: bids 20") and "UTC" in out[0]
    assert out[1] == "2 bids, 1 revealed (1 at or above the 0 bps reserve), 0 swept, 0 ranked, not settled"
    assert out[2].startswith(f"ticket {tickets[0]}: tier 4, revealed, fee 10")
    assert out[3].startswith(f"ticket {tickets[1]}: tier 6, sealed, fee -")


def test_bid_reveal_sweep_settle__a_cycle_from_the_command_line(
    auction, vault, cycle, requests, phase, alice, bob, keeper, tmp_path, capsys
):
    tickets = requests(alice, bob)
    phase("bid")
    for who, ticket, fee in ((alice, tickets[0], 250), (bob, tickets[1], 40)):
        cli.bid.callback(
            account=who, auction_address=auction.address, ticket_id=ticket, fee_bps=fee, tier=None,
            openings=tmp_path / who.address, dry_run=False, yes=True,
        )
    saved = sorted((tmp_path / alice.address).glob("*.opening.json"))
    assert len(saved) == 1 and stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    assert Opening.load(saved[0]).fee_bps == 250
    phase("reveal")
    cli.reveal.callback(account=alice, opening_path=saved[0], yes=True)
    phase("closed")
    cli.sweep.callback(account=keeper, auction_address=auction.address, cycle_id=cycle, yes=True)
    cli.settle.callback(account=keeper, auction_address=auction.address, cycle_id=cycle, yes=True)
    out = capsys.readouterr().out
    assert "swept 1 unrevealed bids" in out and f"settled cycle {cycle}: [{tickets[0]}]" in out
    assert int(auction.bidOf(cycle, tickets[1]).status) == 3  # bob never revealed: swept


def _bid(auction, who, ticket, fee, openings, dry_run=False, address=None):
    cli.bid.callback(
        account=who, auction_address=address or auction.address, ticket_id=ticket, fee_bps=fee, tier=None,
        openings=openings, dry_run=dry_run, yes=True,
    )


def test_bid__bad_input__one_line_and_nothing_sent(auction, cycle, requests, phase, alice, tmp_path, deployer):
    (ticket,) = requests(alice)
    phase("bid")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    cases = [
        (dict(fee=9000, openings=tmp_path), "fee 9000 bps is above the largest biddable fee (8191 bps"),
        (dict(fee=100, openings=not_a_folder), "is not a directory"),
        (dict(fee=100, openings=tmp_path, address="0x1234"), "not an address: '0x1234'"),
        (dict(fee=100, openings=tmp_path, address=deployer.address), "no contract at"),
    ]
    for kwargs, message in cases:
        with pytest.raises(click.ClickException) as info:
            _bid(auction, alice, ticket, **kwargs)
        assert message in info.value.message and "\n" not in info.value.message
    # None of them locked a bond or left an opening behind.
    assert int(auction.bidOf(cycle, ticket).status) == 0
    assert not list(tmp_path.glob("*.opening.json"))


def test_bid__dry_run_simulates_against_the_chain(auction, cycle, requests, phase, alice, tmp_path, capsys):
    (ticket,) = requests(alice, shares=REQUEST)
    phase("reveal")  # outside the bid window: the auction would refuse
    with pytest.raises(click.ClickException) as info:
        _bid(auction, alice, ticket, 100, tmp_path, dry_run=True)
    assert info.value.message.startswith("the auction would refuse this bid: ")
    phase("bid", cycle + 1)
    _bid(auction, alice, ticket, 100, tmp_path, dry_run=True)
    assert "simulates successfully; nothing sent" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.opening.json"))


def test_settle__in_batches_and_after_a_bad_partial_list__challenges_then_finishes(
    auction, cycle, sealed_round, unseal, phase, alice, bob, carol, keeper, capsys
):
    specs = ((alice, 15), (bob, 9), (carol, 12), (alice, 4))
    tickets, openings = sealed_round(*specs)
    phase("reveal")
    for opening, spec in zip(openings, specs, strict=True):
        unseal(opening, spec[0])
    phase("closed")
    # Someone ranked alice's 15 and bob's 9, leaving out carol's 12: the list can never finish.
    auction.settle(cycle, [tickets[0], tickets[1]], sender=bob)
    cli.settle.callback(account=keeper, auction_address=auction.address, cycle_id=cycle, yes=True, batch=3)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"challenged a partial settlement that left out ticket {tickets[2]}"
    assert out[1:3] == ["ranked 3 of 4", "ranked 4 of 4"]
    assert auction.priorityStatus(cycle) == (True, 4)
    assert [int(auction.priorityAt(cycle, i)[0]) for i in range(4)] == [tickets[i] for i in (0, 2, 1, 3)]
    with pytest.raises(click.ClickException, match=f"cycle {cycle} is already settled"):
        cli.settle.callback(account=keeper, auction_address=auction.address, cycle_id=cycle, yes=True)


def test_manifest__addresses_from_the_deployment_file(auction, cycle, suite, tmp_path, capsys):
    path = tmp_path / "local.json"
    path.write_text(__import__("json").dumps(suite.manifest()))
    cli.status.callback(auction_address=None, cycle_id=cycle, manifest=path)
    assert capsys.readouterr().out.startswith(f"cycle {cycle}: bids")
    with pytest.raises(click.ClickException, match="no manifest at"):
        cli.status.callback(auction_address=None, cycle_id=cycle, manifest=tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(click.ClickException, match="is not JSON"):
        cli.status.callback(auction_address=None, cycle_id=cycle, manifest=tmp_path / "bad.json")
