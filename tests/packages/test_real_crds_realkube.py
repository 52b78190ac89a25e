"""What the package commands store is accepted, unchanged, by the packages CRDs EKS Anywhere installs.

The CLI installs CRDs derived from eksa's models (:mod:`eksa_core.packages.crds`); EKS Anywhere's package
controller chart installs the CRDs generated in ``github.com/aws/eks-anywhere-packages`` (CRD group ``packages`` of
:mod:`eksa_core.testing.crds`, at the version EKS Anywhere ships). This test creates a PackageBundleController, two
PackageBundles and Packages through the package operations, then replaces the model-derived CRDs with EKS
Anywhere's and dry-run applies every stored object again: none may be refused, and the server may drop none of
their fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import yaml

from eksa_core.kube import KubeClient
from eksa_core.packages import manager
from eksa_core.testing.acceptance import check_server_accepts
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import install_crds

from .bundles import bundle

API = "packages.eks.amazonaws.com/v1alpha1"
IMAGE = "public.ecr.aws/eks-anywhere/eks-anywhere-packages:v0.4.5-eks-a-1"


@pytest.fixture
def kube(control_plane: ControlPlane) -> Iterator[KubeClient]:
    with KubeClient(str(control_plane.kubeconfig)) as client:
        yield client


def _stored(obj: dict[str, object]) -> dict[str, object]:
    """The object as a client would apply it again: its identity and spec, without server-set metadata."""
    meta = dict(obj["metadata"])  # type: ignore[arg-type]
    kept = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if k in meta}
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": kept, "spec": obj["spec"]}


@pytest.mark.realkube
def test_stored_package_objects_fit_eks_anywheres_crds(kube: KubeClient, control_plane: ControlPlane) -> None:
    cluster = f"c{uuid.uuid4().hex[:8]}"
    ns = manager.packages_namespace(cluster)
    try:
        manager.install_controller(kube, cluster, IMAGE, bundles=[bundle("v1-30-2001", ["2.10.0", "2.11.1"]),
                                                                  bundle("v1-30-2002", ["2.11.1"])])
        manager.install_package(kube, cluster, "harbor", name="my-harbor",
                                settings=["harborAdminPassword=s3cret", "expose.tls.enabled=false"])
        generated = manager.generate_packages(manager.active_bundle(kube, cluster), ["hello-eks-anywhere"], cluster)
        docs = list(yaml.safe_load_all(manager.to_yaml(generated)))  # what `generate packages` writes
        docs[0]["spec"]["targetNamespace"] = "hello"
        manager.apply_packages(kube, docs)

        stored = [
            *(_stored(o) for o in kube.list(API, "PackageBundleController", "eksa-packages") if
              o["metadata"]["name"] == cluster),
            *(_stored(o) for o in kube.list(API, "PackageBundle", "eksa-packages")
              if o["metadata"]["name"] in ("v1-30-2001", "v1-30-2002")),
            *(_stored(o) for o in kube.list(API, "Package", ns)),
        ]
        assert [o["kind"] for o in stored].count("Package") == 2 and len(stored) == 5, stored

        installed = install_crds(control_plane.kubeconfig, ["packages"])
        assert "packages.packages.eks.amazonaws.com" in installed
        report = check_server_accepts(kube, stored)
        assert report.checked == len(stored) and not report.unserved, report.unserved
        assert report.ok, "\n".join(report.problems())
    finally:
        kube.delete("v1", "Namespace", ns, ignore_not_found=True)
        for name in ("v1-30-2001", "v1-30-2002"):
            kube.delete(API, "PackageBundle", name, "eksa-packages", ignore_not_found=True)
        kube.delete(API, "PackageBundleController", cluster, "eksa-packages", ignore_not_found=True)
