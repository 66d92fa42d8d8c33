"""`synthloom sima`: the reference's file steps on plain files, without a campaign.

`critic-prompts` turns a file of self-generated responses into critic prompts, and `pairs` turns a file of critic
results into the DPO file, both in the reference's formats (si0wang/SIMA), so that its own intermediate files can be
checked or finished here. Rows the reference would skip silently are counted and reported by reason.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Callable

import click

import synthloom

IN = click.Path(exists=True, dir_okay=False, path_type=Path)
OUT = click.Path(dir_okay=False, path_type=Path)


@click.group(name="sima")
def sima() -> None:
    """SIMA (vision self-critic): the reference's critic-prompt and DPO-pair steps on plain files."""


def _convert(source: Path, out: Path, convert: Callable[[dict[str, Any], str], dict[str, Any]]) -> None:
    rows, dropped = [], Counter()
    for row in synthloom.read_rows(source, tolerant=True):
        try:
            if isinstance(row, synthloom.RowError):
                raise row
            rows.append(convert(row.value, row.where))
        except synthloom.RowError as error:
            dropped[error.reason] += 1
    synthloom.write_rows(rows, out)
    note = "; dropped " + ", ".join(f"{n} {reason}" for reason, n in sorted(dropped.items())) if dropped else ""
    click.echo(f"wrote {len(rows)} rows to {out}{note}", err=True)


@sima.command("critic-prompts")
@click.argument("responses", type=IN)
@click.option("--out", required=True, type=OUT, help="Where to write the critic prompts (.jsonl, .json, .parquet).")
@click.option("--compat", type=click.Choice(["reference", "clean"]), default="reference", show_default=True,
              help="reference: the reference's prompt exactly; clean: one line per line of its source.")
def critic_prompts(responses: Path, out: Path, compat: str) -> None:
    """Critic prompts for RESPONSES (rows with text, ground_truth, greedy_decodes, temperature_decodes_1)."""
    from synthloom.plugins.sima.formats import critic_prompt_row

    _convert(responses, out, lambda row, where: critic_prompt_row(row, where, compat))  # type: ignore[arg-type]


@sima.command("pairs")
@click.argument("results", type=IN)
@click.option("--out", required=True, type=OUT, help="Where to write the DPO rows (.json is the reference's).")
def pairs(results: Path, out: Path) -> None:
    """DPO rows (LLaVA conversations and rejected_conversations) from critic RESULTS (rows with id, question,
    rank_result, greedy_decodes, temperature_decodes_1)."""
    from synthloom.plugins.sima.formats import dpo_row

    _convert(results, out, dpo_row)
