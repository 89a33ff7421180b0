#!/usr/bin/env bash
# Runs Siskin on this machine, without Docker: model v1 (port 50052), model v2 (50053) and the router
# (50051, admin 9901), as three local JVMs. Builds the jars and trains the models first if they are missing.
#
#   scripts/run-local.sh            start, print what to try, stay in the foreground; Ctrl-C stops all three
#   scripts/run-local.sh --detach   start, print, return; stop later with scripts/stop-local.sh
#
# Logs: .run/logs/<process>.log; PIDs: .run/pids (one "name pid jar" per line, read by stop-local.sh).
# Environment (all optional):
#   CANARY_CONFIG          router config file (default config/canary.conf); scripts/stage.sh edits the same file
#   SISKIN_ROUTER_PORT SISKIN_ADMIN_PORT SISKIN_V1_PORT SISKIN_V2_PORT SISKIN_V1_METRICS_PORT SISKIN_V2_METRICS_PORT
#                          ports (defaults 50051 9901 50052 50053 9102 9103)
#   SISKIN_LISTEN          the router's gRPC address (default 127.0.0.1:$SISKIN_ROUTER_PORT, this machine only);
#                          e.g. 0.0.0.0:50051 to let other machines call it
# The model servers bind 127.0.0.1 (HOST): only the router calls them, and an exported HOST of the caller's
# shell (some shells set it to the host name) must not reach them.
#   SISKIN_RUN_DIR         where logs and PIDs go (default .run)
#   SISKIN_STARTUP_TIMEOUT seconds each process may take to become healthy (default 90)
#   SISKIN_JAVA_OPTS       extra JVM flags for the three processes
# The router gets its backend targets, listen and admin addresses from SISKIN_V1_TARGET, SISKIN_V2_TARGET,
# SISKIN_LISTEN and SISKIN_ADMIN (the ${?ENV} overrides in canary.conf), set here from the ports above, so that
# the config's targets always point at the model servers this script started. The router starts once both
# model servers serve, so that it never sees them down.
set -euo pipefail
cd "$(dirname "$0")/.."

DETACH=0
for arg in "$@"; do
  case "$arg" in
    --detach) DETACH=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$arg' (expected: --detach or --help)" >&2; exit 2 ;;
  esac
done

ROUTER_PORT=${SISKIN_ROUTER_PORT:-50051}
LISTEN=${SISKIN_LISTEN:-127.0.0.1:$ROUTER_PORT}
ROUTER_PORT=${LISTEN##*:} # SISKIN_LISTEN wins when both are set
ADMIN_PORT=${SISKIN_ADMIN_PORT:-9901}
V1_PORT=${SISKIN_V1_PORT:-50052}
V2_PORT=${SISKIN_V2_PORT:-50053}
V1_METRICS_PORT=${SISKIN_V1_METRICS_PORT:-9102}
V2_METRICS_PORT=${SISKIN_V2_METRICS_PORT:-9103}
CONFIG=${CANARY_CONFIG:-config/canary.conf}
RUN_DIR=${SISKIN_RUN_DIR:-.run}
LOG_DIR=$RUN_DIR/logs
PID_FILE=$RUN_DIR/pids
STARTUP_TIMEOUT=${SISKIN_STARTUP_TIMEOUT:-90}
JAVA_OPTS=(-XX:+ExitOnOutOfMemoryError ${SISKIN_JAVA_OPTS:-})
# The health probes are short-lived JVMs: skip the optimizing JIT so that each starts fast.
PROBE_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m)

MODEL_JAR=model-server/target/model-server.jar
ROUTER_JAR=router/target/router.jar
CLIENT_JAR=client/target/client.jar
V1_MODEL=models/iris-v1.0.0.tribuo
V2_MODEL=models/iris-v2.0.0.tribuo

die() { echo "error: $*" >&2; exit 1; }

# --- preconditions -------------------------------------------------------------------------------------------
command -v java >/dev/null 2>&1 || die "java not found; install a JDK 17 or newer"

if [ -f "$PID_FILE" ]; then
  while read -r name pid jar; do
    if [ -n "${pid:-}" ] && ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$jar"; then
      die "Siskin is already running ($name has pid $pid, see $PID_FILE); stop it with scripts/stop-local.sh"
    fi
  done < "$PID_FILE"
  rm -f "$PID_FILE" # stale: every process in it is gone
