"""Real Tinkerbell components for the bare metal tests: tink-server, tink-controller and rufio (built from their Go
modules by ``tools/components/tink/build.sh``) run against the real control plane of :mod:`eksa_core.testing`,
with the Tinkerbell CRDs read from the Go module downloads of tink and rufio.

* :func:`tink_binaries` - the directory of the three binaries (built on first use; skipped, or failed in CI, when Go
  is missing);
* :func:`install_tinkerbell_crds` - Hardware, Template, Workflow (tink), Machine, Job, Task (rufio), plus
  :data:`TINKERBELL_MACHINE_CRD_STANDIN`;
* :class:`TinkStack` - the processes on free 127.0.0.1 ports, watching one namespace;
* :class:`FakeTinkWorker` - a stand-in for tink-worker (which runs actions in containers on the machine, impossible
  here): it asks tink-server for its workflow over gRPC and reports each action running, then succeeded (or failed
  with a message at a chosen action), exactly the calls tink-worker makes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from eksa_baremetal.tinkerbell_grpc import ActionState, ActionStatusReport, TinkerbellClient, TinkerbellRPCError

from eksa_core.kube import KubeClient

REPO = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = REPO / "tools" / "components" / "tink" / "build.sh"
TINK_MODULE = "github.com/tinkerbell/tink@v0.12.2"
RUFIO_MODULE = "github.com/tinkerbell/rufio@v0.6.1"

TINKERBELL_MACHINE_CRD_STANDIN: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "tinkerbellmachines.infrastructure.cluster.x-k8s.io"},
    "spec": {
        "group": "infrastructure.cluster.x-k8s.io",
        "names": {"kind": "TinkerbellMachine", "listKind": "TinkerbellMachineList", "plural": "tinkerbellmachines",
                  "singular": "tinkerbellmachine"},
        "scope": "Namespaced",
        "versions": [{"name": "v1beta1", "served": True, "storage": True,
                      "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                      "subresources": {"status": {}}}],
    },
}
"""A schema-less stand-in of CAPT's TinkerbellMachine CRD (the Go proxy does not serve the CAPT module, so its CRD
cannot be read from a module download here): Workflows are owned by TinkerbellMachines, which carry the cluster's
``cluster.x-k8s.io/cluster-name`` label."""


class Unavailable(RuntimeError):
    """The real Tinkerbell components cannot run here (no Go)."""


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise Unavailable("the go command is not installed: tink-server cannot be built")
    return go


def tink_binaries() -> Path:
    """The directory holding tink-server, tink-controller and rufio (``tools/components/tink/build.sh``)."""
    _go()
    proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, check=False)
    if proc.returncode == 3:
        raise Unavailable(proc.stderr.strip() or "the go command is not installed")
    if proc.returncode != 0:
        raise RuntimeError(f"{BUILD_SCRIPT} failed:\n{proc.stderr[-4000:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


def module_dir(module: str) -> Path:
    """Where ``go mod download -json MODULE@VERSION`` put the module (``Dir``)."""
    out = subprocess.run([_go(), "mod", "download", "-json", module], capture_output=True, text=True, check=True,
                         env={**os.environ, "GOTOOLCHAIN": "local"}, cwd="/")
    return Path(json.loads(out.stdout)["Dir"])


def tinkerbell_crds() -> list[dict[str, Any]]:
    """tink's and rufio's CRDs, read from their module downloads, and the TinkerbellMachine stand-in."""
    docs: list[dict[str, Any]] = []
    for module in (TINK_MODULE, RUFIO_MODULE):
        for path in sorted((module_dir(module) / "config" / "crd" / "bases").glob("*.yaml")):
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return [*docs, TINKERBELL_MACHINE_CRD_STANDIN]


def install_tinkerbell_crds(kube: KubeClient) -> None:
    """Apply :func:`tinkerbell_crds` and wait for each to be established."""
    crds = tinkerbell_crds()
    kube.apply(crds, field_manager="eksa-tests", force=True)
    for crd in crds:
        kube.wait_for_condition("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"],
                                None, "Established", "True", timeout=60, poll_interval=0.2)
    kube.invalidate_discovery()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TinkStack:
    """tink-server, tink-controller and (``rufio=True``) rufio on 127.0.0.1, against ``kubeconfig``, for
    ``namespace``. ``grpc_target`` is tink-server's ``host:port``."""

    def __init__(self, bin_dir: Path, kubeconfig: Path, namespace: str, workdir: Path, *, rufio: bool = False) -> None:
        self.bin_dir = bin_dir
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.workdir = workdir
        self.rufio = rufio
        self.grpc_port = free_port()
        self.grpc_target = f"127.0.0.1:{self.grpc_port}"
        self._procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def _spawn(self, name: str, args: Sequence[str], env_extra: Mapping[str, str] | None = None) -> None:
        log = self.workdir / f"{name}.log"
        # a clean environment: tink's commands read unset flags from like-named environment variables
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.workdir), **(env_extra or {})}
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(self.bin_dir / name), *args], stdout=out, stderr=subprocess.STDOUT,
                                    env=env, cwd=self.workdir, start_new_session=True)
        self._procs.append((name, proc, log))

    def logs(self) -> str:
        """The tail of every process's log."""
        return "\n".join(f"--- {n}\n{p.read_text(errors='replace')[-3000:]}" for n, _, p in self._procs)

    def _wait_http(self, url: str, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                with urllib.request.urlopen(url, timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} not healthy at {url} within {timeout:g}s\n{self.logs()}")

    def _check_alive(self) -> None:
        for name, proc, _ in self._procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")

    def start(self) -> TinkStack:
        """Start the processes and wait until each is ready."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        http = free_port()
        self._spawn("tink-server", ["--backend", "kubernetes", "--kubeconfig", str(self.kubeconfig),
                                    "--kube-namespace", self.namespace, "--grpc-authority", self.grpc_target,
                                    "--http-authority", f"127.0.0.1:{http}"])
        probe, metrics = free_port(), free_port()
        self._spawn("tink-controller", ["--kubeconfig", str(self.kubeconfig), "--namespace", self.namespace,
                                        "--metrics-bind-address", f"127.0.0.1:{metrics}",
                                        "--health-probe-bind-address", f"127.0.0.1:{probe}"],
                    # tink-controller v0.12.2 accepts --kubeconfig but loads the client from $KUBECONFIG only
                    {"KUBECONFIG": str(self.kubeconfig)})
        probes = [("tink-controller", f"http://127.0.0.1:{probe}/healthz")]
        if self.rufio:
            rprobe, rmetrics = free_port(), free_port()
            self._spawn("rufio", ["-kubeconfig", str(self.kubeconfig), "-kube-namespace", self.namespace,
                                  "-metrics-bind-address", f"127.0.0.1:{rmetrics}",
                                  "-health-probe-bind-address", f"127.0.0.1:{rprobe}",
                                  "-bmc-connect-timeout", "2s"])
            probes.append(("rufio", f"http://127.0.0.1:{rprobe}/healthz"))
        try:
            with TinkerbellClient(self.grpc_target) as probe_client:
                probe_client.wait_ready(60)
            for name, url in probes:
                self._wait_http(url, name)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL)."""
        for _, proc, _ in self._procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc, _ in self._procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def __enter__(self) -> TinkStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class FakeTinkWorker:
    """Stand-in for tink-worker on one machine (see the module docstring): ``run()`` waits until tink-server serves
    a workflow for ``worker_id`` (``GetWorkflowContexts``), fetches its actions (``GetWorkflowActions``) and reports
    each one ``STATE_RUNNING`` then ``STATE_SUCCESS`` (``ReportActionStatus``); at the action named ``fail_at`` it
    reports ``STATE_FAILED`` with ``failure_message`` and stops. ``hold`` keeps an action running until the given
    callback returns (so a test can look at a running action without depending on timing)."""

    def __init__(self, target: str, worker_id: str, *, fail_at: str | None = None,
                 failure_message: str = "", stop_after: str | None = None) -> None:
        self.target = target
        self.worker_id = worker_id
        self.fail_at = fail_at
        self.failure_message = failure_message
        self.stop_after = stop_after
        self.reported: list[tuple[str, str]] = []

    def _context(self, tink: TinkerbellClient, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with tink.workflow_contexts(self.worker_id) as stream:
                for context in stream:
                    return context
            time.sleep(0.2)
        raise TimeoutError(f"tink-server served no workflow for worker {self.worker_id} within {timeout:g}s")

    def run(self, timeout: float = 60.0) -> list[tuple[str, str]]:
        """Do the workflow (see the class docstring); return the reports made as ``(action, state)``."""
        with TinkerbellClient(self.target) as tink:
            context = self._context(tink, timeout)
            actions = tink.workflow_actions(context.workflow_id)
            for action in actions[context.current_action_index:]:
                # like tink-worker, start an action only once tink-server serves it as the current one
                self._await(tink, context.workflow_id, action.name, ActionState.PENDING)
                started = time.time()
                self._report(tink, context.workflow_id, action.task_name, action.name, ActionState.RUNNING, started)
                self._await(tink, context.workflow_id, action.name, ActionState.RUNNING)  # the action "runs"
                if action.name == self.fail_at:
                    self._report(tink, context.workflow_id, action.task_name, action.name, ActionState.FAILED,
                                 started, self.failure_message)
                    break
                if action.name == self.stop_after:
                    break
                self._report(tink, context.workflow_id, action.task_name, action.name, ActionState.SUCCESS, started)
        return self.reported

    def _await(self, tink: TinkerbellClient, workflow_id: str, action: str, state: ActionState,
               timeout: float = 30.0) -> None:
        """Wait until tink-server's stream says ``action`` of the workflow is current and in ``state``."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            with tink.workflow_contexts(self.worker_id) as stream:
                for context in stream:
                    if context.workflow_id == workflow_id:
                        seen = (context.current_action, context.current_action_state)
            if seen == (action, state):
                return
            time.sleep(0.05)
        raise TimeoutError(f"tink-server did not serve {workflow_id} action {action!r} as {state.value} "
                           f"within {timeout:g}s (last seen: {seen})")

    def _report(self, tink: TinkerbellClient, workflow_id: str, task: str, action: str, state: ActionState,
                started: float, message: str = "") -> None:
        report = ActionStatusReport(workflow_id=workflow_id, task_name=task, action_name=action, state=state,
                                    worker_id=self.worker_id, seconds=int(time.time() - started), message=message,
                                    created_at=started)
        # tink-server answers INVALID_ARGUMENT when its status update conflicts with tink-controller's; tink-worker
        # reports again after a pause, so does this stand-in
        for attempt in range(100):
            try:
                tink.report_action_status(report)
                break
            except TinkerbellRPCError as exc:
                if exc.code_name != "INVALID_ARGUMENT" or attempt == 99:
                    raise
                time.sleep(0.1)
        self.reported.append((action, state.value))


def template_object(name: str, namespace: str, data: str) -> dict[str, Any]:
    """A tink ``Template`` holding workflow text (what CAPT creates from the machine template's override)."""
    return {"apiVersion": "tinkerbell.org/v1alpha1", "kind": "Template",
            "metadata": {"name": name, "namespace": namespace}, "spec": {"data": data}}


def tinkerbell_machine(name: str, namespace: str, cluster: str) -> dict[str, Any]:
    """A TinkerbellMachine of ``cluster`` (labelled as Cluster API labels infrastructure machines)."""
    return {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "TinkerbellMachine",
            "metadata": {"name": name, "namespace": namespace, "labels": {"cluster.x-k8s.io/cluster-name": cluster}},
            "spec": {}}


def workflow_object(name: str, namespace: str, hardware: str, mac: str,
                    owner: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``Workflow`` as CAPT creates it for a TinkerbellMachine: named after it, owned by it, template of the same
    name, the machine's Hardware and its MAC as ``device_1``."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if owner is not None:
        om = owner["metadata"]
        meta["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": om["name"],
                                    "uid": om["uid"], "controller": True}]
    return {"apiVersion": "tinkerbell.org/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"templateRef": name, "hardwareRef": hardware, "hardwareMap": {"device_1": mac}}}


def iter_logs(stack: TinkStack) -> Iterator[str]:
    """Log lines of the stack (for assertions on what the servers saw)."""
    yield from stack.logs().splitlines()


class FakeBMC:
    """A baseboard management controller stand-in (no BMC can run here): an HTTP endpoint speaking bmclib's RPC
    provider protocol, which rufio calls for a Machine whose ``providerOptions.rpc.consumerURL`` points here. It
    keeps a power state, records every call as ``(method, params)`` and answers the methods named in ``fail`` with
    an RPC error carrying ``failure_message``."""

    def __init__(self, *, fail: Sequence[str] = (), failure_message: str = "BMC busy") -> None:
        import http.server
        import threading

        self.power = "on"
        self.calls: list[tuple[str, Any]] = []
        self.fail = set(fail)
        self.failure_message = failure_message
        bmc = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # bmclib posts one JSON request per call
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                method, params = body.get("method"), body.get("params")
                bmc.calls.append((method, params))
                reply: dict[str, Any] = {"id": body.get("id"), "host": body.get("host")}
                if method in bmc.fail:
                    reply["error"] = {"code": 500, "message": bmc.failure_message}
                elif method == "getPowerState":
                    reply["result"] = bmc.power
                elif method == "setPowerState":
                    bmc.power = (params or {}).get("state", bmc.power)
                    reply["result"] = "ok"
                else:
                    reply["result"] = "ok"
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def methods(self) -> list[str]:
        """The methods called, in order, without the pings and power-state reads."""
        return [m for m, _ in self.calls if m not in ("ping", "getPowerState")]

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


def rpc_bmc(hardware_objects: Sequence[Mapping[str, Any]], url: str) -> list[dict[str, Any]]:
    """The machine's objects with its rufio Machine pointed at the RPC endpoint ``url``."""
    out = []
    for obj in hardware_objects:
        obj = json.loads(json.dumps(obj))
        if obj["kind"] == "Machine" and obj["apiVersion"].startswith("bmc.tinkerbell.org"):
            # rufio v0.6.1 dereferences every RPC option block, so each is given (empty where defaults do)
            obj["spec"]["connection"]["providerOptions"] = {"rpc": {
                "consumerURL": url, "request": {"httpMethod": "POST", "httpContentType": "application/json"},
                "signature": {}, "hmac": {}, "experimental": {}}}
        out.append(obj)
    return out
