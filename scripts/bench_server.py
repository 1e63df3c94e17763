"""The measurements of scripts/bench-server (standard library only)."""
import argparse
import concurrent.futures
import hashlib
import http.client
import json
import os
import statistics
import subprocess
import threading
import time
import urllib.parse

LINE = "x" * 99
PROJECT = f"""projectname: bench
tasks:
  trivial:
    runcommand: "true"
    resources: {{cpu: 10m, memory: 16Mi}}
  hello:
    runcommand: echo first-line
  flood:
    runcommand: yes {LINE} | head -c 100000000
"""


class API:
    def __init__(self, url, token):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.token = token
        self.local = threading.local()

    def conn(self):
        if getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        return self.local.conn

    def call(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = content_type
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
        for attempt in range(2):
            try:
                conn = self.conn()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.HTTPException, ConnectionError):
                self.local.conn = None
                if attempt:
                    raise


def upload_project(api):
    data = PROJECT.encode()
    digest = hashlib.sha256(data).hexdigest()
    status, _ = api.call("PUT", f"/v1/blobs/{digest}", data, "application/octet-stream")
    assert status == 201, status
    return {"entries": [{"path": "ame.yaml", "kind": "file", "digest": digest, "size": len(data), "executable": False}]}


def submissions(api, manifest, count=1000, workers=64):
    request = {"task": "trivial", "manifest": manifest, "projectFile": "ame.yaml", "env": [], "ports": [], "labels": {}}
    body = json.dumps(request).encode()

    def submit(_):
        status, data = api.call("POST", "/v1/runs", body)
        return status, (json.loads(data).get("id") if status == 201 else data[:200])

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(submit, range(count)))
    elapsed = time.monotonic() - start
    accepted = [value for status, value in results if status == 201]
    refused = [(status, value) for status, value in results if status != 201]
    return accepted, refused, elapsed


def account(api, ids, wait_seconds):
    wanted = set(ids)
    deadline = time.monotonic() + wait_seconds
    while True:
        seen, cursor = {}, None
        while True:
            path = "/v1/runs?limit=500" + (f"&cursor={cursor}" if cursor else "")
            status, data = api.call("GET", path)
            page = json.loads(data)
            for run in page["runs"]:
                if run["id"] in wanted:
                    seen[run["id"]] = run["status"]
            cursor = page.get("nextCursor")
            if not cursor:
                break
        finished = [s for s in seen.values() if s in ("succeeded", "failed", "cancelled", "lost", "skipped")]
        if len(finished) == len(wanted) or time.monotonic() > deadline:
            counts = {}
            for s in seen.values():
                counts[s] = counts.get(s, 0) + 1
            return len(seen), counts
        time.sleep(2)


def first_line_latency(ame, env, project, runs=7):
    samples = []
    for _ in range(runs):
        start = time.monotonic()
        process = subprocess.Popen([ame, "run", "hello"], cwd=project, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        first = None
        for line in process.stdout:
            if b"first-line" in line:
                first = time.monotonic() - start
                break
        process.stdout.read()
        process.wait()
        if first is None or process.returncode != 0:
            raise SystemExit(f"ame run hello failed ({process.returncode})")
        samples.append(first)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--ame", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    api = API(args.url, args.token)

    project = os.path.join(args.work, "project")
    os.makedirs(project, exist_ok=True)
    with open(os.path.join(project, "ame.yaml"), "w") as f:
        f.write(PROJECT)
    home = os.path.join(args.work, "home")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AME_")}
    base_env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_DATA_HOME=f"{home}/.local/share",
                    XDG_CACHE_HOME=f"{home}/.cache", NO_COLOR="1")
    embedded_env = dict(base_env)
    server_env = dict(base_env, AME_SERVER=args.url, AME_TOKEN=args.token)

    # 1. Submissions.
    manifest = upload_project(api)
    ids, refused, elapsed = submissions(api, manifest)
    rate = len(ids) / elapsed
    listed, counts = account(api, ids, wait_seconds=int(os.environ.get("AME_BENCH_WAIT", "900")))

    # 2. First log line: embedded, then the server.
    embedded = first_line_latency(args.ame, embedded_env, project)
    remote = first_line_latency(args.ame, server_env, project)

    # 3. 100 MB of log through 'ame logs'.
    run_id = subprocess.run([args.ame, "run", "flood", "--detach"], cwd=project, env=server_env, check=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode().strip()
    while True:
        status, data = api.call("GET", f"/v1/runs/{run_id}")
        run = json.loads(data)
        if run["status"] not in ("queued", "preparing", "running"):
            break
        time.sleep(0.5)
    size = run["logSize"]
    speeds = []
    for _ in range(3):
        start = time.monotonic()
        with open(os.devnull, "wb") as sink:
            subprocess.run([args.ame, "logs", run_id], env=server_env, stdout=sink, check=True)
        speeds.append(size / (time.monotonic() - start) / 1e6)
    speed = statistics.median(speeds)

    def verdict(ok):
        return "met" if ok else "MISSED"

    everyone = listed == len(ids) == 1000 and not refused
    print()
    print("ame-server benchmark (loopback, one run)")
    print(f"  submissions: {len(ids)} of 1000 accepted in {elapsed:.2f} s = {rate:.0f}/s "
          f"(target ≥ 300/s: {verdict(rate >= 300)})")
    print(f"    accounted for: {listed} of {len(ids)} listed; by status {json.dumps(counts, sort_keys=True)}"
          f"{'' if not refused else f'; refused: {refused[:3]}'} ({verdict(everyone)})")
    print(f"  first log line: embedded {embedded * 1000:.0f} ms, server {remote * 1000:.0f} ms, "
          f"difference {(remote - embedded) * 1000:+.0f} ms (target ≤ +100 ms: {verdict(remote - embedded <= 0.1)})")
    print(f"  log streaming: {size / 1e6:.0f} MB through 'ame logs' at {speed:.0f} MB/s "
          f"(target ≥ 100 MB/s: {verdict(speed >= 100)})")


if __name__ == "__main__":
    main()
