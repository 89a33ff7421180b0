#!/usr/bin/env bash
# Stops what scripts/run-local.sh started: the processes listed in .run/pids (or $SISKIN_RUN_DIR/pids).
# The router first, and the model servers only once it has exited: through its drain grace the router still
# accepts calls and forwards them, so its backends must outlive it or those calls fail. Each step sends SIGTERM
# (every JVM drains and exits by itself), waits up to SISKIN_STOP_TIMEOUT seconds (default 20) and sends SIGKILL
# to whatever still runs. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR=${SISKIN_RUN_DIR:-.run}
PID_FILE=$RUN_DIR/pids
STOP_TIMEOUT=${SISKIN_STOP_TIMEOUT:-20}

if [ ! -s "$PID_FILE" ]; then
  echo "Nothing to stop (no $PID_FILE)."
  rm -f "$PID_FILE"
  exit 0
fi

# alive PID: the process exists and is not a zombie (a zombie has exited; only its parent's wait is missing).
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$stat" ] && [ "${stat:0:1}" != "Z" ]
}

# ours PID JAR: the PID still runs our jar; guards against killing an unrelated process that reused the PID.
ours() {
  ps -o args= -p "$1" 2>/dev/null | grep -qF -- "$2"
}

# any_alive NAME=PID...: at least one of them still runs.
any_alive() {
  local entry
  for entry in "$@"; do alive "${entry#*=}" && return 0; done
  return 1
}

# stop NAME=PID...: SIGTERM to each, a wait until all have exited (at most STOP_TIMEOUT s), SIGKILL to the rest;
# fails when one still runs a moment after SIGKILL.
stop() {
  local entry pid deadline
  for entry in "$@"; do kill -TERM "${entry#*=}" 2>/dev/null || true; done
  deadline=$((SECONDS + STOP_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ] && any_alive "$@"; do sleep 0.2; done
  for entry in "$@"; do
    pid=${entry#*=}
    if alive "$pid"; then
      echo "${entry%%=*} (pid $pid) did not stop within ${STOP_TIMEOUT}s of SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    else
      echo "Stopped ${entry%%=*} (pid $pid)"
    fi
  done
  # SIGKILL cannot be ignored, but the kernel still needs a moment to tear the process down.
  for _ in $(seq 1 50); do
    any_alive "$@" || return 0
    sleep 0.1
  done
  for entry in "$@"; do
    alive "${entry#*=}" && echo "error: ${entry%%=*} (pid ${entry#*=}) from $PID_FILE still runs after SIGKILL" >&2
  done
  return 1
}

routers=(); others=()
while read -r name pid jar; do
  [ -n "${pid:-}" ] || continue
  if alive "$pid" && ours "$pid" "$jar"; then
    if [ "$name" = router ]; then routers+=("$name=$pid"); else others+=("$name=$pid"); fi
  fi
done < "$PID_FILE"

if [ "${#routers[@]}" -eq 0 ] && [ "${#others[@]}" -eq 0 ]; then
  echo "Nothing running from $PID_FILE."
  rm -f "$PID_FILE"
  exit 0
fi

status=0
if [ "${#routers[@]}" -gt 0 ]; then stop "${routers[@]}" || status=1; fi
if [ "${#others[@]}" -gt 0 ]; then stop "${others[@]}" || status=1; fi
[ "$status" -eq 0 ] && rm -f "$PID_FILE"
exit "$status"
