"""Knowledge-guided BERT (Xia et al., WWW 2021): does the WordNet prior help a pair model when data is scarce?

    python benchmarks/kbert.py --json runs/kbert-bench.json              # the full run (over two hours on 2 cores)
    python benchmarks/kbert.py --epochs 0.5 --min-steps 8 --batch-size 8 --head-learning-rate 1e-3 --dedup-epochs 3
                                                  # the cut run whose figures docs/kbert.md reports (about 80 minutes)
    python benchmarks/kbert.py --fractions 0.1 --seeds 0 --min-steps 2 --epochs 0.1 --skip-dedup   # smoke run

Part 1, Lee: gensim's copy of the Lee document-similarity set (50 news documents, 1,225 human-rated pairs), read
from the installed wheel. Documents are split into train and test (`--test-docs`, seeded); only pairs within each
side are used, so no test document is seen in training. For each fraction of the training pairs and each seed, the
embedded MiniLM is fine-tuned as a regression pair model with and without the prior (same pairs, same initial
weights, same batches), and its test predictions are compared with the human ratings (Pearson, Spearman), next to
MiniLM's plain cosine between the two documents' embeddings (whole documents, and cut to the pieces a pair model
reads).

Part 2, dedup: instruction pairs the framework makes itself. `examples/kbert_pairs.yaml` asks the embedded chat
model (SmolLM2-135M-Instruct) for a paraphrase and a constraint-changing edit of each AutoIF seed instruction,
except the five whose back-translations are the test set; pair models are trained on those pairs plus one easy
negative per instruction (another instruction's rewrite, as `kbert.train` adds them), with and without the prior,
per seed; then every scorer (pair models and MiniLM cosine) ranks AutoIF's back-translation
fixture: each instruction against its own back-translations (paraphrases) and against the others'
(non-paraphrases). The figure is the ROC AUC. Finally the semantic dedup runs on the seed instructions: the pairs
above the threshold are listed, and each model's five highest-scoring candidate pairs.

Figures are printed and, with `--json`, written; the machine's load average is recorded at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "autoif"
PAIRS_CAMPAIGN = ROOT / "examples" / "kbert_pairs.yaml"
SEEDS_FILE = ROOT / "examples" / "data" / "autoif_seed_instructions.txt"


def correlations(predicted: Sequence[float], gold: Sequence[float]) -> dict[str, float]:
    from scipy.stats import pearsonr, spearmanr

    return {"pearson": float(pearsonr(predicted, gold)[0]), "spearman": float(spearmanr(predicted, gold)[0])}


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    import statistics

    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def train_and_score(train: list[tuple[str, str, float]], test: list[tuple[str, str]], *, use_prior: bool,
                    task: str, seed: int, args: argparse.Namespace) -> tuple[list[float], dict[str, Any]]:
    from synthloom.plugins.kbert.pair_model import PairModel, PairSettings
    from synthloom.plugins.kbert.training import fine_tune

    settings = PairSettings(use_prior=use_prior, prior_mode=args.prior_mode, task=task, max_length=args.max_length)
    model = PairModel.create("minilm", settings, seed=seed)
    result = fine_tune(model, train, epochs=args.epochs, batch_size=args.batch_size, min_steps=args.min_steps,
                       head_learning_rate=args.head_learning_rate, seed=seed)
    started = time.monotonic()
    predicted = model.predict(test, batch_size=64)
    return predicted, {"steps": result.steps, "train_s": round(result.seconds, 1),
                       "predict_s": round(time.monotonic() - started, 1), "final_loss": result.final_loss}


def first_pieces(documents: list[str], count: int) -> list[str]:
    """Each document cut to its first `count` word pieces: about what the pair model reads of a pair of equally long
    documents, for a cosine that sees no more than the pair model does."""
    from transformers import AutoTokenizer

    from synthloom.plugins.kbert.pair_model import base_path

    tokenizer = AutoTokenizer.from_pretrained(str(base_path("minilm")))
    return [tokenizer.convert_tokens_to_string(tokenizer.tokenize(text)[:count]) for text in documents]


def lee_part(args: argparse.Namespace) -> dict[str, Any]:
    from synthloom.plugins.kbert import lee
    from synthloom.plugins.kbert.candidates import cosine_pairs, embed

    folder = lee.locate()
    documents = lee.read_documents(folder)
    pairs = lee.read_pairs(folder, len(documents))
    train_docs, test_docs = lee.split_documents(len(documents), args.test_docs, args.split_seed, args.train_docs)
    train_pairs, test_pairs = lee.within(pairs, train_docs), lee.within(pairs, test_docs)
    gold = [p.rating for p in test_pairs]
    test = [(documents[p.first], documents[p.second]) for p in test_pairs]
    vectors = embed(documents)
    heads = embed(first_pieces(documents, (args.max_length - 3) // 2))
    out: dict[str, Any] = {
        "documents": len(documents), "pairs": len(pairs), "train_documents": len(train_docs),
        "test_documents": len(test_docs), "train_pairs": len(train_pairs), "test_pairs": len(test_pairs),
        "minilm_cosine": correlations(cosine_pairs(vectors, [(p.first, p.second) for p in test_pairs]), gold),
        "minilm_cosine_first_pieces": correlations(cosine_pairs(heads, [(p.first, p.second) for p in test_pairs]),
                                                   gold),
        "minilm_cosine_all_pairs": correlations(cosine_pairs(vectors, [(p.first, p.second) for p in pairs]),
                                                [p.rating for p in pairs]),
        "runs": [],
    }
    say(f"lee: {len(train_pairs)} train pairs, {len(test_pairs)} test pairs; MiniLM cosine {out['minilm_cosine']}")
    for share in args.fractions:
        for seed in args.seeds:
            subset = lee.fraction(train_pairs, share, seed)
            train = [(documents[p.first], documents[p.second], p.rating) for p in subset]
            for use_prior in (False, True):
                predicted, info = train_and_score(train, test, use_prior=use_prior, task="regression", seed=seed,
                                                  args=args)
                run = {"fraction": share, "seed": seed, "prior": use_prior, "train_pairs": len(train),
                       **correlations(predicted, gold), **info}
                out["runs"].append(run)
                say(f"lee: {json.dumps(run)}")
    out["summary"] = summarise(out["runs"], ("pearson", "spearman"))
    return out


def summarise(runs: list[dict[str, Any]], metrics: Sequence[str]) -> list[dict[str, Any]]:
    """Mean and standard deviation over seeds per (fraction, prior), and the paired difference prior - no prior."""
    rows = []
    for share in sorted({r["fraction"] for r in runs}):
        row: dict[str, Any] = {"fraction": share}
        for metric in metrics:
            by_seed = {(r["seed"], r["prior"]): r[metric] for r in runs if r["fraction"] == share}
            seeds = sorted({seed for seed, _ in by_seed})
            for prior in (False, True):
                row[f"{metric}_{'prior' if prior else 'plain'}"] = mean_sd([by_seed[(s, prior)] for s in seeds])
            row[f"{metric}_difference"] = mean_sd([by_seed[(s, True)] - by_seed[(s, False)] for s in seeds])
        rows.append(row)
    return rows


def made_pairs(store_dir: Path) -> list[tuple[str, str, float]]:
    """Run the pair-making campaign on the embedded chat model and read back its `kbert.pair` messages."""
    import synthloom

    fixture = {row["instruction"] for row in back_translation_rows()}
    seeds = [line for line in SEEDS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = store_dir / "seeds.txt"
    kept.write_text("\n".join(s for s in seeds if s not in fixture) + "\n", encoding="utf-8")
    campaign = store_dir / "pairs.yaml"
    text = PAIRS_CAMPAIGN.read_text(encoding="utf-8").replace("data/autoif_seed_instructions.txt", str(kept))
    campaign.write_text(text.replace("../runs/kbert-pairs.duckdb", str(store_dir / "pairs.duckdb")), encoding="utf-8")
    summary = synthloom.run_campaign(campaign, store=store_dir / "pairs.duckdb")
    _, rows = synthloom.query(summary.store, "SELECT text_a, text_b, label FROM kbert_pair ORDER BY id")
    return [(a, b, float(label)) for a, b, label in rows]


def back_translation_rows() -> list[dict[str, Any]]:
    lines = (FIXTURES / "back_trans.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def fixture_pairs() -> tuple[list[tuple[str, str]], list[int]]:
    """Each instruction with each back-translation: its own are paraphrases (1), the others' are not (0)."""
    rows = back_translation_rows()
    pairs, labels = [], []
    for row in rows:
        for other in rows:
            for back in other["back_instruction"]:
                pairs.append((row["instruction"], back))
                labels.append(int(other is row))
    return pairs, labels


