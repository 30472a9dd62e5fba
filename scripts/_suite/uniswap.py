"""Uniswap V3 on a local chain, as Uniswap ships it.

The factory, the NonfungiblePositionManager, SwapRouter02 and QuoterV2 are deployed from the artifacts
Uniswap publishes on npm (compiled by Uniswap with solc 0.7.6; fetched into `.venues/uniswap/` by
`make setup`, see `tools/venues.lock`), never recompiled. One wM pool per stablecoin is opened at 1:1
and given liquidity concentrated around it, so that USDai's `UniswapV3SwapAdapter` swaps through the
same contracts, fee tiers and tick math as on Arbitrum.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

from ape.contracts import ContractContainer
from ethpm_types import ContractType

from scripts._suite.abi import struct
from scripts._suite.journal import Steps

ARTIFACTS = Path(__file__).resolve().parents[2] / ".venues" / "uniswap"
Q96 = 2**96
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Far enough ahead for any local run; the position manager only checks that the deadline has not passed.
NO_DEADLINE = 2**64
# UniswapV3SwapAdapter's price limits: a swap never pushes a pool beyond 5% from 1:1.
MIN_SQRT_PRICE_X96 = math.isqrt(95 * 2**192 // 100)
MAX_SQRT_PRICE_X96 = math.isqrt(105 * 2**192 // 100)
# Fee tiers enabled after the factory's deployment, with their tick spacing.
LATER_FEE_TIERS = {100: 1}


class PoolMispriced(RuntimeError):
    """A pool to be seeded is not at 1:1 (someone else initialized or moved it first)."""


class VenueArtifactsMissing(FileNotFoundError):
    """`.venues/uniswap/` lacks an artifact: `make setup` (tools/fetch_venues.py) fetches them."""


@cache
def container(name: str) -> ContractContainer:
    """An Ape container for Uniswap's `name` artifact (`UniswapV3Factory`, `UniswapV3Pool`,
    `NonfungiblePositionManager`, `SwapRouter02`, `QuoterV2`)."""
    path = ARTIFACTS / f"{name}.json"
    if not path.exists():
        raise VenueArtifactsMissing(f"{path} is missing: run `make setup` (tools/fetch_venues.py) first")
    artifact = json.loads(path.read_text())
    return ContractContainer(
        ContractType.model_validate(
            {
                "contractName": name,
                "abi": artifact["abi"],
                "deploymentBytecode": {"bytecode": artifact["bytecode"]},
                "runtimeBytecode": {"bytecode": artifact["deployedBytecode"]},
            }
        )
    )


def sqrt_price_x96(price: float = 1.0) -> int:
    """sqrt(price) in Q64.96, price = token1 per token0 in base units."""
    return int(math.isqrt(int(price * 2**192)))


@dataclass
class UniswapStack:
    """The deployed venue: factory, position manager, router, quoter, and the wM pool of each stablecoin."""

    factory: Any
    position_manager: Any
    router: Any
    quoter: Any
    fee: int
    pools: dict[str, Any] = field(default_factory=dict)  # stablecoin label (USDC, USDT) -> its wM pool

    def contracts(self) -> dict[str, str]:
        """Manifest name -> address."""
        named = {
            "uniswapV3Factory": self.factory.address,
            "uniswapPositionManager": self.position_manager.address,
            "uniswapRouter": self.router.address,
            "uniswapQuoter": self.quoter.address,
        }
        for label, pool in self.pools.items():
            named[f"uniswapPool{label}"] = pool.address
        return named

    def quote(self, token_in: Any, token_out: Any, amount_in: int) -> int:
        """What an exact-input swap would return now: QuoterV2 runs the swap and reverts with the result,
        so the answer is exact (fee, ticks crossed), read with an `eth_call`. Stopped at the adapter's
        price limit, as the adapter's swap is."""
        address_in = getattr(token_in, "address", token_in)
        address_out = getattr(token_out, "address", token_out)
        limit = MIN_SQRT_PRICE_X96 if int(address_in, 16) < int(address_out, 16) else MAX_SQRT_PRICE_X96
        params = struct(
            self.quoter,
            "QuoteExactInputSingleParams",
            tokenIn=address_in,
            tokenOut=address_out,
            amountIn=amount_in,
            fee=self.fee,
            sqrtPriceLimitX96=limit,
        )
        return int(self.quoter.quoteExactInputSingle.call(params)[0])


def _pool_exists(factory: Any, token0: str, token1: str, fee: int) -> bool:
    return int(factory.getPool(token0, token1, fee), 16) != 0


