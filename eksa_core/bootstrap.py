"""Bootstrap clusters: the temporary cluster a management cluster is created (and deleted) from.

EKS Anywhere creates a local `kind <https://kind.sigs.k8s.io>`_ cluster called ``<cluster>-eks-a-cluster``,
installs Cluster API in it, creates the real cluster from there and then moves the Cluster API objects into the
new cluster. The workflows reach that cluster through the :class:`Bootstrapper` interface:

* :class:`KindBootstrapper` runs the ``kind`` command line (node image from the versions bundle, the provider's
  :class:`~eksa_core.plugins.BootstrapOptions`: proxy environment, extra mounts, host port mappings) and writes
  the cluster's kubeconfig to ``<cluster>/generated/<cluster>.kind.kubeconfig`` with mode 0600;
* :class:`ExistingClusterBootstrapper` uses a cluster that already exists (a user-supplied kubeconfig) and never
  deletes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from .context import ClusterHandle
from .errors import EksaError
from .files import PRIVATE, PUBLIC, write_file_atomic

if TYPE_CHECKING:
    from .plugins import BootstrapOptions
    from .spec import Spec

__all__ = [
    "BootstrapClusterOptions",
    "BootstrapError",
    "Bootstrapper",
    "ExistingClusterBootstrapper",
    "KindBootstrapper",
    "bootstrap_cluster_name",
    "kind_node_image",
]

log = logging.getLogger("eksa.bootstrap")

KIND_KUBECONFIG_SUFFIX = ".kind.kubeconfig"


class BootstrapError(EksaError):
    """A bootstrap cluster could not be created, found or deleted."""


def bootstrap_cluster_name(cluster_name: str) -> str:
    """EKS Anywhere's bootstrap (kind) cluster name: ``<cluster>-eks-a-cluster``."""
    return f"{cluster_name}-eks-a-cluster"


def kind_node_image(spec: Spec) -> str | None:
    """The kind node image of the spec's versions bundle (``eksD.kindNode.uri``), ``None`` when unknown."""
    try:
        bundle: Any = spec.versions_bundle()
    except Exception:
        return None
    for path in (("eksd", "kind_node", "uri"), ("eks_d", "kind_node", "uri"), ("eksD", "kindNode", "uri")):
        value: Any = bundle
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
            if value is None:
                break
        if isinstance(value, str) and value:
            return value
    return None


@attrs.define
class BootstrapClusterOptions:
    """What a :class:`Bootstrapper` needs to create a bootstrap cluster for one spec.

    :ivar cluster_dir: the cluster's working folder ``<cluster>/``; the kubeconfig goes to its ``generated/``.
    :ivar provider: the provider's :class:`~eksa_core.plugins.BootstrapOptions` (``None``: no extras).
    :ivar node_image: the kind node image (default: from the versions bundle).
    :ivar env: environment of the ``kind`` process (proxy variables from ``provider.env`` are added).
    """

    cluster_dir: Path
    provider: BootstrapOptions | None = None
    node_image: str | None = None
    env: Mapping[str, str] | None = None

    @property
    def generated_dir(self) -> Path:
        return self.cluster_dir / "generated"


class Bootstrapper(ABC):
    """Creates, finds and deletes bootstrap clusters."""

    #: ``True`` when :meth:`delete` leaves the cluster standing (a cluster the user supplied): a create then removes
    #: from it, before "deleting" it, the EKS Anywhere objects it wrote there, which live on the new management
    #: cluster after the move.
    keeps_cluster: bool = False

    @abstractmethod
    def create(self, spec: Spec, options: BootstrapClusterOptions) -> ClusterHandle:
        """Create the bootstrap cluster of ``spec`` (or adopt it when it already exists) and return its handle."""

    @abstractmethod
    def delete(self, handle: ClusterHandle) -> None:
        """Delete the bootstrap cluster (nothing happens when it does not exist)."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether a bootstrap cluster called ``name`` exists."""


