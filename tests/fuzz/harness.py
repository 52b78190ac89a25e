"""What every fuzz case checks: a byte string given as a spec gives a ready config or ``SpecErrors`` whose every
error names the file it came from; no other exception, ever."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from eksa_core.errors import SpecErrors
from eksa_core.loading import load_spec_bytes
from eksa_core.plugins import Plugins, default_plugins
from eksa_core.spec import ClusterConfig

FILE = "fuzz.yaml"
CORPUS = Path(__file__).with_name("corpus")
CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "data"

# The environment the loads see: fixed, so a case behaves the same everywhere (no credentials needed by the
# static checks; providers that want them report it as a SpecError like any other problem).
ENV: dict[str, str] = {}


@functools.cache
def plugins() -> Plugins:
    """Every installed provider (the real validation code is what gets fuzzed)."""
    return default_plugins()


def check(data: bytes) -> ClusterConfig | SpecErrors:
    """Load ``data`` as a spec; return the config or the ``SpecErrors`` (anything else propagates and fails)."""
    try:
        return load_spec_bytes(data, file=FILE, plugins=plugins(), env=ENV)
    except SpecErrors as errors:
        for error in errors:
            assert error.file == FILE, f"error not located in the file: {error!r}"
            assert error.message, f"error without a message: {error!r}"
        return errors


@functools.cache
def conformance_specs() -> tuple[bytes, ...]:
    """The EKS Anywhere cluster specs of the conformance corpus (files with an EKS-A ``Cluster`` document)."""
    out: list[bytes] = []
    for path in sorted(CONFORMANCE.rglob("*.yaml")):
        raw = path.read_bytes()
        if b"anywhere.eks.amazonaws.com" in raw and b"\nkind: Cluster" in b"\n" + raw:
            out.append(raw)
    return tuple(out)


def plain(value: Any) -> Any:
    """Deep copy of JSON-like data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
