"""What the tests of the real vLLM engine and server share: the embedded model's spec, and a skip (with the way to
fix it) on a machine where `scripts/setup_vllm.sh` has not made vLLM's environment. `scripts/test.sh` makes it."""

from __future__ import annotations

import pytest

# fp32: the parity tests compare with the transformers backend's float32 results; 1024 tokens keep the KV cache
# small and make the long-prompt rule easy to reach.
EMBEDDED_SPEC = {"backend": "vllm", "model": "embedded", "dtype": "float32", "max_model_len": 1024}


def require_vllm_python() -> str:
    from synthloom.backends.vllm.interpreter import find_python

    python, reason = find_python(None)
    if python is None:
        pytest.skip(f"no vLLM environment ({reason}): bash scripts/setup_vllm.sh")
    return python
