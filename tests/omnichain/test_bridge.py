"""USDai and sUSDai between the home chain and a second chain over LayerZero V2 (EndpointV2 and ULN302 from
LayerZero's npm artifacts): exact amounts both ways, the shared-decimals dust, the deploy's wiring read
back across chains, and every refusal (rate limits, pause, blacklists) with its exact error and nothing
moved or lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts._suite.layerzero import EID_ARBITRUM, EID_ETHEREUM
from scripts._suite.omnichain import Omnichain, OmniParams, locked_and_supply, send_tokens, verify_omnichain
from scripts._suite.relayer import Relayer

UNIT = 10**18
DUST = 10**12  # 18 local decimals over 6 shared


def _balance(omni: Omnichain, eid: int, token: str, account: Any) -> int:
    part = omni.by_eid(eid)
    erc20 = part.chain.contract("USDai", part.tokens[token])
    return int(erc20.functions.balanceOf(account.address).call())


def test_deploy__wiring_matches_the_parameters_on_both_chains(omni: Omnichain, governance: Any) -> None:
    assert verify_omnichain(omni) == []
    remote = omni.remotes[0]
    assert remote.chain.chain_id == 1 and omni.home.chain.chain_id == 42161
    # LayerZero's own contracts, from the npm artifacts: the endpoint knows its id.
    assert remote.lz.endpoint.functions.eid().call() == EID_ETHEREUM
    assert omni.home.lz.endpoint.functions.eid().call() == EID_ARBITRUM
    for part in omni.chains:
        for oapp in part.oapps.values():
            assert oapp.functions.owner().call() == governance.address
            # the endpoint delegate (who may change the OApp's LayerZero config) is governance too
            assert part.lz.endpoint.functions.delegates(oapp.address).call() == governance.address


def test_manifests__one_per_chain__addresses_peers_roles_params(omni: Omnichain, governance: Any, tmp_path: Path) -> None:
    home_path, remote_path = omni.write_manifests(tmp_path, "local")
    assert (home_path.name, remote_path.name) == ("local.arbitrum.omnichain.json", "local.ethereum.omnichain.json")
    home, remote = json.loads(home_path.read_text()), json.loads(remote_path.read_text())
    assert (home["chainId"], home["eid"], home["home"]) == (42161, EID_ARBITRUM, True)
    assert (remote["chainId"], remote["eid"], remote["home"]) == (1, EID_ETHEREUM, False)
    assert home["peers"] == {str(EID_ETHEREUM): "ethereum"} and remote["peers"] == {str(EID_ARBITRUM): "arbitrum"}
    for token in ("USDai", "sUSDai"):
        assert home["contracts"][f"{token}Lockbox"] == omni.home.oapps[token].address
        assert remote["contracts"][f"{token}OFT"] == remote["tokens"][token] == omni.remotes[0].oapps[token].address
    assert home["contracts"]["lzEndpoint"] == omni.home.lz.endpoint.address
    assert remote["roles"]["owner"] == home["roles"]["owner"] == governance.address
    assert "blacklister" in remote["roles"] and "blacklister" not in home["roles"]
    assert home["params"]["outboundLimit"] == str(omni.params.outbound_limit)


def test_verify__names_a_loosened_limit_and_a_changed_peer(omni: Omnichain, governance: Any) -> None:
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    remote.chain.transact(oft.functions.setRateLimits(EID_ARBITRUM, 9 * UNIT, 3600, omni.params.inbound_limit,
                                                      omni.params.window), sender=governance.address)
    remote.chain.transact(oft.functions.setPeer(EID_ARBITRUM, bytes(31) + b"\x01"), sender=governance.address)
    problems = verify_omnichain(omni)
    assert f"ethereum USDai -> arbitrum: outbound limit is {9 * UNIT} per 3600 s, not {omni.params.outbound_limit} per 86400 s" in problems
    assert "ethereum USDai -> arbitrum: peer is not arbitrum's USDai" in problems
    assert len(problems) == 2


def test_usdai_round_trip__exact_amounts__dust_stays_with_the_sender(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, bob: Any
) -> None:
    mint_usdai(alice, 5_000 * 10**6)
    amount = 1_234 * UNIT + 567 * DUST + 89  # 89 units under the shared-decimals step
    bridge("USDai", alice, amount, EID_ETHEREUM, recipient=bob)
    # Locked at once; nothing minted until the packet is verified and delivered.
    assert _balance(omni, EID_ARBITRUM, "USDai", alice) == 5_000 * UNIT - (amount - 89)
    assert locked_and_supply(omni, "USDai") == (amount - 89, 0)

    [delivery] = relayer.step()
    assert delivery.outcome == "delivered" and delivery.route == "30110->30101"
    assert _balance(omni, EID_ETHEREUM, "USDai", bob) == amount - 89
    assert locked_and_supply(omni, "USDai") == (amount - 89, amount - 89)

    back = 1_000 * UNIT
    bridge("USDai", bob, back, EID_ARBITRUM, recipient=alice)
    assert locked_and_supply(omni, "USDai") == (amount - 89, amount - 89 - back)  # burned, not yet released
    [delivery] = relayer.step()
    assert delivery.outcome == "delivered" and delivery.route == "30101->30110"
    assert _balance(omni, EID_ARBITRUM, "USDai", alice) == 5_000 * UNIT - (amount - 89) + back
    assert locked_and_supply(omni, "USDai") == (amount - 89 - back, amount - 89 - back)


def test_susdai__bridges_as_shares(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], stake: Callable[..., int], suite: Any, alice: Any
) -> None:
    shares = stake(alice, 10_000 * UNIT)
    sent = shares - shares % DUST
    bridge("sUSDai", alice, shares, EID_ETHEREUM)
    relayer.step()
    assert _balance(omni, EID_ETHEREUM, "sUSDai", alice) == sent
    assert suite.vault.balanceOf(alice) == shares - sent
    assert locked_and_supply(omni, "sUSDai") == (sent, sent)


def test_send__below_the_minimum_after_dust__refused(
    omni: Omnichain, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int], alice: Any
) -> None:
    mint_usdai(alice, 10 * 10**6)
    with refused("SlippageExceeded", 5 * UNIT, 5 * UNIT + 1):
        bridge("USDai", alice, 5 * UNIT + 1, EID_ETHEREUM, min_amount=5 * UNIT + 1)
    assert locked_and_supply(omni, "USDai") == (0, 0)


def test_duplicate_delivery__reverts_and_mints_nothing(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int],
    alice: Any, dvn: Any,
) -> None:
    mint_usdai(alice, 100 * 10**6)
    bridge("USDai", alice, 100 * UNIT, EID_ETHEREUM)
    packet = relayer.poll()[0]
    relayer.deliver(packet)
    remote = omni.remotes[0]
    again = remote.lz.endpoint.functions.lzReceive(packet.origin, packet.receiver, bytes.fromhex(packet.guid[2:]),
                                                   packet.message, b"")
    with refused("LZ_PayloadHashNotFound", bytes(32), packet.payload_hash):  # LayerZero's own error
        remote.chain.transact(again, sender=dvn.address)
    # The relayer itself never sends it again: it reads the endpoint first.
    assert relayer.deliver(packet).outcome == "already delivered"
    assert locked_and_supply(omni, "USDai") == (100 * UNIT, 100 * UNIT)


# ---------------------------------------------------------------- rate limits


def test_outbound_limit__send_refused_with_the_room_left__nothing_debited(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int],
    alice: Any, governance: Any,
) -> None:
    box = omni.home.oapps["USDai"]
    omni.home.chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 1_000 * UNIT, 3600, 1_000 * UNIT, 3600),
                             sender=governance.address)
    mint_usdai(alice, 2_000 * 10**6)
    bridge("USDai", alice, 600 * UNIT, EID_ETHEREUM)
    with refused("RateLimitExceeded", EID_ETHEREUM, True, 500 * UNIT, 400 * UNIT):
        bridge("USDai", alice, 500 * UNIT, EID_ETHEREUM)
    assert _balance(omni, EID_ARBITRUM, "USDai", alice) == 1_400 * UNIT
    assert locked_and_supply(omni, "USDai") == (600 * UNIT, 0)
    # Half a window later half the limit has drained.
    omni.home.chain.warp(1800)
    assert box.functions.availableToMove(EID_ETHEREUM, True).call() == 900 * UNIT
    bridge("USDai", alice, 500 * UNIT, EID_ETHEREUM)


def test_inbound_limit__delivery_held_at_the_endpoint_then_delivered(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any,
    governance: Any,
) -> None:
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    remote.chain.transact(oft.functions.setRateLimits(EID_ARBITRUM, 10**6 * UNIT, 3600, 300 * UNIT, 3600),
                          sender=governance.address)
    mint_usdai(alice, 400 * 10**6)
    bridge("USDai", alice, 200 * UNIT, EID_ETHEREUM)
    bridge("USDai", alice, 200 * UNIT, EID_ETHEREUM)
    first, second = relayer.step()
    assert first.outcome == "delivered" and second.outcome == "refused"
    assert (second.error_name, second.error_args) == ("RateLimitExceeded", (EID_ARBITRUM, False, 200 * UNIT, 100 * UNIT))
    # Held: verified at the endpoint, nothing minted, the tokens still locked at home.
    packet = next(iter(relayer.pending.values()))
    assert relayer.status(packet) == "committed"
    assert locked_and_supply(omni, "USDai") == (400 * UNIT, 200 * UNIT)
    remote.chain.warp(1200)  # a third of the window drains 100 more
    [delivery] = relayer.step()
    assert delivery.outcome == "delivered"
    assert locked_and_supply(omni, "USDai") == (400 * UNIT, 400 * UNIT)


def test_verify__inbound_limit_under_the_peers_outbound_limit__named(omni: Omnichain, governance: Any) -> None:
    """A message larger than the destination's inbound limit could never be delivered: each inbound limit
    must be at least the sending side's outbound limit."""
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    p = omni.params
    remote.chain.transact(oft.functions.setRateLimits(EID_ARBITRUM, p.outbound_limit, p.window, p.outbound_limit - 1,
                                                      p.window), sender=governance.address)
    problems = verify_omnichain(omni)
    assert (f"ethereum USDai -> arbitrum: inbound limit {p.outbound_limit - 1} is under arbitrum's outbound limit "
            f"{p.outbound_limit}: a message that fits there could never be delivered here") in problems


