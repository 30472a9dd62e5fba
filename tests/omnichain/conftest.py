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
    boot_anvil,
)
from scripts._suite.omnichain import Omnichain, accept_ownership, deploy_omnichain, send_tokens
from scripts._suite.relayer import Relayer


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
    omni = deploy_omnichain(
        ape.project, home_chain, [remote_chain],
        {"USDai": suite.usdai.address, "sUSDai": suite.vault.address},
        deployer=deployer.address, owner=governance.address, pauser=pauser.address,
        blacklister=blacklister.address, dvns={EID_ARBITRUM: dvn.address, EID_ETHEREUM: dvn.address},
    )
    assert accept_ownership(omni) == 4  # governance takes what the deployer handed over
    return omni


@pytest.fixture(autouse=True)
def _remote_isolation(omni: Omnichain, remote_chain: EvmChain, home_chain: EvmChain) -> Iterator[None]:
    """The remote chain reverted after each test, and time frozen on both chains while it runs: a rate
    limit drains by the second, so exact amounts need blocks that do not follow the wall clock. Time
    moves only through `EvmChain.warp`."""
    snapshot = remote_chain.snapshot()
    for chain in (home_chain, remote_chain):
        chain.rpc("anvil_setBlockTimestampInterval", 0)
    yield
    for chain in (home_chain, remote_chain):
        chain.rpc("anvil_removeBlockTimestampInterval")
    remote_chain.revert(snapshot)


@pytest.fixture
def relayer(omni: Omnichain, tmp_path: Path) -> Relayer:
    """A relayer that starts at the current blocks and keeps its state in a file."""
    return omni.relayer(tmp_path / "relayer.json")


@pytest.fixture(scope="session")
def bridge(omni: Omnichain) -> Callable[..., Any]:
    """`bridge(token, sender, amount, to_eid, recipient=None, min_amount=None)`: `send_tokens` from the other
    side of `to_eid`, with Ape accounts."""

    def _bridge(token: str, sender: Any, amount: int, to_eid: int, recipient: Any = None, min_amount: int | None = None) -> Any:
        src = omni.home if to_eid != omni.home.eid else omni.by_eid(EID_ETHEREUM)
        return send_tokens(src, token, sender.address, amount, to_eid, recipient=recipient and recipient.address,
                           min_amount=min_amount)

    return _bridge


@pytest.fixture(scope="session")
def fund_remote(bridge: Callable[..., Any], mint_usdai: Callable[..., int]) -> Callable[..., None]:
    """`fund_remote(relayer, holder, amount)`: USDai minted at home for `holder` (whole wM units), bridged
    to the remote chain and delivered there by `relayer`."""

    def _fund(relayer: Relayer, holder: Any, amount: int) -> None:
        mint_usdai(holder, amount // 10**12)
        bridge("USDai", holder, amount, EID_ETHEREUM)
        assert [d.outcome for d in relayer.step()] == ["delivered"]

    return _fund


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
