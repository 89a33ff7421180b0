#!/usr/bin/env bash
# End-to-end test of the local run, the README's path for a newcomer:
#   1. scripts/run-local.sh --detach; its logs hold no WARN or ERROR (the router starts once the backends serve)
#   2. client distribution -n 2000 passes at the default weights (read from the router's admin endpoint)
#   3. scripts/stage.sh 50, then distribution -n 2000 --expect v1=50,v2=50 passes
#   4. the check can fail: at 50/50, --expect v1=90,v2=10 must exit 1; stage.sh status shows 50/50 in force
#   5. scripts/stop-local.sh under load loses no call: client stop-check keeps 8 calls in flight through the
#      router until the router refuses connections; every call must succeed or be refused before it is sent
#   6. scripts/stop-local.sh leaves no JVM of this run behind (checked by PID) and frees the ports
# The router reads a temporary copy of config/canary.conf (via CANARY_CONFIG), so the repo's file is untouched;
# logs and PIDs go to a temporary run directory. Everything is stopped on any exit (trap).
#
#   scripts/e2e-local.sh                the standard ports (50051 50052 50053 9901), as a user runs it
#   scripts/e2e-local.sh --free-ports   free ephemeral ports, for machines where other runs may hold them
set -euo pipefail
cd "$(dirname "$0")/.."

FREE_PORTS=0
case "${1:-}" in
  "") ;;
  --free-ports) FREE_PORTS=1 ;;
  *) echo "error: unknown argument '$1' (expected: --free-ports)" >&2; exit 2 ;;
esac

CLIENT_JAR=client/target/client.jar
passed=0
failed=0
check() { # check DESCRIPTION COMMAND...: runs the command, counts and reports the outcome
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1)); echo "--- PASS: $what"
  else
    failed=$((failed + 1)); echo "--- FAIL: $what" >&2
  fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/siskin-e2e.XXXXXX")
export SISKIN_RUN_DIR=$WORK/run
export CANARY_CONFIG=$WORK/canary.conf
cp config/canary.conf "$CANARY_CONFIG"
CONFIG_BEFORE=$(sha256sum config/canary.conf)

free_port() {
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$WORK/FreePort.java" 2>/dev/null \
    || python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
if [ "$FREE_PORTS" = 1 ]; then
  cat > "$WORK/FreePort.java" <<'JAVA'
public class FreePort {
  public static void main(String[] a) throws Exception {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      System.out.println(s.getLocalPort());
    }
  }
}
JAVA
  export SISKIN_ROUTER_PORT=$(free_port) SISKIN_ADMIN_PORT=$(free_port) SISKIN_V1_PORT=$(free_port) \
         SISKIN_V2_PORT=$(free_port) SISKIN_V1_METRICS_PORT=$(free_port) SISKIN_V2_METRICS_PORT=$(free_port)
fi
ROUTER=127.0.0.1:${SISKIN_ROUTER_PORT:-50051}
ADMIN=127.0.0.1:${SISKIN_ADMIN_PORT:-9901}
PORTS=("${SISKIN_ROUTER_PORT:-50051}" "${SISKIN_ADMIN_PORT:-9901}" "${SISKIN_V1_PORT:-50052}" "${SISKIN_V2_PORT:-50053}")

RUN_PIDS=()
LOAD_PID=
cleanup() {
  local code=$?
  trap - EXIT
  [ -z "$LOAD_PID" ] || kill -KILL "$LOAD_PID" 2>/dev/null || true
  scripts/stop-local.sh >/dev/null 2>&1 || true
  for pid in "${RUN_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$code" -ne 0 ] && [ -d "$SISKIN_RUN_DIR/logs" ]; then
    for log in "$SISKIN_RUN_DIR"/logs/*.log; do
      echo "----- last lines of $(basename "$log")" >&2
      tail -n 30 "$log" >&2
    done
  fi
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT

client() { java -jar "$CLIENT_JAR" "$@"; }

# Weights the router reports in force, as "v1=W,v2=W" (the order of /clusters).
admin_weights() {
  client distribution --target "$ROUTER" --admin "$ADMIN" -n 1 2>/dev/null \
    | sed -n 's/^Expected split \([^ ]*\) (from router admin.*/\1/p'
}

wait_for_weights() { # wait_for_weights v1=50,v2=50: the router applies a config edit within a second
  local want=$1
  for _ in $(seq 1 40); do
    [ "$(admin_weights)" = "$want" ] && return 0
    sleep 0.25
  done
  echo "router admin still reports '$(admin_weights)', expected '$want'" >&2
  return 1
}

