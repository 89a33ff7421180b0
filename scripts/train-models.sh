#!/usr/bin/env bash
# Rebuilds models/iris-v1.0.0.tribuo and models/iris-v2.0.0.tribuo, each with its .conf metadata, from
# data/iris.csv. Seeds and the stratified split are fixed, so the rebuilt models predict exactly like the
# committed ones (only the training timestamps inside the files, and so their SHA-256, change).
# Usage: scripts/train-models.sh [DATA_CSV [OUT_DIR]]   (defaults: data/iris.csv models)
set -euo pipefail
cd "$(dirname "$0")/.."

jar=model-server/target/model-server.jar
if [[ ! -f "$jar" ]]; then
  echo "building $jar ..." >&2
  mvn -B -q -pl model-server -am package -DskipTests
fi
exec java -cp "$jar" dev.siskin.model.train.TrainModels "${1:-data/iris.csv}" "${2:-models}"
