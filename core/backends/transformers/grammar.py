"""Grammar-constrained decoding on the transformers backend: a request's `json_schema`, `regex` or `choice`, per row.

The library is llguidance (MIT; chosen over xgrammar and outlines-core, see docs/backends.md): it applies a JSON
Schema `pattern` to the decoded string as `jsonschema` does afterwards, never lets a special token through as text,
and refuses keywords it cannot enforce instead of ignoring them. Its cost on CPU is the tokenizer set-up (seconds,
once per backend: `GrammarEngine` is built on the first constrained request); a mask is well under 1% of a step.

`GrammarRowSampler` extends the backend's `RowSampler`: before each row's token is picked, the rows with a grammar
that are still running get every token their grammar forbids set to -inf, and after the pick their matcher
consumes it. Rows without a grammar are untouched, so they decode exactly as in a batch without grammars. A grammar
that is complete and cannot continue allows only EOS, which ends its row. A row cut by `max_tokens` or a stop
string before its grammar was complete is `truncated`: the matcher's state says so, not `finish_reason` (a regex
like `[0-9]+` may be complete when cut).

Imported only when a batch holds a constrained request (it imports llguidance, torch and numpy).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import llguidance.hf
import numpy as np
import torch
from llguidance import LLMatcher

from synthloom.backends.base import GenerateRequest
from synthloom.backends.transformers.generation import RowSampler, RowSpec, RowStopper

# ", " and ": " rather than llguidance's compact default: with "," and ":" SmolLM2 wrote '{"func":", "...' and
# looped to max_tokens (it expects a space after a colon); no free whitespace, which small models fill with runs.
JSON_OPTIONS = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
CACHE_SIZE = 64


class GrammarError(ValueError):
    """A constraint the library cannot compile (bad regex, unsupported or unsatisfiable schema, empty language)."""


def grammar_source(request: GenerateRequest) -> str | None:
    """The llguidance grammar for the request's constraint (None when it has none); also the compile cache key.

    A choice list is an alternation of escaped literals: the whole reply is exactly one of them.
    """
    if request.json_schema is not None:
        try:
            return LLMatcher.grammar_from_json_schema(request.json_schema, defaults=JSON_OPTIONS)
        except ValueError as error:
            raise GrammarError(str(error)) from None
    if request.regex is not None:
        return LLMatcher.grammar_from_regex(request.regex)
    if request.choice is not None:
        return LLMatcher.grammar_from_regex("(" + "|".join(re.escape(c) for c in request.choice) + ")")
    return None


class GrammarEngine:
    """llguidance set up for one tokenizer: compiled grammars (cached, errors too) and a fresh matcher per row."""

    def __init__(self, tokenizer: Any, eos_ids: set[int]) -> None:
        try:
            self.tokenizer = llguidance.hf.from_tokenizer(tokenizer, n_vocab=len(tokenizer),
                                                          eos_token=sorted(eos_ids))
        except ValueError as error:  # a slow (pure-Python) tokenizer
            raise GrammarError(f"llguidance cannot read this model's tokenizer: {error}") from None
        self.vocab = self.tokenizer.vocab_size
        self._compiled: OrderedDict[str, Any] = OrderedDict()

    def compile(self, grammar: str) -> Any:
        """A matcher in its start state to copy for each row; GrammarError if the grammar cannot be used.

        One mask is computed up front, because an empty language (a regex that matches nothing) only shows there.
        """
        if grammar not in self._compiled:
            self._compiled[grammar] = self._build(grammar)
            if len(self._compiled) > CACHE_SIZE:
                self._compiled.popitem(last=False)
        self._compiled.move_to_end(grammar)
        found = self._compiled[grammar]
        if isinstance(found, GrammarError):
            raise found
        return found

    def matcher(self, compiled: Any) -> Any:
        return compiled.deep_copy()

    def _build(self, grammar: str) -> Any:
        template = LLMatcher(self.tokenizer, grammar, log_level=0)
        if template.is_error():
            return GrammarError(_message(template))
        probe = template.deep_copy()
        fill_mask(probe, allocate_bitmask(1, self.vocab), 0)
        if probe.is_error():
            return GrammarError(f"no text can match it ({_message(probe)})")
        return template


def _message(matcher: Any) -> str:
    """llguidance's error without the parser state it appends: the part a user can act on."""
    return matcher.get_error().split("\n<state>")[0].strip()[:400]


def allocate_bitmask(rows: int, vocab: int) -> torch.Tensor:
    """int32 [rows, ceil(vocab / 32)]: bit j of word w allows token 32 * w + j (llguidance's layout)."""
    return torch.zeros((rows, (vocab + 31) // 32), dtype=torch.int32)


def fill_mask(matcher: Any, bitmask: torch.Tensor, row: int) -> None:
    """The matcher's allowed tokens into one bitmask row. Written through the pointer API rather than
    `llguidance.torch`, whose import pulls in `torch.compile` (seconds of import, a C compiler at first use)."""
    matcher.unsafe_compute_mask_ptr(bitmask[row].data_ptr(), bitmask.shape[1] * 4)


def allowed_tokens(bitmask: torch.Tensor, width: int) -> torch.Tensor:
    """The bitmask as bool [rows, width]; numpy unpacks the little-endian words bit by bit in token order."""
    bits = np.unpackbits(bitmask.numpy().view(np.uint8), axis=1, bitorder="little")[:, :width]
    return torch.from_numpy(bits).bool()


class GrammarRowSampler(RowSampler):
    """RowSampler with a grammar matcher per row (None: unconstrained); see the module docstring."""

    def __init__(self, rows: list[RowSpec], matchers: list[Any | None], vocab: int, stopper: RowStopper,
                 eos_ids: set[int]) -> None:
        super().__init__(rows)
        self.matchers = matchers
        self.vocab = vocab
        self.stopper = stopper
        self.eos_ids = eos_ids
        self.ended = [False] * len(rows)  # EOS picked: `generate` pads the row from here on
        self.bitmask = allocate_bitmask(sum(m is not None for m in matchers), vocab)

    def truncated(self, row: int) -> bool:
        """Whether the row has a grammar that its reply left incomplete."""
        matcher = self.matchers[row]
        return matcher is not None and not matcher.is_accepting()

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        live = [i for i, m in enumerate(self.matchers)
                if m is not None and not self.ended[i] and not self.stopper.stopped[i]]
        if live:
            bitmask = self.bitmask[:len(live)]
            for k, i in enumerate(live):
                fill_mask(self.matchers[i], bitmask, k)
            width = min(self.vocab, scores.shape[1])
            index = torch.tensor(live, device=scores.device)
            forbidden = ~allowed_tokens(bitmask, width).to(scores.device)
            scores[index, :width] = scores[index, :width].masked_fill(forbidden, float("-inf"))
            scores[index, width:] = float("-inf")  # LM-head columns the tokenizer has no token for
        chosen = self._choose(scores)
        for i in live:
            self.matchers[i].consume_token(chosen[i])
            self.ended[i] = chosen[i] in self.eos_ids
        return self._only(scores, chosen)
