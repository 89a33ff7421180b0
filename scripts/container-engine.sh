# Sourced by the container scripts (build-images.sh, local-base-images.sh, demo-scale-out.sh): picks the
# container engine and its compose tool, so the same scripts run with Docker or with podman.
#   ENGINE          docker when its daemon answers, else podman (SISKIN_ENGINE=docker|podman to choose)
#   COMPOSE         the compose command as an array: "docker compose", "docker-compose" or "podman-compose"
#   BUILD_FLAGS     extra `build` flags for podman: --network host, as podman's build network may not reach the
#                   package registries (Maven Central, for the images' build stage) where the host does; and
#                   --format docker, as podman's default OCI format drops the Dockerfiles' HEALTHCHECK
# A `docker` CLI without a daemon (or a `docker` shim for podman) is common, so "is docker installed" is not
# the test; "does `docker info` answer" is.

engine_pick() {
  case "${SISKIN_ENGINE:-}" in
    docker|podman) ENGINE=$SISKIN_ENGINE ;;
    "")
      if command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then ENGINE=docker
      elif command -v podman >/dev/null 2>&1; then ENGINE=podman
      else
        echo "error: no container engine: neither a running Docker (docker info) nor podman was found" >&2
        return 1
      fi ;;
    *) echo "error: SISKIN_ENGINE='$SISKIN_ENGINE' (expected docker or podman)" >&2; return 1 ;;
  esac
  BUILD_FLAGS=()
  [ "$ENGINE" != podman ] || BUILD_FLAGS=(--network host --format docker)
}

compose_pick() { # needs ENGINE
  if [ "$ENGINE" = docker ] && docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
  elif [ "$ENGINE" = docker ] && command -v docker-compose >/dev/null 2>&1; then COMPOSE=(docker-compose)
  elif [ "$ENGINE" = podman ] && command -v podman-compose >/dev/null 2>&1; then COMPOSE=(podman-compose)
  else
    echo "error: no compose tool for $ENGINE (docker compose, docker-compose or podman-compose)" >&2
    return 1
  fi
}