def test_set_rate_limits__owner_only_and_bounded(omni: Omnichain, refused: Any, alice: Any, governance: Any) -> None:
    box, chain = omni.home.oapps["USDai"], omni.home.chain
    with refused("OwnableUnauthorizedAccount", alice.address):
        chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 1, 3600, 1, 3600), sender=alice.address)
    with refused("ParameterOutOfRange", "window", 59, 60, 30 * 86_400):
        chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 1, 59, 1, 3600), sender=governance.address)
    with refused("ParameterOutOfRange", "window", 30 * 86_400 + 1, 60, 30 * 86_400):
        chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 1, 3600, 1, 30 * 86_400 + 1), sender=governance.address)


def test_unconfigured_route__moves_nothing(
    omni: Omnichain, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int], alice: Any, governance: Any
) -> None:
    """A peer without limits is closed (fail closed): a limit of 0 refuses every amount."""
    box = omni.home.oapps["USDai"]
    omni.home.chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 0, 3600, 0, 3600), sender=governance.address)
    mint_usdai(alice, 10 * 10**6)
    with refused("RateLimitExceeded", EID_ETHEREUM, True, 10 * UNIT, 0):
        bridge("USDai", alice, 10 * UNIT, EID_ETHEREUM)


# ---------------------------------------------------------------- pause and blacklists


