"""Follow the Tinkerbell workflows of a cluster's machines and turn them into progress events.

Cluster API Provider Tinkerbell gives every machine it provisions a ``Workflow`` (``tinkerbell.org/v1alpha1``,
named after the ``TinkerbellMachine`` that owns it, ``spec.hardwareRef`` = the ``Hardware``, ``spec.hardwareMap``
``device_1`` = the worker id, its MAC address); tink-controller renders it into a list of actions and tink-server
serves it to the machine's worker over gRPC. :class:`WorkflowFollower` watches those workflows:

* which workflows: those in the namespace (``eksa-system``) owned by a ``TinkerbellMachine`` of the cluster
  (label ``cluster.x-k8s.io/cluster-name``), or labelled with the cluster name themselves;
* over gRPC (:class:`~eksa_baremetal.tinkerbell_grpc.TinkerbellClient`): the action list
  (``GetWorkflowActions``) and, while a workflow is pending or running, where it stands (the
  ``GetWorkflowContexts`` stream of its worker: current action, its index and state);
* from the Workflow object: the final state (tink-server stops serving a workflow once it is no longer pending or
  running) and what tink recorded per action (state, seconds, message - "Action timed out" on a timeout).

Each change becomes a :class:`ProvisioningEvent` per machine: ``workflow-state`` (pending, running, success,
failed, timeout), ``action-started``, ``action-succeeded``, ``action-failed`` and ``action-timed-out`` with the
action's duration. tink-server v0.12.2 does not store the message a worker reports with a failed action; a failure
carries the message tink recorded when there is one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from eksa_core import hookimpl
from eksa_core.provider import KubeError

from .hardware import HARDWARE_NAMESPACE
from .settings import settings_of

if TYPE_CHECKING:
    from eksa_core.provider import ClusterHandle, HookContext, KubeClient, Spec

    # grpc and protobuf (under tinkerbell_grpc) load when the workflows are first followed, not with the plugin
    from .tinkerbell_grpc import TinkerbellClient, WorkflowAction

__all__ = [
    "CLUSTER_NAME_LABEL",
    "TINKERBELL_MACHINE_API_VERSION",
    "WORKFLOW_API_VERSION",
    "FollowResult",
    "MachineWorkflow",
    "ProvisioningEvent",
    "ProvisioningWatch",
    "WorkflowFollower",
    "cluster_workflows",
    "eksa_watch_provisioning",
    "tink_server_target",
]

log = logging.getLogger("eksa.tinkerbell")

WORKFLOW_API_VERSION = "tinkerbell.org/v1alpha1"
TINKERBELL_MACHINE_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"
CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name"

_FINAL = {"STATE_SUCCESS", "STATE_FAILED", "STATE_TIMEOUT"}


@attrs.frozen
class MachineWorkflow:
    """One machine's workflow: ``machine`` (the Hardware name), the Workflow's ``namespace``/``name`` and the
    ``worker_id`` its actions run on."""

    machine: str
    namespace: str
    name: str
    worker_id: str

    @property
    def workflow_id(self) -> str:
        """``<namespace>/<name>``, tink-server's workflow id."""
        return f"{self.namespace}/{self.name}"


