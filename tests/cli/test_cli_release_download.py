"""``eksa`` reads release data from the network by default, as ``eksctl anywhere`` does: here the default is
pointed (``$EKSA_DEFAULT_RELEASE_MANIFEST``) at a modern release served on 127.0.0.1, and the cache at a temporary
folder. Online, revalidated, offline with the cache, offline without it (the bundled snapshot), with exactly one
warning each time data other than the asked-for download is used."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core.cli import main
from eksa_core.plugins import Plugins
from tests.releases.servers import MANIFEST_PATH, ReleaseServer, make_tls_files, publish_release


def docker_plugins() -> Plugins:
    pytest.importorskip("eksa_docker", reason="the Docker provider (providers/docker) is not installed")
    from eksa_docker import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-docker")
    return plugins


def eksa(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=docker_plugins(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def warnings(*texts: str) -> list[str]:
    """The warnings about release data (the Docker provider warns about itself, too)."""
    return [line for text in texts for line in text.splitlines()
            if line.startswith("Warning") and "docker infrastructure provider" not in line]


@pytest.fixture(scope="module")
def publication(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("release") / "www"
    return root, publish_release(root)


@pytest.fixture
def server(publication: tuple[Path, dict[str, list[str]]], tmp_path: Path) -> Iterator[ReleaseServer]:
    root = tmp_path / "www"
    shutil.copytree(publication[0], root)
    srv = ReleaseServer(root)
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(autouse=True)
def setting(tmp_path: Path, cache: Path, server: ReleaseServer, publication: tuple[Path, dict[str, list[str]]],
            monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("EKSA_RELEASE_MANIFEST", "EKSA_RELEASE_CA_BUNDLE", "CHECKPOINT_ENABLED", "HTTP_PROXY",
                 "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "REQUESTS_CA_BUNDLE",
                 "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EKSA_DEFAULT_RELEASE_MANIFEST", f"{server.url}/{MANIFEST_PATH}")
    monkeypatch.setenv("EKSA_RELEASE_CACHE", str(cache))
    versions = sorted({p.split("/")[0].removeprefix("kubernetes-").replace("-", ".") for p in publication[1]["eksd"]},
                      key=lambda v: tuple(int(x) for x in v.split(".")))
    code, out, err = eksa("generate", "clusterconfig", "dev", "-p", "docker", "--kubernetes-version", versions[-1])
    assert code == 0, err
    Path("dev.yaml").write_text(out)


def plan(*extra: str) -> tuple[str, str]:
    code, out, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run", "-v", "1", *extra)
    assert code == 0, err
    assert "Plan: create-management of cluster dev" in out and "Manifests written to dev/generated/plan" in out
    return out, err


def test_default_release_data_is_downloaded_then_revalidated(server: ReleaseServer, cache: Path) -> None:
    manifest_url = f"{server.url}/{MANIFEST_PATH}"
    out, err = plan()
    assert f"Using release manifest {manifest_url} (default)" in out
    assert warnings(out, err) == []
    first = [(r.path, r.status) for r in server.requests]
    assert [p for p, _ in first][:2] == ["/" + MANIFEST_PATH, first[1][0]] and len(first) == 3
    assert all(status == 200 for _, status in first) and first[1][0].startswith("/releases/bundles/")
    assert any(cache.rglob("*.body"))

    out, err = plan()
    again = server.requests[len(first):]
    assert [r.path for r in again] == [p for p, _ in first] and all(r.status == 304 for r in again)
    assert warnings(out, err) == []


def test_offline_uses_the_cache_then_the_bundled_snapshot_with_one_warning(
    server: ReleaseServer, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest_url = f"{server.url}/{MANIFEST_PATH}"
    plan()
    server.stop()

    out, err = plan()
    [warning] = warnings(out, err)
    assert warning.startswith("Warning: using cached release data: ") and manifest_url in warning
    assert "Connection refused" in warning and str(cache) in warning and "and 2 more release files" in warning

    monkeypatch.setenv("EKSA_RELEASE_CACHE", str(tmp_path / "empty-cache"))
    out, err = plan()
    [warning] = warnings(out, err)
    assert warning.startswith("Warning: using the release data bundled with eksa (")
    assert f"{manifest_url} could not be downloaded (cannot connect: Connection refused)" in warning
    assert "no copy of it is cached" in warning and str(tmp_path / "empty-cache") in warning


def test_an_explicit_manifest_url_never_falls_back_to_the_snapshot(server: ReleaseServer) -> None:
    url = f"{server.url}/{MANIFEST_PATH}"
    server.stop()
    code, out, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run", "--release-manifest", url)
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"Error: {url}: cannot connect: Connection refused\n")
    assert warnings(out, err) == []


def test_manifest_and_bundles_override_by_url_and_by_environment(
    server: ReleaseServer, publication: tuple[Path, dict[str, list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    bundles_url = f"{server.url}/{publication[1]['bundles'][-1]}"
    out, _ = plan("--bundles-override", bundles_url)
    assert f"Using bundles override {bundles_url}" in out
    assert server.requests[0].path == "/" + publication[1]["bundles"][-1]  # no manifest read
    assert all(r.path != "/" + MANIFEST_PATH for r in server.requests)

    seen = len(server.requests)
    monkeypatch.setenv("EKSA_RELEASE_MANIFEST", f"{server.url}/hop/1")  # redirected to the manifest
    out, _ = plan()
    assert f"Using release manifest {server.url}/hop/1 (EKSA_RELEASE_MANIFEST)" in out
    assert [r.path for r in server.requests[seen:]][:3] == ["/hop/1", "/hop/0", "/" + MANIFEST_PATH]


def test_bundled_keyword_reads_nothing_from_the_network(server: ReleaseServer, monkeypatch: pytest.MonkeyPatch,
                                                         publication: tuple[Path, dict[str, list[str]]]) -> None:
    monkeypatch.setenv("EKSA_RELEASE_MANIFEST", "bundled")
    out, err = plan()
    [warning] = warnings(out, err)
    assert warning.startswith("Warning: using the release data bundled with eksa")
    assert server.requests == []


def test_https_with_the_ca_bundle_from_the_environment(
    publication: tuple[Path, dict[str, list[str]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = make_tls_files(tmp_path / "tls")
    tls = ReleaseServer(publication[0], tls=(cert, key))
    try:
        url = f"{tls.url}/{MANIFEST_PATH}"
        code, _, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run", "--release-manifest", url)
        assert code == 1 and f"Error: {url}: TLS verification failed" in err and "EKSA_RELEASE_CA_BUNDLE" in err
        monkeypatch.setenv("EKSA_RELEASE_CA_BUNDLE", str(ca))
        out, err = plan("--release-manifest", url)
        assert f"Using release manifest {url} (--release-manifest)" in out and warnings(out, err) == []
        assert [r.status for r in tls.requests] == [200, 200, 200]
    finally:
        tls.close()
