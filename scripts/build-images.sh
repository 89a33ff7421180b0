#!/usr/bin/env bash
# Builds the Docker images: siskin-model:v1.0.0, siskin-model:v2.0.0 and siskin-router:<project version>
# (the version in the parent pom.xml). Each image builds its jars from source in its first stage, so no local
# Maven build is needed. Extra arguments go to every `docker build` (e.g. --pull, --no-cache).
# Docker when its daemon answers, else podman (SISKIN_ENGINE=docker|podman to choose; scripts/container-engine.sh).
# No registry reachable for the base images? scripts/local-base-images.sh builds local stand-ins first.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/container-engine.sh
engine_pick

# The parent pom has no <parent>, so its first <version> element is the project's version.
VERSION=$(sed -n 's:.*<version>\([^<]*\)</version>.*:\1:p' pom.xml | sed -n 1p)
[ -n "$VERSION" ] || { echo "error: could not read the project version from pom.xml" >&2; exit 1; }
MODEL_VERSIONS=(v1.0.0 v2.0.0)

for model in "${MODEL_VERSIONS[@]}"; do
  [ -f "models/iris-$model.tribuo" ] || { echo "error: models/iris-$model.tribuo is missing; run scripts/train-models.sh" >&2; exit 1; }
  echo "=== siskin-model:$model"
  "$ENGINE" build "${BUILD_FLAGS[@]}" "$@" -f Dockerfile.model --build-arg "MODEL_VERSION=$model" -t "siskin-model:$model" .
done

echo "=== siskin-router:$VERSION"
"$ENGINE" build "${BUILD_FLAGS[@]}" "$@" -f Dockerfile.router -t "siskin-router:$VERSION" .

echo "Built: ${MODEL_VERSIONS[*]/#/siskin-model:} siskin-router:$VERSION"
