"""Writing files safely: one helper for every file eksa writes that a user or a secret depends on.

:func:`write_file_atomic` writes to a fresh temporary file beside the target (created with ``O_EXCL`` and
``O_NOFOLLOW``, so neither an existing file nor a planted symlink is ever opened), sets its mode explicitly (so the
umask does not matter), flushes it to disk and renames it over the target. The target is therefore either its old
content or its new content, never half of either; a symlink at the target is replaced, never followed; an
existing file's lax mode is never kept (a kubeconfig rewritten over a 0644 file ends 0600). With
``keep_backup=True`` a different, existing regular file is first kept as ``<name>.bak`` (written the same way).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

__all__ = ["PRIVATE", "PUBLIC", "write_file_atomic"]

PRIVATE = 0o600
"""Mode of files holding secrets (kubeconfigs, keys, credentials, hardware with BMC passwords)."""

PUBLIC = 0o644
"""Mode of files anyone on the machine may read (manifests without secrets)."""

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _existing(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None


def _write_new(directory: Path, name: str, data: bytes, mode: int) -> Path:
    """Write ``data`` into a new, uniquely named temporary file of ``directory`` and return its path."""
    for _ in range(100):
        tmp = directory / f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, _FLAGS, mode)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        os.close(fd)
        return tmp
    raise FileExistsError(f"cannot create a temporary file beside {directory / name}")


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_file_atomic(
    path: str | os.PathLike[str],
    content: str | bytes,
    *,
    mode: int | None = PRIVATE,
    keep_backup: bool = False,
) -> Path | None:
    """Write ``content`` to ``path`` atomically with ``mode`` (default 0600), never following a symlink.

    :param mode: the file's permission bits, whatever the umask and whatever mode an existing file had. ``None``
        keeps the mode of the existing regular file (0644 for a new one): for files the user owns, like a spec.
    :param keep_backup: keep an existing regular file whose content differs as ``<name>.bak`` first (same mode
        as the new file, or the old file's when ``mode`` is ``None``). Nothing is written when the content is
        unchanged.
    :return: the backup's path when one was made.
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    old = _existing(target)
    regular = old is not None and stat.S_ISREG(old.st_mode)
    final_mode = mode if mode is not None else (stat.S_IMODE(old.st_mode) if regular and old else PUBLIC)
    backup: Path | None = None
    if keep_backup and regular:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            previous = fh.read()
        if previous == data:
            if mode is not None and old is not None and stat.S_IMODE(old.st_mode) != mode:
                os.chmod(target, mode, follow_symlinks=False)
            return None
        backup = target.with_name(target.name + ".bak")
        tmp_backup = _write_new(directory, backup.name, previous, final_mode)
        os.replace(tmp_backup, backup)
    tmp = _write_new(directory, target.name, data, final_mode)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_directory(directory)
    return backup
