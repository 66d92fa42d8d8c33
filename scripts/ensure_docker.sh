#!/usr/bin/env bash
# Make sure a Docker daemon answers and mmdebstrap is installed, for the synthloom sandbox.
# Idempotent; needs root on a fresh Debian bookworm machine; works without a TTY (CI).
#   DOCKER_WAIT_S   seconds to wait for dockerd to answer (default 60)
#   DOCKERD_LOG     where a dockerd started here logs (default /var/log/synthloom-dockerd.log)
set -euo pipefail

wait_s="${DOCKER_WAIT_S:-60}"
log="${DOCKERD_LOG:-/var/log/synthloom-dockerd.log}"
export DEBIAN_FRONTEND=noninteractive

say() { echo "ensure_docker: $*" >&2; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    say "need root to install $* (run: sudo $0)"; exit 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq; apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

if docker info >/dev/null 2>&1; then
  say "Docker daemon is up"; exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "the Docker daemon does not answer and only root can start it (run: sudo $0)"; exit 1
fi
if ! { [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }; then
  say "starting dockerd (log: $log)"
  mkdir -p "$(dirname "$log")"
  nohup dockerd >>"$log" 2>&1 </dev/null &
fi

for _ in $(seq "$wait_s"); do
  if docker info >/dev/null 2>&1; then
    say "Docker daemon is up"; exit 0
  fi
  sleep 1
done
say "dockerd did not answer within ${wait_s}s; last lines of $log:"
tail -n 20 "$log" >&2 || true
exit 1
