#!/usr/bin/env bash
# Router overhead benchmark: added latency (p50, p99) and throughput, direct vs through the router.
# Starts a trivial backend and the router as separate JVMs on loopback (ephemeral ports), prints each round
# and the medians. Arguments are passed on: [rounds] [sequential calls per round] [callers] [seconds].
# Usage: scripts/bench-router.sh [5 5000 16 3]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl router -am test-compile -DskipTests >/dev/null
mvn -B -q -pl router org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null

exec java -cp "router/target/test-classes:router/target/classes:$(cat router/target/bench-classpath.txt)" \
  dev.siskin.router.bench.RouterBench "$@"
