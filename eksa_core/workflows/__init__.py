"""Create, upgrade and delete clusters: EKS Anywhere's lifecycle workflows, with checkpoints and dry runs.

Public API::

    from eksa_core.workflows import create_cluster, upgrade_cluster, delete_cluster, plan_create

    result = create_cluster(spec, plugins=plugins, workdir=Path("."))      # -> Result
    plan = create_cluster(spec, plugins=plugins, dry_run=True)             # -> Plan (nothing is touched)
    print(plan.to_text()); json.dumps(plan.to_dict())

* A spec whose ``managementCluster.name`` is its own name is a **management** cluster: it is created through a
  bootstrap cluster (:class:`~eksa_core.bootstrap.KindBootstrapper` by default) and the Cluster API objects are
  then moved into it. Any other spec is a **workload** cluster, created from its management cluster, named by
  ``management_kubeconfig``.
* Every run works in ``<workdir>/<cluster>/``: the cluster's kubeconfig ``<cluster>-eks-a-cluster.kubeconfig``
  (0600) and spec ``<cluster>-eks-a-cluster.yaml`` stay; ``generated/`` (bootstrap kubeconfig, checkpoint, logs,
  clusterctl overrides) is removed on success and kept on failure.
* ``resume=True`` continues an interrupted or failed run from its checkpoint: completed tasks are restored,
  not repeated.
* ``dry_run=True`` returns a :class:`Plan`: the same tasks, run with collaborators that record instead of
  acting; the manifests that would be applied are written (Secrets redacted) to ``<cluster>/generated/plan/``.
* The first task of every create and upgrade runs the provider's setup hook and then the core preflight
  validations (:mod:`eksa_core.workflows.preflight`: static spec rules, eksaVersion, workload checks against the
  management cluster, readiness and version-increment checks on upgrade), reported one by one as
  ``✅ <Name>`` / ``❌ Validation failed``; any failure stops the run with ``SpecErrors("validations failed: ...")``.
* A successful delete removes the cluster folder's kubeconfigs and written spec (never
  :attr:`WorkflowOptions.keep_files`), so the same name can be created again.
* Progress goes to the ``eksa_workflow_event`` hook of every plugin (:class:`~eksa_core.plugins.WorkflowEvent`).
* Failures raise :class:`WorkflowError` (an :class:`~eksa_core.errors.EksaError`) naming the task, the first
  error and the files kept; bad specs raise :class:`~eksa_core.errors.SpecErrors` from the validation tasks.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..bootstrap import BootstrapClusterOptions, Bootstrapper, ExistingClusterBootstrapper, KindBootstrapper
from ..bootstrap import bootstrap_cluster_name as _bootstrap_name
from ..context import ClusterHandle
from ..errors import EksaError
from ..plugins import ComponentChangeDiff, Plugins, WorkflowEvent, default_plugins
from .capi import ClusterAPIInstaller, ClusterctlInstaller, ComponentsRequest, ManifestInstaller, RecordingInstaller
from .context import Timeouts, WorkflowContext, WorkflowOptions, remove_tree_keeping
from .create import build_create_workflow
from .delete import build_delete_workflow
from .engine import Checkpoint, Task, Workflow, WorkflowError, WorkflowRun, checkpoint_path, run_workflow
from .lock import ClusterFolderLocked, cluster_folder_lock
from .plan import Plan, PlanStep
from .upgrade import build_upgrade_workflow

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..spec import Spec

__all__ = [
    "Checkpoint",
    "ClusterAPIInstaller",
    "ClusterFolderLocked",
    "ClusterctlInstaller",
    "ComponentsRequest",
    "ManifestInstaller",
    "Plan",
    "PlanStep",
    "Result",
    "Task",
    "Timeouts",
    "Workflow",
    "WorkflowContext",
    "WorkflowError",
    "WorkflowOptions",
    "checkpoint_path",
    "create_cluster",
    "delete_cluster",
    "plan_create",
    "plan_delete",
    "plan_upgrade",
    "run_workflow",
    "upgrade_cluster",
]

PathLike = str | os.PathLike[str]


@attrs.frozen
class Result:
    """What a successful run did.

    :ivar workflow: ``create-management``, ``create-workload``, ``upgrade-management``... :ivar cluster_name:
    :ivar kubeconfig: the cluster's kubeconfig (create), else ``None``.
    :ivar config_file: the written ``<cluster>-eks-a-cluster.yaml`` (create, upgrade), else ``None``.
    :ivar ran / restored / skipped: task names (restored = completed in an earlier, interrupted run).
    :ivar change_diffs: component version changes (upgrade).
    :ivar events: every event of the run. :ivar duration: seconds.
    """

    workflow: str
    cluster_name: str
    kubeconfig: Path | None
    config_file: Path | None
    ran: tuple[str, ...]
    restored: tuple[str, ...]
    skipped: tuple[str, ...]
    change_diffs: tuple[ComponentChangeDiff, ...] = ()
    events: tuple[WorkflowEvent, ...] = ()
    duration: float = 0.0

    @property
    def messages(self) -> list[str]:
        """The user messages of the run, in order."""
        return [e.message for e in self.events if e.kind == "message" and e.level == 0]


class DryRunBootstrapper(Bootstrapper):
    """A dry run's bootstrapper: records what would be created or deleted."""

    def __init__(self, ctx_getter: Callable[[], WorkflowContext]) -> None:
        self._ctx = ctx_getter

    def create(self, spec: Spec, options: BootstrapClusterOptions) -> ClusterHandle:
        from ..bootstrap import kind_node_image

        name = _bootstrap_name(spec.name)
        provider = options.provider
        self._ctx().record("bootstrap-create", cluster=name, node_image=options.node_image or kind_node_image(spec),
                           env_keys=sorted(provider.env) if provider else [],
                           extra_port_mappings=list(provider.extra_port_mappings) if provider else [])
        return ClusterHandle(name, options.generated_dir / f"{spec.name}.kind.kubeconfig")

    def delete(self, handle: ClusterHandle) -> None:
        self._ctx().record("bootstrap-delete", cluster=handle.name)

    def exists(self, name: str) -> bool:
        return True


