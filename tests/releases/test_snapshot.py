"""The release snapshot eksa ships (``eksa_core/data/releases``) and its generator (``tools/releases``)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from eksa_core.releases import (
    BUNDLED_RELEASE_MANIFEST,
    DEFAULT_CLI_VERSION,
    bundles_for_version,
    eksd_release_for,
    load_release_manifest,
    newest_kubernetes_version,
)

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "releases" / "generate_snapshot.py"
EKSD_FACTS = yaml.safe_load((REPO / "tools" / "releases" / "eksd-releases.yaml").read_text())["releases"]
PUBLIC_REGISTRIES = ("public.ecr.aws/eks-distro/", "public.ecr.aws/eks-anywhere/", "public.ecr.aws/bottlerocket/",
                     "public.ecr.aws/eks/cilium/")


def _strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _strings(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [s for i, v in enumerate(node) for s in _strings(v, f"{path}[{i}]")]
    return [(path, node)] if isinstance(node, str) else []


def test_the_snapshot_mirrors_eks_anywhere_v0_26_1_with_kubernetes_1_30_to_1_36() -> None:
    manifest = load_release_manifest(BUNDLED_RELEASE_MANIFEST)
    assert manifest.latest_version == DEFAULT_CLI_VERSION == "v0.26.1"
    release, bundles = bundles_for_version(manifest, DEFAULT_CLI_VERSION)
    assert release.version == "v0.26.1"
    assert bundles.kubernetes_versions() == ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36"]
    assert newest_kubernetes_version(bundles) == "1.36"
    vb = bundles.default_versions_bundle
    assert (vb.cluster_api.version, vb.vsphere.version, vb.tinkerbell.version, vb.nutanix.version,
            vb.snow.version, vb.cert_manager.version) == ("v1.13.2", "v1.16.1", "v0.6.6", "v1.6.1", "v0.3.3",
                                                          "v1.20.2")
    assert vb.eksa.version == "v0.26.1"


@pytest.mark.parametrize("facts", EKSD_FACTS, ids=[f["branch"] for f in EKSD_FACTS])
def test_each_kubernetes_version_has_the_eksd_release_eks_anywhere_builds(facts: dict[str, Any]) -> None:
    _, bundles = bundles_for_version(BUNDLED_RELEASE_MANIFEST, DEFAULT_CLI_VERSION)
    vb = bundles.versions_bundle(facts["branch"].replace("-", "."))
    name = f"kubernetes-{facts['branch']}-eks-{facts['number']}"
    assert (vb.eks_d.name, vb.eks_d.channel, vb.eks_d.kube_version) == (name, facts["branch"], facts["kubeVersion"])
    assert vb.end_of_standard_support == facts["endOfStandardSupport"]
    eksd = eksd_release_for(vb, bundles=bundles)
    assert eksd.source == str(BUNDLED_RELEASE_MANIFEST.parent / f"{name}.yaml")
    distro = eksd.kube_distro()
    tag = f"{facts['kubeVersion']}-eks-{facts['branch']}-{facts['number']}"
    assert distro.kubernetes_repository == "public.ecr.aws/eks-distro/kubernetes"
    assert distro.kubernetes_tag == tag
    etcd = next(i for i in facts["images"] if i["name"] == "etcd")
    assert distro.etcd.uri == etcd["uri"] and distro.etcd_version == etcd["version"].lstrip("v")
    assert distro.etcd_url == ""  # the tarball URL is not known: absent, not made up
    assert vb.eks_d.kind_node.uri.endswith(f":{facts['kubeVersion']}-eks-d-{facts['branch']}-{facts['number']}"
                                           "-eks-a-1")


def test_the_snapshot_names_public_registries_and_invents_no_digest_or_url() -> None:
    folder = BUNDLED_RELEASE_MANIFEST.parent
    files = sorted(folder.glob("*.yaml"))
    assert [f.name for f in files if f.name.startswith("kubernetes-")] == [
        f"kubernetes-{f['branch']}-eks-{f['number']}.yaml" for f in EKSD_FACTS]
    for path in files:
        text = path.read_text()
        for marker in ("release-bucket", "release-container-registry", "0123456789abcdef", "dev-build",
                       "<placeholder>"):
            assert marker not in text, (path.name, marker)
        for where, value in _strings(yaml.safe_load(text)):
            assert not where.endswith((".imageDigest", ".sha256", ".sha512")), (path.name, where)
            if where.endswith(".uri") and not value.startswith("embed:"):
                assert value.startswith(PUBLIC_REGISTRIES), (path.name, where, value)
            if "eks-anywhere/" in value:
                assert re.search(r":[^:]+-eks-a-1$", value), (path.name, where, value)
    readme = (folder / "README.md").read_text()
    assert "snapshot" in readme and "v0.26.1" in readme and (folder / "NOTICE").is_file()


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_snapshot", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shape_bundle(minor: str, branch: str, number: int, kube: str) -> dict[str, Any]:
    dev = "-eks-a-v0.0.0-dev-build.1"
    digest = "sha256:" + "0123456789abcdef" * 4
    return {
        "kubeVersion": minor,
        "clusterAPI": {"version": "v1.13.2+abcdef1",
                       "controller": {"name": "cluster-api-controller", "imageDigest": digest,
                                      "uri": f"public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api/"
                                             f"cluster-api-controller:v1.13.2{dev}"},
                       "components": {"uri": "https://release-bucket/artifacts/core-components.yaml"}},
        "eksa": {"version": "v0.0.0-dev+build.0+abcdef1",
                 "clusterController": {"uri": "public.ecr.aws/release-container-registry/"
                                              f"eks-anywhere-cluster-controller:v0.26.0{dev}"}},
        "cloudStack": {"version": "deprecated", "kubeVip": {"name": "kube-vip", "uri": "<placeholder>"}},
        "eksD": {"channel": branch, "kubeVersion": kube, "name": f"kubernetes-{branch}-eks-{number}",
                 "gitCommit": "0123456789abcdef0123456789abcdef01234567", "ami": {"bottlerocket": {}},
                 "manifestUrl": f"https://distro.eks.amazonaws.com/kubernetes-{branch}/kubernetes-{branch}-eks-"
                                f"{number}.yaml",
                 "containerd": {"name": "containerd-v0.0.0-dev-build.0-linux-amd64.tar.gz",
                                "uri": "https://release-bucket/containerd.tar.gz"}},
    }


def test_the_generator_keeps_shape_and_versions_and_drops_placeholders(tmp_path: Path) -> None:
    tool = _generator()
    facts = [dict(f) for f in EKSD_FACTS]
    shape = {"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Bundles",
             "spec": {"versionsBundles": [_shape_bundle(f["branch"].replace("-", "."), f["branch"], f["number"],
                                                        f["kubeVersion"]) for f in facts]}}
    (tmp_path / "shape.yaml").write_text(yaml.safe_dump(shape))
    pins = {p: "v1.13.2" for p in ("kubernetes-sigs/cluster-api",)}
    (tmp_path / "pins.yaml").write_text(yaml.safe_dump(pins))
    tool._PINNED = {("clusterAPI", "version"): "kubernetes-sigs/cluster-api"}
    out = tmp_path / "out"
    written = tool.generate(tmp_path / "shape.yaml", tmp_path / "pins.yaml", out)
    assert [p.name for p in written][:2] == ["releases.yaml", "bundles.yaml"]
    vb = yaml.safe_load((out / "bundles.yaml").read_text())["spec"]["versionsBundles"][0]
    assert vb["clusterAPI"] == {"version": "v1.13.2", "controller": {
        "name": "cluster-api-controller",
        "uri": "public.ecr.aws/eks-anywhere/kubernetes-sigs/cluster-api/cluster-api-controller:v1.13.2-eks-a-1"}}
    assert vb["eksa"] == {"version": "v0.26.1", "clusterController": {
        "uri": "public.ecr.aws/eks-anywhere/eks-anywhere-cluster-controller:v0.26.1-eks-a-1"}}
    assert vb["cloudStack"] == {"version": "deprecated", "kubeVip": {"name": "kube-vip"}}
    assert vb["eksD"] == {"channel": "1-30", "kubeVersion": "v1.30.14", "name": "kubernetes-1-30-eks-58",
                          "ami": {"bottlerocket": {}}, "manifestUrl": "embed:///config/kubernetes-1-30-eks-58.yaml"}
    # a version that is not the build tooling's pin stops the generator
    (tmp_path / "pins.yaml").write_text(yaml.safe_dump({"kubernetes-sigs/cluster-api": "v1.12.0"}))
    with pytest.raises(tool.SnapshotError, match=re.escape("pinned at v1.12.0")):
        tool.generate(tmp_path / "shape.yaml", tmp_path / "pins.yaml", out)
