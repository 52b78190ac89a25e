"""Fixtures of the workflow tests.

* ``env``: the real control planes (:mod:`tests.workflows.realharness`): the session's ``control_plane`` plays the
  bootstrap cluster, ``second_control_plane`` the management cluster, both wiped clean before each test.
* ``fault_injection_env``: the fault-injection double (:mod:`tests.workflows.harness`), only for what the shared
  real control planes cannot be made to do on demand: a management cluster without EKS Anywhere's CRDs, a record
  of every request a run sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eksa_testprovider import lifecycle, recorder

from eksa_core.testing.controlplane import ControlPlane

from .harness import ENV, Env, new_env
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


@pytest.fixture
def fault_injection_env(tmp_path: Path) -> Iterator[Env]:
    """The fault-injection double (:mod:`tests.workflows.harness`), for what the shared real control planes cannot
    be made to do on demand: a management cluster without EKS Anywhere's CRDs, a record of every request a run
    sent (a refused run must send none)."""
    yield from new_env(tmp_path / "work")
