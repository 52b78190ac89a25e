"""The lifecycle controller on the real control plane with the real Cluster API managers (CAPD in-memory):
Clusters applied with the ``kubernetes`` client as kubectl would, reconciled by :class:`eksa_core.controller.
Controller` running in this process against the API server."""

from __future__ import annotations

import urllib.request

import pytest

from eksa_core.controller import FINALIZER, Controller
from eksa_core.controller.reconcile import ALLOW_DELETE_WHEN_PAUSED_ANNOTATION as ALLOW_DELETE
from eksa_core.controller.reconcile import PAUSED_ANNOTATION as PAUSED
from eksa_core.controller.watch import Informer
from eksa_core.kube import KubeClient
from eksa_core.plugins import Plugins
from tests.controller.helpers import (
    CAPI,
    EKSA,
    SYSTEM,
    _controller,
    _eksa_cluster,
    _spec_documents,
    _wait,
)


@pytest.mark.realkube
def test_controller_two_replicas_only_the_leader_acts_and_a_standby_takes_over(
    plane: KubeClient, plane_namespace: str
) -> None:
    kube = plane
    lease = f"lease-{plane_namespace}"
    a = _controller(kube, identity="replica-a", leader_elect=True, lease=lease)
    b = _controller(kube, identity="replica-b", leader_elect=True, lease=lease)
    stopped: list[Controller] = []
    try:
        _wait("a leader", lambda: a.is_leader() or b.is_leader(), timeout=30)
        leader, standby = (a, b) if a.is_leader() else (b, a)
        holder = kube.get("coordination.k8s.io/v1", "Lease", lease, SYSTEM)["spec"]["holderIdentity"]
        assert holder == leader.options.identity and not standby.is_leader()
        docs = _spec_documents("wl-lead", plane_namespace)
        docs[0]["spec"]["controlPlaneConfiguration"]["count"] = 2  # even: refused by validation
        kube.apply(docs, field_manager="kubectl")
        _wait(
            "the refusal in status",
            lambda: (_eksa_cluster(kube, plane_namespace, "wl-lead") or {}).get("status", {}).get("failureMessage"),
            timeout=60,
        )
        _wait("the leader's reconcile counted", lambda: leader.metrics.duration_count > 0, timeout=30)
        assert standby.metrics.duration_count == 0
        assert standby.writes.total == 0
        for c in (leader, standby):
            host, port = c.server.address
            metrics = urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5).read().decode()
            assert f"eksa_controller_leader {1 if c is leader else 0}" in metrics
            _wait("ready", c.ready, timeout=60)  # every informer listed once
            assert urllib.request.urlopen(f"http://{host}:{port}/readyz", timeout=5).status == 200
            assert host == "127.0.0.1"

        leader.stop()
        stopped.append(leader)
        _wait("the standby to take over", standby.is_leader, timeout=30)
        docs = _spec_documents("wl-lead2", plane_namespace)
        docs[0]["spec"]["controlPlaneConfiguration"]["count"] = 4
        kube.apply(docs, field_manager="kubectl")
        _wait(
            "the new leader reconciles",
            lambda: (_eksa_cluster(kube, plane_namespace, "wl-lead2") or {}).get("status", {}).get("failureMessage"),
            timeout=60,
        )
        _wait("the new leader's reconcile counted", lambda: standby.metrics.duration_count > 0, timeout=30)
    finally:
        for c in (a, b):
            if c not in stopped:
                c.stop()
        for n in ("wl-lead", "wl-lead2"):
            _drop(kube, plane_namespace, n)


def _drop(kube: KubeClient, namespace: str, name: str) -> None:
    """Delete a Cluster no controller will finalize any more (finalizer removed)."""
    obj = _eksa_cluster(kube, namespace, name)
    if obj is not None:
        kube.patch_merge(EKSA, "Cluster", name, {"metadata": {"finalizers": None}}, namespace)
        kube.delete(EKSA, "Cluster", name, namespace, ignore_not_found=True)


