"""The machine-wide CAPD lock of :class:`eksa_core.testing.capi.ClusterAPI`: a second instance waits while another
process holds it (CAPD binds fixed ports on every interface, so two cannot run at once), and gets it once released."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eksa_core.testing.capi import CAPD_LOCK_NAME, ClusterAPI, ClusterAPIError
from eksa_core.testing.controlplane import ControlPlane

_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_instance_waits_for_the_lock_and_gets_it_once_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    capi = ClusterAPI(ControlPlane(name="lock-test"), lock_timeout=1.5)
    assert capi.lock_path() == tmp_path / CAPD_LOCK_NAME
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(capi.lock_path())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ClusterAPIError, match="only one CAPD can run per machine"):
            capi._acquire_machine_lock()
        assert capi._machine_lock is None
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    capi._acquire_machine_lock()
    try:
        assert capi._machine_lock is not None
        other = ClusterAPI(ControlPlane(name="lock-test-2"), lock_timeout=0.0)
        with pytest.raises(ClusterAPIError):
            other._acquire_machine_lock()  # held by this process now, through another open file description
    finally:
        capi._release_machine_lock()
    assert capi._machine_lock is None
