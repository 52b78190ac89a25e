"""One run per cluster folder, proven with real processes: a second run is refused at once, naming the holder's
pid and command, and does nothing; the lock dies with its holder (even by SIGKILL); checkpoints never regress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eksa_testprovider import recorder

from eksa_core.testing.nocontact import no_contact
from eksa_core.workflows import ClusterFolderLocked, WorkflowError, create_cluster
from eksa_core.workflows.engine import Checkpoint, checkpoint_path
from eksa_core.workflows.lock import LOCK_FILE, cluster_folder_lock

from .harness import files, make_spec, spec_text
from .realharness import RealEnv, options
from .test_resume import CrashAfter, SimulatedCrash, run_create

HOLDER = """
import sys
from pathlib import Path
from eksa_core.workflows.lock import cluster_folder_lock
with cluster_folder_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin (or kills us)
print("released", flush=True)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """Another process holding the lock of ``<tmp>/work/mgmt``."""
    folder = tmp_path / "work" / "mgmt"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), "--marker=other-eksa-run"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    try:
        yield proc, folder
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_a_second_process_is_refused_at_once_naming_the_holder(holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, folder = holder
    with pytest.raises(ClusterFolderLocked) as info, cluster_folder_lock(folder):
        pass
    assert info.value.pid == proc.pid
    assert info.value.command is not None and "--marker=other-eksa-run" in info.value.command
    assert f"pid {proc.pid}" in str(info.value) and str(folder) in str(info.value)
    # the holder ends normally: the lock (and its file) go, and the next run gets it
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.stdout is not None and proc.stdout.readline().strip() == "released"
    proc.wait()
    assert not (folder / LOCK_FILE).exists()
    with cluster_folder_lock(folder):
        assert (folder / LOCK_FILE).read_text().split("\n")[0] == str(os.getpid())


def test_the_lock_dies_with_a_killed_holder(holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, folder = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (folder / LOCK_FILE).exists()  # a SIGKILL leaves the file, not the lock
    with cluster_folder_lock(folder):
        with cluster_folder_lock(folder):  # re-entrant within one process
            pass
        assert (folder / LOCK_FILE).exists()


def test_a_workflow_on_a_locked_folder_is_refused_before_doing_anything(
        env: RealEnv, holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, folder = holder
    assert folder == env.workdir / "mgmt"
    before = files(env.workdir)
    spec = make_spec(env.plugins, spec_text("mgmt"))
    with no_contact() as listener:  # every connection and started command is recorded (and refused)
        with pytest.raises(ClusterFolderLocked, match=f"pid {proc.pid}: .*--marker=other-eksa-run"):
            create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                           installer=env.installer, options=options())
        with pytest.raises(ClusterFolderLocked):  # dry runs too: they write the plan folder
            create_cluster(spec, plugins=env.plugins, workdir=env.workdir, dry_run=True, options=options())
    assert listener.attempts == []  # no cluster contacted, no command started
    assert recorder.CALLS == []  # no provider hook ran
    assert env.bootstrapper.created == [] and env.installer.calls == []
    assert files(env.workdir) == before  # no checkpoint, plan, log or kubeconfig written


def test_completed_tasks_never_regress_when_a_resumed_run_fails_early(env: RealEnv) -> None:
    env.plugins.register(CrashAfter("install-capi-components-bootstrap"), name="crash")
    with pytest.raises(SimulatedCrash):
        run_create(env)
    path = checkpoint_path(env.workdir / "mgmt", "mgmt")
    done = list(Checkpoint.load(path).completed)
    assert done[0] == "setup-validate" and done[-1] == "install-capi-components-bootstrap" and len(done) >= 3
    env.bootstrapper.live.clear()  # resuming fails while restoring the bootstrap cluster
    with pytest.raises(WorkflowError):
        run_create(env, resume=True)
    assert list(Checkpoint.load(path).completed)[:len(done)] == done
