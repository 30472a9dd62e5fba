"""Two chains: the suite's own (Ape's anvil, Arbitrum's chain id 42161, LayerZero eid 30110) and a second
anvil standing for Ethereum (chain id 1, eid 30101), booted once per session. LayerZero V2 is deployed on
both from its npm artifacts, the lockboxes lock the suite's real USDai and sUSDai, and the relayer plays
the DVN and the executor.

Ape snapshots and reverts the home chain around every test; the `_remote_isolation` fixture does the same
for the second chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ape
import pytest

from scripts._suite.deployment import Suite
from scripts._suite.layerzero import (
    EID_ARBITRUM,
    EID_ETHEREUM,
    EvmChain,
    TxFailed,
    address_to_bytes32,
    boot_anvil,
)
from scripts._suite.omnichain import Omnichain, deploy_omnichain
from scripts._suite.relayer import Relayer

UNIT = 10**18


@pytest.fixture(scope="session")
def dvn(accounts: Any) -> Any:
    """The relayer's account on both chains (the DVN that verifies arrivals, and the executor)."""
    return accounts[11]


@pytest.fixture(scope="session")
def remote_chain() -> Iterator[EvmChain]:
    chain = boot_anvil("ethereum", 1, EID_ETHEREUM)
    yield chain
    chain.stop()


@pytest.fixture(scope="session")
def home_chain() -> EvmChain:
    return EvmChain("arbitrum", ape.chain.provider.web3, EID_ARBITRUM)


@pytest.fixture(scope="session")
def omni(suite: Suite, home_chain: EvmChain, remote_chain: EvmChain, deployer: Any, governance: Any, pauser: Any,
         blacklister: Any, dvn: Any) -> Omnichain:
    return deploy_omnichain(
        ape.project, home_chain, [remote_chain],
        {"USDai": suite.usdai.address, "sUSDai": suite.vault.address},
        deployer=deployer.address, owner=governance.address, pauser=pauser.address,
        blacklister=blacklister.address, dvns={EID_ARBITRUM: dvn.address, EID_ETHEREUM: dvn.address},
    )


@pytest.fixture(autouse=True)
def _remote_isolation(omni: Omnichain, remote_chain: EvmChain) -> Iterator[None]:
    snapshot = remote_chain.snapshot()
    yield
    remote_chain.revert(snapshot)


@pytest.fixture
def relayer(omni: Omnichain, tmp_path: Path) -> Relayer:
    """A relayer that starts at the current blocks and keeps its state in a file."""
    return Relayer(omni.stacks(), tmp_path / "relayer.json")


@pytest.fixture(scope="session")
def bridge(omni: Omnichain) -> Callable[..., Any]:
    """`bridge(token, sender, amount, to_eid, recipient=None, min_amount=None)`: approves (home) and sends;
    returns the receipt. Raises `TxFailed` with the decoded error when the send is refused."""

    def _bridge(token: str, sender: Any, amount: int, to_eid: int, recipient: Any = None, min_amount: int | None = None) -> Any:
        src = omni.home if to_eid != omni.home.eid else omni.by_eid(EID_ETHEREUM)
        oapp, chain = src.oapps[token], src.chain
        if src.home:
            erc20 = chain.contract("USDai", src.tokens[token])
            chain.transact(erc20.functions.approve(oapp.address, amount), sender=sender.address)
        to = address_to_bytes32((recipient or sender).address)
        dust = amount % 10**12
        param = (to_eid, to, amount, amount - dust if min_amount is None else min_amount, b"", b"", b"")
        fee = chain.call(oapp.functions.quoteSend(param, False))
        return chain.transact(oapp.functions.send(param, fee, sender.address), sender=sender.address, value=fee[0])

    return _bridge


@pytest.fixture(scope="session")
def refused() -> Callable[..., Any]:
    """`with refused("ErrorName", *args):` the block raises `TxFailed` with exactly that decoded error."""

    class _Refused:
        def __init__(self, name: str, *args: Any) -> None:
            self.name, self.args = name, args

        def __enter__(self) -> _Refused:
            return self

        def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
            assert isinstance(exc, TxFailed), f"expected {self.name}, got {exc!r}"
            assert exc.name == self.name, f"expected {self.name}, got {exc}"
            if self.args:
                assert tuple(exc.args_) == self.args, f"expected {self.name}{self.args}, got {exc}"
            return True

    return _Refused
