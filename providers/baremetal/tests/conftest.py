"""Shared fixtures of the bare metal provider tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.plugins import Plugins
from eksa_core.testing import conformance_dir


@pytest.fixture
def conformance() -> Path:
    path = conformance_dir(__file__)
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path


@pytest.fixture
def plugins() -> Plugins:
    from eksa_baremetal import plugin

    p = Plugins()
    p.register(plugin, name="eksa-provider-baremetal")
    return p
