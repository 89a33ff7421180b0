#!/usr/bin/env bash
# Shows the router's automated rollout on this machine, in under two minutes: starts model v1, a model v2 with
# the scenario's fault, and the router on a temporary config with short steps; runs load through the router;
# starts the rollout with scripts/stage.sh auto; prints the rollout once a second until it is promoted or rolled
# back; then prints scripts/stage.sh status and the load's summary, and stops everything it started.
#
#   scripts/demo-rollout.sh good          v2 as good as v1: the rollout reaches 100 % (promoted)
#   scripts/demo-rollout.sh errors        v2 fails 10 % of calls (FAULT_ERROR_RATE=0.1, INTERNAL): rolled back
#                                         at 10 % by the error gates (its steps skip the shadow step: there a failed
#                                         copy counts as a disagreement, and the predictions gate would roll it back
#                                         before it served a call; try SISKIN_DEMO_STEPS="shadow, 10, 50, 90, 100")
#   scripts/demo-rollout.sh latency       v2 takes 20 ms longer (FAULT_LATENCY_MS=20): rolled back
#   scripts/demo-rollout.sh predictions   v2 answers 30 % of calls wrong (FAULT_WRONG_RATE=0.3): rolled back
#                                         in the shadow step, before it served a single call
#
# Exit 0 when the outcome is the scenario's (good: promoted, the others: rolled back), 1 otherwise or when the
# rollout has not ended within 110 s. The rollout starts after 5 s of load, once the JVMs are warm: the slow-call
# threshold is frozen from the baseline's first calls of a step. Ports: free ones on 127.0.0.1 picked at start; logs, config and the
# rollout's state file in a temporary folder, kept and named at the end. Builds the jars when they are missing.
# Environment (optional): SISKIN_DEMO_RATE calls/s (default 200), SISKIN_DEMO_STEP_TIME (default 5s),
# SISKIN_DEMO_MIN_CALLS (default 100), SISKIN_DEMO_STEPS (default "shadow, 10, 50, 90, 100"; errors:
# "10, 50, 90, 100"), SISKIN_JAVA_OPTS extra JVM flags.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
case "${1:-}" in
  good) fault=() ; expected=promoted ;;
  errors) fault=(FAULT_ERROR_RATE=0.1 FAULT_ERROR_CODE=INTERNAL) ; expected=rolled-back ; steps="10, 50, 90, 100" ;;
  latency) fault=(FAULT_LATENCY_MS=20) ; expected=rolled-back ;;
  predictions) fault=(FAULT_WRONG_RATE=0.3) ; expected=rolled-back ;;
  -h|--help) usage; exit 0 ;;
  *) echo "error: expected one scenario: good, errors, latency or predictions (got '${1:-}')" >&2; usage >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { echo "error: expected one scenario, got $# arguments" >&2; exit 2; }
scenario=$1

RATE=${SISKIN_DEMO_RATE:-200}
STEP_TIME=${SISKIN_DEMO_STEP_TIME:-5s}
MIN_CALLS=${SISKIN_DEMO_MIN_CALLS:-100}
STEPS=${SISKIN_DEMO_STEPS:-${steps:-shadow, 10, 50, 90, 100}}
TIMEOUT=110
MODEL_JAR=model-server/target/model-server.jar
ROUTER_JAR=router/target/router.jar
CLIENT_JAR=client/target/client.jar
JAVA_OPTS=(-XX:+ExitOnOutOfMemoryError ${SISKIN_JAVA_OPTS:-})
PROBE_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m)

die() { echo "error: $*" >&2; exit 1; }
command -v java >/dev/null 2>&1 || die "java not found; install a JDK 17 or newer"
if [ ! -f "$MODEL_JAR" ] || [ ! -f "$ROUTER_JAR" ] || [ ! -f "$CLIENT_JAR" ]; then
  command -v mvn >/dev/null 2>&1 || die "a jar is missing and mvn is not installed; install Maven 3.8+ and retry"
  echo "Building the jars (mvn -B -q -DskipTests package) ..."
  mvn -B -q -DskipTests package || die "the build failed; run 'mvn -B -DskipTests package' to see why"
fi

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/siskin-demo-rollout.XXXXXX")
config=$run_dir/canary.conf
load_pid=
# stop-local.sh stops what this file lists: the router first, then the model servers.
stop_all() {
  trap - INT TERM EXIT
  if [ -n "$load_pid" ]; then kill -TERM "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; fi
  if [ -s "$run_dir/pids" ]; then SISKIN_RUN_DIR="$run_dir" scripts/stop-local.sh > "$run_dir/stop.log" 2>&1 || true; fi
  wait 2>/dev/null || true
  echo "Logs, config and rollout state: $run_dir"
}
trap stop_all EXIT
trap 'echo; echo "Interrupted: stopping."; exit 130' INT TERM

# A free port on 127.0.0.1: nothing answers a connect to it, and this run has not taken it yet.
taken=" "
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if [[ $taken != *" $port "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken="$taken$port "
      echo "$port"
      return 0
    fi
  done
  die "found no free port on 127.0.0.1"
}
v1_port=$(free_port); v2_port=$(free_port); router_port=$(free_port); admin_port=$(free_port)
v1_metrics=$(free_port); v2_metrics=$(free_port)
admin=127.0.0.1:$admin_port

start() {  # start NAME JAR ENV...: java -jar JAR in the background, logged to $run_dir/NAME.log
  local name=$1 jar=$2
  shift 2
  env "$@" java "${JAVA_OPTS[@]}" -jar "$jar" > "$run_dir/$name.log" 2>&1 &
  echo "$name $! $jar" >> "$run_dir/pids"
  eval "${name//-/_}_pid=$!"
}
wait_healthy() {  # wait_healthy NAME PID PROBE...: until PROBE succeeds (90 s at most) or the process dies
  local name=$1 pid=$2 deadline=$((SECONDS + 90))
  shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 15 "$run_dir/$name.log" >&2; die "$name exited; see $run_dir/$name.log"; }
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not become healthy within 90 s; see $run_dir/$name.log"
    sleep 1
  done
}

