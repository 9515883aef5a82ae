#!/usr/bin/env bash
# The one command that installs what the tests need and runs them all:
#   1. scripts/setup.sh (Debian packages; idempotent)
#   2. optimised build in build/ and, unless --no-asan, an ASan+UBSan build in build-asan/
#   3. unit and integration tests in both builds, then a libFuzzer smoke run (scripts/fuzz.sh)
#   4. the local control plane (scripts/cluster.sh up: built from Go modules once, then cached),
#      started --clusters times (default 2) on separate folders and ports
#   5. e2e tests against them (optimised build), as many suites at once as there are clusters
# Prints CTest's summary for each stage; exits non-zero on any failure.
#
# Options: --label unit|integration|e2e|image   run only that label (skips the cluster unless e2e;
#                                          image: only scripts/build-image.sh)
#          --no-asan                      skip the sanitizer build
#          --no-fuzz                      skip the libFuzzer smoke stage (clang-14 build in build-fuzz/)
#          --no-tsan                      skip the ThreadSanitizer build (build-tsan/), which runs the
#                                         suites of the modules that use threads (kube, webhook,
#                                         metrics, runtime, reconcile, util: unit and integration)
#          --keep-cluster                 leave the clusters running afterwards
#          --clusters N                   e2e on N local clusters at once (default 2; 1 = one at a time)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -d /usr/local/go/bin ] && export PATH="/usr/local/go/bin:$PATH"

LABEL=""
ASAN=1
FUZZ=1
TSAN=1
KEEP=0
CLUSTERS=${OP_E2E_CLUSTERS:-2}
while [ $# -gt 0 ]; do
    case "$1" in
        --label) LABEL=$2; shift 2 ;;
        --no-asan) ASAN=0; shift ;;
        --no-fuzz) FUZZ=0; shift ;;
        --no-tsan) TSAN=0; shift ;;
        --tsan) TSAN=1; shift ;;  # the default; kept for old command lines
        --keep-cluster) KEEP=1; shift ;;
        --clusters) CLUSTERS=$2; shift 2 ;;
        *) echo "usage: $0 [--label unit|integration|e2e|image] [--no-asan] [--no-fuzz] [--no-tsan] [--keep-cluster] [--clusters N]" >&2; exit 2 ;;
    esac
done

JOBS=${OP_JOBS:-$(nproc)}
# ccache outside the clone, shared by every clone on this machine (paths made relative to the
# clone so a fresh clone in another folder hits the same entries).
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator/ccache}
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
status=0
t_start=$SECONDS
t_stage=$SECONDS
stage_name=""
stage() { # prints how long the previous stage took, then the new stage's heading
    [ -n "$stage_name" ] && printf '==== %s took %ss\n' "$stage_name" $((SECONDS - t_stage))
    stage_name="$*"; t_stage=$SECONDS
    printf '\n==== %s (%ss elapsed)\n' "$*" $((SECONDS - t_start))
}

stage "setup"
bash scripts/setup.sh || exit 1

build() { # dir, cmake args... [-- targets...]
    local dir=$1 args=() targets=(); shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
    [ "${1:-}" = -- ] && { shift; for t in "$@"; do targets+=(--target "$t"); done; }
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOP_WERROR=ON "${args[@]}" >/dev/null || return 1
    # Ninja's progress lines are dropped; compiler messages stay. The status is cmake's.
    cmake --build "$dir" -j "$JOBS" "${targets[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
    local rc=${PIPESTATUS[0]}
    return "$rc"
}

run_ctest() { # dir label [jobs] [name regex]
    (cd "$1" && ctest -L "^$2\$" ${4:+-R "$4"} --output-on-failure --timeout 900 -j "${3:-$JOBS}") || status=1
}
TSAN_TARGETS="kube_test metrics_test reconcile_test runtime_test util_test webhook_test kube_integration_test webhook_integration_test"
TSAN_TESTS='^(kube|metrics|reconcile|runtime|util|webhook)_(test|integration_test):'

want() { [ -z "$LABEL" ] || [ "$LABEL" = "$1" ]; }

