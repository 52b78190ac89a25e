"""Downloading release data the way ``eksctl anywhere`` does, with a local cache.

:class:`RemoteFetcher` is a :data:`~eksa_core.releases.loading.Fetcher` built on ``requests``: it reads
``http(s)`` URLs with timeouts, TLS verification (optionally against a custom CA bundle), a bounded number of
redirects (never from ``https`` down to ``http``) and a bounded answer size. Every failure is a
:class:`~eksa_core.errors.ReleaseFetchError` naming the URL; a server that cannot be reached at all is a
:class:`~eksa_core.errors.ReleaseUnreachableError`.

With a :class:`ReleaseCache` every answer is kept in the user cache folder
(``${EKSA_RELEASE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/eksa/releases}``) with its ``ETag`` and ``Last-Modified``
validators; the next read of the URL asks the server whether it changed (``If-None-Match`` /
``If-Modified-Since``) and a ``304 Not Modified`` answer reuses the cached copy. When the server cannot be
reached, the cached copy is used instead and recorded in :attr:`RemoteFetcher.fallbacks` (the fetcher prints
nothing: the caller says it once, see :meth:`RemoteFetcher.fallback_warning`). Other failures (an HTTP error,
TLS, a timeout while the server is answering, too large, redirect loops) are errors, not fallbacks.

The library never creates a fetcher by itself: pass one to :func:`~eksa_core.releases.build_spec` (the ``eksa``
command line does)::

    from eksa_core.releases import DEFAULT_RELEASE_MANIFEST_URL, build_spec
    from eksa_core.releases.remote import ReleaseCache, RemoteFetcher

    fetcher = RemoteFetcher(cache=ReleaseCache.default())
    spec = build_spec(config, release_manifest=DEFAULT_RELEASE_MANIFEST_URL, fetcher=fetcher)
    if (warning := fetcher.fallback_warning()) is not None:
        print(warning)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import tempfile
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

import attrs
import requests

from ..errors import ReleaseFetchError, ReleaseUnreachableError
from ..yamlio import MAX_FILE_BYTES
from .loading import FetchedBytes

__all__ = [
    "CACHE_ENV",
    "CA_BUNDLE_ENV",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_READ_TIMEOUT",
    "CacheEntry",
    "CacheFallback",
    "ReleaseCache",
    "RemoteFetcher",
    "default_cache_dir",
]

CACHE_ENV = "EKSA_RELEASE_CACHE"
"""Environment variable naming the release-data cache folder (default: the user cache folder's
``eksa/releases``)."""

CA_BUNDLE_ENV = "EKSA_RELEASE_CA_BUNDLE"
"""Environment variable naming a PEM file of CA certificates to verify release-data servers with (the
``eksa`` command line reads it; the library takes ``ca_bundle=``)."""

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a connection to a release-data server."""

DEFAULT_READ_TIMEOUT = 60.0
"""Seconds to wait for a connected release-data server to send (more of) its answer."""

DEFAULT_MAX_REDIRECTS = 10
"""Redirects followed before giving up (as Go's HTTP client, which ``eksctl anywhere`` uses)."""

