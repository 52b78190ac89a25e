"""A realistic Cluster API object graph written to a real API server, as EKS Anywhere's vSphere clusters hold it.

The declared objects (Cluster, VSphereCluster, machine templates, KubeadmControlPlane, KubeadmConfigTemplate,
MachineDeployment, ClusterResourceSet, Secrets, ConfigMap) are what eksa renders for the public vSphere render
cases; the objects the controllers would add (MachineSet, Machines, KubeadmConfigs, VSphereMachines, the bootstrap
data, kubeconfig and CA Secrets) are written here with ownerReferences carrying their owners' real uids, and every
kind with a status subresource gets a status, as the controllers leave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eksa_core.conformance.cases import load_case_file
from eksa_core.conformance.runner import render_case_objects
from eksa_core.kube import KubeClient, move_kinds
from eksa_core.plugins import default_plugins

CAPI = "cluster.x-k8s.io/v1beta2"
BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta2"
CONTROLPLANE = "controlplane.cluster.x-k8s.io/v1beta2"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta1"
LABEL = "cluster.x-k8s.io/cluster-name"
CASES = Path(__file__).resolve().parents[1] / "conformance" / "data" / "cases.yaml"
#: the CRD groups the graph needs
CRD_GROUPS = ("capi-core", "capi-kubeadm-bootstrap", "capi-kubeadm-controlplane", "capv", "etcdadm-bootstrap",
              "etcdadm-controller")

#: What a move of the graph searches: the kube layer's kinds with the vSphere provider's infrastructure kinds.
MOVE_KINDS = move_kinds(infrastructure=[(INFRA, "VSphereCluster"), (INFRA, "VSphereMachineTemplate"),
                                        (INFRA, "VSphereMachine"), (INFRA, "VSphereVM")])

_NOW = "2026-01-01T00:00:00Z"


def _condition(kind: str) -> dict[str, Any]:
    return {"type": kind, "status": "True", "reason": kind, "message": f"{kind} as the controllers left it",
            "lastTransitionTime": _NOW}


def rendered(case_ids: tuple[str, ...] = ("vsphere-kcp-main", "vsphere-kct-main")) -> list[dict[str, Any]]:
    """What eksa renders for the control plane and workers of a public vSphere case."""
    cases = {c.id: c for c in load_case_file(CASES).cases}
    plugins = default_plugins()
    out: list[dict[str, Any]] = []
    for case_id in case_ids:
        out += render_case_objects(cases[case_id], plugins)
    return out


def _owner(obj: Mapping[str, Any], *, controller: bool = True) -> dict[str, Any]:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": controller, "blockOwnerDeletion": True}


def _write(kube: KubeClient, obj: dict[str, Any], namespace: str, owners: list[Mapping[str, Any]] = (),  # type: ignore[assignment]
           status: Mapping[str, Any] | None = None) -> dict[str, Any]:
    meta = obj.setdefault("metadata", {})
    meta["namespace"] = namespace
    if owners:
        meta["ownerReferences"] = [_owner(o, controller=i == 0) for i, o in enumerate(owners)]
    obj.pop("status", None)
    (stored,) = kube.apply(obj, field_manager="capi-controllers")
    if status:
        stored = kube.patch_merge(obj["apiVersion"], obj["kind"], meta["name"], {"status": dict(status)},
                                  namespace, subresource="status")
    return stored


def seed(kube: KubeClient, namespace: str) -> tuple[str, dict[tuple[str, str], dict[str, Any]]]:
    """Write the graph into ``namespace``; returns the cluster name and every object written, by (kind, name)."""
    objects = rendered()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    (cluster,) = by_kind["Cluster"]
    name = cluster["metadata"]["name"]
    written: dict[tuple[str, str], dict[str, Any]] = {}

    def put(obj: dict[str, Any], owners: list[Mapping[str, Any]] = (),  # type: ignore[assignment]
            status: Mapping[str, Any] | None = None) -> dict[str, Any]:
        stored = _write(kube, obj, namespace, owners, status)
        written[(stored["kind"], stored["metadata"]["name"])] = stored
        return stored

    root = put(cluster, status={"phase": "Provisioned", "conditions": [_condition("Available")]})
    (kcp,) = by_kind["KubeadmControlPlane"]
    (md,) = by_kind["MachineDeployment"]
    for obj in objects:
        if obj is cluster or obj["kind"] in ("KubeadmControlPlane", "MachineDeployment"):
            continue
        status = {"ready": True} if obj["kind"] == "VSphereCluster" else None
        put(obj, [root] if obj["kind"] not in ("Secret", "ConfigMap") else [], status)
    kcp_obj = put(kcp, [root], {"replicas": 1, "readyReplicas": 1, "conditions": [_condition("Available")]})
    md_obj = put(md, [root], {"replicas": 1, "readyReplicas": 1, "phase": "Running"})
    labels = {LABEL: name}
    put({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
         "metadata": {"name": f"{name}-kubeconfig", "labels": labels}, "data": {"value": "a3ViZWNvbmZpZw=="}},
        [root])
    put({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
         "metadata": {"name": f"{name}-ca", "labels": labels}, "data": {"tls.crt": "Y2E=", "tls.key": "a2V5"}},
        [kcp_obj])

    md_spec = md["spec"]["template"]["spec"]
    machine_set = put({
        "apiVersion": CAPI, "kind": "MachineSet",
        "metadata": {"name": f"{md['metadata']['name']}-7d9f8", "labels": labels},
        "spec": {"clusterName": name, "replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": md_spec}},
    }, [md_obj], {"replicas": 1, "readyReplicas": 1})
    cp_template = kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"]
    (kct,) = by_kind["KubeadmConfigTemplate"]
    machines = [("cp", kcp_obj, cp_template, kcp["spec"]["kubeadmConfigSpec"]),
                ("md", machine_set, md_spec["infrastructureRef"]["name"], kct["spec"]["template"]["spec"])]
    for role, owner, template, config_spec in machines:
        machine_name = f"{name}-{role}-x1"
        vsphere_machine = {
            "apiVersion": INFRA, "kind": "VSphereMachine",
            "metadata": {"name": machine_name, "labels": labels},
            "spec": dict(written[("VSphereMachineTemplate", template)]["spec"]["template"]["spec"]),
        }
        machine = put({
            "apiVersion": CAPI, "kind": "Machine", "metadata": {"name": machine_name, "labels": labels},
            "spec": {"clusterName": name, "version": md_spec["version"],
                     "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io", "kind": "KubeadmConfig",
                                                 "name": machine_name},
                                   "dataSecretName": machine_name},
                     "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "VSphereMachine",
                                           "name": machine_name}},
        }, [owner], {"phase": "Running", "nodeRef": {"name": machine_name}})
        put(vsphere_machine, [machine], {"ready": True, "addresses": [{"type": "InternalIP", "address": "10.0.0.50"}]})
        config = put({"apiVersion": BOOTSTRAP, "kind": "KubeadmConfig",
                      "metadata": {"name": machine_name, "labels": labels}, "spec": dict(config_spec)},
                     [machine], {"dataSecretName": machine_name})
        put({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
             "metadata": {"name": machine_name, "labels": labels}, "data": {"value": "Ym9vdHN0cmFw"}}, [config])
    return name, written
