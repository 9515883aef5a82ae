#!/usr/bin/env python3
"""Floods the operator's webhook and probe ports with slow-body and large-body connections while
timing /convert and /readyz. Prints one JSON line: p50/p99/max of /convert in ms, errors, probe
failures, and how the large bodies were answered on each port (HTTP status, or "reset" when the
server closed the connection while the body was still being sent).
Usage: flood.py <webhook_port> <probe_port> <seconds> <slow_conns> <large_senders>
(large_senders per port: 3 MiB bodies, at the webhook port's limit and far over the probe port's)."""
import json, socket, ssl, sys, threading, time

wport, pport, seconds, slow_n, large_n = (int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]),
                                          int(sys.argv[4]), int(sys.argv[5]))
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
stop = threading.Event()
review = json.dumps({"apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview",
    "request": {"uid": "flood", "desiredAPIVersion": "compose.docker.com/v1beta1", "objects": [
        {"apiVersion": "compose.docker.com/v1beta2", "kind": "Stack",
         "metadata": {"name": "s", "namespace": "demo", "uid": "u", "resourceVersion": "1"},
         "spec": {"services": [{"name": "web", "image": "nginx"}]}}]}}).encode()

def tls(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(s, server_hostname="localhost")

def slow(port, use_tls):
    # Announces a 3 MiB body and sends one byte a second: holds a connection until the server's
    # read timeout ends it, then opens another.
    while not stop.is_set():
        try:
            s = tls(port) if use_tls else socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"POST /convert HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 3000000\r\n\r\n")
            while not stop.is_set():
                s.sendall(b"{")
                stop.wait(1.0)
        except OSError:
            stop.wait(0.2)

large_answers = {"webhook": {}, "probe": {}}
answers_lock = threading.Lock()

def large(port, use_tls, path, where):
    # Exactly 3 MiB, the webhook's default --body-limit: read whole, then refused (400: not a
    # review). One byte more would be refused from its Content-Length alone (413), unread. On the
    # probe port (1 KiB limit) it is refused from its headers.
    body = b'{"a":"' + b"x" * ((3 << 20) - 8) + b'"}'
    while not stop.is_set():
        answer = "reset"
        try:
            s = tls(port) if use_tls else socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (path, len(body)) + body)
            except OSError:
                pass  # the server may answer (413) and close before the whole body is sent
            data = s.recv(4096)
            if data.startswith(b"HTTP/1.1 "):
                answer = data.split(b" ", 2)[1].decode()
            s.close()
        except OSError:
            stop.wait(0.1)
        with answers_lock:
            large_answers[where][answer] = large_answers[where].get(answer, 0) + 1

def request(port, use_tls, method, path, body=b""):
    s = tls(port) if use_tls else socket.create_connection(("127.0.0.1", port), timeout=10)
    s.settimeout(10)
    s.sendall(b"%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % (method, path, len(body)) + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1") else 0

threads = [threading.Thread(target=slow, args=(wport, True), daemon=True) for _ in range(slow_n)]
threads += [threading.Thread(target=slow, args=(pport, False), daemon=True) for _ in range(slow_n // 2)]
threads += [threading.Thread(target=large, args=(wport, True, b"/validate", "webhook"), daemon=True)
            for _ in range(large_n)]
threads += [threading.Thread(target=large, args=(pport, False, b"/readyz", "probe"), daemon=True)
            for _ in range(large_n)]
for t in threads:
    t.start()
time.sleep(2)  # let the flood build up
lat, errors, probe_fail, probes = [], 0, 0, 0
end = time.time() + seconds
while time.time() < end:
    t0 = time.time()
    try:
        code = request(wport, True, b"POST", b"/convert?timeout=10s", review)
    except OSError:
        code = 0
    lat.append((time.time() - t0) * 1000)
    errors += code != 200
    probes += 1
    try:
        probe_fail += request(pport, False, b"GET", b"/readyz") != 200
    except OSError:
        probe_fail += 1
    time.sleep(0.05)
stop.set()
lat.sort()
print(json.dumps({"requests": len(lat), "p50_ms": round(lat[len(lat) // 2], 1),
                  "p99_ms": round(lat[min(len(lat) - 1, len(lat) * 99 // 100)], 1),
                  "max_ms": round(lat[-1], 1), "errors": errors, "probe_failures": probe_fail,
                  "probes": probes, "large": large_answers}))
