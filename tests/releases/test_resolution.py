"""Picking the release, bundles, versions bundle and EKS-D releases; EKS-D lookups; build_spec."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from eksa_core.errors import NoMatchingReleaseError, ReleaseError, SpecError, UnsupportedKubernetesVersionError
from eksa_core.releases import (
    DEFAULT_CLI_VERSION,
    EksARelease,
    Release,
    ReleaseSpec,
    Semver,
    SemverError,
    build_spec,
    build_spec_from_files,
    bundles_for_version,
    classify_release_files,
    eksa_release_name,
    eksd_release_for,
    load_bundles,
    load_eksd_release,
    load_release_manifest,
)
from eksa_core.spec import Spec

from .helpers import cluster_config

#: The EKS Anywhere version of the v0.19 test fixtures (tests/conformance/data/releases).
FIXTURES_VERSION = "v0.19.0-dev+latest"


def _manifest(*versions: str, latest: str = "v0.0.2") -> Release:
    releases = [EksARelease(version=v, number=i, bundle_manifest_url=f"bundles-{i}.yaml")
                for i, v in enumerate(versions)]
    return Release(spec=ReleaseSpec(latest_version=latest, releases=releases))


# -- semver ---------------------------------------------------------------------------------------------------


def test_semver_parse_and_compare() -> None:
    v = Semver.parse("v0.19.0-dev+build.10")
    assert (v.major, v.minor, v.patch, v.prerelease, v.build_metadata) == (0, 19, 0, "dev", "build.10")
    assert str(v) == "v0.19.0-dev+build.10"
    assert Semver.parse("1.2.3").compare(Semver.parse("v1.2.4")) == -1
    assert Semver.parse("1.2.3-rc.1").compare(Semver.parse("v1.2.3")) == 0  # pre-release ignored, like EKS-A
    b = Semver.parse
    assert b("v1.0.0+build.10").compare_build_metadata(b("v1.0.0+build.9")) == 1
    assert b("v1.0.0+build.9").compare_build_metadata(b("v1.0.0+build.10")) == -1
    assert b("v1.0.0+build.9").compare_build_metadata(b("v1.0.0+build.9")) == 0
    assert b("v1.0.0+build.9.1").compare_build_metadata(b("v1.0.0+build.9")) == 1
    assert b("v1.0.0+5").compare_build_metadata(b("v1.0.0+abc")) == -1
    assert b("v1.0.0+abc").compare_build_metadata(b("v1.0.0+abd")) == 2
    with pytest.raises(SemverError, match=re.escape("invalid major version in semver v0.0.X")):
        Semver.parse("v0.0.X")


# -- release manifest -----------------------------------------------------------------------------------------


def test_release_for_version_exact_match_wins() -> None:
    manifest = _manifest("v0.0.1", "v0.0.2")
    assert manifest.release_for_version("v0.0.2").number == 1  # type: ignore[union-attr]
    assert manifest.release_for_version("v0.0.3") is None
    assert manifest.release_for_version("0.0.2") is None  # semver-equal but not the same string: no "latest"


def test_latest_build_metadata_picks_the_newest_matching_prerelease() -> None:
    manifest = _manifest("v0.19.0-dev+build.9", "v0.19.0-dev+build.10", "v0.19.0-dev+build.2",
                         "v0.19.0-rc+build.99", "v0.18.0-dev+build.50")
    picked = manifest.release_for_version("v0.19.0-dev+latest")
    assert picked is not None and picked.version == "v0.19.0-dev+build.10"
    assert _manifest("v0.20.0-dev+build.1").release_for_version("v0.19.0-dev+latest") is None


def test_latest_with_an_exact_release_named_latest(releases_dir: Path) -> None:
    manifest = load_release_manifest(releases_dir / "releases.yaml")
    picked = manifest.release_for_version("v0.19.0-dev+latest")
    assert picked is not None and picked.bundle_manifest_url == "embed:///testdata/bundles.yaml"


def test_release_version_errors() -> None:
    manifest = _manifest("v0.0.1", "v0.0.2")
    with pytest.raises(ReleaseError, match=re.escape("invalid eksa version: invalid major version in semver v0.0.X")):
        manifest.release_for_version("v0.0.X")
    with pytest.raises(ReleaseError, match=re.escape("failed to get EKS-A release for version v0.0.X")):
        manifest.bundle_manifest_url("v0.0.X")
    with pytest.raises(ReleaseError) as info:
        manifest.bundle_manifest_url("v0.0.3")
    assert info.value.message == ("no matching release found for version v0.0.3 to get Bundles URL. "
                                  "Latest available version is v0.0.2 (releases in the manifest: v0.0.1, v0.0.2)")
    assert isinstance(info.value, NoMatchingReleaseError) and info.value.available == ["v0.0.1", "v0.0.2"]
    assert manifest.bundle_manifest_url("v0.0.1") == "bundles-0.yaml"
    broken = _manifest("not-semver")
    with pytest.raises(ReleaseError, match="invalid version for release 0"):
        broken.release_for_version("v1.0.0-dev+latest")


def test_bundles_for_version(releases_dir: Path) -> None:
    release, bundles = bundles_for_version(releases_dir / "releases.yaml", "v0.19.0-dev+latest")
    assert release.version == "v0.19.0-dev+latest"
    assert bundles.source == str(releases_dir / "bundles.yaml")
    with pytest.raises(ReleaseError) as info:
        bundles_for_version(releases_dir / "releases.yaml", "v0.18.2")
    assert info.value.message == ("invalid version v0.18.2, no matching release found (releases in the "
                                  "manifest: v0.19.0-dev+latest)")
    assert info.value.file == str(releases_dir / "releases.yaml")


def test_versions_bundle_by_exact_kube_version(releases_dir: Path) -> None:
    bundles = load_bundles(releases_dir / "bundles.yaml")
    assert bundles.versions_bundle("1.21").kube_version == "1.21"
    assert bundles.find_versions_bundle("1.2") is None
    with pytest.raises(ReleaseError) as info:
        bundles.versions_bundle("1.30")
    assert info.value.message == ("kubernetes version 1.30 is not supported by bundles manifest 0 (supported "
                                  "Kubernetes versions: 1.18, 1.19, 1.20, 1.21, 1.29)")
    assert isinstance(info.value, UnsupportedKubernetesVersionError)
    assert info.value.version == "1.30" and info.value.supported == ["1.18", "1.19", "1.20", "1.21", "1.29"]


def test_eksa_release_name() -> None:
    assert eksa_release_name("v0.21.3") == "eksa-v0-21-3"
    assert eksa_release_name("v0.19.0-dev+latest") == "eksa-v0-19-0-dev-plus-latest"


# -- EKS-D ----------------------------------------------------------------------------------------------------


def test_eksd_lookups_1_19(releases_dir: Path) -> None:
    eksd = load_eksd_release(releases_dir / "kubernetes-1-19-eks-4.yaml")
    assert eksd.channel == "1-19" and eksd.number == 4 and eksd.kubernetes_version == "1.19"
    assert eksd.kubernetes_version_tag() == "v1.19.8-eks-1-19-4"
    assert eksd.kubernetes_image_repository() == "public.ecr.aws/eks-distro/kubernetes"
    assert eksd.etcd_image_repository() == "public.ecr.aws/eks-distro/etcd-io"
    assert eksd.etcd_image_tag() == "v3.4.14-eks-1-19-4"
    assert eksd.etcd_image().uri == "public.ecr.aws/eks-distro/etcd-io/etcd:v3.4.14-eks-1-19-4"
    assert eksd.etcd_version() == "3.4.14"
    assert eksd.etcd_url() == ("https://distro.eks.amazonaws.com/kubernetes-1-19/releases/4/artifacts/etcd/"
                               "v3.4.14/etcd-linux-amd64-v3.4.14.tar.gz")
    assert eksd.coredns_image_repository() == "public.ecr.aws/eks-distro/coredns"
    assert eksd.coredns_image_tag() == "v1.8.0-eks-1-19-4"
    assert eksd.pause_image().repository == "public.ecr.aws/eks-distro/kubernetes/pause"
    assert eksd.pause_image().tag == "v1.19.8-eks-1-19-4"
    assert eksd.aws_iam_authenticator_image().uri.endswith("aws-iam-authenticator:v0.5.2-eks-1-19-4")
    assert eksd.kube_proxy_image().uri == "public.ecr.aws/eks-distro/kubernetes/kube-proxy:v1.19.8-eks-1-19-4"
    distro = eksd.kube_distro()
    assert distro.kubernetes_tag == "v1.19.8-eks-1-19-4" and distro.etcd_version == "3.4.14"
    assert distro.coredns_repository == "public.ecr.aws/eks-distro/coredns"
    assert eksd.images() and all(i.uri for i in eksd.images())


def test_eksd_lookups_1_21(releases_dir: Path) -> None:
    eksd = load_eksd_release(releases_dir / "kubernetes-1-21-eks-4.yaml")
    assert eksd.kubernetes_version_tag().startswith("v1.21.2-eks-1-21-4")
    assert eksd.kube_distro().channel == "1-21"


def test_missing_asset_uses_eksas_words(releases_dir: Path, tmp_path: Path) -> None:
    text = (releases_dir / "kubernetes-1-19-eks-4.yaml").read_text()
    path = tmp_path / "eksd.yaml"
    path.write_text(text.replace("name: kube-apiserver-image", "name: renamed-image"))
    eksd = load_eksd_release(path)
    with pytest.raises(ReleaseError) as info:
        eksd.kubernetes_version_tag()
    assert info.value.message == "asset kube-apiserver-image is no present in eksd release 1-19"
    assert info.value.file == str(path)
    with pytest.raises(ReleaseError, match="asset kube-apiserver-image is no present in eksd release 1-19"):
        eksd.kube_distro()


def test_eksd_release_for_resolves_embed_urls_beside_the_bundles(copied_releases: Path) -> None:
    bundles = load_bundles(copied_releases / "bundles.yaml")
    eksd = eksd_release_for(bundles.versions_bundle("1.20"), bundles=bundles)
    assert eksd.source == str(copied_releases / "kubernetes-1-20-eks-1.yaml") and eksd.channel == "1-20"


# -- build_spec -----------------------------------------------------------------------------------------------


def test_build_spec_from_conformance_files(releases_dir: Path) -> None:
    files = [releases_dir / "releases.yaml", releases_dir / "bundles.yaml",
             releases_dir / "kubernetes-1-19-eks-4.yaml"]
    spec = build_spec_from_files(cluster_config("1.19"), files, cli_version="v0.19.0-dev+latest")
    assert isinstance(spec, Spec)
    assert spec.eksa_version == "v0.19.0-dev+latest"
    assert spec.bundles is not None and spec.bundles.source == str(releases_dir / "bundles.yaml")
    assert list(spec.versions_bundles) == ["1.19"] and list(spec.eksd_releases) == ["1.19"]
    assert spec.versions_bundle().kube_version == "1.19"
    assert spec.eksd_release().kubernetes_version_tag() == "v1.19.8-eks-1-19-4"
    assert spec.eksd_release().source == str(releases_dir / "kubernetes-1-19-eks-4.yaml")


def test_build_spec_every_worker_version(releases_dir: Path) -> None:
    config = cluster_config("1.19", workers={"md-0": None, "md-1": "1.21", "md-2": "1.21", "md-3": "1.20"})
    spec = build_spec(config, release_manifest=releases_dir / "releases.yaml", cli_version=FIXTURES_VERSION)
    assert list(spec.versions_bundles) == ["1.19", "1.21", "1.20"]
    assert {k: v.channel for k, v in spec.eksd_releases.items()} == {"1.19": "1-19", "1.21": "1-21", "1.20": "1-20"}
    assert spec.versions_bundle("1.21").eks_d.channel == "1-21"


def test_build_spec_from_a_copied_folder(copied_releases: Path) -> None:
    config = cluster_config("1.21", workers={"md-0": "1.19"})
    spec = build_spec_from_files(config, [copied_releases / "releases.yaml"], cli_version=FIXTURES_VERSION)
    assert spec.bundles is not None and spec.bundles.source == str(copied_releases / "bundles.yaml")
    assert all(str(e.source).startswith(str(copied_releases)) for e in spec.eksd_releases.values())
    assert spec.eksd_release("1.21").kubernetes_image_repository() == "public.ecr.aws/eks-distro/kubernetes"


def test_build_spec_explicit_eksd_file_wins_by_channel(copied_releases: Path, tmp_path: Path) -> None:
    # A renamed copy of the 1-19 EKS-D release, given explicitly, is used instead of the bundle's manifestUrl.
    explicit = tmp_path / "my-eksd.yaml"
    shutil.copy(copied_releases / "kubernetes-1-19-eks-4.yaml", explicit)
    spec = build_spec_from_files(cluster_config("1.19"), [copied_releases / "releases.yaml", explicit],
                                 cli_version=FIXTURES_VERSION)
    assert spec.eksd_release().source == str(explicit)
    spec = build_spec(cluster_config("1.19"), release_manifest=copied_releases / "releases.yaml",
                      eksd_overrides={"1-19": explicit}, cli_version=FIXTURES_VERSION)
    assert spec.eksd_release().source == str(explicit)


def test_build_spec_bundles_override_only(releases_dir: Path) -> None:
    spec = build_spec(cluster_config("1.20"), bundles_override=releases_dir / "bundles.yaml", cli_version="v1.2.3")
    assert spec.eksa_version == "v1.2.3"
    assert spec.eksd_release().channel == "1-20"
    spec = build_spec_from_files(cluster_config("1.18"), [releases_dir / "bundles.yaml"])
    assert spec.eksa_version == DEFAULT_CLI_VERSION and spec.eksd_release().channel == "1-18"


def test_build_spec_cluster_eksa_version_wins(releases_dir: Path) -> None:
    config = cluster_config("1.19", eksa_version="v0.18.0")
    with pytest.raises(ReleaseError, match=re.escape("invalid version v0.18.0, no matching release found")):
        build_spec(config, release_manifest=releases_dir / "releases.yaml", cli_version="v0.19.0-dev+latest")


def test_build_spec_errors(releases_dir: Path) -> None:
    manifest = releases_dir / "releases.yaml"
    with pytest.raises(ReleaseError) as info:
        build_spec(cluster_config("1.30"), release_manifest=manifest, cli_version=FIXTURES_VERSION)
    assert info.value.message == ("kubernetes version 1.30 is not supported by bundles manifest 0 (supported "
                                  "Kubernetes versions: 1.18, 1.19, 1.20, 1.21, 1.29)")
    assert info.value.file == str(releases_dir / "bundles.yaml")
    with pytest.raises(ReleaseError, match=re.escape("invalid version v0.17.0, no matching release found")):
        build_spec(cluster_config("1.19"), release_manifest=manifest, cli_version="v0.17.0")
    # 1.29's EKS-D release is an https URL: refused, eksa never downloads on its own
    with pytest.raises(ReleaseError, match="network fetch is disabled") as net:
        build_spec(cluster_config("1.29"), release_manifest=manifest, cli_version=FIXTURES_VERSION)
    assert net.value.file == "https://distro.eks.amazonaws.com/kubernetes-1-29/kubernetes-1-29-eks-4.yaml"
    # no release manifest given: the production URL, which needs a fetcher
    with pytest.raises(ReleaseError, match="network fetch is disabled"):
        build_spec(cluster_config("1.19"))
    with pytest.raises(ReleaseError, match="no release manifest or bundles manifest among the release files"):
        build_spec_from_files(cluster_config("1.19"), [releases_dir / "kubernetes-1-19-eks-4.yaml"])


def test_build_spec_with_a_fetcher(releases_dir: Path) -> None:
    # The release data served from "https" (a fake standing in for the network): relative and embed URLs.
    served = {
        "https://assets.example/eks-a/manifest.yaml": (releases_dir / "releases.yaml").read_text()
        .replace("embed:///testdata/bundles.yaml", "bundles/bundles.yaml"),
        "https://assets.example/eks-a/bundles/bundles.yaml": (releases_dir / "bundles.yaml").read_text()
        .replace("embed:///testdata/", "https://distro.example/"),
        "https://distro.example/kubernetes-1-21-eks-4.yaml": (releases_dir / "kubernetes-1-21-eks-4.yaml").read_text(),
    }
    calls: list[str] = []

    def fake_fetcher(url: str) -> str:
        calls.append(url)
        return served[url]

    spec = build_spec(cluster_config("1.21"), release_manifest="https://assets.example/eks-a/manifest.yaml",
                      fetcher=fake_fetcher, cli_version=FIXTURES_VERSION)
    assert spec.eksd_release().channel == "1-21"
    assert calls == list(served)


def test_embed_url_inside_fetched_manifest_is_an_error(releases_dir: Path) -> None:
    served = {"https://assets.example/manifest.yaml": (releases_dir / "releases.yaml").read_text()}
    with pytest.raises(ReleaseError, match="embed URL names a file beside the local manifest"):
        build_spec(cluster_config("1.19"), release_manifest="https://assets.example/manifest.yaml",
                   fetcher=served.__getitem__, cli_version=FIXTURES_VERSION)


def test_classify_release_files_refuses_duplicates(releases_dir: Path) -> None:
    files = classify_release_files([releases_dir / "bundles.yaml", releases_dir / "kubernetes-1-19-eks-4.yaml"])
    assert files.release_manifest is None and files.bundles is not None and list(files.eksd_releases) == ["1.19"]
    with pytest.raises(ReleaseError, match="two bundles manifests given"):
        classify_release_files([releases_dir / "bundles.yaml", releases_dir / "bundles.yaml"])
    with pytest.raises(ReleaseError, match="two EKS-D releases given for channel 1-19"):
        classify_release_files([releases_dir / "kubernetes-1-19-eks-4.yaml"] * 2)


def test_build_spec_checks_explicit_eksd_channel(releases_dir: Path) -> None:
    with pytest.raises(ReleaseError) as info:
        build_spec(cluster_config("1.19"), release_manifest=releases_dir / "releases.yaml",
                   eksd_overrides={"1.19": releases_dir / "kubernetes-1-21-eks-4.yaml"}, cli_version=FIXTURES_VERSION)
    assert info.value.message == "the EKS-D release given for kubernetes version 1.19 is of channel 1-21"


def test_build_spec_needs_a_kubernetes_version(releases_dir: Path) -> None:
    config = cluster_config("1.19")
    config.cluster.spec.kubernetes_version = None
    with pytest.raises(SpecError) as info:
        build_spec(config, release_manifest=releases_dir / "releases.yaml", cli_version=FIXTURES_VERSION)
    assert info.value.field == "spec.kubernetesVersion" and info.value.kind == "Cluster"
    assert info.value.file == "cluster.yaml"
