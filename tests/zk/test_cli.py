"""`python -m zk`: JSON on stdout, exit 0 when accepted, 1 when refused, 2 on usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from click.testing import CliRunner

from zk.__main__ import cli
from zk.curve import H
from zk.vectors import DEFAULT_PATH

CTX_ARGS = [
    "--chain-id", "42161",
    "--auction", "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "--bidder", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "--cycle-id", "3",
    "--ticket-id", "7",
]  # fmt: skip


def _run(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(cli, list(args))
    try:
        payload = json.loads(result.output)
    except json.JSONDecodeError:
        payload = result.output
    return result.exit_code, payload


def test_cli__commit_prove_verify_open__round_trip() -> None:
    code, committed = _run("commit", "--fee", "250")
    assert code == 0
    x, y = committed["commitment"]
    r = committed["blinding"]
    code, proved = _run("prove", "--fee", "250", "--blinding", r, "--tier", "9", *CTX_ARGS)
    assert code == 0
    assert proved["commitment"] == [x, y]
    code, verified = _run(
        "verify", "--commitment", x, y, "--tier", "9", "--proof", proved["proof"], *CTX_ARGS
    )
    assert (code, verified["valid"], verified["ctx"]) == (0, True, proved["ctx"])
    code, by_ctx = _run(
        "verify", "--commitment", x, y, "--tier", "9", "--proof", proved["proof"], "--ctx", proved["ctx"]
    )
    assert (code, by_ctx["valid"]) == (0, True)
    code, opened = _run("open", "--commitment", x, y, "--fee", "250", "--blinding", r)
    assert (code, opened["valid"]) == (0, True)


def test_cli__verify_other_ticket__exit_one() -> None:
    _, committed = _run("commit", "--fee", "3", "--blinding", "12345")
    x, y = committed["commitment"]
    _, proved = _run("prove", "--fee", "3", "--blinding", "12345", "--tier", "4", *CTX_ARGS)
    other = [*CTX_ARGS[:-1], "8"]
    code, verified = _run("verify", "--commitment", x, y, "--tier", "4", "--proof", proved["proof"], *other)
    assert (code, verified["valid"]) == (1, False)


def test_cli__open_wrong_fee__exit_one() -> None:
    _, committed = _run("commit", "--fee", "3", "--blinding", "0x99")
    x, y = committed["commitment"]
    code, opened = _run("open", "--commitment", x, y, "--fee", "4", "--blinding", "0x99")
    assert (code, opened["valid"]) == (1, False)


def test_cli__prove_fee_out_of_range__usage_error() -> None:
    code, _ = _run("prove", "--fee", "16", "--blinding", "5", "--tier", "4", *CTX_ARGS)
    assert code == 2


def test_cli__prove_without_context__usage_error() -> None:
    code, _ = _run("prove", "--fee", "1", "--blinding", "5", "--tier", "4")
    assert code == 2


def test_cli__vectors_check__up_to_date() -> None:
    code, payload = _run("vectors", "--check", str(DEFAULT_PATH))
    assert (code, payload["up_to_date"]) == (0, True)


def test_cli__module_entry_point__prints_params() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "zk", "params"], check=True, capture_output=True, text=True
    ).stdout
    assert [int(w, 16) for w in json.loads(out)["H"]] == list(H)
