"""The `synthloom` command. Subcommands load lazily so that `synthloom --help` stays fast.

Errors from the SynthloomError hierarchy are printed in one or two lines without a traceback unless --debug is
given; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from synthloom import __version__

COMMANDS = {
    "run": ("synthloom.cli.run_cmd:run", "Run (or resume) a campaign file."),
    "sql": ("synthloom.cli.sql_cmd:sql", "Query a campaign store with SQL."),
    "export": ("synthloom.cli.export_cmd:export", "Export messages of one kind as a TRL dataset."),
    "plugins": ("synthloom.registry.cli:plugins", "List plugins or create a new one."),
    "sandbox": ("synthloom.sandbox.cli:sandbox", "Build, check and benchmark the Docker sandbox."),
    "models": ("synthloom.backends.cli:models", "Prepare and inspect model backends."),
    "train": ("synthloom.training_cli:train", "Fine-tune a model on an exported dataset with TRL."),
    "report": ("synthloom.report.cli:report", "Write an HTML report of a campaign (plots, samples, lineage)."),
    "view": ("synthloom.report.cli:view", "Serve the report live on 127.0.0.1 while a campaign runs."),
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs; plugins add theirs through a hook."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugin_commands: dict[str, click.Command] | None = None

    def _from_plugins(self) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            self._plugin_commands = {}
            try:
                from synthloom.registry.loader import load_plugins

                pm, _ = load_plugins()
                holder = click.Group()
                pm.hook.register_commands(cli=holder)
                self._plugin_commands = dict(holder.commands)
            except Exception as error:  # a broken plugin must not take --help down; `plugins list` names it
                click.echo(f"warning: plugin commands unavailable: {error}", err=True)
        return self._plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self._from_plugins(), *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, attr = COMMANDS[name][0].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except ImportError as error:
                raise click.ClickException(f"command {name!r} is unavailable: {error}") from None
        return self._from_plugins().get(name) or super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in COMMANDS.items()]
        rows += [(name, cmd.get_short_help_str()) for name, cmd in self._from_plugins().items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthloom")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """synthloom: synthesize and curate LLM training data with plugin agents."""
    ctx.obj = {"debug": debug}
    if debug:
        os.environ["SYNTHLOOM_DEBUG"] = "1"


def main(argv: list[str] | None = None) -> None:
    from synthloom.errors import SynthloomError

    try:
        cli.main(args=argv, prog_name="synthloom", standalone_mode=False)
    except SynthloomError as error:
        if os.environ.get("SYNTHLOOM_DEBUG"):
            raise
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)


if __name__ == "__main__":
    main()