_log = logging.getLogger("eksa.releases")
_CHUNK = 64 * 1024
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$EKSA_RELEASE_CACHE``, else ``$XDG_CACHE_HOME/eksa/releases``, else ``~/.cache/eksa/releases``."""
    env = os.environ if env is None else env
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "eksa" / "releases"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.frozen
class CacheEntry:
    """One cached answer: the URL asked for, the URL it finally came from, its validators, when it was last
    fetched or confirmed (UTC, ISO 8601) and the file holding the body."""

    url: str
    final_url: str
    etag: str | None
    last_modified: str | None
    fetched_at: str
    body_path: Path

    def read(self) -> bytes:
        """The cached body."""
        return self.body_path.read_bytes()


@attrs.frozen
class CacheFallback:
    """A URL answered from the cache because its server could not be reached (``reason``)."""

    url: str
    entry: CacheEntry
    reason: str


class ReleaseCache:
    """Release data kept on disk, one body file and one JSON metadata file per URL under ``root``
    (``<root>/<host>/<hash>-<name>``). Writes are atomic; an unreadable entry counts as absent."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @classmethod
    def default(cls, env: Mapping[str, str] | None = None) -> ReleaseCache:
        """The cache in :func:`default_cache_dir`."""
        return cls(default_cache_dir(env))

    def _paths(self, url: str) -> tuple[Path, Path]:
        parts = urllib.parse.urlsplit(url)
        host = re.sub(r"[^A-Za-z0-9.-]", "_", parts.netloc) or "_"
        name = re.sub(r"[^A-Za-z0-9._-]", "_", parts.path.rsplit("/", 1)[-1])[:80] or "index"
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:20]
        stem = self.root / host / f"{digest}-{name}"
        return stem.with_name(stem.name + ".body"), stem.with_name(stem.name + ".json")

    def lookup(self, url: str) -> CacheEntry | None:
        """The entry of ``url``, or ``None``."""
        body, meta = self._paths(url)
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("url") != url or not body.is_file():
            return None
        return CacheEntry(
            url=url,
            final_url=str(data.get("final_url") or url),
            etag=data.get("etag") if isinstance(data.get("etag"), str) else None,
            last_modified=data.get("last_modified") if isinstance(data.get("last_modified"), str) else None,
            fetched_at=str(data.get("fetched_at") or ""),
            body_path=body,
        )

    def store(
        self, url: str, content: bytes, *, final_url: str | None = None, etag: str | None = None,
        last_modified: str | None = None,
    ) -> CacheEntry:
        """Keep ``content`` as the answer of ``url`` (replacing an older one)."""
        body, meta = self._paths(url)
        _write_atomic(body, content)
        return self._write_meta(url, final_url or url, etag, last_modified, body, meta)

    def confirm(self, entry: CacheEntry, *, etag: str | None = None, last_modified: str | None = None) -> CacheEntry:
        """Record that the server confirmed ``entry`` is current (a ``304``), with any new validators."""
        body, meta = self._paths(entry.url)
        return self._write_meta(entry.url, entry.final_url, etag or entry.etag, last_modified or entry.last_modified,
                                body, meta)

    def _write_meta(self, url: str, final_url: str, etag: str | None, last_modified: str | None, body: Path,
                    meta: Path) -> CacheEntry:
        entry = CacheEntry(url=url, final_url=final_url, etag=etag, last_modified=last_modified,
                           fetched_at=_now(), body_path=body)
        record = {"url": url, "final_url": final_url, "etag": etag, "last_modified": last_modified,
                  "fetched_at": entry.fetched_at}
        _write_atomic(meta, json.dumps(record, indent=1).encode("utf-8"))
        return entry


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _describe(exc: BaseException) -> str:
    """The innermost useful words of a requests/urllib3 exception."""
    text = str(exc)
    # requests wraps urllib3's errors: "HTTPSConnectionPool(host=..., port=...): Max retries exceeded with url:
    # /x (Caused by NewConnectionError('...: Failed to establish a new connection: [Errno 111] Connection
    # refused'))" -> keep the cause
    match = re.search(r"\(Caused by \w+\((.*)\)\)\s*$", text, re.S)
    if match:
        text = match.group(1).strip().strip("'\"")
    text = re.sub(r"^<[^>]*>:\s*", "", text)
    text = re.sub(r"^\w*Connection\w*\(host=[^)]*\):\s*", "", text)  # the URL is named elsewhere
    text = re.sub(r"^Failed to establish a new connection:\s*", "", text)
    return re.sub(r"\[Errno -?\d+\]\s*", "", text).strip() or type(exc).__name__


