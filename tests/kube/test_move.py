"""clusterctl-style move of a realistic CAPI graph between two API server doubles, and its idempotency."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eksa_core.kube import KubeClient, KubeError, KubeNotFoundError, ObjectKey, discover_cluster_objects, move
from eksa_core.testing.apiserver_double import FaultInjectionAPIServer, InjectedFailure, RequestInfo

from . import capi_graph
from .capi_graph import CAPI, CLUSTER, DECOYS, MOVE_KINDS, NAMESPACE
from .fixtures import client_for_double


@dataclass
class Pair:
    source: FaultInjectionAPIServer
    target: FaultInjectionAPIServer
    source_client: KubeClient
    target_client: KubeClient
    expected: dict[str, int]


@pytest.fixture
def make_pair(tmp_path: Path) -> Iterator[Any]:
    started: list[FaultInjectionAPIServer] = []

    def make() -> Pair:
        source, target = FaultInjectionAPIServer().start(), FaultInjectionAPIServer().start()
        started.extend([source, target])
        capi_graph.register_kinds(source)
        capi_graph.register_kinds(target)
        expected = capi_graph.seed(source)
        return Pair(
            source, target, client_for_double(source, tmp_path), client_for_double(target, tmp_path), expected
        )

    yield make
    for double in started:
        double.stop()


def _graph_objects(double: FaultInjectionAPIServer) -> list[dict[str, Any]]:
    decoys = {(kind, name, ns) for _, kind, name, ns in DECOYS}
    result = []
    for obj in double.list_objects():
        meta = obj["metadata"]
        if obj["kind"] == "Namespace" or (obj["kind"], meta["name"], meta.get("namespace")) in decoys:
            continue
        result.append(obj)
    return result


def _normalise(double: FaultInjectionAPIServer) -> dict[str, Any]:
    """Every object of a server, without server-set fields; ownerReferences checked and named by kind/name."""
    objects = double.list_objects()
    by_uid = {o["metadata"]["uid"]: o for o in objects}
    state: dict[str, Any] = {}
    for obj in objects:
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        for server_field in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"):
            meta.pop(server_field, None)
        for ref in meta.get("ownerReferences") or []:
            owner = by_uid.get(ref.pop("uid"))
            assert owner is not None, f"{obj['kind']} {meta['name']} has a dangling ownerReference to {ref}"
            assert (owner["kind"], owner["metadata"]["name"]) == (ref["kind"], ref["name"])
        for condition in (obj.get("status") or {}).get("conditions") or []:
            condition.pop("lastTransitionTime", None)
        state[f"{obj['apiVersion']}/{obj['kind']}/{meta.get('namespace', '')}/{meta['name']}"] = obj
    return state


def test_discovery_finds_the_cluster_graph_and_nothing_else(make_pair: Any) -> None:
    pair = make_pair()
    objects = discover_cluster_objects(pair.source_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)

    names = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert len(names) == sum(pair.expected.values())
    assert ("Cluster", "w1") not in names and ("Secret", "w1-kubeconfig") not in names
    assert ("ConfigMap", "other-settings") not in names
    assert ("Secret", "mgmt-vsphere-credentials") in names  # found through VSphereCluster.spec.identityRef
    assert ("VSphereMachineConfig", "mgmt-md") in names  # found through the EKS-A Cluster's spec
    position = {(o["kind"], o["metadata"]["name"], o["apiVersion"]): i for i, o in enumerate(objects)}
    uid_position = {o["metadata"]["uid"]: i for i, o in enumerate(objects)}
    for i, obj in enumerate(objects):  # owners come before their dependents
        for ref in obj["metadata"].get("ownerReferences") or []:
            assert uid_position[ref["uid"]] < i
    assert position[("Cluster", "mgmt", CAPI)] == 0


def test_move_realistic_graph(make_pair: Any) -> None:
    pair = make_pair()
    before = {(o["kind"], o["metadata"]["name"]): o for o in _graph_objects(pair.source)}

    result = move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)

    assert result.by_kind == pair.expected
    assert result.total == sum(pair.expected.values())
    assert result.copied == result.total and result.deleted == result.total

    # the source keeps only what is not the cluster's
    assert _graph_objects(pair.source) == []
    for api_version, kind, name, ns in DECOYS:
        assert pair.source.get_object(api_version, kind, name, ns) is not None, (kind, name)
        if ns == NAMESPACE and kind != "ConfigMap":
            assert pair.target.get_object(api_version, kind, name, ns) is None, (kind, name)

    # the target has every object with its spec, data, labels, finalizers and status
    moved = {(o["kind"], o["metadata"]["name"]): o for o in _graph_objects(pair.target)}
    assert moved.keys() == before.keys()
    for key, original in before.items():
        copy_ = moved[key]
        assert copy_["metadata"]["uid"] != original["metadata"]["uid"]
        for part in ("spec", "data", "type"):
            if key == ("Cluster", CLUSTER) and original["apiVersion"] == CAPI and part == "spec":
                assert copy_["spec"] == {**original["spec"], "paused": False}
                continue
            assert copy_.get(part) == original.get(part), (key, part)
        assert copy_.get("status") == original.get("status"), key
        assert copy_["metadata"].get("labels") == original["metadata"].get("labels"), key
        assert copy_["metadata"].get("finalizers") == original["metadata"].get("finalizers"), key
        refs = copy_["metadata"].get("ownerReferences") or []
        assert [(r["kind"], r["name"]) for r in refs] == [
            (r["kind"], r["name"]) for r in original["metadata"].get("ownerReferences") or []
        ]
        for ref in refs:  # ownerReferences point at the new owners' uids
            owner = pair.target.get_object(ref["apiVersion"], ref["kind"], ref["name"], NAMESPACE)
            assert owner is not None and owner["metadata"]["uid"] == ref["uid"]
    _normalise(pair.target)  # no dangling owner references anywhere


def test_move_pauses_source_and_unpauses_target(make_pair: Any) -> None:
    pair = make_pair()
    applied_paused: list[bool] = []

    def watch(info: RequestInfo) -> InjectedFailure | None:
        if (
            info.method == "PATCH"
            and info.path.endswith(f"/clusters/{CLUSTER}")
            and "cluster.x-k8s.io" in info.path
        ):
            src = pair.source.get_object(CAPI, "Cluster", CLUSTER, NAMESPACE)
            if src is not None:  # (the final unpause comes after the source's Cluster is gone)
                applied_paused.append(bool(src["spec"].get("paused")))
        return None

    pair.target.before_request = watch
    move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)

    assert applied_paused and all(applied_paused)  # the source was paused whenever the target was written
    assert pair.target.get_object(CAPI, "Cluster", CLUSTER, NAMESPACE)["spec"]["paused"] is False  # type: ignore[index]


def test_move_of_unknown_cluster_fails(make_pair: Any) -> None:
    pair = make_pair()
    with pytest.raises(KubeNotFoundError, match=r"Cluster eksa-system/nope .* neither in the source"):
        move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name="nope", kinds=MOVE_KINDS)


def test_move_again_after_completion_is_a_no_op(make_pair: Any) -> None:
    pair = make_pair()
    move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)
    state = (_normalise(pair.source), _normalise(pair.target))

    again = move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)

    assert (again.copied, again.deleted) == (0, 0)
    assert again.by_kind == pair.expected
    assert (_normalise(pair.source), _normalise(pair.target)) == state


class CrashAfter:
    """Lets ``allowed`` state-changing requests through (across both servers), then fails every request, as if
    the process running the move had died at that point."""

    def __init__(self, allowed: int | None) -> None:
        self.allowed = allowed
        self.mutations = 0
        self.crashed = False

    def __call__(self, info: RequestInfo) -> InjectedFailure | None:
        if self.crashed:
            return InjectedFailure(
                status=400, reason="BadRequest", message="the move crashed here", times=None
            )
        if info.mutating:
            if self.allowed is not None and self.mutations >= self.allowed:
                self.crashed = True
                return self(info)
            self.mutations += 1
        return None


def _crash_points() -> list[int]:
    return list(range(_baseline()[2]))


_BASELINE: list[tuple[dict[str, Any], dict[str, Any], int]] = []


def _baseline() -> tuple[dict[str, Any], dict[str, Any], int]:
    """Final states of a move that is never interrupted, and how many state-changing requests it makes."""
    if not _BASELINE:
        import tempfile

        with (
            tempfile.TemporaryDirectory() as tmp,
            FaultInjectionAPIServer() as source,
            FaultInjectionAPIServer() as target,
        ):
            capi_graph.register_kinds(source)
            capi_graph.register_kinds(target)
            capi_graph.seed(source)
            counter = CrashAfter(None)
            source.before_request = target.before_request = counter
            move(
                client_for_double(source, Path(tmp)),
                client_for_double(target, Path(tmp)),
                namespace=NAMESPACE,
                cluster_name=CLUSTER,
                kinds=MOVE_KINDS,
            )
            _BASELINE.append((_normalise(source), _normalise(target), counter.mutations))
    return _BASELINE[0]


def test_crash_points_cover_every_step() -> None:
    source_state, target_state, mutations = _baseline()
    objects = (
        sum(1 for key in target_state if "/Namespace/" not in key) - 4
    )  # decoys not moved: 4 in source only
    assert mutations > 2 * objects  # pause, namespace, an apply per object, status patches, deletes, unpause
    assert not any(key.endswith(f"/{CLUSTER}") and "/cluster.x-k8s.io/" in key for key in source_state)


@pytest.mark.parametrize("crash_after", _crash_points())
def test_move_resumes_after_a_crash_at_any_step(make_pair: Any, crash_after: int) -> None:
    expected_source, expected_target, _ = _baseline()
    pair = make_pair()
    crash = CrashAfter(crash_after)
    pair.source.before_request = pair.target.before_request = crash

    with pytest.raises(KubeError, match="the move crashed here"):
        move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)
    assert crash.crashed

    pair.source.clear_failures()
    pair.target.clear_failures()
    result = move(pair.source_client, pair.target_client, namespace=NAMESPACE, cluster_name=CLUSTER, kinds=MOVE_KINDS)

    assert result.by_kind == pair.expected
    assert _normalise(pair.source) == expected_source
    assert _normalise(pair.target) == expected_target


def test_object_key_names() -> None:
    key = ObjectKey("cluster.x-k8s.io", "Cluster", NAMESPACE, CLUSTER)
    assert key.kind_name == "Cluster.cluster.x-k8s.io"
    assert str(key) == "Cluster.cluster.x-k8s.io eksa-system/mgmt"
    assert ObjectKey("", "Secret", NAMESPACE, "x").kind_name == "Secret"
