"""`synthloom clear`: CLEAR's steps on plain files. `confidence` scores (prompt, response) rows with BSDetector,
`filter` keeps those above the median, `correct` replaces responses by a fine-tuned model's when the judge is
confident (train between the two with `synthloom train sft`).

Model calls go through a model session (cached, retried, logged to OUT.calls.duckdb), a chunk at a time, so a
killed command run again pays only for what it had not received.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Sequence

import click

import synthloom
from synthloom.plugins.clear.agents.confidence import ConfidenceConfig

CHUNK = 32


def _io(command: Any) -> Any:
    for option in reversed([
        click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="Rows with `prompt` and `response` (or TRL `messages`): .jsonl, .json or .parquet."),
        click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="Output rows: .jsonl, .json or .parquet."),
    ]):
        command = option(command)
    return command


def _model_io(command: Any) -> Any:
    for option in reversed([
        click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Where model calls are cached (default: OUT.calls.duckdb)."),
        click.option("--nli-model", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="A local NLI classifier directory; default: the model labels each pair itself."),
        click.option("--seed", type=int, default=0, show_default=True),
    ]):
        command = option(command)
    return synthloom.sampling_options(ConfidenceConfig)(synthloom.model_options()(command))


@click.group(name="clear")
def clear() -> None:
    """CLEAR: curate a fine-tuning set by the model's own confidence (BSDetector)."""


@clear.command("confidence")
@_io
@_model_io
def confidence_cmd(data_path: Path, out: Path, model: str, options: tuple[str, ...], sampling: ConfidenceConfig,
                   store: Path | None, nli_model: Path | None, seed: int) -> None:
    """BSDetector's confidence in every response: C = 0.7 O + 0.3 S."""
    from synthloom.plugins.clear.confidence import bsdetector
    from synthloom.plugins.clear.parsing import pair_from_row

    rows = _rows(data_path, pair_from_row)
    settings = _settings(sampling, nli_model)
    found: list[dict[str, Any]] = []
    with synthloom.ModelSession.for_output(synthloom.spec_from_arg(model, options), out, store,
                                           command="clear-confidence") as client:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            scores = asyncio.run(bsdetector(client, [p for p, _, _ in chunk], [r for _, r, _ in chunk],
                                            [seed + start + i for i in range(len(chunk))], settings))
            found += [{**row, "prompt": p, "response": r, **s.fields()} for (p, r, row), s in zip(chunk, scores)]
            click.echo(f"scored {start + len(chunk)}/{len(rows)}", err=True)
    synthloom.write_rows(found, out)
    unread = sum(r["no_letter"] for r in found)
    click.echo(f"wrote {len(found)} rows to {out} ({unread} reflection replies without a letter)", err=True)


@clear.command("filter")
@_io
@click.option("--sft", "sft_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the kept rows as TRL `messages`, for `synthloom train sft`.")
def filter_cmd(data_path: Path, out: Path, sft_path: Path | None) -> None:
    """Auto-filter: mark every row `kept` when its `confidence` is above the file's median."""
    from synthloom.plugins.clear.parsing import median_filter

    rows = [row.value for row in synthloom.read_rows(data_path)]
    missing = [i for i, r in enumerate(rows) if not isinstance(r.get("confidence"), (int, float))]
    if missing:
        raise synthloom.ConfigError(f"{len(missing)} rows have no numeric `confidence` (first: row {missing[0] + 1})",
                                    where=str(data_path), hint="score the file with `synthloom clear confidence`")
    gamma, kept = median_filter([r["confidence"] for r in rows])
    synthloom.write_rows([{**r, "gamma": gamma, "kept": k} for r, k in zip(rows, kept)], out)
    if sft_path is not None:
        synthloom.write_rows([{"messages": [{"role": "user", "content": r["prompt"]},
                                            {"role": "assistant", "content": r["response"]}]}
                              for r, k in zip(rows, kept) if k], sft_path)
    click.echo(f"kept {sum(kept)} of {len(rows)} rows (confidence above the median {gamma:.4f})", err=True)


@clear.command("correct")
@_io
@_model_io
@click.option("--candidate-model", default=None,
              help="The fine-tuned model (BACKEND:MODEL) that proposes responses; else rows must carry `candidate`.")
@click.option("--eta", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Replace when the judge's confidence exceeds this.")
def correct_cmd(data_path: Path, out: Path, model: str, options: tuple[str, ...], sampling: ConfidenceConfig,
                store: Path | None, nli_model: Path | None, seed: int, candidate_model: str | None,
                eta: float) -> None:
    """Auto-correct: --model judges whether each candidate beats the response, with BSDetector confidence; rows
    `filter` did not keep are dropped unless corrected. The output's `messages` are ready for `synthloom train`."""
    from synthloom.plugins.clear.correction import correct_rows

    rows = [row.value for row in synthloom.read_rows(data_path)]
    candidates = _candidates(rows, candidate_model, out, store)
    settings = _settings(sampling, nli_model)
    with synthloom.ModelSession.for_output(synthloom.spec_from_arg(model, options), out, store,
                                           command="clear-correct") as judge:
        curated = asyncio.run(correct_rows(judge, rows, candidates, settings, eta=eta, seed=seed))
    kept = [r for r in curated if r["action"] != "filtered"]
    synthloom.write_rows(kept, out)
    corrected = sum(r["action"] == "corrected" for r in curated)
    click.echo(f"{len(kept)} of {len(rows)} rows curated ({corrected} corrected, {len(rows) - len(kept)} "
               f"filtered)", err=True)


def _rows(path: Path, pair: Any) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for row in synthloom.read_rows(path):
        found = pair(row.value)  # type: ignore[union-attr]
        if isinstance(found, str):
            raise synthloom.ConfigError(found, where=row.where,  # type: ignore[union-attr]
                                        hint="give `prompt` and `response` fields, or TRL `messages`")
        out.append((*found, row.value))  # type: ignore[union-attr]
    return out


def _settings(sampling: ConfidenceConfig, nli_model: Path | None) -> Any:
    chosen = sampling.model_copy(update={"nli": "classifier" if nli_model else "model",
                                         "nli_model": str(nli_model) if nli_model else None})
    return chosen.settings()


def _candidates(rows: Sequence[dict[str, Any]], candidate_model: str | None, out: Path,
                store: Path | None) -> list[str]:
    """The candidate responses: from the rows, or generated greedily by --candidate-model (up to 512 tokens)."""
    if candidate_model is None:
        if not all(isinstance(r.get("candidate"), str) for r in rows):
            raise synthloom.ConfigError("rows need a `candidate` field, or give --candidate-model",
                                        where="synthloom clear correct")
        return [r["candidate"] for r in rows]
    greedy = synthloom.SamplingConfig(temperature=0.0, max_tokens=512)
    with synthloom.ModelSession.for_output(synthloom.spec_from_arg(candidate_model), out, store,
                                           command="clear-candidates") as client:
        replies = asyncio.run(client.generate([greedy.request(r["prompt"], seed=i) for i, r in enumerate(rows)]))
    return [r.texts()[0].strip() for r in replies]
