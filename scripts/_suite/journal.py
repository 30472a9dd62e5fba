"""The deployment journal: every step of a launch, in order, with what it produced.

A step is a contract creation or one transaction, named (`USDai.proxy`, `vault.setTicket`, ...). Before a
step sends anything the journal records it as *pending* with the deployer's nonce; once mined it
records the address, transaction hash, block and gas. A run that stops anywhere (a revert, a killed
process, a lost connection) resumes from the journal: finished steps are skipped and their contracts
reused, and a step left pending is settled from the chain:

- a creation whose nonce was used has its contract at the CREATE address of (deployer, nonce): it is
  taken from there, not deployed twice;
- a transaction step carries a `done` check that reads the chain (`vault.ticket() == ticket`,
  `hasRole(...)`), so a transaction that landed before the process died is not sent again.

A finished journal makes a rerun a no-op. With no path (tests, the demo, the benchmarks) the journal
lives in memory and the same code runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

VERSION = 1


class JournalMismatch(ValueError):
    """The journal was written by a different deployment (chain, deployer or inputs)."""


class StepInterrupted(RuntimeError):
    """Raised by `stop_after` (tests and rehearsals of a failed launch)."""


def create_address(sender: str, nonce: int) -> str:
    """The address of the contract created by `sender`'s transaction number `nonce` (CREATE)."""
    raw = rlp.encode([bytes.fromhex(sender[2:]), nonce])
    return to_checksum_address(keccak(raw)[12:])


@dataclass
class Journal:
    """Steps by name, in the order they ran; written to `path` (atomically) after every change."""

    path: Path | None
    header: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path | None, header: Mapping[str, Any]) -> Journal:
        """The journal at `path` (created if absent). An existing one must have been written for the
        same chain, deployer and inputs: resuming someone else's launch is refused, naming what differs."""
        normalized: dict[str, Any] = json.loads(json.dumps(dict(header)))  # as read back: tuples are lists
        journal = cls(path, normalized)
        if path is None or not path.exists():
            journal._write()
            return journal
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise JournalMismatch(f"journal {path} is not JSON ({exc.msg} at line {exc.lineno})") from None
        old = data.get("header", {})
        differs = sorted(k for k in set(old) | set(normalized) if old.get(k) != normalized.get(k))
        if differs:
            details = "; ".join(f"{k}: journal {old.get(k)!r}, now {normalized.get(k)!r}" for k in differs)
            raise JournalMismatch(
                f"journal {path} belongs to another deployment ({details}); resume with the same inputs, "
                "or move the journal away to start a new launch"
            )
        journal.steps = dict(data.get("steps", {}))
        return journal

    @property
    def complete(self) -> bool:
        return bool(self.steps.get("complete", {}).get("status") == "done")

    def done(self, name: str) -> dict[str, Any] | None:
        entry = self.steps.get(name)
        return entry if entry and entry.get("status") == "done" else None

    def pending(self, name: str) -> dict[str, Any] | None:
        entry = self.steps.get(name)
        return entry if entry and entry.get("status") == "pending" else None

    def mark(self, name: str, **entry: Any) -> None:
        self.steps[name] = {**self.steps.get(name, {}), **entry}
        self._write()

    def transactions(self) -> list[dict[str, Any]]:
        """Every mined step with its transaction, in order."""
        return [
            {"step": name, **entry}
            for name, entry in self.steps.items()
            if entry.get("status") == "done" and "tx" in entry
        ]

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps({"version": VERSION, "header": self.header, "steps": self.steps}, indent=2) + "\n")
        os.replace(tmp, self.path)


class Steps:
    """Runs deployment steps through a journal, as `account`."""

    def __init__(self, account: Any, journal: Journal, stop_after: int | None = None) -> None:
        self.account = account
        self.journal = journal
        self.stop_after = stop_after
        self.sent = 0  # transactions this run sent (a rerun of a finished launch sends none)
        self._ran = 0

    def deploy(self, name: str, container: Any, *args: Any) -> Any:
        """`container.deploy(*args)` once: later runs get the recorded contract."""
        if entry := self.journal.done(name):
            return container.at(entry["address"])
        if (entry := self.journal.pending(name)) and self._nonce() > entry["nonce"]:
            address = create_address(self.account.address, entry["nonce"])
            if self.account.provider.get_code(address):
                self.journal.mark(name, status="done", address=address, tx=None, block=None, gas=None)
                return container.at(address)
        self.journal.mark(name, status="pending", nonce=self._nonce())
        contract = container.deploy(*args, sender=self.account)
        receipt = self.account.provider.get_receipt(contract.txn_hash) if contract.txn_hash else None
        self._mined(name, receipt, address=to_checksum_address(contract.address))
        return contract

    def send(self, name: str, method: Any, *args: Any, done: Callable[[], bool]) -> None:
        """`method(*args)` as one transaction, unless the journal or `done()` (read from the chain) says
        it already happened."""
        if self.journal.done(name):
            return
        if self.journal.pending(name) and done():
            self.journal.mark(name, status="done", tx=None, block=None, gas=None)
            return
        self.journal.mark(name, status="pending", nonce=self._nonce())
        receipt = method(*args, sender=self.account)
        self._mined(name, receipt)

    def check(self, name: str, problems: Callable[[], list[str]]) -> None:
        """A step that sends nothing: `problems()` must come back empty (e.g. governance holds every
        role before the deployer renounces its own)."""
        if self.journal.done(name):
            return
        found = problems()
        if found:
            raise RuntimeError(f"{name}: " + "; ".join(found))
        self.journal.mark(name, status="done", checked=True)
        self._tick()

    def _mined(self, name: str, receipt: Any, **extra: Any) -> None:
        tx = receipt.txn_hash if receipt is not None else None
        self.journal.mark(
            name,
            status="done",
            tx=tx if isinstance(tx, str) or tx is None else "0x" + bytes(tx).hex(),
            block=receipt.block_number if receipt is not None else None,
            gas=int(receipt.gas_used) if receipt is not None else None,
            **extra,
        )
        self.sent += 1
        self._tick()

    def _tick(self) -> None:
        self._ran += 1
        if self.stop_after is not None and self._ran >= self.stop_after:
            raise StepInterrupted(f"stopped after {self._ran} steps (--stop-after)")

    def _nonce(self) -> int:
        return int(self.account.nonce)


