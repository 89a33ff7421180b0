#!/usr/bin/env bash
# Router overhead benchmark: added latency (p50, p99) and throughput, direct vs through the router, and the
# cost of the router's metrics and access log. Starts a trivial backend and three routers (no call listeners;
# metrics on, access log off; metrics and access log on, text lines to router/target/bench-access.log) as
# separate JVMs on loopback (ephemeral ports), measures them interleaved in every round, prints each round,
# the medians and the ratios. Arguments are passed on: [rounds] [sequential calls per round] [callers] [seconds].
# Usage: scripts/bench-router.sh [5 5000 16 3]
set -euo pipefail
cd "$(dirname "$0")/.."

# One reactor build (-am): the project's own modules (proto) resolve to this build's target/ folders, not to
# ~/.m2 (where only an `mvn install` would put them). A relative mdep.outputFile is per module.
mvn -B -q -pl router -am test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null

exec java -Dsiskin.bench.access-log=router/target/bench-access.log -cp "router/target/test-classes:router/target/classes:$(cat router/target/bench-classpath.txt)" \
  dev.siskin.router.bench.RouterBench "$@"
