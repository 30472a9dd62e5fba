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
from collections.abc import Callable, Iterable, Mapping, Sequence
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


Signer = Callable[[dict[str, Any]], bytes]  # a web3 transaction -> the raw signed transaction


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
    """A chain the omnichain code drives: its web3 and its LayerZero endpoint id. A sender with a signer in
    `signers` (a live chain's deployer: `Signer` takes a web3 transaction and returns it signed) sends raw
    signed transactions; any other sender must be unlocked on the node (anvil's accounts, which are also
    Ape's test accounts)."""

    name: str
    w3: Web3
    eid: int
    abis: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    signers: dict[str, Signer] = field(default_factory=dict)

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def contract(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=self.abis[name])

    def deploy(self, name: str, bytecode: str, *args: Any, sender: str) -> Contract:
        return self.deploy_with_receipt(name, bytecode, *args, sender=sender)[0]

    def deploy_with_receipt(self, name: str, bytecode: str, *args: Any, sender: str,
                            before_send: Callable[[int], None] | None = None) -> tuple[Contract, Any]:
        factory = self.w3.eth.contract(abi=self.abis[name], bytecode=bytecode)
        receipt = self.transact(factory.constructor(*args), sender=sender, what=f"deploy {name}", before_send=before_send)
        return self.contract(name, receipt["contractAddress"]), receipt

    def transact(self, fn: Any, *, sender: str, value: int = 0, gas: int | None = None, what: str = "",
                 before_send: Callable[[int], None] | None = None) -> Any:
        """Sends `fn` from `sender` (a simulated call first: a revert raises `TxFailed`, nothing is sent).
        `before_send(nonce)` runs once the transaction is built (and signed), just before it is broadcast,
        with the nonce it carries: a journal records it there, never for a transaction that was not sent."""
        tx: dict[str, Any] = {"from": sender, "value": value}
        label = what or getattr(fn, "fn_name", "transaction")
        try:
            estimate = fn.estimate_gas(tx)
        except (ContractCustomError, ContractLogicError) as exc:
            raise self.failure(label, exc) from None
        tx["gas"] = gas if gas is not None else estimate * 12 // 10 + 20_000
        tx["nonce"] = self.w3.eth.get_transaction_count(Web3.to_checksum_address(sender))
        signer = self.signers.get(Web3.to_checksum_address(sender))
        raw = None if signer is None else signer(fn.build_transaction(tx))
        if before_send is not None:
            before_send(int(tx["nonce"]))
        tx_hash = fn.transact(tx) if raw is None else self.w3.eth.send_raw_transaction(raw)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=600)
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
    """LayerZero V2 on one chain. On a local chain: the endpoint, ULN302's send and receive libraries, the
    local worker (executor and sending-side DVN) and the DVN account that verifies packets arriving here,
    all deployed by `deploy_layerzero`. On a live chain only the endpoint, LayerZero's own (`external`):
    its default libraries, DVNs and executors serve the OApps, and the local relayer does not run there."""

    chain: EvmChain
    endpoint: Contract
    send_lib: Contract | None
    receive_lib: Contract | None
    worker: Contract | None
    dvn: str | None
    owner: str | None
    deployed_at: int  # the endpoint's block (local), the launch's first (live): where a reader starts

    @property
    def external(self) -> bool:
        return self.receive_lib is None

    def local(self) -> tuple[Contract, str]:
        """(ReceiveUln302, the DVN account) of a local stack, which the local relayer works with."""
        if self.receive_lib is None or self.dvn is None:
            raise ValueError(f"{self.chain.name} uses LayerZero's own endpoint: the local relayer does not serve it")
        return self.receive_lib, self.dvn

    def contracts(self) -> dict[str, str]:
        found: dict[str, str] = {"lzEndpoint": self.endpoint.address}
        for name, contract in (("lzSendUln302", self.send_lib), ("lzReceiveUln302", self.receive_lib),
                               ("lzLocalWorker", self.worker)):
            if contract is not None:
                found[name] = contract.address
        return found


def _register_artifacts(chain: EvmChain) -> None:
    for name in ARTIFACTS:
        chain.abis[name] = artifact(name)["abi"]


