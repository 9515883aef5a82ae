#!/usr/bin/env python3
"""Serves the bare Git repositories under ROOT over smart HTTP on 127.0.0.1:PORT, read-only, by
running `git http-backend` as a CGI for each request (go-git, source-controller's client, speaks
only the smart protocol). Test tool for test/e2e/flux.

Usage: git_http.py ROOT PORT
"""
import http.server
import os
import subprocess
import sys

MAX_BODY = 16 << 20  # a clone's request is a few KiB; refuse anything unreasonable


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("git-http: " + (fmt % args) + "\n")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
                if len(body) > MAX_BODY:
                    raise ValueError("request body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def run_backend(self):
        path, _, query = self.path.partition("?")
        if path.endswith("/git-receive-pack") or "service=git-receive-pack" in query:
            self.send_error(403, "read-only")
            return
        try:
            body = self.read_body()
        except ValueError as e:
            self.send_error(413, str(e))
            return
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_PROTOCOL": "HTTP/1.0",
        }
        for name in ("Content-Encoding", "Git-Protocol"):
            if self.headers.get(name):
                env["HTTP_" + name.upper().replace("-", "_")] = self.headers[name]
        proc = subprocess.run(["git", "http-backend"], input=body, env=env,
                              capture_output=True, timeout=60)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if proc.returncode != 0:
            sys.stderr.write("git-http: http-backend: " + proc.stderr.decode(errors="replace"))

    do_GET = run_backend
    do_POST = run_backend


if __name__ == "__main__":
    ROOT = os.path.abspath(sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
    server.serve_forever()
