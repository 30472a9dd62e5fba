"""Stake from another chain through `OmniComposer`: USDai sent home with a compose message is deposited in
sUSDai and the shares come back to the sender's chain; every failing step (sUSDai paused, slippage, a
blacklisted recipient, a malformed message) refunds the USDai to its sender on its chain; the composer
holds nothing afterwards and trusts only the endpoint and the USDai lockbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from scripts._suite.layerzero import EID_ARBITRUM, EID_ETHEREUM
from scripts._suite.omnichain import Omnichain, locked_and_supply, send_tokens, stake_from
from scripts._suite.relayer import Relayer

UNIT = 10**18
STEP = 10**12


def _remote_balance(omni: Omnichain, token: str, holder: Any) -> int:
    return int(omni.remotes[0].oapps[token].functions.balanceOf(holder.address).call())


def _composer_holds_nothing(omni: Omnichain, suite: Any) -> None:
    assert omni.composer is not None
    assert suite.usdai.balanceOf(omni.composer.address) == 0
    assert suite.vault.balanceOf(omni.composer.address) == 0
    assert omni.home.chain.w3.eth.get_balance(omni.composer.address) == 0


def _events(omni: Omnichain, name: str) -> list[Any]:
    assert omni.composer is not None
    return list(getattr(omni.composer.events, name)().get_logs(from_block=omni.home.lz.deployed_at))


def test_stake_from_the_remote__shares_come_back__dust_stays_home(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any,
) -> None:
    fund_remote(relayer, alice, 1_000 * UNIT)
    expected = suite.vault.previewDeposit(600 * UNIT)  # the price does not move within the test
    stake_from(omni, omni.remotes[0], alice.address, 600 * UNIT, min_shares=expected - expected % STEP)
    outcomes = [(d.route, d.outcome) for d in relayer.step()]
    assert outcomes == [(f"{EID_ETHEREUM}->{EID_ARBITRUM}", "delivered"), (f"compose {EID_ARBITRUM}", "delivered")]
    assert [(d.route, d.outcome) for d in relayer.step()] == [(f"{EID_ARBITRUM}->{EID_ETHEREUM}", "delivered")]

    sent = expected - expected % STEP
    assert _remote_balance(omni, "sUSDai", alice) == sent
    assert _remote_balance(omni, "USDai", alice) == 400 * UNIT
    assert suite.vault.balanceOf(alice) == expected - sent  # under one shared step: at home
    assert locked_and_supply(omni, "sUSDai") == (sent, sent)
    assert locked_and_supply(omni, "USDai") == (400 * UNIT, 400 * UNIT)  # 600 left the lockbox into the vault
    [staked] = _events(omni, "Staked")
    assert (staked["args"]["assets"], staked["args"]["shares"]) == (600 * UNIT, sent)
    _composer_holds_nothing(omni, suite)


def _refunded_case(omni: Omnichain, relayer: Relayer, suite: Any, alice: Any, min_shares: int = 0,
                   compose_msg: bytes | None = None) -> None:
    remote = omni.remotes[0]
    if compose_msg is None:
        stake_from(omni, remote, alice.address, 600 * UNIT, min_shares=min_shares)
    else:
        assert omni.composer is not None
        send_tokens(remote, "USDai", alice.address, 600 * UNIT, EID_ARBITRUM, recipient=omni.composer.address,
                    compose_msg=compose_msg)
    assert [d.outcome for d in relayer.step()] == ["delivered", "delivered"]  # the packet, then the compose
    assert _remote_balance(omni, "USDai", alice) == 400 * UNIT
    assert [d.outcome for d in relayer.step()] == ["delivered"]  # the refund, home to the remote
    assert _remote_balance(omni, "USDai", alice) == 1_000 * UNIT
    assert _remote_balance(omni, "sUSDai", alice) == 0
    assert locked_and_supply(omni, "USDai") == (1_000 * UNIT, 1_000 * UNIT)
    _composer_holds_nothing(omni, suite)
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["assets"] == 600 * UNIT
    assert refunded["args"]["sender"] == bytes(12) + bytes.fromhex(alice.address[2:])


def _error_data(signature: str, *args: Any) -> bytes:
    """Revert data of a custom error, as `Refunded` carries it: `_error_data("SharesBelowMinimum(uint256,uint256)", a, b)`."""
    types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
    return keccak(signature.encode())[:4] + encode(types, list(args))


def test_stake__vault_paused__refunded_to_the_sender(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any, pauser: Any,
) -> None:
    fund_remote(relayer, alice, 1_000 * UNIT)
    suite.vault.pause(sender=pauser)
    _refunded_case(omni, relayer, suite, alice)
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["reason"] == _error_data("EnforcedPause()")


def test_stake__fewer_shares_than_the_minimum__refunded(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any,
) -> None:
    fund_remote(relayer, alice, 1_000 * UNIT)
    expected = suite.vault.previewDeposit(600 * UNIT)
    sent = expected - expected % STEP
    _refunded_case(omni, relayer, suite, alice, min_shares=sent + 1)
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["reason"] == _error_data("SharesBelowMinimum(uint256,uint256)", sent, sent + 1)


def test_stake__recipient_blacklisted_on_susdai__refunded(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any, blacklister: Any,
) -> None:
    fund_remote(relayer, alice, 1_000 * UNIT)
    suite.vault.setBlacklisted(alice, True, sender=blacklister)
    _refunded_case(omni, relayer, suite, alice)
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["reason"] == _error_data("RecipientBlacklisted(address)", alice.address)


def test_stake__malformed_message__refunded_not_stuck(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any,
) -> None:
    """A message that does not decode must not leave the USDai in the composer: the decoding runs inside
    the refunded step."""
    fund_remote(relayer, alice, 1_000 * UNIT)
    _refunded_case(omni, relayer, suite, alice, compose_msg=b"\x01\x02\x03")
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["reason"] == b""  # abi.decode's revert carries no data


def test_composer__only_the_endpoint__only_from_the_usdai_lockbox__a_compose_runs_once(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], refused: Any,
    alice: Any, carol: Any, dvn: Any,
) -> None:
    assert omni.composer is not None
    home = omni.home
    with refused("CallerNotEndpoint", carol.address):
        home.chain.transact(omni.composer.functions.lzCompose(carol.address, bytes(32), b"", carol.address, b""),
                            sender=carol.address)
    with refused("CallerNotSelf", carol.address):
        home.chain.transact(omni.composer.functions.stakeAndSend(EID_ETHEREUM, 1, b""), sender=carol.address)
    # Anyone may queue a compose at the endpoint; from anything but the USDai lockbox it is refused.
    guid = b"\x07" * 32
    home.chain.transact(home.lz.endpoint.functions.sendCompose(omni.composer.address, guid, 0, b"\x00" * 76),
                        sender=carol.address)
    with refused("ComposeFromUnknown", carol.address):
        home.chain.transact(home.lz.endpoint.functions.lzCompose(carol.address, omni.composer.address, guid, 0,
                                                                 b"\x00" * 76, b""), sender=dvn.address)
    # A real compose, delivered, cannot be delivered again.
    fund_remote(relayer, alice, 100 * UNIT)
    stake_from(omni, omni.remotes[0], alice.address, 100 * UNIT)
    relayer.step()
    [staked] = _events(omni, "Staked")
    compose_sent = home.lz.endpoint.events.ComposeSent().get_logs(from_block=home.lz.deployed_at)
    [real] = [e for e in compose_sent if e["args"]["from"] == home.oapps["USDai"].address]
    with refused("LZ_ComposeNotFound"):
        home.chain.transact(home.lz.endpoint.functions.lzCompose(real["args"]["from"], omni.composer.address,
                                                                 real["args"]["guid"], 0, real["args"]["message"], b""),
                            sender=dvn.address)
    assert staked["args"]["guid"] == real["args"]["guid"]


def test_stake__price_off_one__the_dust_share_stays_home(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], stake: Any,
    suite: Any, alice: Any, bob: Any, keeper: Any,
) -> None:
    """At a share price other than 1 the deposit mints a number of shares that is not a whole number of
    shared steps: the remainder goes to the recipient's address at home, the rest crosses."""
    stake(bob, 10_000 * UNIT)
    omni.home.chain.warp(30 * 86_400)
    suite.usdai.harvestBaseYield(sender=keeper)
    fund_remote(relayer, alice, 1_000 * UNIT)
    expected = suite.vault.previewDeposit(600 * UNIT)
    assert expected % STEP != 0  # the case this test is about
    stake_from(omni, omni.remotes[0], alice.address, 600 * UNIT)
    relayer.step()
    relayer.step()
    assert _remote_balance(omni, "sUSDai", alice) == expected - expected % STEP
    assert suite.vault.balanceOf(alice) == expected % STEP
    _composer_holds_nothing(omni, suite)


