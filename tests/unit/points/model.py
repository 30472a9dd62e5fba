"""Test helpers for the points indexer: a raw JSON-RPC driver for anvil (transactions in one round trip
each, batched reads at any block) and the brute-force model the indexer is checked against.

The model knows nothing of events. At every block of the range it reads, with views at that block,
each account's USDai and sUSDai balances, every request's holder (`requestOf(id).controller`) and
escrow (`requestOf(id).shares + bondOf(id)`), and the share price `convertToAssets(1e18)`; the state
after block b then holds for every second until the next block's timestamp. It sums, second by second
(as products: the state is constant within a block gap), 5 * USDai * 1e18 + 2 * shares * price per
account and floors once, as scripts/_suite/points/indexer.py defines points.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import requests
from ape import chain
from eth_abi import decode, encode
from eth_utils import keccak

DAY = 86_400
WAD = 10**18
GAS = 3_000_000


def _types(signature: str) -> list[str]:
    inner = signature[signature.index("(") + 1 : -1]
    return inner.split(",") if inner else []


def calldata(signature: str, *args: Any) -> str:
    return "0x" + (keccak(text=signature)[:4] + encode(_types(signature), list(args))).hex()


class Node:
    """anvil over raw JSON-RPC (its dev accounts are unlocked)."""

    def __init__(self) -> None:
        self.uri = chain.provider.web3.provider.endpoint_uri
        self.session = requests.Session()

    def call(self, method: str, params: list[Any]) -> Any:
        answer = self.session.post(self.uri, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).json()
        assert "error" not in answer, f"{method}: {answer['error']}"
        return answer["result"]

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        answers = sorted(self.session.post(self.uri, json=body).json(), key=lambda a: a["id"])
        for (method, _), answer in zip(calls, answers, strict=True):
            assert "error" not in answer, f"{method}: {answer['error']}"
        return [a["result"] for a in answers]

    def send(self, sender: str, to: str, signature: str, *args: Any) -> dict[str, Any]:
        """One transaction, mined at once; a revert is an AssertionError naming the call."""
        tx = {"from": sender, "to": to, "data": calldata(signature, *args), "gas": hex(GAS)}
        tx_hash = self.call("eth_sendTransaction", [tx])
        receipt = self.call("eth_getTransactionReceipt", [tx_hash])
        while receipt is None:  # anvil answers the send before its block is indexed, now and then
            time.sleep(0.002)
            receipt = self.call("eth_getTransactionReceipt", [tx_hash])
        assert int(receipt["status"], 16) == 1, f"{signature}{args} from {sender} reverted"
        return dict(receipt)

    def read(self, block: int | str, calls: Iterable[tuple[str, str, tuple[Any, ...], str]]) -> list[Any]:
        """Batched eth_calls of (to, signature, args, return types) at `block`; single values unwrapped."""
        calls = list(calls)
        tag = hex(block) if isinstance(block, int) else block
        answers = self.batch([("eth_call", [{"to": to, "data": calldata(sig, *args)}, tag]) for to, sig, args, _ in calls])
        out = []
        for (_, _, _, returns), raw in zip(calls, answers, strict=True):
            values = decode(returns.split(","), bytes.fromhex(raw[2:])) if raw not in ("0x", None) else (0,) * len(returns.split(","))
            out.append(values[0] if len(values) == 1 else values)
        return out

    def head(self) -> int:
        return int(self.call("eth_blockNumber", []), 16)

    def timestamp(self, block: int) -> int:
        return int(self.call("eth_getBlockByNumber", [hex(block), False])["timestamp"], 16)

    def warp(self, seconds: int) -> None:
        """The next block is `seconds` after the latest one (nothing is mined now)."""
        latest = self.timestamp(self.head())
        self.call("evm_setNextBlockTimestamp", [latest + seconds])


class Model:
    """Brute-force points from views at every block (see the module docstring). Readings of a block
    are cached by its hash: the deployment's blocks are shared by every example of a property test."""

    def __init__(self, node: Node, usdai: str, vault: str) -> None:
        self.node, self.usdai, self.vault = node, usdai.lower(), vault.lower()
        self._cache: dict[tuple[str, tuple[str, ...], int], tuple[int, dict[str, tuple[int, int]], int]] = {}

    def _reading(self, block: int, accounts: tuple[str, ...], max_request: int) -> tuple[int, dict[str, tuple[int, int]], int]:
        """(timestamp, account -> (USDai, shares incl. escrow held), price) after `block`."""
        header = self.node.call("eth_getBlockByNumber", [hex(block), False])
        key = (header["hash"], accounts, max_request)
        if key in self._cache:
            return self._cache[key]
        calls = [(self.usdai, "balanceOf(address)", (a,), "uint256") for a in accounts]
        calls += [(self.vault, "balanceOf(address)", (a,), "uint256") for a in accounts]
        calls += [(self.vault, "requestOf(uint256)", (i,), "address,uint88,bool") for i in range(1, max_request + 1)]
        calls += [(self.vault, "bondOf(uint256)", (i,), "uint256") for i in range(1, max_request + 1)]
        calls += [(self.vault, "convertToAssets(uint256)", (WAD,), "uint256")]
        out = self.node.read(block, calls)
        n, r = len(accounts), max_request
        usdai, shares = out[:n], out[n : 2 * n]
        requests_, bonds, price = out[2 * n : 2 * n + r], out[2 * n + r : 2 * n + 2 * r], out[-1]
        escrow = dict.fromkeys(accounts, 0)
        for request, bond in zip(requests_, bonds, strict=True):
            controller = str(request[0]).lower()
            if controller in escrow:
                escrow[controller] += int(request[1]) + int(bond)
        held = {a: (int(u), int(s) + escrow[a]) for a, u, s in zip(accounts, usdai, shares, strict=True)}
        found = (int(header["timestamp"], 16), held, int(price))
        self._cache[key] = found
        return found

    def points(self, accounts: Iterable[str], last_block: int, first_block: int = 0) -> dict[str, int]:
        """Points (1e18 units) of `accounts` from `first_block` to `last_block`'s timestamp (zeros left out)."""
        accounts = tuple(sorted({a.lower() for a in accounts}))
        [queue] = self.node.read(last_block, [(self.vault, "queueState()", (), "uint256,uint256,uint256")])
        max_request = int(queue[0]) - 1 if queue else 0
        numerators = dict.fromkeys(accounts, 0)
        previous = None
        for block in range(first_block, last_block + 1):
            reading = self._reading(block, accounts, max_request)
            if previous is not None:
                (t0, held, price), t1 = previous, reading[0]
                seconds = t1 - t0  # every second of the gap sees the state after the earlier block
                for a, (u, s) in held.items():
                    numerators[a] += seconds * (5 * u * WAD + 2 * s * price)
            previous = reading
        return {a: n // (DAY * WAD) for a, n in numerators.items() if n // (DAY * WAD) > 0}