fi

if [ ! -f "$MODEL_JAR" ] || [ ! -f "$ROUTER_JAR" ] || [ ! -f "$CLIENT_JAR" ]; then
  command -v mvn >/dev/null 2>&1 || die "a jar is missing and mvn is not installed; install Maven 3.8+ and retry"
  echo "Building the jars (mvn -B -q -DskipTests package) ..."
  mvn -B -q -DskipTests package || die "the build failed; run 'mvn -B -DskipTests package' to see why"
fi

if [ ! -f "$V1_MODEL" ] || [ ! -f "$V2_MODEL" ]; then
  [ -x scripts/train-models.sh ] || die "models are missing ($V1_MODEL, $V2_MODEL) and scripts/train-models.sh is not there"
  echo "Training the models (scripts/train-models.sh) ..."
  scripts/train-models.sh || die "training the models failed; see the output above"
fi

[ -f "$CONFIG" ] || die "router config $CONFIG not found (set CANARY_CONFIG or restore config/canary.conf)"

# Prints who holds a TCP port, or nothing when it is free.
port_holder() {
  local port=$1 line
  if command -v ss >/dev/null 2>&1; then
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 1p)
    if [ -n "$line" ]; then
      # users:(("java",pid=1234,fd=45)) names the process when we may see it.
      local who
      who=$(grep -o 'users:(([^)]*))' <<<"$line" | sed -E 's/users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/')
      echo "${who:-another process}"
    fi
  elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "another process"
  fi
}

for entry in "router:$ROUTER_PORT" "router admin:$ADMIN_PORT" "model v1:$V1_PORT" "model v2:$V2_PORT" \
             "model v1 metrics:$V1_METRICS_PORT" "model v2 metrics:$V2_METRICS_PORT"; do
  what=${entry%:*}
  port=${entry##*:}
  holder=$(port_holder "$port")
  if [ -n "$holder" ]; then
    die "port $port (for the $what) is already in use by $holder; stop it, or pick another port with the SISKIN_*_PORT variables (see --help)"
  fi
done

# --- start ---------------------------------------------------------------------------------------------------
mkdir -p "$LOG_DIR"
: > "$PID_FILE"
PIDS=()

stop_all() {
  trap - INT TERM EXIT
  if [ -s "$PID_FILE" ]; then
    SISKIN_RUN_DIR="$RUN_DIR" scripts/stop-local.sh || true
  fi
  # Reap our children so that none is left as a zombie of this shell.
  wait 2>/dev/null || true
}

# Until startup has succeeded, any exit (error, Ctrl-C) stops what was already started.
trap 'stop_all' EXIT
trap 'echo; echo "Interrupted: stopping."; exit 130' INT TERM

# start NAME JAR ENV...: starts "java -jar JAR" with the given environment, logs to $LOG_DIR/NAME.log.
start() {
  local name=$1 jar=$2
  shift 2
  env "$@" java "${JAVA_OPTS[@]}" -jar "$jar" > "$LOG_DIR/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  echo "$name $pid $jar" >> "$PID_FILE"
  echo "Started $name (pid $pid), log $LOG_DIR/$name.log"
}

start model-v1 "$MODEL_JAR" HOST=127.0.0.1 MODEL_PATH="$V1_MODEL" PORT="$V1_PORT" METRICS_PORT="$V1_METRICS_PORT"
start model-v2 "$MODEL_JAR" HOST=127.0.0.1 MODEL_PATH="$V2_MODEL" PORT="$V2_PORT" METRICS_PORT="$V2_METRICS_PORT"

# wait_healthy NAME PID PROBE...: runs PROBE every second until it succeeds, the process dies, or time is up.
wait_healthy() {
  local name=$1 pid=$2
  shift 2
  local deadline=$((SECONDS + STARTUP_TIMEOUT))
  while true; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ]; then
      echo "error: $name (pid $pid) exited before it became healthy; last lines of $LOG_DIR/$name.log:" >&2
      tail -n 15 "$LOG_DIR/$name.log" | sed 's/^/    /' >&2
      exit 1
    fi
    if "$@" >/dev/null 2>&1; then
      echo "$name is healthy"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "error: $name (pid $pid) did not become healthy within ${STARTUP_TIMEOUT}s (check: $*); see $LOG_DIR/$name.log" >&2
      exit 1
    fi
    sleep 1
  done
}

