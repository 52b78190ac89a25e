"""Nothing in the repository reads a folder outside it (the conformance corpus and the release snapshot are in
the tree); the clean-clone test (tests/test_clean_clone.py) shows the whole suite passes without one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_nothing_reads_a_shared_folder_beside_the_checkout() -> None:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout (the test reads the tracked files)")
    tracked = subprocess.run([git, "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    offenders = []
    for name in tracked.decode().split("\0"):
        path = REPO / name
        if not name or not path.is_file() or name.startswith("tests/conformance/data/"):
            continue
        if path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "../shared" in text or "/work/shared" in text:
            offenders.append(name)
    assert offenders == []