def test_stake__with_native_fees__the_compose_pays_the_way_back(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any, deployer: Any,
) -> None:
    """Workers that charge (as on a live chain): the stake's compose option carries the fee of the send
    back, the executor attaches it, and the endpoint returns what the fee does not take to the recipient
    at home. Without that value the send back would fail with NotEnoughNative and the stake be refunded."""
    for part in omni.chains:
        part.chain.transact(part.lz.worker.functions.setFee(10**15), sender=deployer.address)
    fund_remote(relayer, alice, 1_000 * UNIT)
    home_eth = omni.home.chain.w3.eth.get_balance(alice.address)
    stake_from(omni, omni.remotes[0], alice.address, 600 * UNIT)
    [_, compose] = relayer.step()
    assert compose.outcome == "delivered"
    relayer.step()
    assert _events(omni, "Staked") and not _events(omni, "Refunded")
    assert _remote_balance(omni, "sUSDai", alice) > 0
    # The fee is two jobs of 1e15 (executor and DVN); 20% over it came back to alice at home.
    assert omni.home.chain.w3.eth.get_balance(alice.address) - home_eth == 2 * 10**15 * 2 // 10
    _composer_holds_nothing(omni, suite)


def test_stake__shares_cannot_leave__deposit_undone_and_refunded(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any, pauser: Any,
) -> None:
    """The deposit succeeds but the sUSDai lockbox refuses the send: the deposit is undone with it."""
    fund_remote(relayer, alice, 1_000 * UNIT)
    supply = suite.vault.totalSupply()
    omni.home.chain.transact(omni.home.oapps["sUSDai"].functions.pause(), sender=pauser.address)
    _refunded_case(omni, relayer, suite, alice)
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["reason"] == _error_data("EnforcedPause()")
    assert suite.vault.totalSupply() == supply


