"""Image references and registry-mirror rewriting."""

from __future__ import annotations

import pytest

from eksa_core.images import (
    CURATED_PACKAGES_REGISTRY_KEY,
    ImageReference,
    ImageReferenceError,
    RegistryMirror,
    apply_registry_mirror,
    parse_image_reference,
)
from eksa_core.models.cluster import OCINamespace, RegistryMirrorConfiguration
from eksa_core.releases import Image

PAUSE = "public.ecr.aws/eks-distro/kubernetes/pause:v1.19.8-eks-1-19-4"
DIGEST = "sha256:" + "a" * 64


def test_parse_image_reference() -> None:
    ref = parse_image_reference(PAUSE)
    assert ref == ImageReference("public.ecr.aws", "eks-distro/kubernetes/pause", "v1.19.8-eks-1-19-4")
    assert ref.name == "public.ecr.aws/eks-distro/kubernetes/pause" and str(ref) == PAUSE
    assert parse_image_reference("nginx") == ImageReference(None, "nginx")
    assert parse_image_reference("library/nginx:1.25") == ImageReference(None, "library/nginx", "1.25")
    assert parse_image_reference("localhost:5000/a/b") == ImageReference("localhost:5000", "a/b")
    assert parse_image_reference("localhost/a") == ImageReference("localhost", "a")
    assert parse_image_reference(f"host:5000/repo:tag@{DIGEST}") == ImageReference("host:5000", "repo", "tag", DIGEST)
    assert parse_image_reference(f"docker.io/library/nginx@{DIGEST}").digest == DIGEST
    assert parse_image_reference("[::1]:5000/a:b").registry == "[::1]:5000"
    assert str(parse_image_reference(PAUSE).with_registry("mirror:443/ns")) == (
        "mirror:443/ns/eks-distro/kubernetes/pause:v1.19.8-eks-1-19-4")


@pytest.mark.parametrize("bad", ["", " nginx", "Upper/Case", "repo:bad tag", "repo@sha256:xyz", "a//b", "<placeholder>",
                                 "repo:" + "t" * 200])
def test_invalid_image_references(bad: str) -> None:
    with pytest.raises(ImageReferenceError):
        parse_image_reference(bad)


def test_bundle_image_repository_and_tag() -> None:
    assert Image(uri=PAUSE).repository == "public.ecr.aws/eks-distro/kubernetes/pause"
    assert Image(uri=PAUSE).tag == "v1.19.8-eks-1-19-4"
    assert Image(uri=PAUSE).image() == Image(uri=PAUSE).repository and Image(uri=PAUSE).versioned_image() == PAUSE
    assert Image(uri="host:5000/repo").repository == "host:5000/repo" and Image(uri="host:5000/repo").tag == ""
    assert Image(uri="host:5000/charts/cilium:1.2").chart_name == "cilium"


def _mirror(endpoint: str = "1.2.3.4", port: str | None = "443", namespaces: dict[str, str] | None = None,
            ) -> RegistryMirrorConfiguration:
    oci = [OCINamespace(registry=r, namespace=n) for r, n in (namespaces or {}).items()] or None
    return RegistryMirrorConfiguration(endpoint=endpoint, port=port, oci_namespaces=oci)


def test_no_mirror_leaves_uris_alone() -> None:
    assert apply_registry_mirror(PAUSE, None) == PAUSE
    assert RegistryMirror.from_config(None) is None
    assert RegistryMirror.from_config(RegistryMirrorConfiguration()) is None


def test_mirror_without_namespaces_replaces_the_eksa_registry() -> None:
    config = _mirror(port="5000")
    assert apply_registry_mirror(PAUSE, config) == "1.2.3.4:5000/eks-distro/kubernetes/pause:v1.19.8-eks-1-19-4"
    assert apply_registry_mirror("docker.io/library/nginx:1", config) == "docker.io/library/nginx:1"
    assert apply_registry_mirror("quay.io/x/y:z", config) == "quay.io/x/y:z"
    mirror = RegistryMirror.from_config(config)
    assert mirror is not None and mirror.core_eksa_mirror == "1.2.3.4:5000" and mirror.curated_packages_mirror is None


def test_mirror_port_defaults_to_443_and_ipv6_is_bracketed() -> None:
    assert apply_registry_mirror(PAUSE, _mirror(port=None)).startswith("1.2.3.4:443/eks-distro/")
    assert apply_registry_mirror(PAUSE, _mirror(endpoint="fd00::1")).startswith("[fd00::1]:443/eks-distro/")


def test_oci_namespaces_map_registries_to_mirror_namespaces() -> None:
    config = _mirror(endpoint="harbor.local", namespaces={
        "public.ecr.aws": "eks-anywhere",
        "docker.io": "/dockerhub/",
        "783794618700.dkr.ecr.us-west-2.amazonaws.com": "curated-packages",
    })
    mirror = RegistryMirror.from_config(config)
    assert mirror is not None
    assert mirror.namespaced_registries == {
        "public.ecr.aws": "harbor.local:443/eks-anywhere",
        "docker.io": "harbor.local:443/dockerhub",
        CURATED_PACKAGES_REGISTRY_KEY: "harbor.local:443/curated-packages",
    }
    assert mirror.replace_registry(PAUSE) == (
        "harbor.local:443/eks-anywhere/eks-distro/kubernetes/pause:v1.19.8-eks-1-19-4")
    assert mirror.replace_registry("docker.io/library/nginx:1") == "harbor.local:443/dockerhub/library/nginx:1"
    # every region of the curated-packages account goes to the same namespace
    assert mirror.replace_registry("783794618700.dkr.ecr.eu-west-1.amazonaws.com/emissary:v3") == (
        "harbor.local:443/curated-packages/emissary:v3")
    assert mirror.replace_registry("111111111111.dkr.ecr.eu-west-1.amazonaws.com/x:1") == (
        "111111111111.dkr.ecr.eu-west-1.amazonaws.com/x:1")
    # registries with no namespace entry are not mirrored once namespaces are listed
    assert mirror.replace_registry("quay.io/x/y:z") == "quay.io/x/y:z"
    # URLs (Helm charts over OCI, https manifests) keep their scheme
    assert mirror.replace_registry("oci://public.ecr.aws/eks-anywhere/eks-anywhere-packages") == (
        "oci://harbor.local:443/eks-anywhere/eks-anywhere/eks-anywhere-packages")
    assert apply_registry_mirror(PAUSE, mirror) == mirror.replace_registry(PAUSE)


def test_mirror_never_fails_on_odd_uris() -> None:
    config = _mirror()
    for odd in ("", "<placeholder>", "public.ecr.aws", "config/clusterctl/overrides/x.yaml"):
        assert isinstance(apply_registry_mirror(odd, config), str)
    assert apply_registry_mirror("public.ecr.aws", config) == "1.2.3.4:443"


def test_mirror_secret_material_is_not_in_repr() -> None:
    config = RegistryMirrorConfiguration(endpoint="m", port="443", ca_cert_content="-----BEGIN CERTIFICATE-----")
    mirror = RegistryMirror.from_config(config)
    assert mirror is not None and "BEGIN" not in repr(mirror)
