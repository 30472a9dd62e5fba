"""Where a transaction's gas goes, read from the node's opcode trace (`debug_traceTransaction`).

A receipt's `gasUsed` is split into what the EVM charges it for (EIP-2929 and EIP-2200 prices):

- intrinsic: 21,000 and the calldata (16 a non-zero byte, 4 a zero byte);
- proxies: each hop through an EIP-1967 proxy, i.e. the read of its implementation slot and the
  DELEGATECALL's account access (2,100 + 2,600 cold; the proxy's own opcodes are execution);
- accounts: the first touch of another contract (2,600), later touches 100;
- cold slots: the first read of a storage slot (2,100), by SLOAD or by the SSTORE that reads it;
- fills: a slot set from zero (20,000); updates: a slot first changed from non-zero (2,900);
- warm storage: every other SLOAD and SSTORE (100);
- logs: LOG opcodes (375 + 375 a topic + 8 a byte);
- precompiles: calls into them (ecrecover, the pairing, ...);
- execution: every other opcode, memory included;
- less the refund (slots cleared or restored), capped at a fifth of the gas.

The parts are counted, not derived: `check()` is the sum against `gasUsed`, and the difference (a call's
memory expansion, not itemized) is reported. The node must keep step traces (anvil's `--steps-tracing`,
which `ape test` and `ape run` use; `make bench` turns it off for its own run)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# EIP-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)
IMPLEMENTATION_SLOT = 0x360894A13BA1A3210667C828492DB98DCA3E2076CC3735A920A3CA505D382BBC
COLD_ACCOUNT, WARM, COLD_SLOT, FILL, UPDATE = 2_600, 100, 2_100, 20_000, 2_900
CALLS = ("CALL", "STATICCALL", "DELEGATECALL", "CALLCODE")
ACCOUNT_READS = ("BALANCE", "EXTCODESIZE", "EXTCODEHASH", "EXTCODECOPY")
# Warm from the start of every transaction (EIP-2929): the precompiles (EIP-2537's included on Prague).
PRECOMPILES = frozenset(range(1, 0x12))

PARTS = ("intrinsic", "proxies", "accounts", "cold slots", "fills", "updates", "warm storage", "logs",
         "precompiles", "execution")


@dataclass
class Anatomy:
    gas_used: int
    gas: Counter[str] = field(default_factory=Counter)
    count: Counter[str] = field(default_factory=Counter)
    refund: int = 0

    def total(self) -> int:
        return sum(self.gas[p] for p in PARTS) - self.refund

    def unitemized(self) -> int:
        """gasUsed less the parts counted: a call's memory expansion (not itemized), else a miscount."""
        return self.gas_used - self.total()

    def cell(self, part: str, per: int = 1) -> str:
        gas, count = self.gas[part] / per, self.count[part] / per
        if not gas:
            return "-"
        counted = f" ({count:,.1f})" if part not in ("intrinsic", "execution", "logs", "warm storage") else ""
        return f"{gas:,.0f}{counted.replace('.0)', ')')}"


def intrinsic_gas(data: bytes) -> int:
    return 21_000 + sum(16 if b else 4 for b in data)


def anatomy_of(receipt: Any, provider: Any) -> Anatomy:
    """The parts of `receipt`'s gas, from the node's struct logs (memory and storage views off)."""
    raw = provider.web3.provider.make_request(
        "debug_traceTransaction",
        [receipt.txn_hash, {"enableMemory": False, "disableStorage": True, "enableReturnData": False}],
    )
    if "error" in raw:
        raise RuntimeError(f"debug_traceTransaction: {raw['error'].get('message', raw['error'])}")
    steps = raw["result"]["structLogs"]
    if not steps:
        raise RuntimeError("the node keeps no step traces (anvil needs --steps-tracing)")
    tx = receipt.transaction
    a = Anatomy(gas_used=int(receipt.gas_used))
    a.gas["intrinsic"] = intrinsic_gas(bytes(tx.data))
    warm = set(PRECOMPILES) | {int(str(receipt.sender), 16), int(str(receipt.receiver), 16)}
    for i, step in enumerate(steps):
        op, cost = step["op"], int(step["gasCost"])
        stack = step.get("stack") or []
        if op == "SLOAD":
            slot = int(stack[-1], 16)
            if slot == IMPLEMENTATION_SLOT:
                _add(a, "proxies", cost, counted=False)  # a hop is counted at its DELEGATECALL
            else:
                _storage_access(a, cost)
        elif op == "SSTORE":
            cold = COLD_SLOT if cost in (FILL + COLD_SLOT, UPDATE + COLD_SLOT, WARM + COLD_SLOT) else 0
            if cold:
                _add(a, "cold slots", cold)
            rest = cost - cold
            _add(a, "fills" if rest == FILL else "updates" if rest == UPDATE else "warm storage", rest)
        elif op in CALLS:
            target = int(stack[-2], 16)
            nxt = steps[i + 1] if i + 1 < len(steps) else None
            entered = nxt is not None and nxt["depth"] == step["depth"] + 1
            if target in PRECOMPILES and not entered:
                # No frame of its own in the trace: the step's gas less what remains after it.
                _add(a, "precompiles", int(step["gas"]) - int(nxt["gas"]) if nxt else cost)
                continue
            access = WARM if target in warm else COLD_ACCOUNT
            warm.add(target)
            if op == "DELEGATECALL":
                _add(a, "proxies", access)
            elif access == WARM:
                _add(a, "execution", WARM)
            else:
                _add(a, "accounts", access)
            if not entered and nxt is not None:
                # A call into an account without code: the gas it took beyond the access.
                _add(a, "execution", max(0, int(step["gas"]) - int(nxt["gas"]) - access))
        elif op in ACCOUNT_READS:
            target = int(stack[-1], 16)
            if target not in warm and cost >= COLD_ACCOUNT:
                warm.add(target)
                _add(a, "accounts", COLD_ACCOUNT)
                _add(a, "execution", cost - COLD_ACCOUNT)
            else:
                warm.add(target)
                _add(a, "execution", cost)
        elif op.startswith("LOG"):
            _add(a, "logs", cost)
        else:
            _add(a, "execution", cost)
    # EIP-3529: the refund counter is paid back up to a fifth of the gas spent, so at most a quarter
    # of what the receipt reports.
    a.refund = min(int(steps[-1].get("refund", 0) or 0), a.gas_used // 4)
    return a


def _storage_access(a: Anatomy, cost: int) -> None:
    if cost >= COLD_SLOT:
        _add(a, "cold slots", COLD_SLOT)
        if cost > COLD_SLOT:
            _add(a, "warm storage", cost - COLD_SLOT)
    else:
        _add(a, "warm storage", cost)


def _add(a: Anatomy, part: str, gas: int, counted: bool = True) -> None:
    a.gas[part] += gas
    a.count[part] += counted
