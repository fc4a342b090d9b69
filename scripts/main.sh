#!/usr/bin/env bash
# The main job: installs dependencies, builds ixh, shows the mock serving the conformance
# scenarios to a plain HTTP client, runs the conformance suite with `ixh run` against the
# embedded mock (report also in out/conformance.json), then the fault drills (scenarios/faults:
# every stream broken on purpose, resumed and proven whole; out/faults.json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DIXH_TESTS=OFF
echo "built $(build/release/ixh --version) at build/release/ixh"
build/release/ixh scenarios lint scenarios/conformance

echo
echo "== ixh mock, seen by a plain HTTP client"
python3 scripts/demo.py build/release/ixh scenarios/conformance

echo
echo "== ixh run scenarios/conformance (embedded mock)"
mkdir -p out
build/release/ixh run scenarios/conformance --json out/conformance.json

echo
echo "== ixh run scenarios/faults (interrupted streams, resumed; embedded mock)"
build/release/ixh scenarios lint scenarios/faults >/dev/null
build/release/ixh run scenarios/faults --json out/faults.json | tail -n 28
