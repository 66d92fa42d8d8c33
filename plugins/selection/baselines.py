"""The simple baselines of "Rethinking Data Selection at Scale" (arXiv 2410.09335), as pure functions.

The study found that at the scale of a million samples few self-scoring methods beat random selection, and that
keeping the longest samples is a strong, cheap rule. Every function here works one sample (or one chunk) at a time
where the rule allows it, so that a pool of millions can be streamed (`Best` keeps a top-k in a heap), and k-means,
which needs every vector at once, is kept to what it needs. `TokenCounter` counts tokens as `nonzero_lengths` does,
tens of times faster on a large pool (see its docstring for why that is exact).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Sequence

import numpy as np


def random_key(seed: int, key: str | int) -> float:
    """A uniform number in [0, 1) fixed by the seed and the sample, so that seeded random selection is the `count`
    smallest keys: the same picks whatever order or chunking the pool is read in (the reference gives no seed)."""
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Best:
    """The `count` highest (score, index) pairs seen so far, in O(count) memory; on equal scores the later index
    wins, as in Cherry LLM's sort of (score, index) that `selection.top_k` follows."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._heap: list[tuple[float, int]] = []

    def offer(self, score: float, index: int) -> None:
        if self.count <= 0:
            return
        if len(self._heap) < self.count:
            heapq.heappush(self._heap, (score, index))
        elif (score, index) > self._heap[0]:
            heapq.heapreplace(self._heap, (score, index))

    def ranked(self) -> list[tuple[int, float]]:
        """(index, score) from best to worst."""
        return [(index, score) for score, index in sorted(self._heap, reverse=True)]


