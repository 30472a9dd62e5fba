"""Hypothesis stateful test of FiLo invariants 4, 5 and 7 (README, "Properties tested").

Random allocations, signed originations, (partial, late, missed, early) repayments and prepayments with
re-amortization, prepayment fees and penalty interest, re-appraisals that open margin calls, cures by
prepaying or pledging more receipts, casualties and insurance payouts, defaults (behind schedule or an
uncured margin call), recoveries, liquidations once the hardware is sold, junior withdrawals and sweeps
over two stacks. After every step the ledger and the loan book are compared with the Python model
(`scripts/_suite/tests/reference/credit.py`), which recomputes the senior NAV independently, and:
- invariant 4: per stack, senior loss > 0 only when junior capital is 0; sum of stack senior principal ==
  allocated - returned - realised losses; each stack's money stays its own (registry balance == the
  sum of per-stack books + open recoveries + claimables);
- invariant 5: a pledged receipt is held by the loan book and tied to exactly one live loan.
Each example runs from a chain snapshot and restores it.
"""

import os
from typing import Any

from ape import chain
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from tests.credit.fixtures import *  # noqa: F401,F403
from tests.credit.fixtures import (
    DAY,
    MONTH,
    R_LIQUIDATED,
    R_PLEDGED,
    RISK_NO_STALE_HAIRCUT,
    USDAI,
    now,
    risk_params,
    stack_params,
    strict_reverts,
)
from tests.reference import credit as ref
from tests.support import FastViews, depth, run_seeded

PENALTY_BPS = 500
# The seed of the machine's first pass (HYPOTHESIS_SEED overrides it: a campaign replays from it).
FILO_SEED = int(os.environ.get("HYPOTHESIS_SEED", "0"))
RECOVERY_PERIOD = RISK_NO_STALE_HAIRCUT["recoveryPeriod"]
# Stack 1 charges a prepayment fee, stack 2 none.
FEES = {1: 200, 2: 0}

LOAN_STATUS = {1: "Active", 2: "Repaid", 3: "Defaulted", 4: "Closed"}


