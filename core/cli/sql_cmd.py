"""`synthloom sql`: read-only SQL over a store, also while a campaign writes to it."""

from __future__ import annotations

import csv
import json
import sys

import click


@click.command()
@click.argument("query")
@click.option("--store", required=True, type=click.Path(), help="The campaign's DuckDB file, or the shard "
                                                                   "directory of a Ray run.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def sql(query: str, store: str, fmt: str) -> None:
    """Run QUERY read-only against STORE. Tables: messages, model_calls, sandbox_runs, handled, campaigns,
    images, kinds; the view blobs (images with their bytes, read from the store's image folder); plus one typed view
    per message kind (dots become underscores)."""
    from synthloom.store import query as run_query

    columns, rows = run_query(store, query)
    if fmt == "json":
        for row in rows:
            click.echo(json.dumps(dict(zip(columns, row)), default=str, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("NULL" if v is None else str(v) for v in row))
        Console().print(table)
        click.echo(f"{len(rows)} row(s)", err=True)
