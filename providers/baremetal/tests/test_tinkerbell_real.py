"""The Tinkerbell gRPC client and the workflow follower against the real thing: tink-server, tink-controller and rufio
built from their Go modules (tink v0.12.2, rufio v0.6.1) running on the real control plane (etcd, kube-apiserver,
kube-controller-manager) with the Tinkerbell CRDs from the module downloads.

Each test creates Hardware, Template, TinkerbellMachine and Workflow objects as EKS Anywhere (through CAPT) does;
tink-controller renders the workflows into actions; :class:`~tinkstack.FakeTinkWorker` (tink-worker cannot run
here: it runs actions as containers on the machine) reports the actions over tink-server's gRPC API, and the
client / follower under test read everything back over the wire."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tinkstack
from eksa_baremetal.hardware import Machine, hardware_manifests
from eksa_baremetal.provisioning import ProvisioningEvent, WorkflowFollower, cluster_workflows
from eksa_baremetal.settings import TinkerbellSettings
from eksa_baremetal.tinkerbell_grpc import (
    ActionState,
    ActionStatusReport,
    TinkerbellClient,
    TinkerbellError,
    TinkerbellRPCError,
)
from eksa_baremetal.workflow import default_actions, default_workflow, workflow_text

from eksa_core.kube import KubeClient
from eksa_core.testing.cni import StandInCNIRenderer

pytestmark = pytest.mark.realkube

try:  # the real control plane fixtures (control_plane) come with eksa_core.testing's pytest plugin
    import eksa_core.testing.pytest_plugin  # noqa: F401
except ImportError:  # pragma: no cover - an eksa-core without the real control plane fixtures
    pytest.skip("eksa_core.testing's real control plane fixtures are not installed", allow_module_level=True)

CLUSTER = "bm"
IMAGE = "https://images.example/bottlerocket.img.gz"
# Bottlerocket's default workflow: tink v0.12.2 renders it. (The Ubuntu and Red Hat ones call the template function
# netmaskToPrefixLength, which tink v0.12.2 does not define: tink-controller refuses to render them.)
OS = "bottlerocket"


def _unavailable(reason: str) -> None:
    from eksa_core.testing.pytest_plugin import in_ci

    if in_ci():
        pytest.fail(f"real Tinkerbell components unavailable: {reason} (CI=true: these tests must run)")
    pytest.skip(f"real Tinkerbell components unavailable: {reason}")


@pytest.fixture(scope="module")
def kube(control_plane: Any) -> Iterator[KubeClient]:
    client = KubeClient(control_plane.kubeconfig)
    try:
        tinkstack.install_tinkerbell_crds(client)
    except tinkstack.Unavailable as exc:
        _unavailable(str(exc))
    yield client
    client.close()


@pytest.fixture(scope="module")
def namespace(kube: KubeClient) -> str:
    name = f"tink-{uuid.uuid4().hex[:6]}"
    kube.create_namespace(name)
    return name


@pytest.fixture(scope="module")
def stack(control_plane: Any, kube: KubeClient, namespace: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tinkstack.TinkStack]:
    try:
        bin_dir = tinkstack.tink_binaries()
    except tinkstack.Unavailable as exc:
        _unavailable(str(exc))
    with tinkstack.TinkStack(bin_dir, Path(control_plane.kubeconfig), namespace,
                             tmp_path_factory.mktemp("tink"), rufio=True) as running:
        yield running


@pytest.fixture
def tink(stack: tinkstack.TinkStack) -> Iterator[TinkerbellClient]:
    with TinkerbellClient(stack.grpc_target, timeout=10) as client:
        yield client


def _machine(host: str, index: int) -> Machine:
    return Machine(hostname=host, ip_address=f"10.10.0.{10 + index}", netmask="255.255.255.0", gateway="10.10.0.1",
                   nameservers=["8.8.8.8"], mac_address=f"00:50:56:aa:00:{index:02x}", disk="/dev/sda",
                   labels={"type": "cp"}, bmc_ip_address="127.0.0.1", bmc_username="admin",
                   bmc_password="bmc-secret-1")


def provision(kube: KubeClient, namespace: str, host: str, index: int, *, template: str | None = None,
              cluster: str = CLUSTER) -> tuple[str, str]:
    """Create the Hardware (+ rufio Machine, Secret), Template, TinkerbellMachine and Workflow of one machine as
    EKS Anywhere/CAPT do; return (workflow name, worker id)."""
    m = _machine(host, index)
    kube.apply(hardware_manifests([m], namespace=namespace), field_manager="eksa-tests", force=True)
    name = f"{cluster}-{host}"
    text = template or workflow_text(default_workflow(cluster, OS, IMAGE, "10.10.0.2", "10.10.0.3"))
    kube.create(tinkstack.template_object(name, namespace, text))
    owner = kube.create(tinkstack.tinkerbell_machine(name, namespace, cluster))
    kube.create(tinkstack.workflow_object(name, namespace, host, m.mac_address, owner))
    return name, m.mac_address


def wait_state(kube: KubeClient, namespace: str, name: str, states: set[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    obj: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        obj = kube.get_or_none("tinkerbell.org/v1alpha1", "Workflow", name, namespace)
        if obj is not None and (obj.get("status") or {}).get("state") in states:
            return obj
        time.sleep(0.2)
    raise AssertionError(f"workflow {namespace}/{name} not in {states} within {timeout}s: {obj}")


def served(tink: TinkerbellClient, mac: str, workflow_id: str, timeout: float = 30) -> list[Any]:
    """The contexts tink-server streams for ``mac``, once its cache (it reads the API through an informer) has
    caught up with ``workflow_id``."""
    deadline = time.monotonic() + timeout
    while True:
        with tink.workflow_contexts(mac) as stream:
            contexts = list(stream)
        if any(c.workflow_id == workflow_id for c in contexts) or time.monotonic() > deadline:
            return contexts
        time.sleep(0.1)


# -- the client against tink-server ---------------------------------------------------------------------------


def test_contexts_stream_and_actions_round_trip(kube: KubeClient, namespace: str, stack: tinkstack.TinkStack,
                                                tink: TinkerbellClient) -> None:
    name, mac = provision(kube, namespace, "rt-1", 1)
    wait_state(kube, namespace, name, {"STATE_PENDING"})
    contexts = served(tink, mac, f"{namespace}/{name}")
    expected = [a.name for a in default_actions(OS, IMAGE, "10.10.0.2", "10.10.0.3")]
    assert [(c.workflow_id, c.current_worker, c.current_task, c.current_action, c.current_action_index,
             c.current_action_state, c.total_number_of_actions) for c in contexts] == [
        (f"{namespace}/{name}", mac, CLUSTER, expected[0], 0, ActionState.PENDING, len(expected))]
    actions = tink.workflow_actions(f"{namespace}/{name}")
    assert [a.name for a in actions] == expected
    first = actions[0]
    assert first.task_name == CLUSTER and first.worker_id == mac and first.timeout == 600
    assert first.environment["IMG_URL"] == IMAGE and first.environment["DEST_DISK"] == "/dev/sda"
    assert "/dev:/dev" in first.volumes
    assert actions[-1].pid == "host"  # reboot runs in the host's PID namespace
    # a worker without workflows gets an empty stream
    with tink.workflow_contexts("00:00:00:00:00:99") as stream:
        assert list(stream) == []


def test_server_errors_carry_the_grpc_code_and_details(kube: KubeClient, namespace: str,
                                                       stack: tinkstack.TinkStack, tink: TinkerbellClient) -> None:
    name, mac = provision(kube, namespace, "err-1", 2)
    wait_state(kube, namespace, name, {"STATE_PENDING"})
    served(tink, mac, f"{namespace}/{name}")
    with pytest.raises(TinkerbellRPCError) as wrong:
        tink.report_action_status(ActionStatusReport(workflow_id=f"{namespace}/{name}", task_name=CLUSTER,
                                                     action_name="not-the-current-one", state=ActionState.RUNNING,
                                                     worker_id=mac))
    assert wrong.value.code_name == "INVALID_ARGUMENT" and wrong.value.method == "ReportActionStatus"
    assert wrong.value.details == "reported action name does not match the current action details"
    assert "INVALID_ARGUMENT" in str(wrong.value) and stack.grpc_target in str(wrong.value)
    with pytest.raises(TinkerbellRPCError) as missing:
        tink.workflow_actions(f"{namespace}/no-such-workflow")
    assert missing.value.method == "GetWorkflowActions" and "not found" in missing.value.details
    with pytest.raises(TinkerbellRPCError) as empty_task:
        tink.report_action_status(ActionStatusReport(workflow_id=f"{namespace}/{name}", task_name="",
                                                     action_name="x", state=ActionState.RUNNING))
    assert (empty_task.value.code_name, empty_task.value.details) == ("INVALID_ARGUMENT", "invalid task name")
    with pytest.raises(TinkerbellError, match="worker id is required"):
        tink.workflow_contexts("")


def test_a_cancelled_stream_ends_quietly(kube: KubeClient, namespace: str, stack: tinkstack.TinkStack,
                                         tink: TinkerbellClient) -> None:
    name, mac = provision(kube, namespace, "cancel-1", 3)
    wait_state(kube, namespace, name, {"STATE_PENDING"})
    served(tink, mac, f"{namespace}/{name}")
    stream = tink.workflow_contexts(mac)
    stream.cancel()
    assert list(stream) == [] and stream.cancelled
    with tink.workflow_contexts(mac) as live:
        got = [c.workflow_id for c in live]
    assert got == [f"{namespace}/{name}"]


# -- the follower: per-machine progress -----------------------------------------------------------------------


def test_follower_sees_each_machine_provisioned_and_a_failing_action(kube: KubeClient, namespace: str,
                                                                     stack: tinkstack.TinkStack,
                                                                     tink: TinkerbellClient) -> None:
    ok, ok_mac = provision(kube, namespace, "cp-1", 4)
    bad, bad_mac = provision(kube, namespace, "cp-2", 5)
    provision(kube, namespace, "other-1", 6, cluster="someone-else")  # another cluster's machine: not followed
    for wf in (ok, bad):
        wait_state(kube, namespace, wf, {"STATE_PENDING"})
    found = cluster_workflows(kube, CLUSTER, namespace)
    assert [(w.machine, w.name, w.worker_id) for w in found if w.machine in ("cp-1", "cp-2")] == [
        ("cp-1", ok, ok_mac), ("cp-2", bad, bad_mac)]
    assert all(not w.machine.startswith("other") for w in found)

    events: list[ProvisioningEvent] = []
    lock = threading.Lock()

    def emit(event: ProvisioningEvent) -> None:
        with lock:
            events.append(event)

    follower = WorkflowFollower(tink, kube, CLUSTER, namespace=namespace, emit=emit, poll_interval=0.2,
                                workflows=[w for w in found if w.machine in ("cp-1", "cp-2")])
    follower.poll()
    assert {(e.machine, e.kind, e.state) for e in events} == {("cp-1", "workflow-state", "STATE_PENDING"),
                                                              ("cp-2", "workflow-state", "STATE_PENDING")}
    follower.start()
    try:
        workers = [tinkstack.FakeTinkWorker(stack.grpc_target, ok_mac),
                   tinkstack.FakeTinkWorker(stack.grpc_target, bad_mac, fail_at="write Bottlerocket bootconfig",
                                            failure_message="writefile: /dev/sda12 not found")]
        for w in workers:
            w.run()
        deadline = time.monotonic() + 60
        while not follower.done and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        follower.stop()
    assert follower.result.final == {"cp-1": "STATE_SUCCESS", "cp-2": "STATE_FAILED"}
    assert follower.result.failed == {"cp-2": "STATE_FAILED"}
    names = [a.name for a in default_actions(OS, IMAGE, "10.10.0.2", "10.10.0.3")]
    mine = [e for e in events if e.machine == "cp-1"]
    succeeded = [e.action for e in mine if e.kind == "action-succeeded"]
    assert succeeded == names
    assert [e.action_index for e in mine if e.kind == "action-succeeded"] == list(range(len(names)))
    assert all(e.duration is not None and e.duration >= 0 and e.total_actions == len(names)
               for e in mine if e.kind == "action-succeeded")
    assert [e.state for e in mine if e.kind == "workflow-state"][-1] == "STATE_SUCCESS"
    theirs = [e for e in events if e.machine == "cp-2"]
    failed = [e for e in theirs if e.kind == "action-failed"]
    assert [(e.action, e.action_index, e.state) for e in failed] == [("write Bottlerocket bootconfig", 1,
                                                                      "STATE_FAILED")]
    assert [e.action for e in theirs if e.kind == "action-succeeded"] == ["stream image to disk"]
    assert [e.state for e in theirs if e.kind == "workflow-state"][-1] == "STATE_FAILED"
    line = failed[0].text()
    assert line.startswith(f"Machine cp-2: action 2/{len(names)} 'write Bottlerocket bootconfig' failed")
    assert failed[0].details()["event"] == "action-failed" and failed[0].details()["machine"] == "cp-2"


def test_follower_reports_an_action_timeout_with_tinks_message(kube: KubeClient, namespace: str,
                                                               stack: tinkstack.TinkStack,
                                                               tink: TinkerbellClient) -> None:
    text = ("version: \"0.1\"\nname: slow\nglobal_timeout: 600\ntasks:\n- name: slow\n  worker: \"{{.device_1}}\"\n"
            "  actions:\n  - name: wait-forever\n    image: busybox\n    timeout: 1\n")
    wf, mac = provision(kube, namespace, "slow-1", 7, template=text)
    wait_state(kube, namespace, wf, {"STATE_PENDING"})
    events: list[ProvisioningEvent] = []
    follower = WorkflowFollower(tink, kube, CLUSTER, namespace=namespace, emit=events.append,
                                workflows=[w for w in cluster_workflows(kube, CLUSTER, namespace) if w.name == wf])
    tinkstack.FakeTinkWorker(stack.grpc_target, mac, stop_after="wait-forever").run()  # running, never finishes
    follower.poll()
    assert [(e.kind, e.action) for e in events if e.kind.startswith("action")] == [("action-started",
                                                                                    "wait-forever")]
    # tink-controller marks an action timed out when it reconciles a running workflow past the action's timeout
    time.sleep(1.5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kube.annotate("tinkerbell.org/v1alpha1", "Workflow", wf, {"eksa-tests/poke": str(time.time())}, namespace)
        obj = kube.get("tinkerbell.org/v1alpha1", "Workflow", wf, namespace)
        if obj.get("status", {}).get("state") == "STATE_TIMEOUT":
            break
        time.sleep(0.5)
    follower.poll()
    timed_out = [e for e in events if e.kind == "action-timed-out"]
    assert [(e.action, e.state, e.message) for e in timed_out] == [("wait-forever", "STATE_TIMEOUT",
                                                                    "Action timed out")]
    assert timed_out[0].duration is not None and timed_out[0].duration >= 1
    assert follower.result.final == {"slow-1": "STATE_TIMEOUT"}
    assert "timed out after" in timed_out[0].text() and timed_out[0].text().endswith(": Action timed out")


# -- BMC power operations through the real rufio --------------------------------------------------------------


def _bmc_hardware(kube: KubeClient, namespace: str, host: str, index: int, bmc: tinkstack.FakeBMC) -> dict[str, Any]:
    objs = tinkstack.rpc_bmc(hardware_manifests([_machine(host, index)], namespace=namespace), bmc.url)
    kube.apply(objs, field_manager="eksa-tests", force=True)
    return next(o for o in objs if o["kind"] == "Hardware")


def test_rufio_runs_the_provisioning_jobs(kube: KubeClient, namespace: str, stack: tinkstack.TinkStack) -> None:
    from eksa_baremetal.bmc import provisioning_job, run_bmc_jobs

    bmcs = [tinkstack.FakeBMC(), tinkstack.FakeBMC()]
    try:
        hardware = [_bmc_hardware(kube, namespace, f"bmc-ok-{i}", 20 + i, bmc) for i, bmc in enumerate(bmcs)]
        jobs = [provisioning_job(hw, namespace=namespace) for hw in hardware]
        said: list[str] = []
        outcomes = run_bmc_jobs(kube, jobs, timeout=120, poll_interval=0.2, progress=said.append)
        assert [(o.job, o.machine, o.state) for o in outcomes] == [
            ("bmc-ok-0-provision", "bmc-bmc-ok-0", "Completed"), ("bmc-ok-1-provision", "bmc-bmc-ok-1", "Completed")]
        for bmc in bmcs:  # rufio ran the tasks in order against each machine's BMC
            assert bmc.methods() == ["setPowerState", "setBootDevice", "setPowerState"]
            assert [p for m, p in bmc.calls if m != "ping" and m != "getPowerState"] == [
                {"state": "off"}, {"device": "pxe", "persistent": False, "efiBoot": True}, {"state": "on"}]
            assert bmc.power == "on"
        assert sorted(said) == ["BMC job bmc-ok-0-provision (machine bmc-bmc-ok-0): completed",
                                "BMC job bmc-ok-1-provision (machine bmc-bmc-ok-1): completed"]
        # run again: the finished job of the first run is replaced (deleted with its tasks, then created anew)
        first_uid = kube.get("bmc.tinkerbell.org/v1alpha1", "Job", "bmc-ok-0-provision", namespace)["metadata"]["uid"]
        again = run_bmc_jobs(kube, jobs[:1], timeout=120, poll_interval=0.2)
        job = kube.get("bmc.tinkerbell.org/v1alpha1", "Job", "bmc-ok-0-provision", namespace)
        assert again[0].ok and job["metadata"]["uid"] != first_uid
    finally:
        for bmc in bmcs:
            bmc.stop()


def test_a_failing_bmc_job_is_a_clear_error(kube: KubeClient, namespace: str, stack: tinkstack.TinkStack) -> None:
    from eksa_baremetal.bmc import BMCJobError, power_off_job, run_bmc_jobs

    bmc = tinkstack.FakeBMC(fail=["setPowerState"], failure_message="chassis power control refused")
    try:
        hw = _bmc_hardware(kube, namespace, "bmc-bad-0", 30, bmc)
        with pytest.raises(BMCJobError) as err:
            run_bmc_jobs(kube, [power_off_job(hw, namespace=namespace)], timeout=120, poll_interval=0.2)
        assert err.value.failed == ["bmc-bad-0-poweroff"]
        outcome = err.value.outcomes[0]
        assert outcome.state == "Failed" and "chassis power control refused" in outcome.message
        assert str(err.value).startswith("BMC jobs failed: bmc-bad-0-poweroff (machine bmc-bmc-bad-0): ")
    finally:
        bmc.stop()
    with pytest.raises(BMCJobError, match=r"rufio Machine .*/bmc-nowhere not found"):
        run_bmc_jobs(kube, [power_off_job({"metadata": {"name": "nowhere"},
                                           "spec": {"bmcRef": {"name": "bmc-nowhere"}}}, namespace=namespace)])


# -- a create's wait for the cluster shows each machine's provisioning -----------------------------------------


class EventRecorder:
    """A plugin observing the workflow's events, as any subscriber does."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.lock = threading.Lock()

    @property
    def progress(self) -> list[Any]:
        with self.lock:
            return [e for e in self.events if e.kind == "progress"]

    from eksa_core import hookimpl as _hookimpl

    @_hookimpl
    def eksa_workflow_event(self, event: Any) -> None:
        with self.lock:
            self.events.append(event)


