"""Points indexer throughput: events indexed per second from a local node holding 100,000 USDai transfers.

`bench_points(suite)` fills the chain the suite is deployed on (anvil) with real USDai `Transfer`s:
20 funded dev accounts each send `transfer(to, amount)` to 5,000 recipients, every transaction a real
call of the USDai proxy, sent as batched raw `eth_sendTransaction`s (explicit nonces) with automining
off and mined with `evm_mine` under a raised block gas limit (about 2,000 transfers a block). Then it
indexes the whole chain from block 0 into a fresh SQLite file and reports events per second (target:
20,000) and what the fill cost.

    python -m bench.points_bench [--transfers 100000] [--json]   # its own anvil, the suite deployed first

`make bench` runs it that way, in a process and on a chain of its own: anvil keeps the state of only its
last few thousand blocks, and after the bench's other sections the blocks where its suite was deployed
(where the indexer reads the share price) are gone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from scripts._suite.points.indexer import Deployment, HttpRpc, sync
from scripts._suite.points.store import Store

TRANSFERS = 100_000
RECIPIENTS = 5_000
SENDERS = 20
BATCH = 2_000  # transactions per JSON-RPC batch, mined together
USDAI = 10**18
WM = 10**6
TRANSFER = keccak(text="transfer(address,uint256)")[:4]


def _data(selector: bytes, types: list[str], args: list[Any]) -> str:
    return "0x" + (selector + encode(types, args)).hex()


def _wait(rpc: HttpRpc, tx_hash: str) -> None:
    while rpc.call("eth_getTransactionReceipt", [tx_hash]) is None:
        time.sleep(0.002)


def fill_transfers(rpc: HttpRpc, suite: Any, senders: list[str], count: int = TRANSFERS) -> tuple[int, int, float]:
    """`count` USDai transfers spread over `senders` (funded here); returns (first block, last block, seconds)."""
    usdai, wm = suite.usdai.address, suite.wm.address
    deployer = suite.deployer.address
    per_sender = (count // len(senders) + 1) * USDAI
    for sender in senders:  # wM, then USDai for each sender
        _wait(rpc, rpc.call("eth_sendTransaction", [{
            "from": deployer, "to": wm, "gas": hex(200_000),
            "data": _data(keccak(text="mint(address,uint256)")[:4], ["address", "uint256"], [sender, per_sender // 10**12]),
        }]))
        _wait(rpc, rpc.call("eth_sendTransaction", [{
            "from": sender, "to": wm, "gas": hex(100_000),
            "data": _data(keccak(text="approve(address,uint256)")[:4], ["address", "uint256"], [usdai, 2**256 - 1]),
        }]))
        _wait(rpc, rpc.call("eth_sendTransaction", [{
            "from": sender, "to": usdai, "gas": hex(400_000),
            "data": _data(keccak(text="deposit(address,uint256,uint256,address)")[:4], ["address", "uint256", "uint256", "address"],
                          [wm, per_sender // 10**12, 0, sender]),
        }]))
    first = int(rpc.call("eth_blockNumber", []), 16) + 1
    limit = int(rpc.call("eth_getBlockByNumber", ["latest", False])["gasLimit"], 16)
    nonces = {s: int(rpc.call("eth_getTransactionCount", [s, "pending"]), 16) for s in senders}
    started = time.monotonic()
    rpc.call("evm_setAutomine", [False])
    rpc.call("evm_setBlockGasLimit", [hex(BATCH * 80_000)])
    try:
        sent = 0
        while sent < count:
            price = 2 * int(rpc.call("eth_gasPrice", []), 16) + 10**9
            calls = []
            for i in range(sent, min(count, sent + BATCH)):
                sender = senders[i % len(senders)]
                to = "0x" + (i % RECIPIENTS + 0x1000).to_bytes(20, "big").hex()
                calls.append(("eth_sendTransaction", [{
                    "from": sender, "to": usdai, "gas": hex(80_000), "gasPrice": hex(price), "nonce": hex(nonces[sender]),
                    "data": _data(TRANSFER, ["address", "uint256"], [to, USDAI + i]),
                }]))
                nonces[sender] += 1
            rpc.batch(calls)
            sent += len(calls)
            while True:
                rpc.call("evm_mine", [])
                if int(rpc.call("txpool_status", [])["pending"], 16) == 0:
                    break
    finally:
        rpc.call("evm_setAutomine", [True])
        rpc.call("evm_setBlockGasLimit", [hex(limit)])
    return first, int(rpc.call("eth_blockNumber", []), 16), time.monotonic() - started


def bench_points(suite: Any, transfers: int = TRANSFERS) -> dict[str, Any]:
    """Fills the chain with `transfers` USDai transfers, then indexes it from block 0 into a fresh SQLite
    file: the figures (events, seconds, events per second, fill time, blocks, accounts)."""
    from ape import accounts, chain

    rpc = HttpRpc(chain.provider.web3.provider.endpoint_uri)
    senders = [a.address for a in accounts.test_accounts][-SENDERS:]
    first, last, fill_seconds = fill_transfers(rpc, suite, senders, transfers)
    deployment = Deployment.from_manifest(suite.manifest()["contracts"], chain.chain_id)
    with tempfile.TemporaryDirectory(prefix="points-bench-") as scratch:
        store = Store(f"sqlite:///{scratch}/points.sqlite")
        try:
            report = sync(store, rpc, deployment)
            accounts_indexed = len(store.load().accounts)
        finally:
            store.close()
    return {
        "transfers": transfers,
        "blocks": last - first + 1,
        "fill seconds": round(fill_seconds, 1),
        "events indexed": report.events,
        "index seconds": round(report.seconds, 2),
        "events per second": int(report.events / report.seconds),
        "accounts": accounts_indexed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=TRANSFERS)
    parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
    args = parser.parse_args()
    from ape import accounts, networks
    from ape.logging import logger

    from scripts._suite.deployment import deploy_suite

    logger.set_level("WARNING")

    with networks.parse_network_choice("ethereum:local:foundry"):
        suite = deploy_suite(accounts.test_accounts[0], accounts.test_accounts[1])
        figures = bench_points(suite, args.transfers)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name}: {value:,}" if isinstance(value, int) else f"{name}: {value}")


if __name__ == "__main__":
    main()
