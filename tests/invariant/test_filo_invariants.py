"""Hypothesis stateful test of FiLo invariants 4 and 5 (PROTOCOL.md section 7).

Random allocations, originations, (partial, late, missed) repayments, defaults, recoveries, liquidations,
junior withdrawals and sweeps over two stacks. After every step the registry is compared with the
Python model (`scripts/_suite/credit_reference.py`), which recomputes the senior NAV independently, and:
- invariant 4: per stack, senior loss > 0 only when junior capital is 0; sum of stack senior principal ==
  allocated - returned - realised losses; each stack's money stays its own (registry balance == the
  sum of per-stack books + open recoveries + claimables);
- invariant 5: a pledged receipt is owned by the registry and tied to exactly one live loan.
Each example runs from a chain snapshot and restores it.
"""

from typing import Any

from ape import chain
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from scripts._suite import credit_reference as ref
from tests.credit.fixtures import *  # noqa: F401,F403
from tests.credit.fixtures import DAY, MONTH, R_PLEDGED, USDAI, now, strict_reverts

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
    vault_account: Any,
    allocate: Any,
    deposit_junior: Any,
    fund_usdai: Any,
    make_receipt: Any,
) -> None:
    curators = {1: curator, 2: curator2}
    seen = {"default": 0, "liquidation": 0, "senior loss": 0, "repay": 0}
    # A payer with a standing approval and a large balance serves repayments and recoveries.
    fund_usdai(keeper, 10**8 * USDAI)
    usdai.approve(registry, 2**256 - 1, sender=keeper)

    class FiLoMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.model = ref.RegistryModel()
            self.receipts: dict[int, list[int]] = {}

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        @initialize()
        def create_stacks(self) -> None:
            for sid, who in curators.items():
                got = registry.createStack((5_000_000 * USDAI, 1000, 1000), sender=who).return_value
                self.model.stacks[got] = ref.StackModel(who.address, 1000, 1000, 5_000_000 * USDAI, now())
                assert got == sid
                deposit_junior(who, sid, 150_000 * USDAI)
                self.model.deposit_junior(sid, 150_000 * USDAI, now())
                allocate(sid, 1_350_000 * USDAI)
                self.model.allocate(sid, 1_350_000 * USDAI, now())

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
            rid = make_receipt(value)
            tx = book.originateLoan(
                sid, borrower, principal, apr, periods, length, [rid], sender=curators[sid]
            )
            loan_id = tx.return_value
            payment = ref.level_payment(principal, apr, periods, length)
            loan = ref.LoanModel(
                sid, borrower.address, principal, apr, periods, length, tx.timestamp, payment, value
            )
            self.model.originate(loan_id, loan, tx.timestamp)
            self.receipts[loan_id] = [rid]

        # Only drawn when a loan can be repaid, so that every run repays (the coverage check below).
        @precondition(lambda self: any(ln.status == "Active" for ln in self.model.loans.values()))
        @rule(data=st.data(), fraction=st.integers(1, 120), days=st.integers(0, 40))
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
                self.model.mark_default(loan_id, tx.timestamp, self.model.loans[loan_id].appraisals)

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
            if amount:
                book.recordRecovery(loan_id, amount, sender=keeper)
                self.model.record_recovery(loan_id, amount)
            sid = ln.stack_id
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
            if book.hasDelinquency(sid):
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
            for sid, model in self.model.stacks.items():
                got = registry.stack(sid)
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
            deposit, redemption = registry.seniorNav()
            assert (deposit, redemption) == self.model.senior_nav(now())
            navs = [registry.stackNav(sid) for sid in self.model.stacks]
            assert redemption == sum(r for _, r in navs)
            assert 0 <= deposit - sum(d for d, _ in navs) < len(navs)

        def senior_principal_conserved(self) -> None:
            totals = registry.seniorTotals()
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
            accounted = registry.accountedUsdai()
            assert accounted == books + open_recoveries + claimables
            assert usdai.balanceOf(registry) == accounted

        def pledged_receipts_tied_to_one_live_loan(self) -> None:
            for loan_id, rids in self.receipts.items():
                status = self.model.loans[loan_id].status
                for rid in rids:
                    if status == "Active":
                        assert caliber.statusOf(rid) == R_PLEDGED
                        assert caliber.ownerOf(rid) == book.address
                        assert book.loanOfReceipt(rid) == loan_id
                    else:
                        assert caliber.statusOf(rid) != R_PLEDGED
                    if status in ("Repaid", "Closed"):
                        assert book.loanOfReceipt(rid) == 0

    # Twelve steps by default (ci, dev); a profile that sets more (deep: 100) deepens it.
    steps = settings.default.stateful_step_count if settings.default.stateful_step_count != 50 else 12
    run_state_machine_as_test(FiLoMachine, settings=settings(settings.default, stateful_step_count=steps))
    print("paths exercised:", seen)
    # The run must have reached the paths the invariants are about, not just the happy one.
    assert seen["repay"] and seen["default"] and seen["liquidation"], seen
