#!/usr/bin/env bash
# Idempotent: the browser the report's end-to-end tests drive. Debian's chromium (Playwright's own browser download
# cannot reach its host here) and Python Playwright, pinned in pyproject's `dev` extra, pointed at it by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SYNTHLOOM_VENV:-.venv}
say() { printf '\033[1m[setup-browser]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium >/dev/null; then
    as_root apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null
    as_root apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium >/dev/null
  fi
fi

if ! "$VENV/bin/python" -c "import playwright.sync_api" 2>/dev/null; then
  say "installing the dev extra (Playwright)"
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
fi
say "chromium $(chromium --version 2>/dev/null | awk '{print $2}'), playwright $("$VENV/bin/python" -c \
  'from importlib.metadata import version; print(version("playwright"))')"
