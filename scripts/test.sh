#!/usr/bin/env bash
# Runs every test: the unit and integration tests in the normal build, then the same
# tests again with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== build (ASan + UBSan)"
bash scripts/build.sh build-sanitize -DCMAKE_BUILD_TYPE=Debug -DSAMSPIL_SANITIZE=ON
echo "== tests under ASan + UBSan"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd build-sanitize && ctest --output-on-failure -j"$jobs")
echo "== all tests passed"
