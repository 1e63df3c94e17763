#!/usr/bin/env python3
"""A recording HTTP CONNECT proxy for AME's tests (standard library only).

    connect_proxy.py --log FILE [--map NAME=HOST:PORT …] [--credentials USER:PASSWORD]

Prints "listening PORT" once it accepts connections. Each CONNECT is recorded as one JSON
line in FILE ({"target", "authorized", "status"}) before it is answered. A --map name is
reached at the address given (as a proxy that resolves internal names would); any other
target is dialled as written. With --credentials, a CONNECT without that Basic
Proxy-Authorization gets 407. Anything but CONNECT gets 405.
"""
import argparse
import base64
import json
import socket
import sys
import threading

LOCK = threading.Lock()


def record(path, entry):
    with LOCK:
        with open(path, "a") as log:
            log.write(json.dumps(entry) + "\n")


def pipe(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client, options):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        head += chunk
    text, _, rest = head.partition(b"\r\n\r\n")
    lines = text.decode("latin-1").split("\r\n")
    method, target = (lines[0].split(" ") + ["", ""])[:2]
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if method != "CONNECT":
        record(options.log, {"target": target, "method": method, "status": 405})
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    authorized = True
    if options.credentials:
        expected = "Basic " + base64.b64encode(options.credentials.encode()).decode()
        authorized = headers.get("proxy-authorization") == expected
    if not authorized:
        record(options.log, {"target": target, "authorized": False, "status": 407})
        client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    host, _, port = target.rpartition(":")
    address = options.mapping.get(host.lower(), (host, int(port or 80)))
    try:
        upstream = socket.create_connection(address, timeout=10)
        upstream.settimeout(None)
    except OSError:
        record(options.log, {"target": target, "authorized": True, "status": 502})
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    record(options.log, {"target": target, "authorized": True, "status": 200})
    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
    if rest:
        upstream.sendall(rest)
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--map", action="append", default=[])
    parser.add_argument("--credentials")
    options = parser.parse_args()
    options.mapping = {}
    for item in options.map:
        name, _, address = item.partition("=")
        host, _, port = address.rpartition(":")
        options.mapping[name.lower()] = (host, int(port))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("listening %d" % listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client, options), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