wait_healthy model-v1 "${PIDS[0]}" java "${PROBE_OPTS[@]}" -jar "$CLIENT_JAR" health --target "127.0.0.1:$V1_PORT" --deadline 2s
wait_healthy model-v2 "${PIDS[1]}" java "${PROBE_OPTS[@]}" -jar "$CLIENT_JAR" health --target "127.0.0.1:$V2_PORT" --deadline 2s
# The router's own settings come from the config file; only the addresses are pinned to this run's ports.
start router "$ROUTER_JAR" CANARY_CONFIG="$CONFIG" \
  SISKIN_V1_TARGET="127.0.0.1:$V1_PORT" SISKIN_V2_TARGET="127.0.0.1:$V2_PORT" \
  SISKIN_LISTEN="$LISTEN" SISKIN_ADMIN="127.0.0.1:$ADMIN_PORT"
wait_healthy router "${PIDS[2]}" java "${PROBE_OPTS[@]}" -jar "$CLIENT_JAR" ready --admin "127.0.0.1:$ADMIN_PORT" --deadline 2s

# --- tell the user what to do --------------------------------------------------------------------------------
stage_cmd="scripts/stage.sh"
[ "$CONFIG" = "config/canary.conf" ] || stage_cmd="CANARY_CONFIG=$CONFIG $stage_cmd"
# stage.sh status asks the admin address of the file; this run's router may listen elsewhere.
[ "$ADMIN_PORT" = 9901 ] || stage_cmd="SISKIN_ADMIN=127.0.0.1:$ADMIN_PORT $stage_cmd"
cat <<EOT

Siskin is running. Logs: $LOG_DIR/   PIDs: $PID_FILE   Router config: $CONFIG
  router    $LISTEN   admin http://127.0.0.1:$ADMIN_PORT/clusters  (also /ready /config /metrics; dashboard: http://127.0.0.1:$ADMIN_PORT/)
  model v1  localhost:$V1_PORT   metrics http://127.0.0.1:$V1_METRICS_PORT/metrics
  model v2  localhost:$V2_PORT   metrics http://127.0.0.1:$V2_METRICS_PORT/metrics

Try:
  grpcurl -plaintext localhost:$ROUTER_PORT list
  grpcurl -plaintext -d '{"features":[{"name":"sepal_length","value":5.1},{"name":"sepal_width","value":3.5},{"name":"petal_length","value":1.4},{"name":"petal_width","value":0.2}]}' localhost:$ROUTER_PORT mlservice.v1.PredictionService/Predict
  grpcurl -plaintext localhost:$ROUTER_PORT HealthService/Health
  java -jar $CLIENT_JAR predict --target 127.0.0.1:$ROUTER_PORT 5.1 3.5 1.4 0.2
  java -jar $CLIENT_JAR distribution --target 127.0.0.1:$ROUTER_PORT --admin 127.0.0.1:$ADMIN_PORT -n 2000

Move the canary (the router reloads the file within a second, no restart):
  $stage_cmd 10         v1=90  v2=10
  $stage_cmd 50         v1=50  v2=50
  $stage_cmd 90         v1=10  v2=90
  $stage_cmd 100        v1=0   v2=100
  $stage_cmd rollback   v1=100 v2=0
  $stage_cmd status     weights in force and the split the router has observed
EOT

if [ "$DETACH" = 1 ]; then
  trap - INT TERM EXIT
  echo "Stop them with: scripts/stop-local.sh"
  exit 0
fi

echo "Press Ctrl-C to stop all three."
trap 'echo; echo "Stopping."; stop_all; exit 0' INT TERM
# Stay in the foreground; if a process dies on its own, say which and stop the others.
while true; do
  i=0
  for name in model-v1 model-v2 router; do
    pid=${PIDS[$i]}
    i=$((i + 1))
    if ! kill -0 "$pid" 2>/dev/null || [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ]; then
      code=0
      wait "$pid" || code=$?
      echo "error: $name (pid $pid) exited with code $code; see $LOG_DIR/$name.log. Stopping the others." >&2
      stop_all
      exit 1
    fi
  done
  # Sleep in a child and wait for it, so that a signal's trap runs at once rather than after the sleep.
  sleep 1 &
  wait $! || true
done
