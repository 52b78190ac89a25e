"""Shared fixtures of the Snow provider tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eksa_core.plugins import Plugins


def conformance_dir() -> Path:
    """/work/shared/conformance (or ``EKSA_CONFORMANCE_DIR``)."""
    env = os.environ.get("EKSA_CONFORMANCE_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3].parent / "shared" / "conformance"


@pytest.fixture
def conformance() -> Path:
    path = conformance_dir()
    if not (path / "cases.yaml").is_file():
        pytest.skip(f"conformance data not found at {path}")
    return path


@pytest.fixture
def plugins() -> Plugins:
    from eksa_snow import plugin

    p = Plugins()
    p.register(plugin, name="eksa-provider-snow")
    return p
