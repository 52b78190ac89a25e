"""The ``eksa`` command line: output, exit codes, error format, verbosity, run log."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eksa_core import __version__, hookimpl
from eksa_core.cli import (
    BUNDLED_RELEASE_MANIFEST,
    LOG_DIR,
    ConsoleProgress,
    _Console,
    main,
    release_manifest_path,
)
from eksa_core.plugins import PluginLoadFailure, Plugins, WorkflowEvent
from tests.generate.test_generate_clusterconfig import DOCKER_YAML


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def docker_plugins(*extra: object) -> Plugins:
    pytest.importorskip("eksa_docker", reason="the Docker provider (providers/docker) is not installed")
    from eksa_docker import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-docker")
    for i, p in enumerate(extra):
        plugins.register(p, name=f"test-addon-{i}")
    return plugins


def eksa(*argv: str, plugins: Plugins | None = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=plugins if plugins is not None else docker_plugins(), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EKSA_RELEASE_MANIFEST", raising=False)
    return tmp_path


def write_generated(name: str = "dev") -> Path:
    from eksa_core.generate import generate_cluster_config, to_yaml

    path = Path(f"{name}.yaml")
    path.write_text(to_yaml(generate_cluster_config(name, "docker", plugins=docker_plugins())))
    return path


BAD_SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: dev
spec:
  kubernetesVersion: "1.29"
  controlPlaneConfiguration:
    count: 2
    endpoint:
      host: 10.0.0.1
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
  datacenterRef:
    kind: DockerDatacenterConfig
    name: dev
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: DockerDatacenterConfig
metadata:
  name: dev
spec: {}
"""


# -- generate -----------------------------------------------------------------------------------------------


def test_generate_prints_the_spec_only(capsys: pytest.CaptureFixture[str]) -> None:
    # generate writes to the process stdout (it is what users redirect to a file)
    code = main(["generate", "clusterconfig", "dev", "-p", "docker"], plugins=docker_plugins())
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out == DOCKER_YAML + "\n"
    assert captured.err == ""
    assert not Path(LOG_DIR).exists()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["generate", "clusterconfig", "-p", "docker"], 2, "Error: please specify a cluster name\n"),
        (["generate", "clusterconfig", "dev"], 2, "the following arguments are required: -p/--provider"),
        (["generate", "clusterconfig", "9dev", "-p", "docker"], 1,
         "Error: 9dev is not a valid cluster name, cluster names must start with lowercase/uppercase letters"),
        (["generate", "clusterconfig", "a" * 36, "-p", "docker"], 1, "should be less than 36"),
        (["generate", "clusterconfig", "dev", "-p", "hyperv"], 1,
         "Error: failed to generate eks-a cluster config: hyperv is not a valid provider"),
        (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
        (["-v", "12", "version"], 2, "invalid verbosity 12"),
    ],
)
def test_usage_and_argument_errors(argv: list[str], code: int, message: str) -> None:
    result = eksa(*argv)
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err


# -- validate -----------------------------------------------------------------------------------------------


def test_validate_good_file() -> None:
    write_generated()
    result = eksa("validate", "-f", "dev.yaml")
    assert (result.code, result.err) == (0, "")
    assert result.out == "✅ dev.yaml is valid (Cluster/dev, DockerDatacenterConfig/dev)\n"
    assert not Path(LOG_DIR).exists()  # the run log is removed on success


def test_validate_bad_file_lists_every_problem_with_location() -> None:
    Path("bad.yaml").write_text(BAD_SPEC)
    result = eksa("validate", "-f", "bad.yaml")
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0].startswith("Error: the cluster config file bad.yaml is invalid")
    assert ("  bad.yaml:10: document 0 Cluster/dev spec.controlPlaneConfiguration.endpoint.host: specifying "
            "endpoint host configuration in Cluster is not supported") in lines
    assert any(line.startswith("  bad.yaml:8: document 0 Cluster/dev spec.controlPlaneConfiguration.count: ")
               and "even number" in line for line in lines)
    assert "Traceback" not in result.err
    # the run log is kept on failure, as JSON lines at full verbosity
    logs = list(Path(LOG_DIR).glob("*.log"))
    assert len(logs) == 1 and f"The run log is in {logs[0]}" in result.err
    entries = [json.loads(line) for line in logs[0].read_text().splitlines()]
    assert any("specifying endpoint host" in (e.get("error") or "") for e in entries)


def test_validate_missing_file() -> None:
    result = eksa("validate", "-f", "nope.yaml")
    assert result.code == 1
    assert result.err.startswith("Error: the cluster config file nope.yaml does not exist\n")


