"""The Docker engine boundary and the cluster's node containers.

Everything the provider asks the Docker engine goes through :class:`DockerEngine`, which runs the ``docker``
command line through a *runner*: a callable taking the arguments after ``docker`` and returning a
:class:`CommandResult`. The real runner is :func:`run_docker` (``subprocess``, no shell); tests hand a recorded
fake. A hook finds the runner in the :class:`DockerSettings` the caller passed in the call context (``options=
{"settings": [DockerSettings(runner=...)]}``, read with ``context.settings(DockerSettings)``); default
:func:`run_docker`.

A CAPD cluster's nodes (control plane, etcd, workers) and its HAProxy load balancer are containers labelled
``io.x-k8s.kind.cluster=<cluster name>``; :func:`eksa_cleanup_machines` removes those left after a delete and
never touches a container without that exact label value.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from eksa_core import EksaError, hookimpl
from eksa_core.provider import HookContext, Spec

__all__ = [
    "CLUSTER_LABEL",
    "CommandResult",
    "Container",
    "DockerEngine",
    "DockerError",
    "DockerSettings",
    "Runner",
    "eksa_cleanup_machines",
    "eksa_machine_configs",
    "engine_for",
    "run_docker",
]

CLUSTER_LABEL = "io.x-k8s.kind.cluster"
"""Label CAPD (and kind) put on every container of a cluster; its value is the cluster name."""

DEFAULT_TIMEOUT = 120.0
"""Seconds one ``docker`` command may take."""


class DockerError(EksaError):
    """The Docker engine cannot be reached or a ``docker`` command failed."""


@attrs.frozen
class CommandResult:
    """What one ``docker`` command did."""

    args: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def error_text(self) -> str:
        """The first non-empty line of stderr (or stdout), for messages."""
        for line in (self.stderr or self.stdout).splitlines():
            if line.strip():
                return line.strip()
        return f"exit status {self.returncode}"


Runner = Callable[[Sequence[str]], CommandResult]
"""Runs ``docker <args>`` and returns its result (raises :class:`DockerError` when docker cannot be run)."""


def run_docker(args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
    """The real runner: ``docker <args>`` through :mod:`subprocess` (no shell)."""
    argv = ["docker", *args]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise DockerError("docker is not installed: the docker executable was not found on PATH. "
                          "Please check if docker is installed and running") from None
    except subprocess.TimeoutExpired:
        raise DockerError(f"docker {' '.join(args)} did not answer within {timeout:.0f}s; "
                          "please check if docker is installed and running") from None
    return CommandResult(tuple(args), done.returncode, done.stdout or "", done.stderr or "")


@attrs.frozen
class Container:
    """A container as ``docker ps`` lists it."""

    id: str
    name: str
    state: str
    labels: dict[str, str] = attrs.field(factory=dict)


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            labels[key.strip()] = value
    return labels


class DockerEngine:
    """The questions the provider asks the Docker engine, over a :data:`Runner`."""

    def __init__(self, runner: Runner | None = None) -> None:
        self.runner: Runner = runner or run_docker

    def _run(self, *args: str) -> CommandResult:
        return self.runner(list(args))

    # -- engine ---------------------------------------------------------------------------------------------

    def client_major_version(self) -> int:
        """Major version of the docker client (``docker version --format {{.Client.Version}}``)."""
        result = self._run("version", "--format", "{{.Client.Version}}")
        text = result.stdout.strip()
        if not text:
            raise DockerError(f"please check if docker is installed and running: {result.error_text()}")
        major = text.split(".")[0]
        try:
            return int(major)
        except ValueError:
            raise DockerError(f"cannot read the docker version {text!r}") from None

    def info(self) -> dict[str, Any]:
        """``docker info`` of the engine; a :class:`DockerError` when the engine cannot be reached."""
        result = self._run("info", "--format", "{{json .}}")
        data: Any = None
        if result.ok:
            try:
                data = json.loads(result.stdout)
            except ValueError:
                data = None
        if not isinstance(data, dict) or (data.get("ServerErrors") and not data.get("ServerVersion")):
            detail = result.error_text()
            if isinstance(data, dict) and data.get("ServerErrors"):
                detail = str(data["ServerErrors"][0])
            raise DockerError(f"cannot reach the Docker engine ({detail}); please check if docker is installed "
                              "and running")
        return data

    # -- containers -----------------------------------------------------------------------------------------

    def cluster_containers(self, cluster_name: str) -> list[Container]:
        """Every container (running or not) labelled ``io.x-k8s.kind.cluster=<cluster_name>``."""
        result = self._run("ps", "-a", "--filter", f"label={CLUSTER_LABEL}={cluster_name}",
                           "--format", "{{json .}}")
        if not result.ok:
            raise DockerError(f"listing the containers of cluster {cluster_name}: {result.error_text()}")
        containers: list[Container] = []
        for line in result.stdout.splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise DockerError(f"unexpected docker ps output: {line[:200]!r}") from None
            labels = row.get("Labels")
            container = Container(
                id=str(row.get("ID", "")),
                name=str(row.get("Names", "")),
                state=str(row.get("State", "")),
                labels=_parse_labels(labels) if isinstance(labels, str) else dict(labels or {}),
            )
            # the engine filtered by label already; check again so nothing else can ever be removed
            if container.id and container.labels.get(CLUSTER_LABEL) == cluster_name:
                containers.append(container)
        return containers

    def remove_containers(self, containers: Sequence[Container]) -> None:
        """Force-remove ``containers`` and their anonymous volumes."""
        if not containers:
            return
        result = self._run("rm", "--force", "--volumes", *[c.id for c in containers])
        if not result.ok:
            raise DockerError(f"removing containers {', '.join(c.name for c in containers)}: {result.error_text()}")

    def load_balancer_port(self, cluster_name: str) -> str:
        """Host port the cluster's load balancer container publishes for the API server (6443/tcp)."""
        result = self._run("port", f"{cluster_name}-lb", "6443/tcp")
        if not result.ok:
            raise DockerError(f"reading the load balancer port of cluster {cluster_name}: {result.error_text()}")
        first = next((line.strip() for line in result.stdout.splitlines() if line.strip()), "")
        port = first.rpartition(":")[2]
        if not port.isdigit():
            raise DockerError(f"unexpected docker port output for {cluster_name}-lb: {first!r}")
        return port


