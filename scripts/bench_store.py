"""Times ame-server's pages over one keep-alive connection (scripts/bench-store)."""
import argparse
import http.client
import json
import re
import statistics
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--runs", type=int, required=True)
parser.add_argument("--repeat", type=int, default=50)
args = parser.parse_args()
url = urllib.parse.urlparse(args.url)
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def get(path, headers=None):
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    return response.status, body, response


auth = {"Authorization": f"Bearer {args.token}"}
# The dashboard signs in with the token like a browser: form, CSRF cookie, session cookie.
status, body, response = get("/signin")
csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
cookie = response.getheader("Set-Cookie").split(";")[0]
form = urllib.parse.urlencode({"csrf": csrf, "token": args.token, "next": "/runs"})
connection.request("POST", "/signin", body=form, headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
response = connection.getresponse()
response.read()
session = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") if c.startswith("ame_session")]
dashboard = {"Cookie": session[0]} if session else {}

first = json.loads(get("/v1/runs?limit=50", auth)[1])
some_id = first["runs"][0]["id"]
deep_cursor = str(args.runs // 2)
pages = [
    ("GET /v1/runs?limit=50 (first page)", "/v1/runs?limit=50", auth),
    ("GET /v1/runs?limit=50&status=failed&task=t0 (filtered)", "/v1/runs?limit=50&status=failed&task=t0", auth),
    ("GET /v1/runs?limit=50&all=true&project=p7 (every user's, one project)", "/v1/runs?limit=50&all=true&project=p7", auth),
    (f"GET /v1/runs?limit=50&cursor={deep_cursor} (deep cursor page)", f"/v1/runs?limit=50&cursor={deep_cursor}", auth),
    ("GET /v1/runs/{id}", f"/v1/runs/{some_id}", auth),
    ("dashboard /runs", "/runs", dashboard),
]
print(f"ame-server with {args.runs:,} runs in its store, medians of {args.repeat} requests on one connection:")
missed = 0
for label, path, headers in pages:
    status, body, _ = get(path, headers)
    assert status == 200, f"{label}: HTTP {status}: {body[:300]}"
    if path.startswith("/v1/runs?"):
        assert len(json.loads(body)["runs"]) > 0, f"{label}: an empty page"
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        status, _, _ = get(path, headers)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200
    median = statistics.median(times)
    ok = median < 20
    missed += 0 if ok else 1
    print(f"  {label}: {median:.1f} ms median (p90 {sorted(times)[int(len(times) * 0.9)]:.1f} ms; "
          f"target < 20 ms: {median / 20:.2f}x of target) {'OK' if ok else 'MISSED'}")
print("all pages met the target" if missed == 0 else f"{missed} page(s) missed the target")
