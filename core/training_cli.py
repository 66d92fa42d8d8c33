"""`synthloom train sft|dpo --data FILE --model embedded|DIR --out DIR`: TRL fine-tuning of an exported dataset.

`--model` is written as in every command (`BACKEND:MODEL`); training needs the weights, so only transformers models
(`embedded`, a local folder, `transformers:...`) can be trained.
"""

from __future__ import annotations

from pathlib import Path

import click

from synthloom.cli.model_option import model_options, spec_from_arg
from synthloom.errors import ConfigError


@click.command()
@click.argument("method", type=click.Choice(["sft", "dpo"]))
@click.option("--data", required=True, type=click.Path(path_type=Path),
              help="Exported dataset: trl-sft rows for sft, trl-dpo rows for dpo (.jsonl, .parquet or a folder).")
@model_options(help="The model to fine-tune: `embedded` (Gemma 3 270M) or a local model folder (a transformers "
                    "model; `transformers:` may prefix it).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Where to save.")
@click.option("--max-steps", type=int, default=None, help="Stop after N optimizer steps (overrides --epochs).")
@click.option("--epochs", type=float, default=None, help="Default: the AutoIF paper's (SFT 3, DPO 2).")
@click.option("--learning-rate", "--lr", type=float, default=None,
              help="Default: the AutoIF paper's (SFT 7e-6, DPO 5e-7).")
@click.option("--beta", type=float, default=None, help="DPO beta. Default: the AutoIF paper's 0.3.")
@click.option("--batch-size", type=int, default=2, show_default=True)
@click.option("--gradient-accumulation", type=int, default=1, show_default=True)
@click.option("--max-length", type=int, default=1024, show_default=True, help="Tokens per example.")
@click.option("--seed", type=int, default=0, show_default=True)
def train(method: str, data: Path, model: str, options: tuple[str, ...], out: Path, max_steps: int | None, epochs: float | None,
          learning_rate: float | None, beta: float | None, batch_size: int, gradient_accumulation: int,
          max_length: int, seed: int) -> None:
    """Fine-tune a model on an exported dataset with TRL's SFTTrainer or DPOTrainer (CPU or GPU)."""
    from synthloom.training import train as run_training

    spec = spec_from_arg(model, options)
    if spec.backend != "transformers" or options:
        raise ConfigError(f"cannot train {model!r}: training takes a transformers model and no backend options",
                          where="synthloom train --model", hint="give `embedded` or a local model folder")
    result = run_training(method, data, spec.model, out, max_steps=max_steps, epochs=epochs, learning_rate=learning_rate,
                          beta=beta, batch_size=batch_size, gradient_accumulation=gradient_accumulation,
                          max_length=max_length, seed=seed)
    click.echo(f"trained {result.steps} step(s), final loss {result.final_loss:.4f}; model saved to {result.out_dir}")