@pytest.mark.realkube
def test_controller_reports_a_provider_not_installed_invalid_specs_and_honours_paused(
    plane: KubeClient, plane_namespace: str
) -> None:
    kube = plane
    controller = _controller(kube, Plugins())  # core kinds only: no provider plugin at all
    try:
        kube.apply(_spec_documents("wl-noprov", plane_namespace), field_manager="kubectl")
        message = _wait(
            "the provider problem in status",
            lambda: (_eksa_cluster(kube, plane_namespace, "wl-noprov") or {}).get("status", {}).get("failureMessage"),
            timeout=60,
        )
        obj = _eksa_cluster(kube, plane_namespace, "wl-noprov")
        assert obj is not None and obj["status"]["failureReason"] == "ProviderNotInstalled"
        assert "InMemoryDatacenterConfig" in message
        assert controller.healthy()
    finally:
        controller.stop()
        _drop(kube, plane_namespace, "wl-noprov")

    controller = _controller(kube)
    try:
        paused = _spec_documents("wl-paused", plane_namespace)
        paused[0]["metadata"]["annotations"] = {"anywhere.eks.amazonaws.com/paused": "true"}
        kube.apply(paused, field_manager="kubectl")
        invalid = _spec_documents("wl-invalid", plane_namespace)
        invalid[0]["spec"]["workerNodeGroupConfigurations"][0]["count"] = -1
        kube.apply(invalid, field_manager="kubectl")
        message = _wait(
            "the invalid spec in status",
            lambda: (_eksa_cluster(kube, plane_namespace, "wl-invalid") or {}).get("status", {}).get("failureMessage"),
            timeout=60,
        )
        assert "count" in message, message
        assert _eksa_cluster(kube, plane_namespace, "wl-invalid")["status"]["failureReason"] == "InvalidSpec"  # type: ignore[index]
        assert controller.wait_idle(60)
        obj = _eksa_cluster(kube, plane_namespace, "wl-paused")
        assert obj is not None and not obj.get("status") and FINALIZER not in (obj["metadata"].get("finalizers") or [])
        assert kube.get_or_none(CAPI, "Cluster", "wl-paused", SYSTEM) is None
        kube.patch_merge(
            EKSA,
            "Cluster",
            "wl-paused",
            {"metadata": {"annotations": {"anywhere.eks.amazonaws.com/paused": None}}},
            plane_namespace,
        )
        _wait("reconciled once unpaused", lambda: kube.get_or_none(CAPI, "Cluster", "wl-paused", SYSTEM))

        # paused again, then deleted: left alone (the CLI pauses what it moves; a paused copy being deleted must not
        # take the machines down) until deletion while paused is allowed, as EKS Anywhere's controller does
        def finalizers() -> list[str]:
            return list(((_eksa_cluster(kube, plane_namespace, "wl-paused") or {}).get("metadata") or {})
                        .get("finalizers") or [])

        _wait("the finalizer", lambda: FINALIZER in finalizers())
        kube.patch_merge(EKSA, "Cluster", "wl-paused", {"metadata": {"annotations": {PAUSED: "true"}}},
                         plane_namespace)
        assert controller.wait_idle(60)
        reconciles = controller.metrics.duration_count
        kube.delete(EKSA, "Cluster", "wl-paused", plane_namespace)
        _wait("the deletion seen", lambda: controller.metrics.duration_count > reconciles)
        assert controller.wait_idle(60)
        obj = _eksa_cluster(kube, plane_namespace, "wl-paused")
        assert obj is not None and obj["metadata"].get("deletionTimestamp") and FINALIZER in finalizers()
        assert kube.get_or_none(CAPI, "Cluster", "wl-paused", SYSTEM) is not None
        kube.patch_merge(EKSA, "Cluster", "wl-paused", {"metadata": {"annotations": {ALLOW_DELETE: "true"}}},
                         plane_namespace)
        _wait("torn down once allowed while paused", lambda: _eksa_cluster(kube, plane_namespace, "wl-paused") is None,
              timeout=300)
        assert kube.get_or_none(CAPI, "Cluster", "wl-paused", SYSTEM) is None
    finally:
        for n in ("wl-invalid", "wl-paused"):
            kube.delete(EKSA, "Cluster", n, plane_namespace, ignore_not_found=True)
        _wait(
            "the clusters finalized",
            lambda: all(_eksa_cluster(kube, plane_namespace, n) is None for n in ("wl-invalid", "wl-paused")),
            timeout=300,
        )
        controller.stop()


@pytest.mark.realkube
def test_controller_watch_resumes_from_its_resource_version(plane: KubeClient, plane_namespace: str) -> None:
    seen: list[tuple[str, str]] = []
    informer = Informer(plane, "v1", "ConfigMap", lambda t, o: seen.append((t, o["metadata"]["name"])), watch_timeout=2)
    informer.start()
    try:
        _wait("the first list", informer.synced.is_set, timeout=30)
        plane.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w1", "namespace": plane_namespace}})
        _wait("the watch event", lambda: ("ADDED", "w1") in seen, timeout=30)
        watches = informer.stats.watches
        _wait("a resumed watch after the server's timeout", lambda: informer.stats.watches > watches + 1, timeout=30)
        plane.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w2", "namespace": plane_namespace}})
        _wait("the event after resuming", lambda: ("ADDED", "w2") in seen, timeout=30)
        assert informer.stats.lists == 1  # resumed from its resourceVersion, never listed again
        assert seen.count(("ADDED", "w1")) == 1  # nothing delivered twice
    finally:
        informer.stop()
