"""One run per cluster folder: an OS-level lock (``fcntl.flock``) held for the whole run of a workflow.

The lock file is ``<cluster>/.eksa-run.lock``; it holds the holder's pid and command line, so a second run is
refused at once with a message naming them. The operating system releases the lock when the holder exits,
however it exits (a SIGKILL included): there are no stale locks. The file is removed on release while the lock is
still held, and a run that locked a file which is no longer the one at that path (removed by the previous holder
in between) tries again, so two runs never both hold it. Within one process the lock is re-entrant.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import EksaError

__all__ = ["LOCK_FILE", "ClusterFolderLocked", "cluster_folder_lock"]

LOCK_FILE = ".eksa-run.lock"
"""Name of the lock file in the cluster folder."""

_HELD: dict[str, tuple[int, int]] = {}  # resolved folder -> (fd, depth) held by this process
_GUARD = threading.Lock()


class ClusterFolderLocked(EksaError):
    """Another eksa run holds the cluster folder. ``pid`` and ``command`` name it (``None`` when unknown)."""

    def __init__(self, folder: Path, pid: int | None, command: str | None) -> None:
        holder = f"pid {pid}" if pid is not None else "a process whose pid is not recorded yet"
        if command:
            holder += f": {command}"
        super().__init__(f"another eksa run is working on the cluster folder {folder} ({holder}); refusing to start "
                         "a second one. Wait for it to finish (its lock goes with the process).")
        self.folder = folder
        self.pid = pid
        self.command = command


def _holder(fd: int) -> tuple[int | None, str | None]:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096).decode("utf-8", "replace")
        first, _, rest = text.partition("\n")
        pid = int(first) if first.strip().isdigit() else None
        return pid, rest.strip() or None
    return None, None


def _command() -> str:
    return shlex.join(sys.argv)[:300] if sys.argv and sys.argv[0] else f"python (pid {os.getpid()})"


@contextlib.contextmanager
def cluster_folder_lock(folder: Path) -> Iterator[Path]:
    """Hold the lock of the cluster ``folder`` (created when missing) for the ``with`` block.

    :raises ClusterFolderLocked: at once when another process holds it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    key = str(folder.resolve())
    path = folder / LOCK_FILE
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            _HELD[key] = (held[0], held[1] + 1)
    if held is not None:
        try:
            yield path
        finally:
            with _GUARD:
                fd, depth = _HELD[key]
                _HELD[key] = (fd, depth - 1)
        return
    fd = _acquire(folder, path)
    with _GUARD:
        _HELD[key] = (fd, 1)
    try:
        yield path
    finally:
        with _GUARD:
            _HELD.pop(key, None)
        with contextlib.suppress(OSError):
            # emptied first: closing the last descriptor of an unlinked file that still has data costs ext4 a
            # journal wait (about 3 ms a run, measured); an empty one closes in microseconds
            os.ftruncate(fd, 0)
        with contextlib.suppress(OSError):
            path.unlink()  # while still holding it: a waiter that opened this file will notice and retry
        os.close(fd)


def _acquire(folder: Path, path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(50):
        fd = os.open(path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, command = _holder(fd)
            os.close(fd)
            raise ClusterFolderLocked(folder, pid, command) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the previous holder removed it after we opened it: lock the new one instead
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        # no fsync: other processes read the holder through the page cache, and after a crash the file is
        # locked by nobody whatever it says
        os.write(fd, f"{os.getpid()}\n{_command()}\n".encode())
        return fd
    raise EksaError(f"cannot lock the cluster folder {folder}: its lock file keeps changing")
