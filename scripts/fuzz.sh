#!/usr/bin/env bash
# libFuzzer targets of test/fuzz/, built with clang-14 (ASan+UBSan, -O1, assertions on) in build-fuzz/.
#
#   scripts/fuzz.sh build                 build the targets only
#   scripts/fuzz.sh smoke                 build; every target replays its regressions, then fuzzes
#                                         its seeds for OP_FUZZ_SMOKE_SECONDS (3) (a stage of
#                                         scripts/test.sh)
#   scripts/fuzz.sh run [SECONDS] [T...]  build; fuzz each target (all by default) for SECONDS (600)
#                                         or OP_FUZZ_RUNS executions, whichever comes first, one
#                                         target at a time, the corpus kept in .fuzz/corpus/<target>
#   scripts/fuzz.sh replay TARGET BINARY  run BINARY once over TARGET's seeds and regressions (the
#                                         fuzz_replay_* unit tests of the g++ builds)
# OP_FUZZ_NO_BUILD=1 runs the binaries already in build-fuzz/.
# OP_FUZZ_FAST=1 uses build-fuzz-fast/ instead: -O2 and UBSan without ASan, about 4x the executions
# per second on the YAML targets (kubeconfig: 2,600/s against 600/s), for long runs. It cannot see
# memory errors that do not crash, so a long run should also spend time in the ASan build.
#
# Seeds: test/fuzz/seeds/<target>/, the Compose files of ../shared/corpus (or /work/shared/corpus)
# and test/testdata, gathered per target into .fuzz/seeds/<target> (OP_FUZZ_OUT moves .fuzz/).
# Every run has -rss_limit_mb and -malloc_limit_mb (OP_FUZZ_RSS_MB, 2048: ASan's own overhead
# included) and a per-input timeout (-timeout=10). A crash, leak, timeout or out-of-memory input is
# written to .fuzz/crashes/<target>/ and fails the command: fix it, and keep the input under
# test/fuzz/regressions/<target>/.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MODE=${1:-smoke}
shift || true

TARGETS=(fuzz_compose_load fuzz_scalars fuzz_watch_event fuzz_kubeconfig fuzz_conversion_review
         fuzz_admission_review fuzz_conversion_roundtrip)
CXX_FUZZ=${OP_FUZZ_CXX:-clang++-14}
RSS_MB=${OP_FUZZ_RSS_MB:-2048}
JOBS=${OP_JOBS:-2}
OUT=${OP_FUZZ_OUT:-$ROOT/.fuzz}
if [ "${OP_FUZZ_FAST:-0}" = 1 ]; then
    BUILD=build-fuzz-fast OPT=-O2 SANITIZERS=undefined
else
    BUILD=build-fuzz OPT=-O1 SANITIZERS=address,undefined
fi

export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator/ccache}
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
# UBSan reports are crashes, except the suppressed ones of third-party headers (ubsan.supp says why).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1:suppressions=$ROOT/test/fuzz/ubsan.supp"
[ -x /usr/bin/llvm-symbolizer-14 ] && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer-14}

build() {
    [ "${OP_FUZZ_NO_BUILD:-0}" = 1 ] && return 0  # the binaries in $BUILD/ as they are
    command -v "$CXX_FUZZ" >/dev/null || { echo "[fuzz] $CXX_FUZZ not found (scripts/setup.sh installs clang-14)"; return 1; }
    # -O1 with line tables and assertions on (no NDEBUG): cheaper to compile than -O2, and an
    # assert the fuzzer reaches is a finding.
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$OPT -gline-tables-only" -DOP_FUZZ_SANITIZERS="$SANITIZERS" \
        -DOP_FUZZ=ON -DOP_BUILD_TESTS=OFF -DOP_BUILD_BENCH=OFF >/dev/null || return 1
    nice cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
    return "${PIPESTATUS[0]}"
}

shared_corpus() {
    for d in "$ROOT/../shared/corpus" /work/shared/corpus; do
        [ -d "$d" ] && { echo "$d"; return; }
    done
}

