"""Dry-run plans: what a workflow would do, task by task, without touching any cluster or infrastructure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import yaml

__all__ = ["Plan", "PlanStep"]


@attrs.define
class PlanStep:
    """One task of a plan: its name, what it tells the user, and the actions it would take.

    Actions are dicts with an ``action`` key: ``call-hook`` (``hook``), ``hook-action`` (what a hook recorded
    in the dry run), ``apply`` (``cluster``, ``objects``, ``file``: the manifests written under
    ``generated/plan/``), ``create-namespace``, ``annotate``, ``patch``, ``delete``, ``wait-for-condition``,
    ``wait-for-field-empty``, ``wait-for-rollout`` (``object``, ``timeout``), ``move``, ``bootstrap-create``,
    ``bootstrap-delete``, ``clusterctl-init``, ``clusterctl-upgrade``, ``install-components``, ``write-file``.
    """

    task: str
    message: str = ""
    description: str = ""
    messages: list[str] = attrs.field(factory=list)
    actions: list[dict[str, Any]] = attrs.field(factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "description": self.description,
            "messages": list(self.messages),
            "actions": [dict(a) for a in self.actions],
        }


@attrs.define
class Plan:
    """The plan of a dry run (see :func:`eksa_core.workflows.plan_create`).

    :ivar workflow: e.g. ``create-management``. :ivar cluster: the cluster name.
    :ivar steps: the tasks in order. :ivar plan_dir: folder of the manifest files (``<cluster>/generated/plan``).
    """

    workflow: str
    cluster: str
    steps: list[PlanStep] = attrs.field(factory=list)
    plan_dir: Path | None = None

    @property
    def task_names(self) -> list[str]:
        return [s.task for s in self.steps]

    def step(self, task: str) -> PlanStep:
        """The step of ``task`` (KeyError when the plan has none)."""
        for step in self.steps:
            if step.task == task:
                return step
        raise KeyError(task)

    def manifest_files(self) -> list[Path]:
        """Every manifest file the plan refers to."""
        return [Path(a["file"]) for s in self.steps for a in s.actions if a.get("file")]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON/YAML serialisable)."""
        return {
            "workflow": self.workflow,
            "cluster": self.cluster,
            "planDir": str(self.plan_dir) if self.plan_dir else None,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def to_text(self) -> str:
        """A human-readable listing: one numbered block per task."""
        lines = [f"Plan: {self.workflow} of cluster {self.cluster}"]
        for index, step in enumerate(self.steps, 1):
            lines.append(f"{index:2}. {step.task}" + (f" — {step.description}" if step.description else ""))
            for message in step.messages:
                lines.append(f"      says: {message}")
            for action in step.actions:
                details = ", ".join(f"{k}={_short(v)}" for k, v in action.items() if k != "action")
                lines.append(f"      {action['action']}" + (f" ({details})" if details else ""))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)
