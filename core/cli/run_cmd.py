"""`synthloom run CAMPAIGN.yaml`: validate, run or resume, export, and say where everything is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command()
@click.argument("campaign_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--store", help="Store file (default: the campaign's `store:`, else runs/NAME.duckdb).")
@click.option("--quiet", is_flag=True, help="No live progress panel.")
@click.option("--max-calls", type=int, help="Override the budget's max_calls.")
def run(campaign_file: Path, store: str | None, quiet: bool, max_calls: int | None) -> None:
    """Run (or resume) CAMPAIGN_FILE. Rerun the same command after Ctrl-C, a crash or a budget stop to resume."""
    from rich.console import Console

    from synthloom.campaign import load_campaign
    from synthloom.exporters import export
    from synthloom.progress import ProgressPanel
    from synthloom.registry.contributions import build_registry
    from synthloom.runtime import Runtime

    console = Console(stderr=True, soft_wrap=True)
    registry = build_registry()
    campaign, agents = load_campaign(campaign_file, registry)
    if max_calls is not None:
        campaign.budget.max_calls = max_calls
    runtime = Runtime(campaign, agents, registry, store_path=store,
                      progress=None if quiet else ProgressPanel)
    summary = runtime.run()
    status = summary["status"]
    for name, counts in summary["agents"].items():
        console.print(f"  {name:<24} handled {counts['handled']:>6}  produced {counts['produced']:>6}  "
                      f"failed {counts['failed']:>5}  calls {counts['calls']:>6}")
    console.print(f"store: {summary['store']}  (query it: synthloom sql \"SHOW TABLES\" --store {summary['store']})")
    if status == "finished":
        for spec in campaign.export:
            path, count = export(runtime.store_path, spec.kind, spec.format, campaign.resolve(spec.path), registry,
                                 campaign.name, spec.agent)
            console.print(f"exported {count} {spec.kind} rows as {spec.format}: {path}")
        console.print(f"[green]campaign {campaign.name} finished[/green]")
        return
    if status == "budget":
        console.print(f"[yellow]stopped: {summary['reason']}[/yellow]\n  raise the budget and rerun to resume")
        sys.exit(3)
    console.print("[yellow]interrupted[/yellow]: rerun the same command to resume; nothing done so far is lost")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)
