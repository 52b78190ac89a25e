"""A realistic Cluster API object graph (vSphere provider, as EKS Anywhere creates it) seeded into the double.

Objects are stored the way the controllers leave them: with ownerReferences carrying the owners' uids,
finalizers and status. Alongside the cluster ``mgmt`` the source holds objects that must NOT move (a workload
cluster ``w1`` and unrelated objects) so tests can check the move's boundaries.
"""

from __future__ import annotations

from typing import Any

from eksa_core.kube import move_kinds
from eksa_core.testing.apiserver_double import FaultInjectionAPIServer

CAPI = "cluster.x-k8s.io/v1beta1"
BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta1"
CONTROLPLANE = "controlplane.cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta1"
EKSA = "anywhere.eks.amazonaws.com/v1alpha1"

NAMESPACE = "eksa-system"
CLUSTER = "mgmt"
LABEL = "cluster.x-k8s.io/cluster-name"

KINDS: list[tuple[str, str]] = [
    (CAPI, "Cluster"),
    (CAPI, "MachineDeployment"),
    (CAPI, "MachineSet"),
    (CAPI, "Machine"),
    (CAPI, "MachineHealthCheck"),
    (BOOTSTRAP, "KubeadmConfig"),
    (BOOTSTRAP, "KubeadmConfigTemplate"),
    (CONTROLPLANE, "KubeadmControlPlane"),
    (INFRA, "VSphereCluster"),
    (INFRA, "VSphereMachineTemplate"),
    (INFRA, "VSphereMachine"),
    (INFRA, "VSphereVM"),
    (EKSA, "Cluster"),
    (EKSA, "VSphereDatacenterConfig"),
    (EKSA, "VSphereMachineConfig"),
]

#: What a move of the graph searches: the kube layer's kinds with the vSphere provider's (as its registration
#: declares them: Cluster API infrastructure kinds and EKS Anywhere kinds).
MOVE_KINDS: list[tuple[str, str]] = move_kinds(
    infrastructure=[(INFRA, "VSphereCluster"), (INFRA, "VSphereMachineTemplate"), (INFRA, "VSphereMachine"),
                    (INFRA, "VSphereVM")],
    eksa=[(EKSA, "VSphereDatacenterConfig"), (EKSA, "VSphereMachineConfig")])


