"""BMC power operations through rufio ``Job`` objects (``bmc.tinkerbell.org/v1alpha1``), the way Cluster API
Provider Tinkerbell drives a machine's baseboard management controller.

A Job names a rufio ``Machine`` (``spec.machineRef``, the Hardware's ``spec.bmcRef``) and lists tasks run in order;
rufio runs each as a ``Task`` and reports on the Job with conditions ``Running``, ``Completed`` and ``Failed``
(message from the failed task). The jobs here:

* :func:`provisioning_job` - ``<machine>-provision``: power off (hard), one-time boot from the network (``pxe``, EFI
  when the Hardware's first interface boots UEFI), power on: what readies a machine for its Tinkerbell workflow;
* :func:`power_off_job` - ``<machine>-poweroff``: power off (hard), after a machine is deleted.

:func:`run_bmc_jobs` creates the jobs (replacing an older job of the same name and its tasks, as tink does), waits
for each to complete, all within one timeout, and raises :class:`BMCJobError` naming every job that failed or did
not finish, with rufio's message and the failed task's (the BMC's answer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from eksa_core.errors import EksaError
from eksa_core.provider import KubeTimeoutError

from .hardware import HARDWARE_NAMESPACE
from .settings import settings_of

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, KubeClient

__all__ = [
    "BMC_API_VERSION",
    "CONTACTABLE",
    "JOB_COMPLETED",
    "JOB_FAILED",
    "JOB_RUNNING",
    "SKIP_CONTACT_CHECK_LABEL",
    "BMCJobError",
    "BMCNotContactableError",
    "JobOutcome",
    "bmc_machine_of",
    "power_off_job",
    "provisioning_job",
    "run_bmc_jobs",
    "wait_for_bmc",
]

BMC_API_VERSION = "bmc.tinkerbell.org/v1alpha1"
HARDWARE_API_VERSION = "tinkerbell.org/v1alpha1"
CONTACTABLE = "Contactable"
SKIP_CONTACT_CHECK_LABEL = "bmc.tinkerbell.org/skip-contact-check"
"""rufio Machines with this label are not waited for."""
JOB_COMPLETED = "Completed"
JOB_FAILED = "Failed"
JOB_RUNNING = "Running"

POWER_OFF = {"powerAction": "off"}
POWER_ON = {"powerAction": "on"}


class BMCJobError(EksaError):
    """Some BMC jobs failed or did not complete in time.

    :ivar outcomes: every job's :class:`JobOutcome` (the failed ones have ``ok`` false).
    """

    def __init__(self, message: str, outcomes: Sequence[JobOutcome]) -> None:
        super().__init__(message)
        self.outcomes = list(outcomes)

    @property
    def failed(self) -> list[str]:
        """Names of the jobs that did not complete."""
        return [o.job for o in self.outcomes if not o.ok]


@attrs.frozen
class JobOutcome:
    """How one job ended: ``state`` is ``Completed``, ``Failed`` or ``timeout``; ``message`` is rufio's."""

    job: str
    machine: str
    state: str
    message: str = ""
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the job completed."""
        return self.state == JOB_COMPLETED


def bmc_machine_of(hardware: Mapping[str, Any]) -> str:
    """The rufio Machine of a Hardware object (``spec.bmcRef.name``); an :class:`EksaError` when it has none."""
    ref = (hardware.get("spec") or {}).get("bmcRef") or {}
    name = ref.get("name")
    if not name:
        hw = (hardware.get("metadata") or {}).get("name")
        raise EksaError(f'hardware "{hw}" does not have a BMC')
    return str(name)


def _uefi(hardware: Mapping[str, Any]) -> bool:
    interfaces = (hardware.get("spec") or {}).get("interfaces") or [{}]
    return bool(((interfaces[0] or {}).get("dhcp") or {}).get("uefi"))


def _job(name: str, machine: str, namespace: str, tasks: list[dict[str, Any]],
         owner: Mapping[str, Any] | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if owner is not None:
        meta["ownerReferences"] = [dict(owner)]
    return {"apiVersion": BMC_API_VERSION, "kind": "Job", "metadata": meta,
            "spec": {"machineRef": {"name": machine, "namespace": namespace}, "tasks": tasks}}


def provisioning_job(hardware: Mapping[str, Any], *, name: str | None = None, namespace: str = HARDWARE_NAMESPACE,
                     owner: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Job that readies ``hardware`` for provisioning: power off, one-time PXE boot (EFI when its first
    interface boots UEFI), power on. Named ``name`` or ``<hardware>-provision``; ``owner`` becomes its owner
    reference (CAPT: the TinkerbellMachine)."""
    hw = str((hardware.get("metadata") or {}).get("name"))
    pxe = {"oneTimeBootDeviceAction": {"device": ["pxe"], "efiBoot": _uefi(hardware)}}
    tasks: list[dict[str, Any]] = [dict(POWER_OFF), pxe, dict(POWER_ON)]
    return _job(name or f"{hw}-provision", bmc_machine_of(hardware), namespace, tasks, owner)


