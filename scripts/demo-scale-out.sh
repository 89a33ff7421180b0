#!/usr/bin/env bash
# The compose stand-in for the Kubernetes deployment (docs/kubernetes.md), run and checked on one machine:
# deploy/compose/scale-out.yaml with 2 replicas of model v1, 3 of model v2 and 2 routers (router-a: gRPC
# 127.0.0.1:19061, admin 9911; router-b: 19062, 9912) whose targets dns:///model-v1:50051 and
# dns:///model-v2:50051 resolve to every replica.
#   1. builds the images when one is missing (scripts/build-images.sh, after scripts/local-base-images.sh), and
#      client/target/client.jar when it is missing; starts the stack; waits until both routers are ready
#   2. each router lists every replica's address for its backend (/clusters addresses: 2 for v1, 3 for v2)
#   3. load through both routers at once: no failed call, and every replica answered calls (its metrics)
#   4. under load through both routers, scales v2 3 -> 1 -> 3: no failed call; both routers drop the stopped
#      replicas, and follow the scale up within 15 s once the new replicas serve (router.dns-refresh)
#   5. under load through both routers, an automated rollout (scripts/stage.sh auto on the shared config):
#      one router judges, the other follows; both end promoted, agree on the step throughout, the follower
#      decides nothing itself, and no call fails
# Takes the stack down on any exit (trap). Exit 0 when every check passed, 1 otherwise; it ends with
# `demo-scale-out: N passed, N failed, N skipped`.
# Docker when its daemon answers, else podman with podman-compose (scripts/container-engine.sh). podman-compose
# 1.0 has no `--scale`: there "scale to 1" stops the replicas 2 and 3 (SIGTERM, then the model server drains)
# and "back to 3" starts them again; Docker Compose runs `up --scale model-v2=N`.
# Environment (optional): SISKIN_SCALE_RATE calls/s per router (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/container-engine.sh
engine_pick
compose_pick

