"""The move on clusters that serve Cluster API ``v1beta2`` only (what the renders produce): the default kind list
(written with ``v1beta1``) finds the graph, and a move interrupted at any step finishes when run again."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest

from eksa_core.kube import KubeError, discover_cluster_objects, move, move_kinds
from eksa_core.kube.move import MOVE_COPIED_ANNOTATION
from eksa_core.testing.apiserver_double import FaultInjectionAPIServer, InjectedFailure, RequestInfo

from .fixtures import client_for_double

CAPI = "cluster.x-k8s.io/v1beta2"
CONTROLPLANE = "controlplane.cluster.x-k8s.io/v1beta2"
BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta2"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta1"
NAMESPACE = "eksa-system"
CLUSTER = "mgmt"
LABEL = "cluster.x-k8s.io/cluster-name"
KINDS = [
    (CAPI, "Cluster"),
    (CAPI, "MachineDeployment"),
    (CAPI, "MachineSet"),
    (CONTROLPLANE, "KubeadmControlPlane"),
    (BOOTSTRAP, "KubeadmConfigTemplate"),
    (INFRA, "DockerCluster"),
    (INFRA, "DockerMachineTemplate"),
]
#: The kube layer's default kinds (written with ``v1beta1``) with the Docker provider's infrastructure kinds as its
#: registration declares them (``v1beta1`` too).
DEFAULT_KINDS = move_kinds(infrastructure=[("infrastructure.cluster.x-k8s.io/v1beta1", "DockerCluster"),
                                           ("infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachineTemplate"),
                                           ("infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachine")])
EXPECTED = {
    "Cluster.cluster.x-k8s.io": 1,
    "MachineDeployment.cluster.x-k8s.io": 1,
    "MachineSet.cluster.x-k8s.io": 1,
    "KubeadmControlPlane.controlplane.cluster.x-k8s.io": 1,
    "KubeadmConfigTemplate.bootstrap.cluster.x-k8s.io": 1,
    "DockerCluster.infrastructure.cluster.x-k8s.io": 1,
    "DockerMachineTemplate.infrastructure.cluster.x-k8s.io": 2,
    "Secret": 1,
}


def _owner(obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def seed(double: FaultInjectionAPIServer) -> None:
    """A Docker cluster as the v1beta2 renders make it (plus an unrelated cluster that must stay)."""
    double.register_kinds(KINDS)
    put = double.put_object

    def obj(api_version: str, kind: str, name: str, spec: dict[str, Any], *, cluster: str = CLUSTER,
            owners: list[dict[str, Any]] | None = None, status: dict[str, Any] | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "namespace": NAMESPACE, "labels": {LABEL: cluster},
                                "finalizers": [f"{kind.lower()}.example/finalizer"]}
        if owners:
            meta["ownerReferences"] = owners
        body: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": meta, "spec": spec}
        if status is not None:
            body["status"] = status
        return put(body)

    put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    ready = {"conditions": [{"type": "Available", "status": "True"}], "phase": "Provisioned"}
    cluster = obj(CAPI, "Cluster", CLUSTER, {
        "controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KubeadmControlPlane",
                            "name": CLUSTER},
        "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "DockerCluster",
                              "name": CLUSTER}}, status=ready)
    obj(INFRA, "DockerCluster", CLUSTER, {}, owners=[_owner(cluster)], status={"ready": True})
    obj(INFRA, "DockerMachineTemplate", f"{CLUSTER}-control-plane-1", {"template": {"spec": {}}},
        owners=[_owner(cluster)])
    obj(INFRA, "DockerMachineTemplate", f"{CLUSTER}-md-0-1", {"template": {"spec": {}}}, owners=[_owner(cluster)])
    obj(CONTROLPLANE, "KubeadmControlPlane", CLUSTER, {"replicas": 1, "version": "v1.30.0"},
        owners=[_owner(cluster)], status={"readyReplicas": 1})
    obj(BOOTSTRAP, "KubeadmConfigTemplate", f"{CLUSTER}-md-0-1", {"template": {"spec": {}}},
        owners=[_owner(cluster)])
    md = obj(CAPI, "MachineDeployment", f"{CLUSTER}-md-0", {"clusterName": CLUSTER, "replicas": 1},
             owners=[_owner(cluster)], status={"phase": "Running", "readyReplicas": 1})
    obj(CAPI, "MachineSet", f"{CLUSTER}-md-0-abc", {"clusterName": CLUSTER}, owners=[_owner(md)])
    put({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
         "metadata": {"name": f"{CLUSTER}-kubeconfig", "namespace": NAMESPACE, "labels": {LABEL: CLUSTER}},
         "data": {"value": "a3ViZWNvbmZpZw=="}})
    obj(CAPI, "Cluster", "other", {}, cluster="other")  # another cluster: never moved


CRD_GROUPS = ("capi-core", "capi-kubeadm-bootstrap", "capi-kubeadm-controlplane", "capd")


def seed_real(client: Any, namespace: str) -> None:
    """:func:`seed`'s graph on a real API server in ``namespace`` (owner uids are the server's; no finalizers,
    so the namespace's deletion is not held up without controllers)."""

    def obj(api_version: str, kind: str, name: str, spec: dict[str, Any], *, cluster: str = CLUSTER,
            owners: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": {LABEL: cluster}}
        if owners:
            meta["ownerReferences"] = owners
        return dict(client.create({"apiVersion": api_version, "kind": kind, "metadata": meta, "spec": spec}))

    cluster = obj(CAPI, "Cluster", CLUSTER, {
        "controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KubeadmControlPlane",
                            "name": CLUSTER},
        "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "DockerCluster",
                              "name": CLUSTER}})
    owned = [_owner(cluster)]
    obj(INFRA, "DockerCluster", CLUSTER, {}, owners=owned)
    obj(INFRA, "DockerMachineTemplate", f"{CLUSTER}-control-plane-1", {"template": {"spec": {}}}, owners=owned)
    obj(INFRA, "DockerMachineTemplate", f"{CLUSTER}-md-0-1", {"template": {"spec": {}}}, owners=owned)
    infra_ref = {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "DockerMachineTemplate",
                 "name": f"{CLUSTER}-md-0-1"}
    obj(CONTROLPLANE, "KubeadmControlPlane", CLUSTER, {
        "replicas": 1, "version": "v1.30.0",
        "machineTemplate": {"spec": {"infrastructureRef": {**infra_ref, "name": f"{CLUSTER}-control-plane-1"}}}},
        owners=owned)
    obj(BOOTSTRAP, "KubeadmConfigTemplate", f"{CLUSTER}-md-0-1", {"template": {"spec": {"format": "cloud-config"}}},
        owners=owned)
    machine = {"clusterName": CLUSTER, "version": "v1.30.0", "infrastructureRef": infra_ref,
               "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io",
                                           "kind": "KubeadmConfigTemplate", "name": f"{CLUSTER}-md-0-1"}}}
    selector = {"matchLabels": {LABEL: CLUSTER}}
    template = {"metadata": {"labels": {LABEL: CLUSTER}}, "spec": machine}
    md = obj(CAPI, "MachineDeployment", f"{CLUSTER}-md-0", {"clusterName": CLUSTER, "replicas": 1,
                                                          "selector": selector, "template": template}, owners=owned)
    obj(CAPI, "MachineSet", f"{CLUSTER}-md-0-abc", {"clusterName": CLUSTER, "replicas": 1, "selector": selector,
                                                    "template": template}, owners=[_owner(md)])
    client.create({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
                   "metadata": {"name": f"{CLUSTER}-kubeconfig", "namespace": namespace, "labels": {LABEL: CLUSTER}},
                   "data": {"value": "a3ViZWNvbmZpZw=="}})
    obj(CAPI, "Cluster", "other", {"paused": False}, cluster="other")  # another cluster: never moved


