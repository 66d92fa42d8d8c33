"""`synthloom fastclass label`: FastClass on plain files: a corpus and class descriptions in, labelled rows out."""

from __future__ import annotations

from pathlib import Path

import click

import synthloom

FILE = click.Path(dir_okay=False, path_type=Path)


def _shares(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    try:
        shares = tuple(float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter("comma-separated numbers, e.g. 0.3,0.5,0.8") from None
    if not shares or any(not 0 < s <= 1 for s in shares):
        raise click.BadParameter("every share must be in (0, 1]")
    return shares


@click.group(name="fastclass")
def fastclass() -> None:
    """FastClass: weakly supervised classification data from class descriptions alone."""


@fastclass.command()
@click.option("--corpus", required=True, type=FILE, help="Unlabelled documents: rows with --text-field, or .txt.")
@click.option("--classes", "classes_path", required=True, type=FILE,
              help="Class descriptions: .txt, one per line (the reference's classes.txt), or rows {name, description}.")
@click.option("--out", required=True, type=FILE, help="The labelled rows (.jsonl/.json/.parquet).")
@click.option("--text-field", default="text", show_default=True)
@click.option("--label-field", default=None,
              help="A gold label field of the corpus rows (a class name or index): report accuracies.")
@click.option("--pool", type=click.FloatRange(0, 1, min_open=True), default=0.1, show_default=True,
              help="Share of the average class size each class retrieves.")
@click.option("--keep", default="0.3,0.5,0.8", show_default=True, callback=_shares,
              help="Candidate subset sizes, as shares of each pool; the one with the highest prediction entropy wins.")
@click.option("--no-cost", is_flag=True, help="Rank without the retrieval-score cost (plain facility location).")
@click.option("--classifier", type=click.Choice(["logistic", "transformers"]), default="logistic",
              show_default=True, help="The classifier --classifier-out saves, trained on the labelled rows.")
@click.option("--classifier-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Save a classifier to this folder.")
@click.option("--base", default=None, help="Base model folder of the transformers classifier (default: MiniLM).")
@click.option("--seed", type=int, default=0, show_default=True)
def label(corpus: Path, classes_path: Path, out: Path, text_field: str, label_field: str | None, pool: float,
          keep: tuple[float, ...], no_cost: bool, classifier: str, classifier_out: Path | None, base: str | None,
          seed: int) -> None:
    """Label a corpus from class descriptions: retrieve, rank by facility location, keep the best-entropy subset."""
    from synthloom.plugins.fastclass.evaluation import accuracies
    from synthloom.plugins.fastclass.method import LabelSettings
    from synthloom.plugins.fastclass.parsing import corpus_rows, has_text, read_classes
    from synthloom.plugins.fastclass.pipeline import run, save

    rows = [row for _, row in corpus_rows(corpus, text_field) if has_text(row, text_field)]
    classes = read_classes(classes_path)
    texts = [r[text_field] for r in rows]
    outcome, vectors = run(texts, classes, LabelSettings(pool, keep, not no_cost, seed), str(corpus))
    names = [c.name for c in classes]
    synthloom.write_rows([{**rows[c.document], "label": names[c.label], "label_id": c.label, "score": c.score,
                           "rank": c.rank} for c in outcome.labelled], out)
    counts = {n: sum(1 for c in outcome.labelled if c.label == i) for i, n in enumerate(names)}
    entropies = ", ".join(f"{k:g}: {'-' if v is None else f'{v:.3f}'}" for k, v in outcome.entropies.items())
    click.echo(f"labelled {len(outcome.labelled)} of {len(rows)} documents ({counts}); kept {outcome.keep:g} of "
               f"each pool (entropy in bits: {entropies}); wrote {out}")
    if label_field is not None:
        gold = [r.get(label_field) for r in rows]
        for name, value in accuracies(outcome, vectors, gold, names).items():
            click.echo(f"  {name}: {'-' if value is None else f'{value:.4f}'}")
    if classifier_out is not None:
        if outcome.classifier is None:
            raise synthloom.ConfigError("the labelled subset has a single class; no classifier can be trained",
                                        where=str(corpus))
        saved = save(outcome, texts, classes, classifier, classifier_out, base)  # type: ignore[arg-type]
        click.echo(f"classifier saved to {saved}")
