"""Records one step of an AME run as an MLflow run.

`ame mlflow enable` writes this file into the project as `.ame/hooks/ame_mlflow_run.py`
and names it as the `wrap` of the project's MLflow hook, so AME runs every batch step as

    python3 .ame/hooks/ame_mlflow_run.py /bin/sh -c 'THE STEP COMMAND'

It creates the MLflow run through the tracking server's REST API (tagged with the AME run
id, task and step; AME's params), hands its id to the command as MLFLOW_RUN_ID (so code
that uses MLflow logs into this same run), runs the command, uploads the files it created
or changed, and ends the run FINISHED, FAILED or KILLED. A pipeline's AME run is one MLflow
run too (tag `ame.role=pipeline`) with a nested run per step (`mlflow.parentRunId`): the
first step to start creates it, and the step that sees every step FINISHED ends it (FAILED
or KILLED as soon as a step is). Standard library only: it runs
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

    def search(self, experiment_id, filter_string):
        runs, token = [], None
        while True:
            body = {"experiment_ids": [experiment_id], "filter": filter_string, "run_view_type": "ACTIVE_ONLY", "max_results": 1000}
            if token:
                body["page_token"] = token
            answer = self.call("POST", "runs/search", body)
            runs += answer.get("runs", [])
            token = answer.get("next_page_token")
            if not token:
                return runs

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


def quoted(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pipeline_steps():
    return [name for name in (os.environ.get("AME_PIPELINE_STEPS") or "").split(",") if name]


def parent_filter():
    return "tags.`ame.run_id` = %s AND tags.`ame.role` = 'pipeline'" % quoted(os.environ.get("AME_RUN_ID", ""))


def pipeline_parent(tracking, experiment_id):
    """The MLflow run of the whole pipeline: found by its tags, else created. Steps that
    start at the same time may each create one; all then keep the oldest and delete the rest."""
    env = os.environ

    def oldest(runs):
        return min(runs, key=lambda run: (int(run["info"].get("start_time", 0)), run["info"]["run_id"]))["info"]["run_id"]

    existing = tracking.search(experiment_id, parent_filter())
    if existing:
        return oldest(existing)
    task = env.get("AME_TASK", "run")
    tags = {
        "ame.run_id": env.get("AME_RUN_ID", ""),
        "ame.project": env.get("AME_PROJECT", ""),
        "ame.task": task,
        "ame.role": "pipeline",
        "mlflow.runName": task,
        "mlflow.source.type": "JOB",
        "mlflow.user": env.get("USER", "ame"),
    }
    created = tracking.call("POST", "runs/create", {
        "experiment_id": experiment_id,
        "start_time": int(time.time() * 1000),
        "run_name": task,
        "tags": [{"key": k, "value": v} for k, v in tags.items() if v],
    })["run"]["info"]["run_id"]
    tracking.call("POST", "runs/log-batch", {"run_id": created, "params": [
        {"key": "ame.task", "value": task},
        {"key": "ame.steps", "value": ",".join(pipeline_steps())[:6000]},
    ]})
    winner = oldest(tracking.search(experiment_id, parent_filter()) or [{"info": {"run_id": created, "start_time": 0}}])
    if winner != created:
        tracking.call("POST", "runs/delete", {"run_id": created})
    return winner


def settle_parent(tracking, experiment_id, parent_id, status):
    """After a step ended with `status`: a failed or killed step ends the pipeline's run so;
    a finished one ends it FINISHED once every step's latest attempt has finished."""
    if status != "FINISHED":
        final = status
    else:
        latest = {}
        for run in tracking.search(experiment_id, "tags.`mlflow.parentRunId` = %s" % quoted(parent_id)):
            tags = {tag["key"]: tag["value"] for tag in run.get("data", {}).get("tags", [])}
            step, attempt = tags.get("ame.step", ""), int(tags.get("ame.attempt", "1") or 1)
            if step not in latest or attempt >= latest[step][0]:
                latest[step] = (attempt, run["info"].get("status"))
        if not all(latest.get(step, (0, None))[1] == "FINISHED" for step in pipeline_steps()):
            return
        final = "FINISHED"
    tracking.call("POST", "runs/update", {"run_id": parent_id, "status": final, "end_time": int(time.time() * 1000)})


def start(tracking):
    env = os.environ
    experiment = env.get("MLFLOW_EXPERIMENT_NAME") or env.get("AME_PROJECT") or "Default"
    experiment_id = tracking.experiment_id(experiment)
    parent_id = pipeline_parent(tracking, experiment_id) if pipeline_steps() else None
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
        "mlflow.parentRunId": parent_id or "",
    }
    run = tracking.call("POST", "runs/create", {
        "experiment_id": experiment_id,
        "start_time": int(time.time() * 1000),
        "run_name": run_name,
        "tags": [{"key": k, "value": v} for k, v in tags.items() if v],
    })["run"]
    run_id = run["info"]["run_id"]
    tracking.call("POST", "runs/log-batch", {"run_id": run_id, "params": params_of_step()})
    return run_id, run["info"].get("artifact_uri", ""), experiment_id, parent_id


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
    tracking, run_id, artifact_uri, experiment_id, parent_id = None, None, "", None, None
    if not uri.startswith(("http://", "https://")):
        warn("MLFLOW_TRACKING_URI is not an http(s) URL (%r); the step runs without an MLflow run" % uri)
    elif os.environ.get("MLFLOW_RUN_ID"):
        pass  # Someone chose the run already (an outer wrapper, or the user): leave it be.
    else:
        tracking = Tracking(uri)
        try:
            run_id, artifact_uri, experiment_id, parent_id = start(tracking)
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
            if parent_id:
                settle_parent(tracking, experiment_id, parent_id, "FAILED")
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
        if parent_id:
            try:
                settle_parent(tracking, experiment_id, parent_id, status)
            except (OSError, ValueError, KeyError, urllib.error.URLError) as error:
                warn("could not update the pipeline's MLflow run %s (%s)" % (parent_id, error))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
