"""The install-curated-packages step (the add-on's eksa_install_packages) on the real control plane: curated
packages are enabled on the new cluster and the packages of --install-packages applied; spec.packages.disable
skips it with EKS Anywhere's message."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

import eksa_core.addons as addons
from eksa_core.contract import CallContext, ClusterHandle
from eksa_core.kube import KubeClient
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, build_spec
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing.controlplane import ControlPlane
from tests.workflows.harness import make_plugins, spec_text

API = "packages.eks.amazonaws.com/v1alpha1"


def _spec(name: str, *, disable: bool = False) -> Spec:
    text = spec_text(name)
    if disable:
        text = text.replace("  managementCluster:\n", "  packages:\n    disable: true\n  managementCluster:\n", 1)
    return build_spec(parse_cluster_config(text, file="c.yaml", registry=make_plugins().registry),
                      release_manifest=BUNDLED_RELEASE_MANIFEST)


@pytest.mark.realkube
def test_install_step_enables_packages_and_applies_install_packages(control_plane: ControlPlane,
                                                                     tmp_path: Path) -> None:
    name = f"i{uuid.uuid4().hex[:8]}"
    packages_file = tmp_path / "packages.yaml"
    packages_file.write_text(yaml.safe_dump({
        "apiVersion": API, "kind": "Package",
        "metadata": {"name": "my-hello", "namespace": f"eksa-packages-{name}"},
        "spec": {"packageName": "hello-eks-anywhere", "targetNamespace": "default"}}))
    spec = _spec(name)
    messages: list[str] = []
    context = CallContext(cluster_dir=tmp_path, env={}, options={"install_packages": str(packages_file)},
                          emit_progress=lambda message, level, details: messages.append(message))
    addons.eksa_install_packages(spec=spec, cluster=ClusterHandle(name, control_plane.kubeconfig), context=context)
    assert messages == ["Enabling curated packages on the cluster"]
    image = spec.bundles.default_versions_bundle.package_controller.package_controller.uri  # type: ignore[union-attr]
    assert image.startswith("public.ecr.aws/eks-anywhere/")
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        pbc = kube.get(API, "PackageBundleController", name, "eksa-packages")
        assert pbc["spec"]["defaultRegistry"] == "public.ecr.aws/eks-anywhere"
        package = kube.get(API, "Package", "my-hello", f"eksa-packages-{name}")
        assert package["spec"] == {"packageName": "hello-eks-anywhere", "targetNamespace": "default"}
        kube.delete("v1", "Namespace", f"eksa-packages-{name}", ignore_not_found=True)
        kube.delete(API, "PackageBundleController", name, "eksa-packages", ignore_not_found=True)


@pytest.mark.realkube
def test_disabled_packages_are_skipped(control_plane: ControlPlane, tmp_path: Path) -> None:
    name = f"d{uuid.uuid4().hex[:8]}"
    messages: list[str] = []
    context = CallContext(cluster_dir=tmp_path, env={},
                          emit_progress=lambda message, level, details: messages.append(message))
    addons.eksa_install_packages(spec=_spec(name, disable=True), cluster=ClusterHandle(name, control_plane.kubeconfig),
                                 context=context)
    assert messages == ["  Package controller disabled"]
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        assert kube.get_or_none(API, "PackageBundleController", name, "eksa-packages") is None
