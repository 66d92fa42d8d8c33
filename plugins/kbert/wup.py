"""Wu-Palmer similarity equal to NLTK's `Synset.wup_similarity`, from cached ancestor tables.

NLTK recomputes each synset's ancestors on every call (about 0.3 ms a pair here), and the reference's prior asks for
every sense pair of every cross-sentence word pair: a benchmark's worth of pairs would take hours. This computes the
same number from each synset's ancestor distances, built once per synset, following NLTK 3.10's rule step by step:
the lowest common hypernyms by *minimum* depth (NLTK keeps that NLTK 2 behaviour), a simulated root whenever either
synset is not a noun (it joins the verb trees and ties with real roots, sorting first by name), the subsumer's
*maximum* depth, and NLTK's "shortest path" through a common ancestor. tests/kbert check it against NLTK itself.
"""

from __future__ import annotations

from typing import Any

ROOT = "*ROOT*"
Synset = Any  # nltk.corpus.reader.wordnet.Synset, kept untyped so that importing this module never imports nltk


class WuPalmer:
    """One instance per WordNet reader; its caches grow with the synsets it has seen."""

    def __init__(self) -> None:
        self._paths: dict[str, dict[str, int]] = {}
        self._min_depth: dict[str, int] = {ROOT: 0}
        self._max_depth: dict[str, int] = {ROOT: 0}
        self._synsets: dict[str, Synset] = {}
        self._rooted: dict[str, dict[str, int]] = {ROOT: {ROOT: 0}}

    def _ancestors(self, synset: Synset) -> dict[str, int]:
        """Every hypernym (instance hypernyms included) with its shortest distance, the synset itself at 0."""
        name = synset.name()
        paths = self._paths.get(name)
        if paths is None:
            paths = {}
            frontier, depth = [synset], 0
            while frontier:
                step = []
                for s in frontier:
                    key = s.name()
                    if key in paths:
                        continue
                    paths[key] = depth
                    if key not in self._synsets:
                        self._synsets[key] = s
                        self._min_depth[key] = s.min_depth()
                        self._max_depth[key] = s.max_depth()
                    step += s.hypernyms() + s.instance_hypernyms()
                frontier, depth = step, depth + 1
            self._paths[name] = paths
        return paths

    def _with_root(self, name: str, simulate_root: bool) -> dict[str, int]:
        """NLTK's `_shortest_hypernym_paths`: with a simulated root one step above the farthest ancestor."""
        if not simulate_root:
            return self._ancestors(self._synsets[name])
        rooted = self._rooted.get(name)
        if rooted is None:
            paths = self._ancestors(self._synsets[name])
            rooted = self._rooted[name] = {**paths, ROOT: max(paths.values()) + 1}
        return rooted

    def _distance(self, a: str, b: str, simulate_root: bool) -> int | None:
        """NLTK's shortest_path_distance: up from both to the common ancestor that makes the path shortest."""
        if a == b:
            return 0
        da, db = self._with_root(a, simulate_root), self._with_root(b, simulate_root)
        common = da.keys() & db.keys()
        return min(da[s] + db[s] for s in common) if common else None

    def similarity(self, x: Synset, y: Synset) -> float | None:
        """`x.wup_similarity(y)` for WordNet 3.0 (where only nouns have a real root); None when NLTK gives None."""
        need_root = x.pos() != "n" or y.pos() != "n"
        nx, ny = x.name(), y.name()
        candidates = [*(self._ancestors(x).keys() & self._ancestors(y).keys()), *([ROOT] if need_root else [])]
        if not candidates:
            return None
        deepest = max(self._min_depth[s] for s in candidates)
        lowest = sorted(s for s in candidates if self._min_depth[s] == deepest)
        subsumer = nx if nx in lowest else lowest[0]
        depth = self._max_depth[subsumer] + 1
        len1 = self._distance(nx, subsumer, need_root)
        len2 = self._distance(ny, subsumer, need_root)
        if len1 is None or len2 is None:
            return None
        return 2.0 * depth / (len1 + depth + len2 + depth)
