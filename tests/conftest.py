"""Shared test fixtures: the Kubernetes fixtures of tests/kube (real control plane, fault double) and the conformance
folder. Tests using ``kube_env``/``kube`` run on the real control plane and are marked ``realkube`` here."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.testing import conformance_dir as _conformance_dir
from tests.kube.fixtures import fault_env, kube, kube_api_server, kube_env  # noqa: F401

REPO = Path(__file__).resolve().parents[1]

_REALKUBE_FIXTURES = frozenset({"kube_env", "kube"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that run on the real control plane through tests/kube's fixtures ``realkube``."""
    for item in items:
        if _REALKUBE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.realkube)


def conformance_dir() -> Path | None:
    """The conformance fixtures (``$EKSA_CONFORMANCE_DIR`` or the repository's ``tests/conformance/data``)."""
    return _conformance_dir(__file__)


@pytest.fixture(scope="session")
def conformance() -> Path:
    path = conformance_dir()
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path