# Seeds for one target in $OUT/seeds/<target> (gathered anew each run; small).
seeds() {
    local t=$1 dir=$OUT/seeds/$1 sc
    sc=$(shared_corpus)
    rm -rf "$dir"; mkdir -p "$dir"
    [ -d "test/fuzz/seeds/$t" ] && cp test/fuzz/seeds/"$t"/* "$dir/"
    case $t in
        fuzz_compose_load|fuzz_conversion_roundtrip)
            [ -n "$sc" ] && find "$sc" -name '*.y*ml' -exec cp {} "$dir/" \;
            cp test/testdata/compose/*.yaml test/testdata/conversion/*.yaml "$dir/"
            cp test/testdata/cli/pack/app/compose.yaml "$dir/pack-app.yaml"
            [ "$t" = fuzz_conversion_roundtrip ] && cp test/testdata/api/*.json "$dir/" ;;
        fuzz_conversion_review) cp test/testdata/webhook/conversion_*.json "$dir/" ;;
        fuzz_admission_review) cp test/testdata/webhook/admission_*.json "$dir/" ;;
    esac
    return 0
}

regressions() { # TARGET: prints the regression folder when it holds inputs
    local reg=test/fuzz/regressions/$1
    [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ] && echo "$reg"
    return 0
}

# run_target TARGET SECONDS: replays the regressions, then fuzzes; prints one summary line.
run_target() {
    local t=$1 secs=$2 bin=$BUILD/test/fuzz/$1 corpus=$OUT/corpus/$1 crashes=$OUT/crashes/$1
    local log=$OUT/logs/$1.log reg
    mkdir -p "$corpus" "$crashes" "$OUT/logs"
    reg=$(regressions "$t")
    if [ -n "$reg" ] && ! "$bin" -rss_limit_mb="$RSS_MB" -timeout=10 "$reg"/* >"$log.replay" 2>&1; then
        echo "[fuzz] $t: a regression input fails again (see $log.replay)"; tail -30 "$log.replay"; return 1
    fi
    seeds "$t"
    local start=$SECONDS rc runs=()
    [ -n "${OP_FUZZ_RUNS:-}" ] && runs=(-runs="$OP_FUZZ_RUNS")
    nice -n 10 "$bin" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -timeout=10 -max_len=65536 \
        -max_total_time="$secs" "${runs[@]}" -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "$OUT/seeds/$t" >"$log" 2>&1
    rc=$?
    local execs rate cov
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o ' cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    printf '[fuzz] %-26s %10s executions in %5ss (%s/s),%s, corpus %s inputs: %s\n' "$t" "${execs:-?}" \
        $((SECONDS - start)) "${rate:-?}" "${cov:- cov ?}" "$(ls "$corpus" | wc -l)" \
        "$([ $rc -eq 0 ] && echo ok || echo "FAILED (rc $rc, see $log)")"
    if [ $rc -ne 0 ]; then
        grep -E 'ERROR:|SUMMARY:|property failed|Test unit written' "$log" | head -10
        return 1
    fi
}

case $MODE in
    build) build ;;
    smoke)
        build || { echo "[fuzz] build failed"; exit 1; }
        status=0
        for t in "${TARGETS[@]}"; do run_target "$t" "${OP_FUZZ_SMOKE_SECONDS:-3}" || status=1; done
        echo "[fuzz] smoke: $([ $status -eq 0 ] && echo passed || echo FAILED)"
        exit $status ;;
    run)
        secs=${1:-600}; shift || true
        [ $# -gt 0 ] && TARGETS=("$@")
        build || { echo "[fuzz] build failed"; exit 1; }
        status=0
        for t in "${TARGETS[@]}"; do run_target "$t" "$secs" || status=1; done
        exit $status ;;
    replay)
        [ $# -eq 2 ] || { echo "usage: $0 replay TARGET BINARY" >&2; exit 2; }
        seeds "$1"
        reg=$(regressions "$1")
        exec "$2" "$OUT/seeds/$1" ${reg:+"$reg"} ;;
    *) echo "usage: $0 build | smoke | run [SECONDS] [TARGET...] | replay TARGET BINARY" >&2; exit 2 ;;
esac
