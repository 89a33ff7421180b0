#!/usr/bin/env bash
# Side-by-side benchmark: calling a model server directly vs through the Siskin router, nginx (grpc_pass) and
# HAProxy (proto h2), all on this machine over loopback. Reference and figures: docs/benchmarks.md.
#
# Usage: scripts/bench.sh [--smoke] [--rounds N] [--seconds S] [--out FILE] [--targets LIST] [--levels LIST]
#                         [--variant NAME=JAR[@JAVA_OPTS]]... [--variant-java NAME=JAVA]... [--rules] [--shadow]
#                         [--cold-calls N] [--tls]
#   --smoke     tiny runs, one round, report to a temp file (what CI runs so the script cannot rot)
#   --rounds    rounds of interleaved runs per load level (default 5); medians are reported
#   --seconds   measured seconds per h2load run (default 3; each run is preceded by a 1 s warm-up run)
#   --out       where the report goes (default: the generated section of docs/benchmarks.md; --smoke: a temp file)
#   --targets   comma list out of direct,router,nginx,haproxy (default: all four)
#   --levels    comma list of CONNSxSTREAMS (default 1x1,4x16,16x64)
#   --variant   an extra router target "router-NAME" from another router jar and/or other JVM options, measured
#               in the same interleaved rounds (for before/after comparisons), e.g.
#               --variant base=/tmp/router-base.jar   --variant serialgc=router/target/router.jar@-XX:+UseSerialGC
#   --variant-java  NAME=JAVA: run variant router-NAME with the java launcher JAVA instead of the PATH's java
#               (another JDK, e.g. for its start-up features); the jar and options come from --variant NAME
#   --rules     the cost of the canary rules (docs/canary-rules.md): adds router-rules (force-header and
#               sticky-header configured, weights 50/50) and router-one (no rules, weights 100/0), and every
#               target's calls carry one sticky key, picked so that router-rules sends them all to v1 -- so
#               router-rules and router-one put the same load on the same backend and differ only in the rules
#               (and router-aa, a second router-one: the noise floor of two identical routers in the same run)
#   --shadow    the cost of shadow traffic for the primary: adds router-shadow (v1=100 v2=0, every Predict copied
#               to v2: shadow { backend = v2, percent = 100 }, sent once the primary has answered, the default),
#               router-shadow-with (the same with send = "with-primary": sent as the request arrives) and
#               router-one (the same without shadow); the report compares the primary's latency and the router's
#               CPU per call
#   --tls       TLS toward the clients: adds router-tls (router.tls with a throwaway CA's certificate made by
#               openssl) and haproxy-tls (a HAProxy frontend with the same certificate, ssl alpn h2), unary only,
#               h2load over https; the backends stay plaintext; the report compares their CPU per call
#   --cold-calls  calls of the cold-start run (default 20000, --smoke 2000; 0: none): in every round, for router
#               and each variant, a fresh router process (same jar, options and config) is started
#               and, once its admin /ready answers 200, sent that many calls at 4x16; reported against the
#               long-running router's own 4x16 steady state (measured at 4x16 even when --levels lacks it)
# Environment: ROUTER_JAVA_OPTS (JVM options of the router, default below), STREAM_STREAMS, STREAM_COUNT,
# STREAM_SIZE (streaming case: concurrent calls, messages per call, bytes per message).
#
# Installs h2load (nghttp2-client), nginx and haproxy from Debian when missing, without leaving their system
# services running; generated configs, logs and pid files live in a temp folder that is removed on exit.
# Every process it starts is stopped by PID on exit, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SMOKE=0
ROUNDS=5
SECONDS_PER_RUN=3
WARMUP_SECONDS=8
STARTUP_WARMUP_SECONDS=20
OUT=""
TARGETS="direct,router,nginx,haproxy"
LEVELS="1x1,4x16,16x64"
VARIANTS=()
RULES=0
SHADOW=0
TLS=0
COLD_CALLS=20000
COLD_LEVEL=4x16
declare -A VARIANT_JAVA=()
# The sticky key every call carries with --rules (picked once the routers run); empty: no extra header.
STICKY_KEY=""
# The router's JVM options: a small fixed heap keeps the footprint predictable (see docs/benchmarks.md).
ROUTER_JAVA_OPTS=${ROUTER_JAVA_OPTS--Xms64m -Xmx128m -XX:+UseParallelGC}
STREAM_STREAMS=${STREAM_STREAMS:-8}
STREAM_COUNT=${STREAM_COUNT:-10000}
STREAM_SIZE=${STREAM_SIZE:-16}