def normalise(double: FaultInjectionAPIServer) -> dict[str, Any]:
    """Every object without server-set fields; ownerReferences must point at existing owners."""
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
            assert owner is not None, f"{obj['kind']} {meta['name']} has a dangling ownerReference"
            assert (owner["kind"], owner["metadata"]["name"]) == (ref["kind"], ref["name"])
        state[f"{obj['apiVersion']}/{obj['kind']}/{meta.get('namespace', '')}/{meta['name']}"] = obj
    return state


class CrashAfter:
    """Lets ``allowed`` state-changing requests through (both servers), then fails everything: a dead process."""

    def __init__(self, allowed: int | None) -> None:
        self.allowed, self.mutations, self.crashed = allowed, 0, False

    def __call__(self, info: RequestInfo) -> InjectedFailure | None:
        if not self.crashed and info.mutating:
            if self.allowed is not None and self.mutations >= self.allowed:
                self.crashed = True
            else:
                self.mutations += 1
        if self.crashed:
            return InjectedFailure(status=400, reason="BadRequest", message="the move crashed here", times=None)
        return None


_BASELINE: list[tuple[dict[str, Any], dict[str, Any], int]] = []


def baseline() -> tuple[dict[str, Any], dict[str, Any], int]:
    """End states of an uninterrupted move and how many state-changing requests it makes."""
    if not _BASELINE:
        with (tempfile.TemporaryDirectory() as tmp, FaultInjectionAPIServer() as source,
              FaultInjectionAPIServer() as target):
            seed(source)
            target.register_kinds(KINDS)
            counter = CrashAfter(None)
            source.before_request = target.before_request = counter
            move(client_for_double(source, Path(tmp)), client_for_double(target, Path(tmp)),
                 namespace=NAMESPACE, cluster_name=CLUSTER, kinds=DEFAULT_KINDS)
            _BASELINE.append((normalise(source), normalise(target), counter.mutations))
    return _BASELINE[0]


