"""The task engine: ordered tasks, progress events, checkpoints, resume, failure handling.

A :class:`Task` has a stable :attr:`~Task.name` (EKS Anywhere's task names, which are also the checkpoint keys),
:meth:`~Task.run`, and optionally :meth:`~Task.checkpoint` (a payload saved when it completes) and
:meth:`~Task.restore` (rebuilds the state it would have produced, from that payload, when a resumed run skips
it). A :class:`Workflow` is an ordered list of tasks; :func:`run_workflow` runs it:

* every task start, end, failure and skip, and every user message, is sent as a
  :class:`~eksa_core.plugins.WorkflowEvent` to the ``eksa_workflow_event`` hook of every plugin (an exception
  raised by an observer is logged and ignored) and written, as JSON lines, to ``generated/logs/``;
* after every completed task the checkpoint file ``<cluster>/generated/<cluster>-checkpoint.yaml`` is rewritten
  atomically in EKS Anywhere's format ``completedTasks: {<task>: {checkpoint: <payload or null>}}``;
* with ``resume=True`` the tasks listed in the checkpoint are restored, not run again, and the run continues at
  the first task that is not listed;
* when a task fails, only the first error is kept (as EKS Anywhere does), the task's failure tasks
  (diagnostics, cleanup) run, and :class:`WorkflowError` is raised naming what was kept under ``generated/``;
* on success ``generated/`` is removed.

Secrets never reach checkpoints, events or logs: every text goes through the context's redactor.
"""

from __future__ import annotations

import abc
import datetime as _dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import yaml

from ..errors import EksaError
from ..files import PRIVATE, write_file_atomic
from ..plugins import WorkflowEvent

if TYPE_CHECKING:
    from .context import WorkflowContext

__all__ = [
    "CHECKPOINT_SUFFIX",
    "Checkpoint",
    "Task",
    "Workflow",
    "WorkflowError",
    "WorkflowRun",
    "checkpoint_path",
    "run_workflow",
]

log = logging.getLogger("eksa.workflow")

CHECKPOINT_SUFFIX = "-checkpoint.yaml"

#: Verbosity of task start/finish events (EKS Anywhere logs them at ``V(4)``).
TASK_EVENT_LEVEL = 4


