"""Reading release data: the EKS Anywhere release manifest, bundles manifests and EKS-D release manifests.

Where a manifest is (a *location*) can be written as:

* a plain path (``bundles.yaml``; relative paths are relative to the file naming them, or to the current
  directory when given directly), or a ``file://`` URL;
* ``embed:///testdata/X`` or ``embed:///config/X`` (EKS Anywhere's compiled-in files): the file ``X`` in the
  folder of the manifest naming the URL, so a folder of release data works wherever it is placed;
* ``http://`` / ``https://`` URLs, read only through a *fetcher* given by the caller. The library never
  downloads anything on its own: the default fetcher refuses with an error saying so. :class:`HttpFetcher` is a minimal
  opt-in fetcher; :class:`eksa_core.releases.remote.RemoteFetcher` is the one the CLI uses (timeouts, TLS with a
  custom CA bundle, bounded redirects and size, a revalidated cache). Relative locations inside a manifest read
  from a URL resolve against that URL (the final one, when the fetcher returns :class:`FetchedBytes`).

Documents are parsed safely (plain data only, size and alias limits). Like EKS Anywhere's YAML reader, a key that
appears twice in a mapping keeps its last value, and timestamps stay strings. Every problem is a
:class:`~eksa_core.errors.ReleaseError` naming the file or URL.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import yaml

from ..errors import ReleaseError, SpecError, SpecErrors
from ..yamlio import MAX_FILE_BYTES, _check_expansion, read_text
from ._convert import structure_lenient
from .cache import PARSE, content_key, memoized, parse_release_yaml
from .eksd import EKSD_API_GROUP, EksdRelease
from .models import Bundles, Release

__all__ = [
    "EKSA_API_GROUP",
    "FetchedBytes",
    "Fetcher",
    "HttpFetcher",
    "Location",
    "base_of",
    "load_bundles",
    "load_eksd_release",
    "load_release_document",
    "load_release_manifest",
    "refuse_network",
    "resolve_location",
]

EKSA_API_GROUP = "anywhere.eks.amazonaws.com"

Fetcher = Callable[[str], bytes | str]
"""Reads an ``http(s)://`` URL and returns its content. Raise any exception to report a failure. A fetcher that
follows redirects may return :class:`FetchedBytes` to say where the content finally came from."""


class FetchedBytes(bytes):
    """Content a fetcher read, with ``url``, the URL it finally came from (after redirects). Locations written
    inside the document resolve against ``url``, and the document's ``source`` is ``url``."""

    url: str

    def __new__(cls, content: bytes, url: str) -> FetchedBytes:
        obj = super().__new__(cls, content)
        obj.url = url
        return obj

Location = str | Path
"""A resolved manifest location: a local :class:`~pathlib.Path` or an ``http(s)`` URL string."""

T = TypeVar("T", Release, Bundles, EksdRelease)


def refuse_network(url: str) -> bytes:
    """The default fetcher: eksa does not download release data unless the caller passes a fetcher."""
    raise ReleaseError(
        f"network fetch is disabled: eksa does not download {url}; give the release data as local files "
        "(a release manifest path, or a bundles override such as --bundles-override <bundles.yaml>) or pass a "
        "fetcher (e.g. eksa_core.releases.remote.RemoteFetcher()) to allow downloads",
        file=url,
    )


