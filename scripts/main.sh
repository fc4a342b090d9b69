#!/usr/bin/env bash
# The main job: installs dependencies, builds ixh, and runs it against the conformance scenarios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DIXH_TESTS=OFF
echo "built $(build/release/ixh --version) at build/release/ixh"
build/release/ixh scenarios lint scenarios/conformance
python3 scripts/demo.py build/release/ixh scenarios/conformance
