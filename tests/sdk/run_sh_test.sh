#!/usr/bin/env bash
# Tests tests/sdk/run.sh's verdicts on the npm registry, without the real registry:
#   - a registry nobody listens on (a closed loopback port) is unreachable: skipped, exit 77,
#     with a message that says so;
#   - a registry that answers but has no SDK (a static file server with nothing in it, on
#     loopback) is a real failure: exit 1, never a skip.
#
#   tests/sdk/run_sh_test.sh IXH_BINARY
#
# Exits 77 (ctest: skipped) without node, npm or python3; every step is bounded by a timeout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ixh=${1:?usage: run_sh_test.sh IXH_BINARY}
for tool in node npm python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found"
    exit 77
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ixh-run-sh-test.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
failures=0

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_case NAME REGISTRY EXPECTED_EXIT EXPECTED_TEXT
run_case() {
  local name=$1 registry=$2 want=$3 text=$4 got out
  set +e
  out=$(cd "$scratch" && npm_config_registry=$registry npm_config_cache=$scratch/cache \
    IXH_GENAI_SDK_VERSIONS=3.3.0 timeout 120 bash "$here/run.sh" "$ixh" 2>&1)
  got=$?
  set -e
  if [[ $got -ne $want || $out != *"$text"* ]]; then
    echo "FAIL $name: exit $got (want $want), output lacks \"$text\":"
    sed 's/^/    /' <<<"$out"
    failures=$((failures + 1))
  else
    echo "ok   $name: exit $got"
  fi
}

# Bound, then closed: nothing listens there.
run_case unreachable "http://127.0.0.1:$(free_port)/" 77 "is unreachable"

mkdir -p "$scratch/empty"
port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$scratch/empty" \
  >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null
  then break; fi
  sleep 0.1
done
run_case answers_404 "http://127.0.0.1:$port/" 1 "FAIL: npm install"

echo "$((2 - failures)) passed, $failures failed"
((failures == 0))