def standin_crds(objects: list[dict[str, Any]], kube: KubeClient) -> list[dict[str, Any]]:
    """Schema-less stand-in CRDs for the kinds of ``objects`` the server does not serve (Cluster API's and CAPT's:
    no CAPI/CAPT controller runs here, and CAPT's CRDs are not on the Go proxy)."""
    out = []
    seen = set()
    for obj in objects:
        api_version, kind = obj["apiVersion"], obj["kind"]
        if "/" not in api_version or (api_version, kind) in seen or kube.has_kind(api_version, kind):
            continue
        seen.add((api_version, kind))
        group, version = api_version.split("/")
        plural = kind.lower() + ("es" if kind.lower().endswith("s") else "s")
        out.append({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": {"name": f"{plural}.{group}"},
                    "spec": {"group": group, "scope": "Namespaced",
                             "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                                       "singular": kind.lower()},
                             "versions": [{"name": version, "served": True, "storage": True,
                                           "subresources": {"status": {}},
                                           "schema": {"openAPIV3Schema": {
                                               "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}})
    return out


@pytest.fixture(scope="module")
def system_stack(control_plane: Any, kube: KubeClient, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tinkstack.TinkStack]:
    """A Tinkerbell stack serving eksa-system, where EKS Anywhere keeps hardware and workflows."""
    kube.create_namespace("eksa-system")
    try:
        bin_dir = tinkstack.tink_binaries()
    except tinkstack.Unavailable as exc:
        _unavailable(str(exc))
    with tinkstack.TinkStack(bin_dir, Path(control_plane.kubeconfig), "eksa-system",
                             tmp_path_factory.mktemp("tink-system")) as running:
        yield running


def test_a_create_reports_every_machine_while_it_waits(control_plane: Any, kube: KubeClient, tmp_path: Path,
                                                       system_stack: tinkstack.TinkStack) -> None:
    """The create's "Creating workload cluster" task (the real task, engine and provider manifests) on the real
    control plane: while it waits for the cluster, the provider follows the machines' workflows on tink-server and
    every subscriber gets per-machine ``progress`` events. What no controller does here is done by the test and
    named so: :func:`play_capi` (Cluster API: CAPT's Workflows, the Cluster's conditions, the kubeconfig Secret)."""
    import base64

    from test_setup_tinkerbell import make_spec, plugins

    from eksa_core.capi import machine_health_checks
    from eksa_core.context import ClusterHandle
    from eksa_core.workflows import Timeouts, WorkflowContext, WorkflowOptions, run_workflow
    from eksa_core.workflows.capi import RecordingInstaller
    from eksa_core.workflows.common import manifests
    from eksa_core.workflows.create import CreateWorkloadClusterTask
    from eksa_core.workflows.engine import Workflow
    from eksa_core.workflows.ops import capi_cluster_ref

    name = f"w{uuid.uuid4().hex[:5]}"
    spec = make_spec(name=name, management="mgmt", workers=1)
    p = plugins()
    recorder = EventRecorder()
    p.register(recorder, name="event-recorder")
    options = WorkflowOptions(hook_options={"settings": [TinkerbellSettings(grpc_target=system_stack.grpc_target,
                                                                            poll_interval=0.2)]},
                              timeouts=Timeouts(failure_message=30, cluster_ready=300, poll_interval=0.2),
                              cni_renderer=StandInCNIRenderer())
    ctx = WorkflowContext(spec=spec, plugins=p, provider=p.for_datacenter_kind(spec.cluster.datacenter_kind()),
                          workdir=tmp_path, bootstrapper=None, installer=RecordingInstaller(None),  # type: ignore[arg-type]
                          options=options)
    ctx.management_cluster = ClusterHandle("mgmt", Path(control_plane.kubeconfig))
    rendered = manifests(ctx)
    capi_version, _ = capi_cluster_ref(rendered, name)
    crds = standin_crds(rendered + machine_health_checks(spec.cluster), kube)
    if crds:
        kube.apply(crds, field_manager="eksa-tests", force=True)
        for crd in crds:
            kube.wait_for_condition("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"],
                                    None, "Established", "True", timeout=60, poll_interval=0.2)
        kube.invalidate_discovery()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            run_workflow(Workflow("create-workload", [CreateWorkloadClusterTask()], {}), ctx)
        except BaseException as exc:
            failure.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    try:
        # play_capi: CAPT's part - a Workflow per machine once the cluster's objects are there
        deadline = time.monotonic() + 60
        while kube.get_or_none(capi_version, "Cluster", name, "eksa-system") is None:
            assert time.monotonic() < deadline and not failure, failure
            time.sleep(0.2)
        machines = []
        for i, host in enumerate((f"{name}-cp", f"{name}-md")):
            wf, mac = provision(kube, "eksa-system", host, 40 + i, cluster=name)
            machines.append((host, wf, mac))
        for _, wf, _ in machines:
            wait_state(kube, "eksa-system", wf, {"STATE_PENDING"})
        for _, _, mac in machines:  # the machines boot and their workers run the actions
            tinkstack.FakeTinkWorker(system_stack.grpc_target, mac).run()
        deadline = time.monotonic() + 60
        while True:  # every subscriber saw both machines finish before CAPI reports the cluster ready
            done = {e.details.get("machine") for e in recorder.progress
                    if e.details.get("event") == "workflow-state" and e.details.get("state") == "STATE_SUCCESS"}
            if done == {h for h, _, _ in machines}:
                break
            assert time.monotonic() < deadline, [e.message for e in recorder.progress]
            time.sleep(0.1)
        # play_capi: Cluster API's part - the kubeconfig Secret and the Cluster's conditions
        kube.apply({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
                    "metadata": {"name": f"{name}-kubeconfig", "namespace": "eksa-system"},
                    "data": {"value": base64.b64encode(Path(control_plane.kubeconfig).read_bytes()).decode()}},
                   field_manager="eksa-tests", force=True)
        cluster = kube.get(capi_version, "Cluster", name, "eksa-system")
        # the v1beta2 conditions Cluster API's cluster controller sets; reason and message too: with the real
        # Cluster API CRDs installed (as other tests of the session do), the v1beta2 schema requires them
        cluster["status"] = {"conditions": [{"type": t, "status": "True", "reason": t,
                                             "message": "set by the test (play_capi)",
                                             "lastTransitionTime": "2026-01-01T00:00:00Z"}
                                            for t in ("ControlPlaneAvailable", "WorkersAvailable", "Available")]}
        kube.replace(cluster, subresource="status")
        # ... and the rollout the control plane and MachineDeployment controllers report: every replica up to date
        for obj in rendered:
            if obj["kind"] not in ("KubeadmControlPlane", "MachineDeployment"):
                continue
            live = kube.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], "eksa-system")
            replicas = int(live["spec"].get("replicas") or 0)
            live["status"] = {"observedGeneration": live["metadata"]["generation"], "replicas": replicas,
                              "readyReplicas": replicas, "availableReplicas": replicas, "upToDateReplicas": replicas}
            kube.replace(live, subresource="status")
    finally:
        runner.join(120)
    assert not failure, failure
    progress = recorder.progress
    assert all(e.workflow == "create-workload" and e.task == "create-workload-cluster" for e in progress)
    for host, wf, _ in machines:
        mine = [e.details for e in progress if e.details.get("machine") == host]
        states = [d["state"] for d in mine if d["event"] == "workflow-state"]
        assert states[-1] == "STATE_SUCCESS" and set(states) <= {"STATE_PENDING", "STATE_RUNNING", "STATE_SUCCESS"}
        names = [a.name for a in default_actions(OS, IMAGE, "10.10.0.2", "10.10.0.3")]
        assert [d["action"] for d in mine if d["event"] == "action-succeeded"] == names
        assert all(d["workflow"] == f"eksa-system/{wf}" for d in mine)
    lines = [e.message for e in progress]
    assert f"Machine {name}-cp: provisioning workflow eksa-system/{name}-{name}-cp is success" in lines
    assert ctx.kubeconfig_path.is_file()
