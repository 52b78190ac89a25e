"""Machine hooks of the bare metal (Tinkerbell) provider: the spec's machine configs, whether an upgrade rolls new
machines, and releasing a deleted cluster's hardware."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import KubeError, unstructure

from .hardware import HARDWARE_NAMESPACE, OWNER_NAME_LABEL
from .models import MACHINE_KIND, TinkerbellDatacenterConfig, TinkerbellMachineConfig

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, KubeClient, Spec

__all__ = [
    "CLUSTER_NAME_LABEL",
    "CONTROL_PLANE_ANNOTATION",
    "ETCD_ANNOTATION",
    "MANAGED_BY_ANNOTATION",
    "OWNER_NAMESPACE_LABEL",
    "cluster_machine_patterns",
    "eksa_cleanup_machines",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "machine_configs",
    "needs_new_machine_templates",
    "release_hardware",
]

CONTROL_PLANE_ANNOTATION = "anywhere.eks.amazonaws.com/control-plane"
ETCD_ANNOTATION = "anywhere.eks.amazonaws.com/etcd"
MANAGED_BY_ANNOTATION = "anywhere.eks.amazonaws.com/managed-by"
OWNER_NAMESPACE_LABEL = "v1alpha1.tinkerbell.org/ownerNamespace"
"""Label CAPT puts on provisioned hardware beside the owner name: the namespace of the owning TinkerbellMachine."""
CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name"

CONTROL_PLANE, ETCD, WORKERS = "control-plane", "etcd", "workers"
_INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"
_HARDWARE_API_VERSION = "tinkerbell.org/v1alpha1"
_CAPI_NAMESPACE = "eksa-system"


# ---------------------------------------------------------------------------------------------------------------
# Machine configs
# ---------------------------------------------------------------------------------------------------------------


def _groups(spec: Spec) -> list[tuple[str, str | None, Any]]:
    """(role, worker group name, machine group ref) of the control plane, external etcd and worker groups."""
    cluster = spec.cluster
    out: list[tuple[str, str | None, Any]] = []
    cp = cluster.spec.control_plane_configuration
    if cp is not None and cp.machine_group_ref is not None:
        out.append((CONTROL_PLANE, None, cp.machine_group_ref))
    etcd = cluster.spec.external_etcd_configuration
    if etcd is not None and etcd.machine_group_ref is not None:
        out.append((ETCD, None, etcd.machine_group_ref))
    for group in cluster.worker_groups():
        if group.machine_group_ref is not None:
            out.append((WORKERS, group.name, group.machine_group_ref))
    return out


def _machine_config(spec: Spec, ref: Any) -> TinkerbellMachineConfig | None:
    mc = spec.config.get(MACHINE_KIND, ref.name) if ref is not None and ref.name else None
    return mc if isinstance(mc, TinkerbellMachineConfig) else None


def machine_configs(spec: Spec) -> list[TinkerbellMachineConfig]:
    """The machine configs the cluster uses, de-duplicated, control plane first, then etcd, then workers.

    Annotates them in place as EKS Anywhere does: the control plane config
    ``anywhere.eks.amazonaws.com/control-plane: "true"``, the etcd config ``anywhere.eks.amazonaws.com/etcd:
    "true"``, and for a workload cluster every config ``anywhere.eks.amazonaws.com/managed-by: <management>``.
    """
    cluster = spec.cluster
    out: dict[str, TinkerbellMachineConfig] = {}
    for role, _group, ref in _groups(spec):
        mc = _machine_config(spec, ref)
        if mc is None:
            continue
        if role == CONTROL_PLANE:
            mc.annotate(CONTROL_PLANE_ANNOTATION, "true")
        elif role == ETCD:
            mc.annotate(ETCD_ANNOTATION, "true")
        if not cluster.is_self_managed():
            mc.annotate(MANAGED_BY_ANNOTATION, cluster.management_cluster_name)
        out.setdefault(mc.name, mc)
    return list(out.values())


def _ours(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), TinkerbellDatacenterConfig)


@hookimpl
def eksa_machine_configs(spec: Spec) -> list[TinkerbellMachineConfig] | None:
    """See :func:`machine_configs` (``None`` for a spec that is not a bare metal one)."""
    if not _ours(spec):
        return None
    return machine_configs(spec)


# ---------------------------------------------------------------------------------------------------------------
# New machine templates
# ---------------------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return unstructure(value) if value is not None and hasattr(value, "__attrs_attrs__") else value


# Fields of a machine config that reach the TinkerbellMachineTemplate (hardware choice, OS image, workflow, host
# OS settings); a change means new machines.
_MACHINE_FIELDS = ("os_image_url", "hardware_selector", "hardware_affinity", "template_ref", "host_os_configuration")
# Datacenter fields that reach every machine template (OS image, boot mode).
_DATACENTER_FIELDS = ("os_image_url", "iso_boot", "hook_iso_url")
# Worker group fields of the KubeadmConfigTemplate.
_WORKER_FIELDS = ("taints", "labels", "kubelet_configuration")


def _role_config(spec: Spec, role: str, group: str | None) -> tuple[TinkerbellMachineConfig | None, Any]:
    for r, g, ref in _groups(spec):
        if r == role and (role != WORKERS or g == group):
            worker = next((w for w in spec.cluster.worker_groups() if w.name == group), None) if role == WORKERS \
                else None
            return _machine_config(spec, ref), worker
    return None, None


def _in_place(spec: Spec, worker: Any) -> bool:
    if worker is not None:
        strategy = worker.upgrade_rollout_strategy
    else:
        cp = spec.cluster.spec.control_plane_configuration
        strategy = cp.upgrade_rollout_strategy if cp is not None else None
    return strategy is not None and (strategy.type or "") == "InPlace"


def _bundle_number(spec: Spec) -> Any:
    bundles = spec.bundles
    return getattr(getattr(bundles, "spec", None), "number", None) if bundles is not None else None


def _datacenter_field(spec: Spec, name: str) -> Any:
    dc = spec.datacenter()
    return getattr(dc.spec, name) if isinstance(dc, TinkerbellDatacenterConfig) else None


def needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None = None) -> bool:
    """EKS Anywhere's bare metal rules for rolling a machine group on upgrade.

    New machine templates when the group is new, when a machine config field that reaches the
    ``TinkerbellMachineTemplate`` changes (``osImageURL``, ``hardwareSelector``, ``hardwareAffinity``,
    ``templateRef``, ``hostOSConfiguration``), when the datacenter's ``osImageURL``, ``isoBoot`` or ``hookIsoURL``
    changes, or (workers) when the KubeadmConfigTemplate's taints, labels or kubelet configuration change. A
    Kubernetes version or bundle change rolls new machines too, except with the ``InPlace`` rollout strategy,
    where the nodes are upgraded where they are.
    """
    old_mc, old_group = _role_config(current_spec, role, group)
    new_mc, new_group = _role_config(new_spec, role, group)
    if new_mc is None:
        return False
    if old_mc is None or (role == WORKERS and old_group is None):
        return True
    if not _in_place(new_spec, new_group):
        def version(spec: Spec, worker: Any) -> str:
            own = worker.kubernetes_version if worker is not None else None
            return own or spec.cluster.spec.kubernetes_version or ""

        if version(current_spec, old_group) != version(new_spec, new_group):
            return True
        if _bundle_number(current_spec) != _bundle_number(new_spec):
            return True
    if any(_plain(_datacenter_field(current_spec, f)) != _plain(_datacenter_field(new_spec, f))
           for f in _DATACENTER_FIELDS):
        return True
    if any(_plain(getattr(old_mc.spec, f)) != _plain(getattr(new_mc.spec, f)) for f in _MACHINE_FIELDS):
        return True
    if role == WORKERS:
        return any(_plain(getattr(old_group, f)) != _plain(getattr(new_group, f)) for f in _WORKER_FIELDS)
    return False


@hookimpl
def eksa_needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None) -> bool | None:
    """See :func:`needs_new_machine_templates` (``None`` for a spec that is not a bare metal one)."""
    if not _ours(new_spec):
        return None
    return needs_new_machine_templates(current_spec, new_spec, role, group)


# ---------------------------------------------------------------------------------------------------------------
# Releasing hardware
# ---------------------------------------------------------------------------------------------------------------


def cluster_machine_patterns(spec: Spec) -> list[re.Pattern[str]]:
    """Names of the cluster's machines (a TinkerbellMachine is named like its CAPI Machine): control plane
    ``<cluster>-<5 chars>``, etcd ``<cluster>-etcd-<5 chars>``, workers ``<cluster>-<group>-<machine set
    suffix>-<5 chars>``. Anchored at both ends, so no machine of a cluster whose name merely starts with this one's
    (``bm2``, ``bm-b``) matches."""
    name = re.escape(spec.name)
    suffix = r"[a-z0-9]{5}"
    patterns = [re.compile(rf"^{name}-{suffix}$"), re.compile(rf"^{name}-etcd-{suffix}$")]
    for group in spec.cluster.worker_groups():
        if group.name:
            patterns.append(re.compile(rf"^{name}-{re.escape(group.name)}-[a-z0-9]+-{suffix}$"))
    return patterns


def _list(kube: KubeClient, api_version: str, kind: str, namespace: str, selector: str | None = None) -> list[Any]:
    """Objects of a kind, or none when the server does not serve the kind."""
    try:
        if not kube.has_kind(api_version, kind):
            return []
        return kube.list(api_version, kind, namespace, label_selector=selector)
    except KubeError:
        return []


def _tinkerbell_machines(kube: KubeClient) -> dict[str, str]:
    """TinkerbellMachine name -> its cluster (label ``cluster.x-k8s.io/cluster-name``)."""
    out: dict[str, str] = {}
    for item in _list(kube, _INFRA_API_VERSION, "TinkerbellMachine", _CAPI_NAMESPACE):
        meta = item.get("metadata") or {}
        out[str(meta.get("name"))] = str((meta.get("labels") or {}).get(CLUSTER_NAME_LABEL) or "")
    return out


def release_hardware(kube: KubeClient, spec: Spec) -> list[str]:
    """Remove the owner labels (``v1alpha1.tinkerbell.org/ownerName`` / ``ownerNamespace``) from the ``Hardware``
    the cluster of ``spec`` still holds, so other clusters can use it; return the hardware released.

    A piece of hardware is the cluster's when its owner is a TinkerbellMachine labelled with the cluster's name, or
    (the machine already gone) when the owner's name is one of the cluster's machine names
    (:func:`cluster_machine_patterns`). Hardware owned by a machine of another cluster, or owned from another
    namespace, is never touched.
    """
    machines = _tinkerbell_machines(kube)
    patterns = cluster_machine_patterns(spec)
    released: list[str] = []
    for hw in _list(kube, _HARDWARE_API_VERSION, "Hardware", HARDWARE_NAMESPACE, OWNER_NAME_LABEL):
        meta = hw.get("metadata") or {}
        labels = meta.get("labels") or {}
        owner = str(labels.get(OWNER_NAME_LABEL) or "")
        owner_ns = labels.get(OWNER_NAMESPACE_LABEL)
        if not owner or (owner_ns and owner_ns != _CAPI_NAMESPACE):
            continue
        if owner in machines:
            if machines[owner] != spec.name:
                continue
        elif not any(p.match(owner) for p in patterns):
            continue
        kube.label(_HARDWARE_API_VERSION, "Hardware", str(meta["name"]),
                   {OWNER_NAME_LABEL: None, OWNER_NAMESPACE_LABEL: None}, HARDWARE_NAMESPACE)
        released.append(str(meta["name"]))
    return released


def _hardware_cluster_kubeconfig(spec: Spec, context: HookContext) -> Any:
    """Where the cluster's Hardware lives: the management cluster (``management_kubeconfig``) of a workload
    cluster. A management cluster's hardware was moved to the bootstrap cluster, deleted with it."""
    return context.management_kubeconfig


@hookimpl
def eksa_cleanup_machines(spec: Spec, context: HookContext) -> None:
    """Release the deleted cluster's hardware on its management cluster (see :func:`release_hardware`). In a dry
    run only the intent is recorded."""
    if not _ours(spec):
        return
    path = _hardware_cluster_kubeconfig(spec, context)
    if path is None:
        context.log.debug("no management cluster kubeconfig: no hardware of %s to release", spec.name)
        return
    if context.dry_run:
        context.record("release-hardware", cluster=spec.name, management=spec.cluster.management_cluster_name)
        return
    from pathlib import Path

    from eksa_core.provider import ClusterHandle

    kube = context.kube(ClusterHandle(spec.cluster.management_cluster_name, Path(path)))
    released = release_hardware(kube, spec)
    context.record("release-hardware", cluster=spec.name, hardware=released)
    if released:
        context.log.info("Released hardware of cluster %s: %s", spec.name, ", ".join(released))
