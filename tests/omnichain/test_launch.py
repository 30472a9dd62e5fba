"""The omnichain launch: `ape run omnichain deploy|verify|relay` on the two test chains (journaled per
chain, resumable, a rerun sends nothing), and the path of live chains, where LayerZero's own endpoint is
used and every transaction is signed by the deployer's key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ape
import click
import pytest
from eth_account import Account
from web3.logs import DISCARD

from scripts import omnichain as omni_cli
from scripts._suite.journal import Journal
from scripts._suite.layerzero import (
    EID_ARBITRUM,
    EID_ETHEREUM,
    EvmChain,
    address_to_bytes32,
    external_layerzero,
)
from scripts._suite.omnichain import (
    UNIT,
    Omnichain,
    accept_ownership,
    deploy_omnichain,
    send_tokens,
    verify_omnichain,
)
from scripts._suite.omnilaunch import MAINNET_ENDPOINT, existing_endpoint, paths
from scripts._suite.omnilaunch import load as load_launch

# Steps of a launch from nothing on two local chains: per chain, LayerZero (4 deployments, 2 library
# registrations, 5 settings toward the peer), two OApps (implementation and proxy each), 3 settings per
# token and peer, and the hand-over (delegate and owner per token); plus the composer at home.
STEPS = 2 * (4 + 2 + 5) + 2 * 4 + 1 + 2 * 2 * 3 + 2 * 2 * 2


def _suite_manifest(tmp_path: Path, suite: Any, governance: Any) -> Path:
    path = tmp_path / "local.json"
    path.write_text(json.dumps({
        "governance": governance.address,
        "contracts": {"USDai": suite.usdai.address, "sUSDai": suite.vault.address},
    }))
    return path


def _url(chain: EvmChain) -> str:
    return str(chain.w3.provider.endpoint_uri)  # type: ignore[attr-defined]


def run(command: str, **options: Any) -> None:
    """`ape run omnichain <command>` with these options (the command's callback, on the test chains)."""
    defaults: dict[str, Any] = {
        "deploy": dict(owner=None, pauser=None, blacklister=None, dvn=None, limit=5_000_000, window=86_400,
                       lz_receive_gas=200_000, lz_compose_gas=800_000, yes=True, stop_after=None),
        "verify": {},
        "relay": dict(state=None, once=True),
        "accept": {},
        "send": dict(token="USDai", recipient=None, dry_run=False),
        "stake": dict(min_shares="0", dry_run=False),
    }[command]
    omni_cli.cli.commands[command].callback(**{**defaults, **options})


def nonces(address: str, *chains: EvmChain) -> list[int]:
    return [int(c.w3.eth.get_transaction_count(address)) for c in chains]


def test_cli__stopped_launch_resumes__rerun_sends_nothing__verify__relay(
    suite, deployer, governance, home_chain, remote_chain, tmp_path, capsys, mint_usdai
):
    manifest = _suite_manifest(tmp_path, suite, governance)
    common = dict(account=deployer, remotes=(_url(remote_chain),), manifest=manifest, out=tmp_path)

    with pytest.raises(click.ClickException, match=r"stopped after 3 steps \(--stop-after\); run the same command again"):
        run("deploy", **common, stop_after=3)
    home_journal = paths(tmp_path, "local", home_chain)[1]
    steps = json.loads(home_journal.read_text())["steps"]
    assert list(steps) == ["lz.endpoint", "lz.sendUln302", "lz.receiveUln302"]

    # The process then died while the next creation was in flight: the journal says pending, the chain has it.
    journal = Journal.open(home_journal, json.loads(home_journal.read_text())["header"])
    nonce = nonces(deployer.address, home_chain)[0]
    journal.mark("lz.localWorker", status="pending", nonce=nonce)
    in_flight = deployer.deploy(ape.project.LocalLzWorker)

    # A second run stops on the other chain; a third finishes.
    with pytest.raises(click.ClickException, match="stopped after 20 steps"):
        run("deploy", **common, stop_after=20)
    capsys.readouterr()
    run("deploy", **common)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"resumed: {STEPS - 3 - 1 - 20} transactions on 2 chains"
    # Two-step ownership: until governance accepts, the deployer owns the OApps and verify says so.
    assert out[3].startswith(f"ownership of 4 OApps waits for {governance.address} to accept: `ape run omnichain accept")
    assert out[4] == "verify:" and len(out) == 9
    assert out[5].startswith(f"MISMATCH arbitrum USDai: owner is {deployer.address}, not {governance.address}; ")
    run("accept", account=governance, remotes=common["remotes"], manifest=manifest, out=tmp_path)
    assert capsys.readouterr().out == "accepted: 4 OApps (arbitrum USDai, arbitrum sUSDai, ethereum USDai, ethereum sUSDai)\n"
    with pytest.raises(click.ClickException, match=f"^{deployer.address} is not the launch's owner {governance.address}$"):
        run("accept", account=deployer, remotes=common["remotes"], manifest=manifest, out=tmp_path)
    journals = {c.name: json.loads(paths(tmp_path, "local", c)[1].read_text())["steps"] for c in (home_chain, remote_chain)}
    assert journals["arbitrum"]["lz.localWorker"]["address"] == in_flight.address  # not deployed twice
    sent = [s for j in journals.values() for s in j.values() if s.get("tx")]
    assert len(sent) == STEPS - 1  # the in-flight creation was taken from the chain
    home_manifest = json.loads(paths(tmp_path, "local", home_chain)[0].read_text())
    assert home_manifest["contracts"]["lzLocalWorker"] == in_flight.address
    assert home_manifest["roles"] == {"owner": governance.address, "pauser": governance.address, "lzDvn": deployer.address}

    # A transaction mined just before a crash (journal: pending) is settled from the chain, not sent again.
    remote_journal = paths(tmp_path, "local", remote_chain)[1]
    data = json.loads(remote_journal.read_text())
    data["steps"]["sUSDai.30110.rateLimits"] = {"status": "pending", "nonce": 0}
    del data["steps"]["complete"]
    remote_journal.write_text(json.dumps(data))
    before = nonces(deployer.address, home_chain, remote_chain)
    run("deploy", **common)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "nothing to do: every step of this launch is done" and out[-1] == "verify: ok"
    assert nonces(deployer.address, home_chain, remote_chain) == before

    # Other inputs against these journals are refused, naming what differs.
    with pytest.raises(click.ClickException, match=r"belongs to another deployment \(params: journal"):
        run("deploy", **common, limit=1_000)

    # verify: ok, then a loosened limit named.
    def verify() -> int:
        try:
            run("verify", remotes=common["remotes"], manifest=manifest, out=tmp_path)
        except SystemExit as exit_:  # Ape's test runner ends the session on a SystemExit: keep it here
            return int(exit_.code or 0)
        return 0

    assert verify() == 0 and capsys.readouterr().out == "ok: 2 chains, 4 routes (peers, enforced options, limits, roles, composer)\n"
    launched = load_launch(ape.project, home_chain, [remote_chain], tmp_path, "local")
    oft = launched.remotes[0].oapps["USDai"]
    remote_chain.transact(oft.functions.setRateLimits(EID_ARBITRUM, 7 * UNIT, 3_600, 5_000_000 * UNIT, 86_400),
                          sender=governance.address)
    assert verify() == 1
    assert capsys.readouterr().out.splitlines() == [
        f"MISMATCH ethereum USDai -> arbitrum: outbound limit is {7 * UNIT} per 3600 s, not {5_000_000 * UNIT} per 86400 s"
    ]

    # relay: a holder's send is delivered by one pass.
    holder = ape.accounts.test_accounts[4]
    mint_usdai(holder, 10 * 10**6)
    send_tokens(launched.home, "USDai", holder.address, 10 * UNIT, EID_ETHEREUM)
    run("relay", remotes=common["remotes"], manifest=manifest, out=tmp_path)
    assert capsys.readouterr().out == f"{EID_ARBITRUM}->{EID_ETHEREUM}: delivered\n"
    assert oft.functions.balanceOf(holder.address).call() == 10 * UNIT

    # A holder's commands: a quote (dry run, nothing sent), a send home, a stake from the other chain.
    holding = dict(account=holder, remotes=common["remotes"], manifest=manifest, out=tmp_path)
    before = nonces(holder.address, home_chain, remote_chain)
    run("send", **holding, amount="3.0000000000005", source="ethereum", destination="arbitrum", dry_run=True)
    assert capsys.readouterr().out == (
        f"3.000000 USDai ethereum -> arbitrum to {holder.address} (0.000000000000500000 of dust under the shared "
        "decimals stays with you); LayerZero fee 0.000000 native on ethereum\n"
    )
    assert nonces(holder.address, home_chain, remote_chain) == before
    run("send", **holding, amount="3", source="ethereum", destination="arbitrum")
    assert capsys.readouterr().out.splitlines()[-1].startswith("sent in block")
    run("stake", **holding, amount="2", source="ethereum", min_shares="0")
    capsys.readouterr()
    run("relay", remotes=common["remotes"], manifest=manifest, out=tmp_path)
    run("relay", remotes=common["remotes"], manifest=manifest, out=tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        f"{EID_ETHEREUM}->{EID_ARBITRUM}: delivered", f"{EID_ETHEREUM}->{EID_ARBITRUM}: delivered",
        f"compose {EID_ARBITRUM}: delivered", f"{EID_ARBITRUM}->{EID_ETHEREUM}: delivered",
    ]
    assert oft.functions.balanceOf(holder.address).call() == 5 * UNIT
    assert launched.remotes[0].oapps["sUSDai"].functions.balanceOf(holder.address).call() > 0
    with pytest.raises(click.ClickException, match=f"^{holder.address} holds 5.000000 USDai on ethereum, not 1,000.000000$"):
        run("send", **holding, amount="1000", source="ethereum", destination="arbitrum")
    with pytest.raises(click.ClickException, match=r"^no chain 'base' in this launch \(chains: arbitrum, ethereum\)$"):
        run("send", **holding, amount="1", source="arbitrum", destination="base")
    with pytest.raises(click.ClickException, match="^arbitrum is the home chain: deposit in sUSDai there directly$"):
        run("stake", **holding, amount="1", source="arbitrum")
    # What the quote does not see is read before anything is sent: the pause, the rate limit's room.
    before = nonces(holder.address, home_chain, remote_chain)
    remote_chain.transact(oft.functions.pause(), sender=governance.address)
    with pytest.raises(click.ClickException, match="^USDai sends from ethereum are paused$"):
        run("send", **holding, amount="1", source="ethereum", destination="arbitrum")
    remote_chain.transact(oft.functions.unpause(), sender=governance.address)
    # 5 USDai left ethereum for arbitrum within the window (time stands still here): a limit of 6 leaves 1.
    remote_chain.transact(oft.functions.setRateLimits(EID_ARBITRUM, 6 * UNIT, 3_600, 5_000_000 * UNIT, 86_400),
                          sender=governance.address)
    with pytest.raises(click.ClickException, match=r"^the route from ethereum to eid 30110 has room for 1.000000 USDai now \(rate limit\), not 2.000000$"):
        run("send", **holding, amount="2", source="ethereum", destination="arbitrum")
    assert nonces(holder.address, home_chain, remote_chain) == before
    # A node's refusal (no native token for gas) is one line too, not a traceback.
    broke = ape.accounts.test_accounts.generate_test_account()
    remote_chain.transact(oft.functions.transfer(broke.address, UNIT), sender=holder.address)
    with pytest.raises(click.ClickException) as refused_by_node:
        run("send", **{**holding, "account": broke}, amount="0.5", source="ethereum", destination="arbitrum")
    assert "insufficient funds" in refused_by_node.value.message.lower() and "\n" not in refused_by_node.value.message


def test_cli__bad_input_is_one_line__nothing_sent(suite, deployer, governance, remote_chain, tmp_path):
    manifest = _suite_manifest(tmp_path, suite, governance)
    common = dict(account=deployer, remotes=(_url(remote_chain),), manifest=manifest, out=tmp_path)
    before = nonces(deployer.address, remote_chain)
    with pytest.raises(click.ClickException, match="^--pauser '0x12' is not an address$"):
        run("deploy", **common, pauser="0x12")
    with pytest.raises(click.ClickException, match="^window 10 s is outside 60 s to 30 days$"):
        run("deploy", **common, window=10)
    with pytest.raises(click.ClickException, match=r"^no node answers at http://127.0.0.1:1 \("):
        run("deploy", **{**common, "remotes": ("http://127.0.0.1:1",)})
    with pytest.raises(click.ClickException, match="^no omnichain manifest at .*: run `ape run omnichain deploy` first$"):
        run("verify", remotes=common["remotes"], manifest=manifest, out=tmp_path)
    assert nonces(deployer.address, remote_chain) == before and not list(tmp_path.glob("*.omnichain*"))


def test_live_chains__layerzero_endpoint_used__every_transaction_signed(
    omni: Omnichain, suite, governance, pauser, blacklister, home_chain, remote_chain, mint_usdai
):
    """A live chain's launch: LayerZero's endpoint is already there (here: the session's), nothing of
    LayerZero is deployed, and the deployer is a key the nodes do not hold (raw signed transactions)."""
    key = Account.create()
    chains = []
    for c in (home_chain, remote_chain):
        c.w3.eth.send_transaction({"from": ape.accounts.test_accounts[0].address, "to": key.address, "value": 10**19})
        chains.append(EvmChain(c.name, c.w3, c.eid, signers={key.address: lambda tx: bytes(key.sign_transaction(tx).raw_transaction)}))
    home, remote = chains
    endpoints = {EID_ARBITRUM: omni.home.lz.endpoint.address, EID_ETHEREUM: omni.remotes[0].lz.endpoint.address}
    tokens = {"USDai": suite.usdai.address, "sUSDai": suite.vault.address}
    live = deploy_omnichain(ape.project, home, [remote], tokens, deployer=key.address, owner=governance.address,
                            pauser=pauser.address, blacklister=blacklister.address, endpoints=endpoints)
    assert accept_ownership(live) == 4
    # Home: 2 x (implementation, proxy), the composer, 3 settings per token, the hand-over; the other chain
    # the same without the composer.
    assert live.sent == (4 + 1 + 6 + 4) + (4 + 6 + 4) == sum(nonces(key.address, home, remote))
    assert verify_omnichain(live) == []
    assert live.manifest(live.home)["contracts"]["lzEndpoint"] == endpoints[EID_ARBITRUM]
    assert "lzSendUln302" not in live.manifest(live.remotes[0])["contracts"]
    with pytest.raises(ValueError, match="local relayer serves local chains only; arbitrum, ethereum use LayerZero's"):
        live.relayer()
    # The new lockbox sends through the endpoint's default library to its peer: the packet is on its way.
    holder = ape.accounts.test_accounts[4]
    mint_usdai(holder, 10**6)
    receipt = send_tokens(live.home, "USDai", holder.address, UNIT, EID_ETHEREUM)
    sent = live.home.lz.endpoint.events.PacketSent().process_receipt(receipt, errors=DISCARD)
    assert len(sent) == 1 and bytes(sent[0]["args"]["encodedPayload"])[45:81] == (
        EID_ETHEREUM.to_bytes(4, "big") + address_to_bytes32(live.remotes[0].oapps["USDai"].address))
    assert suite.usdai.balanceOf(live.home.oapps["USDai"].address) == UNIT


def test_launch_inputs__owner_not_the_same_account_everywhere__broke_deployer__refused_before_any_transaction(
    suite, deployer, pauser, blacklister, dvn, home_chain, remote_chain
):
    tokens = {"USDai": suite.usdai.address, "sUSDai": suite.vault.address}
    common = dict(pauser=pauser.address, blacklister=blacklister.address,
                  dvns={EID_ARBITRUM: dvn.address, EID_ETHEREUM: dvn.address})
    before = nonces(deployer.address, home_chain, remote_chain)
    # A contract at home with no code on the other chain: whoever deploys there would own its upgrades.
    with pytest.raises(ValueError, match=f"^the owner {suite.usdai.address} is not the same account on every chain "
                                         r"\(arbitrum: \d+ bytes, ethereum: no code\)"):
        deploy_omnichain(ape.project, home_chain, [remote_chain], tokens, deployer=deployer.address,
                         owner=suite.usdai.address, **common)
    with pytest.raises(ValueError, match="^the owner is the zero address$"):
        deploy_omnichain(ape.project, home_chain, [remote_chain], tokens, deployer=deployer.address,
                         owner="0x" + "00" * 20, **common)
    broke = Account.create().address
    with pytest.raises(ValueError, match=f"^arbitrum: the deployer {broke} holds no native token to pay gas$"):
        deploy_omnichain(ape.project, home_chain, [remote_chain], tokens, deployer=broke, owner=deployer.address, **common)
    assert nonces(deployer.address, home_chain, remote_chain) == before


def test_endpoint_checks__refused_before_any_transaction(omni: Omnichain, remote_chain, home_chain):
    with pytest.raises(ValueError, match=r"^ethereum: no LayerZero endpoint at 0x1a44076050125825900e736c501f859c50fE728c; is"):
        existing_endpoint(remote_chain, local=False)
    assert existing_endpoint(remote_chain, local=True) is None  # a plain anvil: LayerZero from npm
    # A fork of a live chain has LayerZero's endpoint at its address: it is used.
    remote_chain.rpc("anvil_setCode", MAINNET_ENDPOINT, remote_chain.rpc("eth_getCode", omni.remotes[0].lz.endpoint.address, "latest"))
    assert existing_endpoint(remote_chain, local=True) == MAINNET_ENDPOINT
    with pytest.raises(ValueError, match=f"^arbitrum: the endpoint at {omni.remotes[0].lz.endpoint.address} is eid 30101, not 30110$"):
        external_layerzero(EvmChain("arbitrum", remote_chain.w3, EID_ARBITRUM), omni.remotes[0].lz.endpoint.address)
    with pytest.raises(ValueError, match="^arbitrum: no contract at the LayerZero endpoint"):
        external_layerzero(home_chain, "0x" + "11" * 20)
