#!/usr/bin/env bash
# Issue 12 chaos: a flood of slow-body connections (one byte a second, on the webhook and the
# probe port) and of large bodies (3 MiB, at the limit) while /convert keeps answering with p99
# under 1 s and /readyz stays green. About 40 s. OP_FLOOD_SLOW / OP_FLOOD_LARGE / OP_FLOOD_SECONDS
# change the load (defaults 200 slow connections, 4 large-body senders, 20 s of timing).
source "$(dirname "$0")/../lib/common.sh"
operator start >/dev/null
out=$(python3 "$(dirname "$0")/flood.py" "$OP_WEBHOOK_PORT" "$PROBE_PORT" "${OP_FLOOD_SECONDS:-20}" \
    "${OP_FLOOD_SLOW:-200}" "${OP_FLOOD_LARGE:-4}")
echo "  $out"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$out"; }
check "/convert was timed at least 50 times under the flood" [ "$(field requests)" -ge 50 ]
check "/convert p99 under 1 s ($(field p99_ms) ms)" python3 -c "import sys; sys.exit(not $(field p99_ms) < 1000)"
check "no /convert request failed" [ "$(field errors)" = 0 ]
check "/readyz stayed green" [ "$(field probe_failures)" = 0 ]
check "the operator is still running" operator pid
finish
