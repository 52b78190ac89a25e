"""``eksa`` that SIGKILLs itself at the first task boundary it reaches (for the kill/resume tests).

Usage: ``python kill_after_one_task.py RECORD -- <eksa arguments>``. The CLI runs as usual, with one plugin more: on
the first ``task-finished`` or ``task-skipped`` event of this process for a task RECORD does not list yet (the
checkpoint of that task is written by then) it appends ``<workflow> <task> finished`` to the file RECORD and kills
the process with SIGKILL, so nothing of eksa's own runs after that boundary. Every ``task-started`` event is
appended too (``<workflow> <task> started``), so the test can tell whether a resumed run did a task again. A run
that reaches no new boundary exits as the CLI does.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from eksa_core import hookimpl
from eksa_core.cli import main
from eksa_core.plugins import WorkflowEvent, default_plugins


class KillAtFirstBoundary:
    def __init__(self, record: Path) -> None:
        self.record = record

    @hookimpl
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        if event.kind == "task-started":
            self._write(f"{event.workflow} {event.task} started")
        elif event.kind in ("task-finished", "task-skipped"):
            line = f"{event.workflow} {event.task} finished"
            seen = self.record.read_text().splitlines() if self.record.exists() else []
            if line not in seen:
                self._write(line)
                os.kill(os.getpid(), signal.SIGKILL)

    def _write(self, line: str) -> None:
        with self.record.open("a") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    record, sep, *args = sys.argv[1:]
    assert sep == "--", "usage: kill_after_one_task.py RECORD -- <eksa arguments>"
    default_plugins().register(KillAtFirstBoundary(Path(record)), name="kill-at-first-boundary")
    sys.exit(main(args))
