"""Shared test fixtures: the Kubernetes API-server double (tests/kube) and the conformance folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.testing import conformance_dir as _conformance_dir
from tests.kube.fixtures import kube, kube_api_server, kube_env  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


def conformance_dir() -> Path | None:
    """The conformance fixtures (``$EKSA_CONFORMANCE_DIR`` or the repository's ``tests/conformance/data``)."""
    return _conformance_dir(__file__)


@pytest.fixture(scope="session")
def conformance() -> Path:
    path = conformance_dir()
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path
