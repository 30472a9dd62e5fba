"""The relayer stopped at any point and started again from its state file: no packet lost, none delivered
twice, whatever step it was in."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts._suite.layerzero import EID_ETHEREUM, Packet, address_to_bytes32, lz_receive_option
from scripts._suite.omnichain import Omnichain, locked_and_supply, stake_from

UNIT = 10**18


def test_stopped_mid_flight_then_restarted__every_packet_delivered_once(
    omni: Omnichain, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, tmp_path: Path
) -> None:
    state = tmp_path / "relayer.json"
    first = omni.relayer(state)
    mint_usdai(alice, 700 * 10**6)
    for amount in (100, 200, 300):
        bridge("USDai", alice, amount * UNIT, EID_ETHEREUM)
    packets = sorted(first.poll(), key=lambda p: p.nonce)
    assert len(packets) == 3
    first.deliver(packets[0])  # delivered
    first.verify(packets[1])  # verified and committed, not delivered
    del first  # stopped: packet 3 read but not touched

    saved = json.loads(state.read_text())
    assert sorted(saved["pending"]) == sorted(p.guid for p in packets[1:])
    bridge("USDai", alice, 100 * UNIT, EID_ETHEREUM)  # more traffic while it is down

    second = omni.relayer(state)
    outcomes = second.step()
    assert [d.outcome for d in outcomes] == ["delivered", "delivered", "delivered"]
    assert "verify" not in outcomes[0].gas  # packet 2 was committed before the stop: not verified again
    assert {"verify", "commit", "lzReceive"} <= set(outcomes[1].gas)
    assert not second.pending
    remote = omni.remotes[0]
    assert remote.oapps["USDai"].functions.balanceOf(alice.address).call() == 700 * UNIT
    assert locked_and_supply(omni, "USDai") == (700 * UNIT, 700 * UNIT)


def test_stopped_after_delivering_before_saving__not_delivered_again(
    omni: Omnichain, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, tmp_path: Path
) -> None:
    """The worst moment to stop: the delivery is mined but the state file still says pending. The restarted
    relayer reads the endpoint (payload hash cleared, lazy nonce past it) and records it as delivered."""
    state = tmp_path / "relayer.json"
    relayer = omni.relayer(state)
    mint_usdai(alice, 100 * 10**6)
    bridge("USDai", alice, 100 * UNIT, EID_ETHEREUM)
    relayer.poll()
    before_delivery = tmp_path / "before.json"
    shutil.copy(state, before_delivery)
    assert [d.outcome for d in relayer.step()] == ["delivered"]
    shutil.copy(before_delivery, state)  # as if it died before writing

    restarted = omni.relayer(state)
    assert [d.outcome for d in restarted.step()] == ["already delivered"]
    assert not restarted.pending
    assert omni.remotes[0].oapps["USDai"].functions.balanceOf(alice.address).call() == 100 * UNIT


def test_stopped_before_reading__packets_sent_meanwhile_are_found(
    omni: Omnichain, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, tmp_path: Path
) -> None:
    state = tmp_path / "relayer.json"
    omni.relayer(state).save()  # started, read nothing, stopped
    mint_usdai(alice, 50 * 10**6)
    bridge("USDai", alice, 20 * UNIT, EID_ETHEREUM)
    bridge("USDai", alice, 30 * UNIT, EID_ETHEREUM)
    restarted = omni.relayer(state)
    assert [d.outcome for d in restarted.step()] == ["delivered", "delivered"]
    assert locked_and_supply(omni, "USDai") == (50 * UNIT, 50 * UNIT)


def test_a_strangers_packet__ignored__the_queue_keeps_moving(
    omni: Omnichain, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, carol: Any,
    tmp_path: Path, refused: Any,
) -> None:
    """Anyone may call `EndpointV2.send`. A packet from an account that is not the lockbox's peer, aimed at
    the remote OFT, can never be committed (the OFT refuses the path). The relayer used to pick up every
    `PacketSent`, crash on it in every pass and deliver nothing more; it now serves its own routes only."""
    relayer = omni.relayer(tmp_path / "relayer.json")
    home, remote = omni.home, omni.remotes[0]
    oft = remote.oapps["USDai"]
    stranger = (EID_ETHEREUM, address_to_bytes32(oft.address), b"\x00" * 40, lz_receive_option(100_000), False)
    home.chain.transact(home.lz.endpoint.functions.send(stranger, carol.address), sender=carol.address)
    mint_usdai(alice, 10 * 10**6)
    bridge("USDai", alice, 10 * UNIT, EID_ETHEREUM)
    [delivery] = relayer.step()
    assert delivery.outcome == "delivered" and not relayer.pending
    assert oft.functions.balanceOf(alice.address).call() == 10 * UNIT
    # What the old relayer hit: the path cannot be initialised, so the packet cannot even be committed.
    logs = home.lz.endpoint.events.PacketSent().get_logs(from_block=home.lz.deployed_at)
    foreign = next(p for p in (Packet.decode(bytes(log["args"]["encodedPayload"])) for log in logs)
                   if p.sender == "0x" + address_to_bytes32(carol.address).hex())
    remote.chain.transact(remote.lz.receive_lib.functions.verify(foreign.header, foreign.payload_hash, 1),
                          sender=remote.lz.dvn)
    with refused("LZ_PathNotInitializable"):
        remote.chain.transact(remote.lz.receive_lib.functions.commitVerification(foreign.header, foreign.payload_hash),
                              sender=remote.lz.dvn)


def test_stopped_between_delivery_and_compose__the_compose_is_found_and_delivered_once(
    omni: Omnichain, bridge: Callable[..., Any], mint_usdai: Callable[..., int], alice: Any, tmp_path: Path
) -> None:
    """A stake from the remote: the relayer delivers the USDai home (the lockbox queues the compose at the
    endpoint), then stops before `lzCompose`. Restarted from its file, it finds the queued compose in the
    endpoint's logs, delivers it once, and the shares go back."""
    state = tmp_path / "relayer.json"
    first = omni.relayer(state)
    mint_usdai(alice, 100 * 10**6)
    bridge("USDai", alice, 100 * UNIT, EID_ETHEREUM)
    first.step()
    stake_from(omni, omni.remotes[0], alice.address, 100 * UNIT)
    [packet] = first.poll()
    assert first.deliver(packet).outcome == "delivered"
    del first  # stopped: the compose is queued at the endpoint, nothing here knows it yet

    second = omni.relayer(state)
    outcomes = [(d.route, d.outcome) for d in second.step()]
    assert outcomes == [(f"compose {omni.home.eid}", "delivered")]
    assert [d.outcome for d in second.step()] == ["delivered"]  # the shares, home to the remote
    assert not second.composes and not second.pending
    assert omni.remotes[0].oapps["sUSDai"].functions.balanceOf(alice.address).call() > 0
    assert [d.outcome for d in second.step()] == []  # nothing delivered twice