def test_pause__send_refused__delivery_held_until_unpaused(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int],
    alice: Any, pauser: Any, governance: Any,
) -> None:
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    with refused("CallerNotPauser", alice.address):
        remote.chain.transact(oft.functions.pause(), sender=alice.address)
    mint_usdai(alice, 100 * 10**6)
    bridge("USDai", alice, 100 * UNIT, EID_ETHEREUM)
    remote.chain.transact(oft.functions.pause(), sender=pauser.address)
    [delivery] = relayer.step()
    assert (delivery.outcome, delivery.error_name) == ("refused", "EnforcedPause")
    with refused("OwnableUnauthorizedAccount", pauser.address):
        remote.chain.transact(oft.functions.unpause(), sender=pauser.address)
    remote.chain.transact(oft.functions.unpause(), sender=governance.address)
    assert [d.outcome for d in relayer.step()] == ["delivered"]
    # The home lockbox paused: a send is refused before anything moves.
    box = omni.home.oapps["USDai"]
    omni.home.chain.transact(box.functions.pause(), sender=pauser.address)
    mint_usdai(alice, 5 * 10**6)
    with refused("EnforcedPause"):
        bridge("USDai", alice, 5 * UNIT, EID_ETHEREUM)
    assert _balance(omni, EID_ARBITRUM, "USDai", alice) == 5 * UNIT


