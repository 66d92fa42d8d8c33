"""`synthloom odin train | score | eval`: ODIN's two-head reward model on plain files."""

from __future__ import annotations

from pathlib import Path

import click

import synthloom

FILE = click.Path(dir_okay=False, path_type=Path)
PAIRS_HELP = "Preference pairs: prompt/chosen/rejected as strings or chat turns (what `--format trl-dpo` exports)."


def _pairs(path: Path) -> list:
    from synthloom.plugins.odin.pairs import pair_from_row

    return [pair_from_row(row.value, row.where) for row in synthloom.read_rows(path, objects=False)]


def _show(found: object) -> None:
    from dataclasses import asdict

    for name, value in asdict(found).items():  # type: ignore[arg-type]
        click.echo(f"  {name:<18} {'-' if value is None else (f'{value:.4f}' if isinstance(value, float) else value)}")


@click.group(name="odin")
def odin() -> None:
    """ODIN: a two-head reward model whose quality head does not reward length."""


@odin.command()
@click.option("--data", "data_path", required=True, type=FILE, help=PAIRS_HELP)
@synthloom.model_options(help="The backbone: `embedded` (Gemma 3 270M) or a local model folder.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--held-out", type=click.FloatRange(0, 1, max_open=True), default=0.1, show_default=True,
              help="Share of pairs kept aside to measure each head's correlation with length.")
@click.option("--learning-rate", "--lr", type=float, default=2e-5, show_default=True)
@click.option("--epochs", type=float, default=3.0, show_default=True)
@click.option("--max-steps", type=int, default=None, help="Stop after N steps (overrides --epochs).")
@click.option("--batch-size", type=int, default=8, show_default=True, help="Pairs per step.")
@click.option("--gradient-accumulation", type=click.IntRange(1), default=1, show_default=True,
              help="Steps per optimiser update (the reference: 16, so 128 pairs an update).")
@click.option("--max-length", type=int, default=1024, show_default=True)
@click.option("--length-weight", type=float, default=1.0, show_default=True, help="lambda of 1 - rho(length head, L).")
@click.option("--decorrelation-weight", type=float, default=1.0, show_default=True,
              help="lambda of |rho(quality head, L)|.")
@click.option("--orthogonality-weight", type=float, default=1.0, show_default=True,
              help="lambda of |cos(w_quality, w_length)|; 0 as in the released RLHFlow code.")
@click.option("--ranking", type=click.Choice(["pairwise", "batch_sum"]), default="pairwise", show_default=True,
              help="pairwise: the paper's per-pair loss; batch_sum: the released RLHFlow code's.")
@click.option("--readout", type=click.Choice(["normalized", "raw"]), default="normalized", show_default=True,
              help="normalized: the heads read the feature through mean-centred, unit-length weights (the "
                   "reference's --normalized_proj); raw: as trained.")
@click.option("--readout-scale", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
              help="Multiplies both heads' outputs; raise it for a backbone with a small pooled feature, such as a "
                   "BERT pooler (docs/odin.md).")
@click.option("--seed", type=int, default=0, show_default=True)
def train(data_path: Path, model: str, options: tuple[str, ...], out: Path, held_out: float, learning_rate: float,
          epochs: float, max_steps: int | None, batch_size: int, gradient_accumulation: int, max_length: int,
          length_weight: float, decorrelation_weight: float, orthogonality_weight: float, ranking: str, readout: str,
          readout_scale: float, seed: int) -> None:
    """Train the two-head reward model with TRL's RewardTrainer and ODIN's loss; report each head's correlation with
    length on the held-out pairs (all length weights 0 gives the vanilla baseline)."""
    from synthloom.plugins.odin.fit import fit
    from synthloom.plugins.odin.losses import LossWeights
    from synthloom.plugins.odin.trainer import TrainSettings

    spec = synthloom.spec_from_arg(model, options)
    if spec.backend != "transformers" or options:
        raise synthloom.ConfigError(f"cannot train {model!r}: the backbone must be a transformers model",
                                    where="synthloom odin train --model", hint="give `embedded` or a model folder")
    weights = LossWeights(length_weight, decorrelation_weight, orthogonality_weight, ranking)  # type: ignore[arg-type]
    settings = TrainSettings(weights, learning_rate, epochs, max_steps, batch_size, gradient_accumulation,
                             max_length=max_length, seed=seed, readout=readout,  # type: ignore[arg-type]
                             readout_scale=readout_scale)
    fitted = fit(_pairs(data_path), spec.model, out, settings, held_out, where=str(data_path))
    click.echo(f"trained {fitted.result.steps} step(s) on {fitted.result.pairs} pairs, final loss "
               f"{fitted.result.final_loss:.4f}; model saved to {fitted.result.out_dir}")
    if fitted.correlations is not None:
        click.echo(f"held-out pairs ({fitted.held_out}):")
        _show(fitted.correlations)


@odin.command("eval")
@click.option("--reward-model", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--data", "data_path", required=True, type=FILE, help=PAIRS_HELP)
def evaluate(reward_model: Path, data_path: Path) -> None:
    """Each head's correlation with length, and pairwise accuracy, on a file of pairs."""
    from synthloom.plugins.odin.evaluation import correlations
    from synthloom.plugins.odin.fit import usable_pairs
    from synthloom.plugins.odin.model import RewardModel

    pairs = usable_pairs(_pairs(data_path), str(data_path))
    model = RewardModel(reward_model)
    prompts = [p.prompt for p in pairs]
    chosen = model.score(prompts, [p.chosen for p in pairs])
    _show(correlations(chosen, model.score(prompts, [p.rejected for p in pairs])))


@odin.command()
@click.option("--reward-model", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--data", "data_path", required=True, type=FILE,
              help="Rows with a prompt (or instruction) and a response.")
@click.option("--out", required=True, type=FILE)
def score(reward_model: Path, data_path: Path, out: Path) -> None:
    """Rate responses: `score` is the quality head, `length_reward` the length head, `length_tokens` the length."""
    from synthloom.plugins.odin.model import RewardModel

    rows = [row.value for row in synthloom.read_rows(data_path)]
    for index, row in enumerate(rows):
        if not isinstance(row.get("response"), str) or not isinstance(row.get("prompt", row.get("instruction")), str):
            raise synthloom.ConfigError(f"row {index + 1} has no string prompt (or instruction) and response",
                                        where=str(data_path))
    rewards = RewardModel(reward_model).score(
        [[{"role": "user", "content": row.get("prompt", row.get("instruction"))}] for row in rows],
        [row["response"] for row in rows])
    synthloom.write_rows([{**row, "score": q, "length_reward": l, "length_tokens": n}
                          for row, q, l, n in zip(rows, rewards.quality, rewards.length, rewards.tokens)], out)
    click.echo(f"scored {len(rows)} responses into {out}", err=True)
