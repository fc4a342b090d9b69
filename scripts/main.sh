#!/usr/bin/env bash
# The main job: installs dependencies, builds ixh, shows the mock serving the conformance
# scenarios to a plain HTTP client, runs the conformance suite in the genai dialect (verdict line;
# report in out/conformance-genai.json), then runs it with `ixh run` against the embedded mock and
# ends with its report (also written to out/conformance.json).
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

mkdir -p out
echo
echo "== ixh run scenarios/conformance --dialect genai (the official SDKs' wire format)"
build/release/ixh run scenarios/conformance --dialect genai --json out/conformance-genai.json |
  tail -n 1

echo
echo "== ixh run scenarios/conformance (embedded mock)"
build/release/ixh run scenarios/conformance --json out/conformance.json