def external_layerzero(chain: EvmChain, endpoint: str) -> LzStack:
    """LayerZero's endpoint already on `chain` (a live chain): it must have code and answer `chain.eid`;
    anything else is refused before a transaction is sent."""
    _register_artifacts(chain)
    address = Web3.to_checksum_address(endpoint)
    if not chain.w3.eth.get_code(address):
        raise ValueError(f"{chain.name}: no contract at the LayerZero endpoint {address}")
    contract = chain.contract("EndpointV2", address)
    try:
        eid = int(contract.functions.eid().call())
    except (ContractLogicError, ValueError) as exc:
        raise ValueError(f"{chain.name}: {address} is not a LayerZero V2 endpoint ({exc})") from None
    if eid != chain.eid:
        raise ValueError(f"{chain.name}: the endpoint at {address} is eid {eid}, not {chain.eid}")
    return LzStack(chain, contract, None, None, None, None, None, 0)


def deploy_layerzero(steps: Any, *, dvn: str, worker_bytecode: str) -> LzStack:
    """The endpoint and ULN302 on a local chain, from LayerZero's artifacts, through journaled `steps`
    (`scripts/_suite/journal.ChainSteps`); `dvn` verifies arrivals. The deployer owns the stack."""
    chain, owner = steps.chain, steps.sender
    _register_artifacts(chain)
    endpoint = steps.deploy("lz.endpoint", "EndpointV2", artifact("EndpointV2")["bytecode"], chain.eid, owner)
    # No packet can be older than its endpoint: a fresh relayer reads from there.
    deployed_at = steps.block_of("lz.endpoint") or 0
    send_lib = steps.deploy(
        "lz.sendUln302", "SendUln302", artifact("SendUln302")["bytecode"], endpoint.address, TREASURY_GAS_LIMIT,
        TREASURY_GAS_FOR_FEE_CAP,
    )
    receive_lib = steps.deploy("lz.receiveUln302", "ReceiveUln302", artifact("ReceiveUln302")["bytecode"], endpoint.address)
    worker = steps.deploy("lz.localWorker", "LocalLzWorker", worker_bytecode)
    for name, lib in (("send", send_lib), ("receive", receive_lib)):
        steps.send(f"lz.registerLibrary.{name}", endpoint.functions.registerLibrary(lib.address),
                   done=lambda lib=lib: bool(endpoint.functions.isRegisteredLibrary(lib.address).call()))
    return LzStack(chain, endpoint, send_lib, receive_lib, worker, Web3.to_checksum_address(dvn), owner, deployed_at)


def connect(here: LzStack, there: LzStack, steps: Any) -> None:
    """Default libraries and ULN configs on `here` (local) for messages to and from `there` (LayerZero's
    defaults, which an OApp uses unless its delegate sets its own), through `here`'s journaled `steps`."""
    assert here.send_lib is not None and here.receive_lib is not None and here.worker is not None
    eid, endpoint = there.chain.eid, here.endpoint
    send_uln: tuple[Any, ...] = (CONFIRMATIONS, 1, 0, 0, [here.worker.address], [])
    receive_uln: tuple[Any, ...] = (CONFIRMATIONS, 1, 0, 0, [here.dvn], [])
    steps.send(f"lz.{eid}.sendUlnConfig", here.send_lib.functions.setDefaultUlnConfigs([(eid, send_uln)]))
    steps.send(f"lz.{eid}.executorConfig",
               here.send_lib.functions.setDefaultExecutorConfigs([(eid, (MAX_MESSAGE_SIZE, here.worker.address))]))
    steps.send(f"lz.{eid}.receiveUlnConfig", here.receive_lib.functions.setDefaultUlnConfigs([(eid, receive_uln)]))
    send_lib, receive_lib = here.send_lib.address, here.receive_lib.address
    steps.send(f"lz.{eid}.defaultSendLibrary", endpoint.functions.setDefaultSendLibrary(eid, send_lib),
               done=lambda: endpoint.functions.defaultSendLibrary(eid).call() == send_lib)
    steps.send(f"lz.{eid}.defaultReceiveLibrary", endpoint.functions.setDefaultReceiveLibrary(eid, receive_lib, 0),
               done=lambda: endpoint.functions.defaultReceiveLibrary(eid).call() == receive_lib)
