# shellcheck shell=bash
# Common helpers for the interLink local test bench. Sourced by testbench.sh.

TB_STATE_DIR="${TESTBENCH_STATE_DIR:-/var/lib/interlink-testbench}"
TB_CACHE_DIR="${TESTBENCH_CACHE_DIR:-/var/cache/interlink-testbench}"
TB_LOG_DIR="$TB_STATE_DIR/logs"
TB_RUN_DIR="$TB_STATE_DIR/run"
export DEBIAN_FRONTEND=noninteractive
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/go/bin:$PATH"

TB_APT_UPDATED=0

log()  { printf '[testbench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[testbench %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[testbench %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

tb_init_dirs() {
  mkdir -p "$TB_STATE_DIR" "$TB_CACHE_DIR" "$TB_LOG_DIR" "$TB_RUN_DIR"
}

# pkg_installed PKG: true if the Debian package is fully installed.
pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -c '^install ok installed$' >/dev/null
}

# ensure_pkgs PKG...: apt-get install the packages that are missing.
# Services shipped by the packages are NOT started by the maintainer scripts
# (a temporary policy-rc.d forbids it); the bench starts its own instances.
ensure_pkgs() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [[ $TB_APT_UPDATED -eq 0 ]]; then
    apt-get update -qq >"$TB_LOG_DIR/apt-update.log" 2>&1 || { cat "$TB_LOG_DIR/apt-update.log" >&2; die "apt-get update failed"; }
    TB_APT_UPDATED=1
  fi
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# created temporarily by interlink testbench\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$TB_LOG_DIR/apt-install.log" 2>&1 || rc=$?
  if [[ $made_policy -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "$TB_LOG_DIR/apt-install.log" >&2
    die "apt-get install ${missing[*]} failed (see $TB_LOG_DIR/apt-install.log)"
  fi
}

# proc_starttime PID: start time (clock ticks since boot) of a process; with
# the pid it identifies the process even after a reboot recycled the pid.
proc_starttime() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }           # drop "pid (comm) "
  # shellcheck disable=SC2086
  set -- $st              # state ppid pgrp ... ; starttime is field 22 => $20
  echo "${20}"
}

# pid_alive PIDFILE: true if the pidfile names a live process. A second line
# with the process start time (written by start_bg) must match too.
pid_alive() {
  local f=$1 pid want
  [[ -s $f ]] || return 1
  pid=$(head -n1 "$f" 2>/dev/null | tr -dc '0-9')
  [[ -n $pid ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # zombie check
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]] || return 1
  want=$(sed -n 2p "$f" 2>/dev/null)
  [[ -z $want || $want == "$(proc_starttime "$pid")" ]]
}

# pidfile_pid PIDFILE: the pid stored in PIDFILE.
pidfile_pid() { head -n1 "$1" 2>/dev/null | tr -dc '0-9'; }

# start_bg NAME CMD...: start CMD detached (own session), stdout+stderr
# appended to $TB_LOG_DIR/NAME.log, pid written to $TB_RUN_DIR/NAME.pid.
start_bg() {
  local name=$1; shift
  local logf="$TB_LOG_DIR/$name.log" pidf="$TB_RUN_DIR/$name.pid"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logf"
  # fd 9 is the bench lock: daemons must not inherit it
  nohup setsid "$@" </dev/null >>"$logf" 2>&1 9>&- &
  local pid=$!
  printf '%s\n%s\n' "$pid" "$(proc_starttime "$pid" || true)" >"$pidf"
  printf '%q ' "$@" >"$TB_RUN_DIR/$name.cmd"
}

# daemon_current NAME CMD...: NAME is alive and was started with exactly CMD.
daemon_current() {
  local name=$1; shift
  pid_alive "$TB_RUN_DIR/$name.pid" || return 1
  [[ "$(cat "$TB_RUN_DIR/$name.cmd" 2>/dev/null)" == "$(printf '%q ' "$@")" ]]
}

# stop_pidfile PIDFILE [TIMEOUT]: TERM, wait, then KILL.
stop_pidfile() {
  local f=$1 t=${2:-20} pid i
  if ! pid_alive "$f"; then rm -f "$f"; return 0; fi
  pid=$(pidfile_pid "$f")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < t * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "pid $pid ($f) did not stop after ${t}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$f"
}

# wait_until TIMEOUT_SECONDS DESCRIPTION CMD...: poll CMD every 0.5s.
wait_until() {
  local t=$1 desc=$2; shift 2
  local deadline=$((SECONDS + t))
  while ! "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      warn "timed out after ${t}s waiting for: $desc"
      return 1
    fi
    sleep 0.5
  done
}

# wait_proc PIDFILE TIMEOUT DESCRIPTION CMD...: like wait_until, but give up
# as soon as the process named by PIDFILE has exited.
wait_proc() {
  local pf=$1 t=$2 desc=$3; shift 3
  local deadline=$((SECONDS + t))
  while ! "$@" >/dev/null 2>&1; do
    if ! pid_alive "$pf"; then
      warn "process of $pf exited while waiting for: $desc"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      warn "timed out after ${t}s waiting for: $desc"
      return 1
    fi
    sleep 0.5
  done
}

# port_listening PORT: something listens on TCP PORT (any address).
port_listening() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -c . >/dev/null
}

tb_hostname() { hostname -s; }

# timed NAME FUNC ARGS...: run FUNC, print "NAME up in Ns".
timed() {
  local name=$1; shift
  local t0=$SECONDS
  "$@"
  log "$name up in $((SECONDS - t0))s"
}
