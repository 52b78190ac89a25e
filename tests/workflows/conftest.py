"""Fixtures of the workflow tests.

* ``env``: the real control planes (:mod:`tests.workflows.realharness`): the session's ``control_plane`` plays the
  bootstrap cluster, ``second_control_plane`` the management cluster, both wiped clean before each test.
* The fault-injection double (:mod:`tests.workflows.harness`) is used by the tests that inject faults, through
  their own fixtures; what only needs to prove that nothing is contacted uses
  :func:`eksa_core.testing.nocontact.no_contact`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eksa_testprovider import lifecycle, recorder

from eksa_core.testing.controlplane import ControlPlane

from .harness import ENV
from .realharness import RealEnv, new_real_env


@pytest.fixture(autouse=True)
def _clean_recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    recorder.reset()
    lifecycle.EVENTS.clear()
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    yield
    recorder.reset()


@pytest.fixture
def env(tmp_path: Path, control_plane: ControlPlane, second_control_plane: ControlPlane) -> Iterator[RealEnv]:
    """The bootstrap and management clusters on the real control planes (wiped clean for this test)."""
    yield from new_real_env(tmp_path / "work", control_plane, second_control_plane)
