"""Cluster operations shared by the workflows: render, apply-and-wait, kubeconfig, move, delete, backup.

Apply-and-wait follows EKS Anywhere (``pkg/clustermanager/applier.go``): server-side apply with field manager
``eks-a-cli`` (ownership forced), then wait for the Cluster's failure message to stay empty (``status.failureMessage``
up to Cluster API v1beta1, ``status.deprecated.v1beta1.failureMessage`` in v1beta2), then for the cluster to be
ready within one total budget, failing with EKS Anywhere's texts.

EKS Anywhere waits on the conditions its own controller sets on its own Cluster (``ControlPlaneReady``,
``DefaultCNIConfigured``, ``WorkersReady``, ``Ready``). This SDK renders the Cluster API objects on the client, with
the provider's template hooks, and no EKS Anywhere controller sets those, so it waits on what the Cluster API
controllers themselves set: the v1beta2 conditions of the Cluster API ``Cluster`` (``ControlPlaneAvailable``,
``WorkersAvailable``, ``Available``), then the rollout of each KubeadmControlPlane and MachineDeployment applied
(its controller has observed the current spec, and every desired replica exists, is up to date and available),
so an upgrade waits until its machines have rolled. ``WorkflowOptions.wait_conditions`` renames the conditions for
controllers that publish other ones. When the target cluster serves the EKS Anywhere kinds (the
EKS-A CRDs are installed), the spec's EKS Anywhere objects are applied too, as the record of the spec.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..capi import machine_health_checks
from ..capi.constants import CLUSTER_NAME_LABEL
from ..context import ClusterHandle
from ..convert import unstructure
from ..errors import EksaError
from ..files import PUBLIC, write_file_atomic
from ..kube import without_nulls
from ..kube.errors import KubeError, KubeFailureMessageError, KubeNotFoundError
from ..plugins import ProviderInfo, TemplateOptions
from ..yamlio import dump_plain_all
from .context import redact_manifest

if TYPE_CHECKING:
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = [
    "CAPI_GROUP",
    "CLUSTER_CONDITIONS",
    "CONTROL_PLANE_CONDITIONS",
    "EKSA_API_VERSION",
    "SYSTEM_NAMESPACE",
    "apply_and_wait",
    "capi_cluster_ref",
    "delete_cluster",
    "eksa_objects",
    "failure_message_path",
    "increment_template_name",
    "move_capi",
    "render_manifests",
    "rollout_state",
    "write_kubeconfig",
]

log = logging.getLogger("eksa.workflows")

SYSTEM_NAMESPACE = "eksa-system"
CAPI_GROUP = "cluster.x-k8s.io"
EKSA_API_VERSION = "anywhere.eks.amazonaws.com/v1alpha1"
FIELD_MANAGER = "eks-a-cli"

MANAGED_BY_CLI = "anywhere.eks.amazonaws.com/managed-by-cli"
PAUSED = "anywhere.eks.amazonaws.com/paused"
ALLOW_DELETE_WHEN_PAUSED = "anywhere.eks.amazonaws.com/allow-delete-when-paused"
CLUSTER_FINALIZER = "clusters.anywhere.eks.amazonaws.com/finalizer"  # EKS Anywhere's, on its Cluster
MANAGEMENT_COMPONENTS_VERSION = "anywhere.eks.amazonaws.com/management-components-version"

CONDITION_ERRORS = {
    "ControlPlaneAvailable": "waiting for cluster's control plane to be ready",
    "WorkersAvailable": "waiting for cluster's workers to be ready",
    "Available": "waiting for cluster to be ready",
    # EKS Anywhere's own Cluster conditions (for WorkflowOptions.wait_conditions naming them)
    "ControlPlaneReady": "waiting for cluster's control plane to be ready",
    "DefaultCNIConfigured": "waiting for cluster's CNI to be configured",
    "WorkersReady": "waiting for cluster's workers to be ready",
    "Ready": "waiting for cluster to be ready",
}

CLUSTER_CONDITIONS = ("ControlPlaneAvailable", "WorkersAvailable", "Available")
"""The Cluster API v1beta2 ``Cluster`` conditions waited for, in order (set by Cluster API's cluster controller from
the control plane's and the MachineDeployments' own ``Available`` conditions and its remote connection probe)."""

CONTROL_PLANE_CONDITIONS = ("ControlPlaneAvailable",)
"""The conditions waited for after applying the control plane alone (a Kubernetes version upgrade's first half)."""

ROLLOUT_KINDS = {
    "KubeadmControlPlane": "waiting for cluster's control plane to be ready",
    "MachineDeployment": "waiting for cluster's workers to be ready",
}
"""The replicated objects whose rollout is waited for after the conditions, with EKS Anywhere's text for each."""


class ClusterOperationError(EksaError):
    """A cluster operation (wait, kubeconfig, delete, move) failed; the message uses EKS Anywhere's text."""


# -------------------------------------------------------------------------------------------------- render


def render_manifests(
    ctx: WorkflowContext,
    spec: Spec,
    *,
    control_plane_template_name: str | None = None,
    etcd_template_name: str | None = None,
    machine_template_names: dict[str, str] | None = None,
    kubeadm_config_template_names: dict[str, str] | None = None,
    plan_file: str | None = None,
) -> list[dict[str, Any]]:
    """The Cluster API objects of ``spec`` from the provider's template hooks (control plane, then workers).

    Secret values are added to the redactor. In a dry run (or when ``plan_file`` is given) the manifests are
    written, Secrets redacted, to ``<cluster>/generated/plan/<plan_file>`` and the file is recorded.
    """
    control_plane, workers = render_manifest_parts(
        ctx, spec, control_plane_template_name=control_plane_template_name, etcd_template_name=etcd_template_name,
        machine_template_names=machine_template_names, kubeadm_config_template_names=kubeadm_config_template_names)
    manifests = [*control_plane, *workers]
    if not manifests:
        raise ClusterOperationError(f"provider {ctx.provider.info.name} rendered no Cluster API objects for "
                                    f"cluster {spec.name}")
    ctx.redact.add_manifests(manifests)
    if ctx.dry_run and plan_file:
        write_plan_file(ctx, plan_file, manifests)
    return manifests


def render_manifest_parts(
    ctx: WorkflowContext,
    spec: Spec,
    *,
    control_plane_template_name: str | None = None,
    etcd_template_name: str | None = None,
    machine_template_names: dict[str, str] | None = None,
    kubeadm_config_template_names: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Cluster API objects of ``spec`` in two parts: the control plane's (``eksa_generate_control_plane``:
    the CAPI Cluster, infrastructure cluster, control plane, etcd and their machine templates) and the worker
    groups' (``eksa_generate_workers``). Nothing is written or redacted here (see :func:`render_manifests`)."""
    options = TemplateOptions(control_plane_template_name=control_plane_template_name,
                              etcd_template_name=etcd_template_name)
    control_plane = ctx.hooks.generate_control_plane(spec, options, ctx.hook_context)
    workers = ctx.hooks.generate_workers(spec, machine_template_names, kubeadm_config_template_names, options,
                                         ctx.hook_context)
    return [dict(o) for o in control_plane], [dict(o) for o in workers]


def write_plan_file(ctx: WorkflowContext, name: str, manifests: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``manifests`` (Secrets redacted) to ``generated/plan/<name>`` and return the path."""
    plan_dir = ctx.plan_dir or ctx.generated_dir / "plan"
    plan_dir.mkdir(parents=True, exist_ok=True)
    path = plan_dir / name
    # masked value by value, never as text: apart from Secret data (and a secret some other object embeds, such as
    # a registry mirror's credentials in a node file) the plan is exactly what would be applied
    text = dump_plain_all([ctx.redact.redact_data(redact_manifest(without_nulls(m))) for m in manifests])
    # 0644 for review: nothing secret is left in it; not flushed to disk (two fsyncs per file): a plan is made again
    # by running the command again, and the rename still never shows a half-written file
    write_file_atomic(path, text, mode=PUBLIC, durable=False)
    return path


def eksa_objects(spec: Spec, *, annotations: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The spec's EKS Anywhere objects as Kubernetes objects (namespace defaulted to ``default``); the
    ``Cluster`` gets ``annotations``."""
    out: list[dict[str, Any]] = []
    namespace = spec.cluster.namespace or "default"
    for obj in spec.config.objects:
        data = unstructure(obj)
        meta = data.setdefault("metadata", {})
        meta.setdefault("namespace", namespace)
        for server_field in ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"):
            meta.pop(server_field, None)
        data.pop("status", None)
        if obj.kind == "Cluster" and annotations:
            meta.setdefault("annotations", {}).update(annotations)
        out.append(data)
    return out


def capi_cluster_ref(manifests: Iterable[Mapping[str, Any]], name: str) -> tuple[str, str]:
    """``(apiVersion, namespace)`` of the Cluster API ``Cluster`` called ``name`` among ``manifests``."""
    for obj in manifests:
        api_version = str(obj.get("apiVersion", ""))
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Cluster" and api_version.split("/")[0] == CAPI_GROUP and meta.get("name") == name:
            return api_version, str(meta.get("namespace") or SYSTEM_NAMESPACE)
    raise ClusterOperationError(f"the rendered manifests contain no Cluster API Cluster named {name}")


def wait_conditions(ctx: WorkflowContext, spec: Spec) -> tuple[str, ...]:
    """The Cluster conditions waited for, in order (:data:`CLUSTER_CONDITIONS` unless the options name others)."""
    if ctx.options.wait_conditions is not None:
        return ctx.options.wait_conditions
    return CLUSTER_CONDITIONS


# ---------------------------------------------------------------------------------------------- apply/wait


def failure_message_path(api_version: str) -> str:
    """Where a Cluster API ``Cluster`` of ``api_version`` keeps its failure message.

    Cluster API v1beta2 moved it under ``status.deprecated.v1beta1`` (its schema has no ``status.failureMessage``:
    a real server prunes that field), earlier versions keep ``status.failureMessage``."""
    version = api_version.rpartition("/")[2]
    if version.startswith("v1alpha") or version == "v1beta1":
        return "status.failureMessage"
    return "status.deprecated.v1beta1.failureMessage"


def apply_and_wait(
    ctx: WorkflowContext,
    cluster: ClusterHandle,
    spec: Spec,
    manifests: Sequence[Mapping[str, Any]],
    *,
    eksa_annotations: Mapping[str, str] | None = None,
    plan_file: str | None = None,
    conditions: Sequence[str] | None = None,
    health_checks: bool = True,
    capi_ref: tuple[str, str] | None = None,
    after_control_plane: Callable[[], None] | None = None,
) -> None:
    """Apply the spec's objects to ``cluster`` (the management or bootstrap cluster) and wait until ready.

    ``conditions`` are the CAPI Cluster conditions waited for (default :func:`wait_conditions`);
    ``health_checks`` applies the MachineHealthChecks once they hold; ``capi_ref`` (API version, namespace) of the
    CAPI Cluster waited on, when ``manifests`` do not hold it (worker objects only); ``after_control_plane`` is
    called once the control plane's conditions hold and before any other is waited for (or after the last, when
    all are the control plane's): where the workflows install the CNI, which the workers need to become ready."""
    kube = ctx.kube(cluster)
    kube.create_namespace(SYSTEM_NAMESPACE)
    namespace = spec.cluster.namespace or "default"
    if namespace != "default":
        kube.create_namespace(namespace)
    if kube.has_kind(EKSA_API_VERSION, "Cluster"):
        kube.apply(eksa_objects(spec, annotations=eksa_annotations), field_manager=FIELD_MANAGER, force=True)
    kube.apply(list(manifests), field_manager=FIELD_MANAGER, force=True)
    if plan_file and ctx.plan_dir is not None:
        ctx.record("apply", cluster=cluster.name, file=str(ctx.plan_dir / plan_file),
                   objects=len(manifests))
    api_version, capi_namespace = capi_ref or capi_cluster_ref(manifests, spec.name)
    timeouts = ctx.options.timeouts
    try:
        kube.wait_for_field_empty(api_version, "Cluster", spec.name, capi_namespace, failure_message_path(api_version),
                                  timeout=timeouts.failure_message, poll_interval=timeouts.poll_interval)
    except KubeFailureMessageError as exc:
        raise ClusterOperationError(str(exc)) from exc
    watch = ctx.hooks.watch_provisioning(spec, cluster, ctx.hook_context)
    try:
        _wait_ready(ctx, kube, spec, api_version, capi_namespace, conditions, manifests, cluster.name,
                    after_control_plane)
    finally:
        if watch is not None:
            try:
                watch.stop()
            except Exception:  # a watch only reports: it never fails the workflow
                log.exception("stopping the provisioning watch failed (ignored)")
    if not health_checks:
        return
    # Machine health checks once the machines exist (EKS-A's controller installs them after the cluster is up).
    checks = machine_health_checks(spec.cluster)
    kube.apply(checks, field_manager=FIELD_MANAGER, force=True)
    ctx.record("apply", cluster=cluster.name, objects=[f"MachineHealthCheck/{c['metadata']['name']}" for c in checks])


#: Which budget of :class:`~eksa_core.workflows.context.Timeouts` each wait takes ("machines": ``per_machine``
#: times the machine count); conditions not named here take only the overall cap.
_STEP_BUDGET = {"ControlPlaneAvailable": "control_plane", "ControlPlaneReady": "control_plane",
                "KubeadmControlPlane": "control_plane", "WorkersAvailable": "machines", "WorkersReady": "machines",
                "Available": "machines", "Ready": "machines", "MachineDeployment": "machines",
                "EtcdadmCluster": "external_etcd"}


#: The conditions saying the control plane is up; the ``after_control_plane`` step runs once they hold.
_CONTROL_PLANE_STEPS = frozenset({"ControlPlaneAvailable", "ControlPlaneReady"})


def machine_count(spec: Spec) -> int:
    """The machines of the cluster: control plane count plus every worker group's count (at least 1)."""
    cluster = spec.cluster
    cp = cluster.spec.control_plane_configuration
    count = int((cp.count if cp is not None else None) or 1)
    count += sum(int(g.count or 0) for g in cluster.worker_groups())
    return max(count, 1)


def _wait_ready(ctx: WorkflowContext, kube: Any, spec: Spec, api_version: str, capi_namespace: str,
                conditions: Sequence[str] | None, manifests: Sequence[Mapping[str, Any]] = (),
                cluster_name: str | None = None, after_control_plane: Callable[[], None] | None = None) -> None:
    """Wait for the external etcd (each EtcdadmCluster among ``manifests`` ready), the Cluster's ``conditions``
    (default :func:`wait_conditions`), then for the rollout of the KubeadmControlPlanes and MachineDeployments
    among ``manifests``; each wait within its own budget (``timeouts.external_etcd``, ``timeouts.control_plane``,
    or ``timeouts.per_machine`` times :func:`machine_count`), and all of them within ``timeouts.cluster_ready``
    when that is set. ``after_control_plane`` runs before the first condition not about the control plane (or
    after the conditions, when all are)."""
    timeouts = ctx.options.timeouts
    clock = getattr(kube, "clock", time.monotonic)
    start = clock()
    machines = machine_count(spec)

    def budget(step: str) -> float:
        kind = _STEP_BUDGET.get(step)
        own = (timeouts.control_plane if kind == "control_plane"
               else timeouts.external_etcd if kind == "external_etcd"
               else timeouts.per_machine * machines if kind == "machines" and timeouts.per_machine is not None
               else None)
        if timeouts.cluster_ready is None:
            overall = float("inf")
        elif ctx.dry_run:  # nothing waits in a dry run: the plan shows the whole budget
            overall = timeouts.cluster_ready
        else:
            overall = max(0.0, timeouts.cluster_ready - (clock() - start))
        return min(overall, float("inf") if own is None else own)

    for obj in manifests:  # EKS Anywhere waits for the external etcd first: the control plane needs it
        if obj.get("kind") != "EtcdadmCluster":
            continue
        meta = obj.get("metadata") or {}
        name, namespace = str(meta.get("name")), str(meta.get("namespace") or SYSTEM_NAMESPACE)
        if ctx.dry_run:
            ctx.record("wait-for-external-etcd", cluster=cluster_name, object=f"EtcdadmCluster/{name}",
                       timeout=budget("EtcdadmCluster"))
            continue
        _wait_external_etcd(ctx, kube, str(obj["apiVersion"]), name, namespace, budget("EtcdadmCluster"))
    pending_hook = after_control_plane
    for condition in (wait_conditions(ctx, spec) if conditions is None else conditions):
        if pending_hook is not None and condition not in _CONTROL_PLANE_STEPS:
            pending_hook()
            pending_hook = None
        try:
            kube.wait_for_condition(api_version, "Cluster", spec.name, capi_namespace, condition,
                                    timeout=budget(condition), poll_interval=timeouts.poll_interval)
        except KubeError as exc:
            text = CONDITION_ERRORS.get(condition, f"waiting for cluster condition {condition}")
            raise ClusterOperationError(f"{text}: {exc}") from exc
    if pending_hook is not None:
        pending_hook()
    for obj in manifests:
        kind = str(obj.get("kind"))
        if kind not in ROLLOUT_KINDS:
            continue
        meta = obj.get("metadata") or {}
        name, namespace = str(meta.get("name")), str(meta.get("namespace") or SYSTEM_NAMESPACE)
        if ctx.dry_run:
            ctx.record("wait-for-rollout", cluster=cluster_name, object=f"{kind}/{name}",
                       timeout=budget(kind))
            continue
        _wait_rolled_out(ctx, kube, str(obj["apiVersion"]), kind, name, namespace, budget(kind))


def rollout_state(obj: Mapping[str, Any] | None) -> str | None:
    """``None`` when the replicated object (KubeadmControlPlane, MachineDeployment) has rolled out: its controller
    observed the current generation and every desired replica exists, is up to date and available (no more, no
    fewer); otherwise what is still missing, in words. Reads v1beta2 status fields, falling back to v1beta1's."""
    if obj is None:
        return "the object does not exist"
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if generation is not None and (observed is None or int(observed) < int(generation)):
        return f"generation {generation} not observed yet (observed: {observed if observed is not None else 'none'})"
    desired = (obj.get("spec") or {}).get("replicas")
    if desired is None:
        return "no desired replica count in spec.replicas"
    counts = {
        "replicas": status.get("replicas"),
        "up to date": status.get("upToDateReplicas", status.get("updatedReplicas")),
        "available": status.get("availableReplicas", status.get("readyReplicas")),
    }
    wrong = {k: v for k, v in counts.items() if int(v or 0) != int(desired)}
    if not wrong:
        return None
    return f"{int(desired)} desired, " + ", ".join(f"{int(v or 0)} {k}" for k, v in counts.items())


def _wait_rolled_out(ctx: WorkflowContext, kube: Any, api_version: str, kind: str, name: str, namespace: str,
                     timeout: float) -> None:
    clock = getattr(kube, "clock", time.monotonic)
    sleep = getattr(kube, "sleep", time.sleep)
    poll = ctx.options.timeouts.poll_interval
    start = clock()
    while True:
        state = rollout_state(kube.get_or_none(api_version, kind, name, namespace))
        if state is None:
            return
        waited = clock() - start
        if waited >= timeout:
            raise ClusterOperationError(f"{ROLLOUT_KINDS[kind]}: timed out after {waited:g}s waiting for {kind} "
                                        f"{namespace}/{name} to roll out; last seen: {state}")
        sleep(max(0.0, min(poll, timeout - waited)))


def external_etcd_state(obj: Mapping[str, Any] | None) -> str | None:
    """``None`` when the EtcdadmCluster is ready as the etcdadm controller reports it (``status.ready``), else
    what is still missing, in words."""
    if obj is None:
        return "the object does not exist"
    status = obj.get("status") or {}
    if status.get("ready") is True:
        return None
    not_true = [f"{c.get('type')}={c.get('status')}" for c in status.get("conditions") or []
                if c.get("status") != "True"]
    return "not ready" + (f" ({', '.join(not_true)})" if not_true else "")


def _wait_external_etcd(ctx: WorkflowContext, kube: Any, api_version: str, name: str, namespace: str,
                        timeout: float) -> None:
    clock = getattr(kube, "clock", time.monotonic)
    sleep = getattr(kube, "sleep", time.sleep)
    poll = ctx.options.timeouts.poll_interval
    start = clock()
    while True:
        state = external_etcd_state(kube.get_or_none(api_version, "EtcdadmCluster", name, namespace))
        if state is None:
            return
        waited = clock() - start
        if waited >= timeout:
            raise ClusterOperationError(f"waiting for external etcd for workload cluster to be ready: timed out "
                                        f"after {waited:g}s waiting for EtcdadmCluster {namespace}/{name}; last "
                                        f"seen: {state}")
        sleep(max(0.0, min(poll, timeout - waited)))


def write_kubeconfig(ctx: WorkflowContext, management: ClusterHandle, spec: Spec) -> Path:
    """Fetch ``<cluster>-kubeconfig`` from the management cluster and write it (0600) to
    ``<cluster>/<cluster>-eks-a-cluster.kubeconfig``."""
    path = ctx.kubeconfig_path
    if ctx.dry_run:
        ctx.record("write-file", path=str(path), mode="0600", source=f"Secret {SYSTEM_NAMESPACE}/{spec.name}"
                   "-kubeconfig")
        return path
    kube = ctx.kube(management)
    secret = kube.get_or_none("v1", "Secret", f"{spec.name}-kubeconfig", SYSTEM_NAMESPACE)
    if secret is None:
        raise ClusterOperationError(f"the kubeconfig secret {SYSTEM_NAMESPACE}/{spec.name}-kubeconfig of cluster "
                                    f"{spec.name} does not exist on {management.name}")
    data = (secret.get("data") or {}).get("value")
    if not data:
        raise ClusterOperationError(f"the kubeconfig secret of cluster {spec.name} has no value")
    text = base64.b64decode(data).decode()
    text = ctx.hooks.update_kubeconfig(kubeconfig=text, cluster_name=spec.name) or text
    ctx.write_file(path, text, private=True)
    return path


# -------------------------------------------------------------------------------------------------- move


def move_kinds(manifests: Iterable[Mapping[str, Any]],
               provider: ProviderInfo | None = None) -> list[tuple[str, str]]:
    """The kinds a move searches: the kube layer's (Cluster API, kubeadm, etcdadm, core EKS Anywhere kinds) with
    the provider's movable infrastructure kinds and EKS Anywhere kinds (its registration), at the versions the
    rendered manifests use, plus the rendered kinds none of those name (before Secrets and ConfigMaps)."""
    from ..kube.move import move_kinds as kube_move_kinds

    rendered: dict[tuple[str, str], str] = {}
    for obj in manifests:
        api_version = str(obj.get("apiVersion", ""))
        rendered.setdefault((api_version.rpartition("/")[0], str(obj.get("kind"))), api_version)
    infrastructure = provider.movable_kinds if provider is not None else ()
    eksa = [(cls.API_VERSION, cls.KIND) for cls in provider.kinds] if provider is not None else []
    kinds: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for api_version, kind in kube_move_kinds(infrastructure, eksa):
        key = (api_version.rpartition("/")[0], kind)
        seen.add(key)
        kinds.append((rendered.get(key, api_version), kind))
    core_start = next(i for i, (av, _) in enumerate(kinds) if av == "v1")
    extra = [(av, kind) for key, av in rendered.items() for kind in [key[1]] if key not in seen]
    return kinds[:core_start] + extra + kinds[core_start:]


def move_capi(ctx: WorkflowContext, source: ClusterHandle, target: ClusterHandle, spec: Spec,
              manifests: Sequence[Mapping[str, Any]]) -> None:
    """Move the cluster's Cluster API objects (namespace ``eksa-system``) from ``source`` to ``target``."""
    if ctx.dry_run:
        ctx.record("move", source=source.name, target=target.name, namespace=SYSTEM_NAMESPACE,
                   cluster_name=spec.name)
        return
    from ..kube.move import move

    move(ctx.kube(source), ctx.kube(target), namespace=SYSTEM_NAMESPACE, cluster_name=spec.name,
         kinds=move_kinds(manifests, ctx.provider.info), field_manager=FIELD_MANAGER)


def copy_eksa_objects(ctx: WorkflowContext, target: ClusterHandle, spec: Spec,
                      annotations: Mapping[str, str] | None = None) -> bool:
    """Apply the spec's EKS Anywhere objects to ``target`` when it serves them; return whether it did."""
    kube = ctx.kube(target)
    kube.invalidate_discovery()
    if not kube.has_kind(EKSA_API_VERSION, "Cluster"):
        return False
    namespace = spec.cluster.namespace or "default"
    if namespace != "default":
        kube.create_namespace(namespace)
    kube.apply(eksa_objects(spec, annotations=annotations), field_manager=FIELD_MANAGER, force=True)
    return True


def annotate_eksa_objects(ctx: WorkflowContext, cluster: ClusterHandle, spec: Spec,
                          annotations: Mapping[str, str | None], *, cluster_only: bool = False) -> None:
    """Annotate the spec's EKS Anywhere objects (Cluster, datacenter, machine configs) where they exist."""
    kube = ctx.kube(cluster)
    if not kube.has_kind(EKSA_API_VERSION, "Cluster"):
        return
    namespace = spec.cluster.namespace or "default"
    objects: list[Any] = [spec.cluster]
    if not cluster_only:
        objects += [o for o in [spec.datacenter()] if o is not None] + list(spec.config.machine_configs())
    for obj in objects:
        if not kube.has_kind(EKSA_API_VERSION, obj.kind):
            continue
        if ctx.dry_run or kube.get_or_none(EKSA_API_VERSION, obj.kind, obj.name, namespace) is not None:
            kube.annotate(EKSA_API_VERSION, obj.kind, obj.name, dict(annotations), namespace)


# -------------------------------------------------------------------------------------------------- delete


def delete_cluster(ctx: WorkflowContext, cluster: ClusterHandle, spec: Spec,
                   manifests: Sequence[Mapping[str, Any]]) -> None:
    """Delete the cluster's objects from ``cluster``: the Cluster API Cluster first (its controllers tear the
    machines down), wait until it is gone, then what is left of its object graph, then the EKS-A objects."""
    from ..kube.move import discover_cluster_objects

    kube = ctx.kube(cluster)
    api_version, namespace = capi_cluster_ref(manifests, spec.name)
    graph = [] if ctx.dry_run else discover_cluster_objects(kube, namespace=namespace, cluster_name=spec.name,
                                                           kinds=move_kinds(manifests, ctx.provider.info))
    if not ctx.dry_run:
        # a delete interrupted after the Cluster went leaves its graph undiscoverable (discovery starts at the
        # Cluster): what is still labelled as the cluster's goes too
        seen = {(str(o.get("kind")), str((o.get("metadata") or {}).get("name"))) for o in graph}
        graph = _labelled(kube, move_kinds(manifests, ctx.provider.info), api_version, namespace, spec.name,
                          seen) + graph
    kube.delete(api_version, "Cluster", spec.name, namespace, ignore_not_found=True)
    if not ctx.dry_run:
        _wait_gone(ctx, kube, api_version, spec.name, namespace)
    for obj in reversed(graph):
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Cluster" and str(obj.get("apiVersion", "")).startswith(CAPI_GROUP + "/"):
            continue
        if str(obj.get("apiVersion", "")).startswith("anywhere.eks.amazonaws.com/"):
            continue
        kube.delete(str(obj["apiVersion"]), str(obj["kind"]), str(meta.get("name")), meta.get("namespace"),
                    ignore_not_found=True)
    if kube.has_kind(EKSA_API_VERSION, "Cluster"):
        eksa_namespace = spec.cluster.namespace or "default"
        for obj in reversed(spec.config.objects):
            try:
                served = kube.has_kind(EKSA_API_VERSION, obj.kind)
            except KubeError:
                served = False
            if served:
                kube.delete(EKSA_API_VERSION, obj.kind, obj.name, eksa_namespace, ignore_not_found=True)


def _labelled(kube: Any, kinds: list[tuple[str, str]], capi_version: str, namespace: str,
              cluster_name: str, seen: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Objects of the cluster's ``kinds`` (and its MachineHealthChecks) labelled ``cluster.x-k8s.io/cluster-name=
    <cluster>`` not in ``seen``."""
    out: list[dict[str, Any]] = []
    if (capi_version, "MachineHealthCheck") not in kinds:
        kinds.append((capi_version, "MachineHealthCheck"))
    for api_version, kind in kinds:
        try:
            found = kube.list(api_version, kind, namespace, label_selector={CLUSTER_NAME_LABEL: cluster_name})
        except KubeError:
            continue
        for obj in found:
            key = (str(obj.get("kind") or kind), str((obj.get("metadata") or {}).get("name")))
            if key not in seen:
                obj.setdefault("apiVersion", api_version)
                obj.setdefault("kind", kind)
                seen.add(key)
                out.append(obj)
    return out


def _wait_gone(ctx: WorkflowContext, kube: Any, api_version: str, name: str, namespace: str) -> None:
    clock = getattr(kube, "clock", time.monotonic)
    sleep = getattr(kube, "sleep", time.sleep)
    timeout = ctx.options.timeouts.delete
    start = clock()
    while True:
        try:
            if kube.get_or_none(api_version, "Cluster", name, namespace) is None:
                return
        except KubeNotFoundError:
            return
        waited = clock() - start
        if waited >= timeout:
            raise ClusterOperationError(f"deleting cluster {name}: the Cluster object is still present after "
                                        f"{waited:g}s")
        sleep(min(ctx.options.timeouts.poll_interval, max(0.0, timeout - waited)))


# ------------------------------------------------------------------------------------------- template names

_SUFFIX = re.compile(r"^(.*)-(\d+)$")


def increment_template_name(name: str) -> str:
    """``<prefix>-<n>`` → ``<prefix>-<n+1>`` (a name without a numeric suffix is an error)."""
    match = _SUFFIX.match(name)
    if match is None:
        raise ClusterOperationError(f"invalid format for template name {name}: expected a name ending in "
                                    "-<number>")
    return f"{match.group(1)}-{int(match.group(2)) + 1}"


def _dig(obj: Mapping[str, Any] | None, *paths: str) -> str | None:
    for path in paths:
        current: Any = obj
        for part in path.split("."):
            current = current.get(part) if isinstance(current, Mapping) else None
        if isinstance(current, str) and current:
            return current
    return None


def upgrade_template_names(
    ctx: WorkflowContext, cluster: ClusterHandle, current: Spec, new: Spec, probe: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Template names for an upgrade (§5): keep the names the live objects use, incrementing the numeric suffix
    where the provider says the machines must roll. ``probe`` is a render with default names (for kinds)."""
    kube = ctx.kube(cluster)
    by_kind = {(str(o.get("kind")), str((o.get("metadata") or {}).get("name"))): o for o in probe}
    names: dict[str, Any] = {"machine_template_names": {}, "kubeadm_config_template_names": {}}

    def live(kind: str, name: str) -> Mapping[str, Any] | None:
        rendered = by_kind.get((kind, name))
        if rendered is None:
            return None
        meta = rendered.get("metadata") or {}
        return kube.get_or_none(str(rendered["apiVersion"]), kind, name, meta.get("namespace") or SYSTEM_NAMESPACE)

    def decide(current_name: str | None, role: str, group: str | None) -> str | None:
        if current_name is None:
            return None
        needs = ctx.hooks.needs_new_machine_templates(current, new, role, group)
        return increment_template_name(current_name) if needs else current_name

    kcp = live("KubeadmControlPlane", new.name)
    names["control_plane_template_name"] = decide(
        _dig(kcp, "spec.machineTemplate.spec.infrastructureRef.name", "spec.machineTemplate.infrastructureRef.name"),
        "control-plane", None)
    etcd = live("EtcdadmCluster", f"{new.name}-etcd")
    names["etcd_template_name"] = decide(_dig(etcd, "spec.infrastructureTemplate.name"), "etcd", None)
    for group in new.cluster.worker_groups():
        md = live("MachineDeployment", f"{new.name}-{group.name}")
        machine = decide(_dig(md, "spec.template.spec.infrastructureRef.name"), "workers", group.name)
        config_name = _dig(md, "spec.template.spec.bootstrap.configRef.name")
        if machine is not None and group.name:
            names["machine_template_names"][group.name] = machine
        if config_name is not None and group.name:
            changed = machine is not None and machine != _dig(md, "spec.template.spec.infrastructureRef.name")
            names["kubeadm_config_template_names"][group.name] = (
                increment_template_name(config_name) if changed else config_name)
    for key in ("machine_template_names", "kubeadm_config_template_names"):
        if not names[key]:
            names[key] = None
    return names


# -------------------------------------------------------------------------------------------------- backup


def backup_cluster(ctx: WorkflowContext, cluster: ClusterHandle, spec: Spec,
                   manifests: Sequence[Mapping[str, Any]], backup_dir: Path) -> int:
    """Write the cluster's object graph to ``backup_dir`` (``clusterctl move --to-directory``); files are 0600
    (they hold the cluster's secrets). Returns the number of objects written."""
    if ctx.dry_run:
        ctx.record("backup", cluster=cluster.name, directory=str(backup_dir))
        return 0
    from ..kube.move import discover_cluster_objects

    objects = discover_cluster_objects(ctx.kube(cluster), namespace=SYSTEM_NAMESPACE, cluster_name=spec.name,
                                       kinds=move_kinds(manifests, ctx.provider.info))
    backup_dir.mkdir(parents=True, exist_ok=True)
    os_chmod(backup_dir, 0o700)
    for obj in objects:
        meta = obj.get("metadata") or {}
        name = f"{obj.get('kind')}_{meta.get('namespace')}_{meta.get('name')}.yaml"
        ctx.write_file(backup_dir / name, yaml.safe_dump(obj, sort_keys=False), private=True)
    return len(objects)


def os_chmod(path: Path, mode: int) -> None:
    import os

    os.chmod(path, mode)
