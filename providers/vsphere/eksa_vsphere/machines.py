"""Machine hooks of the vSphere provider: the spec's machine configs, whether an upgrade needs new machine
templates, and removal of a deleted cluster's VMs."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import unstructure

from .models import VSphereDatacenterConfig, VSphereMachineConfig
from .settings import timeout_of
from .validation import (
    CONTROL_PLANE,
    ENV_PASSWORD,
    ENV_USERNAME,
    ETCD,
    WORKERS,
    check_credentials,
    machine_group_refs,
)

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, Spec

    from .client import VMInfo

__all__ = [
    "CONTROL_PLANE_ANNOTATION",
    "ETCD_ANNOTATION",
    "MANAGED_BY_ANNOTATION",
    "cluster_vm_patterns",
    "eksa_cleanup_machines",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "machine_configs",
    "needs_new_machine_templates",
    "select_cluster_vms",
]

log = logging.getLogger("eksa.vsphere")

CONTROL_PLANE_ANNOTATION = "anywhere.eks.amazonaws.com/control-plane"
ETCD_ANNOTATION = "anywhere.eks.amazonaws.com/etcd"
MANAGED_BY_ANNOTATION = "anywhere.eks.amazonaws.com/managed-by"

# Machine config fields that end up in the VSphereMachineTemplate (or the KubeadmConfigTemplate): a change in
# any of them means new machines.
_MACHINE_FIELDS = ("num_cpus", "memory_mib", "disk_gib", "datastore", "folder", "resource_pool",
                   "storage_policy_name", "template", "clone_mode", "tags", "networks", "os_family", "users",
                   "host_os_configuration")
_DATACENTER_FIELDS = ("server", "datacenter", "network", "thumbprint", "insecure")


# ------------------------------------------------------------------------------------------------ machine configs


def machine_configs(spec: Spec) -> list[VSphereMachineConfig]:
    """The machine configs the cluster uses, de-duplicated, control plane first, then etcd, then workers.

    Annotates (in place, as EKS Anywhere does) the control plane config with ``anywhere.eks.amazonaws.com/
    control-plane: "true"``, the etcd config with ``anywhere.eks.amazonaws.com/etcd: "true"`` and, for a workload
    cluster, every config with ``anywhere.eks.amazonaws.com/managed-by: <management cluster>``.
    """
    cluster = spec.cluster
    out: dict[str, VSphereMachineConfig] = {}
    for role, _group, ref, _field in machine_group_refs(cluster):
        mc = spec.config.get(VSphereMachineConfig.KIND, ref) if ref else None
        if not isinstance(mc, VSphereMachineConfig):
            continue
        if role == CONTROL_PLANE:
            mc.annotate(CONTROL_PLANE_ANNOTATION, "true")
        elif role == ETCD:
            mc.annotate(ETCD_ANNOTATION, "true")
        if not cluster.is_self_managed():
            mc.annotate(MANAGED_BY_ANNOTATION, cluster.management_cluster_name)
        out.setdefault(mc.name, mc)
    return list(out.values())


@hookimpl
def eksa_machine_configs(spec: Spec) -> list[VSphereMachineConfig] | None:
    """See :func:`machine_configs` (``None`` for a spec that is not a vSphere one)."""
    if spec.cluster.datacenter_kind() != VSphereDatacenterConfig.KIND:
        return None
    return machine_configs(spec)


# ------------------------------------------------------------------------------------------------ templates


def _plain(value: Any) -> Any:
    return unstructure(value) if value is not None and hasattr(value, "__attrs_attrs__") else value


def _machine_config_for(spec: Spec, role: str, group: str | None) -> tuple[VSphereMachineConfig | None, Any]:
    """(machine config, worker group or ``None``) of a role in ``spec``."""
    for r, g, ref, _field in machine_group_refs(spec.cluster):
        if r == role and (role != WORKERS or g == group):
            mc = spec.config.get(VSphereMachineConfig.KIND, ref) if ref else None
            worker = None
            if role == WORKERS:
                worker = next((w for w in spec.cluster.worker_groups() if w.name == group), None)
            return (mc if isinstance(mc, VSphereMachineConfig) else None), worker
    return None, None


def _bundle_number(spec: Spec) -> Any:
    bundles = spec.bundles
    return getattr(getattr(bundles, "spec", None), "number", None) if bundles is not None else None


def _eksd_name(spec: Spec, version: str) -> Any:
    release = spec.eksd_releases.get(version)
    return getattr(release, "name", None) or getattr(getattr(release, "metadata", None), "name", None)


def _datacenter_changed(current: Spec, new: Spec) -> bool:
    old_dc, new_dc = current.datacenter(), new.datacenter()
    if not isinstance(old_dc, VSphereDatacenterConfig) or not isinstance(new_dc, VSphereDatacenterConfig):
        return old_dc is not new_dc
    return any(_plain(getattr(old_dc.spec, f)) != _plain(getattr(new_dc.spec, f)) for f in _DATACENTER_FIELDS)


def _machine_config_changed(old: VSphereMachineConfig, new: VSphereMachineConfig) -> bool:
    return any(_plain(getattr(old.spec, f)) != _plain(getattr(new.spec, f)) for f in _MACHINE_FIELDS)


def needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None = None) -> bool:
    """EKS-A's rules for rolling a machine group on upgrade.

    New templates when the group's Kubernetes version (or EKS-D release, or the bundles release) changes, when the
    datacenter's server, datacenter, network, thumbprint or insecure flag changes, when the group's machine config
    changes in a field that reaches the machines, or (workers) when the group is new or its failure domains,
    taints, labels or kubelet configuration change (KubeadmConfigTemplate). For the control plane a new endpoint
    also rolls the machines.
    """
    old_mc, old_group = _machine_config_for(current_spec, role, group)
    new_mc, new_group = _machine_config_for(new_spec, role, group)
    if new_mc is None:
        return False  # the role is gone (e.g. external etcd removed): nothing to render
    if old_mc is None or (role == WORKERS and old_group is None):
        return True

    def version(spec: Spec, worker: Any) -> str:
        own = worker.kubernetes_version if worker is not None else None
        return own or spec.cluster.spec.kubernetes_version or ""

    old_version, new_version = version(current_spec, old_group), version(new_spec, new_group)
    if old_version != new_version:
        return True
    if _eksd_name(current_spec, old_version) != _eksd_name(new_spec, new_version):
        return True
    if _bundle_number(current_spec) != _bundle_number(new_spec):
        return True
    if _datacenter_changed(current_spec, new_spec):
        return True
    if role == CONTROL_PLANE:
        old_cp = current_spec.cluster.spec.control_plane_configuration
        new_cp = new_spec.cluster.spec.control_plane_configuration
        if _plain(old_cp.endpoint if old_cp else None) != _plain(new_cp.endpoint if new_cp else None):
            return True
    if role == WORKERS:
        for attr in ("failure_domains", "taints", "labels", "kubelet_configuration"):
            if _plain(getattr(old_group, attr)) != _plain(getattr(new_group, attr)):
                return True
    return _machine_config_changed(old_mc, new_mc)


@hookimpl
def eksa_needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None) -> bool | None:
    """See :func:`needs_new_machine_templates` (``None`` for a spec that is not a vSphere one)."""
    if new_spec.cluster.datacenter_kind() != VSphereDatacenterConfig.KIND:
        return None
    return needs_new_machine_templates(current_spec, new_spec, role, group)


# ------------------------------------------------------------------------------------------------ cleanup


def cluster_vm_patterns(spec: Spec) -> list[re.Pattern[str]]:
    """Names CAPV gives the cluster's VMs (the CAPI Machine names).

    Control plane ``<cluster>-<5 chars>``, etcd ``<cluster>-etcd-<5 chars>``, workers
    ``<cluster>-<group>-<machineset suffix>-<5 chars>``. Anchored on both ends, so another cluster whose name
    starts with this one's (``mycluster2``, ``mycluster-b``) is never matched.
    """
    name = re.escape(spec.name)
    suffix = r"[a-z0-9]{5}"
    patterns = [re.compile(rf"^{name}-{suffix}$")]
    if spec.cluster.spec.external_etcd_configuration is not None:
        patterns.append(re.compile(rf"^{name}-etcd-{suffix}$"))
    for group in spec.cluster.worker_groups():
        if group.name:
            patterns.append(re.compile(rf"^{name}-{re.escape(group.name)}-[a-z0-9]+-{suffix}$"))
    return patterns


def select_cluster_vms(spec: Spec, vms: Sequence[VMInfo]) -> list[VMInfo]:
    """The VMs of ``vms`` that belong to ``spec``'s cluster by name (templates never)."""
    patterns = cluster_vm_patterns(spec)
    return [vm for vm in vms if not vm.is_template and any(p.match(vm.name) for p in patterns)]


