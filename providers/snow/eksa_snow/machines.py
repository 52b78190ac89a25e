"""Machine hooks of the Snow provider: the spec's machine configs, whether an upgrade needs new machine templates,
and termination of a deleted cluster's instances left on the devices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import unstructure

from .credentials import read_credentials
from .live import SnowSettings, spec_machine_configs
from .models import DATACENTER_KIND, MACHINE_KIND, SnowMachineConfig

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "CONTROL_PLANE_ANNOTATION",
    "ETCD_ANNOTATION",
    "MANAGED_BY_ANNOTATION",
    "cluster_instances",
    "cluster_owner_tag",
    "eksa_cleanup_machines",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "machine_configs",
    "needs_new_machine_templates",
]

CONTROL_PLANE_ANNOTATION = "anywhere.eks.amazonaws.com/control-plane"
ETCD_ANNOTATION = "anywhere.eks.amazonaws.com/etcd"
MANAGED_BY_ANNOTATION = "anywhere.eks.amazonaws.com/managed-by"
_LIVE_STATES = ("pending", "running", "stopping", "stopped")


def _is_snow(spec: Spec) -> bool:
    return bool(spec.cluster.datacenter_kind() == DATACENTER_KIND)


def _role_config(spec: Spec, role: str, group: str | None) -> tuple[SnowMachineConfig | None, Any]:
    cluster = spec.cluster
    ref = None
    worker = None
    if role == "control-plane":
        cp = cluster.spec.control_plane_configuration
        ref = cp.machine_group_ref if cp else None
    elif role == "etcd":
        etcd = cluster.spec.external_etcd_configuration
        ref = etcd.machine_group_ref if etcd else None
    else:
        worker = next((g for g in cluster.worker_groups() if g.name == group), None)
        ref = worker.machine_group_ref if worker is not None else None
    mc = spec.config.get(MACHINE_KIND, ref.name) if ref is not None else None
    return (mc if isinstance(mc, SnowMachineConfig) else None), worker


def machine_configs(spec: Spec) -> list[SnowMachineConfig]:
    """The cluster's machine configs, de-duplicated, control plane first; annotated (in place) as EKS Anywhere
    does: control plane, etcd, and ``managed-by`` for a workload cluster."""
    cluster = spec.cluster
    cp, _ = _role_config(spec, "control-plane", None)
    etcd, _ = _role_config(spec, "etcd", None)
    for mc in spec_machine_configs(spec):
        if mc is cp:
            mc.annotate(CONTROL_PLANE_ANNOTATION, "true")
        if mc is etcd:
            mc.annotate(ETCD_ANNOTATION, "true")
        if not cluster.is_self_managed():
            mc.annotate(MANAGED_BY_ANNOTATION, cluster.management_cluster_name)
    return spec_machine_configs(spec)


@hookimpl
def eksa_machine_configs(spec: Spec) -> list[SnowMachineConfig] | None:
    """See :func:`machine_configs` (``None`` for a spec that is not a Snow one)."""
    if not _is_snow(spec):
        return None
    return machine_configs(spec)


def _plain(value: Any) -> Any:
    return unstructure(value) if value is not None and hasattr(value, "__attrs_attrs__") else value


def _bundle_number(spec: Spec) -> Any:
    bundles = getattr(spec, "bundles", None)
    return getattr(getattr(bundles, "spec", None), "number", None) if bundles is not None else None


def needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None = None) -> bool:
    """New templates when the group is new, its Kubernetes version or the bundles release changes, its machine
    config's spec changes (AMI, instance type, key, devices, volumes, network, OS), the control plane endpoint
    changes (control plane), or the worker group's taints, labels or kubelet configuration change."""
    old_mc, old_group = _role_config(current_spec, role, group)
    new_mc, new_group = _role_config(new_spec, role, group)
    if new_mc is None:
        return False
    if old_mc is None or (role == "workers" and old_group is None):
        return True

    def version(spec: Spec, worker: Any) -> str:
        return (worker.kubernetes_version if worker is not None else None) or spec.cluster.spec.kubernetes_version or ""

    if version(current_spec, old_group) != version(new_spec, new_group):
        return True
    if _bundle_number(current_spec) != _bundle_number(new_spec):
        return True
    if role == "control-plane":
        old_cp = current_spec.cluster.spec.control_plane_configuration
        new_cp = new_spec.cluster.spec.control_plane_configuration
        if _plain(old_cp.endpoint if old_cp else None) != _plain(new_cp.endpoint if new_cp else None):
            return True
    if role == "workers":
        for attr in ("taints", "labels", "kubelet_configuration"):
            if _plain(getattr(old_group, attr)) != _plain(getattr(new_group, attr)):
                return True
    return bool(_plain(old_mc.spec) != _plain(new_mc.spec))


@hookimpl
def eksa_needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None) -> bool | None:
    """See :func:`needs_new_machine_templates` (``None`` for a spec that is not a Snow one)."""
    if not _is_snow(new_spec):
        return None
    return needs_new_machine_templates(current_spec, new_spec, role, group)


# -- cleanup ----------------------------------------------------------------------------------------------------


def cluster_owner_tag(cluster_name: str) -> str:
    """The tag key CAPAS puts on a cluster's instances (value ``owned``)."""
    return f"sigs.k8s.io/cluster-api-provider-aws/cluster/{cluster_name}"


def cluster_instances(ec2: Any, cluster_name: str) -> list[str]:
    """Ids of the live instances on a device tagged ``<owner tag>=owned`` for ``cluster_name`` (checked again on
    the answer, so a server that ignores the filter cannot widen the selection)."""
    key = cluster_owner_tag(cluster_name)
    out: list[str] = []
    pages = ec2.get_paginator("describe_instances").paginate(Filters=[
        {"Name": f"tag:{key}", "Values": ["owned"]},
        {"Name": "instance-state-name", "Values": list(_LIVE_STATES)},
    ])
    for page in pages:
        for reservation in page.get("Reservations") or []:
            for inst in reservation.get("Instances") or []:
                tags = {t.get("Key"): t.get("Value") for t in inst.get("Tags") or []}
                state = (inst.get("State") or {}).get("Name")
                if tags.get(key) == "owned" and state in _LIVE_STATES:
                    out.append(str(inst["InstanceId"]))
    return out


@hookimpl
def eksa_cleanup_machines(spec: Spec, context: HookContext) -> None:
    """Terminate the instances of ``spec``'s cluster still on its devices after delete: on every device of the
    machine configs, only instances tagged as owned by this cluster. A dry run records the devices only."""
    if not _is_snow(spec):
        return
    devices: list[str] = []
    for mc in spec_machine_configs(spec):
        devices += [ip for ip in mc.spec.devices or [] if ip and ip not in devices]
    if context.dry_run:
        context.record("snow-terminate-instances", cluster=spec.name, devices=devices,
                       tag=cluster_owner_tag(spec.name))
        return
    creds = read_credentials(context.env)
    settings = SnowSettings.from_options(context.options)
    for ip in devices:
        if ip not in creds.devices:
            context.log.warning("No credentials for device %s: its instances of cluster %s are not cleaned up", ip,
                                spec.name)
            continue
        ec2 = settings.ec2_client(creds, ip)
        ids = cluster_instances(ec2, spec.name)
        if not ids:
            continue
        ec2.terminate_instances(InstanceIds=ids)
        context.record("snow-terminate-instances", cluster=spec.name, device=ip, instances=ids)
        context.log.info("Terminated instances of cluster %s on device %s: %s", spec.name, ip, ", ".join(ids))
