#!/usr/bin/env python3
"""Talks to a JupyterLab server as a browser would, with the standard library only: REST
calls with a token, and a kernel's WebSocket channel (a small RFC 6455 client), so the
tests need nothing installed besides the JupyterLab under test.

    jupyter_client.py get BASE PATH [TOKEN]          -> {"status": N, "body": "..."}
    jupyter_client.py put-notebook BASE TOKEN PATH   -> {"status": N, "body": "..."}
    jupyter_client.py execute BASE TOKEN CODE        -> {"result": "2", "kernel": "..."}
    jupyter_client.py start-kernel BASE TOKEN        -> {"status": 201, "body": "..."} (left running)

BASE is http://127.0.0.1:PORT. Each prints one JSON object on stdout.
"""
import base64
import datetime
import hashlib
import json
import os
import socket
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "token " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


class WebSocket:
    """A client WebSocket: text frames out (masked), frames in (fragments joined)."""

    def __init__(self, base, path, token):
        url = urllib.parse.urlparse(base)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=120)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET %s HTTP/1.1" % path,
            "Host: %s:%d" % (url.hostname, url.port),
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: " + key,
            "Sec-WebSocket-Version: 13",
            "Authorization: token " + token,
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection during the WebSocket handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0].decode()
        if " 101 " not in status + " ":
            raise RuntimeError("WebSocket handshake refused: " + head.decode("utf-8", "replace"))
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if accept.encode() not in head:
            raise RuntimeError("the server's Sec-WebSocket-Accept is wrong")

    def _frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self._frame(0x1, text.encode())

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the WebSocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self):
        """The next whole message: (opcode, payload)."""
        message, first_opcode = b"", None
        while True:
            first, second = self._read(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(size)
            if mask:
                payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                raise RuntimeError("the WebSocket closed")
            if first_opcode is None:
                first_opcode = opcode
            message += payload
            if first & 0x80:
                return first_opcode, message

    def close(self):
        try:
            self._frame(0x8, b"")
            self.sock.close()
        except OSError:
            pass


def execute(base, token, code):
    status, body = request(base, "POST", "/api/kernels", token, {"name": "python3"})
    if status != 201:
        raise RuntimeError("starting a kernel answered %d: %s" % (status, body))
    kernel = json.loads(body)["id"]
    try:
        ws = WebSocket(base, "/api/kernels/%s/channels" % kernel, token)
        session = uuid.uuid4().hex
        msg_id = uuid.uuid4().hex
        ws.send_text(json.dumps({
            "header": {"msg_id": msg_id, "username": "ame-test", "session": session, "msg_type": "execute_request",
                       "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        result = None
        while True:
            opcode, payload = ws.receive()
            if opcode != 0x1:
                continue
            message = json.loads(payload)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message.get("msg_type") or message.get("header", {}).get("msg_type")
            if kind == "execute_result":
                result = message["content"]["data"].get("text/plain")
            elif kind == "error":
                raise RuntimeError("the kernel failed: %s" % message["content"])
            elif kind == "status" and message["content"].get("execution_state") == "idle" and result is not None:
                break
        ws.close()
        return {"result": result, "kernel": kernel}
    finally:
        request(base, "DELETE", "/api/kernels/" + kernel, token)


def main(argv):
    command = argv[1]
    if command == "get":
        status, body = request(argv[2], "GET", argv[3], argv[4] if len(argv) > 4 else None)
        out = {"status": status, "body": body}
    elif command == "put-notebook":
        notebook = {"cells": [{"cell_type": "code", "source": "1+1", "metadata": {}, "outputs": [], "execution_count": None}],
                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        status, body = request(argv[2], "PUT", "/api/contents/" + argv[4], argv[3],
                               {"type": "notebook", "format": "json", "content": notebook})
        out = {"status": status, "body": body}
    elif command == "execute":
        out = execute(argv[2], argv[3], argv[4])
    elif command == "start-kernel":
        status, body = request(argv[2], "POST", "/api/kernels", argv[3], {"name": "python3"})
        out = {"status": status, "body": body}
    else:
        raise SystemExit("unknown command " + command)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv)