def test_blacklisted_recipient_on_the_remote__held_then_delivered_when_cleared(
    omni: Omnichain, relayer: Relayer, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, bob: Any,
    blacklister: Any,
) -> None:
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    remote.chain.transact(oft.functions.setBlacklisted(bob.address, True), sender=blacklister.address)
    mint_usdai(alice, 100 * 10**6)
    bridge("USDai", alice, 100 * UNIT, EID_ETHEREUM, recipient=bob)
    [delivery] = relayer.step()
    assert (delivery.outcome, delivery.error_name, delivery.error_args) == ("refused", "AccountBlacklisted", (bob.address,))
    assert locked_and_supply(omni, "USDai") == (100 * UNIT, 0)  # held: locked at home, verified at the endpoint
    remote.chain.transact(oft.functions.setBlacklisted(bob.address, False), sender=blacklister.address)
    assert [d.outcome for d in relayer.step()] == ["delivered"]
    assert _balance(omni, EID_ETHEREUM, "USDai", bob) == 100 * UNIT


def test_blacklisted_sender_on_the_remote__cannot_send_or_transfer(
    omni: Omnichain, fund_remote: Callable[..., None], relayer: Relayer, bridge: Callable[..., Any], refused: Any,
    alice: Any, bob: Any, blacklister: Any,
) -> None:
    fund_remote(relayer, alice, 100 * UNIT)
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    remote.chain.transact(oft.functions.setBlacklisted(alice.address, True), sender=blacklister.address)
    with refused("AccountBlacklisted", alice.address):
        bridge("USDai", alice, 10 * UNIT, EID_ARBITRUM)
    with refused("AccountBlacklisted", alice.address):
        remote.chain.transact(oft.functions.transfer(bob.address, UNIT), sender=alice.address)
    with refused("CallerNotBlacklister", alice.address):
        remote.chain.transact(oft.functions.setBlacklisted(bob.address, True), sender=alice.address)


def test_blacklisted_recipient_at_home__usdai_refuses_the_release__held(
    omni: Omnichain, fund_remote: Callable[..., None], relayer: Relayer, bridge: Callable[..., Any], suite: Any,
    alice: Any, bob: Any, blacklister: Any,
) -> None:
    fund_remote(relayer, alice, 100 * UNIT)
    suite.usdai.setBlacklisted(bob, True, sender=blacklister)
    bridge("USDai", alice, 40 * UNIT, EID_ARBITRUM, recipient=bob)
    [delivery] = relayer.step()
    assert (delivery.outcome, delivery.error_name, delivery.error_args) == ("refused", "AccountBlacklisted", (bob.address,))
    assert locked_and_supply(omni, "USDai") == (100 * UNIT, 60 * UNIT)  # burned there, still locked here
    suite.usdai.setBlacklisted(bob, False, sender=blacklister)
    assert [d.outcome for d in relayer.step()] == ["delivered"]
    assert suite.usdai.balanceOf(bob) == 40 * UNIT


