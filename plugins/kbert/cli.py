"""`synthloom kbert ...`: prepare WordNet, look at a prior, train a pair model, score pairs, dedup a file.

The commands work on plain files (JSONL, JSON lists, Parquet), without a campaign; none calls an LLM, so none needs
a model session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import synthloom

PATH = click.Path(dir_okay=False, path_type=Path)


@click.group(name="kbert")
def kbert() -> None:
    """Knowledge-guided semantic matching: a WordNet prior in BERT's attention (Xia et al., WWW 2021)."""


@kbert.command()
def prepare() -> None:
    """Copy Debian's WordNet into the plugin's NLTK data folder (once) and check that NLTK reads it."""
    from synthloom.plugins.kbert import wordnet

    reader = wordnet.load()
    click.echo(f"ready: {wordnet.describe(reader)}")


@kbert.command()
@click.argument("text_a")
@click.argument("text_b")
@click.option("--mode", type=click.Choice(["reference", "fast"]), default="reference", show_default=True)
@click.option("--senses", type=int, default=3, show_default=True, help="fast mode: senses per word")
def prior(text_a: str, text_b: str, mode: str, senses: int) -> None:
    """Print the word-level prior of TEXT_A against TEXT_B (rows: words of A; columns: words of B)."""
    from synthloom.plugins.kbert import wordnet
    from synthloom.plugins.kbert.prior import WordPrior, words

    scorer = WordPrior(wordnet.load(), mode, senses)  # type: ignore[arg-type]
    left, right = words(text_a), words(text_b)
    matrix = scorer.matrix(left, right)[1:-1, 1:-1]
    width = max([len(w) for w in left] + [4])
    click.echo(" " * width + " " + " ".join(f"{w[:6]:>6}" for w in right))
    for word, row in zip(left, matrix):
        click.echo(f"{word:>{width}} " + " ".join(f"{v:6.3f}" for v in row))
    if left and right and not matrix.any():
        click.echo("no cross-sentence knowledge: every pair scores 0 (words outside WordNet, or other languages)")


@kbert.command()
@click.option("--pairs", "pairs_path", required=True, type=PATH,
              help="Rows with text_a, text_b and label (0/1, or a score with --task regression).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Model folder.")
@click.option("--base", default="minilm", show_default=True, help="`minilm` or a BERT checkpoint folder.")
@click.option("--prior/--no-prior", "use_prior", default=True, show_default=True)
@click.option("--mode", type=click.Choice(["reference", "fast"]), default="reference", show_default=True)
@click.option("--senses", type=int, default=3, show_default=True, help="fast mode: senses per word")
@click.option("--task", type=click.Choice(["classification", "regression"]), default="classification",
              show_default=True)