PROJECT=siskin-scale-out
FILE=deploy/compose/scale-out.yaml
CLIENT_JAR=client/target/client.jar
RATE=${SISKIN_SCALE_RATE:-50}
ROUTERS=(a b)
declare -A GRPC=([a]=127.0.0.1:19061 [b]=127.0.0.1:19062) ADMIN=([a]=127.0.0.1:9911 [b]=127.0.0.1:9912)
# An array, not a function: `"${CLIENT[@]}" load ... &` makes $! the JVM's PID, which SIGTERM then stops.
CLIENT=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$CLIENT_JAR")
compose() { "${COMPOSE[@]}" -p "$PROJECT" -f "$FILE" "$@"; }
die() { echo "error: $*" >&2; exit 1; }

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "--- PASS: $*"; }
fail() { failed=$((failed + 1)); echo "--- FAIL: $*" >&2; }
skip() { skipped=$((skipped + 1)); echo "--- SKIP: $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# ---- containers, by engine: the names differ (podman-compose: P_S_N, Docker Compose v2: P-S-N)
container() { # container SERVICE N
  if [ "$ENGINE" = podman ]; then echo "${PROJECT}_$1_$2"; else echo "$PROJECT-$1-$2"; fi
}
scale_v2() { # scale_v2 N: model-v2 to N replicas (of the 3 the file starts)
  # The engine's stderr goes to a log shown on failure: podman without systemd reports on every start and
  # stop that it cannot set up health-check timers, which is noise here (the script checks health itself).
  if [ "$ENGINE" = docker ]; then compose up -d --no-deps --no-recreate --scale "model-v2=$1" model-v2 >/dev/null 2>>"$WORK/engine.log"
  else
    local i
    for i in 2 3; do
      if [ "$i" -gt "$1" ]; then podman stop -t 30 "$(container model-v2 "$i")" >/dev/null 2>>"$WORK/engine.log"
      else podman start "$(container model-v2 "$i")" >/dev/null 2>>"$WORK/engine.log"; fi
    done
  fi
}
metrics_port() { "$ENGINE" port "$(container "$1" "$2")" 9100 | sed -n '1s/.*://p'; }
predictions() { # predictions SERVICE N: the replica's siskin_model_predictions_total, all species
  curl -sf "http://127.0.0.1:$(metrics_port "$1" "$2")/metrics" | awk '/^siskin_model_predictions_total/ { s += $NF } END { print s + 0 }'
}
addresses() { # addresses ROUTER BACKEND: how many addresses the router's /clusters lists for the backend
  curl -sf "http://${ADMIN[$1]}/clusters" | tr -d ' \n' \
    | grep -o "\"name\":\"$2\",[^]]*\"addresses\":\[[^]]*\]" | sed 's/.*"addresses":\[//; s/\]$//' | tr ',' '\n' | grep -c . || true
}
wait_addresses() { # wait_addresses BACKEND N SECONDS: until both routers list N addresses for the backend
  local deadline=$((SECONDS + $3))
  until [ "$(addresses a "$1")" = "$2" ] && [ "$(addresses b "$1")" = "$2" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "    router-a lists $(addresses a "$1"), router-b $(addresses b "$1") addresses for $1 (expected $2)"; return 1; }
    sleep 1
  done
}
every_replica_listed() { wait_addresses v1 2 60 && wait_addresses v2 3 60; }
load_ok() { # load_ok FILE: the load summary in FILE has calls answered and none failed or unfinished
  local line; line=$(grep '^Answered' "$1" || true)
  echo "    ${1##*/}: ${line:-no summary}"
  [[ $line =~ ^Answered\ +([0-9]+)\ OK,\ 0\ failed,\ 0\ unfinished ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]
}

# ---- 1. images, jar, stack
if [ ! -f "$CLIENT_JAR" ]; then
  echo "Building $CLIENT_JAR ..."
  mvn -B -q -DskipTests -pl client -am package || die "the client build failed; run 'mvn -B -DskipTests -pl client -am package'"
fi
VERSION=$(sed -n 's:.*<version>\([^<]*\)</version>.*:\1:p' pom.xml | sed -n 1p)
for image in siskin-model:v1.0.0 siskin-model:v2.0.0 "siskin-router:$VERSION"; do
  "$ENGINE" image inspect "$image" >/dev/null 2>&1 && continue
  echo "Image $image is missing: building the images ($ENGINE)"
  scripts/local-base-images.sh
  scripts/build-images.sh
  break
done
grep -q "image: siskin-router:$VERSION\$" "$FILE" || die "$FILE does not run siskin-router:$VERSION (the version in pom.xml)"

LOAD_PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/siskin-scale-out.XXXXXX")
# stage.sh auto writes its control line into the routers' shared config: put the file back afterwards.
SHARED_CONFIG=deploy/compose/config/canary.conf
cp -p "$SHARED_CONFIG" "$WORK/canary.conf.orig"
cleanup() {
  local code=$?
  trap - EXIT
  local pid
  for pid in "${LOAD_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$failed" -gt 0 ] || [ "$code" -ne 0 ]; then
    for c in $("$ENGINE" ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}'); do
      echo "----- last lines of $c" >&2; "$ENGINE" logs --tail 15 "$c" >&2 2>&1 || true
    done
    [ ! -s "$WORK/engine.log" ] || { echo "----- $ENGINE's messages while scaling" >&2; tail -n 20 "$WORK/engine.log" >&2; }
  fi
  echo "Taking the stack down ..."
  compose down -t 5 >/dev/null 2>&1 || true
  cp -p "$WORK/canary.conf.orig" "$SHARED_CONFIG" 2>/dev/null || true
  # podman-compose 1.0 leaves the project's network behind
  [ "$ENGINE" != podman ] || podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Starting $FILE with ${COMPOSE[*]} ..."
compose up -d >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; die "compose up failed"; }
for r in "${ROUTERS[@]}"; do
  ready=0
  for _ in $(seq 1 90); do "${CLIENT[@]}" ready --admin "${ADMIN[$r]}" --deadline 2s >/dev/null 2>&1 && { ready=1; break; }; sleep 2; done
  [ "$ready" = 1 ] || { cat "$WORK/up.log" >&2; "$ENGINE" ps -a --filter "label=com.docker.compose.project=$PROJECT" >&2 || true
    die "router-$r is not ready at ${ADMIN[$r]} after 180 s (compose's output and the containers above)"; }
done
pass "both routers are ready (admin /ready)"

# ---- 2. every replica behind each router
check "both routers list 2 addresses for v1 and 3 for v2 (/clusters)" every_replica_listed

# ---- 3. the spread over the replicas
echo "Load through both routers: $RATE calls/s each for 10 s"
for r in "${ROUTERS[@]}"; do
  "${CLIENT[@]}" load --target "${GRPC[$r]}" --rate "$RATE" --duration 10s --rows data/iris.csv >"$WORK/spread-$r.txt" 2>&1 &
  LOAD_PIDS+=($!)
done
wait "${LOAD_PIDS[@]}" || true
LOAD_PIDS=()
check "load through router-a: no failed call" load_ok "$WORK/spread-a.txt"
check "load through router-b: no failed call" load_ok "$WORK/spread-b.txt"
echo "    Predictions answered per replica (its siskin_model_predictions_total):"
spread_ok=1
for s in "model-v1 1" "model-v1 2" "model-v2 1" "model-v2 2" "model-v2 3"; do
  set -- $s
  n=$(predictions "$1" "$2")
  printf '    %-22s %6s\n' "$(container "$1" "$2")" "$n"
  [ "$n" -gt 0 ] || spread_ok=0
done
check "every replica answered calls" test "$spread_ok" = 1

# ---- 4. scale v2 3 -> 1 -> 3 under load
echo "Load through both routers ($RATE calls/s each) while v2 scales 3 -> 1 -> 3"
for r in "${ROUTERS[@]}"; do
  "${CLIENT[@]}" load --target "${GRPC[$r]}" --rate "$RATE" --duration 150s --rows data/iris.csv >"$WORK/scale-$r.txt" 2>&1 &
  LOAD_PIDS+=($!)
done
sleep 5
t0=$SECONDS; scale_v2 1; echo "    scaled v2 to 1 in $((SECONDS - t0)) s"
t0=$SECONDS
check "both routers drop the stopped v2 replicas within 40 s" wait_addresses v2 1 40
echo "    (after $((SECONDS - t0)) s)"
t0=$SECONDS; scale_v2 3
for i in 2 3; do
  for _ in $(seq 1 60); do
    "$ENGINE" exec "$(container model-v2 "$i")" java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m \
      -jar /app/client.jar health --target 127.0.0.1:50051 --deadline 2s >/dev/null 2>&1 && break
    sleep 1
  done
done
echo "    scaled v2 to 3, the new replicas serve after $((SECONDS - t0)) s"
check "both routers follow the scale up within 15 s" wait_addresses v2 3 15
sleep 5
for pid in "${LOAD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
wait "${LOAD_PIDS[@]}" || true
LOAD_PIDS=()
check "router-a: no failed call while v2 scaled" load_ok "$WORK/scale-a.txt"
check "router-b: no failed call while v2 scaled" load_ok "$WORK/scale-b.txt"

# ---- 5. one rollout for both routers
rollout_of() { # rollout_of ROUTER: "STATE STEP ROLE" from the router's /canary
  local c; c=$(curl -sf "http://${ADMIN[$1]}/canary" | tr -d ' \n') || { echo "down - -"; return; }
  local state step role
  state=$(grep -o '"rollout":{"state":"[a-z-]*"' <<<"$c" | sed 's/.*"state":"//; s/"$//')
  step=$(grep -o '"rollout":{"state":"[a-z-]*","step":[0-9]*' <<<"$c" | sed 's/.*"step"://')
  role=$(grep -o '"peers":{"role":"[a-z]*"' <<<"$c" | sed 's/.*"role":"//; s/"$//')
  echo "${state:--} ${step:--} ${role:--}"
}
decisions_of() { # decisions_of ROUTER: the kinds of its rollout decisions, oldest first
  curl -sf "http://${ADMIN[$1]}/canary" | tr -d ' \n' | grep -o '"history":\[.*' | grep -o '"kind":"[a-z-]*"' \
    | sed 's/"kind":"//; s/"$//' | tr '\n' ' '
}
shared_rollout_ok() {
  local deadline=$((SECONDS + 150)) apart=0 longest_apart=0 a b
  while :; do
    a=$(rollout_of a); b=$(rollout_of b)
    # The follower adopts the judge's step within a poll (1 s): two reads a moment apart may differ once.
    if [ "${a% *}" = "${b% *}" ]; then apart=0; else apart=$((apart + 1)); fi
    [ "$apart" -le "$longest_apart" ] || longest_apart=$apart
    case "$a $b" in promoted*promoted*|rolled-back*rolled-back*) break ;; esac
    [ "$SECONDS" -lt "$deadline" ] || { echo "    no end within 150 s: router-a $a, router-b $b"; return 1; }
    sleep 1
  done
  local judge follower
  if [ "${a##* }" = judge ]; then judge=a follower=b; else judge=b follower=a; fi
  echo "    router-a: $a; router-b: $b; the routers' steps differed for at most $longest_apart read(s) in a row"
  echo "    judge router-$judge decided: $(decisions_of "$judge")"
  echo "    follower router-$follower: $(decisions_of "$follower")"
  [ "${a%% *}" = promoted ] && [ "${b%% *}" = promoted ] \
    && [ "$(rollout_of "$judge" | cut -d' ' -f3)" = judge ] && [ "$(rollout_of "$follower" | cut -d' ' -f3)" = follower ] \
    && ! decisions_of "$follower" | grep -qwE 'advance|promote|roll-back' \
    && decisions_of "$judge" | grep -qw promote && [ "$longest_apart" -le 2 ]
}
echo "Load through both routers ($RATE calls/s each) while they run one automated rollout (stage.sh auto)"
for r in "${ROUTERS[@]}"; do
  "${CLIENT[@]}" load --target "${GRPC[$r]}" --rate "$RATE" --duration 180s --rows data/iris.csv >"$WORK/rollout-$r.txt" 2>&1 &
  LOAD_PIDS+=($!)
done
sleep 3
CANARY_CONFIG="$SHARED_CONFIG" scripts/stage.sh auto | sed 's/^/    /'
check "one rollout for both routers: the judge promotes v2, the follower follows every step" shared_rollout_ok
for pid in "${LOAD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
wait "${LOAD_PIDS[@]}" || true
LOAD_PIDS=()
check "router-a: no failed call during the rollout" load_ok "$WORK/rollout-a.txt"
check "router-b: no failed call during the rollout" load_ok "$WORK/rollout-b.txt"

echo "demo-scale-out: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
