"""The package operations on the real control plane with the model-derived packages CRDs: every custom resource
they create is read back, changed and removed through the API server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import yaml

from eksa_core.kube import KubeClient, KubeError
from eksa_core.packages import manager
from eksa_core.packages.crds import package_crds
from eksa_core.packages.manager import PackagesError
from eksa_core.testing.controlplane import ControlPlane

from .bundles import bundle

API = "packages.eks.amazonaws.com/v1alpha1"
IMAGE = "public.ecr.aws/eks-anywhere/eks-anywhere-packages:v0.4.5-eks-a-1"


@pytest.fixture
def kube(control_plane: ControlPlane) -> Iterator[KubeClient]:
    with KubeClient(str(control_plane.kubeconfig)) as client:
        yield client


@pytest.fixture
def cluster(kube: KubeClient) -> Iterator[str]:
    name = f"c{uuid.uuid4().hex[:8]}"
    manager.install_controller(kube, name, IMAGE, bundles=[bundle("v1-30-1001", ["2.10.0", "2.11.1"]),
                                                           bundle("v1-30-1002", ["2.11.1", "2.12.0"])])
    yield name
    kube.delete("v1", "Namespace", manager.packages_namespace(name), ignore_not_found=True)
    kube.delete(API, "PackageBundleController", name, "eksa-packages")


@pytest.mark.realkube
def test_controller_install_creates_the_crds_namespaces_and_controller(kube: KubeClient, cluster: str) -> None:
    names = {c["metadata"]["name"] for c in package_crds()}
    assert names == {"packages.packages.eks.amazonaws.com", "packagebundles.packages.eks.amazonaws.com",
                     "packagebundlecontrollers.packages.eks.amazonaws.com"}
    for name in names:
        kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
    pbc = kube.get(API, "PackageBundleController", cluster, "eksa-packages")
    assert pbc["spec"]["activeBundle"] == "v1-30-1001"
    assert pbc["spec"]["defaultRegistry"] == "public.ecr.aws/eks-anywhere"
    assert pbc["spec"]["defaultImageRegistry"] == "783794618700.dkr.ecr.us-west-2.amazonaws.com"
    assert pbc["spec"]["upgradeCheckInterval"] == "24h"  # the CRD's default, filled in by the API server
    kube.get("v1", "Namespace", f"eksa-packages-{cluster}")
    assert manager.active_bundle(kube, cluster).name == "v1-30-1001"
    assert manager.bundle_table(manager.active_bundle(kube, cluster)) == (
        "Package             Version(s)\n"
        "-------             ----------\n"
        "harbor              2.10.0, 2.11.1\n"
        "hello-eks-anywhere  0.1.2-a6847010915747a9fc8a412b233a2b1ee608ae76\n")


@pytest.mark.realkube
def test_packages_round_trip(kube: KubeClient, cluster: str) -> None:
    ns = f"eksa-packages-{cluster}"
    line = manager.install_package(kube, cluster, "Harbor", name="my-harbor",
                                   settings=["harborAdminPassword=s3cret", "expose.tls.enabled=false"])
    assert line == "packages.packages.eks.amazonaws.com/my-harbor created"
    stored = kube.get(API, "Package", "my-harbor", ns)
    assert stored["spec"]["packageName"] == "harbor"
    assert yaml.safe_load(stored["spec"]["config"]) == {"expose": {"tls": {"enabled": "false"}},
                                                         "harborAdminPassword": "s3cret"}
    with pytest.raises(KubeError, match="already exists"):
        manager.install_package(kube, cluster, "harbor", name="my-harbor")
    with pytest.raises(PackagesError, match="please specify broken as key=value"):
        manager.install_package(kube, cluster, "harbor", name="other", settings=["broken"])
    with pytest.raises(PackagesError, match="package nginx not found"):
        manager.install_package(kube, cluster, "nginx")

    generated = manager.generate_packages(manager.active_bundle(kube, cluster), ["hello-eks-anywhere"], cluster)
    docs = list(yaml.safe_load_all(manager.to_yaml(generated)))
    assert docs == [{"apiVersion": API, "kind": "Package",
                     "metadata": {"name": "generated-hello-eks-anywhere", "namespace": ns},
                     "spec": {"packageName": "hello-eks-anywhere"}}]
    docs[0]["spec"]["targetNamespace"] = "hello"
    assert manager.apply_packages(kube, docs) == [
        "packages.packages.eks.amazonaws.com/generated-hello-eks-anywhere created"]
    docs[0]["spec"]["config"] = "title: hi\n"
    assert manager.apply_packages(kube, docs) == [
        "packages.packages.eks.amazonaws.com/generated-hello-eks-anywhere configured"]
    assert kube.get(API, "Package", "generated-hello-eks-anywhere", ns)["spec"]["config"] == "title: hi\n"

    # the controller reports status; get and describe show it
    live = kube.get(API, "Package", "my-harbor", ns)
    live["status"] = {"state": "installed", "currentVersion": "2.11.1", "targetVersion": "2.11.1",
                      "detail": "Installed"}
    kube.replace(live, subresource="status")
    got = manager.get_packages(kube, cluster)
    assert sorted(p.name for p in got) == ["generated-hello-eks-anywhere", "my-harbor"]
    table = manager.packages_table(got).splitlines()
    assert table[0].split() == ["NAME", "PACKAGE", "STATE", "CURRENTVERSION", "TARGETVERSION", "DETAIL"]
    assert next(r for r in table if r.startswith("my-harbor")).split() == [
        "my-harbor", "harbor", "installed", "2.11.1", "2.11.1", "Installed"]
    described = manager.describe_packages(kube, cluster, ["my-harbor"])
    assert "Name:         my-harbor" in described and "currentVersion: 2.11.1" in described

    assert manager.upgrade_bundle(kube, cluster, "v1-30-1002") == (
        f"packagebundlecontroller.packages.eks.amazonaws.com/{cluster} configured")
    assert kube.get(API, "PackageBundleController", cluster, "eksa-packages")["spec"]["activeBundle"] == "v1-30-1002"
    upgraded = manager.bundle_table(manager.active_bundle(kube, cluster)).splitlines()
    assert upgraded[2] == "harbor              2.11.1, 2.12.0"
    with pytest.raises(PackagesError, match="package bundle v9-99 not found"):
        manager.upgrade_bundle(kube, cluster, "v9-99")

    assert manager.delete_packages(kube, cluster, ["my-harbor", "generated-hello-eks-anywhere"]) == [
        'packages.packages.eks.amazonaws.com "my-harbor" deleted',
        'packages.packages.eks.amazonaws.com "generated-hello-eks-anywhere" deleted']
    assert kube.list(API, "Package", ns) == []
    with pytest.raises(PackagesError, match="no resources found"):
        manager.describe_packages(kube, cluster)


@pytest.mark.realkube
def test_the_crd_refuses_a_package_without_package_name(kube: KubeClient, cluster: str) -> None:
    with pytest.raises(KubeError, match="packageName"):
        kube.create({"apiVersion": API, "kind": "Package",
                     "metadata": {"name": "bad", "namespace": f"eksa-packages-{cluster}"}, "spec": {}})