@attrs.frozen
class DockerSettings:
    """The Docker provider's settings of a call (``context.settings(DockerSettings)``).

    :ivar runner: the :data:`Runner` the engine's commands go through (default :func:`run_docker`): an SDK user's
        own, or a test's recorded fake.
    """

    runner: Runner | None = None


def engine_for(context: HookContext | None) -> DockerEngine:
    """The :class:`DockerEngine` of a hook call (the runner of the context's :class:`DockerSettings`, or the real
    docker)."""
    settings = context.settings(DockerSettings) if context is not None else None
    return DockerEngine(settings.runner if settings is not None else None)


@hookimpl
def eksa_machine_configs(spec: Spec) -> list[Any]:
    """Docker has no machine config kind: none."""
    return []


@hookimpl
def eksa_cleanup_machines(spec: Spec, context: HookContext) -> None:
    """Remove the cluster's node and load balancer containers left after the delete.

    Only containers labelled ``io.x-k8s.kind.cluster=<cluster name>`` are removed. In a dry run nothing is asked
    of the engine; the action is recorded.
    """
    name = spec.name
    if context.dry_run:
        context.record("remove-containers", cluster=name, selector=f"label={CLUSTER_LABEL}={name}")
        return
    engine = engine_for(context)
    containers = engine.cluster_containers(name)
    if not containers:
        context.log.debug("no containers left for cluster %s", name)
        return
    context.log.log(logging.INFO - 3, "Removing %d leftover containers of cluster %s", len(containers), name)
    engine.remove_containers(containers)
    context.record("remove-containers", cluster=name, containers=[c.name for c in containers])
