"""Records one step of an AME run as an MLflow run.

`ame mlflow enable` writes this file into the project as `.ame/hooks/ame_mlflow_run.py`
and names it as the `wrap` of the project's MLflow hook, so AME runs every batch step as

    python3 .ame/hooks/ame_mlflow_run.py /bin/sh -c 'THE STEP COMMAND'

It creates the MLflow run through the tracking server's REST API (tagged with the AME run
id, task and step; AME's params), hands its id to the command as MLFLOW_RUN_ID (so code
that uses MLflow logs into this same run), runs the command, uploads the files it created
or changed, and ends the run FINISHED, FAILED or KILLED. Standard library only: it runs
with whatever Python the step has. If the tracking server cannot be reached, the command
still runs; only the recording is lost, and the log says so.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Files larger than this are listed but not uploaded; at most this many are uploaded.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_UPLOADS = 200
# Folders that are never artifacts (AME's own, environments, caches).
SKIPPED_DIRS = {".ame", ".git", ".venv", "venv", "__pycache__", ".ipynb_checkpoints", ".mypy_cache", ".pytest_cache"}
MAX_SCANNED_FILES = 50000
TIMEOUT = 15


def warn(message):
    sys.stderr.write("ame-mlflow: " + message + "\n")
    sys.stderr.flush()


class Tracking:
    def __init__(self, uri):
        self.uri = uri.rstrip("/")

    def call(self, method, path, body=None, query=None):
        url = self.uri + "/api/2.0/mlflow/" + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            text = response.read()
        return json.loads(text) if text else {}

    def experiment_id(self, name):
        try:
            return self.call("GET", "experiments/get-by-name", query={"experiment_name": name})["experiment"]["experiment_id"]
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
        try:
            return self.call("POST", "experiments/create", {"name": name})["experiment_id"]
        except urllib.error.HTTPError:
            # Another step created it first.
            return self.call("GET", "experiments/get-by-name", query={"experiment_name": name})["experiment"]["experiment_id"]

    def upload(self, artifact_uri, relative, path):
        # Runs of a server started with --serve-artifacts store artifacts through the server.
        prefix = "mlflow-artifacts:/"
        if not artifact_uri.startswith(prefix):
            return False
        location = artifact_uri[len(prefix):].strip("/") + "/" + relative
        url = self.uri + "/api/2.0/mlflow-artifacts/artifacts/" + urllib.parse.quote(location)
        with open(path, "rb") as handle:
            request = urllib.request.Request(url, data=handle.read(), method="PUT",
                                             headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=TIMEOUT * 4):
            pass
        return True


def snapshot(root):
    """Relative path -> (size, mtime) of the project's files, skipping environments and caches."""
    files = {}
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRS]
        for name in names:
            path = os.path.join(directory, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            files[os.path.relpath(path, root)] = (info.st_size, info.st_mtime_ns)
            if len(files) >= MAX_SCANNED_FILES:
                return files
    return files


def params_of_step():
    env = os.environ
    params = {
        "ame.task": env.get("AME_TASK", ""),
        "ame.step": env.get("AME_STEP", ""),
        "ame.command": env.get("AME_COMMAND", ""),
        "ame.attempt": env.get("AME_ATTEMPT", "1"),
    }
    try:
        for key, value in json.loads(env.get("AME_RESOURCES") or "{}").items():
            params["ame.resources." + key] = str(value)
    except ValueError:
        pass
    for key in filter(None, (env.get("AME_ENV_KEYS") or "").split(",")):
        if key in env:
            params["env." + key] = env[key]
    # MLflow keeps param values up to 6000 characters.
    return [{"key": k, "value": v[:6000]} for k, v in sorted(params.items()) if v != ""]


def start(tracking):
    env = os.environ
    experiment = env.get("MLFLOW_EXPERIMENT_NAME") or env.get("AME_PROJECT") or "Default"
    experiment_id = tracking.experiment_id(experiment)
    run_name = env.get("AME_TASK", "run")
    if env.get("AME_STEP") and env.get("AME_STEP") != env.get("AME_TASK"):
        run_name += "/" + env["AME_STEP"]
    tags = {
        "ame.run_id": env.get("AME_RUN_ID", ""),
        "ame.project": env.get("AME_PROJECT", ""),
        "ame.task": env.get("AME_TASK", ""),
        "ame.step": env.get("AME_STEP", ""),
        "ame.attempt": env.get("AME_ATTEMPT", "1"),
        "mlflow.runName": run_name,
        "mlflow.source.name": env.get("AME_COMMAND", ""),
        "mlflow.source.type": "JOB",
        "mlflow.user": env.get("USER", "ame"),
    }
    run = tracking.call("POST", "runs/create", {
        "experiment_id": experiment_id,
        "start_time": int(time.time() * 1000),
        "run_name": run_name,
        "tags": [{"key": k, "value": v} for k, v in tags.items() if v],
    })["run"]
    run_id = run["info"]["run_id"]
    tracking.call("POST", "runs/log-batch", {"run_id": run_id, "params": params_of_step()})
    return run_id, run["info"].get("artifact_uri", "")


def finish(tracking, run_id, artifact_uri, status, exit_code, changed):
    listed, uploaded = [], 0
    for relative in sorted(changed):
        path = os.path.join(os.getcwd(), relative)
        listed.append(relative)
        try:
            if uploaded < MAX_UPLOADS and os.path.getsize(path) <= MAX_UPLOAD_BYTES and tracking.upload(artifact_uri, relative, path):
                uploaded += 1
        except (OSError, urllib.error.URLError) as error:
            warn("could not upload %s to MLflow: %s" % (relative, error))
    tags = [{"key": "ame.exit_code", "value": str(exit_code)}]
    if listed:
        text = "\n".join(listed)
        tags.append({"key": "ame.artifacts", "value": text if len(text) <= 7000 else text[:7000] + "\n…"})
    tracking.call("POST", "runs/log-batch", {"run_id": run_id, "tags": tags})
    tracking.call("POST", "runs/update", {"run_id": run_id, "status": status, "end_time": int(time.time() * 1000)})


def main(argv):
    command = argv[1:]
    if not command:
        warn("usage: ame_mlflow_run.py COMMAND [ARGUMENTS…] (AME passes the step's command)")
        return 2
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    tracking, run_id, artifact_uri = None, None, ""
    if not uri.startswith(("http://", "https://")):
        warn("MLFLOW_TRACKING_URI is not an http(s) URL (%r); the step runs without an MLflow run" % uri)
    elif os.environ.get("MLFLOW_RUN_ID"):
        pass  # Someone chose the run already (an outer wrapper, or the user): leave it be.
    else:
        tracking = Tracking(uri)
        try:
            run_id, artifact_uri = start(tracking)
        except (OSError, ValueError, KeyError, urllib.error.URLError) as error:
            warn("could not create the MLflow run at %s (%s); the step runs without one" % (uri, error))
            tracking = None

    child_env = dict(os.environ)
    if run_id:
        child_env["MLFLOW_RUN_ID"] = run_id
    before = snapshot(".") if run_id else {}

    stopping = []

    def forward(signum, _frame):
        # AME stops a step with SIGTERM to its whole process group; the child got it too.
        stopping.append(signum)
        try:
            child.send_signal(signum)
        except (OSError, NameError):
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        child = subprocess.Popen(command, env=child_env)
    except OSError as error:
        warn("could not start %s: %s" % (command[0], error))
        if run_id:
            finish(tracking, run_id, artifact_uri, "FAILED", 127, [])
        return 127
    while True:
        try:
            code = child.wait()
            break
        except InterruptedError:
            continue
    exit_code = code if code >= 0 else 128 - code

    if run_id:
        if stopping or code < 0:
            status = "KILLED"
        else:
            status = "FINISHED" if code == 0 else "FAILED"
        after = snapshot(".")
        changed = [path for path, stamp in after.items() if before.get(path) != stamp]
        try:
            finish(tracking, run_id, artifact_uri, status, exit_code, [] if stopping else changed)
        except (OSError, ValueError, urllib.error.URLError) as error:
            warn("could not end the MLflow run %s (%s)" % (run_id, error))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
