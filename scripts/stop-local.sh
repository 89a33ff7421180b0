#!/usr/bin/env bash
# Stops what scripts/run-local.sh started: the processes listed in .run/pids (or $SISKIN_RUN_DIR/pids).
# Router first, so that it stops taking calls before its backends go. SIGTERM lets each JVM drain and exit;
# whatever is still running after SISKIN_STOP_TIMEOUT seconds (default 20) gets SIGKILL. Safe to run twice.
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

names=(); pids=()
# Router lines first, then the rest in file order.
while read -r name pid jar; do
  [ -n "${pid:-}" ] || continue
  if alive "$pid" && ours "$pid" "$jar"; then
    if [ "$name" = router ]; then names=("$name" "${names[@]}"); pids=("$pid" "${pids[@]}");
    else names+=("$name"); pids+=("$pid"); fi
  fi
done < "$PID_FILE"

if [ "${#pids[@]}" -eq 0 ]; then
  echo "Nothing running from $PID_FILE."
  rm -f "$PID_FILE"
  exit 0
fi

for i in "${!pids[@]}"; do
  kill -TERM "${pids[$i]}" 2>/dev/null || true
done

deadline=$((SECONDS + STOP_TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ]; do
  left=0
  for pid in "${pids[@]}"; do alive "$pid" && left=$((left + 1)); done
  [ "$left" -eq 0 ] && break
  sleep 0.2
done

for i in "${!pids[@]}"; do
  if alive "${pids[$i]}"; then
    echo "${names[$i]} (pid ${pids[$i]}) did not stop within ${STOP_TIMEOUT}s of SIGTERM; sending SIGKILL" >&2
    kill -KILL "${pids[$i]}" 2>/dev/null || true
  else
    echo "Stopped ${names[$i]} (pid ${pids[$i]})"
  fi
done

# SIGKILL cannot be ignored, but the kernel still needs a moment to tear the process down.
for _ in $(seq 1 50); do
  left=0
  for pid in "${pids[@]}"; do alive "$pid" && left=$((left + 1)); done
  [ "$left" -eq 0 ] && break
  sleep 0.1
done
if [ "$left" -ne 0 ]; then
  echo "error: $left process(es) from $PID_FILE still running after SIGKILL" >&2
  exit 1
fi
rm -f "$PID_FILE"
