"""FastClass's real check: pseudo-label the Pang & Lee sentence-polarity sample that gensim's wheel ships in its test
data (200 movie-review sentences, 100 negative and 100 positive), from the class names alone, and report accuracy.

    python benchmarks/fastclass_polarity.py [--pool 0.1 0.3 0.5]

The sentences are read from the installed gensim package (`pip install gensim==4.4.0`, the `kbert-bench` extra) and
never copied into the repository: gensim states no licence for its test data, and the polarity data (Pang & Lee,
ACL 2005, Cornell) is distributed for research. As in the reference's SST set-up, the classes are `negative` and
`positive` and the corpus being labelled is also the test set (transductive).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def polarity_sentences() -> tuple[list[str], list[str]]:
    import gensim

    path = Path(gensim.__file__).parent / "test" / "test_data" / "pang_lee_polarity.cor"
    texts, labels = [], []
    for line in path.read_text(encoding="latin-1").splitlines():  # the original files are Latin-1
        tag, _, text = line.partition(" ")
        texts.append(text.strip())
        labels.append({"__label__neg": "negative", "__label__pos": "positive"}[tag])
    return texts, labels


VARIANTS = {
    "names (the reference's classes.txt)": [("negative", ""), ("positive", "")],
    "descriptions": [("negative", "a negative, unfavourable movie review"),
                     ("positive", "a positive, favourable movie review")],
}


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser()
    parser.add_argument("--pool", type=float, nargs="+", default=[0.1, 0.3, 0.5])
    args = parser.parse_args()
    from synthloom.plugins.fastclass.evaluation import accuracies
    from synthloom.plugins.fastclass.method import LabelSettings, label
    from synthloom.plugins.fastclass.parsing import ClassSpec, check
    from synthloom.plugins.fastclass.pipeline import embed

    texts, gold = polarity_sentences()
    print(f"{len(texts)} sentences; load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    vectors = embed(texts)
    print(f"embedded in {time.perf_counter() - started:.1f} s")
    for variant, specs in VARIANTS.items():
        classes = [ClassSpec(name, description) for name, description in specs]
        check(classes, len(texts), variant)
        class_vectors = embed([c.text for c in classes])
        for pool in args.pool:
            started = time.perf_counter()
            outcome = label(vectors, class_vectors, LabelSettings(pool=pool))
            found = accuracies(outcome, vectors, gold, [c.name for c in classes])
            entropies = ", ".join(f"{k:g}: {v:.3f}" for k, v in outcome.entropies.items() if v is not None)
            print(f"{variant}, pool {pool:g}: labelled {len(outcome.labelled)}, keep {outcome.keep:g} (entropies "
                  f"{entropies}); pseudo-label accuracy {found['pseudo_label_accuracy']:.3f}, classifier accuracy "
                  f"on all {len(texts)} {found['classifier_accuracy']:.3f}; {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
