"""EKS Anywhere's Cluster status, read from the Cluster API objects the controller applied.

The conditions are EKS Anywhere's (``ControlPlaneReady``, ``DefaultCNIConfigured``, ``WorkersReady``, ``Ready``),
in the Cluster API v1beta1 condition shape EKS Anywhere's ``Cluster`` uses (type, status, severity, reason,
message, lastTransitionTime). Their truth comes from the live objects only:

* ``ControlPlaneReady``: the Cluster API Cluster's ``ControlPlaneAvailable`` (v1beta2) and the
  KubeadmControlPlane's replicas (all of the spec's ``count`` up to date and ready);
* ``WorkersReady``: each worker group's MachineDeployment has the group's count, all up to date and ready
  (autoscaled groups: all their replicas);
* ``DefaultCNIConfigured``: False with ``SkipUpgradesForDefaultCNIConfigured`` when the spec tells EKS Anywhere not
  to manage Cilium (and then left out of ``Ready``, as EKS Anywhere does); otherwise False with
  ``DefaultCNINotInstalled``: this controller does not install Cilium into workload clusters;
* ``Ready``: all of the above that count, and the Cluster API Cluster's ``Available``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..spec import Spec

__all__ = [
    "CONTROL_PLANE_READY",
    "DEFAULT_CNI_CONFIGURED",
    "READY",
    "WORKERS_READY",
    "Condition",
    "capi_condition",
    "cluster_conditions",
    "merge_conditions",
]

CONTROL_PLANE_READY = "ControlPlaneReady"
DEFAULT_CNI_CONFIGURED = "DefaultCNIConfigured"
WORKERS_READY = "WorkersReady"
READY = "Ready"

Condition = dict[str, Any]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(type_: str, ok: bool, reason: str = "", message: str = "", severity: str = "Info") -> Condition:
    """One condition (without ``lastTransitionTime``: :func:`merge_conditions` sets it)."""
    out: Condition = {"type": type_, "status": "True" if ok else "False"}
    if not ok:
        out["severity"] = severity
        out["reason"] = reason
        if message:
            out["message"] = message
    return out


def capi_condition(obj: Mapping[str, Any] | None, type_: str) -> Mapping[str, Any] | None:
    """The condition ``type_`` of a Cluster API object (v1beta2 ``status.conditions``)."""
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if isinstance(cond, Mapping) and cond.get("type") == type_:
            return cond
    return None


def _true(obj: Mapping[str, Any] | None, type_: str) -> bool:
    cond = capi_condition(obj, type_)
    return cond is not None and cond.get("status") == "True"


def _replicas(status: Mapping[str, Any], *names: str) -> int:
    for name in names:
        value = status.get(name)
        if isinstance(value, int):
            return value
    return 0


def _cni_skipped(spec: Spec) -> bool:
    network = spec.cluster.spec.cluster_network
    cni = network.cni_config if network else None
    return bool(cni is not None and cni.cilium is not None and cni.cilium.skip_upgrade)


def _cni_kindnetd(spec: Spec) -> bool:
    network = spec.cluster.spec.cluster_network
    cni = network.cni_config if network else None
    return bool(cni is not None and cni.kindnetd is not None) or bool(network and network.cni == "kindnetd")


def cluster_conditions(
    spec: Spec,
    capi_cluster: Mapping[str, Any] | None,
    control_plane: Mapping[str, Any] | None,
    machine_deployments: Mapping[str, Mapping[str, Any] | None],
) -> list[Condition]:
    """EKS Anywhere's conditions of ``spec``'s cluster from its live Cluster API objects (``machine_deployments``
    by worker group name; ``None`` where an object does not exist yet)."""
    conditions: list[Condition] = []
    desired_cp = spec.cluster.spec.control_plane_configuration
    cp_count = (desired_cp.count if desired_cp else None) or 1
    if capi_cluster is None or control_plane is None:
        cp = condition(
            CONTROL_PLANE_READY,
            False,
            "ControlPlaneInitializationInProgress",
            "the control plane objects do not exist yet",
        )
    else:
        status = control_plane.get("status") or {}
        ready = _replicas(status, "readyReplicas")
        up_to_date = _replicas(status, "upToDateReplicas", "updatedReplicas")
        total = _replicas(status, "replicas")
        if not _true(capi_cluster, "ControlPlaneAvailable"):
            cp = condition(
                CONTROL_PLANE_READY,
                False,
                "ControlPlaneInitializationInProgress",
                "the control plane is not available yet",
            )
        elif total > cp_count:
            cp = condition(
                CONTROL_PLANE_READY,
                False,
                "ScalingDown",
                f"scaling down control plane nodes, {total} existing, {cp_count} wanted",
            )
        elif up_to_date < cp_count and total >= cp_count:
            cp = condition(
                CONTROL_PLANE_READY,
                False,
                "RollingUpgradeInProgress",
                f"control plane nodes not up-to-date yet, {up_to_date} of {cp_count}",
            )
        elif ready < cp_count:
            cp = condition(
                CONTROL_PLANE_READY, False, "ScalingUp", f"scaling up control plane nodes, {ready} of {cp_count} ready"
            )
        else:
            cp = condition(CONTROL_PLANE_READY, True)
    conditions.append(cp)

    counted = [cp]
    if _cni_skipped(spec):
        conditions.append(
            condition(
                DEFAULT_CNI_CONFIGURED,
                False,
                "SkipUpgradesForDefaultCNIConfigured",
                "Configured to skip default Cilium CNI upgrades",
                severity="Warning",
            )
        )
    elif _cni_kindnetd(spec):
        cni = condition(
            DEFAULT_CNI_CONFIGURED, False, "DefaultCNINotInstalled", "kindnetd is not installed by this controller"
        )
        conditions.append(cni)
        counted.append(cni)
    else:
        cni = condition(
            DEFAULT_CNI_CONFIGURED,
            False,
            "DefaultCNINotInstalled",
            "this controller does not install Cilium into workload clusters (set "
            "clusterNetwork.cniConfig.cilium.skipUpgrade to manage the CNI yourself)",
        )
        conditions.append(cni)
        counted.append(cni)

    problems: list[str] = []
    for group in spec.cluster.worker_groups():
        name = group.name or ""
        md = machine_deployments.get(name)
        if md is None:
            problems.append(f"{name}: the MachineDeployment does not exist yet")
            continue
        status = md.get("status") or {}
        wanted = (md.get("spec") or {}).get("replicas")
        if group.autoscaling_configuration is None:
            wanted = group.count if group.count is not None else 1
        wanted = int(wanted or 0)
        ready = _replicas(status, "readyReplicas")
        up_to_date = _replicas(status, "upToDateReplicas", "updatedReplicas")
        total = _replicas(status, "replicas")
        if total != wanted or ready < wanted or up_to_date < wanted:
            problems.append(f"{name}: {ready} of {wanted} ready, {up_to_date} up to date, {total} existing")
    if problems:
        workers = condition(WORKERS_READY, False, "WorkersNotReady", "; ".join(problems))
    else:
        workers = condition(WORKERS_READY, True)
    conditions.append(workers)
    counted.append(workers)

    waiting = [c["type"] for c in counted if c["status"] != "True"]
    if waiting:
        ready_cond = condition(READY, False, "ClusterNotReady", "waiting for " + ", ".join(waiting))
    elif not _true(capi_cluster, "Available"):
        cond = capi_condition(capi_cluster, "Available") or {}
        ready_cond = condition(
            READY, False, "ClusterNotAvailable", str(cond.get("message") or "the Cluster API Cluster is not Available")
        )
    else:
        ready_cond = condition(READY, True)
    conditions.append(ready_cond)
    return conditions


def merge_conditions(old: Sequence[Mapping[str, Any]] | None, new: Sequence[Condition]) -> list[Condition]:
    """``new`` with each ``lastTransitionTime`` kept from ``old`` where the condition's status did not change."""
    previous = {str(c.get("type")): c for c in old or [] if isinstance(c, Mapping)}
    out: list[Condition] = []
    for cond in new:
        before = previous.get(cond["type"])
        merged = dict(cond)
        if before is not None and before.get("status") == cond["status"] and before.get("lastTransitionTime"):
            merged["lastTransitionTime"] = before["lastTransitionTime"]
        else:
            merged["lastTransitionTime"] = _now()
        out.append(merged)
    return out
