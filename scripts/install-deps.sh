#!/usr/bin/env bash
# Installs everything ixh needs to build and test, from Debian 12 packages only. Run as root.
set -euo pipefail
packages=(
  build-essential cmake pkg-config ninja-build
  libcpp-httplib-dev libssl-dev nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl python3 python3-jsonschema clang-format
)
# The SDK e2e test (tests/sdk/run.sh) installs @google/genai with npm; a node already on the
# machine (e.g. a newer one from another source) is kept.
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
