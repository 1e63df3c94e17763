#!/usr/bin/env python3
"""A recording, fault-injecting HTTP proxy in front of an S3 server, for AME's tests.

    s3_proxy.py --port PORT --upstream http://127.0.0.1:MOTO_PORT --log FILE

Every request is forwarded unchanged (Host header included, so SigV4 signatures still
verify upstream) and recorded as one JSON line in FILE: method, path with query, the
headers that matter (never Authorization), the status answered. Faults are set over HTTP:

    POST /__proxy/faults   [{"method": "GET", "match": "/bucket/key", "count": 2,
                             "status": 503, "code": "SlowDown"}]          answer instead
                           [{"method": "GET", "match": "...", "count": 1,
                             "truncate": 1000000}]                          cut the body off
    POST /__proxy/reset    forget the faults and the log
"""
import argparse
import http.client
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

STATE = {"faults": [], "lock": threading.Lock(), "log": None, "upstream": None}
RECORDED = ["range", "if-match", "content-md5", "content-length", "x-amz-content-sha256", "content-type"]


def record(entry):
    with STATE["lock"]:
        with open(STATE["log"], "a") as log:
            log.write(json.dumps(entry) + "\n")


def take_fault(method, path):
    with STATE["lock"]:
        for fault in STATE["faults"]:
            if fault.get("count", 0) <= 0:
                continue
            if fault.get("method") and fault["method"] != method:
                continue
            if fault.get("match") and fault["match"] not in path:
                continue
            if fault.get("exclude") and fault["exclude"] in path:
                continue
            fault["count"] -= 1
            return dict(fault)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def admin(self, body):
        if self.path == "/__proxy/faults":
            with STATE["lock"]:
                STATE["faults"] = json.loads(body or b"[]")
        elif self.path == "/__proxy/reset":
            with STATE["lock"]:
                STATE["faults"] = []
                open(STATE["log"], "w").close()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def handle_any(self):
        body = self.body()
        if self.path.startswith("/__proxy/"):
            return self.admin(body)
        method = self.command
        entry = {"method": method, "path": self.path,
                 "headers": {name: self.headers[name] for name in RECORDED if self.headers.get(name) is not None}}
        fault = take_fault(method, self.path)
        if fault and "status" in fault:
            payload = b"" if method == "HEAD" else (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>injected by the test proxy</Message>'
                "<RequestId>proxy</RequestId></Error>" % fault.get("code", "ServiceUnavailable")).encode()
            # Recorded before answering: a client may read the log as soon as it has the answer.
            entry.update(status=fault["status"], injected=True)
            record(entry)
            self.send_response(fault["status"])
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        upstream = STATE["upstream"]
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("connection", "keep-alive")}
        connection.request(method, self.path, body=body if body or method in ("PUT", "POST") else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() in ("transfer-encoding", "connection", "content-length", "date", "server"):
                continue
            self.send_header(name, value)
        length = response.getheader("Content-Length")
        if method == "HEAD":
            self.send_header("Content-Length", length or "0")
        else:
            self.send_header("Content-Length", str(len(data)))
        entry["status"] = response.status
        if fault and "truncate" in fault and method != "HEAD":
            # Promise the whole body, send part of it, and hang up.
            entry["truncated"] = fault["truncate"]
            record(entry)
            self.end_headers()
            self.wfile.write(data[: fault["truncate"]])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        record(entry)
        self.end_headers()
        if method != "HEAD":
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up on this request (a cancelled part upload); not an error here.
                self.close_connection = True

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log", required=True)
    options = parser.parse_args()
    STATE["upstream"] = urlparse(options.upstream)
    STATE["log"] = options.log
    open(options.log, "w").close()
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