def _context(
    spec: Spec,
    *,
    plugins: Plugins | None,
    workdir: PathLike,
    bootstrapper: Bootstrapper | None,
    installer: ClusterAPIInstaller | None,
    dry_run: bool,
    options: WorkflowOptions | None,
    current_spec: Spec | None = None,
) -> WorkflowContext:
    plugins = plugins or spec.plugins or default_plugins()
    provider = plugins.for_datacenter_kind(spec.cluster.datacenter_kind())
    ctx = WorkflowContext(
        spec=spec, plugins=plugins, provider=provider, workdir=Path(workdir), bootstrapper=bootstrapper,
        installer=installer or ClusterctlInstaller(), options=options or WorkflowOptions(), dry_run=dry_run,
        current_spec=current_spec,
    )
    if dry_run:
        ctx.installer = RecordingInstaller(ctx)
        ctx.bootstrapper = DryRunBootstrapper(lambda: ctx)
        ctx.plan_dir = ctx.generated_dir / "plan"
    return ctx


def _run(build: Callable[[WorkflowContext], Workflow], ctx: WorkflowContext, resume: bool) -> Result | Plan:
    try:
        with cluster_folder_lock(ctx.cluster_dir):  # one run per cluster folder, for the whole run
            if ctx.dry_run and ctx.plan_dir is not None and ctx.plan_dir.exists():
                remove_tree_keeping(ctx.plan_dir, ctx.options.keep_files)  # the last plan goes (user files stay)
            workflow = build(ctx)
            run: WorkflowRun = run_workflow(workflow, ctx, resume=resume)
    finally:
        ctx.close()
    if ctx.dry_run:
        return Plan(workflow.name, ctx.cluster_name, list(ctx.steps), ctx.plan_dir)
    kubeconfig = ctx.kubeconfig_path if ctx.kubeconfig_path.is_file() else None
    config_file = ctx.config_path if ctx.config_path.is_file() else None
    return Result(workflow.name, ctx.cluster_name, kubeconfig, config_file, tuple(run.ran), tuple(run.restored),
                  tuple(run.skipped), tuple(ctx.change_diffs), tuple(run.events), run.duration)


