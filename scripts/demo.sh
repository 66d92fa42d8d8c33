#!/usr/bin/env bash
# The demo command: set up whatever is missing, then run the AutoIF demo campaign on the embedded defaults
# (local Gemma 3 270M, Docker sandbox, DuckDB store). Rerunning it resumes instead of starting over.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 LITELLM_LOCAL_MODEL_COST_MAP=True
campaign=examples/autoif.yaml
[ -f "$campaign" ] || campaign=examples/replay_demo.yaml
exec .venv/bin/synthloom run "$campaign" "$@"
