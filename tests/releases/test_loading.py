"""Reading release manifests, bundles and EKS-D releases: models, lenient fields, locations, errors."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core.errors import ReleaseError
from eksa_core.releases import (
    Bundles,
    EksdRelease,
    HttpFetcher,
    Image,
    Release,
    load_bundles,
    load_eksd_release,
    load_release_document,
    load_release_manifest,
    resolve_location,
)

BUNDLES_HEAD = "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Bundles\n"


# -- the fixture files ----------------------------------------------------------------------------------------


def test_every_fixture_file_loads_as_its_kind(releases_dir: Path) -> None:
    kinds = {p.name: type(load_release_document(p)) for p in sorted(releases_dir.glob("*.yaml"))
             if p.name != "test-bundle-values.yaml"}
    assert kinds == {
        "releases.yaml": Release,
        "bundles.yaml": Bundles,
        "kubernetes-1-18-eks-4.yaml": EksdRelease,
        "kubernetes-1-19-eks-4.yaml": EksdRelease,
        "kubernetes-1-20-eks-1.yaml": EksdRelease,
        "kubernetes-1-21-eks-4.yaml": EksdRelease,
    }


def test_release_manifest_fields(releases_dir: Path) -> None:
    manifest = load_release_manifest(releases_dir / "releases.yaml")
    assert manifest.source == str(releases_dir / "releases.yaml")
    assert manifest.latest_version == ""
    [release] = manifest.releases
    assert release.version == "v0.19.0-dev+latest"
    assert release.bundle_manifest_url == "embed:///testdata/bundles.yaml"
    assert release.number == 0
    assert manifest.raw is not None and manifest.raw["kind"] == "Release"


def test_bundles_fields(releases_dir: Path) -> None:
    bundles = load_bundles(releases_dir / "bundles.yaml")
    assert bundles.number == 0
    assert bundles.spec.cli_min_version == "" and bundles.spec.cli_max_version == ""
    assert bundles.kubernetes_versions() == ["1.18", "1.19", "1.20", "1.21", "1.29"]
    vb = bundles.versions_bundle("1.19")
    assert vb.eks_d.channel == "1-19"
    assert vb.eks_d.kube_version == "v1.19.8"
    assert vb.eks_d.manifest_url == "embed:///testdata/kubernetes-1-19-eks-4.yaml"
    assert vb.vsphere.kube_vip.uri == (
        "public.ecr.aws/l0g8r8j6/kube-vip/kube-vip:v0.3.2-2093eaeda5a4567f0e516d652e0b25b1d7abc774")
    assert vb.vsphere.manager.repository == "public.ecr.aws/l0g8r8j6/kubernetes/cloud-provider-vsphere/cpi/manager"
    assert vb.vsphere.manager.tag == "v1.18.1-2093eaeda5a4567f0e516d652e0b25b1d7abc774"
    assert vb.cluster_api.version and vb.control_plane.controller.uri and vb.bootstrap.components.uri
    assert vb.cilium.cilium.uri.startswith("public.ecr.aws/l0g8r8j6/cilium/cilium:")
    # absent sections read as zero values, like Go structs
    assert vb.tinkerbell.tinkerbell_stack.hook.initramfs.amd.uri == ""
    assert vb.snow.kube_vip.uri == ""
    newest = bundles.versions_bundle("1.29")
    assert newest.tinkerbell.tinkerbell_stack.actions.image_to_disk.uri
    assert newest.tinkerbell.tinkerbell_stack.hook.vmlinuz.arm.uri.endswith("vmlinuz-aarch64")
    assert newest.package_controller.helm_chart.uri
    assert newest.haproxy.image.uri and newest.kindnetd.manifest.uri
    assert newest.etcdadm_bootstrap.controller.uri and newest.etcdadm_controller.version
    assert newest.eks_d.manifest_url.startswith("https://distro.eks.amazonaws.com/")
    assert bundles.default_versions_bundle is bundles.versions_bundles[0]


def test_bundles_images_lists_every_image_with_a_uri(releases_dir: Path) -> None:
    vb = load_bundles(releases_dir / "bundles.yaml").versions_bundle("1.21")
    images = vb.images()
    assert images and all(isinstance(i, Image) and i.uri for i in images)
    assert vb.eksa.cli_tools in images and vb.eks_d.kind_node in images
    assert vb.eksa.cluster_controller not in images  # no URI in this bundle


def test_repeated_key_keeps_the_last_value_like_eksa(tmp_path: Path) -> None:
    # bundles.yaml itself repeats `cloudStack` in its 1.18 bundle; EKS-A's YAML reader keeps the last value.
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLES_HEAD + "spec:\n  number: 3\n  versionsBundles:\n  - kubeVersion: '1.30'\n"
                    "    cloudStack: {version: first}\n    cloudStack: {version: second}\n")
    assert load_bundles(path).versions_bundle("1.30").cloud_stack.version == "second"


def test_repeated_key_in_fixture(releases_dir: Path) -> None:
    vb = load_bundles(releases_dir / "bundles.yaml").versions_bundle("1.18")
    assert vb.cloud_stack.version == "v0.4.0-alpha+e3b0c44"


def test_unknown_fields_are_ignored_but_kept_in_raw(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLES_HEAD + "metadata: {name: bundles-7, annotations: {x: y}}\n"
                    "spec:\n  number: 7\n  futureField: true\n  versionsBundles:\n"
                    "  - kubeVersion: '1.31'\n    brandNewProvider: {image: {uri: a/b:c}}\n"
                    "    eksD: {channel: 1-31, somethingNew: 1}\n")
    bundles = load_bundles(path)
    assert bundles.number == 7 and bundles.metadata.name == "bundles-7"
    assert bundles.versions_bundle("1.31").eks_d.channel == "1-31"
    assert bundles.raw is not None
    assert bundles.raw["spec"]["versionsBundles"][0]["brandNewProvider"] == {"image": {"uri": "a/b:c"}}
    assert "brandNewProvider" not in bundles.to_data()["spec"]["versionsBundles"][0]


def test_wrong_types_are_errors_with_the_field_and_file(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLES_HEAD + "spec:\n  number: seven\n  versionsBundles:\n  - kubeVersion: 1.30\n")
    with pytest.raises(ReleaseError) as info:
        load_bundles(path)
    err = info.value
    assert err.file == str(path)
    assert "spec.number" in err.message and "spec.versionsBundles[0].kubeVersion" in err.message
    assert str(err).startswith(str(path))


def test_null_sections_read_as_zero_values(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLES_HEAD + "spec:\n  versionsBundles:\n  - kubeVersion: '1.30'\n    vSphere: null\n"
                    "    eksD: {channel: null, kindNode: {arch: null}}\n")
    vb = load_bundles(path).versions_bundle("1.30")
    assert vb.vsphere.kube_vip.uri == "" and vb.eks_d.channel == "" and vb.eks_d.kind_node.arch == []


def test_timestamps_stay_strings(releases_dir: Path) -> None:
    eksd = load_eksd_release(releases_dir / "kubernetes-1-19-eks-4.yaml")
    assert eksd.status.date == "2021-05-05T18:43:56Z"


def test_wrong_kind_is_refused(releases_dir: Path) -> None:
    with pytest.raises(ReleaseError, match="expected kind Bundles"):
        load_bundles(releases_dir / "releases.yaml")
    with pytest.raises(ReleaseError, match=re.escape("expected kind Release of API group distro.eks.amazonaws.com")):
        load_eksd_release(releases_dir / "releases.yaml")
    with pytest.raises(ReleaseError, match=re.escape("expected kind Release of API group anywhere.eks.amazonaws.com")):
        load_release_manifest(releases_dir / "kubernetes-1-19-eks-4.yaml")


def test_not_release_data(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(ReleaseError, match="not release data: found kind ConfigMap"):
        load_release_document(path)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BUNDLES_HEAD + "spec:\n  number: [1,\n")
    with pytest.raises(ReleaseError) as info:
        load_bundles(path)
    assert info.value.file == str(path) and "unable to parse manifest: yaml: line" in info.value.message


def test_several_documents_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(BUNDLES_HEAD + "---\n" + BUNDLES_HEAD)
    with pytest.raises(ReleaseError, match="expected one YAML document in the manifest, found 2"):
        load_bundles(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError) as info:
        load_bundles(tmp_path / "nope.yaml")
    assert info.value.file == str(tmp_path / "nope.yaml") and "does not exist" in info.value.message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = [BUNDLES_HEAD + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReleaseError, match="alias"):
        load_bundles(path)


# -- locations ------------------------------------------------------------------------------------------------


def test_embed_urls_resolve_beside_the_naming_file(tmp_path: Path) -> None:
    base = tmp_path / "data"
    assert resolve_location("embed:///testdata/bundles.yaml", relative_to=base) == base / "bundles.yaml"
    assert resolve_location("embed:///config/releases.yaml", relative_to=base) == base / "releases.yaml"
    assert resolve_location("embed:///testdata/sub/x.yaml", relative_to=base) == base / "sub" / "x.yaml"


def test_embed_urls_cannot_leave_their_folder(tmp_path: Path) -> None:
    for bad in ("embed:///testdata/../../etc/passwd", "embed:///bundles.yaml", "embed:///testdata/sub/../../x"):
        with pytest.raises(ReleaseError, match="embed URLs look like"):
            resolve_location(bad, relative_to=tmp_path)


def test_embed_url_needs_a_local_naming_file() -> None:
    with pytest.raises(ReleaseError, match="no"):
        resolve_location("embed:///testdata/bundles.yaml")
    with pytest.raises(ReleaseError, match="embed URL names a file beside the local manifest"):
        resolve_location("embed:///testdata/bundles.yaml", relative_to="https://example.com/releases/")


def test_file_urls_plain_and_relative_paths(tmp_path: Path) -> None:
    assert resolve_location(f"file://{tmp_path}/b.yaml") == tmp_path / "b.yaml"
    assert resolve_location("b.yaml", relative_to=tmp_path) == tmp_path / "b.yaml"
    assert resolve_location(str(tmp_path / "b.yaml"), relative_to=Path("/elsewhere")) == tmp_path / "b.yaml"
    assert resolve_location("b.yaml") == Path("b.yaml")
    assert resolve_location("../b.yaml", relative_to="https://h.example/a/r.yaml") == "https://h.example/b.yaml"
    with pytest.raises(ReleaseError, match="only local files"):
        resolve_location("file://server/share/b.yaml")
    with pytest.raises(ReleaseError, match="unsupported manifest URL scheme 's3'"):
        resolve_location("s3://bucket/b.yaml")
    with pytest.raises(ReleaseError, match="empty manifest location"):
        resolve_location("  ")


def test_http_urls_are_refused_without_a_fetcher() -> None:
    with pytest.raises(ReleaseError) as info:
        load_bundles("https://anywhere-assets.example/bundles.yaml")
    assert "network fetch is disabled" in info.value.message and "--bundles-override" in info.value.message
    assert info.value.file == "https://anywhere-assets.example/bundles.yaml"


class FakeFetcher:
    """Serves URLs from a dict (stands in for the network, which tests must not use)."""

    def __init__(self, content: dict[str, bytes | str]) -> None:
        self.content = content
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes | str:
        self.calls.append(url)
        return self.content[url]


def test_fetcher_reads_urls_and_failures_are_release_errors(releases_dir: Path) -> None:
    text = (releases_dir / "kubernetes-1-19-eks-4.yaml").read_bytes()
    fetcher = FakeFetcher({"https://distro.example/k-1-19.yaml": text})
    eksd = load_eksd_release("https://distro.example/k-1-19.yaml", fetcher=fetcher)
    assert eksd.channel == "1-19" and eksd.source == "https://distro.example/k-1-19.yaml"
    with pytest.raises(ReleaseError) as info:
        load_eksd_release("https://distro.example/missing.yaml", fetcher=fetcher)
    assert info.value.file == "https://distro.example/missing.yaml" and "reading" in info.value.message
    big = FakeFetcher({"https://x.example/big.yaml": b"a" * (10 * 1024 * 1024 + 1)})
    with pytest.raises(ReleaseError, match="larger than"):
        load_bundles("https://x.example/big.yaml", fetcher=big)


@pytest.fixture
def local_http(releases_dir: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the release folder."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(releases_dir), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that stops reading early (max_bytes) breaks the pipe; that is expected

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_fetcher_against_a_local_server(local_http: str) -> None:
    fetcher = HttpFetcher(timeout=10)
    bundles = load_bundles(f"{local_http}/bundles.yaml", fetcher=fetcher)
    assert bundles.source == f"{local_http}/bundles.yaml" and "1.19" in bundles.kubernetes_versions()
    with pytest.raises(ReleaseError, match="404"):
        load_bundles(f"{local_http}/nope.yaml", fetcher=fetcher)
    small = HttpFetcher(timeout=10, max_bytes=100)
    with pytest.raises(ReleaseError, match="larger than the 100 bytes"):
        load_bundles(f"{local_http}/bundles.yaml", fetcher=small)
    with pytest.raises(ReleaseError, match="only http and https"):
        fetcher("ftp://127.0.0.1/x")