def test_filo_invariants(
    registry: Any,
    book: Any,
    caliber: Any,
    usdai: Any,
    curator: Any,
    curator2: Any,
    borrower: Any,
    keeper: Any,
    custodian: Any,
    appraiser: Any,
    governance: Any,
    vault_account: Any,
    allocate: Any,
    deposit_junior: Any,
    fund_usdai: Any,
    make_receipt: Any,
    sign: Any,
) -> None:
    curators = {1: curator, 2: curator2}
    seen = {
        "default": 0, "liquidation": 0, "senior loss": 0, "repay": 0, "prepay": 0, "margin call": 0,
        "cure": 0, "insurance": 0,
    }
    book.setRiskParams(risk_params(RISK_NO_STALE_HAIRCUT, penaltyBps=PENALTY_BPS), sender=governance)
    # The invariants' reads after every step, as raw calls (same block, a tenth of the time).
    fast_book, fast_registry, fast_usdai, fast_caliber = (FastViews(c) for c in (book, registry, usdai, caliber))
    # A payer with a standing approval and a large balance serves repayments and recoveries.
    fund_usdai(keeper, 10**8 * USDAI)
    usdai.approve(registry, 2**256 - 1, sender=keeper)

    class FiLoMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.model = ref.RegistryModel(penalty_bps=PENALTY_BPS, fee_bps=dict(FEES))
            self.receipts: dict[int, list[int]] = {}
            self.lost: set[int] = set()
            self.insured: dict[int, int] = {}

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        @initialize()
        def create_stacks(self) -> None:
            for sid, who in curators.items():
                got = registry.createStack(stack_params(5_000_000 * USDAI, 1000, 1000), sender=who).return_value
                self.model.stacks[got] = ref.StackModel(who.address, 1000, 1000, 5_000_000 * USDAI, now())
                assert got == sid
                deposit_junior(who, sid, 150_000 * USDAI)
                self.model.deposit_junior(sid, 150_000 * USDAI, now())
                allocate(sid, 1_350_000 * USDAI)
                self.model.allocate(sid, 1_350_000 * USDAI, now())
                book.setPrepaymentFee(sid, FEES[sid], sender=who)

        # ---------------------------------------------------------------- rules

        @rule(sid=st.sampled_from([1, 2]), amount=st.integers(1, 1_000_000), days=st.integers(0, 40))
        def allocate_senior(self, sid: int, amount: int, days: int) -> None:
            self._tick(days)
            amount *= USDAI
            if self.model.stacks[sid].senior + amount > 5_000_000 * USDAI:
                return
            allocate(sid, amount)
            self.model.allocate(sid, amount, now())

        @rule(
            sid=st.sampled_from([1, 2]),
            principal=st.integers(10_000, 500_000),
            apr=st.integers(0, 3000),
            periods=st.integers(1, 24),
            length=st.sampled_from([7 * DAY, MONTH]),
            days=st.integers(0, 40),
        )
        def originate(self, sid: int, principal: int, apr: int, periods: int, length: int, days: int) -> None:
            self._tick(days)
            principal *= USDAI
            stack = self.model.stacks[sid]
            required = ref.mul_div_ceil(stack.outstanding + principal, 1000, ref.BPS)
            if principal > stack.cash or stack.junior_economic() < required:
                return
            value = -(-principal * ref.BPS // 7000)
            rid = make_receipt(value, coverage=value)
            terms, signature = sign(sid, borrower, principal, [rid], apr, periods, length, fee_bps=FEES[sid])
            tx = book.originateLoan(terms.as_tuple(), signature, sender=curators[sid])
            loan_id = tx.return_value
            loan = self.model.new_loan(sid, borrower.address, principal, apr, periods, length, tx.timestamp, [value])
            self.model.originate(loan_id, loan, tx.timestamp)
            self.receipts[loan_id] = [rid]

        # Only drawn when a loan can be repaid, so that every run repays (the coverage check below).
        @precondition(lambda self: any(ln.status == "Active" for ln in self.model.loans.values()))
        @rule(data=st.data(), fraction=st.integers(1, 150), days=st.integers(0, 40))
        def repay(self, data: st.DataObject, fraction: int, days: int) -> None:
            self._tick(days)
            active = [i for i, ln in self.model.loans.items() if ln.status == "Active"]
            if not active:
                return
            loan_id = data.draw(st.sampled_from(active))
            ln = self.model.loans[loan_id]
            amount = max(1, ln.payment * fraction // 100)
            tx = book.repay(loan_id, amount, sender=keeper)
            assert tuple(tx.return_value) == self.model.repay(loan_id, amount, tx.timestamp)
            seen["repay"] += 1
            if tx.events.filter(book.LoanReamortized):
                seen["prepay"] += 1
            if tx.events.filter(book.MarginCallCured):
                seen["cure"] += 1

        @precondition(lambda self: any(ln.status == "Active" for ln in self.model.loans.values()))
        @rule(data=st.data(), installments=st.integers(2, 6), days=st.integers(0, 20))
        def prepay(self, data: st.DataObject, installments: int, days: int) -> None:
            """Several installments at once: the next one is scheduled, the rest prepays principal (less
            the stack's fee) and re-amortizes the periods left."""
            self.repay(data, installments * 100, days)

        @precondition(lambda self: self._live())
        @rule(data=st.data(), percent=st.integers(40, 130), days=st.integers(0, 20))
        def reappraise(self, data: st.DataObject, percent: int, days: int) -> None:
            """A new appraisal of a live loan's receipt (up or down): re-values it, may open or clear a
            margin call."""
            self._tick(days)
            drawn = self._draw_receipt(data)
            if drawn is None:
                return
            loan_id, ln, index, rid = drawn
            value = max(1, caliber.appraisalValue(rid) * percent // 100)
            when = now() + 1
            chain.pending_timestamp = when
            tx = caliber.appraise(rid, value, when, sender=appraiser)
            appraisals = list(ln.appraisals)
            appraisals[index] = value
            self.model.revalue(loan_id, appraisals, tx.timestamp)
            if tx.events.filter(book.MarginCalled):
                seen["margin call"] += 1

        @precondition(lambda self: any(ln.margin_call_at for ln in self.model.loans.values()))
        @rule(data=st.data())
        def pledge_more(self, data: st.DataObject) -> None:
            """The borrower cures a margin call with another receipt."""
            called = [i for i, ln in self.model.loans.items() if ln.status == "Active" and ln.margin_call_at]
            if not called:
                return
            loan_id = data.draw(st.sampled_from(called))
            ln = self.model.loans[loan_id]
            if len(ln.appraisals) >= 4:
                return
            value = max(1, ln.outstanding * 4 // 10)
            rid = make_receipt(value, coverage=value)
            tx = book.pledgeReceipts(loan_id, [rid], sender=borrower)
            self.receipts[loan_id].append(rid)
            self.model.revalue(loan_id, [*ln.appraisals, value], tx.timestamp)
            if tx.events.filter(book.MarginCallCured):
                seen["cure"] += 1

        @precondition(lambda self: self._live())
        @rule(data=st.data(), percent=st.integers(10, 120))
        def casualty(self, data: st.DataObject, percent: int) -> None:
            """The hardware behind a live loan's receipt is destroyed; its insurer pays part of the
            coverage (a repayment of a performing loan, a recovery of a defaulted one)."""
            drawn = self._draw_receipt(data)
            if drawn is None:
                return
            loan_id, ln, index, rid = drawn
            tx = caliber.reportCasualty(rid, now(), sender=custodian)
            self.lost.add(rid)
            if tx.events.filter(book.MarginCalled):
                seen["margin call"] += 1
            appraisals = list(ln.appraisals)
            appraisals[index] = 0
            coverage = int(caliber.casualty(rid)[1])  # the policy's, stated at mint
            self.model.revalue(loan_id, appraisals, tx.timestamp)
            amount = max(1, coverage * percent // 100)
            if amount > coverage:
                with strict_reverts(book.InsuranceCoverageExceeded, receiptId=rid, coverage=coverage):
                    book.recordInsurancePayout(loan_id, rid, amount, sender=keeper)
                amount = coverage
            if ln.status == "Active":
                chain.pending_timestamp = now() + 1
                taken = self.model.paid_total(loan_id, amount, now() + 1, insurance=True)
                tx = book.recordInsurancePayout(loan_id, rid, amount, sender=keeper)
                self.model.repay(loan_id, amount, tx.timestamp, insurance=True)
                assert book.insurancePaid(rid) == taken
            else:
                book.recordInsurancePayout(loan_id, rid, amount, sender=keeper)
                self.model.record_recovery(loan_id, amount)
                assert book.insurancePaid(rid) == amount
            seen["insurance"] += 1

        def _draw_receipt(self, data: st.DataObject) -> tuple[int, Any, int, int] | None:
            """A live loan and one of its receipts whose hardware still exists: (loan id, model loan,
            index among the loan's receipts, receipt id), or None."""
            live = self._live()
            if not live:
                return None
            loan_id = data.draw(st.sampled_from(live))
            ln = self.model.loans[loan_id]
            index = data.draw(st.integers(0, len(ln.appraisals) - 1))
            rid = self.receipts[loan_id][index]
            return None if rid in self.lost else (loan_id, ln, index, rid)

        def _live(self) -> list[int]:
            return [i for i, ln in self.model.loans.items() if ln.status in ("Active", "Defaulted")]

        def _tick(self, days: int) -> None:
            """Time passes (payments are missed); a keeper then marks every loan the schedule says is
            delinquent, and the registry agrees with the model on which ones are. Every rule starts
            with it, so that swarm testing (which turns rules off per example) never stops the clock."""
            if days:
                chain.pending_timestamp = now() + days * DAY
                chain.mine()
            for loan_id in [i for i, ln in self.model.loans.items() if ln.status == "Active"]:
                delinquent = self.model.is_delinquent(loan_id, now())
                assert book.isDelinquent(loan_id) == delinquent
                if not delinquent:
                    continue
                event("default")
                seen["default"] += 1
                # Delinquency only deepens with time, so the next block agrees.
                tx = book.markDefault(loan_id, sender=keeper)
                self.model.mark_default(loan_id, tx.timestamp)

        @rule(days=st.integers(1, 90))
        def wait(self, days: int) -> None:
            self._tick(days)

        # Only drawn once a loan has defaulted, so that every run liquidates (the coverage check below).
        @precondition(lambda self: any(ln.status == "Defaulted" for ln in self.model.loans.values()))
        @rule(data=st.data(), fraction=st.integers(0, 130), days=st.integers(0, 40))
        def liquidate(self, data: st.DataObject, fraction: int, days: int) -> None:
            self._tick(days)
            defaulted = [i for i, ln in self.model.loans.items() if ln.status == "Defaulted"]
            if not defaulted:
                return
            loan_id = data.draw(st.sampled_from(defaulted))
            ln = self.model.loans[loan_id]
            amount = ln.outstanding * fraction // 100
            sid = ln.stack_id
            # Not before the hardware is sold (or the recovery period is over).
            when = now() + 1
            chain.pending_timestamp = when
            if when < ln.defaulted_at + RECOVERY_PERIOD:
                with strict_reverts(book.LiquidationOpen, loanId=loan_id):
                    book.closeLiquidation(loan_id, sender=curators[sid])
            if amount:
                book.recordRecovery(loan_id, amount, sender=keeper)
                self.model.record_recovery(loan_id, amount)
            for rid in self.receipts[loan_id]:
                caliber.burn(rid, sender=custodian)  # sold (or lost): the custodian burns it
                assert caliber.statusOf(rid) == R_LIQUIDATED
                # Lost hardware: the liquidation stays open until its insurer has paid the coverage.
                coverage = int(caliber.casualty(rid)[1]) if rid in self.lost else 0
                rest = coverage - int(book.insurancePaid(rid))
                if rest > 0:
                    if now() + 1 < ln.defaulted_at + RECOVERY_PERIOD:
                        chain.pending_timestamp = now() + 1
                        with strict_reverts(book.LiquidationOpen, loanId=loan_id):
                            book.closeLiquidation(loan_id, sender=curators[sid])
                    book.recordInsurancePayout(loan_id, rid, rest, sender=keeper)
                    self.model.record_recovery(loan_id, rest)
                    seen["insurance"] += 1
            tx = book.closeLiquidation(loan_id, sender=curators[sid])
            _, _, loss = self.model.close_liquidation(loan_id, tx.timestamp)
            event("liquidation with senior loss" if loss else "liquidation, junior absorbs")
            seen["liquidation"] += 1
            seen["senior loss"] += bool(loss)
            if loss:
                # Invariant 4: a senior loss only once junior capital is gone.
                assert tuple(registry.juniorCapital(sid)) == (0, 0)

        @rule(sid=st.sampled_from([1, 2]), fraction=st.integers(1, 100), days=st.integers(0, 40))
        def withdraw_junior(self, sid: int, fraction: int, days: int) -> None:
            self._tick(days)
            stack = self.model.stacks[sid]
            required = ref.mul_div_ceil(stack.outstanding, 1000, ref.BPS)
            room = (
                min(stack.cash, stack.junior_economic() - required)
                if stack.junior_economic() > required
                else 0
            )
            amount = room * fraction // 100
            if stack.loans_in_default or amount == 0:
                return
            # Asked of the next block (where the withdrawal lands, one second on): a due date falling
            # between the two would otherwise make the answer stale.
            raw = chain.provider.web3.eth.call(
                {"to": book.address, "data": book.hasDelinquency.encode_input(sid)}, "pending"
            )
            if int.from_bytes(raw, "big"):
                # A loan behind schedule (not yet past grace) holds the first-loss capital in place.
                with strict_reverts(registry.StackHasDelinquency, stackId=sid):
                    registry.withdrawJunior(sid, amount, curators[sid], sender=curators[sid])
                return
            tx = registry.withdrawJunior(sid, amount, curators[sid], sender=curators[sid])
            self.model.withdraw_junior(sid, amount, tx.timestamp)

        @rule(sid=st.sampled_from([1, 2]), days=st.integers(0, 40))
        def sweep(self, sid: int, days: int) -> None:
            self._tick(days)
            before = usdai.balanceOf(vault_account)
            tx = registry.sweep(sid, sender=keeper)
            assert usdai.balanceOf(vault_account) - before == self.model.sweep(sid, tx.timestamp)

        # ---------------------------------------------------------------- invariants

        @invariant()
        def invariants_hold(self) -> None:
            self.books_match_model()
            self.senior_principal_conserved()
            self.money_stays_in_its_stack()
            self.pledged_receipts_tied_to_one_live_loan()

        def books_match_model(self) -> None:
            for loan_id, model_loan in self.model.loans.items():
                got_loan = fast_book.loan(loan_id)
                sched = model_loan.schedule
                assert (got_loan.outstanding, got_loan.totalPaid, got_loan.payment, got_loan.dueIndex) == (
                    sched.outstanding, sched.total_paid, sched.payment, sched.due_index,
                )
                assert (got_loan.impairment, got_loan.marginCallAt, got_loan.recovered) == (
                    model_loan.impairment, model_loan.margin_call_at, model_loan.recovered,
                )
                if model_loan.status == "Active":
                    assert fast_book.deadlineOf(loan_id) == self.model.default_at(loan_id)
            for sid, model in self.model.stacks.items():
                got = fast_registry.stack(sid)
                assert (
                    got.seniorPrincipal,
                    got.cash,
                    got.principalOutstanding,
                    got.impairment,
                    got.seniorPending,
                    got.rateSum,
                    got.accruedInterest,
                    got.seniorLoss,
                    got.loansInDefault,
                    got.seniorAccruedScaled,
                    got.seniorRateScaled,
                ) == (
                    model.senior,
                    model.cash,
                    model.outstanding,
                    model.impairment,
                    model.pending,
                    model.rate_sum,
                    model.accrued,
                    model.senior_loss,
                    model.loans_in_default,
                    model.senior_accrued_scaled,
                    model.senior_rate_scaled,
                )
                assert model.junior_book() >= 0
                if model.senior_loss:
                    assert model.senior_loss <= self.model.allocated
            # The senior NAV, recomputed in Python at the block a view sees (the ledger's running totals
            # against a sum over stacks), and invariant 7: it is the sum of the stacks' NAVs, exactly for
            # redemptions, within one wei per stack (in the vault's favour) for deposits.
            deposit, redemption = fast_registry.seniorNav()
            assert (deposit, redemption) == self.model.senior_nav(now())
            navs = [fast_registry.stackNav(sid) for sid in self.model.stacks]
            assert redemption == sum(r for _, r in navs)
            assert 0 <= deposit - sum(d for d, _ in navs) < len(navs)

        def senior_principal_conserved(self) -> None:
            totals = fast_registry.seniorTotals()
            assert (totals.allocated, totals.returned, totals.lossRealised) == (
                self.model.allocated,
                self.model.returned,
                self.model.loss_realised,
            )
            senior = sum(s.senior for s in self.model.stacks.values())
            assert senior == totals.allocated - totals.returned - totals.lossRealised

        def money_stays_in_its_stack(self) -> None:
            open_recoveries = sum(
                ln.recovered for ln in self.model.loans.values() if ln.status == "Defaulted"
            )
            books = sum(s.cash + s.pending for s in self.model.stacks.values())
            claimables = sum(self.model.claimable.values())
            accounted = fast_registry.accountedUsdai()
            assert accounted == books + open_recoveries + claimables
            assert fast_usdai.balanceOf(registry) == accounted

        def pledged_receipts_tied_to_one_live_loan(self) -> None:
            for loan_id, rids in self.receipts.items():
                status = self.model.loans[loan_id].status
                for rid in rids:
                    if status == "Active":
                        assert fast_caliber.statusOf(rid) == R_PLEDGED
                        assert fast_caliber.ownerOf(rid) == book.address
                        assert fast_book.loanOfReceipt(rid) == loan_id
                    else:
                        assert fast_caliber.statusOf(rid) != R_PLEDGED
                    if status in ("Repaid", "Closed"):
                        assert fast_book.loanOfReceipt(rid) == 0
                    if status in ("Active", "Defaulted"):
                        assert fast_book.loanOfReceipt(rid) == loan_id

    # Eight examples of twenty steps by default; a profile that sets its own step count (deep: 1,000
    # examples of 100 steps) runs at its depth. The run must reach the paths the invariants are about,
    # not just the happy one: seeded, with block times pinned, the same paths on any machine.
    paths = ("repay", "prepay", "default", "liquidation", "margin call", "insurance")
    steps, examples = depth(20, 8)
    run_seeded(FiLoMachine, FILO_SEED, steps, examples, lambda: all(seen[path] for path in paths))
    print("paths exercised:", seen)
    for path in paths:
        assert seen[path], seen
