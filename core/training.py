"""Hand an exported dataset to TRL: SFT on conversational `messages` rows, DPO on `prompt`/`chosen`/`rejected` rows.

The defaults are AutoIF's published hyper-parameters (arXiv 2406.13542, section 3): SFT with learning rate 7e-6 for
3 epochs, DPO with beta 0.3 and learning rate 5e-7 for 2 epochs. Base models without a chat template (the embedded
Gemma 3 270M) get the same plain `User:`/`Assistant:` template the transformers backend prompts them with, so that a
trained model is asked questions the way it was trained on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from synthloom.errors import ConfigError

Method = Literal["sft", "dpo"]

PAPER_DEFAULTS: dict[str, dict[str, float]] = {
    "sft": {"learning_rate": 7e-6, "epochs": 3},
    "dpo": {"learning_rate": 5e-7, "epochs": 2, "beta": 0.3},
}
# Each method accepts the first of these column sets a dataset has: conversational `messages` or plain-text
# `prompt`/`completion` (loss on the completion only) for SFT, preference triples for DPO.
ACCEPTED_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "sft": (("messages",), ("prompt", "completion")),
    "dpo": (("prompt", "chosen", "rejected"),),
}

# The backend's plain template (synthloom.backends.chat_template) as Jinja, ending each assistant turn with EOS.
PLAIN_CHAT_TEMPLATE = (
    "{% for m in messages %}{% if not loop.first %}\n{% endif %}"
    "{% if m['role'] == 'system' %}System: {% elif m['role'] == 'user' %}User: {% else %}Assistant: {% endif %}"
    "{{ m['content'] }}{% if m['role'] == 'assistant' %}{{ eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}\nAssistant:{% endif %}"
)


@dataclass
class TrainResult:
    out_dir: Path
    steps: int
    losses: list[float] = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan


def resolve_model(model: str) -> Path:
    """`embedded` is the bundled Gemma 3 270M (converted once to safetensors); anything else is a local directory."""
    if model == "embedded":
        from synthloom.backends.embedded import ensure_embedded_model

        return ensure_embedded_model()
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(f"model {model!r} is neither 'embedded' nor a local model directory with config.json",
                          hint="give a directory saved with save_pretrained(), or `embedded`")
    return path


def load_rows(data: str | Path, method: Method) -> Any:
    """An exported dataset (`.jsonl`, `.parquet`, or a `datasets` folder) checked for the columns TRL needs."""
    import datasets

    path = Path(data)
    if not path.exists():
        raise ConfigError(f"dataset {str(path)!r} does not exist", hint="export one with `synthloom export`")
    if path.is_file() and not path.read_bytes().strip():
        raise ConfigError(f"dataset {str(path)!r} is empty; there is nothing to train on",
                          hint="check how many samples survived the campaign (`synthloom sql`)")
    if path.is_dir():
        dataset = datasets.load_from_disk(str(path))
    elif path.suffix in (".jsonl", ".json"):
        dataset = datasets.load_dataset("json", data_files=str(path), split="train")
    elif path.suffix == ".parquet":
        dataset = datasets.load_dataset("parquet", data_files=str(path), split="train")
    else:
        raise ConfigError(f"cannot read dataset {str(path)!r}", hint="use .jsonl, .parquet or a datasets folder")
    columns = next((c for c in ACCEPTED_COLUMNS[method] if set(c) <= set(dataset.column_names)), None)
    if columns is None:
        wanted = " or ".join("+".join(c) for c in ACCEPTED_COLUMNS[method])
        raise ConfigError(f"dataset {str(path)!r} has columns {dataset.column_names}; {method.upper()} needs {wanted}",
                          hint=f"export with format trl-{method}")
    if len(dataset) == 0:
        raise ConfigError(f"dataset {str(path)!r} is empty; there is nothing to train on",
                          hint="check how many samples survived the campaign (`synthloom sql`)")
    from synthloom.images import IMAGE_COLUMNS, decode_image_columns

    images = [c for c in IMAGE_COLUMNS if c in dataset.column_names][:1]
    return decode_image_columns(dataset.select_columns([*columns, *images]), path if path.is_dir() else path.parent)


def train(method: Method, data: str | Path, model: str, out: str | Path, *, max_steps: int | None = None,
          learning_rate: float | None = None, epochs: float | None = None, beta: float | None = None,
          batch_size: int = 2, gradient_accumulation: int = 1, max_length: int = 1024, seed: int = 0) -> TrainResult:
    """Fine-tune `model` on `data` and save it (with its tokenizer) to `out`. `max_steps` overrides epochs.

    A dataset with images (`images` / `image`, as the trl exporters write them) trains a vision-language model
    through its processor, with no `max_length`: truncation could cut the image tokens the images expand into."""
    import torch

    defaults = PAPER_DEFAULTS[method]
    dataset = load_rows(data, method)
    model_dir = resolve_model(model)
    on_gpu = torch.cuda.is_available()
    bf16 = on_gpu and torch.cuda.is_bf16_supported()
    vision = any(c in dataset.column_names for c in ("images", "image"))
    network, tokenizer = _load(model_dir, torch.bfloat16 if bf16 else torch.float32, vision)
    common: dict[str, Any] = {
        "output_dir": str(out), "per_device_train_batch_size": batch_size,
        "gradient_accumulation_steps": gradient_accumulation,
        "learning_rate": learning_rate if learning_rate is not None else defaults["learning_rate"],
        "num_train_epochs": epochs if epochs is not None else defaults["epochs"],
        "max_steps": max_steps if max_steps is not None else -1, "logging_steps": 1, "save_strategy": "no",
        "report_to": [], "seed": seed, "use_cpu": not on_gpu, "bf16": bf16,
        "max_length": None if vision else max_length,
        "disable_tqdm": True,
    }
    if method == "sft":
        from trl import SFTConfig, SFTTrainer

        trainer = SFTTrainer(model=network, args=SFTConfig(**common), train_dataset=dataset,
                             processing_class=tokenizer)
    else:
        from trl import DPOConfig, DPOTrainer

        config = DPOConfig(**common, beta=beta if beta is not None else defaults["beta"])
        trainer = DPOTrainer(model=network, args=config, train_dataset=dataset, processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    losses = [float(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    return TrainResult(out_dir=Path(out), steps=trainer.state.global_step, losses=losses)


def _load(model_dir: Path, dtype: Any, vision: bool) -> tuple[Any, Any]:
    """(model, processing class): a causal LM and its tokenizer (given the plain chat template when it has none),
    or, for a dataset with images, a vision-language model and its processor."""
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor, AutoTokenizer

    if vision:
        from synthloom.backends.transformers.vision import is_vision_model

        if not is_vision_model(model_dir):
            raise ConfigError(f"the dataset has images but model {str(model_dir)!r} is a text-only model",
                              hint="train a vision-language model (its config has a vision_config)")
        return (AutoModelForImageTextToText.from_pretrained(str(model_dir), dtype=dtype),
                AutoProcessor.from_pretrained(str(model_dir)))
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=dtype), tokenizer
