"""Loan client: `ape run loan quote|sign|originate|repay|status|cancel --network ...`.

A curator quotes terms; the borrower signs them (EIP-712) into a terms file; the curator originates
from the file; anyone repays or reads a loan's status. Every failure prints one line: the decoded
custom error with amounts in USDai and dates as dates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option, network_option

from scripts._suite import loans
from scripts._suite.errors import one_line_errors
from scripts._suite.prompts import confirm_live

DEFAULT_TERMS = Path.home() / ".gpuyield" / "terms"
book_option = click.option("--book", "book_address", required=True, help="LoanBook proxy address.")
loan_option = click.option("--loan", "loan_id", type=int, required=True, help="Loan id.")
yes_option = click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")


# Contract reverts and bad input become one human line (exit 1), never a traceback.
explained = one_line_errors("LoanBook", "CreditPolicy", "CaliberReceipt", "FiLoRegistry")




def _terms_options(func: Callable[..., None]) -> Callable[..., None]:
    for option in reversed([
        book_option,
        click.option("--principal", required=True, help="USDai to lend, e.g. 6000 or 6,000.50."),
        click.option("--apr-bps", type=click.IntRange(0, 10_000), required=True, help="Yearly rate in bps."),
        click.option("--periods", type=click.IntRange(1, 360), required=True),
        click.option("--period-days", type=click.IntRange(1, 365), default=30, show_default=True),
        click.option("--receipt", "receipts", type=int, multiple=True, required=True, help="CALIBER receipt id (repeat)."),
    ]):
        func = option(func)
    return func


@click.group()
def cli() -> None:
    """GPU loans: quote, sign, originate, repay, status."""


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@_terms_options
@explained
def quote(book_address: str, principal: str, apr_bps: int, periods: int, period_days: int, receipts: tuple[int, ...]) -> None:
    """Schedule, LTV and depreciation check of terms (sends nothing)."""
    book, _, _, _ = loans.contracts(book_address)
    amount = loans.parse_usdai(principal)
    result = loans.quote(book, amount, apr_bps, periods, period_days * 86_400, list(receipts))
    for line in result.lines(amount, periods, period_days):
        click.echo(line)


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@_terms_options
@click.option("--stack", "stack_id", type=int, required=True, help="Stack id.")
@click.option("--valid-hours", type=click.IntRange(1, 24 * 30), default=24, show_default=True)
@click.option("--nonce", type=int, default=None, help="Nonce (default: a random one).")
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_TERMS, show_default=True)
@explained
def sign(
    account: Any, book_address: str, principal: str, apr_bps: int, periods: int, period_days: int,
    receipts: tuple[int, ...], stack_id: int, valid_hours: int, nonce: int | None, out: Path,
) -> None:
    """As the borrower: sign terms into a terms file for the curator."""
    book, _, _, _ = loans.contracts(book_address)
    record, path = loans.sign(
        book, account, stack_id, loans.parse_usdai(principal), apr_bps, periods, period_days * 86_400,
        list(receipts), valid_hours * 3600, out, nonce,
    )
    click.echo(f"signed terms saved to {path}")
    click.echo(f"digest {record.digest}, nonce {record.terms.nonce}, valid until {loans.date(record.terms.deadline)}")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@book_option
@click.option("--terms", "terms_path", type=click.Path(path_type=Path, exists=True), required=True)
@yes_option
@explained
def originate(account: Any, book_address: str, terms_path: Path, yes: bool) -> None:
    """As the curator: originate the loan a terms file describes."""
    book, _, _, _ = loans.contracts(book_address)
    record = loans.TermsFile.load(terms_path)
    confirm_live(yes, f"a loan of {loans.usd(record.terms.principal)}")
    loan_id = loans.originate(book, account, record)
    click.echo(f"loan {loan_id} originated")
    for line in loans.status(book, loan_id):
        click.echo(line)


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@book_option
@loan_option
@click.option("--amount", default="due", show_default=True, help="USDai to pay, or 'due' for what is due now.")
@yes_option
@explained
def repay(account: Any, book_address: str, loan_id: int, amount: str, yes: bool) -> None:
    """Pay a loan: interest, penalty, the scheduled principal, then a prepayment."""
    book, _, _, _ = loans.contracts(book_address)
    value = None if amount == "due" else loans.parse_usdai(amount)
    confirm_live(yes, f"a repayment of loan {loan_id}")
    interest, fees, principal = loans.repay(book, account, loan_id, value)
    click.echo(f"paid interest {loans.usd(interest)}, fees {loans.usd(fees)}, principal {loans.usd(principal)}")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@book_option
@loan_option
@explained
def status(book_address: str, loan_id: int) -> None:
    """A loan's state, what is due, its deadlines and collateral."""
    book, _, _, _ = loans.contracts(book_address)
    for line in loans.status(book, loan_id):
        click.echo(line)


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@book_option
@click.option("--nonce", type=int, required=True)
@explained
def cancel(account: Any, book_address: str, nonce: int) -> None:
    """As the borrower: cancel a nonce, so that terms signed with it can never originate a loan."""
    _, policy, _, _ = loans.contracts(book_address)
    policy.cancelNonce(nonce, sender=account)
    click.echo(f"nonce {nonce} cancelled")
