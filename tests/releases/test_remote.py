"""Downloading release data (eksa_core.releases.remote) from real HTTP and HTTPS servers on 127.0.0.1: the
first fetch, revalidation answered 304, the cache used when a server is unreachable, and a clear typed error for
every way a server can fail. Nothing here reaches beyond 127.0.0.1, and nothing depends on timing: the "slow"
servers never answer, so a tiny read timeout always expires."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core.errors import ReleaseError, ReleaseFetchError, ReleaseUnreachableError
from eksa_core.releases import (
    BUNDLED_RELEASE_MANIFEST,
    build_spec,
    load_bundles,
    load_release_manifest,
)
from eksa_core.releases.remote import ReleaseCache, RemoteFetcher, default_cache_dir
from tests.releases.helpers import cluster_config
from tests.releases.servers import MANIFEST_PATH, ReleaseServer, SilentServer, make_tls_files, publish_release


@pytest.fixture(autouse=True)
def no_proxies_or_ca_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests reads proxies and CA bundles from the environment: none of the caller's may apply here."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def publication(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("release") / "www"
    return root, publish_release(root)


@pytest.fixture
def published(publication: tuple[Path, dict[str, list[str]]], tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    """A copy of the published release for one test (which may change it)."""
    root = tmp_path / "www"
    shutil.copytree(publication[0], root)
    return root, publication[1]


@pytest.fixture
def server(published: tuple[Path, dict[str, list[str]]]) -> Iterator[ReleaseServer]:
    srv = ReleaseServer(published[0])
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path: Path) -> ReleaseCache:
    return ReleaseCache(tmp_path / "cache")


def kube_version(files: dict[str, list[str]]) -> str:
    """The newest Kubernetes version whose EKS-D release was published (``kubernetes-1-21/...`` -> ``1.21``)."""
    versions = sorted({p.split("/")[0].removeprefix("kubernetes-").replace("-", ".") for p in files["eksd"]},
                      key=lambda v: tuple(int(x) for x in v.split(".")))
    assert versions, "the bundled snapshot has no EKS-D release files"
    return versions[-1]


def cli_version() -> str:
    return load_release_manifest(BUNDLED_RELEASE_MANIFEST).spec.releases[-1].version


# -- the happy path ---------------------------------------------------------------------------------------------


def test_first_fetch_reads_manifest_bundles_and_eksd_and_caches_them(
    server: ReleaseServer, published: tuple[Path, dict[str, list[str]]], cache: ReleaseCache
) -> None:
    _, files = published
    version = kube_version(files)
    fetcher = RemoteFetcher(cache=cache)
    manifest_url = f"{server.url}/{MANIFEST_PATH}"
    spec = build_spec(cluster_config(version), release_manifest=manifest_url, cli_version=cli_version(),
                      fetcher=fetcher)
    # relative references resolved against the URL of the manifest naming them
    assert spec.bundles.source == f"{server.url}/{files['bundles'][-1]}"
    eksd = spec.eksd_releases[version]
    assert eksd.source is not None and eksd.source.startswith(f"{server.url}/kubernetes-")
    assert eksd.kubernetes_version == version
    assert [r.path for r in server.requests] == ["/" + MANIFEST_PATH, "/" + files["bundles"][-1],
                                                 eksd.source.removeprefix(server.url)]
    assert all(r.status == 200 and "If-None-Match" not in r.headers for r in server.requests)
    assert all(r.headers["User-Agent"].startswith("eksa/") for r in server.requests)
    assert fetcher.fallbacks == [] and fetcher.fallback_warning() is None
    entry = cache.lookup(manifest_url)
    assert entry is not None and entry.etag and entry.last_modified
    assert entry.read() == (published[0] / MANIFEST_PATH).read_bytes()
    assert entry.body_path.is_relative_to(cache.root / f"127.0.0.1_{server.port}")


def test_revalidation_answered_304_reuses_the_cached_body(
    server: ReleaseServer, published: tuple[Path, dict[str, list[str]]], cache: ReleaseCache
) -> None:
    root, files = published
    url = f"{server.url}/{files['bundles'][-1]}"
    first = load_bundles(url, fetcher=RemoteFetcher(cache=cache))
    etag = cache.lookup(url).etag  # type: ignore[union-attr]
    again = load_bundles(url, fetcher=RemoteFetcher(cache=cache))
    second_request = server.requests[-1]
    assert second_request.headers.get("If-None-Match") == etag and second_request.status == 304
    assert again.raw == first.raw and again.source == url

    # the server's copy changes: 200 with the new body, which replaces the cached one
    path = root / files["bundles"][-1]
    path.write_text(path.read_text().replace("versionsBundles:", "cliMinVersion: v0.0.1\n  versionsBundles:", 1))
    changed = load_bundles(url, fetcher=RemoteFetcher(cache=cache))
    assert server.requests[-1].status == 200 and changed.spec.cli_min_version == "v0.0.1"
    assert cache.lookup(url).etag != etag  # type: ignore[union-attr]
    assert cache.lookup(url).read() == path.read_bytes()  # type: ignore[union-attr]


def test_last_modified_alone_is_revalidated_with_if_modified_since(
    server: ReleaseServer, cache: ReleaseCache
) -> None:
    url = f"{server.url}/{MANIFEST_PATH}"
    RemoteFetcher(cache=cache)(url)
    entry = cache.lookup(url)
    assert entry is not None
    cache.store(url, entry.read(), last_modified=entry.last_modified)  # a server that sent no ETag
    body = RemoteFetcher(cache=cache)(url)
    seen = server.requests[-1]
    assert seen.headers.get("If-Modified-Since") == entry.last_modified and "If-None-Match" not in seen.headers
    assert seen.status == 304 and bytes(body) == entry.read()


def test_redirects_are_followed_and_relative_references_resolve_against_the_final_url(
    server: ReleaseServer, published: tuple[Path, dict[str, list[str]]], cache: ReleaseCache
) -> None:
    version = kube_version(published[1])
    # /hop/2 -> /hop/1 -> /hop/0 -> /releases/eks-a/manifest.yaml, which names ../bundles/N/manifest.yaml
    spec = build_spec(cluster_config(version), release_manifest=f"{server.url}/hop/2", cli_version=cli_version(),
                      fetcher=RemoteFetcher(cache=cache, max_redirects=3))
    assert spec.bundles.source == f"{server.url}/{published[1]['bundles'][-1]}"
    with pytest.raises(ReleaseFetchError, match="stopped after 3 redirects") as info:
        RemoteFetcher(max_redirects=3)(f"{server.url}/hop/9")
    assert info.value.reason == "redirects" and info.value.url == f"{server.url}/hop/9"


def test_the_library_downloads_nothing_without_a_fetcher(server: ReleaseServer) -> None:
    with pytest.raises(ReleaseError, match="network fetch is disabled"):
        load_release_manifest(f"{server.url}/{MANIFEST_PATH}")
    assert server.requests == []


# -- unreachable: the cache ---------------------------------------------------------------------------------------


def test_unreachable_server_falls_back_to_the_cache_and_says_so_once(
    server: ReleaseServer, published: tuple[Path, dict[str, list[str]]], cache: ReleaseCache
) -> None:
    version = kube_version(published[1])
    manifest_url = f"{server.url}/{MANIFEST_PATH}"
    online = build_spec(cluster_config(version), release_manifest=manifest_url, cli_version=cli_version(),
                        fetcher=RemoteFetcher(cache=cache))
    server.stop()
    fetcher = RemoteFetcher(cache=cache)
    offline = build_spec(cluster_config(version), release_manifest=manifest_url, cli_version=cli_version(),
                         fetcher=fetcher)
    assert offline.bundles.raw == online.bundles.raw
    assert offline.eksd_releases[version].raw == online.eksd_releases[version].raw
    assert [f.url for f in fetcher.fallbacks] == [manifest_url, online.bundles.source,
                                                  online.eksd_releases[version].source]
    assert "Connection refused" in fetcher.fallbacks[0].reason
    warning = fetcher.fallback_warning()
    assert warning is not None and warning.count("Warning") == 1
    assert manifest_url in warning and "and 2 more release files" in warning and str(cache.root) in warning

    # nothing cached: the unreachable server is an error naming the URL
    with pytest.raises(ReleaseUnreachableError, match="cannot connect: Connection refused") as info:
        RemoteFetcher(cache=ReleaseCache(cache.root / "empty"))(manifest_url)
    assert info.value.url == manifest_url and manifest_url in str(info.value)


# -- every failure is a clear, typed error naming the URL ----------------------------------------------------------


def test_corrupt_yaml_is_a_release_error_naming_the_url(server: ReleaseServer) -> None:
    url = f"{server.url}/corrupt.yaml"
    with pytest.raises(ReleaseError, match="unable to parse manifest: yaml: line") as info:
        load_release_manifest(url, fetcher=RemoteFetcher())
    assert str(info.value).startswith(f"{url}: ")
    with pytest.raises(ReleaseError, match="is not UTF-8 text"):
        load_release_manifest(f"{server.url}/binary.yaml", fetcher=RemoteFetcher())


def test_oversized_answers_are_refused_with_and_without_content_length(server: ReleaseServer) -> None:
    small = RemoteFetcher(max_bytes=1024 * 1024)
    for name in ("big.yaml", "big-chunked.yaml"):
        url = f"{server.url}/{name}"
        with pytest.raises(ReleaseFetchError, match="larger than the 1048576 bytes eksa accepts") as info:
            small(url)
        assert info.value.reason == "too-large" and str(info.value).startswith(url)


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    silent = SilentServer()
    try:
        url = f"{silent.url}/{MANIFEST_PATH}"
        with pytest.raises(ReleaseFetchError, match=r"the server did not answer within 0\.2 seconds") as info:
            load_release_manifest(url, fetcher=RemoteFetcher(timeout=(10, 0.2)))
        assert info.value.reason == "timeout" and not isinstance(info.value, ReleaseUnreachableError)
        assert str(info.value).startswith(url)
    finally:
        silent.close()


def test_a_server_that_stops_half_way_times_out(server: ReleaseServer) -> None:
    url = f"{server.url}/half.yaml"  # headers and a first line, then nothing while the test runs
    with pytest.raises(ReleaseFetchError) as info:
        RemoteFetcher(timeout=(10, 1))(url)
    assert info.value.reason == "timeout" and info.value.url == url
    # (on a machine too loaded to send even the headers within the second, it is the headers that time out)
    assert "stopped sending its answer (no data within 1 second)" in str(info.value) or (
        "did not answer within 1 second" in str(info.value))


def test_a_redirect_loop_is_an_error(server: ReleaseServer) -> None:
    url = f"{server.url}/loop-a"
    with pytest.raises(ReleaseFetchError, match=r"redirect loop: .*/loop-a -> .*/loop-b -> .*/loop-a") as info:
        load_release_manifest(url, fetcher=RemoteFetcher())
    assert info.value.reason == "redirects" and str(info.value).startswith(url)
    assert len(server.seen("/loop-a")) == 1 and len(server.seen("/loop-b")) == 1


def test_http_errors_name_status_and_url(server: ReleaseServer) -> None:
    url = f"{server.url}/releases/eks-a/missing.yaml"
    with pytest.raises(ReleaseFetchError, match="the server answered HTTP 404 Not Found") as info:
        load_release_manifest(url, fetcher=RemoteFetcher())
    assert info.value.reason == "http-status" and str(info.value).startswith(url)


def test_only_http_and_https_are_fetched() -> None:
    with pytest.raises(ReleaseFetchError, match="only http and https") as info:
        RemoteFetcher()("ftp://127.0.0.1/manifest.yaml")
    assert info.value.reason == "invalid-url"


# -- HTTPS ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path, published: tuple[Path, dict[str, list[str]]]) -> Iterator[tuple[ReleaseServer, Path]]:
    ca, cert, key = make_tls_files(tmp_path / "tls")
    srv = ReleaseServer(published[0], tls=(cert, key))
    yield srv, ca
    srv.close()


def test_https_with_a_custom_ca_bundle(
    tls_server: tuple[ReleaseServer, Path], published: tuple[Path, dict[str, list[str]]], cache: ReleaseCache
) -> None:
    srv, ca = tls_server
    version = kube_version(published[1])
    url = f"{srv.url}/{MANIFEST_PATH}"
    assert url.startswith("https://127.0.0.1:")
    spec = build_spec(cluster_config(version), release_manifest=url, cli_version=cli_version(),
                      fetcher=RemoteFetcher(cache=cache, ca_bundle=ca))
    assert spec.bundles.source is not None and spec.bundles.source.startswith(f"{srv.url}/releases/bundles/")
    # revalidation over TLS too
    RemoteFetcher(cache=cache, ca_bundle=ca)(url)
    assert srv.requests[-1].status == 304


def test_https_without_the_ca_fails_verification(tls_server: tuple[ReleaseServer, Path]) -> None:
    srv, _ = tls_server
    url = f"{srv.url}/{MANIFEST_PATH}"
    with pytest.raises(ReleaseFetchError, match=r"TLS verification failed .*EKSA_RELEASE_CA_BUNDLE") as info:
        load_release_manifest(url, fetcher=RemoteFetcher())
    assert info.value.reason == "tls" and str(info.value).startswith(url)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "certificate verify failed" in str(info.value)
    assert srv.requests == []


def test_https_never_redirects_down_to_http(tls_server: tuple[ReleaseServer, Path]) -> None:
    srv, ca = tls_server
    with pytest.raises(ReleaseFetchError, match="refusing to leave https for http") as info:
        RemoteFetcher(ca_bundle=ca)(f"{srv.url}/to-http")
    assert info.value.reason == "redirects"


def test_a_missing_ca_bundle_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReleaseFetchError,
                       match=r"nope\.pem: this CA bundle \(\$EKSA_RELEASE_CA_BUNDLE, ca_bundle=\) does not exist"):
        RemoteFetcher(ca_bundle=tmp_path / "nope.pem")


# -- the cache folder -------------------------------------------------------------------------------------------------


def test_default_cache_dir_follows_xdg_and_its_override(tmp_path: Path) -> None:
    assert default_cache_dir({"EKSA_RELEASE_CACHE": str(tmp_path / "c")}) == tmp_path / "c"
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "eksa" / "releases"
    assert default_cache_dir({}) == Path.home() / ".cache" / "eksa" / "releases"


def test_a_damaged_cache_entry_counts_as_absent(cache: ReleaseCache) -> None:
    url = "http://127.0.0.1:1/releases/eks-a/manifest.yaml"
    entry = cache.store(url, b"kind: Release\n", etag='"e1"')
    assert cache.lookup(url) == entry.__class__(url=url, final_url=url, etag='"e1"', last_modified=None,
                                                fetched_at=entry.fetched_at, body_path=entry.body_path)
    meta = entry.body_path.with_suffix(".json")
    meta.write_text("{not json")
    assert cache.lookup(url) is None
    meta.write_text(json.dumps({"url": "http://elsewhere/x"}))
    assert cache.lookup(url) is None


def test_an_unwritable_cache_costs_the_cache_not_the_download(server: ReleaseServer, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    url = f"{server.url}/{MANIFEST_PATH}"
    fetcher = RemoteFetcher(cache=ReleaseCache(blocked / "releases"))
    assert load_release_manifest(url, fetcher=fetcher).source == url
    assert fetcher.fetched == [url] and ReleaseCache(blocked / "releases").lookup(url) is None


def test_absolute_references_to_other_servers_are_followed(
    server: ReleaseServer, tls_server: tuple[ReleaseServer, Path], published: tuple[Path, dict[str, list[str]]],
    cache: ReleaseCache,
) -> None:
    """As EKS Anywhere publishes it: the manifest names its bundles by absolute URL on another host (here the
    HTTPS server), and the bundles name their EKS-D releases on a third (here the HTTP server again)."""
    root, files = published
    srv_tls, ca = tls_server
    version = kube_version(files)
    manifest = root / MANIFEST_PATH
    manifest.write_text(manifest.read_text().replace("../bundles/", f"{srv_tls.url}/releases/bundles/"))
    bundles = root / files["bundles"][-1]
    bundles.write_text(bundles.read_text().replace("../../../kubernetes-", f"{server.url}/kubernetes-"))
    spec = build_spec(cluster_config(version), release_manifest=f"{server.url}/{MANIFEST_PATH}",
                      cli_version=cli_version(), fetcher=RemoteFetcher(cache=cache, ca_bundle=ca))
    assert spec.bundles.source == f"{srv_tls.url}/{files['bundles'][-1]}"
    assert [r.path for r in srv_tls.requests] == ["/" + files["bundles"][-1]]
    eksd_source = spec.eksd_releases[version].source
    assert eksd_source is not None and eksd_source.startswith(f"{server.url}/kubernetes-")
    assert [r.path for r in server.requests] == ["/" + MANIFEST_PATH, eksd_source.removeprefix(server.url)]
