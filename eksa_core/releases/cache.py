"""Release data parsed once per process: a fast YAML reader for plain data and a memo of what was read.

Release manifests, bundles manifests and EKS-D releases are large, machine-written, comment-free documents; a
program planning many clusters reads the same few files for each of them. :func:`parse_release_yaml` reads one
with PyYAML's libyaml-backed ``CSafeLoader`` (falling back to its pure-Python ``SafeLoader``) under YAML 1.2's
rules for booleans, integers and nulls (``yes``/``on``/``no`` and ``0755`` stay strings, as ruamel.yaml, which
reads the user's own files keeping their comments and order, and Go's YAML reader see them), timestamps kept as
strings and a repeated key keeping its last value.

:func:`memoized` is the cache the loaders in :mod:`eksa_core.releases.loading` go through: a document is
identified by where it was read from and a digest of its content, so a file that changes on disk, or a URL whose
content changes (a fetcher revalidating with ``ETag``), is read again, and identical content is parsed and
structured once. The cached objects are shared: treat release data as read-only. The cache holds at most
:data:`MAX_ENTRIES` documents (least recently used dropped); :func:`cache_info` reports its use and
:func:`clear_cache` empties it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import yaml

__all__ = [
    "MAX_ENTRIES",
    "PARSE",
    "CacheInfo",
    "cache_info",
    "clear_cache",
    "content_key",
    "memoized",
    "parse_release_yaml",
]

MAX_ENTRIES = 128
"""Most entries kept at once: a document's parsed data and the object built from it are one entry each (a
release manifest, a bundles manifest and an EKS-D release for each Kubernetes version: a few per release)."""

T = TypeVar("T")

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ReleaseLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe plain data, YAML 1.2 implicit types, timestamps as strings."""


def _construct_timestamp_as_string(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


_ReleaseLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_string)

# YAML 1.2 core schema (what ruamel.yaml and Go's reader use), instead of PyYAML's YAML 1.1 resolvers
_ReleaseLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in {
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null"}]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+.0123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _ReleaseLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_yaml12_int(loader: Any, node: Any) -> int:
    value = str(loader.construct_scalar(node))
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value)


_ReleaseLoader.add_constructor("tag:yaml.org,2002:int", _construct_yaml12_int)


def parse_release_yaml(text: str) -> list[Any]:
    """Every document of ``text`` as plain data (see the module documentation for the rules).

    Raises ``yaml.YAMLError`` (``yaml.MarkedYAMLError`` with ``problem_mark`` for syntax errors).
    """
    return list(yaml.load_all(text, Loader=_ReleaseLoader))


class CacheInfo(NamedTuple):
    """How the release data cache was used: ``parses`` YAML documents parsed, ``hits`` reuses (of parsed data or
    of the objects built from it), ``files`` distinct documents (source and content) seen, ``size`` entries held
    now."""

    parses: int
    hits: int
    files: int
    size: int


_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_seen: set[tuple[Any, ...]] = set()
_stats = {"parses": 0, "hits": 0}


PARSE = "parse"
"""The ``kind`` under which :func:`memoized` keeps parsed YAML (counted as parses in :func:`cache_info`)."""


def content_key(shown: str, text: str) -> tuple[str, int, bytes]:
    """What identifies a document: where it was read from and a digest of its content."""
    data = text.encode("utf-8", "surrogatepass")
    return shown, len(data), hashlib.blake2b(data, digest_size=16).digest()


def memoized(kind: Any, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """``build()`` the first time the document ``key`` (:func:`content_key`) is needed as ``kind``; the same
    object afterwards. Errors are not cached: a document that fails is read again next time."""
    full = (kind, *key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            _stats["hits"] += 1
            return _entries[full]  # type: ignore[no-any-return]
    value = build()
    with _lock:
        if kind == PARSE:
            _stats["parses"] += 1
            _seen.add(key)
        _entries[full] = value
        _entries.move_to_end(full)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def cache_info() -> CacheInfo:
    """Counters of the release data cache since the process started (or :func:`clear_cache`)."""
    with _lock:
        return CacheInfo(_stats["parses"], _stats["hits"], len(_seen), len(_entries))


def clear_cache() -> None:
    """Forget every parsed document and reset the counters."""
    with _lock:
        _entries.clear()
        _seen.clear()
        _stats.update(parses=0, hits=0)
