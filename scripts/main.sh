#!/usr/bin/env bash
# The main job: installs dependencies, builds ixh, shows the mock serving the conformance
# scenarios to a plain HTTP client, runs the conformance suite in the genai dialect (verdict line;
# report in out/conformance-genai.json), then in the seed dialect with `ixh run` against the
# embedded mock (report also in out/conformance.json), then the fault drills (scenarios/faults:
# every stream broken on purpose, resumed and proven whole; out/faults.json), and ends with a short
# load run of the mixed profile against the embedded mock, with thresholds (out/load.json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DIXH_TESTS=OFF
echo "built $(build/release/ixh --version) at build/release/ixh"
build/release/ixh scenarios lint scenarios/conformance scenarios/load

echo
echo "== ixh mock, seen by a plain HTTP client"
python3 scripts/demo.py build/release/ixh scenarios/conformance

mkdir -p out
echo
echo "== ixh run scenarios/conformance --dialect genai (the official SDKs' wire format)"
build/release/ixh run scenarios/conformance --dialect genai --json out/conformance-genai.json |
  tail -n 1

echo
echo "== ixh run scenarios/conformance (embedded mock)"
build/release/ixh run scenarios/conformance --json out/conformance.json

echo
echo "== ixh run scenarios/faults (interrupted streams, resumed; embedded mock)"
build/release/ixh scenarios lint scenarios/faults >/dev/null
build/release/ixh run scenarios/faults --json out/faults.json | tail -n 28

echo
echo "== ixh run scenarios/load/mixed.json (a short load run against the embedded mock)"
build/release/ixh run scenarios/load/mixed.json --duration 5s --warmup 1s --workers 2 \
  --threshold 'p99(ttfe)<250ms' --threshold 'rate(errors)<0.1%' --json out/load.json