class StepBudget:
    """`stop_after` shared by the steps of several chains (a launch across chains stops once, anywhere)."""

    def __init__(self, stop_after: int | None) -> None:
        self.stop_after = stop_after
        self.ran = 0

    def tick(self) -> None:
        self.ran += 1
        if self.stop_after is not None and self.ran >= self.stop_after:
            raise StepInterrupted(f"stopped after {self.ran} steps (--stop-after)")


class ChainSteps:
    """`Steps` for a chain driven through web3 (`scripts/_suite/layerzero.EvmChain`), as `sender`: the
    omnichain launch, one journal per chain. A pending transaction is settled from the chain with its
    `done` check; a step with no check (the local LayerZero stack's configuration, which no getter reads
    back exactly) counts as done once the sender's nonce has moved past the one it was sent with, which
    holds when nobody else sends from the deployer's key during the launch."""

    def __init__(self, chain: Any, sender: str, journal: Journal, budget: StepBudget | None = None) -> None:
        self.chain = chain
        self.sender = to_checksum_address(sender)
        self.journal = journal
        self.budget = budget or StepBudget(None)
        self.sent = 0

    def deploy(self, name: str, contract: str, bytecode: str, *args: Any) -> Any:
        """Deploys `contract` once: later runs get the recorded address."""
        if entry := self.journal.done(name):
            return self.chain.contract(contract, entry["address"])
        if (entry := self.journal.pending(name)) and self._nonce() > entry["nonce"]:
            address = create_address(self.sender, entry["nonce"])
            if self.chain.w3.eth.get_code(address):
                self.journal.mark(name, status="done", address=address, tx=None, block=None, gas=None)
                return self.chain.contract(contract, address)
        deployed, receipt = self.chain.deploy_with_receipt(contract, bytecode, *args, sender=self.sender,
                                                           before_send=self._pending(name))
        self._mined(name, receipt, address=to_checksum_address(deployed.address))
        return deployed

    def send(self, name: str, fn: Any, *, done: Callable[[], bool] | None = None, value: int = 0) -> None:
        """`fn` as one transaction, unless the journal or the chain says it already happened."""
        if self.journal.done(name):
            return
        if (entry := self.journal.pending(name)) and (done() if done is not None else self._nonce() > entry["nonce"]):
            self.journal.mark(name, status="done", tx=None, block=None, gas=None)
            return
        receipt = self.chain.transact(fn, sender=self.sender, value=value, what=name, before_send=self._pending(name))
        self._mined(name, receipt)

    def block_of(self, name: str) -> int | None:
        """The block a done step was mined in; for one settled from the chain, the head when it was sent
        (the transaction came after it)."""
        entry = self.journal.done(name)
        return None if entry is None else entry.get("block") or entry.get("sentAfter")

    def _pending(self, name: str) -> Callable[[int], None]:
        """Records `name` as pending with the nonce its transaction carries, just before it is broadcast
        (a transaction refused in simulation, or never signed, leaves no pending step behind)."""

        def record(nonce: int) -> None:
            self.journal.mark(name, status="pending", nonce=nonce, sentAfter=int(self.chain.w3.eth.block_number))

        return record

    def _mined(self, name: str, receipt: Mapping[str, Any], **extra: Any) -> None:
        self.journal.mark(
            name, status="done", tx="0x" + bytes(receipt["transactionHash"]).hex(), block=int(receipt["blockNumber"]),
            gas=int(receipt["gasUsed"]), **extra,
        )
        self.sent += 1
        self.budget.tick()

    def _nonce(self) -> int:
        return int(self.chain.w3.eth.get_transaction_count(self.sender))