@click.option("--compat", is_flag=True, help="Mask padding in the prior layer only, as the reference code does.")
@click.option("--epochs", type=float, default=3.0, show_default=True)
@click.option("--min-steps", type=int, default=0, show_default=True)
@click.option("--batch-size", type=int, default=16, show_default=True)
@click.option("--max-length", type=int, default=128, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def train(pairs_path: Path, out: Path, base: str, use_prior: bool, mode: str, senses: int, task: str,
          compat: bool, epochs: float, min_steps: int, batch_size: int, max_length: int, seed: int) -> None:
    """Fine-tune a pair model on a file of labelled pairs and save it to OUT."""
    from synthloom.plugins.kbert.pair_model import PairModel, PairSettings
    from synthloom.plugins.kbert.training import fine_tune

    rows = read_pair_rows(pairs_path, ("text_a", "text_b", "label"))
    settings = PairSettings(use_prior=use_prior, prior_mode=mode, task=task, compat=compat,  # type: ignore[arg-type]
                            max_length=max_length, senses=senses)
    model = PairModel.create(base, settings, seed=seed)
    result = fine_tune(model, [(r["text_a"], r["text_b"], float(r["label"])) for r in rows], epochs=epochs,
                       min_steps=min_steps, batch_size=batch_size, seed=seed,
                       progress=lambda step, total, loss: click.echo(f"step {step}/{total} loss {loss:.4f}", err=True))
    model.save(out)
    click.echo(f"saved {out} ({result.steps} steps on {result.pairs} pairs, {result.seconds:.0f} s)")


@kbert.command()
@click.option("--model", "model_path", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--pairs", "pairs_path", required=True, type=PATH, help="Rows with text_a and text_b.")
@click.option("--out", required=True, type=PATH, help="The rows with `score` and `flags` added.")
def score(model_path: Path, pairs_path: Path, out: Path) -> None:
    """Score every (text_a, text_b) row with a trained pair model."""
    from synthloom.plugins.kbert.pair_model import load_shared

    rows = read_pair_rows(pairs_path, ("text_a", "text_b"))
    judged = load_shared(model_path).judge([(r["text_a"], r["text_b"]) for r in rows])
    synthloom.write_rows([{**r, "score": s, "flags": list(f)} for r, (s, f) in zip(rows, judged)], out)
    click.echo(f"wrote {len(rows)} scored pairs to {out}")


@kbert.command()
@click.option("--model", "model_path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A trained pair model; without it, MiniLM cosine decides (--cosine-threshold).")
@click.option("--in", "in_path", required=True, type=PATH)
@click.option("--out", required=True, type=PATH, help="The rows kept, in input order.")
@click.option("--dropped", type=PATH, default=None, help="The rows dropped, each with the row it matched.")
@click.option("--field", default="instruction", show_default=True)
@click.option("--threshold", type=float, default=0.5, show_default=True)
@click.option("--min-cosine", type=float, default=0.5, show_default=True)
@click.option("--neighbours", type=int, default=5, show_default=True)
@click.option("--cosine-threshold", type=float, default=0.9, show_default=True)
def dedup(model_path: Path | None, in_path: Path, out: Path, dropped: Path | None, field: str, threshold: float,
          min_cosine: float, neighbours: int, cosine_threshold: float) -> None:
    """Drop rows that mean the same as an earlier row: MiniLM proposes pairs, the pair model decides. Rows whose
    field has no words are dropped too (reason `empty_text`): they cannot be judged."""
    from synthloom.plugins.kbert.candidates import semantic_duplicates

    rows = [row.value for row in synthloom.read_rows(in_path)]
    texts = [str(r.get(field) or "") for r in rows]
    if model_path is None:
        found = semantic_duplicates(texts, None, cosine_threshold, min_cosine, neighbours)
    else:
        from synthloom.plugins.kbert.pair_model import load_shared

        found = semantic_duplicates(texts, load_shared(model_path).judge, threshold, min_cosine, neighbours)
    gone = found.empty | found.duplicates.keys()
    synthloom.write_rows([r for i, r in enumerate(rows) if i not in gone], out)
    if dropped is not None:
        out_rows = []
        for i in sorted(gone):
            match = found.duplicates.get(i)
            out_rows.append({**rows[i], "reason": "empty_text"} if match is None else
                            {**rows[i], "reason": "semantic_duplicate", "matched": texts[match.match],
                             "score": match.score, "flags": list(found.flags.get((match.match, i), ()))})
        synthloom.write_rows(out_rows, dropped)
    click.echo(f"kept {len(rows) - len(gone)} of {len(rows)} rows; {len(found.duplicates)} semantic duplicates, "
               f"{len(found.empty)} empty")


def read_pair_rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of a pairs file, refused with the first row that lacks a field: a KeyError halfway through a
    file of thousands says nothing useful."""
    rows = [row.value for row in synthloom.read_rows(path)]
    missing = [i for i, r in enumerate(rows) if not isinstance(r, dict) or not set(fields) <= set(r)]
    if missing or not rows:
        raise synthloom.ConfigError(f"{path} needs rows with {', '.join(fields)}"
                                    + (f" (row {missing[0] + 1} lacks one)" if missing else " (it has none)"))
    return rows
