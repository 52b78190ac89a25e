"""API discovery: resolving kinds to resources, CRDs that appear later, scope and subresources."""

from __future__ import annotations

import pytest

from eksa_core.kube import KubeNotFoundError

from .fixtures import KubeTestEnv

INFRA = "infrastructure.cluster.x-k8s.io/v1beta1"


def test_core_kinds_are_discovered(kube_env: KubeTestEnv) -> None:
    secret = kube_env.client.resource("v1", "Secret")
    assert (secret.plural, secret.namespaced, secret.group) == ("secrets", True, "")
    assert secret.path("s", "ns") == "/api/v1/namespaces/ns/secrets/s"
    namespace = kube_env.client.resource("v1", "Namespace")
    assert (namespace.plural, namespace.namespaced) == ("namespaces", False)
    assert namespace.path("x", "ignored") == "/api/v1/namespaces/x"
    assert "v1" in kube_env.client.server_groups()


def test_crd_registered_after_first_lookup_is_found(kube_env: KubeTestEnv) -> None:
    double = kube_env.need_double("installs kinds while the client runs")
    double.register_kind(INFRA, "VSphereCluster")
    assert kube_env.client.resource(INFRA, "VSphereCluster").plural == "vsphereclusters"

    assert not kube_env.client.has_kind(INFRA, "VSphereMachineTemplate")  # cached group/version lacks it
    double.register_kind(INFRA, "VSphereMachineTemplate")  # the CRD gets installed
    info = kube_env.client.resource(INFRA, "VSphereMachineTemplate")  # a miss refreshes the group/version

    assert info.plural == "vspheremachinetemplates"
    assert info.has_status
    assert info.path("t", "eksa-system") == (
        "/apis/infrastructure.cluster.x-k8s.io/v1beta1/namespaces/eksa-system/vspheremachinetemplates/t"
    )
    assert f"{INFRA}" in kube_env.client.server_groups()


def test_cluster_scoped_custom_kind(kube_env: KubeTestEnv) -> None:
    double = kube_env.need_double("registers a cluster-scoped kind")
    double.register_kind(INFRA, "VSphereClusterIdentity", namespaced=False, status_subresource=False)
    applied = kube_env.client.apply(
        {
            "apiVersion": INFRA,
            "kind": "VSphereClusterIdentity",
            "metadata": {"name": "id", "namespace": "ignored"},
            "spec": {"secretName": "creds"},
        }
    )[0]
    assert "namespace" not in applied["metadata"]
    listed = kube_env.client.list(INFRA, "VSphereClusterIdentity")
    assert [o["metadata"]["name"] for o in listed] == ["id"]


def test_unknown_kind_is_reported_like_kubectl(kube_env: KubeTestEnv) -> None:
    with pytest.raises(KubeNotFoundError, match=r'no matches for kind "Nope" in version "example\.com/v9"'):
        kube_env.client.resource("example.com/v9", "Nope")
    with pytest.raises(KubeNotFoundError, match=r'no matches for kind "Gadget" in version "v1"'):
        kube_env.client.apply({"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}})
