"""The lifecycle controller with the real Cluster API managers (CAPD in-memory): Clusters applied with the
``kubernetes`` client as kubectl would, reconciled to Ready by :class:`eksa_core.controller.Controller` running in
this process; scaled, upgraded, refused edits, deleted, and a controller restarted mid-reconcile."""

from __future__ import annotations

import pytest

from eksa_core.controller import FIELD_MANAGER, FINALIZER
from eksa_core.kube import KubeClient
from tests.controller.helpers import (
    CAPI,
    EKSA,
    KCP,
    SYSTEM,
    _condition,
    _controller,
    _eksa_cluster,
    _ready,
    _spec_documents,
    _status_of,
    _wait,
)


@pytest.mark.realkube
@pytest.mark.capireal
def test_controller_reconciles_a_cluster_applied_like_kubectl_to_ready_then_scale_upgrade_edit_delete(
    management: KubeClient, namespace: str
) -> None:
    kube, name = management, "wl-a"
    controller = _controller(kube)
    try:
        kube.apply(_spec_documents(name, namespace), field_manager="kubectl")
        try:
            _wait("the workload cluster to be Ready", lambda: _ready(kube, namespace, name), timeout=420)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_status_of(kube, namespace, name)}") from None
        obj = _eksa_cluster(kube, namespace, name)
        assert obj is not None and FINALIZER in obj["metadata"]["finalizers"]
        for type_ in ("ControlPlaneReady", "WorkersReady", "Ready"):
            assert _condition(obj, type_)["status"] == "True", obj["status"]  # type: ignore[index]
        assert _condition(obj, "DefaultCNIConfigured")["reason"] == "SkipUpgradesForDefaultCNIConfigured"  # type: ignore[index]
        capi = kube.get(CAPI, "Cluster", name, SYSTEM)
        assert any(m.get("manager") == FIELD_MANAGER for m in capi["metadata"]["managedFields"])
        md = kube.get(CAPI, "MachineDeployment", f"{name}-md-0", SYSTEM)
        template_before = md["spec"]["template"]["spec"]["infrastructureRef"]["name"]
        kcp = kube.get(KCP, "KubeadmControlPlane", name, SYSTEM)
        cp_template_before = kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"]

        # scale md-0 to 2: the same machine template, two ready machines
        cluster = _eksa_cluster(kube, namespace, name)
        assert cluster is not None
        kube.patch_merge(
            EKSA,
            "Cluster",
            name,
            {
                "spec": {
                    "workerNodeGroupConfigurations": [
                        {**cluster["spec"]["workerNodeGroupConfigurations"][0], "count": 2}
                    ]
                }
            },
            namespace,
        )
        _wait(
            "md-0 scaled to 2",
            lambda: kube.get(CAPI, "MachineDeployment", f"{name}-md-0", SYSTEM)["spec"].get("replicas") == 2,
        )
        _wait("Ready after scaling", lambda: _ready(kube, namespace, name))
        md = kube.get(CAPI, "MachineDeployment", f"{name}-md-0", SYSTEM)
        assert md["status"]["readyReplicas"] == 2
        assert md["spec"]["template"]["spec"]["infrastructureRef"]["name"] == template_before  # not rotated

        # a Kubernetes version two minors up is refused; one minor up is rolled out with new machine templates
        kcp_generation = kube.get(KCP, "KubeadmControlPlane", name, SYSTEM)["metadata"]["generation"]
        kube.patch_merge(EKSA, "Cluster", name, {"spec": {"kubernetesVersion": "1.36"}}, namespace)
        refused = _wait(
            "the skipped minor refused",
            lambda: (_eksa_cluster(kube, namespace, name) or {}).get("status", {}).get("failureMessage"),
        )
        assert "only +1 minor version skew is supported" in refused, refused
        assert kube.get(KCP, "KubeadmControlPlane", name, SYSTEM)["metadata"]["generation"] == kcp_generation
        kube.patch_merge(EKSA, "Cluster", name, {"spec": {"kubernetesVersion": "1.35"}}, namespace)
        _wait(
            "the control plane at 1.35",
            lambda: kube.get(KCP, "KubeadmControlPlane", name, SYSTEM)["spec"]["version"].startswith("v1.35"),
        )
        _wait("Ready after the upgrade", lambda: _ready(kube, namespace, name), timeout=300)
        obj = _eksa_cluster(kube, namespace, name)
        assert obj is not None and "failureMessage" not in obj["status"]
        kcp = kube.get(KCP, "KubeadmControlPlane", name, SYSTEM)
        assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] != cp_template_before

        # an immutable field: refused in status with an Event, nothing applied
        capi_generation = kube.get(CAPI, "Cluster", name, SYSTEM)["metadata"]["generation"]
        kube.patch_merge(
            EKSA, "Cluster", name, {"spec": {"clusterNetwork": {"pods": {"cidrBlocks": ["10.200.0.0/16"]}}}}, namespace
        )
        message = _wait(
            "the immutable edit refused",
            lambda: (_eksa_cluster(kube, namespace, name) or {}).get("status", {}).get("failureMessage"),
        )
        assert "immutable" in message, message
        assert _condition(_eksa_cluster(kube, namespace, name), "Ready")["reason"] == "ImmutableFieldChanged"  # type: ignore[index]
        events = kube.list("v1", "Event", namespace)
        assert any(
            e.get("reason") == "ImmutableFieldChanged" and e["involvedObject"]["name"] == name for e in events
        ), events
        capi = kube.get(CAPI, "Cluster", name, SYSTEM)
        assert capi["metadata"]["generation"] == capi_generation  # the spec was not touched (status changes go on)
        assert capi["spec"]["clusterNetwork"]["pods"]["cidrBlocks"] != ["10.200.0.0/16"]

        # delete: the finalizer holds the Cluster until the Cluster API objects are gone
        kube.delete(EKSA, "Cluster", name, namespace)
        _wait("the EKS-A Cluster gone", lambda: _eksa_cluster(kube, namespace, name) is None, timeout=300)
        assert kube.get_or_none(CAPI, "Cluster", name, SYSTEM) is None
        assert (
            kube.list(CAPI, "MachineDeployment", SYSTEM, label_selector={"cluster.x-k8s.io/cluster-name": name}) == []
        )
    finally:
        controller.stop()


@pytest.mark.realkube
@pytest.mark.capireal
def test_controller_restarted_mid_reconcile_converges(management: KubeClient, namespace: str) -> None:
    kube, name = management, "wl-restart"
    first = _controller(kube)
    try:
        kube.apply(_spec_documents(name, namespace), field_manager="kubectl")
        _wait("the Cluster API Cluster applied", lambda: kube.get_or_none(CAPI, "Cluster", name, SYSTEM))
    finally:
        first.stop()  # before the cluster is Ready: provisioning is still under way
    assert not _ready(kube, namespace, name)
    second = _controller(kube)
    try:
        _wait("Ready after the restart", lambda: _ready(kube, namespace, name))
        writes_before = second.writes.total
        second.enqueue_all()  # a resync with nothing changed writes nothing
        assert second.wait_idle(60)
        assert second.writes.total == writes_before, second.writes.counts
        kube.delete(EKSA, "Cluster", name, namespace)
        _wait("the EKS-A Cluster gone", lambda: _eksa_cluster(kube, namespace, name) is None, timeout=300)
    finally:
        second.stop()
