"""Shared fixtures and helpers of the controller tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from eksa_core.controller import Controller, ControllerOptions
from eksa_core.convert import unstructure
from eksa_core.crds import install_crds
from eksa_core.generate import generate_cluster_config
from eksa_core.kube import KubeClient
from eksa_core.plugins import Plugins, default_plugins
from eksa_core.releases.constants import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing.capi import ClusterAPI
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import ensure_crds

EKSA = "anywhere.eks.amazonaws.com/v1alpha1"
CAPI = "cluster.x-k8s.io/v1beta2"
KCP = "controlplane.cluster.x-k8s.io/v1beta2"
SYSTEM = "eksa-system"


@pytest.fixture(scope="module")
def management(capi_management: ClusterAPI) -> Iterator[KubeClient]:
    """The Cluster API management cluster with the generated EKS Anywhere CRDs."""
    kube = KubeClient(str(capi_management.control_plane.kubeconfig))
    install_crds(kube)
    kube.create_namespace(SYSTEM)
    try:
        yield kube
    finally:
        kube.close()


def _wait(what: str, check: Callable[[], Any], timeout: float = 240.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")


def _status_of(kube: KubeClient, namespace: str, name: str) -> str:
    """The EKS-A Cluster's status and its Cluster API Cluster's conditions, for failure messages."""
    obj = kube.get_or_none(EKSA, "Cluster", name, namespace) or {}
    capi = kube.get_or_none(CAPI, "Cluster", name, SYSTEM) or {}
    return f"EKS-A status: {obj.get('status')}; CAPI conditions: {(capi.get('status') or {}).get('conditions')}"


def _controller(
    kube: KubeClient,
    plugins: Plugins | None = None,
    *,
    identity: str | None = None,
    leader_elect: bool = False,
    lease: str = "eksa-controller-leader",
) -> Controller:
    options = ControllerOptions(
        kubeconfig=kube.kubeconfig,
        metrics_address="127.0.0.1:0",
        leader_elect=leader_elect,
        resync_period=3600.0,
        workers=2,
        lease_duration=3.0,
        lease_retry_period=0.5,
        lease_name=lease,
        not_ready_requeue=0.5,
    )
    if identity:
        options.identity = identity
    controller = Controller(
        KubeClient(str(kube.kubeconfig)),
        plugins or default_plugins(),
        options,
        env={},
        release_manifest=BUNDLED_RELEASE_MANIFEST,
    )
    controller.start()
    return controller


def _spec_documents(name: str, namespace: str, *, version: str = "1.34", workers: int = 1) -> list[dict[str, Any]]:
    config = generate_cluster_config(name, "inmemory", kubernetes_version=version, worker_node_group_count=workers)
    docs = []
    for obj in config.objects:
        data = unstructure(obj)
        data["metadata"]["namespace"] = namespace
        if data["kind"] == "Cluster":
            data["spec"]["managementCluster"] = {"name": "mgmt"}
            data["spec"]["clusterNetwork"]["cniConfig"] = {"cilium": {"skipUpgrade": True}}
        docs.append(data)
    return docs


def _eksa_cluster(kube: KubeClient, namespace: str, name: str) -> dict[str, Any] | None:
    return kube.get_or_none(EKSA, "Cluster", name, namespace)


def _condition(obj: dict[str, Any] | None, type_: str) -> dict[str, Any] | None:
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None


def _ready(kube: KubeClient, namespace: str, name: str) -> bool:
    obj = _eksa_cluster(kube, namespace, name)
    cond = _condition(obj, "Ready")
    return bool(
        cond
        and cond["status"] == "True"
        and obj
        and obj["status"].get("observedGeneration") == obj["metadata"]["generation"]
    )


@pytest.fixture
def namespace(management: KubeClient) -> Iterator[str]:
    name = f"ctl-{uuid.uuid4().hex[:6]}"
    management.create_namespace(name)
    yield name


@pytest.fixture(scope="module")
def plane(control_plane: ControlPlane) -> Iterator[KubeClient]:
    """The session's control plane with Cluster API's CRDs (no Cluster API controllers) and the generated EKS
    Anywhere CRDs, removed afterwards (the session's other tests expect none)."""
    ensure_crds(control_plane.kubeconfig, ["capi-core", "capi-kubeadm-bootstrap", "capi-kubeadm-controlplane", "capd"])
    kube = KubeClient(str(control_plane.kubeconfig))
    names = install_crds(kube)
    kube.create_namespace(SYSTEM)
    try:
        yield kube
    finally:
        for crd in names:
            kube.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd, ignore_not_found=True)
        _wait(
            "the CRDs removed",
            lambda: not any(kube.get_or_none("apiextensions.k8s.io/v1", "CustomResourceDefinition", n) for n in names),
            timeout=120,
        )
        kube.close()


@pytest.fixture
def plane_namespace(plane: KubeClient) -> Iterator[str]:
    name = f"ctl-{uuid.uuid4().hex[:6]}"
    plane.create_namespace(name)
    try:
        yield name
    finally:
        plane.delete("v1", "Namespace", name, ignore_not_found=True)