die() { echo "bench.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; ROUNDS=1; SECONDS_PER_RUN=1; WARMUP_SECONDS=1; STARTUP_WARMUP_SECONDS=1; COLD_CALLS=2000 ;;
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
    --seconds) SECONDS_PER_RUN=${2:?--seconds needs a number}; shift ;;
    --out) OUT=${2:?--out needs a file}; shift ;;
    --targets) TARGETS=${2:?--targets needs a list}; shift ;;
    --levels) LEVELS=${2:?--levels needs a list}; shift ;;
    --variant) VARIANTS+=("${2:?--variant needs NAME=JAR[@JAVA_OPTS]}"); shift ;;
    --variant-java) spec=${2:?--variant-java needs NAME=JAVA}; VARIANT_JAVA[${spec%%=*}]=${spec#*=}; shift ;;
    --cold-calls) COLD_CALLS=${2:?--cold-calls needs a number}; shift ;;
    --rules) RULES=1 ;;
    --shadow) SHADOW=1 ;;
    --tls) TLS=1 ;;
    -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (expected --smoke, --rounds N, --seconds S, --out FILE, --targets LIST, --levels LIST, --variant NAME=JAR[@OPTS], --variant-java NAME=JAVA, --rules, --shadow, --tls, --cold-calls N; see --help)" ;;
  esac
  shift
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer, got '$ROUNDS'"
[[ "$SECONDS_PER_RUN" =~ ^[1-9][0-9]*$ ]] || die "--seconds must be a positive integer, got '$SECONDS_PER_RUN'"
[[ "$COLD_CALLS" =~ ^[0-9]+$ ]] || die "--cold-calls must be a number (0: no cold-start runs), got '$COLD_CALLS'"
for level in ${LEVELS//,/ }; do
  [[ "$level" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || die "--levels entries must be CONNSxSTREAMS like 4x16, got '$level'"
done
for target in ${TARGETS//,/ }; do
  case "$target" in direct|router|nginx|haproxy) ;; *) die "--targets: unknown target '$target' (direct, router, nginx, haproxy)" ;; esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/siskin-bench.XXXXXX")
if [ -z "$OUT" ]; then
  if [ "$SMOKE" = 1 ]; then OUT=$(mktemp "${TMPDIR:-/tmp}/siskin-bench-smoke.XXXXXX.md"); else OUT=docs/benchmarks.md; fi
fi

# ---------------------------------------------------------------------------------------------- processes
PIDS=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Stops one process this script started, before the end of the run: KILL (it is idle, and a graceful stop
# would only wait out the router's drain grace), reaped, and forgotten by cleanup, whose kill must never reach a
# later process that got the same PID.
stop_now() {
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

# Drops a PID that was reaped already (waited for) from the ones cleanup stops.
forget_pid() {
  local kept=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# A port nobody listens on and that this script has not handed out yet, below the kernel's range for the local
# ports of outgoing connections: a port from that range can be taken by any connection (h2load's, a proxy's)
# between this check and the server's bind -- seen with the routers of the cold starts, which bind mid-run.
EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[[ "$EPHEMERAL_LOW" =~ ^[0-9]+$ ]] && [ "$EPHEMERAL_LOW" -gt 12000 ] || EPHEMERAL_LOW=32768
USED_PORTS=" "
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((10000 + RANDOM % (EPHEMERAL_LOW - 10000)))
    [[ "$USED_PORTS" == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      USED_PORTS+="$port "
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

# wait_for NAME PID LOG WHAT POLLS INTERVAL CHECK...: until the command CHECK... succeeds, tried POLLS times
# INTERVAL s apart (90 s in all); fails when the process died first, or at the end, with the tail of its LOG.
wait_for() {
  local name=$1 pid=$2 logfile=$3 what=$4 polls=$5 interval=$6
  shift 6
  for _ in $(seq 1 "$polls"); do
    "$@" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -20 "$logfile" >&2 || true
      die "$name (pid $pid) exited before $what; its log is above"
    fi
    sleep "$interval"
  done
  tail -20 "$logfile" >&2 || true
  die "$name (pid $pid): not $what within 90 s"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether the router's admin GET /ready on PORT answers 200 (serving with its config applied).
ready_ok() {
  local status
  status=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" \
    && printf 'GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 \
    && read -r -t 2 line <&3 && echo "$line") 2>/dev/null || true)
  [[ "$status" == "HTTP/1."?" 200"* ]]
}

# wait_port NAME PID PORT LOG: until PORT accepts connections.
wait_port() { wait_for "$1" "$2" "$4" "listening on port $3" 900 0.1 port_open "$3"; }

# wait_ready NAME PID ADMIN_PORT LOG: until the admin /ready answers 200; polled every 20 ms, as the time to
# ready is reported.
wait_ready() { wait_for "$1" "$2" "$4" "answering /ready with 200 on admin port $3" 4500 0.02 ready_ok "$3"; }

# The PIDs making up a target: the process and its children (nginx's workers).
family() {
  local root=$1 stat rest ppid
  echo "$root"
  for stat in /proc/[0-9]*/stat; do
    rest=$(cat "$stat" 2>/dev/null) || continue
    rest=${rest##*) }
    ppid=$(echo "$rest" | cut -d' ' -f2)
    [ "$ppid" = "$root" ] && { stat=${stat#/proc/}; echo "${stat%/stat}"; }
  done
  return 0
}

# CPU ticks (user + system) used so far by the given PIDs.
cpu_ticks() {
  local total=0 pid rest fields
  for pid in "$@"; do
    rest=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    read -r -a fields <<<"$rest"
    # after "comm)": state is field 3 of stat, so utime (14) and stime (15) are at indexes 11 and 12
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# Context switches (voluntary + involuntary) so far, summed over every thread of the given PIDs. A thread
# that sleeps and is woken per call pays a switch each time; unlike CPU time this count hardly depends on
# what else the machine is doing, so it is the steadiest figure of a proxy's threading.
ctx_switches() {
  local pid
  for pid in "$@"; do
    cat /proc/"$pid"/task/*/status 2>/dev/null || true
  done | awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'
}

# Peak resident set (VmHWM, KiB) summed over the given PIDs.
peak_rss_kb() {
  local total=0 pid kb
  for pid in "$@"; do
    kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# ---------------------------------------------------------------------------------------------- install
install_packages() {
  local missing=()
  command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
  command -v nghttp >/dev/null 2>&1 || missing+=(nghttp2-client)
  command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root"
  log "installing ${missing[*]} from Debian"
  # Debian's way to keep a package from starting its service on install: a policy-rc.d that says no (only
  # when none exists; removed again right after).
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  local before
  before=$(service_pids)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1 \
    || { [ "$own_policy" = 1 ] && rm -f "$policy"; tail -20 "$WORK/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  [ "$own_policy" = 1 ] && rm -f "$policy"
  # If a service started anyway (no policy-rc.d support), stop exactly the daemons that appeared, by PID.
  local pid
  for pid in $(service_pids); do
    if [[ " $before " != *" $pid "* ]]; then
      log "stopping the system service the package started (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  return 0
}

# PIDs from the system services' pid files, when they name a running process.
service_pids() {
  local file pid
  for file in /run/nginx.pid /run/haproxy.pid /var/run/nginx.pid /var/run/haproxy.pid; do
    pid=$(cat "$file" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  done
  return 0
}

# ---------------------------------------------------------------------------------------------- build
build() {
  if [ ! -f model-server/target/model-server.jar ] || [ ! -f router/target/router.jar ]; then
    log "building the jars (mvn -B -q -DskipTests package)"
    mvn -B -q -DskipTests package >"$WORK/mvn.log" 2>&1 || { tail -40 "$WORK/mvn.log" >&2; die "build failed"; }
  fi
  # The helpers are the router's test classes. One reactor build (-am) compiles them and writes their
  # classpath, so the project's own modules (proto) come from their target/ folders in this build: asked
  # alone, the router module would look for them in ~/.m2, where only an `mvn install` puts them. A relative
  # mdep.outputFile is per module: router/target/bench-classpath.txt is the router's.
  log "compiling the benchmark helpers (router test classes) and resolving their classpath"
  mvn -B -q -pl router -am test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >"$WORK/mvn.log" 2>&1 \
    || { tail -40 "$WORK/mvn.log" >&2; die "cannot compile the router's test classes or resolve their classpath"; }
  HELPER_CP="router/target/test-classes:router/target/classes:$(cat router/target/bench-classpath.txt)"
}

helper() { java -cp "$HELPER_CP" "dev.siskin.router.bench.$1" "${@:2}"; }

# ---------------------------------------------------------------------------------------------- start
start_model() {  # NAME MODEL_FILE -> sets PORT_<NAME>
  local name=$1 model=$2 port
  port=$(free_port)
  HOST=127.0.0.1 MODEL_PATH=$model PORT=$port java -jar model-server/target/model-server.jar >"$WORK/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_port "model server $name" "$pid" "$port" "$WORK/$name.log"
  printf -v "PORT_$name" '%s' "$port"
  printf -v "PID_$name" '%s' "$pid"
}

# The shadow benchmark's near-free shadow backend (answers every call with a fixed PredictResponse).
start_sink_backend() {
  local port pid
  port=$(free_port)
  java -cp "$HELPER_CP" dev.siskin.router.bench.SinkBackend "$port" >"$WORK/sink-backend.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_port "sink backend" "$pid" "$port" "$WORK/sink-backend.log"
  PORT_sink=$port
}

start_streaming_backend() {
  local port pid
  port=$(free_port)
  java -cp "$HELPER_CP" dev.siskin.router.bench.StreamingBackend "$port" >"$WORK/stream-backend.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_port "streaming backend" "$pid" "$port" "$WORK/stream-backend.log"
  PORT_stream=$port
}

# router_conf NAME PORT ADMIN_PORT BACKENDS_HOCON [EXTRA_HOCON]: writes $WORK/NAME.conf
router_conf() {
  cat >"$WORK/$1.conf" <<EOF
router {
  listen = "127.0.0.1:$2"
  admin  = "127.0.0.1:$3"
}
backends {
$4
}
${5:-}
EOF
}

# start_router NAME JAR JAVA_OPTS BACKENDS_HOCON [EXTRA_HOCON] [JAVA] -> sets PORT_<NAME> and PID_<NAME>
start_router() {
  local name=$1 jar=$2 opts=$3 backends=$4 extra=${5:-} java=${6:-java} port admin pid
  port=$(free_port)
  admin=$(free_port)
  router_conf "$name" "$port" "$admin" "$backends" "$extra"
  # shellcheck disable=SC2086 # JVM options are a word list
  "$java" $opts -jar "$jar" "$WORK/$name.conf" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_port "router $name" "$pid" "$port" "$WORK/$name.log"
  printf -v "PORT_$name" '%s' "$port"
  printf -v "PID_$name" '%s' "$pid"
}

nginx_listen() {  # nginx >= 1.25.1 takes "http2 on;", older ones the listen parameter
  local version
  version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
  if [ "$(printf '%s\n1.25.1\n' "$version" | sort -V | sed -n 1p)" = "1.25.1" ]; then
    echo "listen 127.0.0.1:$1; http2 on;"
  else
    echo "listen 127.0.0.1:$1 http2;"
  fi
}

start_nginx() {
  local cores=$1 pid
  PORT_nginx=$(free_port)
  PORT_nginx_stream=$(free_port)
  mkdir -p "$WORK/nginx"
  local user=""
  [ "$(id -u)" = 0 ] && user="user root root;"  # workers need the (private) temp folder
  cat >"$WORK/nginx/nginx.conf" <<EOF
$user
worker_processes $cores;
worker_rlimit_nofile $NOFILE;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections $((NOFILE / 2)); }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  # Client connections live for the whole run (nginx's default closes them after 1000 requests).
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  http2_max_concurrent_streams 256;
  upstream models {
    server 127.0.0.1:$PORT_v1 weight=50;
    server 127.0.0.1:$PORT_v2 weight=50;
    # nginx sends one request per upstream connection at a time: keep enough idle ones for the top load.
    keepalive 1024;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
  }
  upstream streaming {
    server 127.0.0.1:$PORT_stream;
    keepalive 64;
    keepalive_requests 10000000;
  }
  server {
    $(nginx_listen "$PORT_nginx")
    location / { grpc_pass grpc://models; }
  }
  server {
    $(nginx_listen "$PORT_nginx_stream")
    location / { grpc_pass grpc://streaming; grpc_read_timeout 300s; }
  }
}
EOF
  nginx -t -q -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" \
    || die "nginx rejected the generated config $WORK/nginx/nginx.conf"
  nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" -g 'daemon off;' \
    >"$WORK/nginx/out.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_port nginx "$pid" "$PORT_nginx" "$WORK/nginx/error.log"
  PID_nginx=$pid
}

# With --tls: the same proxy for the models behind TLS (the router's certificate and key in one PEM file).
haproxy_tls_frontend() {
  [ "$TLS" = 1 ] || return 0
  printf 'frontend models_tls\n  bind 127.0.0.1:%s ssl crt %s alpn h2\n  default_backend models\n' \
    "$PORT_haproxy_tls" "$WORK/tls/haproxy.pem"
}

# --tls: a throwaway CA and a certificate for 127.0.0.1 (EC P-256), for router-tls and haproxy-tls alike.
make_tls_files() {
  mkdir -p "$WORK/tls"
  ( cd "$WORK/tls" \
    && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
         -keyout ca.key -out ca.crt \
    && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench-proxy -keyout server.key \
         -out server.csr \
    && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >ext.cnf \
    && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile ext.cnf \
         -out server.crt \
    && cat server.crt server.key >haproxy.pem ) >"$WORK/tls/openssl.log" 2>&1 \
    || { cat "$WORK/tls/openssl.log" >&2; die "openssl could not make the --tls certificate"; }
}

start_haproxy() {
  local cores=$1 pid
  PORT_haproxy=$(free_port)
  PORT_haproxy_stream=$(free_port)
  [ "$TLS" = 1 ] && PORT_haproxy_tls=$(free_port)
  cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread $cores
  maxconn $((NOFILE / 2 - 64))
  tune.h2.max-concurrent-streams 256
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
frontend models
  bind 127.0.0.1:$PORT_haproxy proto h2
  default_backend models
backend models
  balance roundrobin
  http-reuse always
  server v1 127.0.0.1:$PORT_v1 proto h2 weight 50
  server v2 127.0.0.1:$PORT_v2 proto h2 weight 50
$(haproxy_tls_frontend)
frontend streaming
  bind 127.0.0.1:$PORT_haproxy_stream proto h2
  default_backend streaming
backend streaming
  http-reuse always
  server s 127.0.0.1:$PORT_stream proto h2
EOF
  haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy rejected the generated config $WORK/haproxy.cfg"
  haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_port haproxy "$pid" "$PORT_haproxy" "$WORK/haproxy.log"
  PID_haproxy=$pid
}

# ---------------------------------------------------------------------------------------------- measure
PREDICT_PATH=/mlservice.v1.PredictionService/Predict

# Raw check with the very bytes h2load sends: grpc-status 0 in the trailers and the expected species.
# https for the --tls targets' ports, else http. PORT
scheme_of() {
  if [ "$TLS" = 1 ] && { [ "$1" = "${PORT_router_tls:-}" ] || [ "$1" = "${PORT_haproxy_tls:-}" ]; }; then
    echo https
  else
    echo http
  fi
}

h2_check() {
  local name=$1 port=$2 scheme out
  scheme=$(scheme_of "$port")
  out=$(nghttp -v -H ':method: POST' -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$WORK/predict.bin" "$scheme://127.0.0.1:$port$PREDICT_PATH" 2>&1 | tr -d '\000') || true
  if ! grep -q 'grpc-status: 0' <<<"$out" || ! grep -q setosa <<<"$out"; then
    echo "$out" | tail -20 >&2
    die "check before the run: $name (port $port) did not answer grpc-status 0 with 'setosa'"
  fi
}

# The PIDs whose CPU and memory count for a target ("" for direct: no proxy in the path). KIND TARGET
target_pids() {
  local var
  case "$1:$2" in
    *:direct) ;;
    *:nginx) family "$PID_nginx" ;;
    *:haproxy|*:haproxy-tls) echo "$PID_haproxy" ;;
    unary:*) var="PID_${2//-/_}"; echo "${!var}" ;;
    stream:*) var="PID_${2//-/_}_stream"; echo "${!var}" ;;
  esac
}

target_port() {
  local kind=$1 target=$2 var
  case "$kind:$target" in
    unary:direct) echo "$PORT_v1" ;;
    stream:direct) echo "$PORT_stream" ;;
    unary:nginx) echo "$PORT_nginx" ;;
    stream:nginx) echo "$PORT_nginx_stream" ;;
    unary:haproxy) echo "$PORT_haproxy" ;;
    stream:haproxy) echo "$PORT_haproxy_stream" ;;
    unary:haproxy-tls) echo "$PORT_haproxy_tls" ;;
    unary:*) var="PORT_${target//-/_}"; echo "${!var}" ;;
    stream:*) var="PORT_${target//-/_}_stream"; echo "${!var}" ;;
  esac
}

h2load_args() {  # CONNS STREAMS PORT [RPS_PER_CONNECTION]
  local key="" rate=""
  [ -n "$STICKY_KEY" ] && key="-H x-user-id:$STICKY_KEY"
  [ -n "${4:-}" ] && rate="--rps=$4"
  local scheme
  scheme=$(scheme_of "$3")
  echo "-d $WORK/predict.bin -H content-type:application/grpc -H te:trailers $key $rate -c $1 -m $2 -t 1 $scheme://127.0.0.1:$3$PREDICT_PATH"
}

# The first of the keys user-0, user-1, ... that router-rules (sticky at 50/50) sends to v1, from its
# x-canary-backend response header.
pick_sticky_key() {
  local port=$1 k out
  for k in $(seq 0 99); do
    out=$(nghttp -v -H ':method: POST' -H 'content-type: application/grpc' -H 'te: trailers' -H "x-user-id: user-$k" \
      -d "$WORK/predict.bin" "http://127.0.0.1:$port$PREDICT_PATH" 2>&1 | tr -d '\000') || true
    if grep -q 'x-canary-backend: v1' <<<"$out"; then
      echo "user-$k"
      return
    fi
  done
  die "none of 100 sticky keys reached v1 through router-rules (port $port)"
}

# ROUND's order of the comma list LIST: each round starts one target later, so that no target always runs right
# after the same one (or first, or last) while the machine's other load drifts.
rotated() {
  local -a list
  IFS=, read -r -a list <<<"$1"
  local r=$(($2 % ${#list[@]}))
  echo "${list[@]:r}" "${list[@]:0:r}"
}

# One timed run: writes a line to runs.tsv. Closed loop (each stream sends its next call when the last one
# ended) unless RATE is given: then h2load sends at most RATE calls/s in all (--rps per connection), and the
# row's level is LEVEL@RATE. Target router-one+v2 is router-one while a second h2load sends the same rate of
# calls straight to v2 (the work a shadow at 100 % gives v2, without the shadow).
run_unary() {
  local target=$1 level=$2 round=$3 rate=${4:-} conns=${2%x*} streams=${2#*x} port pids before after cpu requests out
  local per_conn="" label=$level mirror=""
  if [ -n "$rate" ]; then per_conn=$(((rate + conns - 1) / conns)); label="$level@$rate"; fi
  if [ "$target" = router-one+v2 ]; then
    [ -n "$rate" ] || die "router-one+v2 needs a rate"
    mirror=$PORT_v2
    port=$(target_port unary router-one)
    pids=$(target_pids unary router-one)
  else
    port=$(target_port unary "$target")
    pids=$(target_pids unary "$target")
  fi
  h2_check "$target" "$port"
  # shellcheck disable=SC2046
  h2load -D 1 $(h2load_args "$conns" "$streams" "$port" "$per_conn") >/dev/null 2>&1 || true  # warm-up, unmeasured
  local backends_before backends_after mirror_pid=""
  backends_before=$(cpu_ticks "$PID_v1" "$PID_v2")
  if [ -n "$mirror" ]; then
    # One connection, as the router's copies reach v2 over its one channel (four would batch worse and cost v2
    # more CPU per call than the copies do).
    # shellcheck disable=SC2046
    h2load -D "$SECONDS_PER_RUN" $(h2load_args 1 $((conns * streams)) "$mirror" "$rate") >/dev/null 2>&1 &
    mirror_pid=$!
    PIDS+=("$mirror_pid")
  fi
  # shellcheck disable=SC2086
  before=$(cpu_ticks $pids)
  # shellcheck disable=SC2086
  local switches_before switches_after
  switches_before=$(ctx_switches $pids)
  rm -f "$WORK/h2load.log"  # h2load appends to its log file
  # shellcheck disable=SC2046
  out=$(h2load -D "$SECONDS_PER_RUN" --log-file="$WORK/h2load.log" $(h2load_args "$conns" "$streams" "$port" "$per_conn") 2>&1) \
    || { echo "$out" | tail -5 >&2; die "h2load failed against $target"; }
  # shellcheck disable=SC2086
  after=$(cpu_ticks $pids)
  [ -z "$mirror_pid" ] || { wait "$mirror_pid" || true; forget_pid "$mirror_pid"; }
  backends_after=$(cpu_ticks "$PID_v1" "$PID_v2")
  # shellcheck disable=SC2086
  switches_after=$(ctx_switches $pids)
  local rps done_ succeeded
  rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  done_=$(awk '/^requests:/ {for (i = 2; i <= NF; i++) if ($i == "done,") print $(i - 1)}' <<<"$out")
  succeeded=$(awk '/^requests:/ {for (i = 2; i <= NF; i++) if ($i == "succeeded,") print $(i - 1)}' <<<"$out")
  [ -n "$rps" ] && [ -n "$done_" ] || { echo "$out" >&2; die "cannot read h2load's summary for $target"; }
  # Latency percentiles over every request of the run, from the per-request log (3rd column, microseconds).
  local lat
  lat=$(awk -F'\t' '$2 == 200 {print $3}' "$WORK/h2load.log" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "NA NA NA"; exit }
      split("0.5 0.9 0.99", q, " ")
      for (i = 1; i <= 3; i++) { k = int(q[i] * NR + 0.999999); if (k < 1) k = 1; printf "%s%.3f", (i > 1 ? " " : ""), v[k] / 1000 }
      print ""
    }')
  requests=$done_
  local errors=$((done_ - succeeded)) cpu_per10k=NA rss=NA switches=NA backend_cpu=NA
  if [ "$requests" -gt 0 ]; then
    backend_cpu=$(awk -v t=$((backends_after - backends_before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.3f", t / hz * 10000 / n}')
  fi
  if [ -n "$pids" ] && [ "$requests" -gt 0 ]; then
    cpu_per10k=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.3f", t / hz * 10000 / n}')
    switches=$(awk -v d=$((switches_after - switches_before)) -v n="$requests" 'BEGIN {printf "%.3f", d / n}')
    # shellcheck disable=SC2086
    rss=$(peak_rss_kb $pids)
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$target" "$round" "$rps" "${lat// /$'\t'}" \
    "$cpu_per10k" "$rss" "$errors" "$requests" "$switches" "$backend_cpu" >>"$WORK/runs.tsv"
  log "$label $target round $round: $rps req/s, p50/p90/p99 ms ${lat}, CPU s/10k $cpu_per10k (model servers $backend_cpu), switches/call $switches, errors $errors"
}

# One cold start of TARGET (router or a variant): a fresh router process started like the
# target's (same launcher, jar, JVM options and config, its own ports), timed from launch until its admin
# /ready answers 200; then at once COLD_CALLS calls at COLD_LEVEL (h2load -n, no warm-up, no check call
# before them), the process's CPU counted over those calls; then the process is stopped, so that its
# still-compiling JIT does not load the runs after it. Writes a line to cold.tsv.
cold_start() {
  local target=$1 round=$2 name=cold_${1//-/_} conns=${COLD_LEVEL%x*} streams=${COLD_LEVEL#*x}
  local port admin pid t0 t1 before after out
  port=$(free_port)
  admin=$(free_port)
  router_conf "$name" "$port" "$admin" "${ROUTER_BACKENDS[$target]}" "${ROUTER_EXTRA[$target]}"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086 # JVM options are a word list
  "${ROUTER_JAVA[$target]}" ${ROUTER_OPTS[$target]} -jar "${ROUTER_JAR[$target]}" "$WORK/$name.conf" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_ready "fresh $target (cold start)" "$pid" "$admin" "$WORK/$name.log"
  t1=$(date +%s%N)
  before=$(cpu_ticks "$pid")
  # shellcheck disable=SC2046
  out=$(h2load -n "$COLD_CALLS" $(h2load_args "$conns" "$streams" "$port") 2>&1) \
    || { echo "$out" | tail -5 >&2; stop_now "$pid"; die "h2load failed against a fresh $target"; }
  after=$(cpu_ticks "$pid")
  # The same check as before every timed run, after the cold calls: the fresh router does answer correctly.
  h2_check "$target (cold start)" "$port"
  stop_now "$pid"
  local rps done_ succeeded secs
  rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  secs=$(awk '/^finished in/ {sub(/s,$/, "", $3); print $3}' <<<"$out")
  done_=$(awk '/^requests:/ {for (i = 2; i <= NF; i++) if ($i == "done,") print $(i - 1)}' <<<"$out")
  succeeded=$(awk '/^requests:/ {for (i = 2; i <= NF; i++) if ($i == "succeeded,") print $(i - 1)}' <<<"$out")
  [ -n "$rps" ] && [ -n "$done_" ] && [ "$done_" -gt 0 ] || { echo "$out" >&2; die "cannot read h2load's summary for a fresh $target"; }
  local ready_s start_cpu cpu_per10k
  ready_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  start_cpu=$(awk -v t="$before" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", t / hz}')
  cpu_per10k=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$done_" 'BEGIN {printf "%.3f", t / hz * 10000 / n}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$round" "$ready_s" "$start_cpu" "$rps" "$cpu_per10k" \
    $((done_ - succeeded)) "$done_" "$secs" >>"$WORK/cold.tsv"
  log "cold start $target round $round: ready after $ready_s s ($start_cpu CPU s), first $done_ calls at $COLD_LEVEL: $rps req/s in $secs s, CPU s/10k $cpu_per10k"
}

run_stream() {
  local target=$1 round=$2 port pids before after out
  port=$(target_port stream "$target")
  pids=$(target_pids stream "$target")
  # shellcheck disable=SC2086
  before=$(cpu_ticks $pids)
  out=$(helper StreamingLoad "127.0.0.1:$port" "$STREAM_STREAMS" "$STREAM_COUNT" "$STREAM_SIZE" 2) \
    || die "streaming run through $target failed (see above)"
  # shellcheck disable=SC2086
  after=$(cpu_ticks $pids)
  local messages rate cpu=NA
  messages=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' <<<"$out")
  rate=$(sed -n 's/.*msgs_per_s=\([0-9]*\).*/\1/p' <<<"$out")
  # CPU over the warm-up calls too (2 of STREAMS+2 calls): scale to the messages they carried.
  if [ -n "$pids" ]; then
    cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$messages" -v all=$((messages + 2 * STREAM_COUNT)) \
      'BEGIN {printf "%.3f", t / hz * 1000000 / all}')
  fi
  printf '%s\t%s\t%s\t%s\n' "$target" "$round" "$rate" "$cpu" >>"$WORK/streams.tsv"
  log "stream $target round $round: $rate msgs/s, proxy CPU s/1M msgs $cpu"
}

# ---------------------------------------------------------------------------------------------- report
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
column_of() {  # LEVEL TARGET COLUMN -> values
  awk -F'\t' -v l="$1" -v t="$2" -v c="$3" '$1 == l && $2 == t && $c != "NA" {print $c}' "$WORK/runs.tsv"
}
metric() {  # LEVEL TARGET METRIC -> median (or max for rss, sum for errors)
  case "$3" in
    rps) column_of "$1" "$2" 4 | median ;;
    p50) column_of "$1" "$2" 5 | median ;;
    p90) column_of "$1" "$2" 6 | median ;;
    p99) column_of "$1" "$2" 7 | median ;;
    cpu) column_of "$1" "$2" 8 | median ;;
    rss) column_of "$1" "$2" 9 | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}' ;;
    errors) column_of "$1" "$2" 10 | awk '{s += $1} END {print s + 0}' ;;
    switches) column_of "$1" "$2" 12 | median ;;
    backendcpu) column_of "$1" "$2" 13 | median ;;
  esac
}
paired_ratio() {  # LEVEL TARGET_A TARGET_B -> median over the rounds of A's req/s / B's in the same round
  awk -F'\t' -v l="$1" -v a="$2" -v b="$3" '$1 == l && $2 == a {ra[$3] = $4} $1 == l && $2 == b {rb[$3] = $4}
    END {for (r in ra) if ((r in rb) && rb[r] > 0) print ra[r] / rb[r]}' "$WORK/runs.tsv" | median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "NA" || b == "NA" || a == "" || b == "" || b + 0 == 0) print "NA"; else printf "%.2f", a / b}'; }
best() {  # max|min VALUES... -> the largest or smallest (NA and empty ignored; NA when none)
  local mode=$1; shift
  printf '%s\n' "$@" | awk -v mode="$mode" '
    $1 != "NA" && $1 != "" { if (!n++ || (mode == "max" && $1 + 0 > b + 0) || (mode == "min" && $1 + 0 < b + 0)) b = $1 }
    END { print (n ? b : "NA") }'
}
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN {if (v == "NA" || v == "") print "—"; else printf "%." d "f", v}'; }

report() {
  local targets=$1 load_end
  load_end=$(cut -d' ' -f1-3 /proc/loadavg)
  local peers=() t
  for t in ${targets//,/ }; do case "$t" in nginx|haproxy) peers+=("$t") ;; esac; done
  {
    echo "Run: \`scripts/bench.sh $ARGS_TEXT\` on $(date -u +%Y-%m-%d) at $(date -u +%H:%M) UTC."
    echo
    echo "| machine | |"
    echo "|---|---|"
    echo "| CPU | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p) |"
    echo "| cores | $CORES |"
    echo "| JVM | $(java -version 2>&1 | sed -n 2p) |"
    echo "| router JVM options | \`${ROUTER_JAVA_OPTS:-(none)}\` |"
    echo "| nginx | $(nginx -v 2>&1 | sed 's/^nginx version: //') |"
    echo "| HAProxy | $(haproxy -v | sed -n 1p | cut -d' ' -f1-3) |"
    echo "| h2load | $(h2load --version | sed -n 1p) |"
    echo "| load average (1/5/15 min) at start / end | $LOAD_START / $load_end |"
    echo "| rounds (interleaved) x seconds per run | $ROUNDS x $SECONDS_PER_RUN s (+1 s warm-up run each; $STARTUP_WARMUP_SECONDS s start-up warm-up per target at the highest level, then $WARMUP_SECONDS s per target and level) |"
    echo
    echo "Unary \`Predict\` (the seed request, $(stat_size) bytes framed), h2load, medians over the rounds; CPU = the"
    echo "proxy's user+system CPU seconds per 10 000 calls; RSS = the proxy's peak resident set (VmHWM; nginx: master +"
    echo "workers) up to the end of that load level; switches = the proxy's context switches (all threads, voluntary +"
    echo "involuntary) per call; direct = no proxy (v1 only), so no proxy CPU, RSS or switches."
    echo
    echo "| load (conns x streams) | target | req/s | p50 ms | p90 ms | p99 ms | CPU s/10k | switches/call | peak RSS MiB | errors |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    local level
    for level in ${LEVELS//,/ }; do
      for t in ${targets//,/ }; do
        echo "| $level | $t | $(fmt "$(metric "$level" "$t" rps)") | $(fmt "$(metric "$level" "$t" p50)" 2) | $(fmt "$(metric "$level" "$t" p90)" 2) | $(fmt "$(metric "$level" "$t" p99)" 2) | $(fmt "$(metric "$level" "$t" cpu)" 2) | $(fmt "$(metric "$level" "$t" switches)" 2) | $(fmt "$(metric "$level" "$t" rss)") | $(metric "$level" "$t" errors) |"
      done
    done
    echo
    echo "Ratios (router / best peer: the better of nginx and HAProxy for each column; < 1 is better for latency and CPU):"
    echo
    echo "| load | router | req/s vs best peer | req/s vs direct | p50 vs best peer | p99 vs best peer | CPU vs best peer |"
    echo "|---|---|---|---|---|---|---|"
    for level in ${LEVELS//,/ }; do
      local peer_rps=() peer_p50=() peer_p99=() peer_cpu=() p
      for p in "${peers[@]}"; do
        peer_rps+=("$(metric "$level" "$p" rps)"); peer_p50+=("$(metric "$level" "$p" p50)")
        peer_p99+=("$(metric "$level" "$p" p99)"); peer_cpu+=("$(metric "$level" "$p" cpu)")
      done
      local b_rps b_p50 b_p99 b_cpu
      b_rps=$(best max "${peer_rps[@]:-NA}"); b_p50=$(best min "${peer_p50[@]:-NA}")
      b_p99=$(best min "${peer_p99[@]:-NA}"); b_cpu=$(best min "${peer_cpu[@]:-NA}")
      for t in ${targets//,/ }; do
        [[ "$t" == router* ]] || continue
        echo "| $level | $t | $(fmt "$(ratio "$(metric "$level" "$t" rps)" "$b_rps")" 2) | $(fmt "$(ratio "$(metric "$level" "$t" rps)" "$(metric "$level" direct rps)")" 2) | $(fmt "$(ratio "$(metric "$level" "$t" p50)" "$b_p50")" 2) | $(fmt "$(ratio "$(metric "$level" "$t" p99)" "$b_p99")" 2) | $(fmt "$(ratio "$(metric "$level" "$t" cpu)" "$b_cpu")" 2) |"
      done
    done
    targets_verdict "$targets" "${peers[@]}"
    cold_report
    if [ "$RULES" = 1 ]; then rules_cost; fi
    if [ "$SHADOW" = 1 ]; then shadow_cost; fi
    if [ "$TLS" = 1 ]; then tls_cost; fi
    if [ -s "$WORK/streams.tsv" ]; then
      echo
      echo "Server streaming: $STREAM_STREAMS concurrent calls, each $STREAM_COUNT messages of $STREAM_SIZE payload bytes,"
      echo "counted by a Java gRPC client (StreamingLoad: every call must end OK with exactly $STREAM_COUNT messages);"
      echo "medians over the rounds; CPU = proxy CPU seconds per million messages."
      echo
      echo "| target | messages/s | vs direct | CPU s/1M msgs |"
      echo "|---|---|---|---|"
      local direct_rate
      direct_rate=$(awk -F'\t' '$1 == "direct" {print $3}' "$WORK/streams.tsv" | median)
      for t in ${targets//,/ }; do
        [[ "$UNARY_ONLY" == *" $t "* ]] && continue  # variants measured on unary calls only
        local rate cpu
        rate=$(awk -F'\t' -v t="$t" '$1 == t {print $3}' "$WORK/streams.tsv" | median)
        cpu=$(awk -F'\t' -v t="$t" '$1 == t && $4 != "NA" {print $4}' "$WORK/streams.tsv" | median)
        echo "| $t | $(fmt "$rate") | $(fmt "$(ratio "$rate" "$direct_rate")" 2) | $(fmt "$cpu" 2) |"
      done
    fi
  } >"$WORK/report.md"
}

# The issue's targets for the router (the "router" target), each "met" or "missed" with the figures.
targets_verdict() {
  local targets=$1; shift
  [[ ",$targets," == *",router,"* ]] && [ "$#" -gt 0 ] || return 0
  local level top=${LEVELS##*,}
  verdict() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN {
    if (a == "NA" || b == "NA" || a == "" || b == "") print "n/a"; else if ((op == ">=" && a + 0 >= b + 0) || (op == "<=" && a + 0 <= b + 0)) print "met"; else print "missed" }'; }
  times() { awk -v a="$1" -v f="$2" 'BEGIN {if (a == "NA" || a == "") print "NA"; else printf "%.0f", a * f}'; }
  echo
  echo "Issue 15's targets for \`router\` (best peer = the better of $(IFS=/; echo "$*") per level; HAProxy's own"
  echo "figures where the target names HAProxy):"
  echo
  echo "| target | load | router | reference | verdict |"
  echo "|---|---|---|---|---|"
  for level in ${LEVELS//,/ }; do
    local r_rps r_p50 r_p99 r_cpu b_p50 b_p99 h_rps h_cpu p vals
    r_rps=$(metric "$level" router rps); r_p50=$(metric "$level" router p50); r_p99=$(metric "$level" router p99)
    r_cpu=$(metric "$level" router cpu)
    if [ "$level" = 1x1 ]; then
      vals=(); for p in "$@"; do vals+=("$(metric "$level" "$p" p50)"); done; b_p50=$(best min "${vals[@]}")
      vals=(); for p in "$@"; do vals+=("$(metric "$level" "$p" p99)"); done; b_p99=$(best min "${vals[@]}")
      echo "| p50 <= best peer | $level | $(fmt "$r_p50" 2) ms | $(fmt "$b_p50" 2) ms | $(verdict "$r_p50" "$b_p50" "<=") |"
      echo "| p99 <= best peer | $level | $(fmt "$r_p99" 2) ms | $(fmt "$b_p99" 2) ms | $(verdict "$r_p99" "$b_p99" "<=") |"
    elif [[ " $* " == *" haproxy "* ]]; then
      h_rps=$(metric "$level" haproxy rps); h_cpu=$(metric "$level" haproxy cpu)
      echo "| CPU per call <= HAProxy's | $level | $(fmt "$r_cpu" 2) s/10k | $(fmt "$h_cpu" 2) s/10k | $(verdict "$r_cpu" "$h_cpu" "<=") |"
      echo "| req/s >= 1.1x HAProxy's | $level | $(fmt "$r_rps") | $(fmt "$(times "$h_rps" 1.1)") | $(verdict "$r_rps" "$(times "$h_rps" 1.1)" ">=") |"
    fi
  done
  local d_rps rss
  d_rps=$(times "$(metric "$top" direct rps)" 0.8)
  echo "| req/s >= 0.8x direct | $top | $(fmt "$(metric "$top" router rps)") | $(fmt "$d_rps") | $(verdict "$(metric "$top" router rps)" "$d_rps" ">=") |"
  rss=$(metric "$top" router rss)
  echo "| peak RSS <= 128 MiB | $top | $(fmt "$rss") MiB | 128 MiB | $(verdict "$rss" 128 "<=") |"
  if [ -s "$WORK/cold.tsv" ]; then
    echo "| first $COLD_CALLS calls >= 0.7x steady (paired, cold start below) | $COLD_LEVEL | $(fmt "$(cold_paired router)" 2)x | 0.70x | $(cold_verdict router) |"
  fi
}

cold_column() {  # TARGET COLUMN -> that column of TARGET's cold starts
  awk -F'\t' -v t="$1" -v c="$2" '$1 == t && $c != "NA" {print $c}' "$WORK/cold.tsv"
}
cold_paired() {  # TARGET -> median over the rounds of the cold start's req/s / the steady run's in the same round
  awk -F'\t' -v t="$1" -v l="$COLD_LEVEL" 'FNR == NR {if ($1 == t) cold[$2] = $5; next}
    $1 == l && $2 == t && ($3 in cold) && $4 > 0 {print cold[$3] / $4}' "$WORK/cold.tsv" "$WORK/runs.tsv" | median
}
cold_verdict() {  # TARGET -> met / missed / n/a: the issue's target is set for 20,000 calls at 4x16
  if [ "$COLD_CALLS" != 20000 ] || [ "$COLD_LEVEL" != 4x16 ]; then echo "n/a ($COLD_CALLS calls)"; return; fi
  awk -v q="$(cold_paired "$1")" 'BEGIN {if (q == "NA") print "n/a"; else if (q + 0 >= 0.7) print "met"; else print "missed"}'
}

# Cold start against steady state, per router target: cold.tsv against the timed runs at COLD_LEVEL.
cold_report() {
  [ -s "$WORK/cold.tsv" ] || return 0
  echo
  echo "Cold start: in every round, for router and each variant, a fresh router process was started"
  echo "like the long-running one (the same launcher, JVM options, jar and config, on its own ports); as soon as its"
  echo "admin \`/ready\` answered 200 (polled every 20 ms) h2load sent it the first $COLD_CALLS calls at $COLD_LEVEL"
  echo "(\`-n $COLD_CALLS\`, no warm-up, no call before them), then the process was stopped. **steady** = the"
  echo "long-running router of the same target at $COLD_LEVEL, timed runs of the same rounds (after the warm-ups);"
  echo "each round's cold start ran right before that round's timed runs. ready = launch to \`/ready\` 200;"
  echo "start-up CPU = the process's CPU seconds by then (all threads: JIT, GC, class loading); CPU = the process's"
  echo "CPU seconds per 10 000 calls; paired = median over the rounds of cold / steady req/s within one round."
  echo "Medians over the rounds. The issue's target: the first 20,000 calls at 4x16 at >= 0.7x the steady state."
  echo
  echo "| target | ready s | start-up CPU s | cold req/s | steady req/s | cold / steady | paired | CPU s/10k cold / steady | cold >= 0.7x steady (paired) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local t cold steady
  for t in ${COLD_TARGETS//,/ }; do
    cold=$(cold_column "$t" 5 | median); steady=$(metric "$COLD_LEVEL" "$t" rps)
    echo "| $t | $(fmt "$(cold_column "$t" 3 | median)" 2) | $(fmt "$(cold_column "$t" 4 | median)" 2) | $(fmt "$cold") | $(fmt "$steady") | $(fmt "$(ratio "$cold" "$steady")" 2) | $(fmt "$(cold_paired "$t")" 2) | $(fmt "$(cold_column "$t" 6 | median)" 2) / $(fmt "$(metric "$COLD_LEVEL" "$t" cpu)" 2) | $(cold_verdict "$t") |"
  done
}

# TLS toward the clients: router-tls against haproxy-tls, and each against its own plaintext listener.
tls_cost() {
  echo
  echo "TLS (\`--tls\`): router-tls is the router with \`router.tls\` and haproxy-tls a HAProxy frontend (\`ssl crt ..."
  echo "alpn h2\`) on the same throwaway EC P-256 certificate; h2load calls both over https (TLS 1.3, ALPN h2, one"
  echo "handshake per connection); the backends stay plaintext. CPU per call includes the TLS work of the proxy."
  echo
  echo "| load | router-tls req/s | haproxy-tls req/s | CPU s/10k router-tls / haproxy-tls | CPU ratio | p50 ms router-tls / haproxy-tls | TLS's CPU on the router (tls / plain) | on HAProxy (tls / plain) |"
  echo "|---|---|---|---|---|---|---|---|"
  local level
  for level in ${LEVELS//,/ }; do
    echo "| $level | $(fmt "$(metric "$level" router-tls rps)") | $(fmt "$(metric "$level" haproxy-tls rps)") | $(fmt "$(metric "$level" router-tls cpu)" 2) / $(fmt "$(metric "$level" haproxy-tls cpu)" 2) | $(fmt "$(ratio "$(metric "$level" router-tls cpu)" "$(metric "$level" haproxy-tls cpu)")" 2) | $(fmt "$(metric "$level" router-tls p50)" 2) / $(fmt "$(metric "$level" haproxy-tls p50)" 2) | $(fmt "$(ratio "$(metric "$level" router-tls cpu)" "$(metric "$level" router cpu)")" 2) | $(fmt "$(ratio "$(metric "$level" haproxy-tls cpu)" "$(metric "$level" haproxy cpu)")" 2) |"
  done
}

# The cost of the canary rules: router-rules against router-one, which send every call to v1 alike.
rules_cost() {
  echo
  echo "Canary rules (\`--rules\`): every call of every target carried \`x-user-id: $STICKY_KEY\`. router-rules has"
  echo "\`routing { force-header = \"x-canary-backend\", sticky-header = \"x-user-id\" }\` at v1=50 v2=50 and sends the"
  echo "key to v1 (force header looked up, sticky key hashed and placed by rendezvous hashing over both backends);"
  echo "router-one has no rules and v1=100 v2=0, so both put every call on v1 (both without the in-flight cap"
  echo "per backend, which 1024 calls on one backend would pass). router (50/50, no rules) shows what spreading"
  echo "the calls over two model servers changes on this machine."
  echo
  echo "router-aa is a second router-one, started the same way: router-aa / router-one is what two identical"
  echo "routers differ by in this run -- the noise floor for rules / one. \"paired\" = the median over the rounds of"
  echo "the two targets' ratio within one round (they run back to back), steadier than the ratio of the medians."
  echo
  echo "| load | router-rules req/s | router-one req/s | req/s rules / one | paired rules / one | paired aa / one (A/A) | CPU s/10k rules / one | p50 ms rules / one | p99 ms rules / one | router req/s | rules cost <= 5 % req/s (paired) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  local level r o verdict paired
  for level in ${LEVELS//,/ }; do
    r=$(metric "$level" router-rules rps); o=$(metric "$level" router-one rps)
    paired=$(paired_ratio "$level" router-rules router-one)
    verdict=$(awk -v q="$paired" 'BEGIN {if (q == "NA") print "n/a"; else if (q + 0 >= 0.95) print "met"; else print "missed"}')
    echo "| $level | $(fmt "$r") | $(fmt "$o") | $(fmt "$(ratio "$r" "$o")" 2) | $(fmt "$paired" 2) | $(fmt "$(paired_ratio "$level" router-aa router-one)" 2) | $(fmt "$(metric "$level" router-rules cpu)" 2) / $(fmt "$(metric "$level" router-one cpu)" 2) | $(fmt "$(metric "$level" router-rules p50)" 2) / $(fmt "$(metric "$level" router-one p50)" 2) | $(fmt "$(metric "$level" router-rules p99)" 2) / $(fmt "$(metric "$level" router-one p99)" 2) | $(fmt "$(metric "$level" router rps)") | $verdict |"
  done
}

# The cost of shadow traffic for the primary: router-shadow against router-one, both serving every call from v1.
shadow_cost() {
  echo
  echo "Shadow traffic (\`--shadow\`): router-shadow has v1=100 v2=0 and \`shadow { backend = v2, percent = 100 }\`, so"
  echo "v1 answers every call and v2 gets a copy of each, sent once v1's answer is written (the default,"
  echo "\`send = \"after-primary\"\`); router-shadow-with sends each copy as the request arrives (\`send = \"with-primary\"\`);"
  echo "router-shadow-sink copies every call to a sink backend that answers a fixed PredictResponse from its event"
  echo "loop (no gRPC server, no model: the backend's work taken out); router-one is the same router without the"
  echo "shadow block. The copies are extra work for the machine: v2 answers as many calls as v1 (on the same 2 cores"
  echo "as everything else), and the router's CPU per call below includes sending and reading the copy."
  echo
  echo "Closed loop (every stream sends its next call when the last one ended), so at 4x16 the machine is saturated"
  echo "and the copies' model work lowers everyone's throughput; the paced runs below separate that work."
  echo
  echo "| load | shadow | p50 ms shadow / one | p50 rise | p99 ms shadow / one | req/s shadow / one | router CPU s/10k shadow / one | model-server CPU s/10k shadow / one |"
  echo "|---|---|---|---|---|---|---|---|"
  local level s o rise verdict t
  for level in ${LEVELS//,/ }; do
    for t in router-shadow router-shadow-with router-shadow-sink; do
      s=$(metric "$level" $t p50); o=$(metric "$level" router-one p50)
      rise=$(awk -v a="$s" -v b="$o" 'BEGIN {if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%+.1f %%", 100 * (a / b - 1)}')
      echo "| $level | $t | $(fmt "$s" 2) / $(fmt "$o" 2) | $rise | $(fmt "$(metric "$level" $t p99)" 2) / $(fmt "$(metric "$level" router-one p99)" 2) | $(fmt "$(metric "$level" $t rps)") / $(fmt "$(metric "$level" router-one rps)") | $(fmt "$(metric "$level" $t cpu)" 2) / $(fmt "$(metric "$level" router-one cpu)" 2) | $(fmt "$(metric "$level" $t backendcpu)" 2) / $(fmt "$(metric "$level" router-one backendcpu)" 2) |"
    done
  done
  [ -n "$PACED_RATE" ] || return 0
  local paced="4x16@$PACED_RATE"
  echo
  echo "Paced at $PACED_RATE calls/s (4x16, h2load --rps; half of router-shadow's closed-loop rate, so nothing"
  echo "saturates): the same primary calls through router-shadow, router-shadow-with, router-shadow-sink, router-one,"
  echo "and router-one while a second h2load sends v2 the same rate straight (router-one+v2: the model work a shadow"
  echo "gives v2, without the shadow, but at times of its own). The target -- the primary's p50 with the extra backend"
  echo "work aside -- is router-shadow-sink against router-one: every copy made, sent, answered, read and compared,"
  echo "with the backend's work taken out by construction. The backend work, stated apart: router-shadow against"
  echo "router-shadow-sink (v2's model work on the copies, on the cores the primary uses), and router-shadow against"
  echo "router-one+v2 (the same work, but at the primary's own moments rather than at times of its own)."
  echo "Model-server CPU is v1's + v2's, per 10,000 primary calls."
  echo
  echo "| target | req/s | p50 ms | p99 ms | router CPU s/10k | model-server CPU s/10k | switches/call |"
  echo "|---|---|---|---|---|---|---|"
  local t
  for t in router-shadow router-shadow-with router-shadow-sink router-one+v2 router-one; do
    echo "| $t | $(fmt "$(metric "$paced" "$t" rps)") | $(fmt "$(metric "$paced" "$t" p50)" 2) | $(fmt "$(metric "$paced" "$t" p99)" 2) | $(fmt "$(metric "$paced" "$t" cpu)" 2) | $(fmt "$(metric "$paced" "$t" backendcpu)" 2) | $(fmt "$(metric "$paced" "$t" switches)" 2) |"
  done
  s=$(metric "$paced" router-shadow-sink p50); o=$(metric "$paced" router-one p50)
  rise=$(awk -v a="$s" -v b="$o" 'BEGIN {if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%+.1f %%", 100 * (a / b - 1)}')
  verdict=$(awk -v q="$(ratio "$s" "$o")" 'BEGIN {if (q == "NA") print "n/a"; else if (q + 0 <= 1.10) print "met"; else print "missed"}')
  local shadow_p50 with_p50 mirror_p50
  shadow_p50=$(metric "$paced" router-shadow p50); with_p50=$(metric "$paced" router-shadow-with p50)
  mirror_p50=$(metric "$paced" router-one+v2 p50)
  echo
  echo "Primary p50 with shadow at 100 %, the extra backend work aside (router-shadow-sink / router-one, paced 4x16):"
  echo "$(fmt "$s" 2) / $(fmt "$o" 2) ms, $rise -- target <= +10 %: **$verdict**. The backend work, apart: with v2's model"
  echo "work on every copy, router-shadow / router-shadow-sink p50 $(fmt "$(ratio "$shadow_p50" "$s")" 2)x (copies sent after the"
  echo "primary) and router-shadow-with / router-shadow-sink $(fmt "$(ratio "$with_p50" "$s")" 2)x (sent with it); the same model"
  echo "work at times of its own, router-one+v2 / router-one $(fmt "$(ratio "$mirror_p50" "$o")" 2)x."
}

stat_size() { stat -c %s "$WORK/predict.bin" 2>/dev/null || wc -c <"$WORK/predict.bin"; }

# Replaces the generated section of docs/benchmarks.md (between the markers), or writes OUT whole.
publish() {
  local begin='<!-- bench.sh:begin -->' end='<!-- bench.sh:end -->'
  if [ "$OUT" = docs/benchmarks.md ] && [ -f "$OUT" ] && grep -qF "$begin" "$OUT"; then
    awk -v begin="$begin" -v end="$end" -v report="$WORK/report.md" '
      $0 == begin { print; while ((getline line < report) > 0) print line; skip = 1; next }
      $0 == end { skip = 0 }
      !skip { print }' "$OUT" >"$WORK/benchmarks.md"
    cp "$WORK/benchmarks.md" "$OUT"
  else
    cp "$WORK/report.md" "$OUT"
  fi
  log "report written to $OUT"
}

# ---------------------------------------------------------------------------------------------- main
ARGS_TEXT=$([ "$SMOKE" = 1 ] && echo "--smoke" || echo "--rounds $ROUNDS --seconds $SECONDS_PER_RUN")
[ "$TARGETS" = direct,router,nginx,haproxy ] || ARGS_TEXT+=" --targets $TARGETS"
[ "$LEVELS" = 1x1,4x16,16x64 ] || ARGS_TEXT+=" --levels $LEVELS"
for variant in "${VARIANTS[@]}"; do ARGS_TEXT+=" --variant '$variant'"; done
for name in "${!VARIANT_JAVA[@]}"; do
  [[ " ${VARIANTS[*]} " == *" $name="* ]] || die "--variant-java $name: no --variant $name=JAR[@OPTS] to run with it"
  ARGS_TEXT+=" --variant-java '$name=${VARIANT_JAVA[$name]}'"
done
if [ "$COLD_CALLS" != 20000 ] && [ "$SMOKE" = 0 ]; then ARGS_TEXT+=" --cold-calls $COLD_CALLS"; fi
if [ "$RULES" = 1 ]; then ARGS_TEXT+=" --rules"; fi
if [ "$SHADOW" = 1 ]; then ARGS_TEXT+=" --shadow"; fi
if [ "$TLS" = 1 ]; then ARGS_TEXT+=" --tls"; fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
CORES=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
# File descriptors the proxies may use: the hard limit, at most 65536 (each proxied call can hold two).
NOFILE=$(ulimit -Hn)
{ [ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ]; } && NOFILE=65536
ulimit -n "$NOFILE" 2>/dev/null || true
install_packages
build
helper SeedRequest "$WORK/predict.bin"

log "starting model servers v1, v2 and the streaming backend"
start_model v1 models/iris-v1.0.0.tribuo
start_model v2 models/iris-v2.0.0.tribuo
start_streaming_backend

ALL_TARGETS=$TARGETS
BACKENDS_MODELS="  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 50 }
  v2 { target = \"127.0.0.1:$PORT_v2\", weight = 50 }"
BACKENDS_STREAM="  s { target = \"127.0.0.1:$PORT_stream\", weight = 1 }"
# How each target started by start_routers was launched, by target name: what its cold starts repeat.
declare -A ROUTER_JAVA=() ROUTER_JAR=() ROUTER_OPTS=() ROUTER_BACKENDS=() ROUTER_EXTRA=()
COLD_TARGETS=""
start_routers() {  # NAME JAR OPTS [EXTRA] [JAVA]: one router for the models, one for the streaming backend
  start_router "$1" "$2" "$3" "$BACKENDS_MODELS" "${4:-}" "${5:-java}"
  start_router "${1}_stream" "$2" "$3" "$BACKENDS_STREAM" "${4:-}" "${5:-java}"
  local target=${1//_/-}
  ROUTER_JAVA[$target]=${5:-java}; ROUTER_JAR[$target]=$2; ROUTER_OPTS[$target]=$3
  ROUTER_BACKENDS[$target]=$BACKENDS_MODELS; ROUTER_EXTRA[$target]=${4:-}
  COLD_TARGETS+="${COLD_TARGETS:+,}$target"
}
if [[ ",$TARGETS," == *",router,"* ]]; then
  log "starting the router (JVM options: ${ROUTER_JAVA_OPTS:-none})"
  start_routers router router/target/router.jar "$ROUTER_JAVA_OPTS"
fi
for variant in "${VARIANTS[@]}"; do
  name=${variant%%=*}; spec=${variant#*=}; jar=${spec%%@*}; opts=""
  [[ "$spec" == *@* ]] && opts=${spec#*@}
  [[ "$name" =~ ^[a-z0-9]+$ ]] || die "--variant NAME must be lower-case letters and digits, got '$name'"
  [ -f "$jar" ] || die "--variant $name: no router jar at '$jar'"
  launcher=${VARIANT_JAVA[$name]:-java}
  command -v "$launcher" >/dev/null 2>&1 || die "--variant-java $name: '$launcher' is not an executable java launcher"
  log "starting router variant router-$name ($jar, JVM options: ${opts:-none}, launcher: $launcher)"
  start_routers "router_$name" "$jar" "$opts" "" "$launcher"
  ALL_TARGETS+=",router-$name"
done
UNARY_ONLY=" "
# router-one, router-rules and router-shadow send every call to v1: at 16x64 that is 1024 calls in flight there,
# over the default cap of 1000 per backend, whose fast RESOURCE_EXHAUSTED answers h2load would count as successes
# (HTTP 200). No cap for them.
no_cap='router.max-in-flight-per-backend = 0'
if [ "$RULES" = 1 ]; then
  log "starting router-one and router-aa (no rules, v1=100 v2=0) and router-rules (force and sticky headers, v1=50 v2=50)"
  start_router router_one router/target/router.jar "$ROUTER_JAVA_OPTS" "  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 100 }
  v2 { target = \"127.0.0.1:$PORT_v2\", weight = 0 }" "$no_cap"
  start_router router_rules router/target/router.jar "$ROUTER_JAVA_OPTS" "$BACKENDS_MODELS" \
    "$no_cap
routing { force-header = \"x-canary-backend\", sticky-header = \"x-user-id\" }"
  start_router router_aa router/target/router.jar "$ROUTER_JAVA_OPTS" "  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 100 }
  v2 { target = \"127.0.0.1:$PORT_v2\", weight = 0 }" "$no_cap"
  ALL_TARGETS+=",router-one,router-rules,router-aa"
  UNARY_ONLY+="router-one router-rules router-aa "
  STICKY_KEY=$(pick_sticky_key "$PORT_router_rules")
  log "every call carries x-user-id: $STICKY_KEY, which router-rules sends to v1"
fi
if [ "$SHADOW" = 1 ]; then
  if [ "$RULES" = 0 ]; then
    log "starting router-one (no shadow, v1=100 v2=0)"
    start_router router_one router/target/router.jar "$ROUTER_JAVA_OPTS" "  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 100 }
  v2 { target = \"127.0.0.1:$PORT_v2\", weight = 0 }" "$no_cap"
    ALL_TARGETS+=",router-one"
    UNARY_ONLY+="router-one "
  fi
  log "starting router-shadow and router-shadow-with (v1=100 v2=0, every Predict copied to v2 after / with v1's call)"
  start_router router_shadow router/target/router.jar "$ROUTER_JAVA_OPTS" "  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 100 }
  v2 { target = \"127.0.0.1:$PORT_v2\", weight = 0 }" "$no_cap
shadow { backend = v2, percent = 100 }"
  start_router router_shadow_with router/target/router.jar "$ROUTER_JAVA_OPTS" "  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 100 }
  v2 { target = \"127.0.0.1:$PORT_v2\", weight = 0 }" "$no_cap
shadow { backend = v2, percent = 100, send = \"with-primary\" }"
  log "starting the sink backend and router-shadow-sink (v1=100, every Predict copied to the sink, which does no work)"
  start_sink_backend
  start_router router_shadow_sink router/target/router.jar "$ROUTER_JAVA_OPTS" "  v1 { target = \"127.0.0.1:$PORT_v1\", weight = 100 }
  sink { target = \"127.0.0.1:$PORT_sink\", weight = 0 }" "$no_cap
shadow { backend = sink, percent = 100 }"
  ALL_TARGETS+=",router-shadow,router-shadow-with,router-shadow-sink"
  UNARY_ONLY+="router-shadow router-shadow-with router-shadow-sink "
fi
[[ ",$TARGETS," == *",nginx,"* ]] && { log "starting nginx ($(nginx -v 2>&1 | sed 's/.*\///'))"; start_nginx "$CORES"; }
if [ "$TLS" = 1 ]; then
  command -v openssl >/dev/null 2>&1 || die "--tls needs openssl (Debian: apt-get install openssl)"
  [[ ",$TARGETS," == *",haproxy,"* ]] || die "--tls compares with HAProxy: keep haproxy in --targets"
  make_tls_files
  log "starting router-tls (router.tls, a throwaway certificate for 127.0.0.1)"
  start_router router_tls router/target/router.jar "$ROUTER_JAVA_OPTS" "$BACKENDS_MODELS" \
    "router.tls { cert = \"$WORK/tls/server.crt\", key = \"$WORK/tls/server.key\" }"
fi
[[ ",$TARGETS," == *",haproxy,"* ]] && { log "starting haproxy"; start_haproxy "$CORES"; }
if [ "$TLS" = 1 ]; then
  ALL_TARGETS+=",router-tls,haproxy-tls"
  UNARY_ONLY+="router-tls haproxy-tls "
  TLS_TARGETS=" router-tls haproxy-tls "
fi

log "gRPC correctness check of every target (Java client, seed request)"
for target in ${ALL_TARGETS//,/ }; do
  if [[ "${TLS_TARGETS:-}" == *" $target "* ]]; then
    h2_check "$target" "$(target_port unary "$target")"  # over https: the Java check client speaks plaintext
    continue
  fi
  helper PredictCheck "$target" "127.0.0.1:$(target_port unary "$target")" 20 >&2
done

# Start-up warm-up of every target, unmeasured: a fresh JVM interprets, then compiles its hot paths for
# tens of thousands of calls; without this the first level measured (1x1) would bill the router for its
# JIT compiler. A router in production runs for days, so steady state is what is compared. nginx and
# HAProxy get the same treatment.
highest=${LEVELS##*,}
for target in ${ALL_TARGETS//,/ }; do
  log "start-up warm-up: $target, ${STARTUP_WARMUP_SECONDS} s at $highest"
  # shellcheck disable=SC2046
  h2load -D "$STARTUP_WARMUP_SECONDS" $(h2load_args "${highest%x*}" "${highest#*x}" "$(target_port unary "$target")") \
    >/dev/null 2>&1 || true
done

: >"$WORK/runs.tsv"
: >"$WORK/cold.tsv"
# Every cold start of one round, each target's right before the round's timed runs at the same level, so that
# cold and steady figures of a round meet the same machine load.
cold_round() {
  [ "$COLD_CALLS" -gt 0 ] && [ -n "$COLD_TARGETS" ] || return 0
  local target
  for target in $(rotated "$COLD_TARGETS" "$1"); do cold_start "$target" "$1"; done
}
# measure_level LEVEL TARGETS: the warm-up and the timed rounds of the comma list TARGETS at LEVEL; at the
# cold-start level each round begins with its cold starts.
measure_level() {
  local level=$1 targets=$2 target round
  # JIT warm-up of every target at this level, unmeasured: the JVMs keep compiling the paths a new load
  # pattern takes for several seconds (nginx and HAProxy get the same treatment).
  for target in ${targets//,/ }; do
    log "warm-up: $target, ${WARMUP_SECONDS} s at $level"
    # shellcheck disable=SC2046
    h2load -D "$WARMUP_SECONDS" $(h2load_args "${level%x*}" "${level#*x}" "$(target_port unary "$target")") \
      >/dev/null 2>&1 || true
  done
  for round in $(seq 1 "$ROUNDS"); do
    [ "$level" = "$COLD_LEVEL" ] && cold_round "$round"
    for target in $(rotated "$targets" "$round"); do
      run_unary "$target" "$level" "$round"
    done
  done
}
for level in ${LEVELS//,/ }; do measure_level "$level" "$ALL_TARGETS"; done
# The steady state the cold starts are compared with, when --levels left out their level: measured there for the
# routers that have cold starts only (not in the main table, which lists --levels).
if [[ ",$LEVELS," != *",$COLD_LEVEL,"* ]] && [ "$COLD_CALLS" -gt 0 ] && [ -n "$COLD_TARGETS" ]; then
  measure_level "$COLD_LEVEL" "$COLD_TARGETS"
fi

# --shadow, paced: the same rate of primary calls at 4x16 through router-shadow, router-one, and router-one while
# v2 gets that rate straight from a second h2load -- half of what router-shadow reached closed loop, so that no
# target is saturated and a rise in p50 is the path's, not a queue's.
PACED_RATE=""
if [ "$SHADOW" = 1 ] && [[ ",$LEVELS," == *",4x16,"* ]]; then
  PACED_RATE=$(awk -v r="$(metric 4x16 router-shadow rps)" 'BEGIN {if (r == "NA" || r == "") print ""; else printf "%d", r / 2}')
  [ -n "$PACED_RATE" ] && [ "$PACED_RATE" -gt 0 ] || die "no 4x16 throughput of router-shadow to pace the shadow runs by"
  for round in $(seq 1 "$ROUNDS"); do
    for target in $(rotated router-shadow,router-shadow-with,router-shadow-sink,router-one,router-one+v2 "$round"); do
      run_unary "$target" 4x16 "$round" "$PACED_RATE"
    done
  done
fi

: >"$WORK/streams.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for target in ${ALL_TARGETS//,/ }; do
    [[ "$UNARY_ONLY" == *" $target "* ]] || run_stream "$target" "$round"
  done
done

report "$ALL_TARGETS"
publish
cat "$WORK/report.md"
total_errors=$(( $(awk -F'\t' '{s += $10} END {print s + 0}' "$WORK/runs.tsv") + $(awk -F'\t' '{s += $7} END {print s + 0}' "$WORK/cold.tsv") ))
[ "$total_errors" = 0 ] || die "$total_errors requests failed during the timed runs (see the errors column)"
