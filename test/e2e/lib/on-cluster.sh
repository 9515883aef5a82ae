#!/usr/bin/env bash
# Runs an e2e suite (the command line given) on the local cluster CTest allocated to it: with
# `ctest --resource-spec-file` (scripts/test.sh runs the e2e suites on several clusters at once),
# CTest sets CTEST_RESOURCE_GROUP_0_CLUSTER to "id:N,slots:1" and this exports cluster N's folder
# and ports (scripts/shard-env.sh). Without it (a plain `ctest -L e2e`), the environment is left
# alone: the default cluster, or whatever OP_CLUSTER_DIR and the port variables say.
set -euo pipefail
alloc=${CTEST_RESOURCE_GROUP_0_CLUSTER:-}
if [ -n "$alloc" ]; then
    id=${alloc#id:}
    id=${id%%,*}
    eval "$(bash "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/shard-env.sh" "$id")"
fi
exec "$@"