def power_off_job(hardware: Mapping[str, Any], *, name: str | None = None, namespace: str = HARDWARE_NAMESPACE,
                  owner: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Job that powers ``hardware`` off (hard): ``name`` or ``<hardware>-poweroff``."""
    hw = str((hardware.get("metadata") or {}).get("name"))
    return _job(name or f"{hw}-poweroff", bmc_machine_of(hardware), namespace, [dict(POWER_OFF)], owner)


def _condition(job: Mapping[str, Any] | None, kind: str) -> Mapping[str, Any] | None:
    for c in ((job or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == kind and c.get("status") == "True":
            return c
    return None


def _task_message(kube: KubeClient, job: str, namespace: str, count: int) -> str:
    """The message of the first failed rufio Task of ``job`` (tasks are named ``<job>-task-<n>``)."""
    for n in range(count):
        task = kube.get_or_none(BMC_API_VERSION, "Task", f"{job}-task-{n}", namespace)
        failed = _condition(task, "Failed")
        if failed is not None and failed.get("message"):
            return str(failed["message"])
    return ""


def run_bmc_jobs(kube: KubeClient, jobs: Sequence[Mapping[str, Any]], *, timeout: float = 300.0,
                 poll_interval: float = 2.0, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None,
                 progress: Callable[[str], None] | None = None) -> list[JobOutcome]:
    """Create ``jobs`` and wait until each completes, all within ``timeout`` seconds.

    Every job's rufio Machine must exist (else :class:`BMCJobError` before anything is created). A job of the same
    name left from an earlier run is deleted first. ``progress`` is told about each job that finishes.

    :return: the outcome of every job (all completed).
    :raises BMCJobError: "BMC jobs failed: <job> (machine <m>): <rufio's message>; ..." naming every job that
        failed or was still running when the time was up.
    """
    clock_fn: Callable[[], float] = clock or getattr(kube, "clock", None) or time.monotonic
    sleep_fn: Callable[[float], None] = sleep or getattr(kube, "sleep", None) or time.sleep
    missing = []
    for job in jobs:
        ref = job["spec"]["machineRef"]
        if kube.get_or_none(BMC_API_VERSION, "Machine", ref["name"], ref["namespace"]) is None:
            missing.append(f"{job['metadata']['name']}: rufio Machine {ref['namespace']}/{ref['name']} not found")
    if missing:
        raise BMCJobError("cannot create BMC jobs: " + "; ".join(missing), [])
    start = clock_fn()
    for job in jobs:
        meta = job["metadata"]
        if kube.get_or_none(BMC_API_VERSION, "Job", meta["name"], meta["namespace"]) is not None:
            # foreground: the Job goes only after its Tasks, so the new Job cannot meet the old Tasks (as tink does)
            kube.delete(BMC_API_VERSION, "Job", meta["name"], meta["namespace"], ignore_not_found=True,
                        propagation_policy="Foreground")
            _wait_deleted(kube, meta["name"], meta["namespace"], start + timeout, clock_fn, sleep_fn, poll_interval)
        kube.create(dict(job))
    pending = {str(j["metadata"]["name"]): j for j in jobs}
    outcomes: dict[str, JobOutcome] = {}
    while pending:
        for name, job in list(pending.items()):
            namespace = str(job["metadata"]["namespace"])
            machine = str(job["spec"]["machineRef"]["name"])
            current = kube.get_or_none(BMC_API_VERSION, "Job", name, namespace)
            failed = _condition(current, JOB_FAILED)
            done = _condition(current, JOB_COMPLETED)
            if failed is None and done is None:
                continue
            if failed is not None:
                # rufio's Job says which task failed; the task says why (the BMC's answer)
                message = str(failed.get("message") or "")
                why = _task_message(kube, name, namespace, len(job["spec"]["tasks"]))
                if why:
                    message = f"{message}: {why}" if message else why
                outcome = JobOutcome(name, machine, JOB_FAILED, message, clock_fn() - start)
            else:
                outcome = JobOutcome(name, machine, JOB_COMPLETED, "", clock_fn() - start)
            outcomes[name] = outcome
            del pending[name]
            if progress is not None:
                progress(f"BMC job {name} (machine {machine}): {outcome.state.lower()}"
                         + (f": {outcome.message}" if outcome.message else ""))
        if not pending:
            break
        if clock_fn() - start >= timeout:
            for name, job in pending.items():
                current = kube.get_or_none(BMC_API_VERSION, "Job", name, str(job["metadata"]["namespace"]))
                running = _condition(current, JOB_RUNNING)
                seen = "running" if running is not None else "not started by rufio"
                outcomes[name] = JobOutcome(name, str(job["spec"]["machineRef"]["name"]), "timeout",
                                            f"not completed within {timeout:g}s ({seen})", clock_fn() - start)
            break
        sleep_fn(poll_interval)
    ordered = [outcomes[str(j["metadata"]["name"])] for j in jobs]
    bad = [o for o in ordered if not o.ok]
    if bad:
        raise BMCJobError("BMC jobs failed: " + "; ".join(f"{o.job} (machine {o.machine}): {o.message or o.state}"
                                                          for o in bad), ordered)
    return ordered


def _wait_deleted(kube: KubeClient, name: str, namespace: str, deadline: float, clock: Callable[[], float],
                  sleep: Callable[[float], None], poll_interval: float) -> None:
    while kube.get_or_none(BMC_API_VERSION, "Job", name, namespace) is not None:
        if clock() >= deadline:
            raise BMCJobError(f"BMC job {namespace}/{name} of an earlier run is still being deleted", [])
        sleep(min(poll_interval, 0.5))


def hardware_objects(kube: KubeClient, names: Sequence[str] | None = None,
                     namespace: str = HARDWARE_NAMESPACE) -> list[dict[str, Any]]:
    """The Hardware objects of ``namespace`` (only ``names`` when given, in that order; a missing one is an
    :class:`EksaError`)."""
    items = {str(i["metadata"]["name"]): i for i in kube.list(HARDWARE_API_VERSION, "Hardware", namespace)}
    if names is None:
        return [items[k] for k in sorted(items)]
    missing = [n for n in names if n not in items]
    if missing:
        raise EksaError(f"hardware not found in {namespace}: {', '.join(missing)}")
    return [items[n] for n in names]


class BMCNotContactableError(EksaError):
    """Some BMCs did not become ``Contactable`` in time (EKS-A's "waiting for baseboard management to be
    contactable: ...")."""

    def __init__(self, message: str, machines: Sequence[str]) -> None:
        super().__init__(message)
        self.machines = list(machines)


def wait_for_bmc(kube: KubeClient, context: HookContext, *, timeout: float = 300.0,
                 names: Sequence[str] | None = None, poll_interval: float = 5.0) -> None:
    """Wait until every rufio ``Machine`` in ``eksa-system`` (only ``names`` when given) has condition
    ``Contactable`` True, all within one ``timeout``. Machines labelled ``bmc.tinkerbell.org/skip-contact-check``
    are not waited for.

    The clock and sleep are the client's, or the ``clock`` / ``sleep`` of the call's
    :class:`~eksa_baremetal.settings.TinkerbellSettings`.

    :raises BMCNotContactableError: "waiting for baseboard management to be contactable: ..." naming every
        machine that is not contactable and what was last seen of it.
    """
    tuned = settings_of(context)
    clock: Callable[[], float] = tuned.clock or kube.clock
    sleep: Callable[[float], None] = tuned.sleep or kube.sleep
    items = kube.list(BMC_API_VERSION, "Machine", HARDWARE_NAMESPACE, label_selector=f"!{SKIP_CONTACT_CHECK_LABEL}")
    machines = [str(i["metadata"]["name"]) for i in items]
    if names is not None:
        wanted = set(names)
        machines = [m for m in machines if m in wanted]
    if not machines:
        return
    context.log.info("Waiting for baseboard management to be contactable")
    start = clock()
    failures: list[str] = []
    failed: list[str] = []
    for name in machines:
        remaining = max(0.0, timeout - (clock() - start))
        try:
            kube.wait_for_condition(BMC_API_VERSION, "Machine", name, HARDWARE_NAMESPACE, CONTACTABLE, "True",
                                    timeout=remaining, poll_interval=poll_interval, clock=clock, sleep=sleep)
        except KubeTimeoutError as exc:
            failed.append(name)
            failures.append(f"{name}: {exc.last_seen}")
    if failures:
        raise BMCNotContactableError(
            f"waiting for baseboard management to be contactable: timed out after {timeout:g}s: "
            + "; ".join(failures), failed)
