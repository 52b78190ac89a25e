"""Fixtures of the workflow tests (see :mod:`tests.workflows.harness`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eksa_testprovider import lifecycle, recorder

from .harness import ENV, Env, new_env


@pytest.fixture(autouse=True)
def _clean_recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    recorder.reset()
    lifecycle.EVENTS.clear()
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    yield
    recorder.reset()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from new_env(tmp_path / "work")
