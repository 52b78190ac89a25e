"""The delete workflows (management through a bootstrap cluster, and workload), with EKS Anywhere's task names
and messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import EksaError
from .common import (
    SetupAndValidateTask,
    apply_provider_secrets,
    cli_annotations,
    components_request,
    diagnostics_tasks,
    has_gitops,
    manifests,
)
from .create import create_bootstrap_cluster, install_eksa_components, restore_bootstrap_cluster
from .engine import Task, Workflow
from .ops import (
    ALLOW_DELETE_WHEN_PAUSED,
    PAUSED,
    annotate_eksa_objects,
    copy_eksa_objects,
    delete_cluster,
    move_capi,
)

if TYPE_CHECKING:
    from .context import WorkflowContext

__all__ = ["build_delete_workflow"]

CLUSTER_DELETED = "🎉 Cluster deleted!"


class SetupAndValidateDeleteTask(SetupAndValidateTask):
    """Check what the delete needs (credentials, endpoints)."""

    def _validate(self, ctx: WorkflowContext, *, full: bool = True) -> None:
        ctx.hooks.setup_and_validate_delete(spec=ctx.spec, context=ctx.hook_context)


class BootstrapForDeleteTask(Task):
    """Create a bootstrap cluster to delete the management cluster from."""

    name = "bootstrap-cluster-for-delete-init"
    message = "Creating new bootstrap cluster"

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message)
        create_bootstrap_cluster(ctx)

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        from .common import handle_payload

        return {"bootstrapCluster": handle_payload(ctx.bootstrap_cluster)}

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        restore_bootstrap_cluster(ctx, (payload or {}).get("bootstrapCluster"))


class InstallCAPIForDeleteTask(Task):
    """Install Cluster API on the bootstrap cluster (a failure goes straight to deleting the bootstrap cluster)."""

    name = "install-capi-components-bootstrap-for-delete"
    message = "Provider specific pre-capi-install-setup on bootstrap cluster"
    on_failure = ("kind-cluster-delete",)

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap = ctx.bootstrap_cluster
        assert bootstrap is not None
        ctx.info("Provider specific pre-capi-install-setup on bootstrap cluster")
        apply_provider_secrets(ctx, bootstrap)
        ctx.hooks.pre_capi_install_on_bootstrap(spec=ctx.spec, cluster=bootstrap, context=ctx.hook_context)
        ctx.info("Installing cluster-api providers on bootstrap cluster")
        ctx.installer.init(bootstrap, components_request(ctx))


class MoveForDeleteTask(Task):
    """Move the cluster's Cluster API objects from the management cluster to the bootstrap cluster."""

    name = "capi-management-move-for-delete"
    message = "Moving cluster management from workload cluster to bootstrap"

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap, management = ctx.bootstrap_cluster, ctx.management_cluster
        assert bootstrap is not None and management is not None
        annotate_eksa_objects(ctx, management, ctx.spec, {PAUSED: "true"})
        ctx.info(self.message)
        move_capi(ctx, management, bootstrap, ctx.spec, manifests(ctx))


class EksaComponentsBootstrapDeleteTask(Task):
    """Install EKS-A on the bootstrap cluster, copy the cluster spec there and allow its deletion while paused."""

    name = "eksa-components-bootstrap-install-delete-task"

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap = ctx.bootstrap_cluster
        assert bootstrap is not None
        install_eksa_components(ctx, bootstrap, "bootstrap cluster")
        annotations = {**cli_annotations(ctx), PAUSED: "true", ALLOW_DELETE_WHEN_PAUSED: "true"}
        copy_eksa_objects(ctx, bootstrap, ctx.spec, annotations=annotations)


class DeleteManagementClusterTask(Task):
    """Delete the management cluster's objects from the bootstrap cluster."""

    name = "delete-management-cluster"
    message = "Deleting management cluster"

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap = ctx.bootstrap_cluster
        assert bootstrap is not None
        ctx.info(self.message)
        _delete(ctx, bootstrap)
        ctx.hooks.post_cluster_delete(spec=ctx.spec, cluster=bootstrap, context=ctx.hook_context)