@pytest.mark.realkube
def test_the_default_kinds_find_a_v1beta2_graph(control_plane: Any, control_plane_namespace: str) -> None:
    """Plain discovery on the real control plane with Cluster API's CRDs (``v1beta2`` served and stored)."""
    from eksa_core.kube import KubeClient
    from eksa_core.testing.crds import install_crds

    install_crds(control_plane.kubeconfig, CRD_GROUPS)
    with KubeClient(str(control_plane.kubeconfig)) as client:
        seed_real(client, control_plane_namespace)
        objects = discover_cluster_objects(client, namespace=control_plane_namespace, cluster_name=CLUSTER,
                                           kinds=DEFAULT_KINDS)
    assert objects[0]["apiVersion"] == CAPI and objects[0]["kind"] == "Cluster"
    counts: dict[str, int] = {}
    for o in objects:
        group = o["apiVersion"].rpartition("/")[0]
        key = f"{o['kind']}.{group}" if group else o["kind"]
        counts[key] = counts.get(key, 0) + 1
    assert counts == EXPECTED
    assert ("Cluster", "other") not in {(o["kind"], o["metadata"]["name"]) for o in objects}


def test_v1beta2_move_copies_everything_and_unpauses() -> None:
    source_state, target_state, mutations = baseline()
    moved = [key for key in target_state if f"/{NAMESPACE}/" in key]
    assert len(moved) == sum(EXPECTED.values())
    cluster = target_state[f"{CAPI}/Cluster/{NAMESPACE}/{CLUSTER}"]
    assert cluster["spec"]["paused"] is False
    assert MOVE_COPIED_ANNOTATION not in (cluster["metadata"].get("annotations") or {})
    assert cluster["status"]["phase"] == "Provisioned"
    machine_set = target_state[f"{CAPI}/MachineSet/{NAMESPACE}/{CLUSTER}-md-0-abc"]
    assert [r["kind"] for r in machine_set["metadata"]["ownerReferences"]] == ["MachineDeployment"]
    assert [k for k in source_state if f"/{NAMESPACE}/" in k] == [f"{CAPI}/Cluster/{NAMESPACE}/other"]
    assert mutations > 2 * len(moved)


@pytest.mark.parametrize("explicit_kinds", [False, True], ids=["default-kinds", "rendered-kinds"])
@pytest.mark.parametrize("crash_after", range(baseline()[2]))
def test_v1beta2_move_resumes_after_a_crash_at_any_step(tmp_path: Path, crash_after: int,
                                                         explicit_kinds: bool) -> None:
    """With the default kinds (``v1beta1`` names) and with the rendered objects' kinds (as the workflows pass
    them): a re-run after a crash after the copy must not copy again from the half-deleted source."""
    expected_source, expected_target, _ = baseline()
    with FaultInjectionAPIServer() as source, FaultInjectionAPIServer() as target:
        seed(source)
        target.register_kinds(KINDS)
        source_client, target_client = client_for_double(source, tmp_path), client_for_double(target, tmp_path)
        kinds: dict[str, Any] = {"kinds": [*KINDS, ("v1", "Secret")] if explicit_kinds else DEFAULT_KINDS}
        crash = CrashAfter(crash_after)
        source.before_request = target.before_request = crash
        with pytest.raises(KubeError, match="the move crashed here"):
            move(source_client, target_client, namespace=NAMESPACE, cluster_name=CLUSTER, **kinds)
        source.before_request = target.before_request = None

        result = move(source_client, target_client, namespace=NAMESPACE, cluster_name=CLUSTER, **kinds)

        assert result.by_kind == EXPECTED
        assert normalise(source) == expected_source
        assert normalise(target) == expected_target