def nonzero_lengths(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Tokens per text as the reference counts them (`compute_token_num.py`): the tokenizer's special tokens
    included (BOS on Llama-3), ids equal to 0 left out (its `count_nonzero`), cut at the tokenizer's
    `model_max_length` (its `truncation=True`)."""
    if not texts:
        return []
    limit = getattr(tokenizer, "model_max_length", None) or 1 << 62
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # the same ids as tokenizer(...), without building Python lists of offsets
        return _backend_lengths(backend, texts, limit)
    rows = tokenizer(list(texts), add_special_tokens=True, truncation=True)["input_ids"]
    return [len(ids) - list(ids).count(0) for ids in rows]


def _backend_lengths(backend: Any, texts: Sequence[str], limit: int) -> list[int]:
    encode = getattr(backend, "encode_batch_fast", backend.encode_batch)
    counts = []
    for encoding in encode(list(texts), add_special_tokens=True):
        ids = encoding.ids
        if len(ids) > limit:
            ids = ids[:limit]
        counts.append(len(ids) - ids.count(0))
    return counts


SPACE_LIKE = "\u2581\u180e\u200b\ufeff"  # SentencePiece's space, and characters some regex engines call space
CACHE_SIZE = 500_000
CHECKED_TEXTS = 256


@dataclass(frozen=True)
class TokenizerFile:
    """A fast tokenizer as a file (its `tokenizer.json`, as transformers built it) and its `model_max_length`:
    cheap to hand to worker processes, which load it without importing transformers. `pieces` is what
    `piece_rule` found in it (None: texts cannot be counted in pieces)."""

    path: Path
    model_max_length: int | None
    pieces: str | None


def piece_rule(config: dict[str, Any]) -> str | None:
    """The characters after which a space does *not* start a new piece, for a tokenizer whose count of a text is
    provably the sum of the counts of its pieces (plus its special tokens); None for any other tokenizer.

    A text is cut before each space that follows a character that is neither white space nor one of these; each
    piece after the first starts with its space. Two layouts are recognised, the ones of the embedded models:

    - byte-level BPE with GPT-2's split regex (SmolLM2, GPT-2, Llama-2-style byte-level models): every regex match
      holds a space only as its first character or in a run of white space, so no match straddles a cut and the
      BPE model sees the same pre-tokens either way;
    - SentencePiece-style BPE whose only normaliser turns spaces into "\u2581" and which never splits the text
      (Gemma): the BPE merges run over the whole text, so a token could straddle a cut only if some merge joins a
      left part ending in a character `c` to a right part starting with "\u2581" (Gemma has one: `>` + `\u2581</`);
      those `c` are returned, and no cut is made after them.

    Added tokens must hold no space (so that none straddles a cut) and strip nothing; no truncation or padding may
    be set on the tokenizer itself; the post-processor may only add fixed special tokens."""
    if config.get("truncation") or config.get("padding"):
        return None
    if (config.get("post_processor") or {}).get("type", "TemplateProcessing") not in ("TemplateProcessing",
                                                                                      "ByteLevel"):
        return None
    model = config.get("model") or {}
    if model.get("type") != "BPE" or model.get("dropout"):
        return None
    for token in config.get("added_tokens") or []:
        content = token.get("content", "")
        if " " in content or (token.get("normalized") and "\u2581" in content) or any(
                token.get(flag) for flag in ("lstrip", "rstrip", "single_word")):
            return None
    normalizer, pre = config.get("normalizer"), config.get("pre_tokenizer")
    if normalizer is None and pre is not None and pre.get("type") == "ByteLevel" and pre.get("use_regex", True) \
            and not pre.get("add_prefix_space"):
        return SPACE_LIKE
    sentencepiece = {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}
    if normalizer == sentencepiece and (pre is None or (pre.get("type") == "Split"
                                                         and pre.get("pattern") == {"String": " "})):
        if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix") \
                or "\u2581" not in (model.get("vocab") or {}):
            return None
        joined = set()
        for merge in model.get("merges") or []:
            left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
            if right.startswith("\u2581") and not left.endswith("\u2581"):
                joined.add(left[-1])
        return SPACE_LIKE + "".join(sorted(joined - set(SPACE_LIKE)))
    return None


class TokenCounter:
    """`nonzero_lengths` of many texts, fast: a text is cut into pieces (a word with its leading space, for most
    texts; `piece_rule` says where a cut is exact) and each distinct piece is tokenized once, its count kept in a
    bounded cache. A tokenizer `piece_rule` does not recognise is run on whole texts, as `nonzero_lengths` does.
    The first texts are also counted whole, and a difference turns the pieces off (it would be a bug)."""

    def __init__(self, backend: Any, model_max_length: int | None = None, pieces: str | None = None, *,
                 cache_size: int = CACHE_SIZE) -> None:
        self.backend = backend
        self.limit = model_max_length if model_max_length and model_max_length < 1 << 62 else 1 << 62
        specials = backend.encode("", add_special_tokens=True).ids
        self._specials = _packed(specials)
        self._cache_size = cache_size
        self._first: dict[str, int] = {}   # the first piece of a text -> its packed count
        self._later: dict[str, int] = {}   # a later piece, without its leading space -> the count of " " + piece
        self._unchecked = CHECKED_TEXTS
        self._cut = None if pieces is None else re.compile(f"(?<=[^\\s{re.escape(pieces)}]) ")
        # An ASCII text none of whose spaces follows white space or one of `pieces` is cut by str.split alone.
        ascii_kept = re.escape("".join(c for c in pieces or "" if c.isascii()))
        self._uncut = re.compile(f"[\\t\\n\\v\\f\\r\\x1c-\\x1f {ascii_kept}] ")

    @classmethod
    def of(cls, tokenizer: Any) -> "TokenCounter":
        """A counter for a transformers tokenizer, or for a `TokenizerFile`."""
        if isinstance(tokenizer, TokenizerFile):
            from tokenizers import Tokenizer

            return cls(Tokenizer.from_file(str(tokenizer.path)), tokenizer.model_max_length, tokenizer.pieces)
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ValueError("TokenCounter needs a fast tokenizer (one with a `backend_tokenizer`)")
        return cls(backend, getattr(tokenizer, "model_max_length", None), piece_rule(json.loads(backend.to_str())))

    @property
    def in_pieces(self) -> bool:
        return self._cut is not None

    def counts(self, texts: Sequence[str]) -> list[int]:
        """Non-zero token ids per text, special tokens included, cut at `model_max_length`."""
        if self._cut is None or not texts:
            return _backend_lengths(self.backend, texts, self.limit)
        split = [self._pieces(text) for text in texts]
        self._fill(split)
        first, later, specials = self._first, self._later, self._specials
        packed = [specials + first[pieces[0]] + sum(map(later.__getitem__, pieces[1:])) for pieces in split]
        counts = [value & 0xFFFFFFFF for value in packed]
        long = [i for i, value in enumerate(packed) if value >> 32 > self.limit]
        if long:  # cut at model_max_length: which ids fall after the cut needs the whole text
            for i, n in zip(long, _backend_lengths(self.backend, [texts[i] for i in long], self.limit)):
                counts[i] = n
        if self._unchecked > 0 and not self._agrees(texts[:self._unchecked], counts):
            return _backend_lengths(self.backend, texts, self.limit)
        return counts

    def _pieces(self, text: str) -> list[str]:
        if text.isascii() and not text.startswith(" ") and self._uncut.search(text) is None:
            return text.split(" ")  # every space starts a piece
        return self._cut.split(text)  # type: ignore[union-attr]

    def _fill(self, split: list[list[str]]) -> None:
        wanted_first = {pieces[0] for pieces in split}
        wanted_later = set(chain.from_iterable(split))  # first pieces too: cheaper than leaving them out
        firsts, laters = wanted_first.difference(self._first), wanted_later.difference(self._later)
        if not firsts and not laters:
            return
        if len(self._first) + len(self._later) + len(firsts) + len(laters) > self._cache_size:
            self._first = {p: n for p, n in self._first.items() if p in wanted_first}
            self._later = {p: n for p, n in self._later.items() if p in wanted_later}
        new_first, new_later = sorted(firsts), sorted(laters)
        texts = new_first + [" " + piece for piece in new_later]
        encode = getattr(self.backend, "encode_batch_fast", self.backend.encode_batch)
        values = [_packed(e.ids) for e in encode(texts, add_special_tokens=False)]
        self._first.update(zip(new_first, values))
        self._later.update(zip(new_later, values[len(new_first):]))

    def _agrees(self, texts: Sequence[str], counts: Sequence[int]) -> bool:
        self._unchecked -= len(texts)
        if _backend_lengths(self.backend, texts, self.limit) == list(counts[:len(texts)]):
            return True
        import warnings

        warnings.warn("token counts by pieces differ from whole texts for this tokenizer; counting whole texts "
                      "(slower)", RuntimeWarning, stacklevel=3)
        self._cut = None
        return False


def _packed(ids: list[int]) -> int:
    """Token count and non-zero count in one int, so that a text's pieces add up with one `sum`."""
    return (len(ids) << 32) | (len(ids) - ids.count(0))


def kmeans_centroid_picks(vectors: np.ndarray, clusters: int, seed: int = 0) -> list[int]:
    """The sample nearest each k-means centroid (`token_length/kmeans_sample.py`: scikit-learn's KMeans with
    `random_state`, squared Euclidean distance), one per cluster, in cluster order; a sample nearest two centroids
    is taken once."""
    from sklearn.cluster import KMeans

    n = len(vectors)
    clusters = min(clusters, n)
    if clusters <= 0:
        return []
    x = np.asarray(vectors, dtype=np.float64)
    model = KMeans(n_clusters=clusters, random_state=seed, n_init="auto").fit(x)
    picks: list[int] = []
    seen: set[int] = set()
    for centre in model.cluster_centers_:
        nearest = int(np.argmin(((x - centre) ** 2).sum(axis=1)))
        if nearest not in seen:
            seen.add(nearest)
            picks.append(nearest)
    return picks