def _holds(coin: Any, owner: Any, amount: int, seeded: Callable[[], bool]) -> bool:
    return seeded() or int(coin.balanceOf(owner)) >= amount


def _allows(coin: Any, owner: Any, spender: Any, amount: int, seeded: Callable[[], bool]) -> bool:
    return seeded() or int(coin.allowance(owner, spender)) >= amount


def deploy_uniswap(
    steps: Steps, wm: Any, stables: Sequence[tuple[str, Any]], fee: int, liquidity: int, tick_range: int
) -> UniswapStack:
    """Deploys Uniswap V3 and, for each `(label, stablecoin)`, a wM pool at `fee` opened at 1:1 with
    `liquidity` of each token (minted to the deployer, which keeps the position) between -`tick_range`
    and +`tick_range` ticks (rounded out to the fee tier's spacing). wM and the stablecoins must be the
    local stand-ins the deployer mints."""
    owner = steps.account
    factory = steps.deploy("uniswap.factory", container("UniswapV3Factory"))
    # No WETH9 and no token descriptor: the suite never swaps ETH nor asks a position's tokenURI.
    manager = steps.deploy(
        "uniswap.positionManager", container("NonfungiblePositionManager"), factory, ZERO_ADDRESS, ZERO_ADDRESS
    )
    router = steps.deploy("uniswap.router", container("SwapRouter02"), ZERO_ADDRESS, factory, manager, ZERO_ADDRESS)
    quoter = steps.deploy("uniswap.quoter", container("QuoterV2"), factory, ZERO_ADDRESS)
    stack = UniswapStack(factory=factory, position_manager=manager, router=router, quoter=quoter, fee=fee)
    if fee in LATER_FEE_TIERS:
        # The factory ships with 0.05%, 0.3% and 1%; Uniswap governance enabled 0.01% (tick spacing 1) on
        # every chain later, Arbitrum included. The deployer owns this factory and does the same.
        steps.send(
            f"uniswap.enableFee{fee}",
            factory.enableFeeAmount,
            fee,
            LATER_FEE_TIERS[fee],
            done=lambda: int(factory.feeAmountTickSpacing(fee)) != 0,
        )
    spacing = int(factory.feeAmountTickSpacing(fee))
    if spacing == 0:
        raise ValueError(f"Uniswap V3 has no fee tier {fee}")
    width = -(-tick_range // spacing) * spacing
    for n, (label, token) in enumerate(stables, start=1):
        token0, token1 = sorted((wm.address, token.address), key=lambda a: int(a, 16))
        steps.send(
            f"uniswap.{label}.pool",
            manager.createAndInitializePoolIfNecessary,
            token0,
            token1,
            fee,
            sqrt_price_x96(1.0),
            done=partial(_pool_exists, factory, token0, token1, fee),
        )
        pool = container("UniswapV3Pool").at(factory.getPool(token0, token1, fee))
        stack.pools[label] = pool

        def seeded(n: int = n) -> bool:
            # The deployer's own n-th position, not anyone's liquidity (on a public testnet anyone can
            # add some to a pool the deployer created).
            return int(manager.balanceOf(owner)) >= n

        if not seeded():
            # Anyone may create and initialize the pool first, at any price; it is seeded only at 1:1.
            price = int(pool.slot0().sqrtPriceX96)
            if price != sqrt_price_x96(1.0):
                raise PoolMispriced(
                    f"the wM/{label} pool {pool.address} was initialized at sqrtPriceX96 {price}, not 1:1 "
                    f"({sqrt_price_x96(1.0)}): someone else opened it; move its price back to 1:1 before seeding"
                )

        for coin, coin_label in ((wm, "wM"), (token, label)):
            steps.send(
                f"uniswap.{label}.mint{coin_label}",
                coin.mint,
                owner,
                liquidity,
                done=partial(_holds, coin, owner, liquidity, seeded),
            )
            steps.send(
                f"uniswap.{label}.approve{coin_label}",
                coin.approve,
                manager,
                liquidity,
                done=partial(_allows, coin, owner, manager, liquidity, seeded),
            )
        params = struct(
            manager,
            "MintParams",
            token0=token0,
            token1=token1,
            fee=fee,
            tickLower=-width,
            tickUpper=width,
            amount0Desired=liquidity,
            amount1Desired=liquidity,
            amount0Min=0,
            amount1Min=0,
            recipient=owner.address,
            deadline=NO_DEADLINE,
        )
        steps.send(f"uniswap.{label}.addLiquidity", manager.mint, params, done=seeded)
    return stack

