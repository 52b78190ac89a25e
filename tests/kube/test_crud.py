"""get / list / delete / patches / annotations / namespaces, label selectors, finalizers and conflicts."""

from __future__ import annotations

import pytest

from eksa_core.kube import KubeClient, KubeConflictError, KubeError, KubeNotFoundError

from .fixtures import KubeTestEnv

CAPI = "cluster.x-k8s.io/v1beta1"


def _cm(ns: str, name: str, labels: dict[str, str] | None = None) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
    }


@pytest.fixture
def labelled(kube_env: KubeTestEnv) -> KubeTestEnv:
    ns = kube_env.namespace
    kube_env.client.apply(
        [
            _cm(ns, "a", {"tier": "cp", "cluster": "mgmt"}),
            _cm(ns, "b", {"tier": "worker", "cluster": "mgmt"}),
            _cm(ns, "c", {"tier": "worker", "cluster": "w1", "gpu": "yes"}),
            _cm(ns, "d", {}),
        ]
    )
    return kube_env


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("cluster=mgmt", ["a", "b"]),
        ("cluster==mgmt", ["a", "b"]),
        ("tier!=worker", ["a", "d"]),
        ("tier in (cp, worker),cluster=mgmt", ["a", "b"]),
        ("tier notin (cp)", ["b", "c", "d"]),
        ("gpu", ["c"]),
        ("!gpu", ["a", "b", "d"]),
        ("tier,!gpu,cluster in (mgmt,w1)", ["a", "b"]),
    ],
)
def test_label_selectors(labelled: KubeTestEnv, selector: str, expected: list[str]) -> None:
    items = labelled.client.list("v1", "ConfigMap", labelled.namespace, label_selector=selector)
    names = sorted(o["metadata"]["name"] for o in items if o["metadata"]["name"] in {"a", "b", "c", "d"})
    assert names == expected
    assert all(o["kind"] == "ConfigMap" and o["apiVersion"] == "v1" for o in items)


def test_label_selector_mapping(labelled: KubeTestEnv) -> None:
    items = labelled.client.list(
        "v1", "ConfigMap", labelled.namespace, label_selector={"cluster": "w1", "tier": "worker"}
    )
    assert [o["metadata"]["name"] for o in items] == ["c"]


def test_malformed_selectors_are_rejected_by_the_server(kube_env: KubeTestEnv) -> None:
    with pytest.raises(KubeError, match="unable to parse requirement") as info:
        kube_env.client.list("v1", "ConfigMap", kube_env.namespace, label_selector="a in x")
    assert info.value.status == 400


def test_list_across_namespaces(kube_env: KubeTestEnv) -> None:
    other = f"{kube_env.namespace}-b"
    kube_env.client.create_namespace(other)
    try:
        kube_env.client.apply([_cm(kube_env.namespace, "x", {"probe": "p"}), _cm(other, "x", {"probe": "p"})])
        items = kube_env.client.list("v1", "ConfigMap", None, label_selector="probe=p")
        assert sorted(o["metadata"]["namespace"] for o in items) == sorted([kube_env.namespace, other])
    finally:
        kube_env.client.delete("v1", "Namespace", other, ignore_not_found=True)


def test_get_missing_object_raises_not_found(kube: KubeClient, kube_env: KubeTestEnv) -> None:
    with pytest.raises(
        KubeNotFoundError, match=f'ConfigMap {kube_env.namespace}/nope: configmaps "nope" not found'
    ):
        kube.get("v1", "ConfigMap", "nope", kube_env.namespace)
    assert kube.get_or_none("v1", "ConfigMap", "nope", kube_env.namespace) is None