def test_validate_unknown_field_and_yaml_errors() -> None:
    Path("typo.yaml").write_text(BAD_SPEC.replace("  kubernetesVersion", "  kubernetesVersoin"))
    result = eksa("validate", "-f", "typo.yaml")
    assert result.code == 1
    assert 'typo.yaml:6: document 0 Cluster/dev spec.kubernetesVersoin: unknown field "kubernetesVersoin"' in result.err
    Path("broken.yaml").write_text("apiVersion: [\n")
    result = eksa("validate", "-f", "broken.yaml")
    assert result.code == 1 and result.err.startswith("Error: ") and "Traceback" not in result.err


class Exploding:
    """An add-on whose validation hook fails unexpectedly."""

    @hookimpl
    def eksa_validate_config(self, config: Any) -> None:
        raise ValueError("boom")


def test_unexpected_error_has_traceback_only_from_v4() -> None:
    write_generated()
    quiet = eksa("validate", "-f", "dev.yaml", plugins=docker_plugins(Exploding()))
    assert quiet.code == 1
    assert "boom" in quiet.err and "Traceback" not in quiet.err
    assert "(run with -v 4 to see the traceback)" in quiet.err
    loud = eksa("validate", "-f", "dev.yaml", "-v", "4", plugins=docker_plugins(Exploding()))
    assert loud.code == 1
    assert "Traceback (most recent call last)" in loud.err and "ValueError: boom" in loud.err


class Chatty:
    """An add-on that logs at V0, V3 and V6 while validating."""

    @hookimpl
    def eksa_validate_config(self, config: Any) -> None:
        log = logging.getLogger("eksa.test")
        log.info("message at v0")
        log.log(logging.INFO - 3, "message at v3")
        log.debug("message at v6")


@pytest.mark.parametrize(("verbosity", "shown"), [(0, ["v0"]), (3, ["v0", "v3"]), (9, ["v0", "v3", "v6"])])
def test_verbosity_levels(verbosity: int, shown: list[str]) -> None:
    write_generated()
    result = eksa("-v", str(verbosity), "validate", "-f", "dev.yaml", plugins=docker_plugins(Chatty()))
    assert result.code == 0
    found = [level for level in ("v0", "v3", "v6") if f"message at {level}" in result.out]
    assert found == shown
    line = next(line for line in result.out.splitlines() if "message at v0" in line)
    if verbosity >= 4:
        stamp, level, message = line.split("\t")
        assert stamp.endswith("Z") and stamp[4] == "-" and stamp[10] == "T"
        assert (level, message) == ("V0", "message at v0")
    else:
        assert line == "message at v0"


def test_verbosity_after_the_subcommand() -> None:
    write_generated()
    result = eksa("validate", "-f", "dev.yaml", "-v", "3", plugins=docker_plugins(Chatty()))
    assert "message at v3" in result.out


# -- providers / version ------------------------------------------------------------------------------------


def test_providers_lists_installed_and_failed() -> None:
    plugins = docker_plugins()
    plugins.failures.append(PluginLoadFailure("broken", "eksa_broken.plugin",
                                              "ModuleNotFoundError: No module named 'eksa_broken'"))
    result = eksa("providers", plugins=plugins)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["NAME", "DISTRIBUTION", "VERSION", "DATACENTER", "KIND", "MACHINE", "KIND"]
    assert lines[1].split()[:2] == ["docker", "eksa-provider-docker"]
    assert lines[1].split()[3:] == ["DockerDatacenterConfig", "-"]
    assert "Plugins that could not be loaded:" in result.out
    assert "broken (eksa_broken.plugin): ModuleNotFoundError: No module named 'eksa_broken'" in result.out


def test_version() -> None:
    assert eksa("version").out == f"Version: v{__version__}\n"


# -- create / upgrade / delete pre-checks -------------------------------------------------------------------


def test_create_missing_file() -> None:
    result = eksa("create", "cluster", "-f", "missing.yaml")
    assert result.code == 1
    assert result.err.splitlines()[0] == "Error: the cluster config file missing.yaml does not exist"


def test_create_invalid_file_uses_eksas_summary() -> None:
    Path("bad.yaml").write_text(BAD_SPEC)
    result = eksa("create", "cluster", "-f", "bad.yaml", "--dry-run")
    assert result.code == 1
    assert result.err.startswith("Error: the cluster config file provided is invalid:\n")


