"""Plain-text tables and amounts for the demo and the benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def fmt_units(amount: int, decimals: int, places: int = 4) -> str:
    """`amount` base units as a decimal string with `places` digits (truncated, never rounded up)."""
    sign = "-" if int(amount) < 0 else ""
    whole, frac = divmod(abs(int(amount)), 10**decimals)
    frac_str = str(frac).rjust(decimals, "0")[:places]
    return f"{sign}{whole:,}.{frac_str}" if places else f"{sign}{whole:,}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (readable in a terminal too)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


class StepLog:
    """Collects (step, gas) pairs of the transactions a demo sends."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int]] = []

    def tx(self, label: str, receipt: Any) -> Any:
        self.rows.append((label, int(receipt.gas_used)))
        return receipt

    def render(self) -> str:
        return table(["step", "gas used"], [(label, f"{gas:,}") for label, gas in self.rows])
