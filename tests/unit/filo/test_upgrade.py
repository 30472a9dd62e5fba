"""Proxy upgrades of the credit side (CaliberReceipt, the FiLo ledger, the loan book and the credit
policy): governance's ProxyAdmin switches each to a new implementation with live loans, receipts, nonces
and curves in place, and nothing is lost; nobody else can."""

import ape
import pytest

from tests.credit.fixtures import GPU_CLASS, MONTH, USDAI, strict_reverts, travel
from tests.support import PROXY_ADMIN_ABI, implementation_of

CREDIT = [("CaliberReceipt", "caliber"), ("FiLoRegistry", "registry"), ("LoanBook", "loan_book"), ("CreditPolicy", "credit_policy")]


@pytest.fixture
def live_book(
    book, registry, caliber, policy, make_stack, make_receipt, originate, curator, borrower, appraiser,
    fund_usdai, usdai,
):
    """A stack with a signed loan in margin call, a repaid installment, a cancelled nonce and a curve."""
    stack_id = make_stack()
    book.setPrepaymentFee(stack_id, 150, sender=curator)
    rid = make_receipt(1_000_000 * USDAI)
    loan_id = originate(stack_id, receipts=[rid])
    travel(MONTH)
    fund_usdai(borrower, 100_000 * USDAI)
    usdai.approve(registry, 2**256 - 1, sender=borrower)
    book.repay(loan_id, book.loan(loan_id).payment, sender=borrower)
    caliber.appraise(rid, 780_000 * USDAI, ape.chain.pending_timestamp, sender=appraiser)
    policy.cancelNonce(424242, sender=borrower)
    return stack_id, loan_id, rid


def _state(book, registry, caliber, policy, stack_id, loan_id, rid, borrower):
    return {
        "loan": tuple(book.loan(loan_id)),
        # Time moves with each block: only what time does not move is compared.
        "debt": book.loanDebt(loan_id)[0],
        "deadline": book.deadlineOf(loan_id),
        "risk": tuple(book.riskParams()),
        "fee": book.prepaymentFeeOf(stack_id),
        "stack": tuple(registry.stack(stack_id)),
        "nav": registry.seniorNav()[1],
        "navState": tuple(registry.navState())[1:],
        "receipt": str(caliber.receipt(rid)),
        "owner": caliber.ownerOf(rid),
        "nonce": policy.nonceState(borrower, 424242),
        "curve": tuple(policy.depreciationCurve(GPU_CLASS)),
        "links": (book.policy(), book.ledger(), book.caliber(), policy.loanBook(), caliber.registry(), registry.loanBook()),
    }


@pytest.mark.parametrize(("name", "attr"), CREDIT)
def test_upgrade__credit_contract__keeps_every_state(
    name, attr, suite, live_book, book, registry, caliber, policy, deployer, governance, borrower, keeper
):
    stack_id, loan_id, rid = live_book
    proxy = getattr(suite, attr)
    admin = ape.Contract(suite.proxy_admins[name], abi=PROXY_ADMIN_ABI)
    assert admin.owner() == governance.address
    before = _state(book, registry, caliber, policy, stack_id, loan_id, rid, borrower)
    fresh = getattr(ape.project, name).deploy(sender=deployer)

    admin.upgradeAndCall(proxy, fresh, b"", sender=governance)

    assert implementation_of(proxy) == fresh.address
    assert _state(book, registry, caliber, policy, stack_id, loan_id, rid, borrower) == before
    assert proxy.hasRole(proxy.DEFAULT_ADMIN_ROLE(), governance)
    # And it still works: the margin-called loan is repaid down (cured) after the upgrade.
    interest, penalty, due = book.amountDue(loan_id)
    tx = book.repay(loan_id, interest + penalty + due + 100_000 * USDAI, sender=borrower)
    assert tx.events.filter(book.MarginCallCured)


@pytest.mark.parametrize(("name", "attr"), CREDIT)
def test_upgrade__credit_contract__not_proxy_owner__reverts(name, attr, suite, deployer, alice):
    admin = ape.Contract(suite.proxy_admins[name], abi=PROXY_ADMIN_ABI)
    fresh = getattr(ape.project, name).deploy(sender=deployer)
    with strict_reverts(admin.OwnableUnauthorizedAccount, account=alice):
        admin.upgradeAndCall(getattr(suite, attr), fresh, b"", sender=alice)
