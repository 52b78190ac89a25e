"""Shared test fixtures: the Kubernetes API-server double (tests/kube) and the conformance folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.kube.fixtures import kube, kube_api_server, kube_env  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


def conformance_dir() -> Path | None:
    """The shared conformance fixtures (``$EKSA_CONFORMANCE_DIR`` or ``../shared/conformance``)."""
    env = os.environ.get("EKSA_CONFORMANCE_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "conformance"
    return path if (path / "cases.yaml").is_file() else None


@pytest.fixture(scope="session")
def conformance() -> Path:
    path = conformance_dir()
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path
