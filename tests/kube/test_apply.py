"""Server-side apply: create, update, idempotency (real control plane); retries of transient errors (fault double)."""

from __future__ import annotations

import socket

import pytest

from eksa_core.kube import KubeClient, KubeConflictError, KubeConnectionError, KubeError, RetryPolicy

from .fixtures import KubeTestEnv, RecordingSleep


def _config_map(namespace: str, name: str = "settings", **data: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "eksa"}},
        "data": data or {"mode": "a"},
    }


def test_apply_creates_object_and_returns_it(kube_env: KubeTestEnv) -> None:
    applied = kube_env.client.apply(_config_map(kube_env.namespace, mode="a"))

    assert len(applied) == 1
    obj = applied[0]
    assert obj["kind"] == "ConfigMap" and obj["apiVersion"] == "v1"
    assert obj["metadata"]["uid"] and obj["metadata"]["resourceVersion"]
    assert obj["data"] == {"mode": "a"}
    stored = kube_env.client.get("v1", "ConfigMap", "settings", kube_env.namespace)
    assert stored["metadata"]["uid"] == obj["metadata"]["uid"]
    managers = [entry["manager"] for entry in stored["metadata"].get("managedFields", [])]
    assert "eks-a-cli" in managers


def test_apply_updates_and_removes_fields_it_no_longer_sets(kube_env: KubeTestEnv) -> None:
    first = kube_env.client.apply(_config_map(kube_env.namespace, mode="a", extra="x"))[0]
    second = kube_env.client.apply(_config_map(kube_env.namespace, mode="b"))[0]

    assert second["metadata"]["uid"] == first["metadata"]["uid"]
    assert second["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
    assert second["data"] == {"mode": "b"}


def test_apply_twice_is_a_no_op(kube_env: KubeTestEnv) -> None:
    first = kube_env.client.apply(_config_map(kube_env.namespace))[0]
    again = kube_env.client.apply(_config_map(kube_env.namespace))[0]

    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert len(kube_env.client.list("v1", "ConfigMap", kube_env.namespace, label_selector="app=eksa")) == 1


def test_apply_accepts_multi_document_yaml_and_lists(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    text = f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: one, namespace: {ns}}}
data: {{k: "1"}}
---
# an empty document is skipped
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {{name: two, namespace: {ns}}}
  data: {{k: "2"}}
"""
    applied = kube_env.client.apply(text)
    assert [o["metadata"]["name"] for o in applied] == ["one", "two"]

    applied = kube_env.client.apply([_config_map(ns, "three"), _config_map(ns, "four")])
    assert [o["metadata"]["name"] for o in applied] == ["three", "four"]
    names = {o["metadata"]["name"] for o in kube_env.client.list("v1", "ConfigMap", ns)}
    assert {"one", "two", "three", "four"} <= names


def test_apply_puts_namespaced_objects_without_namespace_in_default(kube_env: KubeTestEnv) -> None:
    name = f"no-ns-{kube_env.namespace}"
    try:
        applied = kube_env.client.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
        assert applied[0]["metadata"]["namespace"] == "default"
        assert kube_env.client.get("v1", "ConfigMap", name, "default")["metadata"]["uid"]
    finally:
        kube_env.client.delete("v1", "ConfigMap", name, "default", ignore_not_found=True)


def test_apply_rejects_manifests_without_name_or_kind(kube: KubeClient) -> None:
    with pytest.raises(KubeError, match=r"no metadata\.name"):
        kube.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})
    with pytest.raises(KubeError, match="no apiVersion or kind"):
        kube.apply({"metadata": {"name": "x"}})
    with pytest.raises(KubeError, match="not valid YAML"):
        kube.apply("a: [")


def test_apply_of_cluster_scoped_object(kube_env: KubeTestEnv) -> None:
    name = f"{kube_env.namespace}-extra"
    try:
        applied = kube_env.client.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        assert "namespace" not in applied[0]["metadata"]
        assert kube_env.client.get("v1", "Namespace", name)["metadata"]["name"] == name
    finally:
        kube_env.client.delete("v1", "Namespace", name, ignore_not_found=True)


@pytest.mark.parametrize(
    ("status", "reason"),
    [(409, "Conflict"), (500, "InternalError"), (503, "ServiceUnavailable"), (429, "TooManyRequests")],
)
def test_apply_retries_transient_errors(fault_env: KubeTestEnv, status: int, reason: str) -> None:
    double = fault_env.need_double("injects failures")
    double.inject_failure(status, method="PATCH", times=2, reason=reason)

    applied = fault_env.client.apply(_config_map(fault_env.namespace))

    assert applied[0]["data"] == {"mode": "a"}
    assert fault_env.sleep.calls == [0.5, 1.0]  # two retries with exponential back-off, no real sleeping


def test_apply_retries_dropped_connections(fault_env: KubeTestEnv) -> None:
    double = fault_env.need_double("drops connections")
    double.inject_failure(method="PATCH", times=1, disconnect=True)

    applied = fault_env.client.apply(_config_map(fault_env.namespace))

    assert applied[0]["metadata"]["name"] == "settings"


def test_apply_gives_up_after_bounded_retries(fault_env: KubeTestEnv) -> None:
    double = fault_env.need_double("injects failures")
    double.inject_failure(503, method="PATCH", times=None, message="etcd is unhappy")
    sleep = RecordingSleep()
    client = fault_env.new_client(
        sleep=sleep, retry=RetryPolicy(attempts=4, initial_delay=1, factor=3, max_delay=5)
    )

    with pytest.raises(KubeError, match="etcd is unhappy") as info:
        client.apply(_config_map(fault_env.namespace))

    assert info.value.status == 503
    assert sleep.calls == [1, 3, 5]


def test_connection_refused_is_retried_then_reported() -> None:
    from kubernetes import client as k8s

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = k8s.Configuration()
    config.host = f"http://127.0.0.1:{port}"
    config.retries = False
    sleep = RecordingSleep()
    client = KubeClient(configuration=config, sleep=sleep, retry=RetryPolicy(attempts=3))

    with pytest.raises(KubeConnectionError, match="cannot reach the Kubernetes API server"):
        client.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})

    assert sleep.calls == [0.5, 1.0]


def test_field_manager_conflict_without_force_is_not_retried(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    kube_env.client.apply(_config_map(ns, mode="a"), field_manager="someone-else")

    with pytest.raises(KubeConflictError) as info:
        kube_env.client.apply(_config_map(ns, mode="b"), force=False)
    assert info.value.reason == "FieldManagerConflict"
    assert kube_env.sleep.calls == []

    forced = kube_env.client.apply(_config_map(ns, mode="b"), force=True)[0]
    assert forced["data"] == {"mode": "b"}
