"""The `loan` CLI's pieces against the deployed suite: quote, sign into a terms file, originate from it,
repay what is due, status; and the one-line errors it prints instead of tracebacks."""

import json
import stat

import pytest
from ape import chain

from scripts._suite import loans
from scripts._suite.errors import describe
from tests.credit.fixtures import *  # noqa: F401,F403
from tests.credit.fixtures import DAY, MONTH, USDAI, strict_reverts
from tests.reference import credit as ref


def test_parse_usdai__amounts_and_refusals():
    assert loans.parse_usdai("6,000.5") == 6_000_500_000_000_000_000_000
    assert loans.parse_usdai("1e-18") == 1
    for bad in ("0", "-1", "abc", "1e-19", ""):
        with pytest.raises(ValueError):
            loans.parse_usdai(bad)


def test_quote__schedule_ltv_and_depreciation(book, make_receipt):
    rid = make_receipt(10_000 * USDAI)
    ok = loans.quote(book, 6_000 * USDAI, 1500, 36, MONTH, [rid])
    assert ok.ltv_bps == 6000 and ok.max_ltv_bps == 7000 and ok.depreciation_error is None
    assert ok.payment == ref.level_payment(6_000 * USDAI, 1500, 36, MONTH)
    assert ok.total_paid == sum(row.payment for row in ref.schedule(6_000 * USDAI, 1500, 36, MONTH))
    missing = make_receipt(10_000 * USDAI, asset_class="TPU")
    refused = loans.quote(book, 6_000 * USDAI, 1500, 36, MONTH, [missing])
    assert refused.depreciation_error.startswith("DepreciationCurveMissing(assetClass=0x")


def test_sign_originate_repay_status__round_trip(
    book, registry, make_stack, make_receipt, borrower, curator, fund_usdai, tmp_path
):
    stack_id = make_stack()
    rid = make_receipt(10_000 * USDAI)
    record, path = loans.sign(book, borrower, stack_id, 6_000 * USDAI, 1500, 36, MONTH, [rid], DAY, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["terms"]["receipt_ids"] == [rid]
    # The file is the offer: it is never overwritten.
    with pytest.raises(FileExistsError):
        record.save(path)
    loaded = loans.TermsFile.load(path)
    assert loaded == record
    loan_id = loans.originate(book, curator, loaded)
    assert book.loan(loan_id).principal == 6_000 * USDAI
    lines = loans.status(book, loan_id)
    assert lines[0].startswith(f"loan {loan_id}: Active")
    assert any("next due date" in line for line in lines)
    fund_usdai(borrower, 1_000 * USDAI)
    # Right after origination, what is due is the first installment (paid early, not a prepayment).
    scheduled = 6_000 * USDAI - book.scheduleAt(loan_id, 1)[0]
    interest, fees, principal = loans.repay(book, borrower, loan_id, None)
    assert interest < USDAI // 100 and fees == 0
    # The installment is covered however late the payment lands within the slack; the few wei of
    # slack left over prepay principal.
    assert scheduled <= principal < scheduled + USDAI // 100
    assert book.loan(loan_id).dueIndex == 2


def test_originate__terms_for_another_book__refused(book, make_stack, make_receipt, borrower, curator, tmp_path):
    record, _ = loans.sign(book, borrower, make_stack(), USDAI, 1500, 12, MONTH, [make_receipt()], DAY, tmp_path)
    other = loans.TermsFile(record.chain_id, "0x" + "00" * 20, record.policy, record.terms, record.signature, record.digest)
    with pytest.raises(ValueError, match="terms are for book"):
        loans.originate(book, curator, other)


def test_describe__custom_error_dates_and_amounts(book, make_stack, make_receipt, borrower, curator, tmp_path):
    record, _ = loans.sign(book, borrower, make_stack(), USDAI, 1500, 12, MONTH, [make_receipt()], 3600, tmp_path)
    chain.pending_timestamp = record.terms.deadline + 1
    with strict_reverts(book.TermsExpired) as info:
        loans.originate(book, curator, record)
    line = describe(info.value)
    assert line.startswith("TermsExpired(deadline=20") and "UTC" in line and "\n" not in line


def test_cli_errors__one_line_not_a_traceback(book, make_stack, make_receipt, borrower, curator, tmp_path):
    """What `ape run loan ...` prints on a revert or bad input: the decoded error, dates as dates."""
    import click

    from scripts.loan import explained

    record, _ = loans.sign(book, borrower, make_stack(), USDAI, 1500, 12, MONTH, [make_receipt()], 3600, tmp_path)
    chain.pending_timestamp = record.terms.deadline + 1

    @explained
    def expired() -> None:
        loans.originate(book, curator, record)

    @explained
    def bad_amount() -> None:
        loans.parse_usdai("-5")

    with pytest.raises(click.ClickException) as info:
        expired()
    assert info.value.message.startswith("TermsExpired(deadline=20") and "UTC" in info.value.message
    with pytest.raises(click.ClickException, match="amount must be positive"):
        bad_amount()
