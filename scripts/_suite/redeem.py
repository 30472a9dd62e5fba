"""What the `redeem` CLI does, as plain functions over the vault and its tickets (the CLI adds options,
confirmation and one-line errors; tests call these directly).

A holder requests a redemption (a ticket), lists the tickets it holds with their place and due date,
cancels or reduces one, claims what was serviced, and sells (transfers) a ticket. Every transaction
is simulated first: a refusal comes back as one decoded line and nothing is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ape import chain, project

from scripts._suite.errors import format_value, preflight
from scripts._suite.loans import parse_usdai
from scripts._suite.report import fmt_units

SHARE = 10**18


def units(amount: int) -> str:
    """Shares or USDai (both 18 decimals), two places: '1,234.50'."""
    return fmt_units(amount, 18, 2)


def contracts(vault_address: str) -> tuple[Any, Any]:
    """(vault, ticket) at `vault_address`, refusing an address with no code or no ticket contract."""
    if not chain.provider.get_code(vault_address):
        raise ValueError(f"no contract at {vault_address} on this network")
    vault = project.StakedUSDai.at(vault_address)
    ticket_address = vault.ticket()
    if int(ticket_address, 16) == 0:
        raise ValueError("this vault has no ticket contract yet (governance sets it at deployment)")
    return vault, project.RedemptionTicket.at(ticket_address)


def shares(text: str) -> int:
    """'1,000.5' sUSDai -> wei (same rules as USDai amounts)."""
    return parse_usdai(text)


class DryRun(Exception):
    """The transaction simulated successfully and `--dry-run` stopped before sending it."""


def send(method: Any, *args: Any, sender: Any, contracts: tuple[Any, ...] = (), dry_run: bool = False) -> Any:
    """Simulates `method(*args)` from `sender`, then sends it (unless `dry_run`); a refusal raises one
    decoded line."""
    refused = preflight(method, *args, sender=sender, contracts=contracts)
    if refused is not None:
        raise ValueError(refused)
    if dry_run:
        raise DryRun(method.abis[0].name)
    return method(*args, sender=sender)


@dataclass
class Position:
    ticket_id: int
    pending: int
    bonded: int
    claimable_shares: int
    claimable_assets: int
    due_at: int
    ahead: int

    def line(self) -> str:
        due = format_value("timestamp", self.due_at)
        parts = [f"ticket {self.ticket_id}: pending {units(self.pending)} sUSDai"]
        if self.bonded:
            parts.append(f"({units(self.bonded)} bonded in QEV)")
        parts.append(f"claimable {units(self.claimable_shares)} sUSDai = {units(self.claimable_assets)} USDai")
        parts.append(f"due {due}" + (f", {self.ahead} requests ahead" if self.pending else ""))
        return ", ".join(parts)


def position(vault: Any, ticket: Any, ticket_id: int) -> Position:
    request = vault.requestOf(ticket_id)
    claim = vault.claimOf(ticket_id)
    bonded = int(vault.bondOf(ticket_id))
    fifo_head = int(vault.queueState().fifoHead)
    return Position(
        ticket_id=ticket_id,
        pending=int(request.shares) + bonded,
        bonded=bonded,
        claimable_shares=int(claim.shares),
        claimable_assets=int(claim.assets),
        due_at=int(vault.cycleStart(int(ticket.requestCycle(ticket_id)) + 1)),
        ahead=max(ticket_id - fifo_head, 0),
    )


def held_tickets(vault: Any, ticket: Any, holder: str, start_block: int = 0) -> list[int]:
    """The tickets `holder` holds now: every id ever transferred to it (the ticket's Transfer logs),
    kept if it still exists and is still its."""
    logs = ticket.Transfer.range(start_block, chain.blocks.height + 1, search_topics={"to": holder})
    held = []
    for token_id in sorted({int(log.tokenId) for log in logs}):
        if str(vault.requestOf(token_id).controller).lower() == str(holder).lower():
            held.append(token_id)
    return held


def request(vault: Any, account: Any, amount: int, dry_run: bool = False) -> tuple[int, int]:
    """Requests `amount` shares for `account`; returns (ticket id, due timestamp)."""
    receipt = send(vault.requestRedeem, amount, account.address, account.address, sender=account, dry_run=dry_run)
    ticket_id = int(receipt.events.filter(vault.RedeemRequest)[0].requestId)
    return ticket_id, int(vault.cycleStart(int(vault.currentCycle()) + 1))


def cancel(vault: Any, account: Any, ticket_id: int, amount: int | None, dry_run: bool = False) -> tuple[int, int]:
    """Takes back `amount` (default: all pending) of the ticket; returns (returned, still pending)."""
    pending = int(vault.requestOf(ticket_id).shares)
    if amount is None:
        if pending == 0:
            raise ValueError(f"ticket {ticket_id} has nothing pending to cancel")
        amount = pending
    receipt = send(vault.reduceRedeemRequest, ticket_id, amount, sender=account, dry_run=dry_run)
    event = receipt.events.filter(vault.RedeemRequestReduced)[0]
    return int(event.shares), int(event.remaining)


def claim(
    vault: Any, account: Any, amount: int | None, receiver: str | None = None, dry_run: bool = False
) -> tuple[int, int]:
    """Claims `amount` shares (default: everything claimable) to `receiver`; returns (shares, USDai)."""
    claimable = int(vault.maxRedeem(account.address))
    if amount is None:
        if claimable == 0:
            raise ValueError("nothing is claimable yet (requests are served from their due cycle on)")
        amount = claimable
    receipt = send(vault.redeem, amount, receiver or account.address, account.address, sender=account, dry_run=dry_run)
    event = receipt.events.filter(vault.Withdraw)[0]
    return int(event.shares), int(event.assets)


def transfer(vault: Any, ticket: Any, account: Any, ticket_id: int, to: str, dry_run: bool = False) -> None:
    """Hands the ticket (every right of the request, its place included) to `to`."""
    send(ticket.safeTransferFrom, account.address, to, ticket_id, sender=account, contracts=(vault,), dry_run=dry_run)