stage "build (optimised)"
build build -DOP_RELEASE=ON || { echo "build failed"; exit 1; }
if [ $ASAN -eq 1 ] && { want unit || want integration; }; then
    stage "build (ASan+UBSan)"
    # -O0 -g1 (line tables): the tests are small, so compile time is what counts here; -O0 compiles
    # the Beast-heavy files in less than half the time of -O1 (src/webhook/http_server.cpp: 128 s
    # -> 55 s user), and traces keep file:line.
    build build-asan -DOP_SANITIZE=ON -DOP_BUILD_BENCH=OFF \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O0 -g1 -DNDEBUG" || { echo "sanitizer build failed"; exit 1; }
fi
if [ $TSAN -eq 1 ] && { want unit || want integration; }; then
    stage "build (ThreadSanitizer)"
    # Only the suites of the modules that run on several threads (the pure modules' tests are
    # single-threaded and already run under ASan+UBSan); their libraries are still instrumented.
    build build-tsan -DOP_TSAN=ON -DOP_BUILD_BENCH=OFF \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -- $TSAN_TARGETS || { echo "ThreadSanitizer build failed"; exit 1; }
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for l in unit integration; do
    want $l || continue
    stage "$l tests (optimised)"
    run_ctest build $l
    if [ $ASAN -eq 1 ]; then
        stage "$l tests (ASan+UBSan)"
        run_ctest build-asan $l
    fi
    if [ $TSAN -eq 1 ]; then
        stage "$l tests (ThreadSanitizer)"
        TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} run_ctest build-tsan $l "$JOBS" "$TSAN_TESTS"
    fi
done

if [ $FUZZ -eq 1 ] && want unit; then
    # libFuzzer smoke: every target replays its regressions, then fuzzes its seeds for a few
    # seconds (clang-14 ASan+UBSan build in build-fuzz/, through the same ccache).
    stage "fuzz smoke (scripts/fuzz.sh smoke)"
    OP_JOBS=$JOBS bash scripts/fuzz.sh smoke || status=1
fi

if want e2e; then
    # The Go test tools the e2e suites use (cached by source hash); built here so a cold build is
    # not charged to one test's timeout.
    stage "e2e test tools (Go)"
    for t in gitops-check bundle-validate; do bash scripts/build-test-tool.sh "$t" >/dev/null || status=1; done
    bash scripts/build-flux.sh >/dev/null || status=1   # source- and kustomize-controller for e2e_flux
    # Several local clusters (scripts/shard-env.sh: .cluster, .cluster-1, ...; ports +100 each),
    # and CTest runs that many suites at once, each on a cluster of its own (resource "cluster",
    # test/e2e/lib/on-cluster.sh): most suites wait on the control plane rather than compute.
    stage "local control plane ($CLUSTERS)"
    up=1
    for n in $(seq 0 $((CLUSTERS - 1))); do
        (eval "$(bash scripts/shard-env.sh "$n")" && bash scripts/cluster.sh up) || up=0
    done
    if [ $up -eq 1 ]; then
        export OP_KUBECONFIG="$ROOT/.cluster/kubeconfig"
        spec=$ROOT/build/e2e-clusters.json
        ids=$(seq -s, 0 $((CLUSTERS - 1)) | sed 's/\([0-9]*\)/{"id":"\1","slots":1}/g')
        printf '{"version":{"major":1,"minor":0},"local":[{"cluster":[%s]}]}\n' "$ids" > "$spec"
        stage "e2e tests (on $CLUSTERS clusters)"
        (cd build && ctest -L '^e2e$' --output-on-failure --timeout 900 -j "$CLUSTERS" \
            --resource-spec-file "$spec") || status=1
        for n in $(seq 0 $((CLUSTERS - 1))); do
            (eval "$(bash scripts/shard-env.sh "$n")" && bash scripts/cluster.sh status) || true
        done
    else
        echo "a local control plane did not come up; see .cluster*/logs/"
        status=1
    fi
    if [ $KEEP -eq 0 ]; then
        for n in $(seq 0 $((CLUSTERS - 1))); do
            (eval "$(bash scripts/shard-env.sh "$n")" && bash scripts/cluster.sh down) || true
        done
    fi
fi

if want image; then
    # The container image, built for real (buildah, base made by debootstrap; layers cached).
    stage "image (scripts/build-image.sh)"
    bash scripts/build-image.sh >/dev/null || status=1
fi

stage "done: $([ $status -eq 0 ] && echo PASSED || echo FAILED) in $((SECONDS - t_start))s"
exit $status