class _NoAliasDumper(yaml.SafeDumper):
    """Safe dumper that writes shared values out in full (no ``&id`` anchors in checkpoints)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class WorkflowError(EksaError):
    """A workflow failed.

    :ivar task: the task that failed first. :ivar cause: the first error (also ``__cause__``).
    :ivar kept: files and folders kept for inspection (``generated/``, checkpoint, bootstrap kubeconfig, logs).
    """

    def __init__(self, message: str, *, workflow: str, task: str | None, cause: BaseException | None,
                 kept: Mapping[str, Path] | None = None) -> None:
        super().__init__(message)
        self.workflow = workflow
        self.task = task
        self.cause = cause
        self.kept = dict(kept or {})


class Task(abc.ABC):
    """One step of a workflow.

    Subclasses set :attr:`name` (stable: it is the checkpoint key) and :attr:`message` (the first user message,
    shown in plans), and implement :meth:`run`.
    """

    name: ClassVar[str] = ""
    #: What the task tells the user when it starts (EKS Anywhere's wording); "" when it says nothing.
    message: ClassVar[str] = ""
    #: A failing non-fatal task only warns (``fatal_message``) and the workflow continues.
    fatal: ClassVar[bool] = True
    #: Names of the failure tasks to run when this task fails (see :attr:`Workflow.failure_tasks`).
    on_failure: ClassVar[tuple[str, ...]] = ()

    def should_run(self, ctx: WorkflowContext) -> bool:
        """Whether the task has anything to do for this spec (a task that returns ``False`` is skipped)."""
        return True

    @abc.abstractmethod
    def run(self, ctx: WorkflowContext) -> None:
        """Do the work (raise to fail the workflow)."""

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        """The data to save when the task completes (plain YAML data, never secrets), or ``None``."""
        return None

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:  # noqa: B027 (optional: most tasks have no state)
        """Rebuild the state this task produces, from its checkpoint ``payload``, in a resumed run."""

    def describe(self, ctx: WorkflowContext) -> str:
        """A one-line description for plans (defaults to the class docstring's first line)."""
        doc = (type(self).__doc__ or "").strip().splitlines()
        return doc[0] if doc else self.name

    def failure_message(self, error: BaseException) -> str:
        """Warning shown when a non-fatal task fails."""
        return f"❌ {self.name} failed: {error}"


@attrs.define
class Workflow:
    """An ordered list of tasks and the failure tasks they may call for.

    :ivar name: e.g. ``create-management``; events carry it. :ivar success_message: printed at the end.
    """

    name: str
    tasks: list[Task]
    failure_tasks: dict[str, Task] = attrs.field(factory=dict)

    def task_names(self) -> list[str]:
        return [t.name for t in self.tasks]


@attrs.define
class Checkpoint:
    """The checkpoint file's content: ``completedTasks: {<task>: {checkpoint: <payload>}}`` (insertion order)."""

    completed: dict[str, Any] = attrs.field(factory=dict)

    def to_data(self) -> dict[str, Any]:
        return {"completedTasks": {name: {"checkpoint": payload} for name, payload in self.completed.items()}}

    @classmethod
    def from_data(cls, data: Any) -> Checkpoint:
        if not isinstance(data, Mapping):
            raise EksaError("checkpoint file is not a mapping")
        tasks = data.get("completedTasks") or {}
        if not isinstance(tasks, Mapping):
            raise EksaError("checkpoint file: completedTasks is not a mapping")
        completed: dict[str, Any] = {}
        for name, entry in tasks.items():
            completed[str(name)] = entry.get("checkpoint") if isinstance(entry, Mapping) else None
        return cls(completed)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint file (an empty checkpoint when the file does not exist)."""
        if not path.exists():
            return cls()
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise EksaError(f"checkpoint file {path} is not valid YAML: {exc}") from None
        return cls.from_data(data or {})

    def save(self, path: Path, redact: Callable[[str], str] = lambda s: s) -> None:
        """Write atomically (a uniquely named temporary file, then a rename), mode 0600, so a crash never leaves
        half a checkpoint and two writers never share a temporary file."""
        text = redact(yaml.dump(self.to_data(), Dumper=_NoAliasDumper, sort_keys=False))
        write_file_atomic(path, text, mode=PRIVATE)


def checkpoint_path(cluster_dir: Path, cluster_name: str) -> Path:
    """``<cluster>/generated/<cluster>-checkpoint.yaml``."""
    return cluster_dir / "generated" / f"{cluster_name}{CHECKPOINT_SUFFIX}"


@attrs.define
class WorkflowRun:
    """What a finished run did: tasks run, restored and skipped, and the events sent."""

    workflow: str
    ran: list[str] = attrs.field(factory=list)
    restored: list[str] = attrs.field(factory=list)
    skipped: list[str] = attrs.field(factory=list)
    events: list[WorkflowEvent] = attrs.field(factory=list)
    duration: float = 0.0


class _EventSink:
    """Sends events to plugins, the Python logger, the run record and the JSON-lines log file."""

    def __init__(self, ctx: WorkflowContext, run: WorkflowRun, log_file: Path | None) -> None:
        self.ctx = ctx
        self.run = run
        self.log_file = log_file
        self._lock = threading.RLock()

    def __call__(self, event: WorkflowEvent) -> None:
        with self._lock:  # providers report progress from their own threads
            self._send(event)

    def _send(self, event: WorkflowEvent) -> None:
        redact = self.ctx.redact
        event = attrs.evolve(event, message=redact(event.message),
                             error=redact(event.error) if event.error is not None else None,
                             details={k: redact(v) if isinstance(v, str) else v for k, v in event.details.items()})
        self.run.events.append(event)
        if event.kind in ("message", "progress"):
            log.log(logging.INFO if event.level == 0 else logging.DEBUG, "%s", event.message)
        else:
            log.debug("%s %s %s", event.kind, event.task, event.error or "")
        if self.log_file is not None and not self.ctx.dry_run:
            try:
                self.log_file.parent.mkdir(parents=True, exist_ok=True)
                with open(self.log_file, "a") as fh:
                    fh.write(json.dumps(attrs.asdict(event), default=str) + "\n")
            except OSError as exc:  # a log we cannot write must not stop the workflow
                log.warning("cannot write workflow log %s: %s", self.log_file, exc)
        for plugin_name, observe in self.ctx.plugins.hooks.workflow_event_observers():
            try:
                observe(event=event)
            except Exception:
                log.exception("workflow event observer %s failed (ignored)", plugin_name)


def run_workflow(workflow: Workflow, ctx: WorkflowContext, *, resume: bool = False) -> WorkflowRun:
    """Run ``workflow`` with ``ctx``; see the module docstring. Raises :class:`WorkflowError` on failure, and
    :class:`~eksa_core.workflows.lock.ClusterFolderLocked` at once when another run holds the cluster folder."""
    from .lock import cluster_folder_lock

    with cluster_folder_lock(ctx.cluster_dir):
        return _run_workflow(workflow, ctx, resume=resume)


def _run_workflow(workflow: Workflow, ctx: WorkflowContext, *, resume: bool) -> WorkflowRun:
    started = time.monotonic()
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H_%M_%S")
    log_file = None if ctx.dry_run else ctx.generated_dir / "logs" / f"{stamp}.log"
    run = WorkflowRun(workflow.name)
    sink = _EventSink(ctx, run, log_file)
    ctx.bind_events(workflow.name, sink)
    cp_path = checkpoint_path(ctx.cluster_dir, ctx.cluster_name)
    checkpoint = Checkpoint.load(cp_path) if resume and not ctx.dry_run else Checkpoint()
    if not resume and not ctx.dry_run and cp_path.exists():
        cp_path.unlink()  # a fresh run starts from scratch
    ctx.resuming = bool(checkpoint.completed)
    ctx.hook_context.resuming = ctx.resuming
    ctx.checkpointed = set(checkpoint.completed)
    previous = dict(checkpoint.completed)
    # completed tasks never regress: what the last run finished stays recorded until this run redoes it
    current = Checkpoint(dict(previous))
    for task in workflow.tasks:
        ctx.current_task = task.name
        if task.name in previous:
            payload = previous[task.name]
            try:
                task.restore(ctx, payload)
            except Exception as exc:
                _fail(workflow, ctx, task, exc, current, cp_path, sink, run, log_file)
            current.completed[task.name] = payload
            run.restored.append(task.name)
            sink(WorkflowEvent(workflow.name, "task-skipped", task=task.name, level=TASK_EVENT_LEVEL,
                               message=f"{task.name} restored from checkpoint"))
            continue
        if not task.should_run(ctx):
            ctx.begin_step(task)
            ctx.record("skip", reason="nothing to do for this spec")
            ctx.end_step()
            run.skipped.append(task.name)
            current.completed[task.name] = None
            _save(current, cp_path, ctx)
            sink(WorkflowEvent(workflow.name, "task-skipped", task=task.name, level=TASK_EVENT_LEVEL,
                               message=f"{task.name} has nothing to do"))
            continue
        sink(WorkflowEvent(workflow.name, "task-started", task=task.name, level=TASK_EVENT_LEVEL))
        ctx.begin_step(task)
        t0 = time.monotonic()
        try:
            task.run(ctx)
        except Exception as exc:
            duration = time.monotonic() - t0
            if not task.fatal:
                ctx.info(task.failure_message(exc))
                sink(WorkflowEvent(workflow.name, "task-failed", task=task.name, duration=duration,
                                   error=_describe(exc), level=TASK_EVENT_LEVEL,
                                   message="non-fatal: the workflow continues"))
            else:
                sink(WorkflowEvent(workflow.name, "task-failed", task=task.name, duration=duration,
                                   error=_describe(exc), level=0))
                _fail(workflow, ctx, task, exc, current, cp_path, sink, run, log_file)
        else:
            duration = time.monotonic() - t0
        finally:
            ctx.end_step()
        payload = task.checkpoint(ctx)
        current.completed[task.name] = payload
        run.ran.append(task.name)
        _save(current, cp_path, ctx)
        sink(WorkflowEvent(workflow.name, "task-finished", task=task.name, duration=duration,
                           level=TASK_EVENT_LEVEL))
    ctx.current_task = None
    run.duration = time.monotonic() - started
    if not ctx.dry_run and not ctx.options.keep_generated:
        _remove_generated(ctx)
    return run


def _save(checkpoint: Checkpoint, path: Path, ctx: WorkflowContext) -> None:
    if ctx.dry_run:
        return
    checkpoint.save(path, ctx.redact)


def _describe(exc: BaseException) -> str:
    """One line about ``exc`` (a :class:`~eksa_core.errors.SpecErrors` by its summary: its errors stay on the
    exception, located, for whoever reports them)."""
    from ..errors import SpecErrors

    if isinstance(exc, SpecErrors):
        errors = list(exc)
        if len(errors) == 1:
            return f"{exc.summary}: {errors[0].message}"
        return f"{exc.summary} ({len(errors)} problems)"
    text = str(exc) or type(exc).__name__
    return " ".join(text.split("\n")) if "\n" in text else text


def _remove_generated(ctx: WorkflowContext) -> None:
    ctx.remove_tree(ctx.generated_dir)  # the user's files in it (a spec given with -f) stay


def _fail(
    workflow: Workflow,
    ctx: WorkflowContext,
    task: Task,
    exc: BaseException,
    current: Checkpoint,
    cp_path: Path,
    sink: _EventSink,
    run: WorkflowRun,
    log_file: Path | None,
) -> None:
    ctx.set_error(exc)
    for name in task.on_failure:
        failure_task = workflow.failure_tasks.get(name)
        if failure_task is None:
            continue
        sink(WorkflowEvent(workflow.name, "task-started", task=failure_task.name, level=TASK_EVENT_LEVEL))
        ctx.begin_step(failure_task)
        t0 = time.monotonic()
        try:
            failure_task.run(ctx)
        except Exception as failure_exc:  # failure handling never hides the first error
            ctx.set_error(failure_exc)
            sink(WorkflowEvent(workflow.name, "task-failed", task=failure_task.name, level=TASK_EVENT_LEVEL,
                               duration=time.monotonic() - t0, error=_describe(failure_exc)))
        else:
            sink(WorkflowEvent(workflow.name, "task-finished", task=failure_task.name, level=TASK_EVENT_LEVEL,
                               duration=time.monotonic() - t0))
        finally:
            ctx.end_step()
    _save(current, cp_path, ctx)
    kept: dict[str, Path] = {}
    if not ctx.dry_run:
        if ctx.generated_dir.is_dir():
            kept["generated"] = ctx.generated_dir
        if cp_path.exists():
            kept["checkpoint"] = cp_path
        for handle in (ctx.bootstrap_cluster,):
            if handle is not None and handle.kubeconfig is not None and handle.kubeconfig.exists():
                kept["bootstrap kubeconfig"] = handle.kubeconfig
        if log_file is not None and log_file.exists():
            kept["log"] = log_file
    first = ctx.error or exc
    where = "; ".join(f"{what}: {path}" for what, path in kept.items())
    message = f"{workflow.name} failed in task {task.name}: {_describe(first)}"
    if kept:
        message += f" (kept for inspection — {where}; run again with resume to continue from {task.name})"
    message = ctx.redact(message)
    if kept:
        ctx.info(f"Kept {', '.join(kept)} under {ctx.generated_dir} for inspection", level=0)
    raise WorkflowError(message, workflow=workflow.name, task=task.name, cause=first, kept=kept) from first


def iter_completed(checkpoint: Checkpoint) -> Iterable[str]:
    """Names of the completed tasks of a checkpoint, in order."""
    return iter(checkpoint.completed)