def _delete(ctx: WorkflowContext, cluster: Any) -> None:
    ctx.hooks.pre_delete(spec=ctx.spec, cluster=cluster, context=ctx.hook_context)
    delete_cluster(ctx, cluster, ctx.spec, manifests(ctx))
    ctx.hooks.delete_resources(spec=ctx.spec, context=ctx.hook_context)
    ctx.hooks.cleanup_machines(spec=ctx.spec, context=ctx.hook_context)


class CleanUpGitRepoTask(Task):
    """Remove the cluster from the GitOps repository."""

    name = "clean-up-git-repo"
    message = "Clean up Git Repo"

    def should_run(self, ctx: WorkflowContext) -> bool:
        return has_gitops(ctx.spec)

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message)
        ctx.hooks.cleanup_gitops(spec=ctx.spec, context=ctx.hook_context)


def clean_up_cluster_folder(ctx: WorkflowContext) -> None:
    """After a successful delete: remove what the create wrote in ``<cluster>/`` (kubeconfig, AWS IAM
    kubeconfig, cluster spec) so a cluster of the same name can be created again.

    Files the user wrote stay: the spec given with ``-f`` (:attr:`WorkflowOptions.keep_files`), the SSH keys
    (``eks-a-id_rsa[.pub]``, they may open other machines), upgrade backups and anything else in the folder.
    """
    for path in (ctx.kubeconfig_path, ctx.aws_kubeconfig_path, ctx.config_path):
        ctx.remove_file(path)


class KindClusterDeleteTask(Task):
    """Delete the bootstrap cluster."""

    name = "kind-cluster-delete"
    message = "Deleting bootstrap cluster"

    def __init__(self, *, final: bool = True) -> None:
        self.final = final

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap = ctx.bootstrap_cluster
        if bootstrap is not None and ctx.bootstrapper is not None:
            ctx.info(self.message)
            if ctx.dry_run:
                ctx.record("bootstrap-delete", cluster=bootstrap.name)
            else:
                ctx.forget_client(bootstrap)
                ctx.bootstrapper.delete(bootstrap)
        if self.final:
            clean_up_cluster_folder(ctx)
            ctx.info(CLUSTER_DELETED)


class DeleteWorkloadClusterTask(Task):
    """Delete the workload cluster's objects from its management cluster."""

    name = "delete-workload-cluster"
    message = "Deleting workload cluster"

    def run(self, ctx: WorkflowContext) -> None:
        management = ctx.management_cluster
        if management is None:
            raise EksaError(f"the management cluster of workload cluster {ctx.cluster_name} is unknown: pass "
                            "management_kubeconfig")
        ctx.info(self.message)
        _delete(ctx, management)


class ValidateDeleteWorkloadSuccessTask(Task):
    """Clean up the GitOps repository and report success."""

    name = "validate-delete-workload-success"

    def run(self, ctx: WorkflowContext) -> None:
        if has_gitops(ctx.spec):
            ctx.info("Clean up Git Repo")
            ctx.hooks.cleanup_gitops(spec=ctx.spec, context=ctx.hook_context)
        clean_up_cluster_folder(ctx)
        ctx.info(CLUSTER_DELETED)


def build_delete_workflow(ctx: WorkflowContext) -> Workflow:
    """The management or workload delete workflow for ``ctx.spec``."""
    failure: dict[str, Task] = {**diagnostics_tasks(), "kind-cluster-delete": KindClusterDeleteTask(final=False)}
    setup = SetupAndValidateDeleteTask("setup-and-validate-delete",
                                       validation_name="", message="Performing provider setup and validations")
    if ctx.spec.cluster.is_self_managed():
        tasks: list[Task] = [
            setup,
            BootstrapForDeleteTask(),
            InstallCAPIForDeleteTask(),
            MoveForDeleteTask(),
            EksaComponentsBootstrapDeleteTask(),
            DeleteManagementClusterTask(),
            CleanUpGitRepoTask(),
            KindClusterDeleteTask(),
        ]
        return Workflow("delete-management", tasks, failure)
    return Workflow("delete-workload", [setup, DeleteWorkloadClusterTask(), ValidateDeleteWorkloadSuccessTask()],
                    failure)