@attrs.frozen
class ProvisioningEvent:
    """A change in one machine's provisioning.

    :ivar kind: ``workflow-state``, ``action-started``, ``action-succeeded``, ``action-failed`` or
        ``action-timed-out``. :ivar state: the workflow state (``workflow-state``) or the action's state, as
        Tinkerbell names it (``STATE_RUNNING``...). :ivar action_index: 0-based over all tasks' actions.
    :ivar duration: seconds the action ran (action events when known). :ivar message: what tink recorded.
    """

    machine: str
    workflow: str
    kind: str
    state: str
    action: str | None = None
    action_index: int | None = None
    total_actions: int | None = None
    duration: float | None = None
    message: str = ""

    @property
    def level(self) -> int:
        """Verbosity of the event's line: action starts at V3, everything else always shown."""
        return 3 if self.kind == "action-started" else 0

    def text(self) -> str:
        """One line for the user."""
        state = self.state.removeprefix("STATE_").lower()
        if self.kind == "workflow-state":
            return f"Machine {self.machine}: provisioning workflow {self.workflow} is {state}"
        where = ""
        if self.action_index is not None and self.total_actions:
            where = f" {self.action_index + 1}/{self.total_actions}"
        head = f"Machine {self.machine}: action{where} {self.action!r}"
        took = f" {self.duration:.0f}s" if self.duration is not None else ""
        if self.kind == "action-started":
            return f"{head} started"
        if self.kind == "action-succeeded":
            return f"{head} succeeded" + (f" in{took}" if took else "")
        verb = "timed out" if self.kind == "action-timed-out" else "failed"
        return f"{head} {verb}" + (f" after{took}" if took else "") + (f": {self.message}" if self.message else "")

    def details(self) -> dict[str, Any]:
        """Plain data of the event (what a ``progress`` workflow event carries)."""
        out: dict[str, Any] = {"machine": self.machine, "workflow": self.workflow, "event": self.kind,
                               "state": self.state}
        for key in ("action", "action_index", "total_actions", "duration"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.message:
            out["message"] = self.message
        return out


@attrs.define
class FollowResult:
    """Final workflow state per machine (``STATE_SUCCESS``, ``STATE_FAILED``, ``STATE_TIMEOUT``; machines still
    provisioning when the follow ended are absent) and every event sent."""

    final: dict[str, str] = attrs.field(factory=dict)
    events: list[ProvisioningEvent] = attrs.field(factory=list)

    @property
    def failed(self) -> dict[str, str]:
        """The machines whose workflow did not succeed."""
        return {m: s for m, s in self.final.items() if s != "STATE_SUCCESS"}


def _worker_id(workflow: Mapping[str, Any]) -> str:
    spec = workflow.get("spec") or {}
    hardware_map = spec.get("hardwareMap") or {}
    if hardware_map.get("device_1"):
        return str(hardware_map["device_1"])
    for task in (workflow.get("status") or {}).get("tasks") or []:
        if task.get("worker"):
            return str(task["worker"])
    return ""


def cluster_workflows(kube: KubeClient, cluster_name: str,
                      namespace: str = HARDWARE_NAMESPACE) -> list[MachineWorkflow]:
    """The workflows of ``cluster_name``'s machines in ``namespace`` (see the module docstring), by machine."""
    out: list[MachineWorkflow] = []
    owners: dict[str, bool] = {}
    for wf in kube.list(WORKFLOW_API_VERSION, "Workflow", namespace):
        meta = wf.get("metadata") or {}
        name = str(meta.get("name") or "")
        ours = (meta.get("labels") or {}).get(CLUSTER_NAME_LABEL) == cluster_name
        if not ours:
            for ref in meta.get("ownerReferences") or []:
                if ref.get("kind") != "TinkerbellMachine":
                    continue
                owner = str(ref.get("name") or "")
                if owner not in owners:
                    machine = kube.get_or_none(str(ref.get("apiVersion") or TINKERBELL_MACHINE_API_VERSION),
                                               "TinkerbellMachine", owner, namespace)
                    labels = ((machine or {}).get("metadata") or {}).get("labels") or {}
                    owners[owner] = labels.get(CLUSTER_NAME_LABEL) == cluster_name
                ours = ours or owners[owner]
        if not ours:
            continue
        machine_name = str((wf.get("spec") or {}).get("hardwareRef") or name)
        out.append(MachineWorkflow(machine=machine_name, namespace=namespace, name=name, worker_id=_worker_id(wf)))
    return sorted(out, key=lambda m: m.machine)


@attrs.define
class _Machine:
    """What was last seen of one machine."""

    workflow: MachineWorkflow
    state: str = ""
    actions: list[WorkflowAction] = attrs.field(factory=list)
    action_states: dict[int, str] = attrs.field(factory=dict)
    started_at: dict[int, float] = attrs.field(factory=dict)
    final: bool = False


class WorkflowFollower:
    """Follows the workflows of a cluster's machines (see the module docstring).

    :param tink: the tink-server client. :param kube: a client of the cluster holding the Workflow objects.
    :param cluster_name: whose machines to follow (ignored when ``workflows`` is given).
    :param emit: called with each :class:`ProvisioningEvent` (from the following thread when :meth:`start` ed).
    :param workflows: follow exactly these instead of discovering them on every poll.
    :param poll_interval: seconds between polls when following in the background or with :meth:`follow`.
    """

    def __init__(self, tink: TinkerbellClient, kube: KubeClient, cluster_name: str, *,
                 emit: Callable[[ProvisioningEvent], None] | None = None, namespace: str = HARDWARE_NAMESPACE,
                 workflows: Sequence[MachineWorkflow] | None = None, poll_interval: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.tink = tink
        self.kube = kube
        self.cluster_name = cluster_name
        self.namespace = namespace
        self.poll_interval = poll_interval
        self.result = FollowResult()
        self._emit = emit
        self._fixed = list(workflows) if workflows is not None else None
        self._clock = clock
        self._machines: dict[str, _Machine] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: Any = None
        self._warned = False

    # -- one poll ------------------------------------------------------------------------------------------

    def poll(self) -> list[ProvisioningEvent]:
        """Look at every followed workflow once; return (and emit) the events of what changed."""
        workflows = self._fixed if self._fixed is not None else cluster_workflows(self.kube, self.cluster_name,
                                                                                   self.namespace)
        events: list[ProvisioningEvent] = []
        for wf in workflows:
            seen = self._machines.setdefault(wf.machine, _Machine(wf))
            if seen.final or self._stop.is_set():
                continue
            events += self._observe(seen)
        for event in events:
            self.result.events.append(event)
            if self._emit is not None:
                self._emit(event)
        return events

    def _context(self, wf: MachineWorkflow) -> Any:
        """The worker's context of this workflow from tink-server's stream (``None`` when not served)."""
        if not wf.worker_id:
            return None
        found = None
        stream = self.tink.workflow_contexts(wf.worker_id)
        self._stream = stream
        try:
            with stream:
                for context in stream:
                    if context.workflow_id == wf.workflow_id:
                        found = context
        finally:
            self._stream = None
        return found

    def _observe(self, seen: _Machine) -> list[ProvisioningEvent]:
        wf = seen.workflow
        obj = self.kube.get_or_none(WORKFLOW_API_VERSION, "Workflow", wf.name, wf.namespace)
        if obj is None:
            return []
        status = obj.get("status") or {}
        state = str(status.get("state") or "")
        recorded = [a for task in status.get("tasks") or [] for a in task.get("actions") or []]
        if not seen.actions and recorded:
            seen.actions = self.tink.workflow_actions(wf.workflow_id)
        context = self._context(wf) if state in ("STATE_PENDING", "STATE_RUNNING") else None
        now = self._clock()
        total = len(seen.actions) or len(recorded) or None
        events: list[ProvisioningEvent] = []
        states: dict[int, str] = {i: str(a.get("status") or "STATE_PENDING") for i, a in enumerate(recorded)}
        if context is not None and context.current_action_index < len(recorded):
            states[context.current_action_index] = context.current_action_state.value
        for index in sorted(states):
            new, old = states[index], seen.action_states.get(index, "STATE_PENDING")
            if new == old:
                continue
            name = seen.actions[index].name if index < len(seen.actions) else str(recorded[index].get("name"))
            action = recorded[index] if index < len(recorded) else {}
            if new == "STATE_RUNNING" or (new in _FINAL and old == "STATE_PENDING"):
                seen.started_at.setdefault(index, now)
                events.append(ProvisioningEvent(wf.machine, wf.workflow_id, "action-started", "STATE_RUNNING",
                                                name, index, total))
            if new in _FINAL:
                seconds = action.get("seconds")
                duration = float(seconds) if seconds else now - seen.started_at.get(index, now)
                kind = {"STATE_SUCCESS": "action-succeeded", "STATE_FAILED": "action-failed",
                        "STATE_TIMEOUT": "action-timed-out"}[new]
                events.append(ProvisioningEvent(wf.machine, wf.workflow_id, kind, new, name, index, total,
                                                duration, str(action.get("message") or "")))
            seen.action_states[index] = new
        if state and state != seen.state and state not in ("STATE_PREPARING", "STATE_POST"):
            events.append(ProvisioningEvent(wf.machine, wf.workflow_id, "workflow-state", state,
                                            total_actions=total))
        if state:
            seen.state = state
        if state in _FINAL:
            seen.final = True
            self.result.final[wf.machine] = state
        return events

    # -- following -----------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether every followed workflow reached a final state (and at least one was seen)."""
        return bool(self._machines) and all(m.final for m in self._machines.values())

    def follow(self, timeout: float, *, sleep: Callable[[float], None] = time.sleep) -> FollowResult:
        """Poll until every workflow is final or ``timeout`` seconds passed; return :attr:`result`."""
        deadline = self._clock() + timeout
        while not self._stop.is_set():
            self.poll()
            if self.done or self._clock() >= deadline:
                break
            sleep(self.poll_interval)
        return self.result

    def start(self) -> WorkflowFollower:
        """Follow in a background thread until :meth:`stop` (errors are logged, never raised)."""
        self._thread = threading.Thread(target=self._run, name="tinkerbell-workflow-follower", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        from .tinkerbell_grpc import TinkerbellError

        while not self._stop.is_set():
            try:
                self.poll()
            except (TinkerbellError, KubeError, OSError, RuntimeError) as exc:
                if not self._warned:
                    log.warning("Cannot follow the Tinkerbell workflows (will retry): %s", exc)
                    self._warned = True
            except Exception:  # the follower only reports: nothing it meets may stop the workflow
                log.exception("following the Tinkerbell workflows failed (will retry)")
            if self.done:
                return
            self._stop.wait(self.poll_interval)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop following: cancel an open stream, end the thread (one last poll is not made)."""
        self._stop.set()
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None



# ---------------------------------------------------------------------------------------------------------------
# The hook: follow the machines while the workflow waits for the cluster
# ---------------------------------------------------------------------------------------------------------------

TINK_SERVER_PORT = 42113


def tink_server_target(spec: Spec, cluster: ClusterHandle, context: HookContext) -> str:
    """Where tink-server serves the cluster's workflows: the ``grpc_target`` of the call's
    :class:`~eksa_baremetal.settings.TinkerbellSettings` when given;
    on the bootstrap cluster of a management cluster the bootstrap IP, else the datacenter's ``tinkerbellIP``;
    port 42113."""
    given = settings_of(context).grpc_target
    if given:
        return str(given)
    from .lifecycle import _datacenter, bootstrap_ip

    if spec.cluster.is_self_managed() and cluster.name != spec.name:
        return f"{bootstrap_ip(spec, context)}:{TINK_SERVER_PORT}"
    return f"{_datacenter(spec).spec.tinkerbell_ip or ''}:{TINK_SERVER_PORT}"


class ProvisioningWatch:
    """What :func:`eksa_watch_provisioning` returns: a started :class:`WorkflowFollower` reporting through
    ``context.progress``, stopped (stream cancelled, channel closed) by :meth:`stop`."""

    def __init__(self, follower: WorkflowFollower, tink: TinkerbellClient) -> None:
        self.follower = follower
        self.tink = tink

    def stop(self) -> None:
        """Stop following and close the connection to tink-server."""
        try:
            self.follower.stop()
        finally:
            self.tink.close()


@hookimpl
def eksa_watch_provisioning(spec: Spec, cluster: ClusterHandle, context: HookContext) -> ProvisioningWatch | None:
    """Follow the Tinkerbell workflows of the cluster's machines while the workflow waits for the cluster, and
    report each change as a ``progress`` event (see :class:`ProvisioningEvent`). In a dry run only recorded.

    Settings (:class:`~eksa_baremetal.settings.TinkerbellSettings`): ``grpc_target`` (``host:port``), ``grpc_tls``
    (a :class:`~eksa_baremetal.tinkerbell_grpc.TLSOptions`), ``poll_interval`` (seconds, default 5).
    """
    from .lifecycle import _ours

    if not _ours(spec):
        return None
    target = tink_server_target(spec, cluster, context)
    context.record("follow-tinkerbell-workflows", cluster=cluster.name, target=target)
    if context.dry_run:
        return None
    from .tinkerbell_grpc import TinkerbellClient

    tuned = settings_of(context)
    tink = TinkerbellClient(target, tls=tuned.grpc_tls)

    def emit(event: ProvisioningEvent) -> None:
        context.progress(event.text(), level=event.level, **event.details())

    follower = WorkflowFollower(tink, context.kube(cluster), spec.name, emit=emit,
                                poll_interval=float(tuned.poll_interval or 5.0))
    return ProvisioningWatch(follower.start(), tink)
