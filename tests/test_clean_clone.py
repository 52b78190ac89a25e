"""The repository is self-contained: a fresh ``git clone`` with nothing beside it (no ``shared/`` folder) and no
``EKSA_*`` variables passes the README's test command.

The clone is of the committed ``HEAD`` (uncommitted edits are not in it). Its test command creates the clone's own
``.venv`` (``scripts/bootstrap.sh --no-run``, pip's cache is reused) and runs every check and the whole suite, except
this test (``-k "not clean_clone"``, no recursion). Components built from Go modules are found in the same cache
outside git as here (``$XDG_CACHE_HOME`` / ``$HOME`` are kept), so nothing is rebuilt. This runs the suite a second
time: it is the slowest test by far, so it is deselected by default (marker ``cleanclone``: run it with
``python -m pytest -m cleanclone tests/test_clean_clone.py``). ``.ci/run`` does the same thing itself: it runs the
README's test command only in such a clone, so every CI run is this test, without running the suite twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Environment variables the clone's run keeps: where programs, caches and the locale are, and CI's flag (in CI the
#: tests that need real components must run there too). Everything else, every EKSA_* variable included, is dropped.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CACHE_HOME", "GOPATH", "GOMODCACHE", "GOCACHE",
        "GOTOOLCHAIN", "GOPROXY", "GOFLAGS", "PIP_INDEX_URL", "PIP_CACHE_DIR", "CI")

#: The README's test command (see README.md, "Two commands").
TEST_COMMAND = ["bash", "scripts/test.sh"]


def _readme_test_command() -> list[str]:
    readme = (REPO / "README.md").read_text()
    assert "bash scripts/test.sh" in readme, "the README no longer names the test command this test runs"
    return TEST_COMMAND


@pytest.mark.cleanclone
def test_clean_clone_passes_the_readme_test_command(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    command = _readme_test_command()
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    clone = workspace / "eksa"
    subprocess.run([git, "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True,
                   capture_output=True)
    assert not (workspace / "shared").exists() and sorted(p.name for p in workspace.iterdir()) == ["eksa"]
    env = {k: os.environ[k] for k in KEPT if k in os.environ}
    assert not [k for k in env if k.startswith("EKSA_")]
    start = time.monotonic()
    result = subprocess.run([*command, "-q", "-p", "no:cacheprovider", "-k", "not clean_clone"], cwd=clone,
                            env=env, capture_output=True, text=True, timeout=3 * 3600)
    elapsed = time.monotonic() - start
    # the pytest summary (FAILED lines) is at the end of stdout; stderr's end is pip's and the tools' noise
    tail = "\n".join([*result.stdout.splitlines()[-80:], "-- stderr:", *result.stderr.splitlines()[-15:]])
    assert result.returncode == 0, f"the test command failed in a clean clone after {elapsed:.0f}s:\n{tail}"
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and " failed" not in summary and " error" not in summary, tail
    assert "conformance runner" in result.stdout and "== pytest" in result.stdout
    print(f"clean clone: README test command passed in {elapsed:.0f}s ({summary})")
