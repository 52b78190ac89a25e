"""The Docker engine boundary (docker CLI) and container cleanup, with a recorded fake runner."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from eksa_docker.lifecycle import rewrite_kubeconfig_server, update_kubeconfig
from eksa_docker.machines import (
    CommandResult,
    DockerEngine,
    DockerError,
    DockerSettings,
    eksa_cleanup_machines,
    eksa_machine_configs,
    run_docker,
)

from eksa_core.context import HookContext
from eksa_core.spec import Spec, parse_cluster_config


class FakeDockerRunner:
    """Stand-in for the ``docker`` CLI: answers with recorded outputs chosen by the longest matching argument
    prefix, and records every call. A call nothing matches fails the test."""

    def __init__(self, answers: dict[tuple[str, ...], CommandResult | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, args: Sequence[str]) -> CommandResult:
        call = tuple(args)
        self.calls.append(call)
        best = max((p for p in self.answers if call[: len(p)] == p), key=len, default=None)
        if best is None:
            raise AssertionError(f"unexpected docker call: docker {' '.join(call)}")
        answer = self.answers[best]
        if isinstance(answer, Exception):
            raise answer
        return CommandResult(call, answer.returncode, answer.stdout, answer.stderr)


def ok(stdout: str = "") -> CommandResult:
    return CommandResult((), 0, stdout, "")


def failed(stderr: str, stdout: str = "", code: int = 1) -> CommandResult:
    return CommandResult((), code, stdout, stderr)


DAEMON_DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"


def ps_line(cid: str, name: str, labels: str, state: str = "running") -> str:
    # the shape `docker ps --format '{{json .}}'` prints (docker 28)
    return json.dumps({"Command": '"/usr/local/bin/entr…"', "CreatedAt": "2025-06-01 10:00:00 +0000 UTC",
                       "ID": cid, "Image": "kindest/node:v1.29.2", "Labels": labels, "LocalVolumes": "1",
                       "Mounts": "/lib/modules", "Names": name, "Networks": "kind", "Ports": "",
                       "RunningFor": "2 hours ago", "Size": "0B", "State": state, "Status": "Up 2 hours"})


DOCKER_SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: dev
spec:
  kubernetesVersion: "1.29"
  controlPlaneConfiguration:
    count: 1
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


def docker_spec() -> Spec:
    return Spec(parse_cluster_config(DOCKER_SPEC, file="dev.yaml"))


# -- engine questions ---------------------------------------------------------------------------------------


def test_client_major_version_read_even_when_daemon_is_down() -> None:
    runner = FakeDockerRunner({("version",): failed(DAEMON_DOWN, stdout="28.2.2\n")})
    assert DockerEngine(runner).client_major_version() == 28
    assert runner.calls == [("version", "--format", "{{.Client.Version}}")]


def test_client_version_missing_is_a_clear_error() -> None:
    runner = FakeDockerRunner({("version",): failed("permission denied while trying to connect\n")})
    with pytest.raises(DockerError, match="please check if docker is installed and running: permission denied"):
        DockerEngine(runner).client_major_version()


def test_info_of_unreachable_engine_names_the_reason() -> None:
    # what docker 28 prints when no daemon answers: client-only JSON on stdout, exit 1, reason on stderr
    stdout = json.dumps({"ServerVersion": "", "MemTotal": 0, "ClientInfo": {"Version": "28.2.2"}})
    runner = FakeDockerRunner({("info",): failed(DAEMON_DOWN, stdout=stdout)})
    with pytest.raises(DockerError) as exc:
        DockerEngine(runner).info()
    assert "cannot reach the Docker engine (Cannot connect to the Docker daemon" in str(exc.value)
    assert "please check if docker is installed and running" in str(exc.value)


def test_info_returns_engine_facts() -> None:
    info = {"ServerVersion": "27.1.1", "MemTotal": 16_000_000_000, "CgroupDriver": "systemd", "CgroupVersion": "2"}
    runner = FakeDockerRunner({("info",): ok(json.dumps(info))})
    assert DockerEngine(runner).info()["MemTotal"] == 16_000_000_000


def test_real_docker_cli_without_daemon_gives_clear_message() -> None:
    """The real runner against the real docker CLI, when no engine answers here."""
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI installed")
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0:
        pytest.skip("a Docker engine is reachable here; this test covers the unreachable case")
    with pytest.raises(DockerError, match="cannot reach the Docker engine"):
        DockerEngine(run_docker).info()


def test_missing_docker_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DockerError, match="docker executable was not found on PATH"):
        run_docker(["version"])


# -- containers ---------------------------------------------------------------------------------------------


def test_lists_only_the_clusters_containers() -> None:
    out = "\n".join([
        ps_line("a1", "dev-lb", "io.x-k8s.kind.cluster=dev,io.x-k8s.kind.role=external-load-balancer"),
        ps_line("a2", "dev-control-plane-x7k2p", "io.x-k8s.kind.cluster=dev,io.x-k8s.kind.role=control-plane"),
        # an engine that ignored the filter must still not make us touch other clusters' containers
        ps_line("b1", "dev-2-md-0-abc", "io.x-k8s.kind.cluster=dev-2,io.x-k8s.kind.role=worker"),
        ps_line("c1", "dev-registry", "app=registry"),
    ]) + "\n"
    runner = FakeDockerRunner({("ps",): ok(out)})
    containers = DockerEngine(runner).cluster_containers("dev")
    assert [c.name for c in containers] == ["dev-lb", "dev-control-plane-x7k2p"]
    assert runner.calls == [("ps", "-a", "--filter", "label=io.x-k8s.kind.cluster=dev", "--format", "{{json .}}")]


def test_cleanup_removes_the_clusters_containers() -> None:
    out = "\n".join([
        ps_line("a1", "dev-lb", "io.x-k8s.kind.cluster=dev"),
        ps_line("a2", "dev-md-0-5d9c8-q2xv", "io.x-k8s.kind.cluster=dev", state="exited"),
    ])
    runner = FakeDockerRunner({("ps",): ok(out), ("rm",): ok("a1\na2\n")})
    context = HookContext(cluster_dir=Path("dev"), options={"settings": [DockerSettings(runner=runner)]})
    eksa_cleanup_machines(docker_spec(), context)
    assert runner.calls[-1] == ("rm", "--force", "--volumes", "a1", "a2")
    assert context.recorded == [{"action": "remove-containers", "cluster": "dev",
                                 "containers": ["dev-lb", "dev-md-0-5d9c8-q2xv"]}]


def test_cleanup_with_nothing_left_removes_nothing() -> None:
    runner = FakeDockerRunner({("ps",): ok("")})
    eksa_cleanup_machines(docker_spec(), HookContext(cluster_dir=Path("dev"),
                                                     options={"settings": [DockerSettings(runner=runner)]}))
    assert [c[0] for c in runner.calls] == ["ps"]


def test_cleanup_in_dry_run_asks_nothing() -> None:
    runner = FakeDockerRunner({})
    context = HookContext(cluster_dir=Path("dev"), dry_run=True, options={"settings": [DockerSettings(runner=runner)]})
    eksa_cleanup_machines(docker_spec(), context)
    assert runner.calls == []
    assert context.recorded[0]["selector"] == "label=io.x-k8s.kind.cluster=dev"


def test_cleanup_failure_is_reported() -> None:
    runner = FakeDockerRunner({("ps",): ok(ps_line("a1", "dev-lb", "io.x-k8s.kind.cluster=dev")),
                               ("rm",): failed("Error response from daemon: device or resource busy\n")})
    with pytest.raises(DockerError, match="removing containers dev-lb: Error response from daemon"):
        eksa_cleanup_machines(docker_spec(), HookContext(cluster_dir=Path("dev"),
                                                         options={"settings": [DockerSettings(runner=runner)]}))


def test_no_machine_configs() -> None:
    assert eksa_machine_configs(docker_spec()) == []


# -- kubeconfig ---------------------------------------------------------------------------------------------

KUBECONFIG = """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi==
    server: https://172.18.0.3:6443
  name: dev
contexts:
- context: {cluster: dev, user: dev-admin}
  name: dev-admin@dev
kind: Config
"""


def test_kubeconfig_points_at_the_load_balancer_port() -> None:
    runner = FakeDockerRunner({("port",): ok("0.0.0.0:32768\n[::]:32768\n")})
    updated = update_kubeconfig(KUBECONFIG, "dev", DockerEngine(runner))
    assert "    server: https://127.0.0.1:32768\n" in updated
    assert updated.replace("https://127.0.0.1:32768", "https://172.18.0.3:6443") == KUBECONFIG
    assert runner.calls == [("port", "dev-lb", "6443/tcp")]


def test_kubeconfig_rewrite_rejects_bad_port() -> None:
    with pytest.raises(ValueError):
        rewrite_kubeconfig_server(KUBECONFIG, "not-a-port")


def test_load_balancer_missing() -> None:
    runner = FakeDockerRunner({("port",): failed("Error response from daemon: No such container: dev-lb\n")})
    with pytest.raises(DockerError, match="No such container: dev-lb"):
        DockerEngine(runner).load_balancer_port("dev")
