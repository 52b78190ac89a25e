"""The entry points of one group and the versions of the distributions declaring them, scanned once and cached.

Scanning entry points with :mod:`importlib.metadata` imports it (and :mod:`email`, :mod:`zipfile`, ...) and reads
every distribution's metadata on ``sys.path``: a large part of eksa's start-up. :func:`scan` keeps the answer in a
small JSON file under ``${XDG_CACHE_HOME:-~/.cache}/eksa/entry-points/`` (``$EKSA_ENTRY_POINT_CACHE`` names another
folder; ``off`` turns the cache off) and reuses it while nothing it was read from changed.

The cache is keyed by the interpreter, ``sys.path`` and the modification times (ns) and sizes of every
``sys.path`` entry (a directory's time changes when a distribution is installed in or removed from it) and of the
metadata folder and ``entry_points.txt``/``METADATA`` of every distribution the answer came from. Any difference,
an unreadable or malformed file, or a distribution whose metadata folder is not known makes :func:`scan` read
:mod:`importlib.metadata` again (and rewrite the file); the cache is never trusted beyond what it can check.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["EntryPointRecord", "cache_path", "distribution_version", "scan"]

FORMAT = 1
_versions: dict[str, str] = {}  # distribution versions learnt by scan() in this process


class EntryPointRecord:
    """One entry point: ``name``, ``value`` (``module:attr``), the declaring distribution's name and version."""

    __slots__ = ("dist", "name", "value", "version")

    def __init__(self, name: str, value: str, dist: str, version: str) -> None:
        self.name = name
        self.value = value
        self.dist = dist
        self.version = version

    def __repr__(self) -> str:
        return f"EntryPointRecord({self.name!r}, {self.value!r}, {self.dist!r}, {self.version!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EntryPointRecord):
            return NotImplemented
        return (self.name, self.value, self.dist, self.version) == (other.name, other.value, other.dist,
                                                                    other.version)

    def __hash__(self) -> int:
        return hash((self.name, self.value, self.dist, self.version))

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()

    @property
    def attr(self) -> str:
        return self.value.partition(":")[2].strip()

    def load(self) -> Any:
        """Import the module and return the object named by the value (as ``EntryPoint.load``)."""
        import importlib

        obj: Any = importlib.import_module(self.module)
        for part in filter(None, self.attr.split(".")):
            obj = getattr(obj, part)
        return obj


def _where() -> list[str]:
    """What a cache file is for: the interpreter, its version and the search path (``""`` read as the working
    directory it means)."""
    return [sys.executable, sys.version, *(entry or os.getcwd() for entry in sys.path)]


def cache_path(group: str) -> Path | None:
    """The cache file of ``group`` for this interpreter and ``sys.path`` (``None`` when the cache is off)."""
    folder = os.environ.get("EKSA_ENTRY_POINT_CACHE", "")
    if folder.lower() in ("off", "0", "no", "false"):
        return None
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "eksa", "entry-points")
    digest = zlib.crc32(json.dumps([group, *_where()]).encode())  # the file says what it is for; read() checks it
    return Path(folder) / f"{group}-{digest:08x}.json"


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def _key(meta_dirs: Sequence[str]) -> list[Any]:
    stamps: list[Any] = [[entry, _stamp(entry)] for entry in _where()[2:]]
    for folder in sorted(set(meta_dirs)):
        stamps.append([folder, _stamp(folder), _stamp(os.path.join(folder, "entry_points.txt")),
                       _stamp(os.path.join(folder, "METADATA")), _stamp(os.path.join(folder, "PKG-INFO"))])
    return stamps


def _read(path: Path, group: str) -> list[EntryPointRecord] | None:
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT or data.get("group") != group or data.get("where") != _where():
            return None
        if data["key"] != _key(data["meta_dirs"]):
            return None
        return [EntryPointRecord(e["name"], e["value"], e["dist"], e["version"]) for e in data["entry_points"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write(path: Path, group: str, records: list[EntryPointRecord], meta_dirs: list[str]) -> None:
    data = {"format": FORMAT, "group": group, "where": _where(), "meta_dirs": meta_dirs, "key": _key(meta_dirs),
            "entry_points": [{"name": r.name, "value": r.value, "dist": r.dist, "version": r.version}
                             for r in records]}
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # an unwritable cache folder only costs the next start-up a scan


def _scan_metadata(group: str) -> tuple[list[EntryPointRecord], list[str] | None]:
    """The entry points of ``group`` from :mod:`importlib.metadata`, and the metadata folders they came from
    (``None`` when one is unknown, so the answer cannot be checked later)."""
    import importlib.metadata

    records: list[EntryPointRecord] = []
    meta_dirs: list[str] | None = []
    for ep in importlib.metadata.entry_points(group=group):
        dist = ep.dist
        name = dist.name if dist is not None else ep.value
        version = dist.version if dist is not None else ""
        records.append(EntryPointRecord(ep.name, ep.value, name, version))
        folder = getattr(dist, "_path", None)
        if meta_dirs is not None and folder is not None and os.path.isdir(str(folder)):
            meta_dirs.append(os.path.abspath(str(folder)))
        else:
            meta_dirs = None
    records.sort(key=lambda r: r.name)
    return records, meta_dirs


def scan(group: str, *, cached: bool = True) -> list[EntryPointRecord]:
    """The entry points of ``group`` sorted by name, from the cache when it is still valid (``cached=False``
    always reads :mod:`importlib.metadata`, and refreshes the cache)."""
    path = cache_path(group)
    records = _read(path, group) if cached and path is not None else None
    if records is None:
        records, meta_dirs = _scan_metadata(group)
        if path is not None and meta_dirs is not None:
            _write(path, group, records, meta_dirs)
    for r in records:
        _versions.setdefault(r.dist, r.version)
    return records


def distribution_version(name: str) -> str | None:
    """The version of distribution ``name`` when a :func:`scan` of this process saw it, else ``None``."""
    return _versions.get(name)
