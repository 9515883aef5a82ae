#!/usr/bin/env bash
# Prints the `export` lines of local cluster number N (default 0) of the e2e run: its folder, its
# kube-apiserver and etcd ports, and the operator's ports. Cluster 0 is the default one
# (.cluster, 36443, 23790, webhook 9443, probes 8080); cluster N adds N*100 to every port and lives
# in .cluster-N. Used by scripts/test.sh to start the clusters and by test/e2e/lib/on-cluster.sh to
# point a suite at the cluster CTest gave it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-0}
case "$n" in ''|*[!0-9]*) echo "usage: $0 [cluster number]" >&2; exit 2 ;; esac
dir=$ROOT/.cluster
[ "$n" -gt 0 ] && dir=$ROOT/.cluster-$n
off=$((n * 100))
cat <<ENV
export OP_CLUSTER_DIR=$dir
export OP_KUBECONFIG=$dir/kubeconfig
export OP_APISERVER_PORT=$((36443 + off))
export OP_ETCD_PORT=$((23790 + off))
export OP_WEBHOOK_PORT=$((9443 + off))
export OP_PROBE_PORT=$((8080 + off))
ENV
