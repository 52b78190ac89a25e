"""The real Cluster API fixture itself: managers ready on their own loopback ports, conversion and admission
webhooks served by them, CRDs from the module downloads."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import pytest

from eksa_core.kube import KubeClient, KubeError
from eksa_core.testing.capi import MANAGERS, ClusterAPI

pytestmark = pytest.mark.capireal


def _listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses on which something listens on TCP ``port`` (from /proc/net/tcp*)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            next(fh)
            for line in fh:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                    continue
                if len(address) == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    words = b"".join(bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, 32, 8))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _client(capi: ClusterAPI) -> KubeClient:
    return KubeClient(str(capi.control_plane.kubeconfig))


def _namespace(client: KubeClient) -> str:
    name = f"t-capi-{uuid.uuid4().hex[:6]}"
    client.create_namespace(name)
    return name


def test_every_manager_is_ready_on_its_own_ports(capi_management: ClusterAPI) -> None:
    ports = capi_management.ports()
    assert sorted(ports) == sorted(m.name for m in MANAGERS)
    every = [p for manager in ports.values() for p in manager.values()]
    assert len(every) == len(set(every)), f"ports shared between managers: {ports}"
    for name, manager_ports in ports.items():
        assert capi_management.ready(name), f"{name} is not ready:\n{capi_management.logs()[name]}"
        for kind, port in manager_ports.items():
            addresses = _listening_addresses(port)
            if kind == "webhook":
                # the managers take no host for their webhook server (controller-runtime binds every interface)
                assert addresses, f"{name} webhook port {port} is not listening"
            else:
                assert addresses == {"127.0.0.1"}, f"{name} {kind} port {port} listens on {addresses}"


def test_crds_are_served_in_both_versions_through_the_conversion_webhook(capi_management: ClusterAPI) -> None:
    client = _client(capi_management)
    crd = client.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "clusters.cluster.x-k8s.io")
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    assert versions["v1beta2"]["storage"] is True and "v1beta1" in versions
    conversion = crd["spec"]["conversion"]
    assert conversion["strategy"] == "Webhook"
    core_port = capi_management.ports()["core"]["webhook"]
    assert conversion["webhook"]["clientConfig"]["url"] == f"https://127.0.0.1:{core_port}/convert"

    ns = _namespace(client)
    try:
        client.apply(
            {
                "apiVersion": "cluster.x-k8s.io/v1beta1",
                "kind": "Cluster",
                "metadata": {"name": "conv", "namespace": ns, "annotations": {"cluster.x-k8s.io/paused": "true"}},
                "spec": {
                    "paused": True,
                    "clusterNetwork": {"pods": {"cidrBlocks": ["192.168.0.0/16"]}},
                    "infrastructureRef": {
                        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
                        "kind": "DevCluster",
                        "name": "conv",
                    },
                },
            }
        )
        old = client.get("cluster.x-k8s.io/v1beta1", "Cluster", "conv", ns)
        new = client.get("cluster.x-k8s.io/v1beta2", "Cluster", "conv", ns)
        # stored as v1beta2, read in both: the references differ in shape (apiVersion in v1beta1, apiGroup in
        # v1beta2), which only Cluster API's conversion webhook translates; going back to v1beta1 it resolves the
        # DevCluster's version from the CRD's contract label (v1beta2)
        assert old["apiVersion"] == "cluster.x-k8s.io/v1beta1"
        assert new["apiVersion"] == "cluster.x-k8s.io/v1beta2"
        assert old["spec"]["infrastructureRef"]["apiVersion"] == "infrastructure.cluster.x-k8s.io/v1beta2"
        assert "apiGroup" not in old["spec"]["infrastructureRef"]
        assert new["spec"]["infrastructureRef"] == {
            "apiGroup": "infrastructure.cluster.x-k8s.io",
            "kind": "DevCluster",
            "name": "conv",
        }
        assert new["spec"]["clusterNetwork"]["pods"]["cidrBlocks"] == ["192.168.0.0/16"]
    finally:
        client.delete("v1", "Namespace", ns, ignore_not_found=True)


def test_admission_webhooks_reject_what_cluster_api_rejects(capi_management: ClusterAPI) -> None:
    client = _client(capi_management)
    ns = _namespace(client)
    kcp: dict[str, Any] = {
        "apiVersion": "controlplane.cluster.x-k8s.io/v1beta2",
        "kind": "KubeadmControlPlane",
        "metadata": {"name": "kcp", "namespace": ns},
        "spec": {
            "replicas": 2,  # even with stacked etcd: KCP's validating webhook refuses it
            "version": "v1.33.1",
            "machineTemplate": {
                "spec": {
                    "infrastructureRef": {
                        "apiGroup": "infrastructure.cluster.x-k8s.io",
                        "kind": "DevMachineTemplate",
                        "name": "cp",
                    }
                }
            },
            "kubeadmConfigSpec": {"clusterConfiguration": {"apiServer": {"certSANs": ["127.0.0.1"]}}},
        },
    }
    try:
        with pytest.raises(KubeError) as err:
            client.apply(kcp)
        assert "admission webhook" in str(err.value) and "even" in str(err.value), str(err.value)
        kcp["spec"]["replicas"] = 3
        stored = client.apply(kcp)[0]
        assert stored["spec"]["replicas"] == 3
    finally:
        client.delete("v1", "Namespace", ns, ignore_not_found=True)
