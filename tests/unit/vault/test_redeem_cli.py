"""The redeem client (`ape run redeem ...`) as a holder uses it: its commands run here on the test chain
(their callbacks, without a new provider). Each bad input and each refusal is one line, and nothing is
sent when the chain would refuse."""

import click
import pytest

from scripts import redeem as cli
from scripts._suite.deployment import USDAI


@pytest.fixture
def staked(holders, deposit):
    alice, bob, _ = holders
    deposit(alice, 1_000 * USDAI)
    deposit(bob, 1_000 * USDAI)
    return alice, bob


def _lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_request_list_transfer_claim__a_position_from_the_command_line(
    vault, ticket, staked, carol, keeper, next_cycle, capsys
):
    alice, _ = staked
    cli.request.callback(account=alice, amount="300", yes=True, vault_address=vault.address)
    (line,) = _lines(capsys)
    first = int(line.split(":")[0].removeprefix("ticket "))
    assert line == f"ticket {first}: 300.00 sUSDai, due " + line.split("due ")[1]
    assert line.endswith("UTC")
    cli.request.callback(account=alice, amount="100", yes=True, vault_address=vault.address)
    cli.list_.callback(account=alice, vault_address=vault.address)
    listed = _lines(capsys)[1:]
    assert listed[0].startswith(f"ticket {first}: pending 300.00 sUSDai, claimable 0.00 sUSDai = 0.00 USDai, due ")
    assert listed[1].startswith(f"ticket {first + 1}: pending 100.00 sUSDai")
    # Alice sells her first ticket to Carol.
    cli.transfer.callback(account=alice, ticket_id=first, to=carol.address, yes=True, vault_address=vault.address)
    assert _lines(capsys) == [f"ticket {first} now held by {carol.address}"]
    cli.list_.callback(account=carol, vault_address=vault.address)
    assert _lines(capsys)[0].startswith(f"ticket {first}: pending 300.00 sUSDai")
    cli.list_.callback(account=alice, vault_address=vault.address)
    assert [line.split(":")[0] for line in _lines(capsys)] == [f"ticket {first + 1}"]
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    assets = vault.maxWithdraw(carol)
    cli.claim.callback(account=carol, amount=None, receiver=None, yes=True, vault_address=vault.address)
    assert _lines(capsys) == [f"claimed 300.00 sUSDai for {assets / USDAI:,.2f} USDai"]
    assert ticket.balanceOf(carol) == 0


def test_cancel__part_then_all(vault, staked, capsys):
    alice, _ = staked
    cli.request.callback(account=alice, amount="300", yes=True, vault_address=vault.address)
    first = int(_lines(capsys)[0].split(":")[0].removeprefix("ticket "))
    cli.cancel.callback(account=alice, ticket_id=first, amount="100", yes=True, vault_address=vault.address)
    assert _lines(capsys) == [f"ticket {first}: 100.00 sUSDai returned, 200.00 still pending"]
    cli.cancel.callback(account=alice, ticket_id=first, amount=None, yes=True, vault_address=vault.address)
    assert _lines(capsys) == [f"ticket {first}: 200.00 sUSDai returned, 0.00 still pending"]
    assert vault.balanceOf(alice) == 1_000 * USDAI


@pytest.mark.parametrize(
    ("command", "kwargs", "message"),
    [
        ("request", {"amount": "-5"}, "amount must be positive with at most 18 decimals: '-5'"),
        ("request", {"amount": "abc"}, "not an amount: 'abc'"),
        ("request", {"amount": "5000"}, "ERC20InsufficientBalance("),
        ("request", {"amount": "0.5"}, "RedemptionTooSmall(shares=500,000,000,000,000,000, minimum=1,000,000,000,000,000,000)"),
        ("cancel", {"ticket_id": 999, "amount": None}, "ticket 999 has nothing pending to cancel"),
        ("cancel", {"ticket_id": 999, "amount": "1"}, "CallerUnauthorized("),
        ("claim", {"amount": None, "receiver": None}, "nothing is claimable yet"),
        ("claim", {"amount": "1", "receiver": None}, "ClaimExceedsClaimable("),
        ("claim", {"amount": "1", "receiver": "0x1234"}, "not an address: '0x1234'"),
        ("transfer", {"ticket_id": 999, "to": "0x" + "11" * 20}, "ERC721NonexistentToken(tokenId=999)"),
        ("transfer", {"ticket_id": 1, "to": "carol"}, "not an address: 'carol'"),
    ],
)
def test_bad_input__one_line_and_nothing_sent(vault, staked, command, kwargs, message):
    alice, _ = staked
    nonce = alice.nonce
    with pytest.raises(click.ClickException) as raised:
        getattr(cli, command).callback(account=alice, yes=True, vault_address=vault.address, **kwargs)
    assert message in raised.value.message
    assert "\n" not in raised.value.message
    assert alice.nonce == nonce


def test_vault_address__not_a_vault__one_line(staked, usdai, tmp_path):
    alice, _ = staked
    with pytest.raises(click.ClickException, match="no contract at"):
        cli.list_.callback(account=alice, vault_address="0x" + "22" * 20)
    with pytest.raises(click.ClickException, match="no manifest at"):
        cli.list_.callback(account=alice, manifest=tmp_path / "none.json")


def test_dry_run__simulates_and_sends_nothing(vault, ticket, staked, carol, capsys):
    alice, _ = staked
    nonce = alice.nonce
    cli.request.callback(account=alice, amount="300", yes=True, vault_address=vault.address, dry_run=True)
    assert _lines(capsys) == ["dry run: requestRedeem simulates successfully; nothing sent"]
    assert alice.nonce == nonce and ticket.balanceOf(alice) == 0
    # A refusal is still one decoded line.
    with pytest.raises(click.ClickException, match="ERC20InsufficientBalance"):
        cli.request.callback(account=alice, amount="5000", yes=True, vault_address=vault.address, dry_run=True)