def test_stake__refund_refused_too__compose_held_then_refunded_on_retry(
    omni: Omnichain, relayer: Relayer, fund_remote: Callable[..., None], suite: Any,
    alice: Any, pauser: Any, governance: Any,
) -> None:
    """The sUSDai lockbox paused (the stake fails) and the USDai route back closed (limit 0: the refund
    fails too): `lzCompose` reverts and the endpoint keeps the compose queued, the USDai waiting in the
    composer. Once governance reopens the route the retried compose refunds it."""
    fund_remote(relayer, alice, 1_000 * UNIT)
    home, p = omni.home, omni.params
    home.chain.transact(home.oapps["sUSDai"].functions.pause(), sender=pauser.address)
    usdai_box = home.oapps["USDai"]
    home.chain.transact(usdai_box.functions.setRateLimits(EID_ETHEREUM, 0, p.window, p.inbound_limit, p.window),
                        sender=governance.address)
    stake_from(omni, omni.remotes[0], alice.address, 600 * UNIT)
    [packet, compose] = relayer.step()
    assert packet.outcome == "delivered"
    assert (compose.outcome, compose.error_name, compose.error_args) == (
        "refused", "RateLimitExceeded", (EID_ETHEREUM, True, 600 * UNIT, 0)
    )
    assert suite.usdai.balanceOf(omni.composer.address) == 600 * UNIT  # type: ignore[union-attr]
    assert len(relayer.composes) == 1
    home.chain.transact(usdai_box.functions.setRateLimits(EID_ETHEREUM, p.outbound_limit, p.window, p.inbound_limit,
                                                          p.window), sender=governance.address)
    [retried] = relayer.step()
    assert retried.outcome == "delivered"
    [refunded] = _events(omni, "Refunded")
    assert refunded["args"]["reason"] == _error_data("EnforcedPause()")
    assert [d.outcome for d in relayer.step()] == ["delivered"]
    assert _remote_balance(omni, "USDai", alice) == 1_000 * UNIT
    _composer_holds_nothing(omni, suite)
