"""Builders of the provider-independent Cluster API objects: Cluster, MachineDeployment, EtcdadmCluster,
MachineHealthCheck, ClusterResourceSet and Secrets."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .constants import (
    ADDONS_API_VERSION,
    AUTOSCALER_MAX_ANNOTATION,
    AUTOSCALER_MIN_ANNOTATION,
    BOOTSTRAP_API_GROUP,
    CLUSTER_API_VERSION,
    CLUSTER_NAME_LABEL,
    CONTROLPLANE_API_GROUP,
    EKSA_SYSTEM_NAMESPACE,
    ETCDADM_API_GROUP,
    ETCDADM_API_VERSION,
    INFRASTRUCTURE_API_GROUP,
    MOVE_LABEL,
    SECURE_CIPHER_SUITES,
)
from .naming import etcd_cluster_name, kcp_health_check_name, machine_deployment_name, worker_health_check_name

if TYPE_CHECKING:
    from ..models.cluster import Cluster, MachineHealthCheck, WorkerNodeGroupConfiguration

__all__ = [
    "b64",
    "capi_cluster",
    "cluster_resource_set",
    "etcdadm_cluster",
    "machine_deployment",
    "machine_health_checks",
    "metadata",
    "registry_credentials_secret",
    "secret",
]


def b64(value: str | None) -> str | None:
    """Base64 of ``value``; ``None`` for an empty value (rendered as an empty field)."""
    return base64.b64encode(value.encode()).decode() if value else None


def metadata(name: str | None, *, namespace: str | None = EKSA_SYSTEM_NAMESPACE,
             labels: Mapping[str, str] | None = None,
             annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Object metadata (keys left out when empty)."""
    out: dict[str, Any] = {}
    if labels:
        out["labels"] = dict(labels)
    if annotations:
        out["annotations"] = dict(annotations)
    out["name"] = name
    if namespace:
        out["namespace"] = namespace
    return out


def _ref(group: str, kind: str, name: str | None) -> dict[str, Any]:
    return {"apiGroup": group, "kind": kind, "name": name}


def capi_cluster(cluster: Cluster, infrastructure_kind: str, *, external_etcd: bool,
                 service_domain: str | None = None, label: bool = True) -> dict[str, Any]:
    """The CAPI ``Cluster``: pod/service CIDRs, control plane, infrastructure cluster and (external etcd)
    the EtcdadmCluster."""
    name = cluster.name
    net = cluster.spec.cluster_network
    network: dict[str, Any] = {"pods": {"cidrBlocks": list((net.pods.cidr_blocks if net and net.pods else None)
                                                           or [])}}
    if service_domain:
        network["serviceDomain"] = service_domain
    network["services"] = {"cidrBlocks": list((net.services.cidr_blocks if net and net.services else None) or [])}
    spec: dict[str, Any] = {
        "clusterNetwork": network,
        "controlPlaneRef": _ref(CONTROLPLANE_API_GROUP, "KubeadmControlPlane", name),
        "infrastructureRef": _ref(INFRASTRUCTURE_API_GROUP, infrastructure_kind, name),
    }
    if external_etcd:
        spec["managedExternalEtcdRef"] = _ref(ETCDADM_API_GROUP, "EtcdadmCluster", etcd_cluster_name(name))
    return {
        "apiVersion": CLUSTER_API_VERSION,
        "kind": "Cluster",
        "metadata": metadata(name, labels={CLUSTER_NAME_LABEL: name} if label else None),
        "spec": spec,
    }