def test_params__out_of_range_refused_before_any_transaction() -> None:
    for bad, message in (
        (OmniParams(window=59), "window 59 s"),
        (OmniParams(outbound_limit=2**96), "outbound_limit"),
        (OmniParams(lz_receive_gas=10_000), "lz_receive_gas 10000"),
        (OmniParams(inbound_limit=10, outbound_limit=11), "inbound_limit 10 is under outbound_limit 11"),
    ):
        try:
            bad.check()
        except ValueError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{bad} passed")


def test_send_of_dust_only__refused__nothing_moves(
    omni: Omnichain, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int], alice: Any
) -> None:
    """Under one shared-decimals step nothing would arrive: refused, not a message carrying 0 (which would
    also pass a route closed with a limit of 0)."""
    mint_usdai(alice, 1 * 10**6)
    with refused("SendAmountZero", DUST - 1):
        bridge("USDai", alice, DUST - 1, EID_ETHEREUM, min_amount=0)
    assert locked_and_supply(omni, "USDai") == (0, 0)


def test_lockbox_paused__release_at_home_held_until_unpaused(
    omni: Omnichain, fund_remote: Callable[..., None], relayer: Relayer, bridge: Callable[..., Any], alice: Any,
    pauser: Any, governance: Any,
) -> None:
    fund_remote(relayer, alice, 100 * UNIT)
    box = omni.home.oapps["USDai"]
    omni.home.chain.transact(box.functions.pause(), sender=pauser.address)
    bridge("USDai", alice, 30 * UNIT, EID_ARBITRUM)
    [delivery] = relayer.step()
    assert (delivery.outcome, delivery.error_name) == ("refused", "EnforcedPause")
    assert locked_and_supply(omni, "USDai") == (100 * UNIT, 70 * UNIT)
    omni.home.chain.transact(box.functions.unpause(), sender=governance.address)
    assert [d.outcome for d in relayer.step()] == ["delivered"]
    assert locked_and_supply(omni, "USDai") == (70 * UNIT, 70 * UNIT)


def test_blacklisted_operator__cannot_spend_an_allowance(
    omni: Omnichain, fund_remote: Callable[..., None], relayer: Relayer, refused: Any,
    alice: Any, bob: Any, carol: Any, blacklister: Any,
) -> None:
    fund_remote(relayer, alice, 10 * UNIT)
    remote = omni.remotes[0]
    oft = remote.oapps["USDai"]
    remote.chain.transact(oft.functions.approve(bob.address, UNIT), sender=alice.address)
    remote.chain.transact(oft.functions.setBlacklisted(bob.address, True), sender=blacklister.address)
    with refused("AccountBlacklisted", bob.address):
        remote.chain.transact(oft.functions.transferFrom(alice.address, carol.address, UNIT), sender=bob.address)


def test_governance_setters__owner_only__initializers_locked(
    omni: Omnichain, refused: Any, alice: Any, governance: Any
) -> None:
    remote = omni.remotes[0]
    oft, box = remote.oapps["USDai"], omni.home.oapps["USDai"]
    for chain, call in (
        (remote.chain, oft.functions.setPeer(EID_ARBITRUM, bytes(32))),
        (remote.chain, oft.functions.setPauser(alice.address)),
        (remote.chain, oft.functions.setBlacklister(alice.address)),
        (remote.chain, oft.functions.setDelegate(alice.address)),
        (omni.home.chain, box.functions.setEnforcedOptions([])),
        (omni.home.chain, box.functions.transferOwnership(alice.address)),
    ):
        with refused("OwnableUnauthorizedAccount", alice.address):
            chain.transact(call, sender=alice.address)
    with refused("InvalidInitialization"):
        remote.chain.transact(oft.functions.initialize("x", "x", alice.address, alice.address, alice.address),
                              sender=alice.address)
    implementation = remote.chain.contract("OmniToken", remote.implementations["USDai"])
    with refused("InvalidInitialization"):
        remote.chain.transact(implementation.functions.initialize("x", "x", alice.address, alice.address, alice.address),
                              sender=alice.address)


