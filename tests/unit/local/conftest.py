"""Helpers for the local stand-in tests (LocalWrappedM, LocalSwapVenue, LocalSwapAdapter)."""

from __future__ import annotations

from typing import Any

import ape
import pytest


@pytest.fixture
def fresh_wm(deployer: Any) -> Any:
    """A LocalWrappedM at the default 4%/yr, owned by the deployer, deployed in the test itself so that
    its index starts at the test's clock."""
    return ape.project.LocalWrappedM.deploy(deployer, 400, sender=deployer)


@pytest.fixture(scope="session")
def unlisted_token(deployer: Any) -> Any:
    """A 6-decimal stablecoin the venue has never listed."""
    return ape.project.LocalStablecoin.deploy("Dai (local)", "DAI", deployer, sender=deployer)
