#!/usr/bin/env bash
# For machines that reach NO container registry (only Debian's package mirror and Maven Central): builds local
# stand-ins for the base images that Dockerfile.model and Dockerfile.router start FROM, out of Debian packages,
# and tags them under those names, so that scripts/build-images.sh works unchanged. Where a registry is
# reachable you do not need this: for each FROM image it first checks that the image is present, then tries one
# pull, and builds a stand-in only for what is still missing. Running it again is cheap: present images are
# kept (the engine's image store is the cache).
#
#   scripts/local-base-images.sh          (as root: debootstrap and chroot need it)
#
# The stand-ins are NOT Eclipse Temurin: they are Debian bookworm (debootstrap minbase) with Debian's OpenJDK 17
#   maven:3.9-eclipse-temurin-17  <- localhost/siskin-base-jdk:17  the JRE one + openjdk-17-jdk-headless + maven
#                                                                (Debian's Maven is 3.8, enough for the build)
#   eclipse-temurin:17-jre        <- localhost/siskin-base-jre:17  openjdk-17-jre-headless, ca-certificates
# Both trust what this machine trusts: its local CA certificates (/usr/local/share/ca-certificates) and its
# Java trust store are copied in, so a build behind a TLS-inspecting proxy still reaches Maven Central.
# Debian mirror: the one this machine's apt uses (SISKIN_DEBIAN_MIRROR to choose another), else debootstrap's.
# A FROM image without a known stand-in is an error naming it; add it to STANDIN below.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/container-engine.sh
engine_pick

declare -A STANDIN=(
  [maven:3.9-eclipse-temurin-17]=jdk
  [eclipse-temurin:17-jre]=jre
)
JRE=localhost/siskin-base-jre:17
JDK=localhost/siskin-base-jdk:17

die() { echo "error: $*" >&2; exit 1; }
has_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }
qualified() { # the full name both engines store a FROM name under: maven:3.9 -> docker.io/library/maven:3.9
  local n=$1 first=${1%%/*}
  if [[ $n != */* ]]; then n=docker.io/library/$n
  elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then n=docker.io/$n
  fi
  echo "$n"
}

# The images the Dockerfiles start FROM, without the names of earlier build stages ("FROM x AS build").
mapfile -t refs < <(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }' \
                      Dockerfile.model Dockerfile.router | sort -u)
stages=$(awk 'toupper($1) == "FROM" && toupper($(NF-1)) == "AS" { print $NF }' Dockerfile.model Dockerfile.router)
missing=()
for ref in "${refs[@]}"; do
  grep -qx "$ref" <<<"$stages" && continue
  if has_image "$ref" || has_image "$(qualified "$ref")"; then echo "present: $ref"; continue; fi
  if timeout 120 "$ENGINE" pull -q "$ref" >/dev/null 2>&1; then echo "pulled:  $ref"; continue; fi
  [ -n "${STANDIN[$ref]:-}" ] || die "FROM $ref is neither present nor pullable, and there is no stand-in for it in $0"
  missing+=("$ref")
done
[ "${#missing[@]}" -gt 0 ] || exit 0
echo "not present and not pullable: ${missing[*]}; building Debian stand-ins"

[ "$(id -u)" = 0 ] || die "building the stand-ins needs root (debootstrap, chroot)"
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null || die "could not install debootstrap"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/siskin-base.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! has_image "$JRE"; then
  mirror=${SISKIN_DEBIAN_MIRROR:-}
  if [ -z "$mirror" ]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  fi
  echo "debootstrap bookworm (minbase, openjdk-17-jre-headless) from ${mirror:-the default mirror of debootstrap} ..."
  root=$work/rootfs
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm "$root" ${mirror:+"$mirror"} \
    >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # Trust what this machine trusts (see the header).
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
  [ ! -f /etc/ssl/certs/java/cacerts ] || cp /etc/ssl/certs/java/cacerts "$root/etc/ssl/certs/java/cacerts"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | "$ENGINE" import - "$JRE" >/dev/null
  rm -rf "$root"
  echo "built $JRE"
fi

if ! has_image "$JDK"; then
  cat >"$work/Containerfile" <<EOF
FROM $JRE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      openjdk-17-jdk-headless maven >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*
EOF
  "$ENGINE" build -q "${BUILD_FLAGS[@]}" -t "$JDK" -f "$work/Containerfile" "$work" >/dev/null
  echo "built $JDK"
fi

for ref in "${missing[@]}"; do
  if [ "${STANDIN[$ref]}" = jdk ]; then base=$JDK; else base=$JRE; fi
  "$ENGINE" tag "$base" "$(qualified "$ref")"
  echo "tagged:  $ref <- $base"
done
