#!/usr/bin/env bash
# Runs every test once: the documented commands, the browser page and the JUCE clients
# under real hosts (JACK dummy driver, Xvfb) in the normal build; then the unit and
# integration tests (real server and cli on loopback) with AddressSanitizer and
# UndefinedBehaviorSanitizer in a clang tree that also builds the libFuzzer harnesses;
# then each harness for 15 s from the seed corpus, two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
started=$SECONDS
# Each phase's heading says how long the run has taken so far (the cold-run figure in
# docs/performance.md is read from these).
phase() { printf '== [%d:%02d] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*"; }

phase "the browser client's test tooling (puppeteer-core, pinned in client-app/web/package-lock.json)"
(cd client-app/web && npm ci --no-audit --no-fund --loglevel=error)

phase "build (RelWithDebInfo, with the JUCE desktop app and plugin)"
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMSPIL_BUILD_JUCE=ON -DSAMSPIL_CORE_TESTS=OFF
phase "tests"
# JACK keeps a registry of its servers in /dev/shm; one killed mid-exit (a crashed earlier
# run) leaves an entry behind, and enough of them stop any new jackd. None runs now: clear.
if ! pgrep -x jackd >/dev/null && ! pgrep -x jackdbus >/dev/null; then rm -rf /dev/shm/jack[-_]* /dev/shm/jack_db-*; fi
# The one-minute soak runs once, in the sanitizer build below, where it also shows no leak;
# the install test runs beside it.
install_test="ops: the packages install"
(cd build && ctest --output-on-failure -j"$jobs" -E "soak:|$install_test")

phase "build (clang, ASan + UBSan: shared/, server/, the cli, their tests and the fuzz harnesses; JUCE targets are not sanitized)"
bash scripts/build.sh build-sanitize -DCMAKE_BUILD_TYPE=Debug -DSAMSPIL_SANITIZE=ON -DSAMSPIL_FUZZ=ON \
  -DSAMSPIL_BUILD_JUCE=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The packages' install test on a clean Debian 12 mostly waits for debootstrap, apt-get and
# the disk, and measures no time; the one-minute soak keeps a server busy and measures no
# time either: they run side by side (the packages were made and checked above, so the
# install test's fixture is not run again). The install test is stopped if the run ends early.
phase "the soak under ASan + UBSan, beside the packages' install test"
install_log=$(mktemp)
(cd build && exec setsid ctest --output-on-failure -R "$install_test" -FS debian_packages) >"$install_log" 2>&1 &
install_pid=$!
trap 'kill -TERM -- -$install_pid 2>/dev/null || true; rm -f "$install_log"' EXIT
soak_status=0
(cd build-sanitize && ctest --output-on-failure -R "soak:") || soak_status=$?
install_status=0
wait "$install_pid" || install_status=$?
sed 's/^/  /' "$install_log"
[ "$soak_status" = 0 ] || { echo "test.sh: the soak failed" >&2; exit 1; }
[ "$install_status" = 0 ] || { echo "test.sh: the install test failed" >&2; exit 1; }
grep -q "100% tests passed, 0 tests failed out of 1" "$install_log" || { echo "test.sh: the install test did not run" >&2; exit 1; }
phase "tests under ASan + UBSan"
(cd build-sanitize && ctest --output-on-failure -j"$jobs" -E "soak:")
phase "fuzzing (libFuzzer, clang): each harness 15 s"
bash tests/fuzz/run.sh 15 build-sanitize
phase "all tests passed"