def test_rate_limit_reset__keeps_what_is_in_flight__a_lower_limit_closes_the_route(
    omni: Omnichain, bridge: Callable[..., Any], refused: Any, mint_usdai: Callable[..., int], alice: Any,
    governance: Any,
) -> None:
    box, chain = omni.home.oapps["USDai"], omni.home.chain
    chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 1_000 * UNIT, 3600, 1_000 * UNIT, 3600), sender=governance.address)
    mint_usdai(alice, 1_000 * 10**6)
    bridge("USDai", alice, 600 * UNIT, EID_ETHEREUM)
    chain.warp(1800)  # 500 drained: 100 still counted
    chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 200 * UNIT, 7200, 1_000 * UNIT, 3600), sender=governance.address)
    limit, window, in_flight, _ = box.functions.rateLimit(EID_ETHEREUM, True).call()
    assert (limit, window, in_flight) == (200 * UNIT, 7200, 100 * UNIT)
    assert box.functions.availableToMove(EID_ETHEREUM, True).call() == 100 * UNIT
    # A limit under what is in flight: nothing moves until it drains (at the new pace: 50 an hour at 200/2 h).
    chain.transact(box.functions.setRateLimits(EID_ETHEREUM, 50 * UNIT, 3600, 1_000 * UNIT, 3600), sender=governance.address)
    with refused("RateLimitExceeded", EID_ETHEREUM, True, UNIT, 0):
        bridge("USDai", alice, UNIT, EID_ETHEREUM)
    chain.warp(3600)  # 50 drained: 50 in flight, room 0; another half hour: room 25
    chain.warp(1800)
    assert box.functions.availableToMove(EID_ETHEREUM, True).call() == 25 * UNIT


def test_send_tokens__zero_address_refused_before_any_transaction(omni: Omnichain, alice: Any) -> None:
    before = omni.home.chain.w3.eth.get_transaction_count(alice.address)
    with pytest.raises(ValueError, match="zero address"):
        send_tokens(omni.home, "USDai", alice.address, UNIT, EID_ETHEREUM, recipient="0x" + "00" * 20)
    assert omni.home.chain.w3.eth.get_transaction_count(alice.address) == before


@pytest.mark.parametrize("where", ["home", "remote"])
def test_ownership__two_steps__the_delegate_follows__never_renounced(
    omni: Omnichain, refused: Any, alice: Any, bob: Any, governance: Any, where: str
) -> None:
    """A mistyped new owner takes nothing; only the named one accepts, and then also holds the endpoint
    delegation (LayerZero's configuration), so owner and delegate cannot drift apart; no one, the owner
    included, can leave an OApp without an owner (nothing could then unpause it)."""
    part = omni.home if where == "home" else omni.remotes[0]
    oapp, chain, endpoint = part.oapps["USDai"], part.chain, part.lz.endpoint
    chain.transact(oapp.functions.transferOwnership(alice.address), sender=governance.address)
    assert oapp.functions.pendingOwner().call() == alice.address
    assert oapp.functions.owner().call() == governance.address  # nothing moved yet
    with refused("OwnableUnauthorizedAccount", bob.address):
        chain.transact(oapp.functions.acceptOwnership(), sender=bob.address)
    chain.transact(oapp.functions.transferOwnership(bob.address), sender=governance.address)  # replaces alice
    with refused("OwnableUnauthorizedAccount", alice.address):
        chain.transact(oapp.functions.acceptOwnership(), sender=alice.address)
    chain.transact(oapp.functions.acceptOwnership(), sender=bob.address)
    assert oapp.functions.owner().call() == bob.address
    assert endpoint.functions.delegates(oapp.address).call() == bob.address
    assert oapp.functions.pendingOwner().call() == "0x" + "00" * 20
    assert any(p.startswith(f"{chain.name} USDai: owner is {bob.address}, not {governance.address}")
               for p in verify_omnichain(omni))
    for caller in (bob, governance):
        with refused("OwnershipNotRenounceable"):
            chain.transact(oapp.functions.renounceOwnership(), sender=caller.address)
    chain.transact(oapp.functions.setPauser(alice.address), sender=bob.address)  # the new owner governs
