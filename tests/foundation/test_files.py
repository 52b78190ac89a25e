"""``write_file_atomic``: the one way eksa writes files that hold secrets or belong to the user."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core.files import write_file_atomic
from eksa_core.yamlio import write_text_keeping_backup


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o077, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_new_file_is_0600_under_any_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "sub" / "kubeconfig"
    write_file_atomic(path, "secret")
    assert path.read_text() == "secret" and mode(path) == 0o600
    public = tmp_path / "manifest.yaml"
    write_file_atomic(public, "x", mode=0o644)
    assert mode(public) == 0o644


def test_an_existing_lax_file_does_not_keep_its_mode(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "hardware.yaml"
    path.write_text("old")
    path.chmod(0o666)
    write_file_atomic(path, "bmc password inside")
    assert path.read_text() == "bmc password inside" and mode(path) == 0o600


def test_a_symlink_is_replaced_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("do not touch")
    victim.chmod(0o644)
    link = tmp_path / "out.yaml"
    link.symlink_to(victim)
    write_file_atomic(link, "new")
    assert not link.is_symlink() and link.read_text() == "new" and mode(link) == 0o600
    assert victim.read_text() == "do not touch" and mode(victim) == 0o644
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "nowhere")
    write_file_atomic(dangling, "x")
    assert not (tmp_path / "nowhere").exists() and dangling.read_text() == "x"


def test_temporary_names_are_unique_and_nothing_is_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    path = tmp_path / "checkpoint.yaml"
    # a file planted at the old fixed temporary name is neither used nor touched
    planted = tmp_path / ".checkpoint.yaml.tmp"
    planted.write_text("planted")
    for i in range(20):
        write_file_atomic(path, f"v{i}")
    assert path.read_text() == "v19"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".checkpoint.yaml.tmp", "checkpoint.yaml"]
    assert planted.read_text() == "planted"

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        write_file_atomic(path, "half")
    assert path.read_text() == "v19"  # the old content, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == [".checkpoint.yaml.tmp", "checkpoint.yaml"]


def test_backups_of_the_users_files(tmp_path: Path) -> None:
    spec = tmp_path / "prod.yaml"
    spec.write_text("v1")
    spec.chmod(0o640)
    assert write_text_keeping_backup(spec, "v1") is None  # unchanged: nothing written, no backup
    backup = write_text_keeping_backup(spec, "v2")
    assert backup == tmp_path / "prod.yaml.bak" and backup.read_text() == "v1"
    assert spec.read_text() == "v2" and mode(spec) == 0o640 and mode(backup) == 0o640  # the user's mode stays
    secret = tmp_path / "hw.yaml"
    secret.write_text("old password")
    secret.chmod(0o644)
    backup = write_file_atomic(secret, "new password", keep_backup=True)
    assert backup is not None and backup.read_text() == "old password" and mode(backup) == 0o600
    assert mode(secret) == 0o600
