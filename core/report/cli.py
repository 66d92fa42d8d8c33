"""`synthloom report` and `synthloom view`: see a campaign as a page, written to a file or served live."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from synthloom.report.build import Report

STORE = click.Path(dir_okay=False, path_type=Path)


def _options(command: click.Command) -> click.Command:
    for option in reversed([
        click.option("--store", required=True, type=STORE, help="The campaign's DuckDB file."),
        click.option("--campaign", default=None, help="Which campaign of the store (needed when it holds several)."),
        click.option("--against", type=STORE, default=None,
                     help="A second store, shown side by side (for example another selector or model)."),
        click.option("--against-campaign", default=None, help="Which campaign of the --against store."),
    ]):
        command = option(command)
    return command


def _report(store: Path, campaign: str | None, against: Path | None, against_campaign: str | None) -> Report:
    from synthloom.report.build import Report, Source

    sources = [Source(store, campaign)] + ([Source(against, against_campaign)] if against else [])
    return Report(sources)


@click.command()
@_options
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write (self-contained: opens without a network).")
def report(store: Path, campaign: str | None, against: Path | None, against_campaign: str | None, out: Path) -> None:
    """Write one HTML file that shows a campaign: funnel, distributions, model calls, sandbox, samples with lineage.

    A campaign still running gets a report of what its store holds so far, marked partial."""
    started = time.perf_counter()
    written = _report(store, campaign, against, against_campaign).write(out)
    size = written.stat().st_size
    click.echo(f"wrote {written} ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")


@click.command()
@_options
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(0.2, 3600),
              help="Seconds between checks of the store for new rows.")
def view(store: Path, campaign: str | None, against: Path | None, against_campaign: str | None, port: int,
         interval: float) -> None:
    """Serve the report on 127.0.0.1 and refresh it from the store while a campaign runs (read-only)."""
    from synthloom.report.server import serve

    server = serve(_report(store, campaign, against, against_campaign), port, interval)
    host, bound = server.server_address[:2]
    click.echo(f"serving http://{host}:{bound}/ (Ctrl-C stops)", err=False)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
