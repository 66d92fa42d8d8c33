"""`synthloom run CAMPAIGN.yaml`: validate, run or resume, export, and say where everything is.

Exit codes (docs/campaigns.md): 0 finished, 1 finished with some failed items, 2 invalid campaign or other error,
3 stopped by the budget, 4 failed (an agent failed every input, or a source could not read its data), 130
interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command()
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--store", help="Store file, or shard directory on Ray (default: the campaign's `store:`, else "
                              "runs/NAME.duckdb, or runs/NAME.shards on Ray).")
@click.option("--quiet", is_flag=True, help="No live progress panel.")
@click.option("--max-calls", type=int, help="Override the budget's max_calls.")
@click.option("--check", is_flag=True, help="Only validate the campaign (file, agents, data, models, wiring, "
                                            "exports, store path) and exit: nothing runs, nothing is written.")
@click.option("--executor", type=click.Choice(["local", "ray"]),
              help="Where agents run (default: the campaign's `executor:`, else local). ray writes a shard "
                   "directory (docs/scale.md).")
@click.option("--address", help="Ray cluster to run on (host:port of its head, or 'auto'); default: start a local "
                                "one.")
def run(campaign_file: Path, store: str | None, quiet: bool, max_calls: int | None, check: bool,
        executor: str | None, address: str | None) -> None:
    """Run (or resume) CAMPAIGN_FILE. Rerun the same command after Ctrl-C, a crash or a budget stop to resume."""
    from rich.console import Console

    from synthloom.progress import ProgressPanel
    from synthloom.runner import run_campaign

    console = Console(stderr=True, soft_wrap=True)
    summary = run_campaign(campaign_file, store, progress=None if quiet else ProgressPanel, max_calls=max_calls,
                           check_only=check, executor=executor, address=address)
    if summary is None:
        console.print(f"[green]{campaign_file}: valid[/green]")
        return
    for name, counts in summary.agents.items():
        console.print(f"  {name:<24} handled {counts.handled:>6}  produced {counts.produced:>6}  "
                      f"failed {counts.failed:>5}  calls {counts.calls:>6}")
    console.print(f"store: {summary.store}  (query it: synthloom sql \"SHOW TABLES\" --store {summary.store})")
    for result in summary.exports:
        console.print(f"exported {result.rows} {result.kind} rows as {result.format}: {result.path}")
    outcome = summary.outcome
    if outcome == "finished":
        console.print(f"[green]campaign {summary.campaign} finished[/green]")
    elif outcome == "finished_with_failures":
        console.print(f"[yellow]campaign {summary.campaign} finished; {summary.failed} item(s) failed[/yellow]  "
                      f"(see them: synthloom sql \"SELECT agent, error FROM failure\" --store {summary.store})")
    elif outcome == "failed":
        failing = [n for n, a in summary.agents.items() if a.failed and a.failed >= a.handled]
        console.print(f"[red]campaign {summary.campaign} failed: every input of {', '.join(failing)} failed[/red]  "
                      f"(why: synthloom sql \"SELECT agent, error FROM failure\" --store {summary.store})")
    elif outcome == "budget":
        console.print(f"[yellow]stopped: {summary.reason}[/yellow]\n  raise the budget and rerun to resume")
    else:
        console.print("[yellow]interrupted[/yellow]: rerun the same command to resume; nothing done so far is lost")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(summary.exit_code)
    sys.exit(summary.exit_code)
