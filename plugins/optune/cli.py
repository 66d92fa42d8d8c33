"""`synthloom optune pairs | train`: OPTune's pairing, weighting and weighted DPO on plain files.

The whole loop (generate, score, select, train, repeat) is a campaign: examples/optune.yaml.
"""

from __future__ import annotations

from pathlib import Path

import click

import synthloom

FILE = click.Path(dir_okay=False, path_type=Path)


@click.group(name="optune")
def optune() -> None:
    """OPTune: reward-selected regeneration and reward-gap-weighted DPO."""


@optune.command()
@click.option("--data", "data_path", required=True, type=FILE,
              help="Scored responses: instruction, response and score (e.g. `synthloom odin score` output).")
@click.option("--out", required=True, type=FILE, help="Weighted preference rows (prompt, chosen, rejected, weight).")
@click.option("--weighting", type=click.Choice(["identity", "sigmoid", "exp"]), default="identity",
              show_default=True, help="g of the normalised reward gap.")
def pairs(data_path: Path, out: Path, weighting: str) -> None:
    """Pair each prompt's best response against its worst and weight the pairs by their reward gap."""
    from synthloom.plugins.optune.weighting import NoPreference, Scored, pair_up, pair_weights

    grouped: dict[str, list[Scored]] = {}
    for row in synthloom.read_rows(data_path):
        value = row.value
        if not isinstance(value.get("response"), str) or not isinstance(value.get("score"), (int, float)):
            raise synthloom.ConfigError("row has no string response and numeric score", where=row.where)
        grouped.setdefault(str(value.get("instruction", value.get("prompt"))), []).append(
            Scored(value["response"], float(value["score"])))
    choices = {k: c for k, c in ((k, pair_up(v)) for k, v in grouped.items()) if c is not None}
    try:
        weights = pair_weights(list(choices.values()), weighting)  # type: ignore[arg-type]
    except NoPreference as error:
        raise synthloom.ConfigError(f"no preference to learn: {error}", where=str(data_path),
                                    hint="every prompt's responses got the same reward") from None
    rows = [{"prompt": [{"role": "user", "content": k}],
             "chosen": [{"role": "assistant", "content": c.chosen.response}],
             "rejected": [{"role": "assistant", "content": c.rejected.response}], "weight": w,
             "reward_chosen": c.chosen.reward, "reward_rejected": c.rejected.reward}
            for (k, c), w in zip(choices.items(), weights)]
    synthloom.write_rows(rows, out)
    click.echo(f"{len(rows)} pairs from {len(grouped)} prompts ({len(grouped) - len(rows)} without a reward gap) "
               f"written to {out}", err=True)


@optune.command()
@click.option("--data", "data_path", required=True, type=FILE, help="Preference rows with a `weight` column.")
@synthloom.model_options(help="The policy to fine-tune: `embedded` or a local model folder.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--beta", type=float, default=0.1, show_default=True)
@click.option("--learning-rate", "--lr", type=float, default=5e-7, show_default=True)
@click.option("--epochs", type=float, default=1.0, show_default=True)
@click.option("--max-steps", type=int, default=None)
@click.option("--batch-size", type=int, default=2, show_default=True)
@click.option("--max-length", type=int, default=1024, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def train(data_path: Path, model: str, options: tuple[str, ...], out: Path, beta: float, learning_rate: float,
          epochs: float, max_steps: int | None, batch_size: int, max_length: int, seed: int) -> None:
    """Weighted DPO (TRL's DPOTrainer; each pair's gradient scaled by its weight)."""
    from synthloom.plugins.optune.weighted_dpo import DPOSettings, train_weighted

    spec = synthloom.spec_from_arg(model, options)
    if spec.backend != "transformers" or options:
        raise synthloom.ConfigError(f"cannot train {model!r}: training takes a transformers model",
                                    where="synthloom optune train --model", hint="give `embedded` or a model folder")
    rows = [row.value for row in synthloom.read_rows(data_path)]
    columns = ("prompt", "chosen", "rejected", "weight")
    bad = [i + 1 for i, r in enumerate(rows) if not all(k in r for k in columns)]
    if bad or not rows:
        raise synthloom.ConfigError(f"row {bad[0]} lacks one of {', '.join(columns)}" if bad else "no rows",
                                    where=str(data_path), hint="make the rows with `synthloom optune pairs`")
    settings = DPOSettings(beta, learning_rate, epochs, max_steps, batch_size, max_length=max_length, seed=seed)
    result = train_weighted(rows, spec.model, out, settings)
    click.echo(f"trained {result.steps} step(s), final loss {result.final_loss:.4f}; model saved to {result.out_dir}")
