"""Fixtures for the release-data tests: the conformance release folder, small cluster configs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eksa_core.testing import conformance_dir


def _releases_dir() -> Path | None:
    base = conformance_dir(__file__)
    if base is not None and (base / "releases" / "bundles.yaml").is_file():
        return base / "releases"
    return None


@pytest.fixture(scope="session")
def releases_dir() -> Path:
    """The conformance folder's ``releases/`` (EKS-A's test release data)."""
    found = _releases_dir()
    if found is None:
        pytest.skip("conformance release data not found (set EKSA_CONFORMANCE_DIR)")
    return found


@pytest.fixture
def copied_releases(releases_dir: Path, tmp_path: Path) -> Path:
    """A copy of the release folder somewhere else, to show embed URLs resolve beside the naming file."""
    target = tmp_path / "elsewhere" / "data"
    shutil.copytree(releases_dir, target)
    return target
