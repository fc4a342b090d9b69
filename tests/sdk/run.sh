#!/usr/bin/env bash
# The SDK e2e test: installs the official @google/genai SDK from npm into a scratch folder and
# drives `ixh mock --dialect genai` through it (tests/sdk/genai_sdk_test.mjs).
#
#   tests/sdk/run.sh [IXH_BINARY]
#
# Versions: IXH_GENAI_SDK_VERSIONS (default "2.0.0 2.32.0 3.3.0": the first steps-schema release
# (the older Stainless-generated client, which sends Accept: application/json on streams), the
# newest 2.x, which npm picks on Node 20, and the newest 3.x, which declares node>=22 but runs on
# Node 18 and 20). Exits 77 (ctest: skipped) when node or npm is missing, or when the npm registry
# cannot be reached at all (a bounded `npm ping` that fails with a network error: no route, no
# name, refused, timed out); any other failure, a registry that answers but will not install the
# SDK included, exits 1. Every step is bounded by a timeout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ixh=${1:-$root/build/ixh}
versions=${IXH_GENAI_SDK_VERSIONS:-"2.0.0 2.32.0 3.3.0"}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (install the Debian packages nodejs and npm to run the SDK test)"
    exit 77
  fi
done
if [[ ! -x $ixh ]]; then
  echo "FAIL: $ixh is not an executable ixh binary" >&2
  exit 1
fi
ixh=$(realpath "$ixh")

# Is the registry there at all? Only a network-level failure means "cannot run here"; a registry
# that answers, even with an error, goes on to the install and fails the test if that fails.
registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
set +e
ping_out=$(timeout 30 npm ping --fetch-retries=0 --fetch-timeout=10000 2>&1)
ping_rc=$?
set -e
if ((ping_rc != 0)); then
  code=$(sed -n 's/^npm \(ERR!\|error\) code \([A-Z_0-9]*\).*/\2/p' <<<"$ping_out" | head -n 1)
  case "$ping_rc:$code" in
    124:* | *:ECONNREFUSED | *:ENOTFOUND | *:EAI_AGAIN | *:ETIMEDOUT | *:ECONNRESET | \
      *:ENETUNREACH | *:EHOSTUNREACH | *:ERR_SOCKET_TIMEOUT)
      echo "SKIP: $registry is unreachable (npm ping: ${code:-no answer within 30 s});" \
        "the SDK test needs it to install @google/genai"
      exit 77
      ;;
  esac
  echo "npm ping of $registry failed (${code:-exit $ping_rc}) but the registry answered;" \
    "trying the install anyway"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ixh-genai-sdk.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
echo '{"private": true, "type": "module"}' >package.json

# One npm alias per version (genai_2_32_0@npm:@google/genai@2.32.0), so they install side by side.
packages=()
modules=()
for v in $versions; do
  alias="genai_${v//./_}"
  packages+=("$alias@npm:@google/genai@$v")
  modules+=("$alias=v${v//./_}")
done
echo "node $(node --version), npm $(npm --version); installing @google/genai $versions"
if ! timeout 300 npm install --no-audit --no-fund --loglevel=error --engine-strict=false \
  "${packages[@]}"; then
  echo "FAIL: npm install of @google/genai $versions failed (is the npm registry reachable?)" >&2
  exit 1
fi
# ESM resolves bare package names next to the importing file: run the test from the scratch folder.
cp "$here/genai_sdk_test.mjs" .
timeout 180 node genai_sdk_test.mjs "$ixh" "$root/tests/testdata/sdk/genai_sdk.json" "${modules[@]}"