def machine_deployment(cluster: Cluster, group: WorkerNodeGroupConfiguration, *, version: str,
                       machine_template_kind: str, machine_template_name: str | None,
                       kubeadm_config_template_name: str | None, name: str | None = None,
                       failure_domain: str | None = None) -> dict[str, Any]:
    """A worker group's ``MachineDeployment``: replicas (left out under the cluster autoscaler, which gets
    min/max annotations instead), template refs, Kubernetes version, rollout strategy."""
    cname = cluster.name
    annotations: dict[str, str] = {}
    auto = group.autoscaling_configuration
    if auto is not None:
        annotations[AUTOSCALER_MIN_ANNOTATION] = str(auto.min_count or 0)
        annotations[AUTOSCALER_MAX_ANNOTATION] = str(auto.max_count or 0)
    template_spec: dict[str, Any] = {
        "bootstrap": {"configRef": _ref(BOOTSTRAP_API_GROUP, "KubeadmConfigTemplate", kubeadm_config_template_name)},
        "clusterName": cname,
        "infrastructureRef": _ref(INFRASTRUCTURE_API_GROUP, machine_template_kind, machine_template_name),
        "version": version,
    }
    if failure_domain:
        template_spec["failureDomain"] = failure_domain
    spec: dict[str, Any] = {"clusterName": cname}
    if auto is None:
        spec["replicas"] = group.count if group.count is not None else 1
    spec["selector"] = {"matchLabels": {}}
    spec["template"] = {"metadata": {"labels": {CLUSTER_NAME_LABEL: cname}}, "spec": template_spec}
    strategy = group.upgrade_rollout_strategy
    if strategy is not None and strategy.rolling_update is not None:
        ru = strategy.rolling_update
        spec["rollout"] = {"strategy": {
            "type": strategy.type or "RollingUpdate",
            "rollingUpdate": {"maxSurge": ru.max_surge, "maxUnavailable": ru.max_unavailable},
        }}
    return {
        "apiVersion": CLUSTER_API_VERSION,
        "kind": "MachineDeployment",
        "metadata": metadata(name or machine_deployment_name(cname, group.name or ""),
                             labels={CLUSTER_NAME_LABEL: cname}, annotations=annotations),
        "spec": spec,
    }


