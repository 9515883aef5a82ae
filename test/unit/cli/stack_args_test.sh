#!/usr/bin/env bash
# Script test for `compose-operator stack`: argument handling and exit codes without a cluster
# (0 ok, 1 failed, 2 usage; a usage error names the flag).
set -uo pipefail
: "${OP_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FAILS=0
# expect <code> <text in stderr> <args...>: runs `compose-operator stack <args>` in $tmp/app.
expect() {
    local code=$1 text=$2 out rc; shift 2
    out=$(cd "$tmp/app" && "$OP_BIN" stack "$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != "$code" ] || [[ $out != *"$text"* ]]; then
        echo "FAIL: stack $* -> rc=$rc (want $code), stderr: $out (want: $text)"
        FAILS=$((FAILS + 1))
    else
        echo "ok   - stack $* -> $rc"
    fi
}
mkdir -p "$tmp/app" "$tmp/empty"
printf 'services:\n  web:\n    image: nginx\n' > "$tmp/app/compose.yaml"
# A kubeconfig for a server nobody listens on.
cat > "$tmp/dead.kubeconfig" <<'YAML'
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ns}}]
current-context: x
YAML
export KUBECONFIG=$tmp/dead.kubeconfig

expect 0 "" --help
expect 2 "subcommand"
expect 2 "--output" ls -o xml
expect 2 "--bogus" deploy --bogus
expect 2 "NAME" services
expect 2 "NAME" rm
expect 2 "--timeout" deploy --timeout 5x shop
expect 2 "--timeout" rm --timeout soon shop
expect 2 "NAME" deploy Bad_Name
expect 2 "--dry-run" deploy --dry-run --wait shop
expect 2 "--env-file" deploy --env-file missing.env shop
expect 2 "--compose-file" deploy -c nope.yaml shop
(cd "$tmp/empty" && "$OP_BIN" stack deploy shop >/dev/null 2>"$tmp/err"); rc=$?
if [ "$rc" = 2 ] && grep -q -- "-c" "$tmp/err"; then echo "ok   - deploy without a Compose file -> 2"; else
    echo "FAIL: deploy in an empty folder -> $rc: $(cat "$tmp/err")"; FAILS=$((FAILS + 1)); fi
expect 1 "--kubeconfig" ls --kubeconfig "$tmp/missing.kubeconfig"
expect 1 "--context" ls --context nowhere
expect 1 "cannot be reached" ls
expect 1 "cannot be reached" deploy shop
expect 1 "cannot be reached" rm shop
# COMPOSE_FILE naming a missing file is the environment's fault, not a flag's.
(cd "$tmp/app" && COMPOSE_FILE=gone.yaml "$OP_BIN" stack deploy shop >/dev/null 2>"$tmp/err"); rc=$?
if [ "$rc" = 1 ] && grep -q "COMPOSE_FILE" "$tmp/err"; then echo "ok   - COMPOSE_FILE missing -> 1"; else
    echo "FAIL: COMPOSE_FILE missing -> $rc: $(cat "$tmp/err")"; FAILS=$((FAILS + 1)); fi

[ "$FAILS" -eq 0 ]