class HttpFetcher:
    """An opt-in fetcher that downloads ``http(s)`` URLs with the standard library.

    Refuses answers larger than ``max_bytes`` and other schemes; ``timeout`` is in seconds.
    """

    def __init__(self, *, timeout: float = 60.0, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

    def __call__(self, url: str) -> bytes:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ReleaseError(f"refusing to fetch {url}: only http and https URLs are fetched", file=url)
        request = urllib.request.Request(url, headers={"User-Agent": "eksa"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            data: bytes = response.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise ReleaseError(f"{url} is larger than the {self.max_bytes} bytes eksa accepts", file=url)
        return data


# -- locations --------------------------------------------------------------------------------------------------


def _is_url(location: Location) -> bool:
    return isinstance(location, str) and urllib.parse.urlsplit(location).scheme in ("http", "https")


def _base_of(source: Location | None) -> Location | None:
    """The place relative locations in a manifest read from ``source`` are resolved against."""
    if source is None:
        return None
    if _is_url(source):
        return str(source)
    return Path(source).parent


def resolve_location(reference: str | Path, *, relative_to: Location | None = None) -> Location:
    """Turn a manifest reference into a local path or an ``http(s)`` URL.

    ``relative_to`` is the folder (or URL) of the manifest naming ``reference``: ``embed:///<dir>/X`` and
    relative paths are resolved against it. Raises :class:`ReleaseError` for unsupported schemes and for embed
    URLs that leave their folder.
    """
    if isinstance(reference, Path):
        if not reference.is_absolute() and isinstance(relative_to, Path):
            return relative_to / reference
        return reference
    ref = reference.strip()
    if not ref:
        raise ReleaseError("empty manifest location")
    parts = urllib.parse.urlsplit(ref)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return ref
    if scheme == "embed":
        return _resolve_embed(ref, parts.path, relative_to)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ReleaseError(f"unsupported file URL {ref}: only local files can be read", file=ref)
        return Path(urllib.request.url2pathname(parts.path))
    if scheme and len(scheme) > 1:  # (one letter would be a Windows drive)
        raise ReleaseError(f"unsupported manifest URL scheme {scheme!r} in {ref}", file=ref)
    if isinstance(relative_to, str):
        return urllib.parse.urljoin(relative_to, ref)
    path = Path(ref)
    if not path.is_absolute() and relative_to is not None:
        return relative_to / path
    return path


def _resolve_embed(ref: str, url_path: str, relative_to: Location | None) -> Path:
    # embed:///testdata/bundles.yaml -> <folder of the naming file>/bundles.yaml
    pieces = [p for p in PurePosixPath(url_path).parts if p not in ("/", "")]
    if len(pieces) < 2 or any(p in (".", "..") for p in pieces):
        raise ReleaseError(f"cannot resolve {ref}: embed URLs look like embed:///testdata/<file>", file=ref)
    if not isinstance(relative_to, Path):
        raise ReleaseError(
            f"cannot resolve {ref}: an embed URL names a file beside the local manifest that refers to it, "
            "and there is none here", file=ref)
    return relative_to.joinpath(*pieces[1:])


# -- reading ----------------------------------------------------------------------------------------------------


def _read(location: Location, fetcher: Fetcher | None) -> tuple[str, str]:
    """The text at ``location`` and the name it is shown (and resolved) by: the final URL after redirects."""
    shown = str(location)
    if _is_url(location):
        try:
            content = (fetcher or refuse_network)(str(location))
        except ReleaseError:
            raise
        except Exception as exc:  # the fetcher is the caller's code: report any failure as ours
            raise ReleaseError(f"reading {shown}: {exc}", file=shown) from exc
        if isinstance(content, FetchedBytes) and _is_url(content.url):
            shown = content.url
        if isinstance(content, bytes):
            if len(content) > MAX_FILE_BYTES:
                raise ReleaseError(f"{shown} is larger than the {MAX_FILE_BYTES} bytes eksa accepts", file=shown)
            try:
                return content.decode("utf-8"), shown
            except UnicodeDecodeError:
                raise ReleaseError(f"{shown} is not UTF-8 text", file=shown) from None
        return str(content), shown
    try:
        return read_text(location), shown
    except SpecError as exc:
        raise ReleaseError(exc.message, file=shown) from None


def _parse(text: str, shown: str) -> dict[str, Any]:
    """Plain data only (libyaml where available, see :mod:`eksa_core.releases.cache`); a repeated key keeps its last
    value (EKS Anywhere's YAML reader does the same, and published bundles do repeat keys); timestamps stay
    strings (``date`` fields are strings in the models)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ReleaseError(f"the manifest is larger than the {MAX_FILE_BYTES} bytes eksa accepts", file=shown)
    try:
        docs = [d for d in parse_release_yaml(text) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ReleaseError(f"unable to parse manifest: yaml: {where}{exc.problem or exc.context}", file=shown) from None
    except yaml.YAMLError as exc:
        raise ReleaseError(f"unable to parse manifest: {exc}", file=shown) from None
    if len(docs) != 1:
        raise ReleaseError(f"expected one YAML document in the manifest, found {len(docs)}", file=shown)
    data = docs[0]
    try:
        _check_expansion(data, file=shown, document=0)
    except SpecError as exc:
        raise ReleaseError(exc.message, file=shown) from None
    if not isinstance(data, dict):
        raise ReleaseError(f"the manifest must be a mapping, found {type(data).__name__}", file=shown)
    return data


def _kind_of(data: dict[str, Any]) -> tuple[str, str]:
    api_version = data.get("apiVersion")
    kind = data.get("kind")
    group = api_version.split("/")[0] if isinstance(api_version, str) else ""
    return group, kind if isinstance(kind, str) else ""


_KINDS: dict[tuple[str, str], tuple[type[Any], str]] = {
    (EKSA_API_GROUP, "Release"): (Release, "EKS Anywhere release manifest"),
    (EKSA_API_GROUP, "Bundles"): (Bundles, "bundles manifest"),
    (EKSD_API_GROUP, "Release"): (EksdRelease, "EKS-D release manifest"),
}


def _structure(data: dict[str, Any], cls: type[T], what: str, shown: str) -> T:
    try:
        obj = structure_lenient(data, cls)
    except SpecErrors as exc:
        problems = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in exc)
        raise ReleaseError(f"invalid {what}: {problems}", file=shown) from None
    obj.source = shown
    obj.raw = data
    return obj


def load_release_document(
    location: str | Path, *, fetcher: Fetcher | None = None, relative_to: Location | None = None
) -> Release | Bundles | EksdRelease:
    """Read a release-data file of any of the three kinds, chosen by its ``apiVersion`` group and ``kind``."""
    resolved = resolve_location(location, relative_to=relative_to)
    text, shown = _read(resolved, fetcher)
    key = content_key(shown, text)
    data = memoized(PARSE, key, lambda: _parse(text, shown))
    group, kind = _kind_of(data)
    entry = _KINDS.get((group, kind))
    if entry is None:
        raise ReleaseError(
            f"not release data: found kind {kind or '(none)'} of API group {group or '(none)'}; expected Release "
            f"or Bundles of {EKSA_API_GROUP}, or Release of {EKSD_API_GROUP}", file=shown)
    cls, what = entry
    return memoized(cls, key, lambda: _structure(data, cls, what, shown))  # type: ignore[no-any-return]


def _load_kind(location: str | Path, cls: type[T], fetcher: Fetcher | None, relative_to: Location | None) -> T:
    # parsed and structured once per source and content (eksa_core.releases.cache): shared, read-only objects
    resolved = resolve_location(location, relative_to=relative_to)
    text, shown = _read(resolved, fetcher)
    key = content_key(shown, text)
    data = memoized(PARSE, key, lambda: _parse(text, shown))
    group, kind = _kind_of(data)
    wanted = next(k for k, v in _KINDS.items() if v[0] is cls)
    what = _KINDS[wanted][1]
    if (group, kind) != wanted:
        raise ReleaseError(f"not an {what}: expected kind {wanted[1]} of API group {wanted[0]}, found kind "
                           f"{kind or '(none)'} of API group {group or '(none)'}", file=shown)
    return memoized(cls, key, lambda: _structure(data, cls, what, shown))


def load_release_manifest(
    location: str | Path, *, fetcher: Fetcher | None = None, relative_to: Location | None = None
) -> Release:
    """Read an EKS Anywhere release manifest (path, ``file://``, ``embed://`` or, with a fetcher, ``https://``)."""
    return _load_kind(location, Release, fetcher, relative_to)


def load_bundles(
    location: str | Path, *, fetcher: Fetcher | None = None, relative_to: Location | None = None
) -> Bundles:
    """Read a bundles manifest."""
    return _load_kind(location, Bundles, fetcher, relative_to)


def load_eksd_release(
    location: str | Path, *, fetcher: Fetcher | None = None, relative_to: Location | None = None
) -> EksdRelease:
    """Read an EKS-D release manifest."""
    return _load_kind(location, EksdRelease, fetcher, relative_to)


def base_of(obj: Release | Bundles | EksdRelease) -> Location | None:
    """Where locations written inside ``obj`` are resolved: the folder (or URL) it was read from."""
    return _base_of(obj.source)
