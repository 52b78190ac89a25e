"""Fixtures of the GitOps tests: real git repositories (bare, and served over smart HTTP on 127.0.0.1)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core.testing.gitserver import GitHttpServer, git_available

if not git_available():  # pragma: no cover - git is part of the development setup
    pytest.skip("git with http-backend is not installed", allow_module_level=True)

TOKEN = "ghp_" + "T0k3n" * 7 + "x"  # the form of a classic personal access token (36 characters)


def git(*args: str, cwd: Path | None = None) -> str:
    """A plain git command (isolated from the user's config); its stdout."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
           "HOME": str(cwd or "/")}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def bare_repo(tmp_path: Path) -> Path:
    """An empty bare repository on disk."""
    path = tmp_path / "remote" / "fleet.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(path))
    return path


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitHttpServer]:
    """git http-backend on 127.0.0.1 requiring basic auth (user ``git``, password :data:`TOKEN`)."""
    with GitHttpServer(tmp_path / "served", auth=("git", TOKEN)) as server:
        yield server