def dedup_part(args: argparse.Namespace) -> dict[str, Any]:
    from synthloom.plugins.kbert.candidates import candidate_pairs, cosine_pairs, embed, semantic_duplicates
    from synthloom.plugins.kbert.pair_model import PairModel, PairSettings
    from synthloom.plugins.kbert.parsing import random_negatives
    from synthloom.plugins.kbert.training import fine_tune

    with tempfile.TemporaryDirectory(prefix="kbert-bench-") as scratch:
        started = time.monotonic()
        train = made_pairs(Path(scratch))
        made_s = time.monotonic() - started
    pairs, labels = fixture_pairs()
    texts = sorted({t for pair in pairs for t in pair})
    index = {t: i for i, t in enumerate(texts)}
    vectors = embed(texts)
    cosine = cosine_pairs(vectors, [(index[a], index[b]) for a, b in pairs])
    seeds_text = [line for line in SEEDS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    seed_vectors = embed(seeds_text)
    out: dict[str, Any] = {
        "training_pairs": len(train), "positives": sum(1 for *_, y in train if y == 1),
        "pairs_made_s": round(made_s, 1),
        "fixture_pairs": len(pairs), "fixture_paraphrases": sum(labels), "minilm_cosine_auc": auc(cosine, labels),
        "runs": [], "seed_duplicates": {}, "seed_top_scores": {},
    }
    say(f"dedup: {len(train)} training pairs made in {made_s:.0f} s; MiniLM cosine AUC {out['minilm_cosine_auc']:.3f}")
    candidates = candidate_pairs(seed_vectors, args.min_cosine, args.neighbours)
    for seed in args.seeds:
        easy = random_negatives([(a, b) for a, b, _ in train], 1, random.Random(seed))
        for use_prior in (False, True):
            settings = PairSettings(use_prior=use_prior, prior_mode="reference")
            model = PairModel.create("minilm", settings, seed=seed)
            result = fine_tune(model, train + [(a, b, 0.0) for a, b in easy], epochs=args.dedup_epochs,
                               batch_size=args.batch_size, head_learning_rate=args.head_learning_rate, seed=seed)
            scores = model.predict(pairs)
            run = {"seed": seed, "prior": use_prior, "auc": auc(scores, labels), "pairs": result.pairs,
                   "steps": result.steps, "train_s": round(result.seconds, 1)}
            out["runs"].append(run)
            say(f"dedup: {json.dumps(run)}")
            found = semantic_duplicates(seeds_text, model.judge, args.threshold, args.min_cosine, args.neighbours)
            name = f"seed{seed}_{'prior' if use_prior else 'plain'}"
            out["seed_duplicates"][name] = [
                {"kept": seeds_text[d.match], "dropped": seeds_text[d.item], "score": round(d.score, 3)}
                for d in found.duplicates.values()]
            judged = model.predict([(seeds_text[i], seeds_text[j]) for i, j, _ in candidates])
            out["seed_top_scores"][name] = [
                {"a": seeds_text[i], "b": seeds_text[j], "score": round(score, 3), "cosine": round(c, 3)}
                for score, (i, j, c) in sorted(zip(judged, candidates), key=lambda t: -t[0])[:5]]
    out["summary"] = summarise([{**r, "fraction": 1.0} for r in out["runs"]], ("auc",))
    out["seed_cosine_candidates"] = [
        {"a": seeds_text[i], "b": seeds_text[j], "cosine": round(c, 3)} for i, j, c in candidates]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fractions", type=lambda s: [float(v) for v in s.split(",")], default=[0.1, 0.25, 0.5, 1.0])
    parser.add_argument("--seeds", type=lambda s: [int(v) for v in s.split(",")], default=[0, 1, 2])
    parser.add_argument("--test-docs", type=int, default=20)
    parser.add_argument("--train-docs", type=int, default=None, help="default: every document not in the test set")
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--min-steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--head-learning-rate", type=float, default=None,
                        help="for the new output layer (default: the encoder's 2e-5)")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--prior-mode", choices=("reference", "fast"), default="fast")
    parser.add_argument("--dedup-epochs", type=float, default=3.0)
    parser.add_argument("--min-cosine", type=float, default=0.3)
    parser.add_argument("--neighbours", type=int, default=3)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--skip-lee", action="store_true")
    parser.add_argument("--skip-dedup", action="store_true")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; on a loaded 2-core machine one thread ran a MiniLM step twice as fast")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    started = time.monotonic()
    out: dict[str, Any] = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                           "load_average_start": load_average(), "cpus": os.cpu_count()}
    if not args.skip_lee:
        out["lee"] = lee_part(args)
    if not args.skip_dedup:
        out["dedup"] = dedup_part(args)
    out["load_average_end"] = load_average()
    out["seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
