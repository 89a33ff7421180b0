#!/usr/bin/env bash
# Benchmarks the model server: in-process Predict latency of each model, and unary throughput of a real
# server over loopback (127.0.0.1, a free port) with 1 and N concurrent callers.
# Usage: scripts/bench-model.sh [CALLERS [SECONDS]]   (defaults: 8 callers, 8 s measured per run)
set -euo pipefail
cd "$(dirname "$0")/.."

jar=model-server/target/model-server.jar
if [[ ! -f "$jar" ]]; then
  echo "building $jar ..." >&2
  mvn -B -q -pl model-server -am package -DskipTests
fi
exec java -Xmx512m -cp "$jar" dev.siskin.model.bench.ModelBenchmark "${1:-8}" "${2:-8}"
