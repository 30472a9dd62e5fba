"""What every CLI asks before it broadcasts."""

from __future__ import annotations

import click


def confirm_live(yes: bool, what: str) -> None:
    """Local and fork chains go ahead; a live network asks first (or takes --yes)."""
    from ape import chain

    network = chain.provider.network
    if network.is_local or network.name.endswith("-fork") or yes:
        return
    click.confirm(f"Broadcast {what} to {network.ecosystem.name}:{network.name}?", abort=True)
