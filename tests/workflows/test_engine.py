"""The task engine on its own: events, observers, checkpoints, failure tasks, non-fatal tasks."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core import hookimpl
from eksa_core.bootstrap import BootstrapClusterOptions, ExistingClusterBootstrapper, KindBootstrapper
from eksa_core.context import ClusterHandle
from eksa_core.plugins import BootstrapOptions, InfrastructureBundle, WorkflowEvent
from eksa_core.workflows import Task, Workflow, WorkflowContext, WorkflowError, run_workflow
from eksa_core.workflows.capi import ClusterctlInstaller, ComponentsRequest, InstallerError
from eksa_core.workflows.engine import Checkpoint

from .harness import ENV, Clusters, FakeClusterAPIInstaller, make_plugins, make_spec, options, spec_text


class Step(Task):
    def __init__(self, name: str, *, fail: bool = False, fatal: bool = True, payload: Any = None,
                 on_failure: tuple[str, ...] = ()) -> None:
        self.name = name  # type: ignore[misc]
        self.fail = fail
        self.fatal = fatal  # type: ignore[misc]
        self.payload = payload
        self.on_failure = on_failure  # type: ignore[misc]
        self.restored: list[Any] = []
        self.runs = 0

    def run(self, ctx: WorkflowContext) -> None:
        self.runs += 1
        ctx.info(f"running {self.name}")
        if self.fail:
            raise RuntimeError(f"{self.name} broke with {ENV['TESTPROVIDER_PASSWORD']}")

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        return self.payload

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        self.restored.append(payload)


class Observer:
    def __init__(self, explode: bool = False) -> None:
        self.events: list[WorkflowEvent] = []
        self.explode = explode

    @hookimpl
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        self.events.append(event)
        if self.explode:
            raise ValueError("observer bug")


def context(tmp_path: Path, *plugins: object) -> WorkflowContext:
    registry = make_plugins(*plugins)
    spec = make_spec(registry, spec_text("eng"))
    return WorkflowContext(spec=spec, plugins=registry, provider=registry.provider("testprovider"),
                           workdir=tmp_path, bootstrapper=None, installer=FakeClusterAPIInstaller(Clusters()),
                           options=options())


def test_events_reach_every_observer_even_when_one_raises(tmp_path: Path) -> None:
    broken, good = Observer(explode=True), Observer()
    ctx = context(tmp_path, broken, good)
    run_workflow(Workflow("wf", [Step("a"), Step("b")]), ctx)
    kinds = [(e.kind, e.task) for e in good.events]
    assert kinds == [("task-started", "a"), ("message", "a"), ("task-finished", "a"),
                     ("task-started", "b"), ("message", "b"), ("task-finished", "b")]
    assert len(broken.events) == len(good.events)
    assert good.events[1].message == "running a" and good.events[1].level == 0
    assert good.events[0].level == 4 and good.events[2].duration is not None


def test_checkpoint_format_and_resume(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    ctx.options.keep_generated = True
    steps = [Step("first", payload={"components": [{"name": "x", "oldVersion": "1", "newVersion": "2"}]}),
             Step("second", fail=True, on_failure=("diag",)), Step("third")]
    diag = Step("diag")
    with pytest.raises(WorkflowError) as info:
        run_workflow(Workflow("wf", steps, {"diag": diag}), ctx)
    path = tmp_path / "eng" / "generated" / "eng-checkpoint.yaml"
    assert yaml.safe_load(path.read_text()) == {"completedTasks": {"first": {"checkpoint": {
        "components": [{"name": "x", "oldVersion": "1", "newVersion": "2"}]}}}}
    assert diag.runs == 1
    assert info.value.task == "second" and isinstance(info.value.cause, RuntimeError)
    assert ENV["TESTPROVIDER_PASSWORD"] not in str(info.value)  # redacted
    assert "*****" in str(info.value)
    assert not list(path.parent.glob(".*.tmp"))  # atomic write leaves no temporary file

    steps[1].fail = False
    ctx2 = context(tmp_path)
    run = run_workflow(Workflow("wf", steps), ctx2, resume=True)
    assert run.restored == ["first"] and run.ran == ["second", "third"]
    assert steps[0].runs == 1 and steps[0].restored == [{"components": [
        {"name": "x", "oldVersion": "1", "newVersion": "2"}]}]
    assert not (tmp_path / "eng" / "generated").exists()  # removed on success


def test_first_error_is_kept(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    failing_diag = Step("diag", fail=True)
    with pytest.raises(WorkflowError) as info:
        run_workflow(Workflow("wf", [Step("a", fail=True, on_failure=("diag",))], {"diag": failing_diag}), ctx)
    assert "a broke" in str(info.value) and failing_diag.runs == 1


def test_non_fatal_task_warns_and_continues(tmp_path: Path) -> None:
    observer = Observer()
    ctx = context(tmp_path, observer)
    run = run_workflow(Workflow("wf", [Step("a", fail=True, fatal=False), Step("b")]), ctx)
    assert run.ran == ["a", "b"]
    assert any(e.kind == "task-failed" and e.task == "a" for e in observer.events)


def test_checkpoint_reader_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "cp.yaml"
    path.write_text("completedTasks: [1, 2]\n")
    with pytest.raises(Exception, match="completedTasks is not a mapping"):
        Checkpoint.load(path)


# ------------------------------------------------------------------------------------------------ bootstrap


class FakeRunner:
    """Stands in for subprocess.run of the kind / clusterctl executables (not installed here)."""

    def __init__(self, stdout: str = "", returncode: int = 0, stderr: str = "") -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.stdout, self.returncode, self.stderr = stdout, returncode, stderr

    def __call__(self, args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((list(args), dict(kwargs.get("env") or {})))
        if args[1:3] == ["create", "cluster"]:
            path = Path(args[args.index("--kubeconfig") + 1])
            path.write_text("apiVersion: v1\nkind: Config\n")
            os.chmod(path, 0o644)
        return subprocess.CompletedProcess(args, self.returncode, self.stdout, self.stderr)


def test_kind_bootstrapper_command_config_and_kubeconfig_mode(tmp_path: Path) -> None:
    runner = FakeRunner(stdout="other-cluster\n")
    spec = make_spec(make_plugins(), spec_text("mgmt"))
    options = BootstrapClusterOptions(cluster_dir=tmp_path / "mgmt", node_image="public.ecr.aws/kind-node:v1.30",
                                      provider=BootstrapOptions(env={"HTTPS_PROXY": "http://proxy:3128"},
                                                                extra_port_mappings=(50051,),
                                                                extra_mounts=(("/var/run/docker.sock",
                                                                               "/var/run/docker.sock"),)))
    handle = KindBootstrapper(runner=runner).create(spec, options)
    assert handle == ClusterHandle("mgmt-eks-a-cluster", tmp_path / "mgmt" / "generated" / "mgmt.kind.kubeconfig")
    assert stat.S_IMODE(handle.kubeconfig.stat().st_mode) == 0o600  # type: ignore[union-attr]
    create_args, create_env = runner.calls[1]
    assert create_args[:5] == ["kind", "create", "cluster", "--name", "mgmt-eks-a-cluster"]
    assert create_args[create_args.index("--image") + 1] == "public.ecr.aws/kind-node:v1.30"
    assert create_env["HTTPS_PROXY"] == "http://proxy:3128"
    config = yaml.safe_load((tmp_path / "mgmt" / "generated" / "kind_tmp.yaml").read_text())
    assert config["nodes"][0]["extraPortMappings"] == [{"containerPort": 50051, "hostPort": 50051}]
    assert config["nodes"][0]["extraMounts"][0]["hostPath"] == "/var/run/docker.sock"


def test_kind_failure_is_a_bootstrap_error(tmp_path: Path) -> None:
    from eksa_core.bootstrap import BootstrapError

    runner = FakeRunner(returncode=1, stderr="docker is not running")
    with pytest.raises(BootstrapError, match="docker is not running"):
        KindBootstrapper(runner=runner).exists("x")


def test_existing_cluster_bootstrapper_never_deletes(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text("apiVersion: v1\n")
    spec = make_spec(make_plugins(), spec_text("mgmt"))
    bootstrapper = ExistingClusterBootstrapper(kubeconfig)
    handle = bootstrapper.create(spec, BootstrapClusterOptions(cluster_dir=tmp_path))
    bootstrapper.delete(handle)
    assert kubeconfig.exists() and bootstrapper.exists(handle.name)


# ------------------------------------------------------------------------------------------------ clusterctl


def test_clusterctl_installer_writes_overrides_and_hides_env(tmp_path: Path) -> None:
    spec = make_spec(make_plugins(), spec_text("mgmt"))
    components = tmp_path / "infrastructure-components.yaml"
    components.write_text("kind: Namespace\n")
    request = ComponentsRequest(spec=spec, provider_name="testprovider", env=dict(ENV),
                                infrastructure=InfrastructureBundle("infrastructure-testprovider/v0.1.0/",
                                                                    (str(components),)),
                                overrides_dir=tmp_path / "generated" / "overrides")
    runner = FakeRunner()
    ClusterctlInstaller(runner=runner).init(ClusterHandle("c", tmp_path / "kc"), request)
    args, env = runner.calls[0]
    assert args[:2] == ["clusterctl", "init"]
    assert args[args.index("--infrastructure") + 1] == "testprovider:v0.1.0"
    assert env["TESTPROVIDER_PASSWORD"] == ENV["TESTPROVIDER_PASSWORD"]
    written = tmp_path / "generated" / "overrides" / "infrastructure-testprovider" / "v0.1.0" / components.name
    assert written.read_text() == "kind: Namespace\n"
    config = yaml.safe_load((tmp_path / "generated" / "clusterctl_tmp.yaml").read_text())
    assert config["providers"][0]["url"] == str(written)

    # the bundled release data has no artifact URLs: only the infrastructure provider can be declared
    assert [p["type"] for p in config["providers"]] == ["InfrastructureProvider"]

    failing = FakeRunner(returncode=1, stderr=f"bad credentials {ENV['TESTPROVIDER_PASSWORD']}")
    with pytest.raises(InstallerError) as info:
        ClusterctlInstaller(runner=failing).init(ClusterHandle("c", tmp_path / "kc"), request)
    assert ENV["TESTPROVIDER_PASSWORD"] not in str(info.value)


def test_provider_hooks_learn_the_management_cluster(tmp_path: Path) -> None:
    from eksa_core.context import ClusterHandle

    ctx = context(tmp_path)
    assert "management_kubeconfig" not in ctx.hook_context.options
    ctx.management_cluster = ClusterHandle("mgmt", tmp_path / "mgmt.kubeconfig")
    assert ctx.hook_context.options["management_kubeconfig"] == tmp_path / "mgmt.kubeconfig"
    ctx.management_cluster = None
    assert "management_kubeconfig" not in ctx.hook_context.options


def test_clusterctl_config_declares_the_core_kubeadm_and_etcdadm_providers_of_the_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from eksa_core.spec import Spec

    sources = tmp_path / "bundle"
    sources.mkdir()

    def entry(name: str, version: str) -> SimpleNamespace:
        (sources / f"{name}.yaml").write_text(f"kind: Namespace\nmetadata: {{name: {name}}}\n")
        (sources / f"{name}-metadata.yaml").write_text(f"# metadata of {name}\n")
        return SimpleNamespace(version=version, components=SimpleNamespace(uri=str(sources / f"{name}.yaml")),
                               metadata=SimpleNamespace(uri=str(sources / f"{name}-metadata.yaml")))

    bundle = SimpleNamespace(cluster_api=entry("core", "v1.13.2+eksa.1"), bootstrap=entry("kb", "v1.13.2+eksa.1"),
                             control_plane=entry("kcp", "v1.13.2+eksa.1"),
                             etcdadm_bootstrap=entry("eb", "v1.0.17"), etcdadm_controller=entry("ec", "v1.0.25"))
    monkeypatch.setattr(Spec, "versions_bundle", lambda self: bundle)
    spec = make_spec(make_plugins(), spec_text("mgmt"))
    components = tmp_path / "infrastructure-components.yaml"
    components.write_text("kind: Namespace\n")
    overrides = tmp_path / "generated" / "overrides"
    request = ComponentsRequest(spec=spec, provider_name="testprovider", env=dict(ENV),
                                infrastructure=InfrastructureBundle("infrastructure-testprovider/v0.1.0/",
                                                                    (str(components),)),
                                overrides_dir=overrides)
    ClusterctlInstaller(runner=FakeRunner()).init(ClusterHandle("c", tmp_path / "kc"), request)
    config = yaml.safe_load((tmp_path / "generated" / "clusterctl_tmp.yaml").read_text())
    declared = [(p["name"], p["type"], p["url"]) for p in config["providers"]]
    assert declared == [
        ("cluster-api", "CoreProvider", str(overrides / "cluster-api/v1.13.2+eksa.1/core-components.yaml")),
        ("kubeadm", "BootstrapProvider", str(overrides / "bootstrap-kubeadm/v1.13.2+eksa.1/bootstrap-components.yaml")),
        ("kubeadm", "ControlPlaneProvider",
         str(overrides / "control-plane-kubeadm/v1.13.2+eksa.1/control-plane-components.yaml")),
        ("etcdadm-bootstrap", "BootstrapProvider",
         str(overrides / "bootstrap-etcdadm-bootstrap/v1.0.17/bootstrap-components.yaml")),
        ("etcdadm-controller", "BootstrapProvider",
         str(overrides / "bootstrap-etcdadm-controller/v1.0.25/bootstrap-components.yaml")),
        ("testprovider", "InfrastructureProvider",
         str(overrides / "infrastructure-testprovider/v0.1.0/infrastructure-components.yaml")),
    ]
    # each file is the bundle's manifest, with its metadata beside it
    assert Path(declared[2][2]).read_text() == "kind: Namespace\nmetadata: {name: kcp}\n"
    assert (Path(declared[2][2]).parent / "metadata.yaml").read_text() == "# metadata of kcp\n"