def test_create_rejects_force_cleanup_and_bad_skip_names() -> None:
    write_generated()
    result = eksa("create", "cluster", "-f", "dev.yaml", "--force-cleanup")
    assert (result.code, result.err.splitlines()[0]) == (2, "Error: please remove the --force-cleanup flag")
    pytest.importorskip("eksa_vsphere", reason="the vSphere provider (providers/vsphere) is not installed")
    from eksa_vsphere import plugin as vsphere

    plugins = docker_plugins()
    plugins.register(vsphere, name="eksa-provider-vsphere")  # the skippable names come from the providers
    result = eksa("create", "cluster", "-f", "dev.yaml", "--skip-validations", "pod-disruption", plugins=plugins)
    assert result.code == 2
    assert ("invalid validation name to be skipped. The supported validations that can be skipped using "
            "--skip-validations are vsphere-user-privilege") in result.err


def test_create_refuses_existing_cluster_folder() -> None:
    write_generated()
    Path("dev").mkdir()
    Path("dev/dev-eks-a-cluster.kubeconfig").write_text("apiVersion: v1\n")
    result = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run")
    assert result.code == 1
    assert "old cluster config file exists under dev, please use a different clusterName to proceed" in result.err


def test_create_resume_needs_the_checkpoint_to_reuse_the_cluster_folder() -> None:
    # --resume continues a run that wrote the kubeconfig already, but only where that run left its checkpoint
    # (the capireal kill/resume test resumes a create killed after the kubeconfig was written)
    write_generated()
    Path("dev").mkdir()
    Path("dev/dev-eks-a-cluster.kubeconfig").write_text("apiVersion: v1\n")
    result = eksa("create", "cluster", "-f", "dev.yaml", "--resume")
    assert result.code == 1
    assert "old cluster config file exists under dev, please use a different clusterName to proceed" in result.err


def test_delete_without_file_looks_in_the_cluster_folder() -> None:
    result = eksa("delete", "cluster", "dev")
    assert result.code == 1
    assert result.err.splitlines()[0] == ("Error: clusterconfig file dev/dev-eks-a-cluster.yaml for cluster: dev "
                                          "not found, please provide the clusterconfig path manually using -f "
                                          "<config-file>")
    result = eksa("delete", "cluster")
    assert (result.code, result.err.splitlines()[0]) == (
        2, "Error: please provide either a valid <cluster-name> or -f <config-file>")


def test_release_manifest_choice(tmp_path: Path) -> None:
    from eksa_core.releases import DEFAULT_RELEASE_MANIFEST_URL

    # the default is EKS Anywhere's public manifest; a mirror may replace it; "bundled" is the offline snapshot
    assert release_manifest_path(None, {}) == (DEFAULT_RELEASE_MANIFEST_URL, "default")
    assert DEFAULT_RELEASE_MANIFEST_URL == "https://anywhere-assets.eks.amazonaws.com/releases/eks-a/manifest.yaml"
    assert release_manifest_path(None, {"EKSA_DEFAULT_RELEASE_MANIFEST": "http://127.0.0.1:1/m.yaml"}) == (
        "http://127.0.0.1:1/m.yaml", "default")
    assert release_manifest_path(None, {"EKSA_DEFAULT_RELEASE_MANIFEST": "bundled"}) == (BUNDLED_RELEASE_MANIFEST,
                                                                                       "bundled")
    assert release_manifest_path("bundled", {}) == (BUNDLED_RELEASE_MANIFEST, "bundled")
    assert release_manifest_path(None, {"EKSA_RELEASE_MANIFEST": "https://mirror.example/m.yaml"}) == (
        "https://mirror.example/m.yaml", "EKSA_RELEASE_MANIFEST")
    assert release_manifest_path(f"file://{tmp_path}/m.yaml", {}) == (tmp_path / "m.yaml", "--release-manifest")
    assert BUNDLED_RELEASE_MANIFEST.is_file()
    assert (BUNDLED_RELEASE_MANIFEST.parent / "NOTICE").is_file()
    assert release_manifest_path(None, {"EKSA_RELEASE_MANIFEST": "r.yaml"}) == (Path("r.yaml"),
                                                                               "EKSA_RELEASE_MANIFEST")
    assert release_manifest_path("x.yaml", {"EKSA_RELEASE_MANIFEST": "r.yaml"}) == (Path("x.yaml"),
                                                                                   "--release-manifest")


