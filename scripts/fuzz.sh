#!/usr/bin/env bash
# libFuzzer targets of test/fuzz/, built with clang (ASan+UBSan) in build-fuzz/.
#
#   scripts/fuzz.sh smoke                 build; replay test/fuzz/regressions/<target>/ and fuzz
#                                         every target for OP_FUZZ_SMOKE_SECONDS (3) each
#                                         (a stage of scripts/test.sh)
#   scripts/fuzz.sh run [SECONDS] [T...]  build; fuzz each target (all by default) SECONDS (600)
#                                         with the corpus kept in .fuzz/corpus/<target>; prints
#                                         executions and time per target
#   scripts/fuzz.sh build                 build only
# OP_FUZZ_NO_BUILD=1 runs the binaries already in build-fuzz/ (e.g. while a build is running).
#
# Seeds: the Compose files of ../shared/corpus (or /work/shared/corpus) and test/testdata,
# gathered per target into .fuzz/seeds/<target> at run time. Every run has -rss_limit_mb and
# -malloc_limit_mb (OP_FUZZ_RSS_MB, 512: ASan's own overhead included) and a per-input timeout
# (-timeout=10); a crash, leak, timeout or out-of-memory input is written to .fuzz/crashes/<target>/ and fails the command. Keep each
# fixed one as a regression input under test/fuzz/regressions/<target>/.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MODE=${1:-smoke}
shift || true

TARGETS=(fuzz_compose_load fuzz_scalars fuzz_watch_event fuzz_kubeconfig fuzz_conversion_review
         fuzz_admission_review fuzz_conversion_roundtrip)
CXX_FUZZ=${OP_FUZZ_CXX:-clang++-14}
RSS_MB=${OP_FUZZ_RSS_MB:-512}
JOBS=${OP_JOBS:-2}
OUT=$ROOT/.fuzz

export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator/ccache}
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}

build() {
    [ "${OP_FUZZ_NO_BUILD:-0}" = 1 ] && return 0  # the binaries in build-fuzz/ as they are
    command -v "$CXX_FUZZ" >/dev/null || { echo "[fuzz] $CXX_FUZZ not found (scripts/setup.sh installs clang-14)"; return 1; }
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
        -DOP_FUZZ=ON -DOP_BUILD_TESTS=OFF -DOP_BUILD_BENCH=OFF >/dev/null || return 1
    nice cmake --build build-fuzz -j "$JOBS" --target "${TARGETS[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
    return "${PIPESTATUS[0]}"
}

shared_corpus() {
    for d in "$ROOT/../shared/corpus" /work/shared/corpus; do
        [ -d "$d" ] && { echo "$d"; return; }
    done
}

# Seeds for one target in .fuzz/seeds/<target> (rebuilt each run; small).
seeds() {
    local t=$1 dir=$OUT/seeds/$1 sc
    sc=$(shared_corpus)
    rm -rf "$dir"; mkdir -p "$dir"
    case $t in
        fuzz_compose_load|fuzz_conversion_roundtrip)
            [ -n "$sc" ] && find "$sc" -name '*.y*ml' -exec cp {} "$dir/" \;
            cp test/testdata/compose/*.yaml test/testdata/conversion/*.yaml "$dir/"
            find test/testdata/mapping -name 'stack.yaml' | while read -r f; do cp "$f" "$dir/$(basename "$(dirname "$f")").yaml"; done
            [ "$t" = fuzz_conversion_roundtrip ] && cp test/testdata/api/*.json "$dir/" ;;
        fuzz_conversion_review) cp test/testdata/webhook/conversion_*.json "$dir/" ;;
        fuzz_admission_review) cp test/testdata/webhook/admission_*.json "$dir/" ;;
        fuzz_scalars)
            local i=0
            for s in 0 1m30s 500ms 1.5h 10us 512M 1gb 1.5GiB 80 8000-8010:8000-8010/udp \
                     '[::1]:8080:80' 127.0.0.1::53/sctp ./data:/data:ro vol:/v:nocopy \
                     "echo 'a b' \\\"c\\\"" 250m 1e3 0.5 1Ki 12e-3 100Mi; do
                printf '%s' "$s" > "$dir/seed$((i++))"
            done ;;
        fuzz_watch_event)
            printf '\x10{"type":"ADDED","object":{"kind":"Stack","metadata":{"name":"a","resourceVersion":"1"}}}\n{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n' > "$dir/events" ;;
        fuzz_kubeconfig)
            cat > "$dir/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true, tls-server-name: kube}
contexts:
- name: c
  context: {cluster: k, user: u, namespace: ns}
- name: other
  context: {cluster: k, user: x}
users:
- name: u
  user: {token: abc, username: a, password: b}
- name: x
  user: {exec: {command: ./plugin, apiVersion: client.authentication.k8s.io/v1, args: [a], env: [{name: A, value: b}]}}
EOF
            ;;
    esac
}

# run_target TARGET SECONDS: replays the regressions, then fuzzes; prints one summary line.
run_target() {
    local t=$1 secs=$2 bin=build-fuzz/test/fuzz/$1 corpus=$OUT/corpus/$1 crashes=$OUT/crashes/$1 log
    mkdir -p "$corpus" "$crashes"
    log=$OUT/logs/$t.log; mkdir -p "$OUT/logs"
    local reg=test/fuzz/regressions/$t
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        if ! "$bin" -rss_limit_mb="$RSS_MB" -timeout=10 "$reg"/* >"$log.replay" 2>&1; then
            echo "[fuzz] $t: a regression input fails again (see $log.replay)"; tail -30 "$log.replay"; return 1
        fi
    fi
    seeds "$t"
    local start=$SECONDS rc
    nice -n 10 "$bin" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -timeout=10 -max_len=65536 \
        -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "$OUT/seeds/$t" >"$log" 2>&1
    rc=$?
    local execs
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    printf '[fuzz] %-28s %10s executions in %4ss, corpus %5s inputs, %s\n' "$t" "${execs:-?}" \
        $((SECONDS - start)) "$(ls "$corpus" | wc -l)" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (rc $rc, see $log)")"
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
    *) echo "usage: $0 smoke | run [SECONDS] [TARGET...] | build" >&2; exit 2 ;;
esac
