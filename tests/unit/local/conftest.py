"""Helpers for the local stand-in tests (LocalWrappedM, LocalSwapVenue, LocalSwapAdapter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest


@pytest.fixture(scope="session")
def pin_time(chain: Any) -> Callable[[int], int]:
    """`pin_time(timestamp)`: mines a block at `timestamp` and pins the next block to it, so that views
    read now see exactly what the next transaction sees."""

    def _pin(timestamp: int) -> int:
        chain.pending_timestamp = timestamp
        chain.mine()
        chain.pending_timestamp = timestamp
        return timestamp

    return _pin


@pytest.fixture
def fresh_wm(deployer: Any) -> Any:
    """A LocalWrappedM at the default 4%/yr, owned by the deployer, deployed in the test itself so that
    its index starts at the test's clock."""
    return ape.project.LocalWrappedM.deploy(deployer, 400, sender=deployer)


@pytest.fixture(scope="session")
def unlisted_token(deployer: Any) -> Any:
    """A 6-decimal stablecoin the venue has never listed."""
    return ape.project.LocalStablecoin.deploy("Dai (local)", "DAI", deployer, sender=deployer)