def test_help_says_which_release_data_is_used() -> None:
    result = eksa("create", "cluster", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert "EKSA_RELEASE_MANIFEST" in text and "https://anywhere-assets.eks.amazonaws.com/releases/eks-a/" in text
    assert "'bundled'" in text and "~/.cache}/eksa/releases" in text and "EKSA_RELEASE_CA_BUNDLE" in text
    assert "Dry runs read release data too" in text


# -- progress plugin ----------------------------------------------------------------------------------------


def events() -> list[WorkflowEvent]:
    return [
        WorkflowEvent("create-management", "message", task="setup-validate", message="Performing setup and "
                      "validations", timestamp=1_700_000_000.0),
        WorkflowEvent("create-management", "task-started", task="setup-validate", level=4, timestamp=1_700_000_000.5),
        WorkflowEvent("create-management", "message", task="setup-validate", message="Waiting for the cluster",
                      level=3, timestamp=1_700_000_001.0),
        WorkflowEvent("create-management", "task-finished", task="setup-validate", level=4, duration=1.25,
                      timestamp=1_700_000_001.5),
        WorkflowEvent("create-management", "message", message="🎉 Cluster created!", timestamp=1_700_000_002.0),
    ]


def test_progress_at_default_verbosity() -> None:
    out = io.StringIO()
    progress = ConsoleProgress(_Console(0, out, io.StringIO()))
    for e in events():
        progress.eksa_workflow_event(e)
    assert out.getvalue() == "Performing setup and validations\n🎉 Cluster created!\n"


def test_progress_at_v4_has_timestamps_levels_and_tasks() -> None:
    out = io.StringIO()
    progress = ConsoleProgress(_Console(4, out, io.StringIO()))
    for e in events():
        progress.eksa_workflow_event(e)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2023-11-14T22:13:20.000Z\tV0\tPerforming setup and validations"
    assert lines[1] == '2023-11-14T22:13:20.500Z\tV4\tTask start\t{"task_name": "setup-validate"}'
    assert lines[2].endswith("\tV3\tWaiting for the cluster")
    assert lines[3].endswith('\tV4\tTask finished\t{"task_name": "setup-validate", "duration": "1.250s"}')
    assert lines[4].endswith("\tV0\t🎉 Cluster created!")


def test_progress_events_of_providers_print_at_their_level() -> None:
    """A provider's ``context.progress`` reports (``progress`` events) print like messages, at their level."""
    machine = WorkflowEvent("create-workload", "progress", task="create-workload-cluster",
                            message="Machine cp-1: action 1/5 'stream image to disk' succeeded in 35s",
                            details={"machine": "cp-1", "event": "action-succeeded", "duration": 35.0},
                            timestamp=1_700_000_000.0)
    started = WorkflowEvent("create-workload", "progress", task="create-workload-cluster", level=3,
                            message="Machine cp-1: action 2/5 'write netplan config' started",
                            timestamp=1_700_000_000.5)
    out = io.StringIO()
    progress = ConsoleProgress(_Console(0, out, io.StringIO()))
    progress.eksa_workflow_event(machine)
    progress.eksa_workflow_event(started)
    assert out.getvalue() == "Machine cp-1: action 1/5 'stream image to disk' succeeded in 35s\n"
    out = io.StringIO()
    progress = ConsoleProgress(_Console(3, out, io.StringIO()))
    progress.eksa_workflow_event(started)
    assert out.getvalue() == "Machine cp-1: action 2/5 'write netplan config' started\n"


def test_progress_from_a_hook_goes_to_the_runner_with_its_details(tmp_path: Path) -> None:
    """``HookContext.progress`` hands message, level and details to the emitter the workflow runner binds (the
    runner's side, events reaching subscribers, runs in the bare metal provider's real create test)."""
    import threading

    from eksa_core.context import HookContext

    sent: list[tuple[str, int, dict[str, object]]] = []
    ctx = HookContext(cluster_dir=tmp_path, emit_progress=lambda m, lvl, d: sent.append((m, lvl, d)))
    worker = threading.Thread(target=lambda: ctx.progress("Machine m1: provisioning workflow ns/wf is running",
                                                          machine="m1", state="STATE_RUNNING"))
    worker.start()
    worker.join()
    assert sent == [("Machine m1: provisioning workflow ns/wf is running", 0,
                     {"machine": "m1", "state": "STATE_RUNNING"})]


# -- entry points -------------------------------------------------------------------------------------------


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "eksa_core", "validate", "-f", "absent.yaml"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: the cluster config file absent.yaml does not exist")
    assert "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "eksa_core", "version"], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert (done.returncode, done.stdout) == (0, f"Version: v{__version__}\n")
