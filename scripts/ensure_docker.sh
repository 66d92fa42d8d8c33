#!/usr/bin/env bash
# Make sure a Docker daemon answers, and that mmdebstrap (the offline sandbox image build) is installed.
# Idempotent; works without a TTY (CI); never prompts and never waits unbounded.
#
# What it does depends on what the machine has, checked in this order:
#   a daemon answers `docker info` (local, DOCKER_HOST or a docker context)  -> nothing for Docker
#   DOCKER_HOST is set but does not answer                                  -> wait for it, install/start nothing
#   not root                                                                -> say what to run with sudo, exit 1
#   no daemon binary (`dockerd`), e.g. a fresh machine with only the client -> apt-get install docker.io
#   dockerd installed but not running                                       -> start it in the background
# It detects the daemon binary, not the client: a fresh machine of ours has `docker` on PATH and no `dockerd`.
#
#   DOCKER_WAIT_S    seconds to wait for the daemon to answer (default 60)
#   DOCKERD_LOG      where a dockerd started here logs (default /var/log/synthloom-dockerd.log)
#   DOCKERD_PIDFILE  the pid file dockerd keeps, to tell "starting" from "stopped" (default /var/run/docker.pid)
set -euo pipefail

wait_s="${DOCKER_WAIT_S:-60}"
log="${DOCKERD_LOG:-/var/log/synthloom-dockerd.log}"
pidfile="${DOCKERD_PIDFILE:-/var/run/docker.pid}"
probe_s=10
self="bash $0"
export DEBIAN_FRONTEND=noninteractive

say() { echo "ensure_docker: $*" >&2; }
fail() { say "$*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# Why the last probe failed: docker's first error line, so "permission denied" reads differently from "not running".
probe_error=""
daemon_answers() {
  have docker || { probe_error="no docker client on PATH"; return 1; }
  local out status=0
  out=$(timeout "$probe_s" docker info 2>&1 >/dev/null </dev/null) || status=$?
  [ "$status" -eq 0 ] && return 0
  if [ "$status" -eq 124 ]; then
    probe_error="docker info did not answer within ${probe_s}s"
  else
    out="${out#"${out%%[![:space:]]*}"}"
    probe_error="${out%%$'\n'*}"
    probe_error="${probe_error:-docker info failed with status $status}"
  fi
  return 1
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    apt-get -o DPkg::Lock::Timeout=120 update -qq </dev/null \
      || fail "apt-get update failed (is an apt mirror reachable?)"
    apt_updated=1
  fi
  say "installing $*"
  apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "$@" </dev/null >/dev/null \
    || fail "apt-get install $* failed"
  hash -r
}

# mmdebstrap is only needed to build the sandbox image offline, so a missing one never fails a user without root.
ensure_mmdebstrap() {
  have mmdebstrap && return 0
  if is_root && [ -z "${DOCKER_HOST:-}" ]; then
    apt_install mmdebstrap
  else
    say "note: mmdebstrap is missing; building the sandbox image offline needs it" \
      "(run: sudo apt-get install -y mmdebstrap)"
  fi
}

wait_for_daemon() {  # $1: pid of a dockerd started here, or empty
  local started="$1" deadline=$((SECONDS + wait_s))
  while [ "$SECONDS" -lt "$deadline" ]; do
    daemon_answers && return 0
    if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then
      daemon_answers && return 0
      say "dockerd exited before it answered; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      exit 1
    fi
    sleep 1
  done
  return 1
}

dockerd_running() {  # dockerd writes its pid without a newline, which `read` would report as a failure
  local pid
  [ -r "$pidfile" ] && pid=$(<"$pidfile") && [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

if daemon_answers; then
  say "Docker daemon is up"
  ensure_mmdebstrap
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  have docker || fail "DOCKER_HOST is set but there is no docker client to reach it with. Install one" \
    "(sudo apt-get install -y docker.io; this script installs nothing while DOCKER_HOST is set)"
  say "waiting up to ${wait_s}s for the daemon at DOCKER_HOST=$DOCKER_HOST ($probe_error)"
  wait_for_daemon "" || fail "the daemon at DOCKER_HOST=$DOCKER_HOST does not answer: $probe_error." \
    "Nothing local is installed or started while DOCKER_HOST is set: start that daemon, or unset DOCKER_HOST" \
    "to use a local one"
  say "Docker daemon at $DOCKER_HOST is up"
  ensure_mmdebstrap
  exit 0
fi

if ! is_root; then
  if [[ "$probe_error" == *"ermission denied"* ]]; then
    fail "the Docker daemon runs but this user may not use it ($probe_error). Either run as root, or" \
      "add yourself to the docker group: sudo usermod -aG docker $(id -un 2>/dev/null || echo "\$USER")," \
      "then log in again"
  elif ! have dockerd; then
    fail "the Docker daemon does not answer ($probe_error) and no dockerd is on PATH; installing and starting it" \
      "needs root. Run: sudo $self"
  else
    fail "the Docker daemon does not answer ($probe_error) and only root can start it. Run: sudo $self"
  fi
fi

missing=()
{ have dockerd && have docker; } || missing+=(docker.io)
have mmdebstrap || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
  have dockerd || fail "installed ${missing[*]} but there is still no dockerd on PATH (is /usr/sbin on PATH?)"
fi

started=""
if dockerd_running; then
  say "dockerd is already running (pid file $pidfile); waiting for it to answer"
else
  say "starting dockerd (log: $log)"
  case "$log" in */*) mkdir -p "${log%/*}" ;; esac
  nohup dockerd --pidfile "$pidfile" >>"$log" 2>&1 </dev/null &
  started=$!
fi
if wait_for_daemon "$started"; then
  say "Docker daemon is up"
  exit 0
fi
say "dockerd did not answer within ${wait_s}s ($probe_error); last lines of $log:"
tail -n 20 "$log" >&2 || true
exit 1
