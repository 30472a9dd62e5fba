"""`ape run build`: rebuild every contract reached by a source changed since the last build
(`make compile`). See scripts/_suite/build.py for the rule."""

from __future__ import annotations

import click

from scripts._suite.build import ensure_fresh_build


@click.command()
@click.option("--force", is_flag=True, help="Rebuild every contract, changed or not.")
def cli(force: bool) -> None:
    from ape import project

    if force:
        (project.path / ".build" / "sources.json").unlink(missing_ok=True)
    rebuilt = ensure_fresh_build(project, quiet=True)
    click.echo(f"build: {len(rebuilt)} contract source(s) rebuilt" if rebuilt else "build: up to date")