def _write_private(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` with mode 0600 (atomically, never readable by others in between)."""
    write_file_atomic(path, content, mode=PRIVATE)


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class KindBootstrapper(Bootstrapper):
    """Bootstrap clusters made with the ``kind`` command line.

    :param kind_binary: the ``kind`` executable (default: ``kind`` on ``PATH``).
    :param runner: runs a command (``subprocess.run`` signature); injectable for tests.
    :param wait: the ``--wait`` duration given to ``kind create cluster``.
    """

    def __init__(
        self,
        kind_binary: str = "kind",
        *,
        runner: Runner = subprocess.run,
        wait: str = "5m",
    ) -> None:
        self.kind_binary = kind_binary
        self.runner = runner
        self.wait = wait

    def _run(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        binary = self.kind_binary
        if self.runner is subprocess.run and shutil.which(binary) is None:
            raise BootstrapError(f"the kind executable {binary!r} was not found on PATH")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        result = self.runner([binary, *args], capture_output=True, text=True, env=full_env, check=False)
        if result.returncode != 0:
            raise BootstrapError(f"kind {' '.join(args[:2])} failed: {(result.stderr or '').strip()[-2000:]}")
        return result

    def kind_config(self, spec: Spec, options: BootstrapClusterOptions) -> dict[str, Any]:
        """The kind cluster configuration written to ``generated/kind_tmp.yaml``."""
        node: dict[str, Any] = {"role": "control-plane"}
        provider = options.provider
        if provider is not None and provider.extra_mounts:
            node["extraMounts"] = [{"hostPath": host, "containerPath": guest} for host, guest in provider.extra_mounts]
        if provider is not None and provider.extra_port_mappings:
            node["extraPortMappings"] = [
                {"containerPort": port, "hostPort": port} for port in provider.extra_port_mappings
            ]
        return {"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4", "nodes": [node]}

    def create(self, spec: Spec, options: BootstrapClusterOptions) -> ClusterHandle:
        name = bootstrap_cluster_name(spec.name)
        kubeconfig = options.generated_dir / f"{spec.name}{KIND_KUBECONFIG_SUFFIX}"
        env = dict(options.env or {})
        if options.provider is not None:
            env.update(options.provider.env)
        if self.exists(name):
            log.info("bootstrap cluster %s exists already; using it", name)
            result = self._run(["get", "kubeconfig", "--name", name], env)
            _write_private(kubeconfig, result.stdout)
            return ClusterHandle(name, kubeconfig)
        config_path = options.generated_dir / "kind_tmp.yaml"
        write_file_atomic(config_path, yaml.safe_dump(self.kind_config(spec, options), sort_keys=False), mode=PUBLIC)
        args = ["create", "cluster", "--name", name, "--kubeconfig", str(kubeconfig), "--config", str(config_path)]
        image = options.node_image or kind_node_image(spec)
        if image:
            args += ["--image", image]
        if self.wait:
            args += ["--wait", self.wait]
        self._run(args, env)
        if kubeconfig.exists():
            os.chmod(kubeconfig, 0o600)
        else:  # kind versions that ignore --kubeconfig for export
            result = self._run(["get", "kubeconfig", "--name", name], env)
            _write_private(kubeconfig, result.stdout)
        return ClusterHandle(name, kubeconfig)

    def delete(self, handle: ClusterHandle) -> None:
        if not self.exists(handle.name):
            return
        args = ["delete", "cluster", "--name", handle.name]
        if handle.kubeconfig is not None:
            args += ["--kubeconfig", str(handle.kubeconfig)]
        self._run(args)

    def exists(self, name: str) -> bool:
        result = self._run(["get", "clusters"])
        return name in {line.strip() for line in (result.stdout or "").splitlines()}


class ExistingClusterBootstrapper(Bootstrapper):
    """A cluster that already exists, reached through a user-supplied kubeconfig; it is never deleted."""

    keeps_cluster = True

    def __init__(self, kubeconfig: str | os.PathLike[str], name: str | None = None) -> None:
        self.kubeconfig = Path(kubeconfig)
        self.name = name

    def create(self, spec: Spec, options: BootstrapClusterOptions) -> ClusterHandle:
        if not self.kubeconfig.is_file():
            raise BootstrapError(f"kubeconfig {self.kubeconfig} does not exist")
        return ClusterHandle(self.name or bootstrap_cluster_name(spec.name), self.kubeconfig)

    def delete(self, handle: ClusterHandle) -> None:
        log.info("bootstrap cluster %s was supplied by the user; it is not deleted", handle.name)

    def exists(self, name: str) -> bool:
        return self.kubeconfig.is_file()
