"""Crash after every task, resume, and end up exactly where an uninterrupted run ends up (on the real control
planes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from eksa_testprovider import recorder

from eksa_core import hookimpl
from eksa_core.plugins import WorkflowEvent
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.workflows import Result, create_cluster, delete_cluster, upgrade_cluster

from .harness import CAPI_KINDS, EKSA_KINDS, ENV, files, make_spec, spec_text
from .realharness import RealEnv, new_real_env, options, snapshot
from .test_create import MANAGEMENT_TASKS

#: Hooks with side effects on clusters or infrastructure: these must never run twice for one task.
SIDE_EFFECT_HOOKS = {
    "eksa_setup_and_validate_create", "eksa_setup_and_validate_upgrade", "eksa_setup_and_validate_delete",
    "eksa_pre_capi_install_on_bootstrap", "eksa_post_bootstrap_setup", "eksa_update_secrets",
    "eksa_post_workload_init", "eksa_install_custom_components", "eksa_post_move",
    "eksa_pre_core_components_upgrade", "eksa_pre_delete", "eksa_delete_resources", "eksa_cleanup_machines",
    "eksa_post_cluster_delete",
}
VALIDATION_HOOKS = {"eksa_setup_and_validate_create", "eksa_setup_and_validate_upgrade"}


class SimulatedCrash(BaseException):
    """Stands in for the process dying (not an Exception: nothing may catch and handle it)."""


class CrashAfter:
    """An observer plugin that 'kills the process' right after ``task`` finished (its checkpoint is written)."""

    def __init__(self, task: str) -> None:
        self.task = task
        self.armed = True

    @hookimpl
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        if self.armed and event.kind == "task-finished" and event.task == self.task:
            self.armed = False
            raise SimulatedCrash(self.task)


def side_effects() -> list[tuple[str, str | None]]:
    return [(c.hook, c.cluster) for c in recorder.CALLS if c.hook in SIDE_EFFECT_HOOKS]


def run_create(env: RealEnv, **kwargs: Any) -> Any:
    spec = make_spec(env.plugins, spec_text("mgmt"))
    return create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                          installer=env.installer, options=options(), **kwargs)


def normalised_files(env: RealEnv) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, content in files(env.workdir).items():
        if name.endswith(".kubeconfig"):  # points at the management cluster: compare its shape, not its port
            data = yaml.safe_load(content)
            assert data["clusters"][0]["cluster"]["server"] == env.management.url
            out[name] = "kubeconfig"
        else:
            out[name] = content
    return out


@pytest.fixture(scope="module")
def clean_create(tmp_path_factory: pytest.TempPathFactory, control_plane: ControlPlane,
                 second_control_plane: ControlPlane) -> dict[str, Any]:
    """The end state of an uninterrupted management create."""
    recorder.reset()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in ENV.items():
            mp.setenv(key, value)
        for env in new_real_env(tmp_path_factory.mktemp("clean") / "work", control_plane, second_control_plane):
            run_create(env)
            return {"objects": snapshot(env.management), "files": normalised_files(env),
                    "calls": side_effects(), "installer": list(env.installer.calls)}
    raise AssertionError("unreachable")


@pytest.mark.parametrize("crash_task", MANAGEMENT_TASKS)
def test_create_crash_after_each_task_then_resume(env: RealEnv, crash_task: str,
                                                  clean_create: dict[str, Any]) -> None:
    recorder.reset()
    env.plugins.register(CrashAfter(crash_task), name="crash")
    with pytest.raises(SimulatedCrash):
        run_create(env)
    first_calls, first_installs = side_effects(), list(env.installer.calls)
    checkpoint = yaml.safe_load((env.workdir / "mgmt" / "generated" / "mgmt-checkpoint.yaml").read_text())
    completed = list(checkpoint["completedTasks"])
    assert completed[-1] == crash_task

    recorder.reset()
    result = run_create(env, resume=True)
    assert isinstance(result, Result)
    assert list(result.restored) == completed
    assert not set(result.ran) & set(completed)
    second_calls = side_effects()
    # the provider validation runs again in the restore of the setup task (it fills spec defaults), nothing else
    if "setup-validate" in completed:
        assert second_calls[0] == ("eksa_setup_and_validate_create", None)
        second_calls = second_calls[1:]
    assert first_calls + second_calls == clean_create["calls"]
    assert first_installs[: len(first_installs)] + env.installer.calls[len(first_installs):] == \
        clean_create["installer"]
    assert env.bootstrapper.created == ["mgmt-eks-a-cluster"]
    assert snapshot(env.management) == clean_create["objects"]
    assert normalised_files(env) == clean_create["files"]
    assert not (env.workdir / "mgmt" / "generated").exists()


def test_resume_without_checkpoint_runs_everything(env: RealEnv) -> None:
    result = run_create(env, resume=True)
    assert list(result.restored) == [] and list(result.ran) == MANAGEMENT_TASKS


def test_fresh_run_discards_an_old_checkpoint(env: RealEnv) -> None:
    env.plugins.register(CrashAfter("bootstrap-cluster-init"), name="crash")
    with pytest.raises(SimulatedCrash):
        run_create(env)
    env.bootstrapper.live.clear()  # the user removed the kind cluster by hand
    result = run_create(env)  # not resume: starts again from the first task
    assert list(result.restored) == [] and "bootstrap-cluster-init" in result.ran


def test_resume_when_bootstrap_cluster_vanished_says_so(env: RealEnv) -> None:
    env.plugins.register(CrashAfter("install-capi-components-bootstrap"), name="crash")
    with pytest.raises(SimulatedCrash):
        run_create(env)
    env.bootstrapper.live.clear()
    with pytest.raises(Exception, match="bootstrap cluster mgmt-eks-a-cluster of the interrupted run no longer"):
        run_create(env, resume=True)


# ------------------------------------------------------------------------------------------ upgrade, delete


def _created(env: RealEnv) -> None:
    run_create(env)
    recorder.reset()
    env.installer.calls.clear()


UPGRADE_TASKS = ["setup-and-validate", "update-secrets", "ensure-etcd-capi-components-exist",
                 "pause-controllers-reconcile", "upgrade-core-components", "pre-cluster-upgrade",
                 "install-new-eksa-version-components", "upgrade-workload-cluster", "write-cluster-config",
                 "post-cluster-upgrade"]


def run_upgrade(env: RealEnv, **kwargs: Any) -> Any:
    spec = make_spec(env.plugins, spec_text("mgmt", worker_cpus=8))
    return upgrade_cluster(spec, plugins=env.plugins, workdir=env.workdir, installer=env.installer,
                           options=options(), **kwargs)


@pytest.mark.parametrize("crash_task", UPGRADE_TASKS)
def test_upgrade_crash_after_each_task_then_resume(env: RealEnv, crash_task: str) -> None:
    _created(env)
    crash = CrashAfter(crash_task)
    env.plugins.register(crash, name="crash")
    with pytest.raises(SimulatedCrash):
        run_upgrade(env)
    first = side_effects()
    checkpoint = yaml.safe_load((env.workdir / "mgmt" / "generated" / "mgmt-checkpoint.yaml").read_text())
    completed = list(checkpoint["completedTasks"])
    if "upgrade-core-components" in completed:
        assert checkpoint["completedTasks"]["upgrade-core-components"] == {"checkpoint": {"components": [
            {"name": "testprovider", "oldVersion": "v0.1.0", "newVersion": "v0.2.0"}]}}
    recorder.reset()
    result = run_upgrade(env, resume=True)
    assert list(result.restored) == completed
    second = side_effects()
    if "setup-and-validate" in completed:
        assert second[0] == ("eksa_setup_and_validate_upgrade", None)
        second = second[1:]
    assert first + second == [("eksa_setup_and_validate_upgrade", None), ("eksa_update_secrets", "mgmt"),
                              ("eksa_pre_core_components_upgrade", "mgmt")]
    assert [d.component_name for d in result.change_diffs] == ["testprovider"]
    md = env.management.get_object("cluster.x-k8s.io/v1beta2", "MachineDeployment", "mgmt-md-0", "eksa-system")
    assert md is not None
    assert md["spec"]["template"]["spec"]["infrastructureRef"]["name"] == "mgmt-md-0-2"
    assert not list((env.workdir / "mgmt").glob("mgmt-backup-*"))


DELETE_TASKS = ["setup-and-validate-delete", "bootstrap-cluster-for-delete-init",
                "install-capi-components-bootstrap-for-delete", "capi-management-move-for-delete",
                "eksa-components-bootstrap-install-delete-task", "delete-management-cluster", "kind-cluster-delete"]


@pytest.mark.parametrize("crash_task", DELETE_TASKS)
def test_delete_crash_after_each_task_then_resume(env: RealEnv, crash_task: str) -> None:
    _created(env)
    env.controller.active = False  # the delete's bootstrap cluster has no controller
    env.plugins.register(CrashAfter(crash_task), name="crash")
    spec = make_spec(env.plugins, spec_text("mgmt"))
    kwargs: dict[str, Any] = {"plugins": env.plugins, "workdir": env.workdir, "bootstrapper": env.bootstrapper,
                              "installer": env.installer, "options": options()}
    with pytest.raises(SimulatedCrash):
        delete_cluster(spec, **kwargs)
    first = side_effects()
    recorder.reset()
    result = delete_cluster(spec, resume=True, **kwargs)
    assert isinstance(result, Result)
    second = side_effects()
    # the restored setup task re-runs its check (it may prepare credentials that later tasks use)
    assert second[0] == ("eksa_setup_and_validate_delete", None)
    second = second[1:]
    assert first + second == [
        ("eksa_setup_and_validate_delete", None),
        ("eksa_pre_capi_install_on_bootstrap", "mgmt-eks-a-cluster"),
        ("eksa_install_custom_components", "mgmt-eks-a-cluster"),
        ("eksa_pre_delete", "mgmt-eks-a-cluster"),
        ("eksa_delete_resources", None),
        ("eksa_cleanup_machines", None),
        ("eksa_post_cluster_delete", "mgmt-eks-a-cluster"),
    ]
    _assert_deleted(env)


def _assert_deleted(env: RealEnv) -> None:
    # the bootstrap cluster the deletion ran from holds nothing of the cluster any more
    left = [(o["kind"], o["metadata"]["name"]) for o in env.bootstrap.list_objects(namespace="eksa-system")
            if o["apiVersion"] != "v1"]
    assert left == [], left
    # the Cluster API objects left the (now deleted) management cluster through the move
    moved = [o["kind"] for o in env.management.list_objects(namespace="eksa-system") if o["apiVersion"] != "v1"]
    assert moved == [], moved
    assert env.bootstrapper.live == set()


def test_kinds_registered_by_installer_double() -> None:
    # guard: the double's harness registers the same kinds the test provider renders
    assert {k for _, k in CAPI_KINDS} >= {"Cluster", "MachineDeployment", "KubeadmControlPlane"}
    assert {k for _, k in EKSA_KINDS} == {"Cluster", "TestDatacenterConfig", "TestMachineConfig", "AWSIamConfig"}


def _unused(path: Path) -> None:  # pragma: no cover
    del path