def _management_handle(spec: Spec, kubeconfig: PathLike | None) -> ClusterHandle | None:
    if kubeconfig is None:
        return None
    return ClusterHandle(spec.cluster.management_cluster_name, Path(kubeconfig))


def _workload_management(spec: Spec, kubeconfig: PathLike | None, *, required: bool) -> ClusterHandle | None:
    """The management cluster of a workload cluster (``kubeconfig``); an :class:`EksaError` when it is missing
    and ``required``."""
    handle = _management_handle(spec, kubeconfig)
    if handle is None and required:
        raise EksaError(f"cluster {spec.name} is a workload cluster of {spec.cluster.management_cluster_name}: "
                        "management_kubeconfig is required")
    return handle


def create_cluster(
    spec: Spec,
    *,
    plugins: Plugins | None = None,
    workdir: PathLike = ".",
    bootstrapper: Bootstrapper | None = None,
    management_kubeconfig: PathLike | None = None,
    installer: ClusterAPIInstaller | None = None,
    dry_run: bool = False,
    resume: bool = False,
    options: WorkflowOptions | None = None,
) -> Result | Plan:
    """Create the cluster of ``spec`` (EKS Anywhere's ``create cluster``).

    :param spec: a defaulted, validated :class:`~eksa_core.spec.Spec`.
    :param plugins: loaded plugins (default: ``spec.plugins`` or every installed plugin).
    :param workdir: folder in which ``<cluster>/`` is made (EKS-A uses the current directory).
    :param bootstrapper: creates the bootstrap cluster of a management cluster (default:
        :class:`~eksa_core.bootstrap.KindBootstrapper`, or :class:`~eksa_core.bootstrap.ExistingClusterBootstrapper`
        on ``management_kubeconfig`` when that is given).
    :param management_kubeconfig: kubeconfig of the management cluster (required for a workload cluster).
    :param installer: installs Cluster API (default :class:`ClusterctlInstaller`).
    :param dry_run: return a :class:`Plan` and touch nothing. :param resume: continue from the checkpoint.
    :param options: :class:`WorkflowOptions` (environment, timeouts, client factory...).
    :return: a :class:`Result` (or a :class:`Plan` in a dry run).
    :raises EksaError: ``old cluster config file exists under <cluster>, please use a different clusterName to
        proceed`` when the cluster's kubeconfig exists and is not empty (unless resuming).
    :raises WorkflowError: when a task fails.
    """
    self_managed = spec.cluster.is_self_managed()
    if bootstrapper is None and self_managed and not dry_run:
        bootstrapper = (ExistingClusterBootstrapper(management_kubeconfig) if management_kubeconfig is not None
                        else KindBootstrapper())
    ctx = _context(spec, plugins=plugins, workdir=workdir, bootstrapper=bootstrapper, installer=installer,
                   dry_run=dry_run, options=options)
    if not self_managed:
        ctx.management_cluster = _workload_management(spec, management_kubeconfig, required=True)
    resuming = resume and checkpoint_path(ctx.cluster_dir, spec.name).exists()
    kubeconfig = ctx.kubeconfig_path
    if not dry_run and not resuming and kubeconfig.is_file() and kubeconfig.stat().st_size > 0:
        raise EksaError(f"old cluster config file exists under {spec.name}, please use a different clusterName to "
                        "proceed")
    return _run(build_create_workflow, ctx, resume)