def _folders(spec: Spec) -> list[str]:
    folders = []
    for mc in machine_configs(spec):
        if mc.spec.folder and mc.spec.folder not in folders:
            folders.append(mc.spec.folder)
    return folders


@hookimpl
def eksa_cleanup_machines(spec: Spec, context: HookContext) -> None:
    """Destroy the VMs of ``spec``'s cluster that are still in vCenter after delete.

    Lists VMs named ``<cluster>-...`` in the machine configs' folders (the datacenter when none is set), keeps
    only those matching the cluster's machine names (:func:`cluster_vm_patterns`) and destroys them. Nothing of
    another cluster is touched. In a dry run the VMs are only recorded (no vCenter contact).
    """
    dc = spec.datacenter()
    if not isinstance(dc, VSphereDatacenterConfig):
        return
    if context.dry_run:
        context.record("vsphere-cleanup-vms", server=dc.spec.server, datacenter=dc.spec.datacenter,
                       name_prefix=f"{spec.name}-", folders=_folders(spec))
        return
    from .client import VCenter  # pyVmomi loads only when a cleanup talks to vCenter

    check_credentials(context.env)
    with VCenter(dc.spec.server or "", thumbprint=dc.spec.thumbprint or None, insecure=bool(dc.spec.insecure),
                 timeout=timeout_of(context, 30.0)) as vc:
        vc.login(context.env[ENV_USERNAME], context.env[ENV_PASSWORD])
        candidates = vc.list_vms(name_prefix=f"{spec.name}-", folders=_folders(spec),
                                 datacenter=dc.spec.datacenter or None)
        vms = select_cluster_vms(spec, candidates)
        if not vms:
            context.log.info("No VMs of cluster %s left to clean up", spec.name)
            return
        destroyed = vc.destroy_vms(vms)
    context.record("vsphere-cleanup-vms", destroyed=destroyed)
    context.log.info("Deleted VMs of cluster %s: %s", spec.name, ", ".join(destroyed))