no_run_process_left() {
  local pid stat
  for pid in "${RUN_PIDS[@]}"; do
    stat=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    if [ -n "$stat" ] && [ "${stat:0:1}" != "Z" ]; then
      echo "pid $pid is still running: $(ps -o args= -p "$pid")" >&2
      return 1
    fi
  done
  [ ! -e "$SISKIN_RUN_DIR/pids" ] || { echo "$SISKIN_RUN_DIR/pids was not removed" >&2; return 1; }
}

ports_free() {
  local port
  for port in "${PORTS[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port still accepts connections" >&2
      return 1
    fi
  done
}

echo "=== run-local.sh --detach (config copy: $CANARY_CONFIG, run dir: $SISKIN_RUN_DIR)"
scripts/run-local.sh --detach
while read -r _ pid _; do RUN_PIDS+=("$pid"); done < "$SISKIN_RUN_DIR/pids"
[ "${#RUN_PIDS[@]}" -eq 3 ] || { echo "expected 3 PIDs in $SISKIN_RUN_DIR/pids, got ${#RUN_PIDS[@]}" >&2; exit 1; }

# A normal start is quiet: the router starts once the model servers serve, so nothing is ever down.
clean_start_logs() {
  local found
  found=$(grep -En '^[^ ]+ (WARN|ERROR) |^(WARNING|SEVERE): ' "$SISKIN_RUN_DIR"/logs/*.log) || return 0
  printf '%s\n' "$found" >&2
  return 1
}
check "a clean run-local.sh start logs no WARN or ERROR" clean_start_logs

echo "=== distribution at the default weights"
check "distribution -n 2000 at the default weights ($(admin_weights))" \
  client distribution --target "$ROUTER" --admin "$ADMIN" -n 2000

echo "=== stage.sh 50"
scripts/stage.sh 50
check "router applies stage 50 without a restart" wait_for_weights v1=50,v2=50
check "distribution -n 2000 --expect v1=50,v2=50" \
  client distribution --target "$ROUTER" --admin "$ADMIN" -n 2000 --expect v1=50,v2=50
check "distribution at 50/50 with --expect v1=90,v2=10 fails (exit 1)" \
  bash -c '"$@"; [ $? -eq 1 ]' _ java -jar "$CLIENT_JAR" distribution --target "$ROUTER" --admin "$ADMIN" -n 2000 \
  --expect v1=90,v2=10

# until_file_has FILE TEXT PID: waits (at most 60 s) until FILE contains TEXT while PID runs.
until_file_has() {
  for _ in $(seq 1 600); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  echo "no '$2' in $1 within 60 s:" >&2
  cat "$1" >&2
  return 1
}

echo "=== stage.sh status"
# The router's admin port is this run's, not the file's: SISKIN_ADMIN is the override canary.conf reads.
status_shows_50_50() {
  local out
  out=$(SISKIN_ADMIN=$ADMIN scripts/stage.sh status) || { printf '%s\n' "$out"; return 1; }
  printf '%s\n' "$out"
  grep -q "last load of the file .*: ok" <<<"$out" && grep -Eq "^ +v1 +50 +50\.0 % " <<<"$out" \
    && grep -q "last minute = the last 50 to 60 s" <<<"$out"
}
check "stage.sh status: the router took the file, serves 50/50 and shows the last minute's split" status_shows_50_50

echo "=== stop-local.sh under load"
# The router drains for its drain-grace (5 s) while still taking calls: they must be served, which needs the
# model servers, so stop-local.sh has to stop them only after the router. Once the router stops listening,
# a new call is refused before it is sent; that loses nothing, and stop-check ends there.
LOAD_OUT=$WORK/stop-check.out
client stop-check --target "$ROUTER" -c 8 --max-time 90s > "$LOAD_OUT" 2>&1 &
LOAD_PID=$!
until_file_has "$LOAD_OUT" "calls are answered" "$LOAD_PID"
check "stop-local.sh exits 0" scripts/stop-local.sh
load_code=0
wait "$LOAD_PID" || load_code=$?
LOAD_PID=
sed 's/^/    /' "$LOAD_OUT"
check "under load, every call succeeded or was refused before it was sent (stop-check exit $load_code)" \
  test "$load_code" -eq 0
check "no JVM of this run is left (pids ${RUN_PIDS[*]})" no_run_process_left
check "the ports are free again" ports_free
check "stop-local.sh again is a no-op" scripts/stop-local.sh
check "the repo's config/canary.conf is untouched" bash -c '[ "$(sha256sum config/canary.conf)" = "$1" ]' _ "$CONFIG_BEFORE"

echo "e2e-local: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