def upgrade_cluster(
    spec: Spec,
    *,
    plugins: Plugins | None = None,
    workdir: PathLike = ".",
    management_kubeconfig: PathLike | None = None,
    current_spec: Spec | None = None,
    installer: ClusterAPIInstaller | None = None,
    dry_run: bool = False,
    resume: bool = False,
    options: WorkflowOptions | None = None,
) -> Result | Plan:
    """Upgrade the cluster of ``spec`` to ``spec`` (EKS Anywhere's ``upgrade cluster``).

    :param management_kubeconfig: the management cluster's kubeconfig; for a management cluster it defaults to
        ``<workdir>/<cluster>/<cluster>-eks-a-cluster.kubeconfig``, for a workload cluster it is required.
    :param current_spec: the spec the cluster runs now (default: its EKS-A objects in the management cluster,
        else ``<cluster>/<cluster>-eks-a-cluster.yaml``). Required in a dry run unless that file exists.
    Other parameters as :func:`create_cluster`. Returns a :class:`Result` (``change_diffs`` set) or a
    :class:`Plan`.
    """
    ctx = _context(spec, plugins=plugins, workdir=workdir, bootstrapper=None, installer=installer,
                   dry_run=dry_run, options=options, current_spec=current_spec)
    own = ClusterHandle(spec.name, ctx.kubeconfig_path)
    if spec.cluster.is_self_managed():
        ctx.management_cluster = _management_handle(spec, management_kubeconfig) or own
    else:
        ctx.management_cluster = _workload_management(spec, management_kubeconfig, required=True)
    ctx.workload_cluster = own
    return _run(build_upgrade_workflow, ctx, resume)


def delete_cluster(
    spec: Spec,
    *,
    plugins: Plugins | None = None,
    workdir: PathLike = ".",
    bootstrapper: Bootstrapper | None = None,
    management_kubeconfig: PathLike | None = None,
    installer: ClusterAPIInstaller | None = None,
    dry_run: bool = False,
    resume: bool = False,
    options: WorkflowOptions | None = None,
) -> Result | Plan:
    """Delete the cluster of ``spec`` (EKS Anywhere's ``delete cluster``).

    A management cluster is deleted through a new bootstrap cluster (``bootstrapper``, default kind) after its
    Cluster API objects were moved there; its kubeconfig is ``<cluster>/<cluster>-eks-a-cluster.kubeconfig``
    unless ``management_kubeconfig`` says otherwise. A workload cluster is deleted from its management cluster
    (``management_kubeconfig``, required). Returns a :class:`Result` or a :class:`Plan`.

    On success the files the create wrote in ``<cluster>/`` (its kubeconfig, AWS IAM kubeconfig and spec) are
    removed, and the folder too when nothing else is left in it, so the same cluster name can be created
    again. Files listed in :attr:`WorkflowOptions.keep_files` (the spec file the user gave) are never removed;
    SSH keys and upgrade backups stay.
    """
    self_managed = spec.cluster.is_self_managed()
    if bootstrapper is None and self_managed and not dry_run:
        bootstrapper = KindBootstrapper()
    ctx = _context(spec, plugins=plugins, workdir=workdir, bootstrapper=bootstrapper, installer=installer,
                   dry_run=dry_run, options=options)
    own = ClusterHandle(spec.name, ctx.kubeconfig_path)
    if self_managed:
        ctx.management_cluster = _management_handle(spec, management_kubeconfig) or own
    else:  # the delete workflow itself reports a missing management cluster (after its own setup checks)
        ctx.management_cluster = _workload_management(spec, management_kubeconfig, required=False)
    ctx.workload_cluster = own
    result = _run(build_delete_workflow, ctx, resume)
    if not dry_run:
        with contextlib.suppress(OSError):  # only when nothing else (SSH keys, backups, user files) is left
            ctx.cluster_dir.rmdir()
    return result


def plan_create(spec: Spec, **kwargs: Any) -> Plan:
    """The :class:`Plan` of :func:`create_cluster` (same arguments; nothing is contacted)."""
    kwargs.pop("dry_run", None)
    result = create_cluster(spec, dry_run=True, **kwargs)
    assert isinstance(result, Plan)
    return result


def plan_upgrade(spec: Spec, **kwargs: Any) -> Plan:
    """The :class:`Plan` of :func:`upgrade_cluster` (same arguments; nothing is contacted)."""
    kwargs.pop("dry_run", None)
    result = upgrade_cluster(spec, dry_run=True, **kwargs)
    assert isinstance(result, Plan)
    return result


def plan_delete(spec: Spec, **kwargs: Any) -> Plan:
    """The :class:`Plan` of :func:`delete_cluster` (same arguments; nothing is contacted)."""
    kwargs.pop("dry_run", None)
    result = delete_cluster(spec, dry_run=True, **kwargs)
    assert isinstance(result, Plan)
    return result