class RemoteFetcher:
    """Reads release data from ``http(s)`` URLs (see the module documentation).

    ``timeout`` is seconds, or ``(connect, read)`` seconds; ``ca_bundle`` a PEM file (or an OpenSSL hashed
    folder) of CA certificates trusted instead of the default ones; ``verify=False`` turns TLS verification off
    (never do this for real clusters). ``max_redirects`` and ``max_bytes`` bound redirects and answer size.
    ``cache`` keeps and revalidates answers; ``session`` is the ``requests`` session to use (proxies from the
    environment apply).
    """

    def __init__(
        self,
        *,
        cache: ReleaseCache | None = None,
        timeout: float | tuple[float, float] = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        ca_bundle: str | Path | None = None,
        verify: bool = True,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        max_bytes: int = MAX_FILE_BYTES,
        session: requests.Session | None = None,
        user_agent: str | None = None,
    ) -> None:
        if ca_bundle is not None and not Path(ca_bundle).exists():
            raise ReleaseFetchError(f"this CA bundle (${CA_BUNDLE_ENV}, ca_bundle=) does not exist",
                                    url=str(ca_bundle), reason="tls")
        self.cache = cache
        self.timeout = timeout
        self.ca_bundle = Path(ca_bundle) if ca_bundle is not None else None
        self.verify = verify
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes
        self.session = session or requests.Session()
        if user_agent is None:
            from .. import __version__

            user_agent = f"eksa/{__version__}"
        self.user_agent = user_agent
        self.fallbacks: list[CacheFallback] = []
        """URLs answered from the cache because their server could not be reached, in order."""
        self.fetched: list[str] = []
        """URLs read (from the network, or confirmed unchanged by it), in order."""
        self._unreachable: dict[str, str] = {}  # scheme://host -> why; not tried again by this fetcher

    # -- the Fetcher protocol --------------------------------------------------------------------------------

    def __call__(self, url: str) -> FetchedBytes:
        """The content of ``url`` (see the module documentation for the cache and the errors)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ReleaseFetchError(f"refusing to fetch {url}: only http and https URLs are fetched", url=url,
                                    reason="invalid-url")
        entry = self.cache.lookup(url) if self.cache is not None else None
        origin = f"{parts.scheme}://{parts.netloc}"
        try:
            if origin in self._unreachable:
                raise ReleaseUnreachableError(self._unreachable[origin], url=url)
            return self._fetch(url, entry)
        except ReleaseUnreachableError as exc:
            self._unreachable.setdefault(origin, exc.message)
            if entry is None:
                raise
            try:
                body = entry.read()
            except OSError:
                raise exc from None  # the cached copy vanished: as if there were none
            self.fallbacks.append(CacheFallback(url=url, entry=entry, reason=exc.message))
            return FetchedBytes(body, entry.final_url)

    def fallback_warning(self) -> str | None:
        """One sentence saying which cached data was used because servers could not be reached, or ``None``."""
        if not self.fallbacks:
            return None
        first = self.fallbacks[0]
        oldest = min(f.entry.fetched_at for f in self.fallbacks)
        more = len(self.fallbacks) - 1
        also = f" (and {more} more release file{'s' if more != 1 else ''})" if more else ""
        return (f"Warning: using cached release data: {first.url}{also} could not be downloaded ({first.reason}); "
                f"using the copies cached in {self.cache.root if self.cache else '?'} (fetched {oldest})")

    # -- internals --------------------------------------------------------------------------------------------

    def _verify(self) -> bool | str:
        if not self.verify:
            return False
        return str(self.ca_bundle) if self.ca_bundle is not None else True

    def _fetch(self, url: str, entry: CacheEntry | None) -> FetchedBytes:
        headers = {"User-Agent": self.user_agent, "Accept": "application/yaml, text/yaml, text/plain, */*"}
        if entry is not None:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        response, final = self._get(url, headers)
        with response:
            status = response.status_code
            if status == 304:
                if entry is None or self.cache is None:
                    raise ReleaseFetchError("the server answered 304 Not Modified to a request that was not "
                                            "conditional", url=url, reason="http-status")
                try:
                    body = entry.read()
                except OSError:  # the cached copy vanished since it was looked up: ask again, unconditionally
                    return self._fetch(url, None)
                try:
                    self.cache.confirm(entry, etag=response.headers.get("ETag"),
                                       last_modified=response.headers.get("Last-Modified"))
                except OSError as exc:
                    _log.debug("cannot update the release cache in %s: %s", self.cache.root, exc)
                self.fetched.append(url)
                return FetchedBytes(body, entry.final_url)
            if not 200 <= status < 300:
                reason = f" {response.reason}" if response.reason else ""
                where = f" (redirected to {final})" if final != url else ""
                raise ReleaseFetchError(f"the server answered HTTP {status}{reason}{where}", url=url,
                                        reason="http-status")
            content = self._body(response, url)
        if self.cache is not None:
            try:
                self.cache.store(url, content, final_url=final, etag=response.headers.get("ETag"),
                                 last_modified=response.headers.get("Last-Modified"))
            except OSError as exc:  # a read-only or full cache folder costs the cache, not the download
                _log.debug("cannot write the release cache in %s: %s", self.cache.root, exc)
        self.fetched.append(url)
        return FetchedBytes(content, final)

    def _get(self, url: str, headers: dict[str, str]) -> tuple[requests.Response, str]:
        """GET ``url``, following redirects ourselves to bound them, detect loops and refuse downgrades."""
        chain = [url]
        current = url
        while True:
            response = self._request(current, headers, first=url)
            if response.status_code not in _REDIRECT_STATUSES or "Location" not in response.headers:
                return response, current
            target = urllib.parse.urljoin(current, response.headers["Location"])
            response.close()
            scheme = urllib.parse.urlsplit(target).scheme
            if scheme not in ("http", "https"):
                raise ReleaseFetchError(f"{current} redirects to {target}: only http and https URLs are fetched",
                                        url=url, reason="redirects")
            if urllib.parse.urlsplit(current).scheme == "https" and scheme == "http":
                raise ReleaseFetchError(f"{current} redirects to {target}: refusing to leave https for http",
                                        url=url, reason="redirects")
            if target in chain:
                loop = " -> ".join([*chain[chain.index(target):], target])
                raise ReleaseFetchError(f"redirect loop: {loop}", url=url, reason="redirects")
            if len(chain) > self.max_redirects:
                raise ReleaseFetchError(f"stopped after {self.max_redirects} redirects (last: {current} -> {target})",
                                        url=url, reason="redirects")
            chain.append(target)
            current = target

    def _request(self, target: str, headers: dict[str, str], *, first: str) -> requests.Response:
        at = "" if target == first else f" at {target} (redirected)"  # errors name ``first`` already
        try:
            return self.session.get(target, headers=headers, timeout=self.timeout, verify=self._verify(),
                                    allow_redirects=False, stream=True)
        except requests.exceptions.SSLError as exc:
            hint = f" (set a CA bundle with ${CA_BUNDLE_ENV} or ca_bundle=)" if self.ca_bundle is None else (
                f" against the CA bundle {self.ca_bundle}")
            raise ReleaseFetchError(f"TLS verification failed{at}{hint}: {_describe(exc)}", url=first,
                                    reason="tls") from None
        except requests.exceptions.ConnectTimeout:
            raise ReleaseUnreachableError(f"no connection within {self._seconds(0)}{at}",
                                          url=first) from None
        except requests.exceptions.ReadTimeout:
            raise ReleaseFetchError(f"the server did not answer within {self._seconds(1)}{at}", url=first,
                                    reason="timeout") from None
        except requests.exceptions.ConnectionError as exc:
            raise ReleaseUnreachableError(f"cannot connect{at}: {_describe(exc)}", url=first) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise ReleaseFetchError(f"invalid URL {target}: {exc}", url=first, reason="invalid-url") from None
        except requests.exceptions.RequestException as exc:
            raise ReleaseFetchError(f"downloading failed{at}: {_describe(exc)}", url=first) from None

    def _seconds(self, index: int) -> str:
        value = self.timeout[index] if isinstance(self.timeout, tuple) else self.timeout
        return f"{value:g} second{'' if value == 1 else 's'}"

    def _body(self, response: requests.Response, url: str) -> bytes:
        limit = self.max_bytes
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ReleaseFetchError(f"the answer is {declared} bytes, larger than the {limit} bytes eksa accepts",
                                    url=url, reason="too-large")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ReleaseFetchError(f"the answer is larger than the {limit} bytes eksa accepts", url=url,
                                            reason="too-large")
                chunks.append(chunk)
        except ReleaseFetchError:
            raise
        except requests.exceptions.RequestException as exc:
            text = _describe(exc)
            if "timed out" in text.lower():
                raise ReleaseFetchError(f"the server stopped sending its answer (no data within "
                                        f"{self._seconds(1)})", url=url, reason="timeout") from None
            raise ReleaseFetchError(f"reading the answer failed: {text}", url=url) from None
        return b"".join(chunks)
