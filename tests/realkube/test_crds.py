"""CRDs as EKS Anywhere ships them, from Go module downloads, installed on the real control plane; the overlay."""

from __future__ import annotations

import copy
import uuid

import pytest

from eksa_core.kube import KubeClient, KubeError
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import (
    CRD_GROUPS,
    CrdSourceError,
    Overlay,
    OverlayError,
    apply_overlay,
    ensure_crds,
    group_for_kind,
    load_crds,
    load_overlay,
)

CAPI = "cluster.x-k8s.io/v1beta2"
BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta2"


@pytest.fixture(scope="module")
def all_crds(control_plane: ControlPlane) -> ControlPlane:
    ensure_crds(control_plane.kubeconfig, list(CRD_GROUPS))
    return control_plane


@pytest.mark.realkube
def test_every_available_group_installs_and_is_established(all_crds: ControlPlane) -> None:
    with KubeClient(str(all_crds.kubeconfig)) as kube:
        installed = {o["metadata"]["name"]: o for o in kube.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")}
        for name in CRD_GROUPS:
            for crd in load_crds([name]):
                stored = installed[crd["metadata"]["name"]]
                established = [c for c in stored["status"]["conditions"] if c["type"] == "Established"]
                assert established and established[0]["status"] == "True", crd["metadata"]["name"]
        # the kinds EKS Anywhere's manifests use are served
        for api_version, kind in [
            (CAPI, "Cluster"),
            (CAPI, "MachineDeployment"),
            ("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane"),
            (BOOTSTRAP, "KubeadmConfigTemplate"),
            ("infrastructure.cluster.x-k8s.io/v1beta1", "VSphereMachineTemplate"),
            ("infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachineTemplate"),
            ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackMachineTemplate"),
            ("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixCluster"),
            ("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixMachineTemplate"),
            ("etcdcluster.cluster.x-k8s.io/v1beta1", "EtcdadmCluster"),
            ("bootstrap.cluster.x-k8s.io/v1beta1", "EtcdadmConfig"),
            ("tinkerbell.org/v1alpha1", "Hardware"),
            ("bmc.tinkerbell.org/v1alpha1", "Machine"),
        ]:
            assert kube.has_kind(api_version, kind), f"{kind} ({api_version})"


def _cluster(ns: str, **spec: object) -> dict[str, object]:
    return {"apiVersion": CAPI, "kind": "Cluster", "metadata": {"name": "c1", "namespace": ns}, "spec": spec}


@pytest.mark.realkube
def test_overlay_fields_are_kept_and_unknown_fields_still_rejected(
    all_crds: ControlPlane, control_plane_namespace: str
) -> None:
    ns = control_plane_namespace
    ref = {"apiGroup": "etcdcluster.cluster.x-k8s.io", "kind": "EtcdadmCluster", "name": "c1-etcd"}
    with KubeClient(str(all_crds.kubeconfig)) as kube:
        stored = kube.apply(_cluster(ns, managedExternalEtcdRef=ref))[0]
        assert stored["spec"]["managedExternalEtcdRef"] == ref  # added by EKS Anywhere's patch: kept

        # nothing else is loosened: a field neither upstream nor EKS Anywhere has is refused (SSA is strict)
        with pytest.raises(KubeError, match="notAField"):
            kube.apply(_cluster(ns, notAField=True))

        config = {
            "apiVersion": BOOTSTRAP,
            "kind": "KubeadmConfig",
            "metadata": {"name": "k1", "namespace": ns},
            "spec": {
                "format": "bottlerocket",
                "clusterConfiguration": {
                    "pause": {"imageRepository": "public.ecr.aws/eks-distro/kubernetes/pause", "imageTag": "v1"},
                    "bottlerocketBootstrap": {"imageRepository": "repo/bootstrap", "imageTag": "v2"},
                    "proxy": {"httpsProxy": "http://10.0.0.9:3128", "noProxy": ["10.0.0.0/8"]},
                    "registryMirror": {"endpoint": "10.0.0.5:443", "caCert": "CA"},
                    "certBundles": [{"name": "bundle", "data": "PEM"}],
                },
            },
        }
        stored = kube.apply(config)[0]
        cc = stored["spec"]["clusterConfiguration"]
        assert stored["spec"]["format"] == "bottlerocket"
        assert cc["pause"]["imageTag"] == "v1" and cc["bottlerocketBootstrap"]["imageTag"] == "v2"
        assert cc["proxy"]["noProxy"] == ["10.0.0.0/8"] and cc["registryMirror"]["endpoint"] == "10.0.0.5:443"
        assert cc["certBundles"] == [{"name": "bundle", "data": "PEM"}]

        bad = copy.deepcopy(config)
        bad["metadata"]["name"] = "k2"  # type: ignore[index]
        bad["spec"]["format"] = "windows"  # type: ignore[index]
        with pytest.raises(KubeError, match="format"):
            kube.apply(bad)


def test_overlay_only_adds() -> None:
    crds = load_crds(["capi-core"])
    overlay = load_overlay()
    assert "managedExternalEtcdRef" in _spec_props(crds, "clusters.cluster.x-k8s.io", "v1beta2")
    # applying it again means adding what upstream already has: refused, entry named
    with pytest.raises(OverlayError, match="already has"):
        apply_overlay(crds, overlay)
    # an entry pointing at a path upstream lacks is refused too
    broken = Overlay(
        "broken.yaml",
        {},
        ({"target": "clusters.cluster.x-k8s.io", "path": "spec.nope", "field": "x", "versions": ["v1beta2"],
          "schema": {"type": "string"}},),
    )
    with pytest.raises(OverlayError, match="no field 'nope'"):
        apply_overlay(load_crds(["capi-core"]), broken)


def test_overlay_touches_exactly_its_fields() -> None:
    """Upstream and overlaid CRDs differ only at the overlay's entries (nothing else loosened or changed)."""
    from eksa_core.testing import crds as crds_module

    groups = ["capi-core", "capi-kubeadm-bootstrap", "capi-kubeadm-controlplane"]
    overlaid = load_crds(groups)
    upstream: list[dict[str, object]] = []
    for name in groups:
        group = CRD_GROUPS[name]
        for path in crds_module._crd_files(group):
            import yaml

            upstream.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    count = apply_overlay(copy.deepcopy(upstream), load_overlay())
    assert count > 0
    assert crds_module._without_webhook_conversion(copy.deepcopy(upstream[0])) is not None
    re_overlaid = copy.deepcopy(upstream)
    apply_overlay(re_overlaid, load_overlay())
    assert sorted(re_overlaid, key=_name) == sorted(overlaid, key=_name)
    assert sorted(upstream, key=_name) != sorted(overlaid, key=_name)


def _name(crd: dict[str, object]) -> str:
    return str(crd["metadata"]["name"])  # type: ignore[index]


def _spec_props(crds: list[dict[str, object]], name: str, version: str) -> dict[str, object]:
    crd = next(c for c in crds if _name(c) == name)
    v = next(v for v in crd["spec"]["versions"] if v["name"] == version)  # type: ignore[index]
    return v["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]  # type: ignore[no-any-return]


def test_unknown_group_is_refused() -> None:
    with pytest.raises(CrdSourceError, match="unknown CRD group"):
        load_crds([f"nope-{uuid.uuid4().hex[:4]}"])


def test_group_for_kind() -> None:
    assert group_for_kind(CAPI, "Cluster") == "capi-core"
    assert group_for_kind("infrastructure.cluster.x-k8s.io/v1beta1", "VSphereMachineTemplate") == "capv"
    assert group_for_kind("anywhere.eks.amazonaws.com/v1alpha1", "Cluster") == "eksa"
    assert group_for_kind("infrastructure.cluster.x-k8s.io/v1beta1", "TinkerbellMachineTemplate") == "capt"
    assert group_for_kind("infrastructure.cluster.x-k8s.io/v1beta1", "AWSSnowCluster") == "snow"
    assert group_for_kind("packages.eks.amazonaws.com/v1alpha1", "Package") == "packages"
    assert group_for_kind("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixCluster") == "capx"
    assert group_for_kind("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixMachineTemplate") == "capx"
    with pytest.raises(CrdSourceError):
        group_for_kind("infrastructure.cluster.x-k8s.io/v1beta1", "NoSuchMachineTemplate")


@pytest.mark.realkube
def test_plugin_fixture_installs_groups(
    control_plane: ControlPlane, control_plane_crds: object, control_plane_namespace: str
) -> None:
    control_plane_crds(["etcdadm-controller"])  # type: ignore[operator]
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        assert kube.has_kind("etcdcluster.cluster.x-k8s.io/v1beta1", "EtcdadmCluster")


def test_store_versions_moves_only_the_storage_flag() -> None:
    from eksa_core.testing.crds import store_versions

    crds = load_crds(["capv"])
    before = copy.deepcopy(crds)
    store_versions(crds, {"infrastructure.cluster.x-k8s.io": "v1beta1"})
    for old, new in zip(before, crds):
        assert [v["name"] for v in new["spec"]["versions"] if v["storage"]] == ["v1beta1"]
        for o, n in zip(old["spec"]["versions"], new["spec"]["versions"]):
            assert o["schema"] == n["schema"]  # no schema touched
    with pytest.raises(CrdSourceError, match="no version v9"):
        store_versions(crds, {"infrastructure.cluster.x-k8s.io": "v9"})


@pytest.mark.realkube
def test_storing_the_written_version_keeps_its_fields(
    control_plane: ControlPlane, control_plane_namespace: str
) -> None:
    """Without conversion webhooks a v1beta1 write stored as v1beta2 loses what only v1beta1 has; stored as
    v1beta1 (a control plane of its own, CRDs installed that way) it keeps it."""
    ns = control_plane_namespace
    ensure_crds(control_plane.kubeconfig, ["capi-core"])
    cluster = {
        "apiVersion": "cluster.x-k8s.io/v1beta1",
        "kind": "Cluster",
        "metadata": {"name": "c1", "namespace": ns},
        "spec": {"paused": False},
    }
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        kube.apply(cluster)
        current = kube.get("cluster.x-k8s.io/v1beta1", "Cluster", "c1", ns)
        current["status"] = {"failureMessage": "boom", "phase": "Failed"}
        stored = kube.replace(current, subresource="status")
        assert "failureMessage" not in stored.get("status", {})  # pruned by the v1beta2 storage schema

    from eksa_core.testing.crds import install_crds

    with ControlPlane(name="eksa-store-v1beta1") as own:
        install_crds(own.kubeconfig, ["capi-core"], storage_versions={"cluster.x-k8s.io": "v1beta1"})
        with KubeClient(str(own.kubeconfig)) as kube:
            kube.apply({**cluster, "metadata": {"name": "c1", "namespace": "default"}})
            current = kube.get("cluster.x-k8s.io/v1beta1", "Cluster", "c1", "default")
            current["status"] = {"failureMessage": "boom", "phase": "Failed"}
            stored = kube.replace(current, subresource="status")
            assert stored["status"]["failureMessage"] == "boom"
