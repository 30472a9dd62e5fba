"""Python twin of `contracts/libraries/SharesMathLib.sol` and of the vault's servicing fill: the one
place the tests compute sUSDai's share price. Every function rounds as its Solidity twin does."""

from __future__ import annotations

BPS = 10_000
# SharesMathLib.VIRTUAL: the virtual shares and assets of the price.
VIRTUAL = 10**6


def to_shares_down(assets: int, total_assets: int, total_shares: int) -> int:
    """SharesMathLib.toSharesDown: shares worth `assets`, rounded down."""
    return assets * (total_shares + VIRTUAL) // (total_assets + VIRTUAL)


def to_assets_down(shares: int, total_assets: int, total_shares: int) -> int:
    """SharesMathLib.toAssetsDown: assets worth `shares`, rounded down."""
    return shares * (total_assets + VIRTUAL) // (total_shares + VIRTUAL)


def to_assets_up(shares: int, total_assets: int, total_shares: int) -> int:
    """SharesMathLib.toAssetsUp: assets worth `shares`, rounded up."""
    return -(-shares * (total_assets + VIRTUAL) // (total_shares + VIRTUAL))


def fill(pending: int, fee_bps: int, liquidity: int, nav: int, supply: int) -> tuple[int, int, int]:
    """StakedUSDai._fill: (shares served, fee shares, assets paid) of a request with `pending` shares
    at the running redemption price (`nav`, `supply`) with `liquidity` left."""
    affordable = to_shares_down(liquidity, nav, supply)
    if fee_bps:
        affordable = affordable * BPS // (BPS - min(fee_bps, BPS - 1))
    shares = min(pending, affordable)
    fee_shares = -(-shares * fee_bps // BPS)
    if fee_shares == shares and shares != pending:
        return 0, 0, 0
    return shares, fee_shares, to_assets_down(shares - fee_shares, nav, supply)
