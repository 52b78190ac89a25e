"""Resume after a real SIGKILL: each workflow runs in its own process (``sigkill_child.py``), which is killed
(SIGKILL, no cleanup of any kind) at every task boundary, and, in a second chain, by the test process right
before mutating API requests (the request is never served); each killed run is resumed by a new process. The end
state (cluster objects, files) must be the one an uninterrupted run reaches, for create, upgrade and delete.

The clusters are API-server doubles served by this process, with the Cluster API controller simulation, so they
outlive the killed processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core.testing.apiserver_double import FaultInjectionAPIServer, InjectedFailure, RequestInfo

from .harness import CAPI_KINDS, EKSA_KINDS, ControllerSimulation, add_node, snapshot
from .test_create import MANAGEMENT_TASKS
from .test_resume import DELETE_TASKS, UPGRADE_TASKS

CHILD = Path(__file__).with_name("sigkill_child.py")
TASKS = {"create": MANAGEMENT_TASKS, "upgrade": UPGRADE_TASKS, "delete": DELETE_TASKS}
IGNORED = (".kind-clusters", ".clusterctl-calls", "eksa-cli-logs")


@dataclass
class World:
    """Two doubles (bootstrap, management) serving every kind, their controllers, and a killer of child runs."""

    workdir: Path
    bootstrap: FaultInjectionAPIServer
    management: FaultInjectionAPIServer
    controllers: dict[str, ControllerSimulation | None] = field(default_factory=dict)
    child: subprocess.Popen[str] | None = None
    kill_before_mutation: int | None = None  # kill the running child before its n-th mutating request (1-based)
    mutations: int = 0
    kills: list[str] = field(default_factory=list)

    def hook(self, name: str) -> Any:
        def before(info: RequestInfo) -> InjectedFailure | None:
            if info.mutating and self.child is not None and self.kill_before_mutation is not None:
                self.mutations += 1
                if self.mutations == self.kill_before_mutation:
                    os.kill(self.child.pid, signal.SIGKILL)
                    self.kills.append(f"{info.method} {info.path}")
                    return InjectedFailure(disconnect=True, times=None)
            controller = self.controllers.get(name)
            return controller(info) if controller is not None else None

        return before

    def run(self, workflow: str, *, resume: bool = False, kill_after_task: str | None = None,
            kill_before_mutation: int | None = None) -> int:
        args = {"workflow": workflow, "workdir": str(self.workdir), "resume": resume,
                "kill_after_task": kill_after_task,
                "bootstrap": {"url": self.bootstrap.url, "token": self.bootstrap.token},
                "management": {"url": self.management.url, "token": self.management.token}}
        self.mutations = 0
        self.kill_before_mutation = kill_before_mutation
        self.child = subprocess.Popen([sys.executable, str(CHILD), json.dumps(args)], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
        try:
            out, err = self.child.communicate(timeout=300)
        finally:
            code = self.child.wait()
            self.child = None
            self.kill_before_mutation = None
        if code not in (0, -signal.SIGKILL):
            raise AssertionError(f"{workflow} run failed ({code}):\n{err[-3000:]}{out[-1000:]}")
        return code

    def state(self) -> dict[str, Any]:
        files: dict[str, Any] = {}
        for path in sorted(self.workdir.rglob("*")):
            rel = str(path.relative_to(self.workdir))
            if not path.is_file() or rel.startswith(IGNORED) or "/generated/logs/" in rel:
                continue
            if rel.endswith(".kubeconfig"):
                files[rel] = yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"] == \
                    self.management.url
            else:
                files[rel] = path.read_bytes()
        return {"bootstrap": snapshot(self.bootstrap), "management": snapshot(self.management), "files": files}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from _world(tmp_path / "work")


def _world(workdir: Path) -> Iterator[World]:
    workdir.mkdir(parents=True)
    with FaultInjectionAPIServer(token=uuid.uuid4().hex) as bootstrap, \
            FaultInjectionAPIServer(token=uuid.uuid4().hex) as management:
        for double in (bootstrap, management):
            double.register_kind("v1", "Node", namespaced=False)
            double.register_kinds(CAPI_KINDS + EKSA_KINDS)  # what clusterctl and the EKS-A install would add
        add_node(management, "node-1")
        w = World(workdir, bootstrap, management)
        w.controllers = {"bootstrap": ControllerSimulation(bootstrap, management),
                         "management": ControllerSimulation(management, management)}
        bootstrap.before_request = w.hook("bootstrap")
        management.before_request = w.hook("management")
        yield w


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The end states of uninterrupted create, upgrade and delete runs (each in its own process)."""
    states: dict[str, dict[str, Any]] = {}
    for w in _world(tmp_path_factory.mktemp("reference") / "work"):
        for workflow in ("create", "upgrade", "delete"):
            if workflow == "delete":
                w.controllers["bootstrap"] = None  # the delete's bootstrap cluster has no controller
            assert w.run(workflow) == 0
            states[workflow] = w.state()
    return states


def _prepare(w: World, workflow: str) -> None:
    for earlier in ("create", "upgrade", "delete"):
        if earlier == workflow:
            break
        assert w.run(earlier) == 0
    if workflow == "delete":
        w.controllers["bootstrap"] = None


@pytest.mark.parametrize("workflow", ["create", "upgrade", "delete"])
def test_sigkill_at_every_task_boundary_then_resume(world: World, reference: dict[str, Any], workflow: str) -> None:
    _prepare(world, workflow)
    killed = 0
    for task in TASKS[workflow]:
        code = world.run(workflow, resume=killed > 0, kill_after_task=task)
        if code == 0:  # the task is one a resumed run only restores (or the run ended before it): nothing to kill
            break
        killed += 1
    else:
        assert world.run(workflow, resume=True) == 0
    assert killed >= len(TASKS[workflow]) - 1, f"only {killed} kills in {workflow}"
    assert_same(world.state(), reference[workflow])


@pytest.mark.parametrize("workflow", ["create", "upgrade", "delete"])
def test_sigkill_before_mutating_requests_then_resume(world: World, reference: dict[str, Any], workflow: str
                                                      ) -> None:
    _prepare(world, workflow)
    # run r is killed before its r-th mutating request, so the kill points move through the workflow until a
    # run gets to the end
    for r in range(1, 200):
        if world.run(workflow, resume=r > 1, kill_before_mutation=r) == 0:
            break
    else:
        raise AssertionError("the workflow never finished")
    assert len(world.kills) >= 3, world.kills
    assert_same(world.state(), reference[workflow], world.kills)


def assert_same(state: dict[str, Any], expected: dict[str, Any], kills: list[str] | None = None) -> None:
    """Compare end states, naming what differs (and where the runs were killed)."""
    problems: list[str] = []
    for part in ("bootstrap", "management", "files"):
        got, want = state[part], expected[part]
        for key in sorted(set(got) | set(want), key=str):
            if key not in want:
                problems.append(f"{part}: unexpected {key}")
            elif key not in got:
                problems.append(f"{part}: missing {key}")
            elif got[key] != want[key]:
                problems.append(f"{part}: {key} differs: {got[key]!r:.300} != {want[key]!r:.300}")
    assert not problems, "\n".join(problems + [f"killed before: {k}" for k in kills or []])
