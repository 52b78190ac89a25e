"""API discovery on the real control plane: kinds to resources, CRDs that appear later, scope, subresources."""

from __future__ import annotations

import time

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


def _widget_crd(group: str, kind: str, *, namespaced: bool = True) -> dict[str, object]:
    """A minimal CRD of a group of this test's own (so that it is new to the server, whatever ran before)."""
    plural = f"{kind.lower()}s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced" if namespaced else "Cluster",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


def _install(kube_env: KubeTestEnv, crd: dict[str, object]) -> None:
    """Install ``crd`` and wait until the server's discovery serves it (seen through another client, so the
    test's client keeps whatever it had cached)."""
    kube_env.client.apply(crd)
    name = crd["metadata"]["name"]  # type: ignore[index]
    spec = crd["spec"]
    kube_env.client.wait_for_condition(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition", name, None, "Established", poll_interval=0.2,
        sleep=time.sleep,
    )
    api_version = f"{spec['group']}/v1"  # type: ignore[index]
    kind = spec["names"]["kind"]  # type: ignore[index]
    deadline = time.monotonic() + 60
    with kube_env.new_client() as probe:
        while not probe.has_kind(api_version, kind):
            assert time.monotonic() < deadline, f"discovery never served {kind} ({api_version})"
            time.sleep(0.2)
            probe.invalidate_discovery()


def test_crd_registered_after_first_lookup_is_found(kube_env: KubeTestEnv) -> None:
    group = f"{kube_env.namespace}.discovery.eksa.test"
    api_version = f"{group}/v1"
    _install(kube_env, _widget_crd(group, "Widget"))
    assert kube_env.client.resource(api_version, "Widget").plural == "widgets"

    assert not kube_env.client.has_kind(api_version, "Gadget")  # cached group/version lacks it
    _install(kube_env, _widget_crd(group, "Gadget"))  # the CRD gets installed
    info = kube_env.client.resource(api_version, "Gadget")  # a miss refreshes the group/version

    assert info.plural == "gadgets"
    assert info.has_status
    assert info.path("t", "eksa-system") == f"/apis/{group}/v1/namespaces/eksa-system/gadgets/t"
    assert api_version in kube_env.client.server_groups()


def test_cluster_scoped_custom_kind(kube_env: KubeTestEnv) -> None:
    kube_env.need_kinds([(INFRA, "VSphereClusterIdentity")])  # CAPV's CRD: cluster-scoped
    name = f"id-{kube_env.namespace}"
    try:
        applied = kube_env.client.apply(
            {
                "apiVersion": INFRA,
                "kind": "VSphereClusterIdentity",
                "metadata": {"name": name, "namespace": "ignored"},
                "spec": {"secretName": "creds"},
            }
        )[0]
        assert "namespace" not in applied["metadata"]
        listed = kube_env.client.list(INFRA, "VSphereClusterIdentity")
        assert name in [o["metadata"]["name"] for o in listed]
    finally:
        kube_env.client.delete(INFRA, "VSphereClusterIdentity", name, ignore_not_found=True)


def test_unknown_kind_is_reported_like_kubectl(kube_env: KubeTestEnv) -> None:
    with pytest.raises(KubeNotFoundError, match=r'no matches for kind "Nope" in version "example\.com/v9"'):
        kube_env.client.resource("example.com/v9", "Nope")
    with pytest.raises(KubeNotFoundError, match=r'no matches for kind "Gadget" in version "v1"'):
        kube_env.client.apply({"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}})
