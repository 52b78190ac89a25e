"""What a provider hook is handed besides the spec: where it may write, which environment it sees, whether
this is a dry run, how it logs, and how it reaches a cluster."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .kube.client import KubeClient

__all__ = ["ClusterHandle", "HookContext"]

logger = logging.getLogger("eksa")


@attrs.define
class ClusterHandle:
    """A cluster the workflow talks to: the bootstrap (kind) cluster, the management or the workload cluster."""

    name: str
    kubeconfig: Path | None = None


@attrs.define
class HookContext:
    """Collaborators handed to lifecycle hooks.

    :ivar cluster_dir: the cluster's working folder (``./<cluster>/``); temporary files go in ``generated_dir``.
    :ivar env: the environment the provider reads credentials from (``os.environ`` unless a caller passes another).
    :ivar dry_run: when true a hook must not touch any cluster or infrastructure; it records what it would do
        with :meth:`record` instead.
    :ivar kube_factory: builds a :class:`~eksa_core.kube.KubeClient` from a kubeconfig path.
    :ivar options: CLI/SDK options (``skip_ip_check``, ``skip_validations``, ``hardware_csv``...). The workflows
        set ``management_kubeconfig`` (a path) whenever the management cluster is known: for a workload cluster it
        is the managing cluster, for a management cluster the cluster itself once it exists.
    """

    cluster_dir: Path
    env: Mapping[str, str] = attrs.field(factory=lambda: dict(os.environ))
    dry_run: bool = False
    kube_factory: Callable[[Path], KubeClient] | None = None
    options: dict[str, Any] = attrs.field(factory=dict)
    recorded: list[dict[str, Any]] = attrs.field(factory=list)
    log: logging.Logger = logger
    #: Where :meth:`progress` reports go: the workflow runner sets it to send ``progress`` workflow events.
    emit_progress: Callable[[str, int, dict[str, Any]], None] | None = None

    @property
    def generated_dir(self) -> Path:
        """``<cluster>/generated/``: temporary files, kept on failure for debugging."""
        return self.cluster_dir / "generated"

    def kube(self, cluster: ClusterHandle) -> KubeClient:
        """A Kubernetes client for ``cluster`` (raises in a dry run: nothing may be touched)."""
        if self.dry_run:
            raise RuntimeError("dry run: no cluster may be contacted")
        if cluster.kubeconfig is None:
            raise RuntimeError(f"no kubeconfig known for cluster {cluster.name}")
        if self.kube_factory is None:
            from .kube.client import KubeClient

            return KubeClient(cluster.kubeconfig)
        return self.kube_factory(cluster.kubeconfig)

    def progress(self, message: str, *, level: int = 0, **details: Any) -> None:
        """Report progress of a long operation (a machine being provisioned...) to the user and to every
        subscriber: a ``progress`` :class:`~eksa_core.plugins.WorkflowEvent` carrying ``message`` (shown at
        verbosity ``level``) and ``details`` (plain values). Safe to call from another thread. Outside a workflow
        the message goes to :attr:`log`."""
        if self.emit_progress is not None:
            self.emit_progress(message, level, dict(details))
        else:
            self.log.log(logging.INFO if level <= 0 else max(logging.INFO - level, logging.DEBUG + 1), "%s",
                         message)

    def record(self, action: str, **details: Any) -> None:
        """Note an action for the plan (always recorded; in a dry run it is all that happens)."""
        self.recorded.append({"action": action, **details})

    def apply(self, cluster: ClusterHandle, objects: list[dict[str, Any]], *, action: str = "apply") -> list[str]:
        """Server-side apply ``objects`` to ``cluster`` (their namespaces are created first), or in a dry run only
        record them. Either way the record holds ``namespace/Kind/name`` of each object, never its content, so
        Secrets can go through here. Returns those names."""
        names = [_object_name(o) for o in objects]
        if not self.dry_run and objects:
            namespaces = sorted({str(o["metadata"]["namespace"]) for o in objects
                                 if (o.get("metadata") or {}).get("namespace")})
            kube = self.kube(cluster)
            for namespace in namespaces:
                kube.create_namespace(namespace)
            kube.apply(objects)
        self.record(action, cluster=cluster.name, objects=names)
        return names


def _object_name(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    return f"{namespace + '/' if namespace else ''}{obj.get('kind', '?')}/{meta.get('name', '?')}"
