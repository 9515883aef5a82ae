#!/usr/bin/env python3
"""bench_startup: process start to webhook-ready, with certificates present (issue 13: < 100 ms).

Starts `compose-operator run` as an extra replica (--leader-elect, so the running operator keeps
the Lease and this one only serves webhooks) against the local cluster, with the serving
certificates scripts/operator.sh made, and polls the webhook port every millisecond with an empty
ConversionReview over TLS until one is answered 200; then polls the probe port's /readyz. Prints
each run and the median and minimum of both, then stops the replica (SIGTERM).

    scripts/cluster.sh up && scripts/operator.sh start && bench/startup/bench_startup.py [RUNS]

Env: OP_BIN (build/src/compose-operator), OP_CLUSTER_DIR (.cluster), BENCH_WEBHOOK_PORT (9543),
     BENCH_PROBE_PORT (8180), BENCH_MOUNTED=1: the replica is given a copy of the certificates
     in a folder of its own, as mounted ones (OLM, cert-manager): it uses them as they are instead
     of syncing the operator-managed folder with its Secret first.
"""
import http.client
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIR = os.environ.get("OP_CLUSTER_DIR", os.path.join(ROOT, ".cluster"))
BIN = os.environ.get("OP_BIN", os.path.join(ROOT, "build/src/compose-operator"))
WEBHOOK = int(os.environ.get("BENCH_WEBHOOK_PORT", "9543"))
PROBE = int(os.environ.get("BENCH_PROBE_PORT", "8180"))
CERTS = os.path.join(DIR, "operator/certs")
if os.environ.get("BENCH_MOUNTED") == "1":
    import shutil
    import tempfile
    mounted = tempfile.mkdtemp(prefix="bench-startup-certs-")
    for f in ("tls.crt", "tls.key", "ca.crt"):
        shutil.copy(os.path.join(CERTS, f), mounted)
    CERTS = mounted
KUBECONFIG = os.path.join(DIR, "operator/sa/kubeconfig")
REVIEW = json.dumps({"apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview",
                     "request": {"uid": "bench", "desiredAPIVersion": "compose.docker.com/v1beta1",
                                 "objects": []}})
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE  # a measurement of readiness, not of the certificate


def webhook_answers():
    try:
        c = http.client.HTTPSConnection("127.0.0.1", WEBHOOK, context=TLS, timeout=0.5)
        c.request("POST", "/convert", body=REVIEW, headers={"Content-Type": "application/json"})
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


def ready():
    try:
        c = http.client.HTTPConnection("127.0.0.1", PROBE, timeout=0.5)
        c.request("GET", "/readyz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


def wait(check, t0, limit=30.0):
    while time.monotonic() - t0 < limit:
        if check():
            return time.monotonic() - t0
        time.sleep(0.001)
    return None


def one_run():
    args = [BIN, "run", "--kubeconfig", KUBECONFIG, "--webhook-host", "127.0.0.1",
            "--webhook-address", "127.0.0.1", "--webhook-port", str(WEBHOOK),
            "--probe-address", "127.0.0.1", "--probe-port", str(PROBE), "--cert-dir", CERTS,
            "--leader-elect"]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        hook = wait(webhook_answers, t0)
        probe = wait(ready, t0)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return hook, probe


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for path in (BIN, KUBECONFIG, os.path.join(CERTS, "tls.crt")):
        if not os.path.exists(path):
            sys.exit(f"bench_startup: {path} is missing: run scripts/cluster.sh up and "
                     "scripts/operator.sh start first")
    hooks, probes = [], []
    for i in range(runs):
        hook, probe = one_run()
        print(f"run {i + 1}: webhook_ready_ms={hook * 1000 if hook else -1:.1f} "
              f"readyz_ms={probe * 1000 if probe else -1:.1f}", flush=True)
        if hook is None:
            sys.exit("bench_startup: the webhook never answered (see the replica's flags above)")
        hooks.append(hook * 1000)
        if probe is not None:
            probes.append(probe * 1000)
    print(f"runs={runs} webhook_ready_ms_median={statistics.median(hooks):.1f} "
          f"webhook_ready_ms_min={min(hooks):.1f} "
          f"readyz_ms_median={statistics.median(probes) if probes else -1:.1f}")


if __name__ == "__main__":
    main()
