#!/usr/bin/env bash
# Idempotent: WordNet 3.0 for the kbert plugin's word-pair prior. NLTK cannot download its WordNet data here, so the
# dictionary comes from Debian (`wordnet-base`, plus `wordnet-sense-index` for index.sense); the plugin copies it
# into its own NLTK data folder on first use (`synthloom kbert prepare`). No-op when both packages are installed.
set -euo pipefail

say() { printf '\033[1m[setup-wordnet]\033[0m %s\n' "$*" >&2; }
PACKAGES=(wordnet-base wordnet-sense-index)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  say "WordNet present ($(dpkg-query -W -f='${Version}' wordnet-base))"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "missing Debian packages: ${missing[*]}; installing them needs root:"
  say "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi

say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null; then
  apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null
  apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi
say "WordNet installed ($(dpkg-query -W -f='${Version}' wordnet-base))"