def etcdadm_cluster(cluster: Cluster, *, replicas: int, bootstrap_format: str, users: list[dict[str, Any]],
                    machine_template_api_version: str, machine_template_kind: str,
                    machine_template_name: str | None, cloud_init: Mapping[str, Any] | None = None,
                    bottlerocket: Mapping[str, Any] | None = None,
                    pre_commands: Sequence[str] = (), proxy: Mapping[str, Any] | None = None,
                    registry_mirror: Mapping[str, Any] | None = None,
                    ntp: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``EtcdadmCluster`` of external etcd. ``cloud_init`` (version, installDir, etcdReleaseURL) for
    cloud-config nodes, ``bottlerocket`` (etcdImage, bootstrapImage, pauseImage) for Bottlerocket."""
    cfg: dict[str, Any] = {"etcdadmBuiltin": True, "format": bootstrap_format}
    if bottlerocket is not None:
        cfg["bottlerocketConfig"] = dict(bottlerocket)
    if cloud_init is not None:
        cfg["cloudInitConfig"] = dict(cloud_init)
    if pre_commands:
        cfg["preEtcdadmCommands"] = list(pre_commands)
    cfg["cipherSuites"] = SECURE_CIPHER_SUITES
    if proxy:
        cfg["proxy"] = dict(proxy)
    if registry_mirror:
        cfg["registryMirror"] = dict(registry_mirror)
    if ntp:
        cfg["ntp"] = dict(ntp)
    cfg["users"] = users
    return {
        "kind": "EtcdadmCluster",
        "apiVersion": ETCDADM_API_VERSION,
        "metadata": metadata(etcd_cluster_name(cluster.name)),
        "spec": {
            "replicas": replicas,
            "etcdadmConfigSpec": cfg,
            "infrastructureTemplate": {"apiVersion": machine_template_api_version, "kind": machine_template_kind,
                                       "name": machine_template_name},
        },
    }


def secret(name: str, *, data: Mapping[str, str | None] | None = None,
           string_data: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
           secret_type: str | None = None, namespace: str = EKSA_SYSTEM_NAMESPACE) -> dict[str, Any]:
    """A ``v1/Secret``; ``data`` values must already be base64."""
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret",
                           "metadata": metadata(name, namespace=namespace, labels=labels)}
    if data is not None:
        out["data"] = dict(data)
    if string_data is not None:
        out["stringData"] = dict(string_data)
    if secret_type:
        out["type"] = secret_type
    return out


def registry_credentials_secret(username: str | None, password: str | None, *, encoded: bool = False) -> dict[str, Any]:
    """``registry-credentials`` (moved with the cluster): the registry mirror login, as ``stringData`` or, with
    ``encoded``, base64 ``data``."""
    labels = {MOVE_LABEL: "true"}
    if encoded:
        return secret("registry-credentials", data={"username": b64(username), "password": b64(password)},
                      labels=labels)
    return secret("registry-credentials", string_data={"username": username or "", "password": password or ""},
                  labels=labels)


def cluster_resource_set(name: str, cluster_name: str, resources: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A ``ClusterResourceSet`` (strategy Reconcile) applying ``resources`` (kind, name) to the cluster."""
    return {
        "apiVersion": ADDONS_API_VERSION,
        "kind": "ClusterResourceSet",
        "metadata": metadata(name, labels={CLUSTER_NAME_LABEL: cluster_name}),
        "spec": {
            "strategy": "Reconcile",
            "clusterSelector": {"matchLabels": {CLUSTER_NAME_LABEL: cluster_name}},
            "resources": [{"kind": k, "name": n} for k, n in resources],
        },
    }


def _mhc(name: str, cluster_name: str, selector: dict[str, Any], check: MachineHealthCheck | None,
         default: MachineHealthCheck | None, max_unhealthy_default: str) -> dict[str, Any]:
    def pick(attr: str, fallback: Any) -> Any:
        for source in (check, default):
            value = getattr(source, attr, None) if source is not None else None
            if value is not None:
                return value
        return fallback

    startup = pick("node_startup_timeout", "10m0s")
    unhealthy = pick("unhealthy_machine_timeout", "5m0s")
    max_unhealthy = pick("max_unhealthy", max_unhealthy_default)
    return {
        "apiVersion": CLUSTER_API_VERSION,
        "kind": "MachineHealthCheck",
        # the cluster-name label (CAPI's webhook would default it) also lets a move find the check
        "metadata": metadata(name, labels={CLUSTER_NAME_LABEL: cluster_name}),
        "spec": {
            "clusterName": cluster_name,
            "selector": selector,
            "checks": {
                "nodeStartupTimeoutSeconds": _seconds(startup),
                "unhealthyNodeConditions": [
                    {"type": "Ready", "status": "Unknown", "timeoutSeconds": _seconds(unhealthy)},
                    {"type": "Ready", "status": "False", "timeoutSeconds": _seconds(unhealthy)},
                ],
            },
            "remediation": {"triggerIf": {"unhealthyLessThanOrEqualTo": max_unhealthy}},
        },
    }


def _seconds(duration: str | int) -> int:
    """Go duration (``1h2m3s``, ``10m``, ``90s``) -> seconds."""
    if isinstance(duration, int):
        return duration
    total = 0.0
    for value, unit in re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", duration):
        total += float(value) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
    return int(total)


def machine_health_checks(cluster: Cluster) -> list[dict[str, Any]]:
    """MachineHealthChecks ``<cluster>-kcp-unhealthy`` and ``<cluster>-<group>-worker-unhealthy``: timeouts from
    the group / control plane override, else the cluster's ``machineHealthCheck``, else 10m / 5m; maxUnhealthy
    100% for the control plane and 40% for workers unless set."""
    name = cluster.name
    default = cluster.spec.machine_health_check
    cp = cluster.spec.control_plane_configuration
    out = [_mhc(kcp_health_check_name(name), name,
                {"matchLabels": {CLUSTER_NAME_LABEL: name, "cluster.x-k8s.io/control-plane": ""}},
                cp.machine_health_check if cp else None, default, "100%")]
    for group in cluster.worker_groups():
        gname = group.name or ""
        out.append(_mhc(worker_health_check_name(name, gname), name,
                        {"matchLabels": {"cluster.x-k8s.io/deployment-name": machine_deployment_name(name, gname)}},
                        group.machine_health_check, default, "40%"))
    return out
