#!/usr/bin/env python3
"""Drives headless Chromium for the dashboard tests over the DevTools protocol.

Chromium talks DevTools over a pipe (--remote-debugging-pipe: it reads commands on fd 3
and writes answers and events on fd 4, each message ending in a NUL byte), so this needs
nothing beyond the standard library: no websocket client, no browser build of its own.

The test sends one JSON command per line on stdin and reads one JSON answer per line on
stdout ({"ok": true, ...} or {"ok": false, "error": "..."}). Commands:

  navigate {url}                  open the URL, wait for the load event
  eval {expression}               evaluate (awaiting promises), answer {"value": ...}
  waitFor {expression, timeout}   evaluate every 100 ms until truthy
  screenshot {path}               PNG of the viewport
  allowDownloads {path}           downloads go to path, named by their guid
  waitForDownload {timeout}       wait until a download completed: {"guid", "filename"}
  cookies {}                      the browser's cookies (with httpOnly, sameSite)
  console {}                      console errors, uncaught exceptions, failed loads so far
  close {}                        end the browser

Usage: cdp_driver.py CHROMIUM USER_DATA_DIR
"""

import base64
import fcntl
import json
import os
import queue
import subprocess
import sys
import threading
import time


class Browser:
    def __init__(self, executable, user_data_dir):
        # Chromium's fd 3 is where it reads commands; fd 4 is where it writes. The pipes
        # are copied above 10 first, so putting them at 3 and 4 in the child never clobbers
        # one with the other (the originals hold 3 to 6 meanwhile, so Popen's own pipes
        # are not there either).
        command_read, command_write = os.pipe()
        answer_read, answer_write = os.pipe()
        high_read = fcntl.fcntl(command_read, fcntl.F_DUPFD_CLOEXEC, 10)
        high_write = fcntl.fcntl(answer_write, fcntl.F_DUPFD_CLOEXEC, 10)
        self.command_write, self.answer_read = command_write, answer_read

        def child_setup():
            # dup2 clears close-on-exec on its target, so exactly 3 and 4 reach Chromium.
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)
            os.setsid()

        arguments = [
            executable,
            "--headless",
            "--no-sandbox",  # the tests run as root, where Chromium's sandbox cannot start
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--remote-debugging-pipe",
            "--user-data-dir=" + user_data_dir,
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,860",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(user_data_dir, "chromium.log"), "wb"),
            close_fds=False,  # the descriptors are close-on-exec but for 3 and 4
            preexec_fn=child_setup,
        )
        for descriptor in (command_read, answer_write, high_read, high_write):
            os.close(descriptor)
        self.next_id = 0
        self.pending = {}
        self.lock = threading.Lock()
        self.events = queue.Queue()
        self.problems = []
        self.downloads = {}
        self.download_condition = threading.Condition()
        self.session = None
        threading.Thread(target=self._read, daemon=True).start()

    # --- the pipe ---------------------------------------------------------------------

    def _read(self):
        buffer = b""
        while True:
            chunk = os.read(self.answer_read, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self._dispatch(json.loads(message))
        with self.lock:
            for slot in self.pending.values():
                slot.put({"error": {"message": "the browser closed its DevTools pipe"}})

    def _dispatch(self, message):
        if "id" in message:
            with self.lock:
                slot = self.pending.pop(message["id"], None)
            if slot is not None:
                slot.put(message)
            return
        method = message.get("method", "")
        params = message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            texts = [str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])]
            self.problems.append("console." + params["type"] + ": " + " ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exception = details.get("exception", {})
            self.problems.append("uncaught: " + exception.get("description", details.get("text", "")))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self.problems.append("log: " + entry.get("text", "") + " " + entry.get("url", ""))
        elif method == "Browser.downloadWillBegin":
            with self.download_condition:
                self.downloads[params["guid"]] = {"filename": params.get("suggestedFilename"), "state": "started"}
                self.download_condition.notify_all()
        elif method == "Browser.downloadProgress":
            with self.download_condition:
                entry = self.downloads.setdefault(params["guid"], {"filename": None})
                entry["state"] = params.get("state")
                self.download_condition.notify_all()
        self.events.put(message)

    def call(self, method, params=None, session=True, timeout=60):
        with self.lock:
            self.next_id += 1
            identifier = self.next_id
            slot = queue.Queue(maxsize=1)
            self.pending[identifier] = slot
        message = {"id": identifier, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.command_write, json.dumps(message).encode() + b"\0")
        try:
            answer = slot.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"{method}: no answer from the browser within {timeout} s")
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    # --- commands ---------------------------------------------------------------------

    def open_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 860, "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, url, timeout=60):
        # Drain old events so the load event we wait for is this navigation's.
        while not self.events.empty():
            self.events.get_nowait()
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise RuntimeError(f"navigating to {url}: {result['errorText']}")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"{url} did not finish loading within {timeout} s")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event.get("method") == "Page.loadEventFired" and event.get("sessionId") == self.session:
                return {}

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate",
                           {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError("evaluation failed: " + details.get("exception", {}).get("description", details.get("text", "")))
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.evaluate(expression)
                if last:
                    return {"value": last}
            except RuntimeError as error:
                # A page in the middle of navigating has no context to evaluate in.
                last = str(error)
            time.sleep(0.1)
        raise RuntimeError(f"waited {timeout} s for: {expression} (last value: {last!r})")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        return {}

    def allow_downloads(self, path):
        self.call("Browser.setDownloadBehavior",
                  {"behavior": "allowAndName", "downloadPath": path, "eventsEnabled": True}, session=False)
        return {}

    def wait_for_download(self, timeout):
        deadline = time.monotonic() + timeout
        with self.download_condition:
            while True:
                for guid, entry in self.downloads.items():
                    if entry.get("state") == "completed":
                        del self.downloads[guid]
                        return {"guid": guid, "filename": entry.get("filename")}
                    if entry.get("state") == "canceled":
                        raise RuntimeError(f"the download of {entry.get('filename')} was cancelled")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(f"no download completed within {timeout} s")
                self.download_condition.wait(remaining)

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=10)
        except RuntimeError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main():
    executable, user_data_dir = sys.argv[1], sys.argv[2]
    browser = Browser(executable, user_data_dir)
    try:
        browser.open_page()
        answer({"ok": True, "version": browser.call("Browser.getVersion", session=False).get("product")})
    except Exception as error:  # the test shows the reason and Chromium's own log
        answer({"ok": False, "error": str(error)})
        browser.close()
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        op = command.get("op")
        try:
            if op == "navigate":
                result = browser.navigate(command["url"], command.get("timeout", 60))
            elif op == "eval":
                result = {"value": browser.evaluate(command["expression"])}
            elif op == "waitFor":
                result = browser.wait_for(command["expression"], command.get("timeout", 30))
            elif op == "screenshot":
                result = browser.screenshot(command["path"])
            elif op == "allowDownloads":
                result = browser.allow_downloads(command["path"])
            elif op == "waitForDownload":
                result = browser.wait_for_download(command.get("timeout", 30))
            elif op == "cookies":
                result = {"cookies": browser.call("Network.getCookies").get("cookies", [])}
            elif op == "console":
                result = {"problems": list(browser.problems)}
            elif op == "close":
                browser.close()
                answer({"ok": True})
                return
            else:
                raise RuntimeError(f"unknown command {op!r}")
            result["ok"] = True
            answer(result)
        except Exception as error:
            answer({"ok": False, "error": str(error)})
    browser.close()


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
