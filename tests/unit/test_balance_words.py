"""`ERC20BalancesBase`: USDai's and sUSDai's balances with each account's blacklist flag in bit 255 of
its balance word. Against a plain model, for random sequences of mints, burns, transfers, operator
transfers and flag changes: every balance, flag, raw word and the supply agree after every step, and
every refusal is the exact error the model predicts. The supply stops below 2^255."""

from __future__ import annotations

from typing import Any

import pytest
from ape import chain, project
from hypothesis import seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.support import FastViews, strict_reverts

FLAG = 1 << 255
ACTORS = 4


@pytest.fixture(scope="module")
def harness(accounts: Any) -> Any:
    return accounts[0].deploy(project.ERC20BalancesHarness)


def test_blacklisted_holder__keeps_its_balance__frozen_until_lifted(harness, accounts):
    alice, bob = accounts[1], accounts[2]
    harness.mint(alice, 500, sender=alice)
    harness.setBlacklisted(alice, True, sender=alice)
    assert harness.balanceOf(alice) == 500 and harness.totalSupply() == 500
    assert harness.wordOf(alice) == FLAG | 500
    with strict_reverts(harness.AccountBlacklisted, account=alice.address):
        harness.transfer(bob, 1, sender=alice)
    harness.setBlacklisted(alice, False, sender=alice)
    harness.transfer(bob, 200, sender=alice)
    assert (harness.balanceOf(alice), harness.balanceOf(bob), harness.wordOf(alice)) == (300, 200, 300)


def test_mint__supply_reaching_two_pow_255__reverts_supply_overflow(harness, accounts):
    alice, bob = accounts[1], accounts[2]
    harness.mint(alice, FLAG - 1, sender=alice)  # the largest supply: every balance stays below the flag
    assert harness.balanceOf(alice) == FLAG - 1 and not harness.isBlacklisted(alice)
    with strict_reverts(harness.SupplyOverflow, supply=FLAG):
        harness.mint(bob, 1, sender=bob)
    harness.transfer(bob, FLAG - 1, sender=alice)  # a full balance moves without touching a flag
    assert harness.wordOf(bob) == FLAG - 1 and harness.wordOf(alice) == 0


def test_balance_words__random_operations__match_the_model(harness, accounts):
    actors = [accounts[i] for i in range(1, 1 + ACTORS)]
    view = FastViews(harness)
    for a in actors:
        for b in actors:
            harness.approve(b, 2**256 - 1, sender=a)

    class Words(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.balance = [0] * ACTORS
            self.flagged = [False] * ACTORS

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        @rule(to=st.integers(0, ACTORS - 1), value=st.integers(0, 10**30))
        def mint(self, to: int, value: int) -> None:
            if self.flagged[to]:
                with strict_reverts(harness.AccountBlacklisted, account=actors[to].address):
                    harness.mint(actors[to], value, sender=actors[to])
                return
            harness.mint(actors[to], value, sender=actors[to])
            self.balance[to] += value

        @rule(frm=st.integers(0, ACTORS - 1), share=st.integers(0, 100))
        def burn(self, frm: int, share: int) -> None:
            value = self.balance[frm] * share // 100
            if self.flagged[frm]:
                with strict_reverts(harness.AccountBlacklisted, account=actors[frm].address):
                    harness.burn(actors[frm], value, sender=actors[frm])
                return
            harness.burn(actors[frm], value, sender=actors[frm])
            self.balance[frm] -= value

        @rule(frm=st.integers(0, ACTORS - 1), to=st.integers(0, ACTORS - 1), op=st.integers(0, ACTORS - 1),
              share=st.integers(0, 120))
        def transfer_from(self, frm: int, to: int, op: int, share: int) -> None:
            """`op == frm` is a plain transfer; above 100% of the balance it must fail."""
            value = self.balance[frm] * share // 100 + (share > 100)
            call, args = (harness.transfer, (actors[to], value)) if op == frm else (
                harness.transferFrom, (actors[frm], actors[to], value))
            # The contract's order: the sender's word (flag, then balance), the recipient's, the operator.
            if self.flagged[frm] or (value <= self.balance[frm] and (
                    self.flagged[to] or (op not in (frm, to) and self.flagged[op]))):
                blocked = frm if self.flagged[frm] else to if self.flagged[to] else op
                with strict_reverts(harness.AccountBlacklisted, account=actors[blocked].address):
                    call(*args, sender=actors[op])
                return
            if value > self.balance[frm]:
                with strict_reverts(harness.ERC20InsufficientBalance, sender=actors[frm].address,
                                    balance=self.balance[frm], needed=value):
                    call(*args, sender=actors[op])
                return
            call(*args, sender=actors[op])
            self.balance[frm] -= value
            self.balance[to] += value

        @rule(who=st.integers(0, ACTORS - 1), flagged=st.booleans())
        def flag(self, who: int, flagged: bool) -> None:
            harness.setBlacklisted(actors[who], flagged, sender=actors[who])
            self.flagged[who] = flagged

        @invariant()
        def words_are_balance_and_flag(self) -> None:
            for i, a in enumerate(actors):
                assert view.balanceOf(a) == self.balance[i]
                assert view.isBlacklisted(a) == self.flagged[i]
                assert view.wordOf(a) == self.balance[i] | (FLAG if self.flagged[i] else 0)
            assert view.totalSupply() == sum(self.balance)

    run_state_machine_as_test(
        seed(0)(Words),
        settings=settings(settings.default, derandomize=False, database=None, stateful_step_count=20,
                          max_examples=min(settings.default.max_examples, 8)),
    )