def test_delete_and_ignore_not_found(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    kube_env.client.apply(_cm(ns, "gone"))
    kube_env.client.delete("v1", "ConfigMap", "gone", ns)
    assert kube_env.client.get_or_none("v1", "ConfigMap", "gone", ns) is None
    assert kube_env.client.delete("v1", "ConfigMap", "gone", ns, ignore_not_found=True) is None
    with pytest.raises(KubeNotFoundError):
        kube_env.client.delete("v1", "ConfigMap", "gone", ns)


def test_delete_honours_finalizers(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    obj = _cm(ns, "held")
    obj["metadata"]["finalizers"] = ["example.com/hold"]  # type: ignore[index]
    kube_env.client.apply(obj)

    kube_env.client.delete("v1", "ConfigMap", "held", ns)
    held = kube_env.client.get("v1", "ConfigMap", "held", ns)
    assert held["metadata"]["deletionTimestamp"]

    kube_env.client.patch_merge("v1", "ConfigMap", "held", {"metadata": {"finalizers": None}}, ns)
    assert kube_env.client.get_or_none("v1", "ConfigMap", "held", ns) is None


def test_patch_merge_annotate_and_label(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    kube_env.client.apply(_cm(ns, "p", {"keep": "1", "drop": "1"}))

    patched = kube_env.client.patch_merge("v1", "ConfigMap", "p", {"data": {"k": "v"}}, ns)
    assert patched["data"] == {"k": "v"}
    annotated = kube_env.client.annotate(
        "v1", "ConfigMap", "p", {"anywhere.eks.amazonaws.com/paused": "true"}, ns
    )
    assert annotated["metadata"]["annotations"]["anywhere.eks.amazonaws.com/paused"] == "true"
    removed = kube_env.client.annotate(
        "v1", "ConfigMap", "p", {"anywhere.eks.amazonaws.com/paused": None}, ns
    )
    assert "anywhere.eks.amazonaws.com/paused" not in (removed["metadata"].get("annotations") or {})
    relabelled = kube_env.client.label("v1", "ConfigMap", "p", {"drop": None, "new": "2"}, ns)
    assert relabelled["metadata"]["labels"] == {"keep": "1", "new": "2"}


def test_patch_json(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    kube_env.client.apply({**_cm(ns, "j"), "data": {"a": "1"}})
    patched = kube_env.client.patch_json(
        "v1",
        "ConfigMap",
        "j",
        [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/a"}],
        ns,
    )
    assert patched["data"] == {"b": "2"}


def test_replace_with_stale_resource_version_conflicts(kube_env: KubeTestEnv) -> None:
    ns = kube_env.namespace
    stale = kube_env.client.apply(_cm(ns, "rv"))[0]
    kube_env.client.patch_merge("v1", "ConfigMap", "rv", {"data": {"x": "1"}}, ns)

    stale["data"] = {"x": "2"}
    with pytest.raises(KubeConflictError, match="the object has been modified") as info:
        kube_env.client.replace(stale)
    assert info.value.status == 409
    assert kube_env.sleep.calls == []  # a stale update is not retried blindly

    fresh = kube_env.client.get("v1", "ConfigMap", "rv", ns)
    fresh["data"] = {"x": "2"}
    assert kube_env.client.replace(fresh)["data"] == {"x": "2"}


def test_create_conflicts_when_object_exists(kube_env: KubeTestEnv) -> None:
    kube_env.client.create(_cm(kube_env.namespace, "once"))
    with pytest.raises(KubeConflictError) as info:
        kube_env.client.create(_cm(kube_env.namespace, "once"))
    assert info.value.reason == "AlreadyExists"


def test_create_namespace_is_idempotent(kube_env: KubeTestEnv) -> None:
    name = f"{kube_env.namespace}-idem"
    try:
        first = kube_env.client.create_namespace(name, labels={"owner": "eksa"})
        second = kube_env.client.create_namespace(name)
        assert first["metadata"]["uid"] == second["metadata"]["uid"]
        assert second["metadata"]["labels"]["owner"] == "eksa"
    finally:
        kube_env.client.delete("v1", "Namespace", name, ignore_not_found=True)


def test_objects_in_missing_namespace_are_not_found(kube: KubeClient) -> None:
    with pytest.raises(KubeNotFoundError, match='namespaces "no-such-namespace-x1" not found'):
        kube.apply(_cm("no-such-namespace-x1", "x"))


def test_status_subresource_separates_spec_and_status(kube_env: KubeTestEnv) -> None:
    kube_env.need_kinds([(CAPI, "Cluster")])
    ns = kube_env.namespace
    created = kube_env.client.apply(
        {
            "apiVersion": CAPI,
            "kind": "Cluster",
            "metadata": {"name": "c1", "namespace": ns},
            "spec": {"paused": False},
            "status": {"phase": "Ignored"},
        }
    )[0]
    assert "phase" not in (created.get("status") or {})  # status is not written through the main resource

    updated = kube_env.client.patch_merge(
        CAPI, "Cluster", "c1", {"status": {"phase": "Provisioned"}}, ns, subresource="status"
    )
    assert updated["status"]["phase"] == "Provisioned"
    assert updated["metadata"]["generation"] == created["metadata"]["generation"]

    bumped = kube_env.client.patch_merge(CAPI, "Cluster", "c1", {"spec": {"paused": True}}, ns)
    assert bumped["metadata"]["generation"] == created["metadata"]["generation"] + 1
    assert bumped["status"]["phase"] == "Provisioned"
