"""`synthloom plugins`: see what is installed and what it contributes, or start a new plugin package."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group()
def plugins() -> None:
    """List installed plugins, or create a new plugin package."""


@plugins.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of a table.")
def list_plugins(as_json: bool) -> None:
    """List installed plugins, their state, and the agents, message kinds, backends and exporters each contributes.

    A plugin that fails to load is listed with its error instead of stopping the command.
    """
    from rich.console import Console
    from rich.text import Text

    from synthloom.registry.listing import collect, problems, tables

    listing = collect()
    if as_json:
        click.echo(json.dumps(listing.to_json(), indent=2, ensure_ascii=False))
    else:
        console = Console()
        for grid in tables(listing):
            console.print(grid)
    stderr = Console(stderr=True, soft_wrap=True, highlight=False)
    for message in problems(listing):
        stderr.print(Text("warning: ", "yellow") + Text(message))


@plugins.command(name="new")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder in which to create the package folder synthloom-NAME.")
def new_plugin(name: str, parent: Path) -> None:
    """Create a pip-installable plugin package NAME with one agent, one message kind, a demo campaign and a test."""
    from synthloom.registry.scaffold import scaffold

    target = scaffold(name, parent)
    click.echo(f"created {target}\n"
               f"  cd {target}\n"
               f"  pip install -e '.[test]'\n"
               f"  pytest\n"
               f"  synthloom run campaign.yaml")
