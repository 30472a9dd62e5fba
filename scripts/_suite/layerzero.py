"""LayerZero V2 on local chains, from LayerZero's own npm packages: `EndpointV2`, `SendUln302` and
`ReceiveUln302` are deployed from the compiled artifacts that `@layerzerolabs/lz-evm-protocol-v2` and
`@layerzerolabs/lz-evm-messagelib-v2` ship (locked in package-lock.json, never recompiled here).

Each chain is driven through web3 (`EvmChain`): the home chain is Ape's own provider, another chain is a
second anvil. On a local chain the executor and the DVN the send library pays are `LocalLzWorker` (free);
their off-chain work is done by `scripts/_suite/relayer.py`.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError

ROOT = Path(__file__).resolve().parents[2]
LZ = ROOT / "node_modules" / "@layerzerolabs"
ARTIFACTS = {
    "EndpointV2": LZ / "lz-evm-protocol-v2/artifacts/contracts/EndpointV2.sol/EndpointV2.json",
    "SendUln302": LZ / "lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/SendUln302.sol/SendUln302.json",
    "ReceiveUln302": LZ / "lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/ReceiveUln302.sol/ReceiveUln302.json",
}

# LayerZero's endpoint ids of the chains the local rehearsal stands for.
EID_ARBITRUM = 30110
EID_ETHEREUM = 30101

# SendUln302's treasury gas caps (LayerZero's deploy values); no treasury is set, so no treasury fee.
TREASURY_GAS_LIMIT = 100_000
TREASURY_GAS_FOR_FEE_CAP = 100_000
MAX_MESSAGE_SIZE = 10_000
CONFIRMATIONS = 1
# OFT message types (OFTCore): a plain send, a send with a compose message.
SEND = 1
SEND_AND_CALL = 2


# ---------------------------------------------------------------- options (LayerZero's type 3)


def _executor_option(option_type: int, body: bytes) -> bytes:
    option = bytes([option_type]) + body
    return bytes([1]) + len(option).to_bytes(2, "big") + option  # worker 1: the executor


def lz_receive_option(gas: int, value: int = 0) -> bytes:
    """Type-3 options with one executor option: `lzReceive` with `gas` (and `value` wei, if any)."""
    body = gas.to_bytes(16, "big") + (value.to_bytes(16, "big") if value else b"")
    return (3).to_bytes(2, "big") + _executor_option(1, body)


def compose_option(gas: int, index: int = 0, value: int = 0) -> bytes:
    """One executor option (no type-3 header: append it to `lz_receive_option`, or put `TYPE_3` before it):
    `lzCompose` number `index` of the message with `gas`, and `value` wei for the composer to spend."""
    body = index.to_bytes(2, "big") + gas.to_bytes(16, "big") + (value.to_bytes(16, "big") if value else b"")
    return _executor_option(3, body)


TYPE_3 = (3).to_bytes(2, "big")


def _executor_options(options: bytes) -> list[tuple[int, bytes]]:
    """(option type, body) of every executor option in type-3 options."""
    if options[:2] != (3).to_bytes(2, "big"):
        return []
    found, i = [], 2
    while i + 3 <= len(options):
        worker, size = options[i], int.from_bytes(options[i + 1 : i + 3], "big")
        option = options[i + 3 : i + 3 + size]
        if worker == 1 and option:
            found.append((option[0], option[1:]))
        i += 3 + size
    return found


def lz_receive_gas(options: bytes) -> int:
    """The `lzReceive` gas type-3 options ask for: the sum of every lzReceive option, as LayerZero's executor
    counts it (a send's options are the enforced ones followed by the sender's extra ones)."""
    return sum(int.from_bytes(body[:16], "big") for kind, body in _executor_options(options) if kind == 1)


def lz_compose_gas(options: bytes, index: int = 0) -> tuple[int, int]:
    """(gas, value) asked for compose number `index`, each summed over its options as the executor does."""
    gas = value = 0
    for kind, body in _executor_options(options):
        if kind == 3 and int.from_bytes(body[:2], "big") == index:
            gas += int.from_bytes(body[2:18], "big")
            value += int.from_bytes(body[18:34], "big")
    return gas, value


# ---------------------------------------------------------------- packets (PacketV1Codec)


@dataclass(frozen=True)
class Packet:
    """A packet as `EndpointV2` emits it in `PacketSent`."""

    nonce: int
    src_eid: int
    sender: str  # bytes32, hex
    dst_eid: int
    receiver: str  # address (the low 20 bytes of the bytes32)
    guid: str
    message: bytes
    header: bytes
    options: bytes = b""

    @property
    def payload_hash(self) -> bytes:
        return keccak(bytes.fromhex(self.guid[2:]) + self.message)

    @property
    def origin(self) -> tuple[int, bytes, int]:
        return (self.src_eid, bytes.fromhex(self.sender[2:]), self.nonce)

    @classmethod
    def decode(cls, encoded: bytes, options: bytes = b"") -> Packet:
        if encoded[0] != 1:
            raise ValueError(f"packet version {encoded[0]} is not 1")
        return cls(
            nonce=int.from_bytes(encoded[1:9], "big"),
            src_eid=int.from_bytes(encoded[9:13], "big"),
            sender="0x" + encoded[13:45].hex(),
            dst_eid=int.from_bytes(encoded[45:49], "big"),
            receiver=Web3.to_checksum_address(encoded[61:81]),
            guid="0x" + encoded[81:113].hex(),
            message=bytes(encoded[113:]),
            header=bytes(encoded[:81]),
            options=bytes(options),
        )

    def to_json(self) -> dict[str, Any]:
        return {"encoded": "0x" + (self.header + bytes.fromhex(self.guid[2:]) + self.message).hex(),
                "options": "0x" + self.options.hex()}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Packet:
        return cls.decode(bytes.fromhex(data["encoded"][2:]), bytes.fromhex(data["options"][2:]))


def address_to_bytes32(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(Web3.to_checksum_address(address)[2:])


# ---------------------------------------------------------------- one chain, through web3


class TxFailed(RuntimeError):
    """A transaction or call reverted; `name` and `args` are the decoded custom error, when known."""

    def __init__(self, what: str, name: str | None, args: tuple[Any, ...], data: bytes) -> None:
        self.name, self.args_, self.data = name, args, data
        super().__init__(f"{what}: {name}{args}" if name else f"{what}: reverted (0x{data.hex()})")


def _error_table(abis: Iterable[Sequence[Mapping[str, Any]]]) -> dict[bytes, tuple[str, list[str]]]:
    table: dict[bytes, tuple[str, list[str]]] = {}
    for abi in abis:
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [_canonical(i) for i in entry.get("inputs", [])]
            table[keccak(f"{entry['name']}({','.join(types)})".encode())[:4]] = (entry["name"], types)
    return table


def _canonical(param: Mapping[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + str(param["type"])[5:]
    return str(param["type"])


@dataclass
class EvmChain:
    """A chain the omnichain code drives: its web3, its LayerZero endpoint id and the accounts it signs with
    (anvil's unlocked accounts, which are also Ape's test accounts)."""

    name: str
    w3: Web3
    eid: int
    abis: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def contract(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=self.abis[name])

    def deploy(self, name: str, bytecode: str, *args: Any, sender: str) -> Contract:
        factory = self.w3.eth.contract(abi=self.abis[name], bytecode=bytecode)
        receipt = self.transact(factory.constructor(*args), sender=sender, what=f"deploy {name}")
        return self.contract(name, receipt["contractAddress"])

    def transact(self, fn: Any, *, sender: str, value: int = 0, gas: int | None = None, what: str = "") -> Any:
        """Sends `fn` from `sender` (a simulated call first: a revert raises `TxFailed`, nothing is sent)."""
        tx: dict[str, Any] = {"from": sender, "value": value}
        label = what or getattr(fn, "fn_name", "transaction")
        try:
            estimate = fn.estimate_gas(tx)
        except (ContractCustomError, ContractLogicError) as exc:
            raise self.failure(label, exc) from None
        tx["gas"] = gas if gas is not None else estimate * 12 // 10 + 20_000
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact(tx))
        if receipt["status"] != 1:
            raise TxFailed(label, None, (), b"")
        return receipt

    def call(self, fn: Any, *, sender: str | None = None, what: str = "") -> Any:
        """A view or a simulated call; a revert raises `TxFailed` with the decoded error."""
        try:
            return fn.call({"from": sender} if sender else {})
        except (ContractCustomError, ContractLogicError) as exc:
            raise self.failure(what or getattr(fn, "fn_name", "call"), exc) from None

    def failure(self, what: str, exc: Exception) -> TxFailed:
        data = getattr(exc, "data", None)
        if isinstance(data, dict):
            data = data.get("data")
        raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
        known = _error_table(self.abis.values()).get(raw[:4])
        if known:
            name, types = known
            values = tuple(
                Web3.to_checksum_address(v) if t == "address" else v for t, v in zip(types, decode(types, raw[4:]), strict=True)
            )
            return TxFailed(what, name, values, raw)
        return TxFailed(what, None, (), raw)

    def rpc(self, method: str, *params: Any) -> Any:
        return self.w3.provider.make_request(method, list(params))["result"]  # type: ignore[arg-type]

    def warp(self, seconds: int) -> None:
        """Mines a block `seconds` after the latest one (works with a frozen clock as well)."""
        self.rpc("evm_setNextBlockTimestamp", int(self.w3.eth.get_block("latest")["timestamp"]) + seconds)
        self.rpc("evm_mine")

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot_id: str) -> None:
        self.rpc("evm_revert", snapshot_id)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def boot_anvil(name: str, chain_id: int, eid: int, *, port: int | None = None, block_time: int | None = None) -> EvmChain:
    """A second local chain: anvil from npm (`tools/bin/anvil`) with the test mnemonic's unlocked accounts."""
    port = port or free_port()
    args = [str(ROOT / "tools/bin/anvil"), "--port", str(port), "--chain-id", str(chain_id), "--silent",
            "--accounts", "20", "--balance", "1000000"]
    if block_time:
        args += ["--block-time", str(block_time)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 60}))
    deadline = time.monotonic() + 30
    while True:
        try:
            if w3.eth.chain_id == chain_id:
                break
        except Exception:  # noqa: BLE001 - not listening yet
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"anvil for {name} (chain {chain_id}) did not start on port {port}")
        time.sleep(0.1)
    return EvmChain(name=name, w3=w3, eid=eid, process=process)


