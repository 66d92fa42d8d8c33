#!/usr/bin/env bash
# The demo command: set up whatever is missing, then run the AutoIF demo campaign on the embedded defaults
# (Gemma 3 270M with few-shot prompts, SmolLM2-135M-Instruct for the answers, Docker sandbox, DuckDB store). It
# prints the survival table and writes runs/autoif-demo/sft.jsonl and dpo.jsonl. Rerunning it resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 LITELLM_LOCAL_MODEL_COST_MAP=True
campaign=examples/autoif.yaml
[ -f "$campaign" ] || campaign=examples/replay_demo.yaml
exec .venv/bin/synthloom run "$campaign" "$@"
