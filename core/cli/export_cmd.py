"""`synthloom export`: write one message kind of a store as a TRL-ready dataset."""

from __future__ import annotations

import click


@click.command()
@click.option("--store", required=True, type=click.Path(), help="The campaign's DuckDB file, or the shard "
                                                                   "directory of a Ray run.")
@click.option("--kind", required=True, help="Message kind to export, e.g. autoif.sft_sample.")
@click.option("--format", "fmt", default="trl-sft", show_default=True,
              help="Exporter: trl-sft (messages), trl-dpo (prompt/chosen/rejected), rows, or a plugin's.")
@click.option("--out", required=True, help="Output: .jsonl, .parquet, or a folder (Hugging Face datasets).")
@click.option("--campaign", help="Only this campaign's messages (a store may hold several).")
@click.option("--agent", help="Only messages produced by this agent of the campaign.")
def export(store: str, kind: str, fmt: str, out: str, campaign: str | None, agent: str | None) -> None:
    """Export messages of KIND from STORE with an exporter."""
    from synthloom.exporters import export as run_export
    from synthloom.registry.contributions import build_registry

    path, count = run_export(store, kind, fmt, out, build_registry(), campaign, agent)
    click.echo(f"exported {count} rows to {path}")
