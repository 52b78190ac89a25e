"""A workflow run in its own process, for the SIGKILL resume tests (``test_sigkill_resume.py``).

Usage: ``python sigkill_child.py '<json>'`` with ``workflow`` (create/upgrade/delete), ``workdir``, ``bootstrap`` and
``management`` (``{"url", "token"}`` of API-server doubles served by the test process), ``resume`` and
``kill_after_task`` (the process SIGKILLs itself right after that task's checkpoint is written). The doubles and the
Cluster API controller simulation live in the test process, so the clusters survive the kill; what stands in for
kind and clusterctl here keeps its state in files of the work folder (a killed process loses nothing else).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from eksa_core import hookimpl  # noqa: E402
from eksa_core.bootstrap import BootstrapClusterOptions, Bootstrapper, bootstrap_cluster_name  # noqa: E402
from eksa_core.context import ClusterHandle  # noqa: E402
from eksa_core.plugins import ComponentChangeDiff, WorkflowEvent  # noqa: E402
from eksa_core.spec import Spec  # noqa: E402
from eksa_core.workflows import (  # noqa: E402
    ClusterAPIInstaller,
    ComponentsRequest,
    create_cluster,
    delete_cluster,
    upgrade_cluster,
)
from tests.workflows.harness import ENV, make_plugins, make_spec, options, spec_text  # noqa: E402


def kubeconfig(server: dict[str, str]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "c",
                       "clusters": [{"name": "c", "cluster": {"server": server["url"]}}],
                       "users": [{"name": "c", "user": {"token": server["token"]}}],
                       "contexts": [{"name": "c", "context": {"cluster": "c", "user": "c"}}]})


class FileKindBootstrapper(Bootstrapper):
    """The "kind cluster" is the bootstrap double; whether it exists is a file (it outlives a killed run)."""

    def __init__(self, server: dict[str, str], state: Path) -> None:
        self.server = server
        self.state = state

    def create(self, spec: Spec, options: BootstrapClusterOptions) -> ClusterHandle:
        name = bootstrap_cluster_name(spec.name)
        path = options.generated_dir / f"{spec.name}.kind.kubeconfig"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(kubeconfig(self.server))
        os.chmod(path, 0o600)
        self.state.mkdir(parents=True, exist_ok=True)
        (self.state / name).write_text("live")
        return ClusterHandle(name, path)

    def delete(self, handle: ClusterHandle) -> None:
        (self.state / handle.name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return (self.state / name).is_file()


class FileInstaller(ClusterAPIInstaller):
    """Stands in for clusterctl (the kinds are served by the doubles from the start); calls go to a file."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def _note(self, what: str, cluster: ClusterHandle) -> None:
        with open(self.log, "a") as fh:
            fh.write(f"{what} {cluster.name}\n")

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._note("init", cluster)

    def upgrade(self, cluster: ClusterHandle, request: ComponentsRequest,
                current: ComponentsRequest | None) -> list[ComponentChangeDiff]:
        self._note("upgrade", cluster)
        return [ComponentChangeDiff("testprovider", "v0.1.0", "v0.2.0")]

    def ensure_etcd_providers(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._note("ensure-etcd", cluster)

    def install_eksa_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._note("eksa", cluster)

    def install_eksd_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._note("eksd", cluster)


class KillAfter:
    """SIGKILLs this process right after ``task`` finished (its checkpoint is on disk by then)."""

    def __init__(self, task: str) -> None:
        self.task = task

    @hookimpl
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        if event.kind in ("task-finished", "task-skipped") and event.task == self.task:
            os.kill(os.getpid(), signal.SIGKILL)


def main(args: dict[str, Any]) -> int:
    os.environ.update(ENV)
    extra = [KillAfter(args["kill_after_task"])] if args.get("kill_after_task") else []
    plugins = make_plugins(*extra)
    workdir = Path(args["workdir"])
    bootstrapper = FileKindBootstrapper(args["bootstrap"], workdir / ".kind-clusters")
    installer = FileInstaller(workdir / ".clusterctl-calls")
    workflow = args["workflow"]
    text = spec_text("mgmt", worker_cpus=8) if workflow == "upgrade" else spec_text("mgmt")
    spec = make_spec(plugins, text)
    common: dict[str, Any] = {"plugins": plugins, "workdir": workdir, "installer": installer, "options": options(),
                              "resume": bool(args.get("resume"))}
    if workflow == "create":
        create_cluster(spec, bootstrapper=bootstrapper, **common)
    elif workflow == "upgrade":
        upgrade_cluster(spec, **common)
    else:
        delete_cluster(spec, bootstrapper=bootstrapper, **common)
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