cat > "$config" <<EOF
# scripts/demo-rollout.sh $scenario: a rollout with short steps (the defaults are 60 s and 300 calls per step).
router {
  listen = "127.0.0.1:$router_port"
  admin = "$admin"
  drain-grace = 0s
  drain-timeout = 2s
}
backends {
  v1 { target = "127.0.0.1:$v1_port", weight = 100 }
  v2 { target = "127.0.0.1:$v2_port", weight = 0 }
}
rollout {
  steps = [$STEPS]
  step-time = $STEP_TIME
  min-calls = $MIN_CALLS
  latency { baseline-calls = 100 }
}
EOF

echo "Scenario $scenario: v2 ${fault[*]:-without faults}; expected outcome: $expected"
start model-v1 "$MODEL_JAR" HOST=127.0.0.1 MODEL_PATH=models/iris-v1.0.0.tribuo PORT="$v1_port" METRICS_PORT="$v1_metrics"
start model-v2 "$MODEL_JAR" HOST=127.0.0.1 MODEL_PATH=models/iris-v2.0.0.tribuo PORT="$v2_port" METRICS_PORT="$v2_metrics" \
  ${fault[@]+"${fault[@]}"}
wait_healthy model-v1 "$model_v1_pid" java "${PROBE_OPTS[@]}" -jar "$CLIENT_JAR" health --target "127.0.0.1:$v1_port" --deadline 2s
wait_healthy model-v2 "$model_v2_pid" java "${PROBE_OPTS[@]}" -jar "$CLIENT_JAR" health --target "127.0.0.1:$v2_port" --deadline 2s
start router "$ROUTER_JAR" CANARY_CONFIG="$config"
wait_healthy router "$router_pid" java "${PROBE_OPTS[@]}" -jar "$CLIENT_JAR" ready --admin "$admin" --deadline 2s
echo "v1, v2 and the router run (router 127.0.0.1:$router_port, admin http://$admin); logs in $run_dir"
echo "Watch it live: open http://$admin/ in a browser"

java "${JAVA_OPTS[@]}" -jar "$CLIENT_JAR" load --target "127.0.0.1:$router_port" --rate "$RATE" --duration 100s \
  --rows data/iris.csv > "$run_dir/load.log" 2>&1 &
load_pid=$!
echo "Load: $RATE calls/s of data/iris.csv rows through the router (client.jar load); 5 s to warm up"
sleep 5
CANARY_CONFIG="$config" scripts/stage.sh auto | sed -n 1p

# The rollout part of /canary, fetched with bash alone; the router pretty-prints its JSON, one field a line.
canary() { (exec 3<>"/dev/tcp/127.0.0.1/$admin_port" && printf 'GET /canary HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null \
  | sed -n '/^  "rollout" : {/,$p'; }
field() {  # field NAME JSON: the first value of NAME, a string's without its quotes
  sed -n -e "s/^ *\"$1\" : \"\(.*\)\",\{0,1\}$/\1/p" -e "s/^ *\"$1\" : \([^\"][^,]*\),\{0,1\}$/\1/p" <<<"$2" | sed -n 1p
}

started=$SECONDS
state=
ran=
while [ $((SECONDS - started)) -lt "$TIMEOUT" ]; do
  sleep 1
  json=$(canary)
  state=$(field state "$json")
  commas=$(grep -m 1 '^ *"steps" : \[' <<<"$json" | sed 's/],\{0,1\}$//' | tr -cd ,)
  printf '%4ss  %-11s  step %-6s (%s of %s)  canary %3s %%  %s\n' "$((SECONDS - started))" "${state:-?}" \
    "$(field stepName "$json")" "$(( $(field step "$json") + 1 ))" "$(( ${#commas} + 1 ))" \
    "$(field canaryPercent "$json")" "$(field reason "$json" | cut -c1-100)"
  case "$state" in
    promoted|rolled-back) break ;;
    running|paused) ran=1 ;;
    disabled) [ -z "$ran" ] || break ;;  # ended by a hand: a manual stage.sh, or an edit of the file
  esac
  kill -0 "$router_pid" 2>/dev/null || die "the router exited; see $run_dir/router.log"
done
elapsed=$((SECONDS - started))

echo
SISKIN_ADMIN=$admin CANARY_CONFIG="$config" scripts/stage.sh status || true
kill -TERM "$load_pid" 2>/dev/null || true
wait "$load_pid" 2>/dev/null || true
load_pid=
echo
echo "Load summary (client.jar load, stopped when the rollout ended):"
sed 's/^/  /' "$run_dir/load.log"
echo
if [ "$state" = disabled ] && [ -n "$ran" ]; then
  echo "Scenario $scenario: the rollout was ended by hand (state disabled); see $run_dir/router.log"
  exit 1
fi
case "$state" in
  promoted|rolled-back) ;;
  *) echo "Scenario $scenario: the rollout did not end within ${TIMEOUT} s (state: ${state:-unknown}); see $run_dir/router.log"
     exit 1 ;;
esac
if [ "$state" = "$expected" ]; then
  echo "Scenario $scenario: $state after ${elapsed} s, as expected."
  exit 0
fi
echo "Scenario $scenario: $state after ${elapsed} s, but $expected was expected; see $run_dir/router.log"
exit 1
