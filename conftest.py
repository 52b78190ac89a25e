"""Settings for every test of the repository (core and providers): nothing reaches the real internet.

The ``eksa`` command line reads EKS Anywhere's public release manifest by default. Tests point that default at
the release snapshot shipped with eksa (tests of the download path point it at servers on 127.0.0.1) and keep
downloaded release data in a temporary cache, never in the user's. Set before any test runs, so CLIs started as
subprocesses inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    os.environ["EKSA_DEFAULT_RELEASE_MANIFEST"] = "bundled"
    os.environ["EKSA_RELEASE_CACHE"] = _CACHE[0] = tempfile.mkdtemp(prefix="eksa-test-release-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CACHE[0]:
        shutil.rmtree(_CACHE[0], ignore_errors=True)


_CACHE: list[str] = [""]
