#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs dependencies, then
#   1. checks formatting,
#   2. builds with warnings as errors and runs every test (unit, integration, e2e, and the SDK
#      e2e test, which installs the official @google/genai SDK from npm: tests/sdk/run.sh),
#   3. rebuilds with AddressSanitizer + UndefinedBehaviorSanitizer and runs every test again,
#   4. rebuilds with ThreadSanitizer and runs the threaded suites (integration, e2e),
#   5. validates the shipped scenarios and the report fixtures against their JSON Schemas.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh

echo "== format"
mapfile -t sources < <(git ls-files '*.cc' '*.h' 2>/dev/null || find . -name '*.cc' -o -name '*.h')
clang-format --dry-run -Werror "${sources[@]}"

echo "== build (warnings as errors) and test"
scripts/build.sh build/ci -DIXH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build/ci --output-on-failure -j "$(nproc)" --timeout 120
ctest --test-dir build/ci -L bench-smoke --no-tests=error --output-on-failure  # benchmarks still run

echo "== ASan + UBSan"
scripts/build.sh build/asan -DIXH_WERROR=ON -DIXH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$(nproc)" --timeout 300

echo "== TSan (threaded suites)"
scripts/build.sh build/tsan -DIXH_WERROR=ON -DIXH_TSAN=ON -DCMAKE_BUILD_TYPE=Debug
TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" \
  ctest --test-dir build/tsan --output-on-failure -j "$(nproc)" --timeout 300 -L 'integration|e2e'

echo "== JSON schemas (scenarios, run report)"
python3 tests/schema_check.py
python3 tests/report_schema_check.py