# ---------------------------------------------------------------- the LayerZero stack of one chain


def artifact(name: str) -> dict[str, Any]:
    path = ARTIFACTS[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make setup` (npm ci installs @layerzerolabs packages)")
    return dict(json.loads(path.read_text()))


@dataclass
class LzStack:
    """LayerZero V2 on one chain: the endpoint, ULN302's send and receive libraries, the local worker
    (executor and sending-side DVN) and the DVN account that verifies packets arriving here."""

    chain: EvmChain
    endpoint: Contract
    send_lib: Contract
    receive_lib: Contract
    worker: Contract
    dvn: str
    owner: str
    deployed_at: int  # the endpoint's block: where a fresh relayer starts reading

    def contracts(self) -> dict[str, str]:
        return {
            "lzEndpoint": self.endpoint.address,
            "lzSendUln302": self.send_lib.address,
            "lzReceiveUln302": self.receive_lib.address,
            "lzLocalWorker": self.worker.address,
        }


def deploy_layerzero(chain: EvmChain, *, owner: str, dvn: str, worker_bytecode: str) -> LzStack:
    """The endpoint and ULN302 on a local chain, from LayerZero's artifacts; `dvn` verifies arrivals."""
    for name in ARTIFACTS:
        chain.abis[name] = artifact(name)["abi"]
    endpoint = chain.deploy("EndpointV2", artifact("EndpointV2")["bytecode"], chain.eid, owner, sender=owner)
    deployed_at = int(chain.w3.eth.block_number)  # no packet can be older than its endpoint
    send_lib = chain.deploy(
        "SendUln302", artifact("SendUln302")["bytecode"], endpoint.address, TREASURY_GAS_LIMIT,
        TREASURY_GAS_FOR_FEE_CAP, sender=owner,
    )
    receive_lib = chain.deploy("ReceiveUln302", artifact("ReceiveUln302")["bytecode"], endpoint.address, sender=owner)
    worker = chain.deploy("LocalLzWorker", worker_bytecode, sender=owner)
    for lib in (send_lib, receive_lib):
        chain.transact(endpoint.functions.registerLibrary(lib.address), sender=owner)
    return LzStack(chain, endpoint, send_lib, receive_lib, worker, Web3.to_checksum_address(dvn), owner, deployed_at)


def connect(a: LzStack, b: LzStack) -> None:
    """Default libraries and ULN configs both ways between two stacks (LayerZero's defaults, which an OApp
    uses unless its delegate sets its own)."""
    for here, there in ((a, b), (b, a)):
        owner, chain = here.owner, here.chain
        send_uln: tuple[Any, ...] = (CONFIRMATIONS, 1, 0, 0, [here.worker.address], [])
        receive_uln: tuple[Any, ...] = (CONFIRMATIONS, 1, 0, 0, [here.dvn], [])
        chain.transact(here.send_lib.functions.setDefaultUlnConfigs([(there.chain.eid, send_uln)]), sender=owner)
        chain.transact(
            here.send_lib.functions.setDefaultExecutorConfigs([(there.chain.eid, (MAX_MESSAGE_SIZE, here.worker.address))]),
            sender=owner,
        )
        chain.transact(here.receive_lib.functions.setDefaultUlnConfigs([(there.chain.eid, receive_uln)]), sender=owner)
        chain.transact(here.endpoint.functions.setDefaultSendLibrary(there.chain.eid, here.send_lib.address), sender=owner)
        chain.transact(
            here.endpoint.functions.setDefaultReceiveLibrary(there.chain.eid, here.receive_lib.address, 0), sender=owner
        )