def _owner(obj: dict[str, Any], controller: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def _ref(api_version: str, kind: str, name: str) -> dict[str, str]:
    return {"apiVersion": api_version, "kind": kind, "name": name, "namespace": NAMESPACE}


def _ready(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"}]
    }
    status.update(extra or {})
    return status


def register_kinds(double: FaultInjectionAPIServer) -> None:
    """Serve the kinds of the graph (as the CAPI, CAPV and EKS-A CRDs would)."""
    double.register_kinds(KINDS)


def seed(double: FaultInjectionAPIServer) -> dict[str, int]:
    """Store the graph of cluster ``mgmt`` and the decoys; return the expected moved objects per kind."""
    put = double.put_object

    def obj(
        api_version: str,
        kind: str,
        name: str,
        *,
        labels: bool = True,
        owners: list[dict[str, Any]] | None = None,
        finalizers: list[str] | None = None,
        spec: dict[str, Any] | None = None,
        status: dict[str, Any] | None = None,
        namespace: str = NAMESPACE,
        **extra: Any,
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "namespace": namespace}
        if labels:
            meta["labels"] = {LABEL: CLUSTER}
        if owners:
            meta["ownerReferences"] = owners
        if finalizers:
            meta["finalizers"] = finalizers
        body: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": meta, **extra}
        if spec is not None:
            body["spec"] = spec
        if status is not None:
            body["status"] = status
        return put(body)

    double.put_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})

    # EKS Anywhere objects (referenced from the EKS-A Cluster's spec)
    obj(
        EKSA,
        "VSphereDatacenterConfig",
        CLUSTER,
        labels=False,
        spec={"server": "vcenter.local", "datacenter": "dc"},
    )
    obj(EKSA, "VSphereMachineConfig", f"{CLUSTER}-cp", labels=False, spec={"numCPUs": 2, "memoryMiB": 8192})
    obj(EKSA, "VSphereMachineConfig", f"{CLUSTER}-md", labels=False, spec={"numCPUs": 4, "memoryMiB": 16384})
    obj(
        EKSA,
        "Cluster",
        CLUSTER,
        labels=False,
        finalizers=["clusters.anywhere.eks.amazonaws.com/finalizer"],
        spec={
            "kubernetesVersion": "1.30",
            "datacenterRef": {"kind": "VSphereDatacenterConfig", "name": CLUSTER},
            "controlPlaneConfiguration": {
                "count": 1,
                "machineGroupRef": {"kind": "VSphereMachineConfig", "name": f"{CLUSTER}-cp"},
            },
            "workerNodeGroupConfigurations": [
                {
                    "name": "md-0",
                    "count": 1,
                    "machineGroupRef": {"kind": "VSphereMachineConfig", "name": f"{CLUSTER}-md"},
                }
            ],
            "managementCluster": {"name": CLUSTER},
        },
        status={"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True"}]},
    )

    cluster = obj(
        CAPI,
        "Cluster",
        CLUSTER,
        finalizers=["cluster.cluster.x-k8s.io"],
        spec={
            "paused": False,
            "clusterNetwork": {"pods": {"cidrBlocks": ["192.168.0.0/16"]}},
            "controlPlaneEndpoint": {"host": "10.0.0.10", "port": 6443},
            "infrastructureRef": _ref(INFRA, "VSphereCluster", CLUSTER),
            "controlPlaneRef": _ref(CONTROLPLANE, "KubeadmControlPlane", CLUSTER),
        },
        status=_ready({"phase": "Provisioned", "infrastructureReady": True, "controlPlaneReady": True}),
    )
    own_cluster = [_owner(cluster, controller=False)]
    obj(
        INFRA,
        "VSphereCluster",
        CLUSTER,
        owners=[_owner(cluster)],
        finalizers=["vspherecluster.infrastructure.cluster.x-k8s.io"],
        spec={
            "server": "vcenter.local",
            "identityRef": {"kind": "Secret", "name": f"{CLUSTER}-vsphere-credentials"},
        },
        status=_ready({"ready": True}),
    )
    obj(
        "v1",
        "Secret",
        f"{CLUSTER}-vsphere-credentials",
        labels=False,
        type="Opaque",
        data={"username": "dXNlcg==", "password": "cGFzcw=="},
    )
    cp_template = obj(
        INFRA,
        "VSphereMachineTemplate",
        f"{CLUSTER}-control-plane-1",
        owners=own_cluster,
        spec={"template": {"spec": {"numCPUs": 2, "template": "ubuntu-2204-kube-v1.30"}}},
    )
    md_template = obj(
        INFRA,
        "VSphereMachineTemplate",
        f"{CLUSTER}-md-0-1",
        owners=own_cluster,
        spec={"template": {"spec": {"numCPUs": 4, "template": "ubuntu-2204-kube-v1.30"}}},
    )
    config_template = obj(
        BOOTSTRAP,
        "KubeadmConfigTemplate",
        f"{CLUSTER}-md-0-1",
        owners=own_cluster,
        spec={"template": {"spec": {"joinConfiguration": {"nodeRegistration": {"name": "x"}}}}},
    )
    kcp = obj(
        CONTROLPLANE,
        "KubeadmControlPlane",
        CLUSTER,
        owners=[_owner(cluster)],
        finalizers=["kubeadm.controlplane.cluster.x-k8s.io"],
        spec={
            "replicas": 1,
            "version": "v1.30.2-eks-1-30-10",
            "machineTemplate": {
                "infrastructureRef": _ref(INFRA, "VSphereMachineTemplate", cp_template["metadata"]["name"])
            },
        },
        status=_ready({"replicas": 1, "readyReplicas": 1, "initialized": True}),
    )
    for suffix in ("kubeconfig", "ca", "etcd", "sa", "proxy"):
        obj(
            "v1",
            "Secret",
            f"{CLUSTER}-{suffix}",
            owners=[_owner(kcp)],
            type="cluster.x-k8s.io/secret",
            data={"value": "c2VjcmV0LWRhdGE="},
        )
    md = obj(
        CAPI,
        "MachineDeployment",
        f"{CLUSTER}-md-0",
        owners=own_cluster,
        spec={
            "clusterName": CLUSTER,
            "replicas": 1,
            "template": {
                "spec": {
                    "clusterName": CLUSTER,
                    "version": "v1.30.2-eks-1-30-10",
                    "bootstrap": {
                        "configRef": _ref(
                            BOOTSTRAP, "KubeadmConfigTemplate", config_template["metadata"]["name"]
                        )
                    },
                    "infrastructureRef": _ref(
                        INFRA, "VSphereMachineTemplate", md_template["metadata"]["name"]
                    ),
                }
            },
        },
        status=_ready({"replicas": 1, "readyReplicas": 1, "phase": "Running"}),
    )
    ms = obj(
        CAPI,
        "MachineSet",
        f"{CLUSTER}-md-0-7d9f8",
        owners=[_owner(md)],
        spec={"clusterName": CLUSTER, "replicas": 1},
        status={"replicas": 1, "readyReplicas": 1},
    )
    obj(
        CAPI,
        "MachineHealthCheck",
        f"{CLUSTER}-md-0-worker-unhealthy",
        owners=own_cluster,
        spec={"clusterName": CLUSTER, "maxUnhealthy": "40%"},
    )

    machines = [(f"{CLUSTER}-cp-abcde", kcp, "control-plane"), (f"{CLUSTER}-md-0-7d9f8-xyz12", ms, "worker")]
    for name, owner, _role in machines:
        machine = obj(
            CAPI,
            "Machine",
            name,
            owners=[_owner(owner)],
            finalizers=["machine.cluster.x-k8s.io"],
            spec={
                "clusterName": CLUSTER,
                "bootstrap": {"dataSecretName": name, "configRef": _ref(BOOTSTRAP, "KubeadmConfig", name)},
                "infrastructureRef": _ref(INFRA, "VSphereMachine", name),
            },
            status=_ready({"phase": "Running", "nodeRef": {"kind": "Node", "name": name}}),
        )
        config = obj(
            BOOTSTRAP,
            "KubeadmConfig",
            name,
            owners=[_owner(machine)],
            spec={"joinConfiguration": {}},
            status={"ready": True, "dataSecretName": name},
        )
        obj(
            "v1",
            "Secret",
            name,
            owners=[_owner(config)],
            type="cluster.x-k8s.io/secret",
            data={"value": "Ym9vdHN0cmFwLWRhdGE="},
        )
        vsphere_machine = obj(
            INFRA,
            "VSphereMachine",
            name,
            owners=[_owner(machine)],
            finalizers=["vspheremachine.infrastructure.cluster.x-k8s.io"],
            spec={"providerID": f"vsphere://{name}"},
            status=_ready({"ready": True}),
        )
        obj(
            INFRA,
            "VSphereVM",
            name,
            owners=[_owner(vsphere_machine)],
            finalizers=["vspherevm.infrastructure.cluster.x-k8s.io"],
            spec={"biosUUID": f"uuid-{name}"},
            status=_ready({"ready": True, "addresses": ["10.0.0.20"]}),
        )

    # decoys: a workload cluster managed from the same namespace, and unrelated objects
    w1 = put(
        {
            "apiVersion": CAPI,
            "kind": "Cluster",
            "metadata": {"name": "w1", "namespace": NAMESPACE, "labels": {LABEL: "w1"}},
            "spec": {"infrastructureRef": _ref(INFRA, "VSphereCluster", "w1")},
        }
    )
    put(
        {
            "apiVersion": INFRA,
            "kind": "VSphereCluster",
            "metadata": {"name": "w1", "namespace": NAMESPACE, "ownerReferences": [_owner(w1)]},
        }
    )
    put(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "w1-kubeconfig", "namespace": NAMESPACE, "labels": {LABEL: "w1"}},
            "data": {"value": "eA=="},
        }
    )
    put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "other-settings", "namespace": NAMESPACE},
            "data": {"a": "b"},
        }
    )
    put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "elsewhere", "namespace": "default", "labels": {LABEL: CLUSTER}},
        }
    )

    return {
        "Cluster.anywhere.eks.amazonaws.com": 1,
        "VSphereDatacenterConfig.anywhere.eks.amazonaws.com": 1,
        "VSphereMachineConfig.anywhere.eks.amazonaws.com": 2,
        "Cluster.cluster.x-k8s.io": 1,
        "KubeadmConfig.bootstrap.cluster.x-k8s.io": 2,
        "KubeadmConfigTemplate.bootstrap.cluster.x-k8s.io": 1,
        "KubeadmControlPlane.controlplane.cluster.x-k8s.io": 1,
        "Machine.cluster.x-k8s.io": 2,
        "MachineDeployment.cluster.x-k8s.io": 1,
        "MachineHealthCheck.cluster.x-k8s.io": 1,
        "MachineSet.cluster.x-k8s.io": 1,
        "Secret": 1 + 5 + 2,
        "VSphereCluster.infrastructure.cluster.x-k8s.io": 1,
        "VSphereMachine.infrastructure.cluster.x-k8s.io": 2,
        "VSphereMachineTemplate.infrastructure.cluster.x-k8s.io": 2,
        "VSphereVM.infrastructure.cluster.x-k8s.io": 2,
    }


DECOYS: list[tuple[str, str, str, str]] = [
    (CAPI, "Cluster", "w1", NAMESPACE),
    (INFRA, "VSphereCluster", "w1", NAMESPACE),
    ("v1", "Secret", "w1-kubeconfig", NAMESPACE),
    ("v1", "ConfigMap", "other-settings", NAMESPACE),
    ("v1", "ConfigMap", "elsewhere", "default"),
]
