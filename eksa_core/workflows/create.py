"""The create workflows: management (self-managed, through a bootstrap cluster) and workload clusters.

Task names and user messages are EKS Anywhere's (``pkg/workflows/management/create*.go`` and
``pkg/workflows/workload/create*.go``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..bootstrap import BootstrapClusterOptions, BootstrapError
from ..context import ClusterHandle
from ..errors import EksaError, ReleaseError
from .cni import install_cni
from .common import (
    BOTH_DIAG,
    MGMT_DIAG,
    GitOpsInstallTask,
    SetupAndValidateTask,
    WriteClusterConfigTask,
    apply_provider_secrets,
    apply_registry_secret,
    cli_annotations,
    components_request,
    diagnostics_tasks,
    handle_from_payload,
    handle_payload,
    manifests,
    registry_mirror_authenticates,
)
from .engine import Task, Workflow
from .ops import (
    CLUSTER_FINALIZER,
    EKSA_API_VERSION,
    FIELD_MANAGER,
    PAUSED,
    SYSTEM_NAMESPACE,
    annotate_eksa_objects,
    apply_and_wait,
    capi_cluster_ref,
    copy_eksa_objects,
    move_capi,
    write_kubeconfig,
)
from .preflight import create_validations

if TYPE_CHECKING:
    from .context import WorkflowContext

__all__ = ["build_create_workflow"]

CLUSTER_CREATED = "🎉 Cluster created!"


def _bootstrap_options(ctx: WorkflowContext) -> BootstrapClusterOptions:
    provider_options = ctx.hooks.bootstrap_options(spec=ctx.spec)
    return BootstrapClusterOptions(cluster_dir=ctx.cluster_dir, provider=provider_options,
                                   env=ctx.hook_context.env)


def create_bootstrap_cluster(ctx: WorkflowContext) -> ClusterHandle:
    """Create the bootstrap cluster (and its ``eksa-system`` namespace); shared by create and delete."""
    assert ctx.bootstrapper is not None
    options = _bootstrap_options(ctx)
    handle = ctx.bootstrapper.create(ctx.spec, options)
    ctx.bootstrap_cluster = handle
    ctx.kube(handle).create_namespace(SYSTEM_NAMESPACE)
    return handle


def restore_bootstrap_cluster(ctx: WorkflowContext, payload: Any) -> None:
    handle = handle_from_payload(payload)
    if handle is None:
        raise EksaError("the checkpoint does not say which bootstrap cluster was created")
    deleted_later = ctx.checkpointed & {"delete-kind-cluster", "kind-cluster-delete"}
    if (not deleted_later and not ctx.dry_run and ctx.bootstrapper is not None
            and not ctx.bootstrapper.exists(handle.name)):
        raise BootstrapError(f"bootstrap cluster {handle.name} of the interrupted run no longer exists; remove "
                             f"{ctx.generated_dir} and run again without resume")
    ctx.bootstrap_cluster = handle


# ------------------------------------------------------------------------------------------ management path


class BootstrapClusterInitTask(Task):
    """Create the kind bootstrap cluster with the provider's bootstrap options."""

    name = "bootstrap-cluster-init"
    message = "Creating new bootstrap cluster"
    on_failure = ()

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message)
        create_bootstrap_cluster(ctx)

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        return {"bootstrapCluster": handle_payload(ctx.bootstrap_cluster)}

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        restore_bootstrap_cluster(ctx, (payload or {}).get("bootstrapCluster"))


class UpdateSecretsCreateTask(Task):
    """Create the registry mirror credentials Secret on the bootstrap cluster."""

    name = "update-secrets-create"
    on_failure = MGMT_DIAG

    def should_run(self, ctx: WorkflowContext) -> bool:
        return registry_mirror_authenticates(ctx.spec)

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.bootstrap_cluster is not None
        apply_registry_secret(ctx, ctx.bootstrap_cluster)


class InstallCAPIComponentsBootstrapTask(Task):
    """Install Cluster API and the infrastructure provider on the bootstrap cluster."""

    name = "install-capi-components-bootstrap"
    message = "Provider specific pre-capi-install-setup on bootstrap cluster"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        cluster = ctx.bootstrap_cluster
        assert cluster is not None
        ctx.info("Provider specific pre-capi-install-setup on bootstrap cluster")
        apply_provider_secrets(ctx, cluster)
        ctx.hooks.pre_capi_install_on_bootstrap(spec=ctx.spec, cluster=cluster, context=ctx.hook_context)
        ctx.info("Installing cluster-api providers on bootstrap cluster")
        ctx.installer.init(cluster, components_request(ctx))
        ctx.info("Provider specific post-setup")
        ctx.hooks.post_bootstrap_setup(spec=ctx.spec, cluster=cluster, context=ctx.hook_context)


def install_eksa_components(ctx: WorkflowContext, cluster: ClusterHandle, where: str) -> None:
    ctx.info(f"Installing EKS-A custom components on {where}")
    request = components_request(ctx)
    ctx.info("Installing EKS-D components")
    ctx.installer.install_eksd_components(cluster, request)
    ctx.info("Installing EKS-A custom components (CRD and controller)")
    ctx.installer.install_eksa_components(cluster, request)
    install_crds_and_controller(ctx, cluster)
    ctx.hooks.install_custom_components(spec=ctx.spec, cluster=cluster, context=ctx.hook_context)


def install_crds_and_controller(ctx: WorkflowContext, cluster: ClusterHandle) -> None:
    """Apply the CRDs of every registered kind (:mod:`eksa_core.crds`) and wait until they are Established, then
    the lifecycle controller's ServiceAccount, RBAC and Deployment (:mod:`eksa_core.controller.manifests`) with
    the controller image of the release bundle."""
    from ..controller.manifests import controller_image, controller_manifests
    from ..crds import CRD_FIELD_MANAGER, crds_to_apply

    kube = ctx.kube(cluster)
    if not kube.has_kind("apiextensions.k8s.io/v1", "CustomResourceDefinition"):
        ctx.info(f"cluster {cluster.name} serves no CustomResourceDefinitions: CRDs and controller not installed", 3)
        return
    crds = crds_to_apply(ctx.plugins)
    kube.apply(crds, field_manager=CRD_FIELD_MANAGER, force=True)
    for crd in crds:
        kube.wait_for_condition("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"],
                                None, "Established", timeout=120.0, poll_interval=0.2)
    kube.invalidate_discovery()
    try:
        image = controller_image(ctx.spec)
    except ReleaseError as exc:
        ctx.info(f"Warning: the lifecycle controller is not installed: {exc}")
        return
    kube.apply(controller_manifests(image, ctx.plugins), field_manager=FIELD_MANAGER, force=True)


class EksaComponentsBootstrapInstallTask(Task):
    """Install the EKS-D and EKS-A components on the bootstrap cluster."""

    name = "eksa-components-bootstrap-install"
    message = "Installing EKS-A custom components on bootstrap cluster"
    on_failure = BOTH_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.bootstrap_cluster is not None
        install_eksa_components(ctx, ctx.bootstrap_cluster, "bootstrap cluster")


def _workload_handle(ctx: WorkflowContext) -> ClusterHandle:
    return ClusterHandle(ctx.cluster_name, ctx.kubeconfig_path)


def _networking(ctx: WorkflowContext, management: ClusterHandle) -> Callable[[], None]:
    """The step run once the new cluster's control plane is up (``apply_and_wait``'s ``after_control_plane``):
    its kubeconfig written from the Secret Cluster API keeps on ``management``, then its CNI installed."""

    def run() -> None:
        write_kubeconfig(ctx, management, ctx.spec)
        install_cni(ctx, _workload_handle(ctx), ctx.spec)

    return run


class WorkloadClusterInitTask(Task):
    """Create the management cluster from the bootstrap cluster and install Cluster API in it."""

    name = "workload-cluster-init"
    message = "Creating new management cluster"
    on_failure = BOTH_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap = ctx.bootstrap_cluster
        assert bootstrap is not None
        spec = ctx.spec
        ctx.info(self.message)
        ctx.info("Creating EKS-A namespace")
        if spec.cluster.namespace and spec.cluster.namespace != "default":
            ctx.kube(bootstrap).create_namespace(spec.cluster.namespace)
        objects = manifests(ctx, plan_file=f"{self.name}.yaml")
        apply_and_wait(ctx, bootstrap, spec, objects, eksa_annotations=cli_annotations(ctx),
                       plan_file=f"{self.name}.yaml", after_control_plane=_networking(ctx, bootstrap))
        workload = _workload_handle(ctx)
        ctx.workload_cluster = workload
        ctx.info("Installing cluster-api providers on management cluster")
        ctx.installer.init(workload, components_request(ctx))
        ctx.info("Installing EKS-A secrets on management cluster")
        apply_provider_secrets(ctx, workload)
        ctx.hooks.update_secrets(spec=spec, cluster=workload, context=ctx.hook_context)
        if registry_mirror_authenticates(spec):
            apply_registry_secret(ctx, workload)

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        ctx.workload_cluster = _workload_handle(ctx)


class InstallResourcesOnManagementTask(Task):
    """Provider resources on the new management cluster (``PostWorkloadInit``)."""

    name = "install-resources-on-management-cluster"
    on_failure = BOTH_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.workload_cluster is not None
        ctx.hooks.post_workload_init(spec=ctx.spec, cluster=ctx.workload_cluster, context=ctx.hook_context)


class CAPIManagementMoveTask(Task):
    """Move the Cluster API objects from the bootstrap cluster to the new management cluster."""

    name = "capi-management-move"
    message = "Moving the cluster management components from the bootstrap cluster to the management cluster"
    on_failure = BOTH_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap, workload = ctx.bootstrap_cluster, ctx.workload_cluster
        assert bootstrap is not None and workload is not None
        ctx.info(self.message)
        annotate_eksa_objects(ctx, bootstrap, ctx.spec, {PAUSED: "true"})
        move_capi(ctx, bootstrap, workload, ctx.spec, manifests(ctx))
        ctx.hooks.post_move(spec=ctx.spec, cluster=workload, context=ctx.hook_context)
        ctx.management_cluster = workload

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        ctx.management_cluster = ctx.workload_cluster


class EksaComponentsWorkloadInstallTask(Task):
    """Install the EKS-A components on the new management cluster and move the cluster spec there."""

    name = "eksa-components-workload-install"
    message = "Installing EKS-A custom components on the management cluster"
    on_failure = BOTH_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        workload = ctx.workload_cluster
        assert workload is not None
        install_eksa_components(ctx, workload, "the management cluster")
        ctx.info("Moving cluster spec to workload cluster")
        copy_eksa_objects(ctx, workload, ctx.spec, annotations=cli_annotations(ctx))
        annotate_eksa_objects(ctx, workload, ctx.spec, {PAUSED: None})


class DeleteKindClusterTask(Task):
    """Delete the bootstrap cluster (refused while it still holds a provisioned management cluster)."""

    name = "delete-kind-cluster"
    message = "Deleting bootstrap cluster"

    def run(self, ctx: WorkflowContext) -> None:
        bootstrap = ctx.bootstrap_cluster
        assert bootstrap is not None and ctx.bootstrapper is not None
        ctx.info(self.message)
        objects = manifests(ctx)
        api_version, namespace = capi_cluster_ref(objects, ctx.cluster_name)
        kube = ctx.kube(bootstrap)
        found = kube.get_or_none(api_version, "Cluster", ctx.cluster_name, namespace)
        if found is not None and (found.get("status") or {}).get("phase") == "Provisioned":
            raise EksaError("error deleting bootstrap cluster: management cluster in bootstrap cluster")
        if ctx.dry_run:
            ctx.record("bootstrap-delete", cluster=bootstrap.name)
        else:
            if ctx.bootstrapper.keeps_cluster:
                _remove_moved_eksa_objects(ctx, bootstrap)
            ctx.forget_client(bootstrap)
            ctx.bootstrapper.delete(bootstrap)
        ctx.info(CLUSTER_CREATED)


def _remove_moved_eksa_objects(ctx: WorkflowContext, bootstrap: ClusterHandle) -> None:
    """Delete from a bootstrap cluster that stays (one the user supplied) the spec's EKS Anywhere objects, paused
    there since the move and live on the new management cluster: only those this CLI wrote (its field manager is
    among their managers), so nothing the user put there is touched. A controller running there leaves paused
    objects alone, so EKS Anywhere's Cluster finalizer is taken off first (no teardown is wanted: the machines
    belong to the moved objects)."""
    kube = ctx.kube(bootstrap)
    kube.invalidate_discovery()
    if not kube.has_kind(EKSA_API_VERSION, "Cluster"):
        return
    namespace = ctx.spec.cluster.namespace or "default"
    for obj in reversed(ctx.spec.config.objects):
        if not kube.has_kind(EKSA_API_VERSION, obj.kind):
            continue
        found = kube.get_or_none(EKSA_API_VERSION, obj.kind, obj.name, namespace)
        managers = {m.get("manager") for m in ((found or {}).get("metadata") or {}).get("managedFields") or []}
        if found is None or FIELD_MANAGER not in managers:
            continue
        ctx.info(f"Removing {obj.kind} {obj.name} from the bootstrap cluster (it lives on the management cluster now)")
        finalizers = list((found.get("metadata") or {}).get("finalizers") or [])
        if CLUSTER_FINALIZER in finalizers:
            kept = [f for f in finalizers if f != CLUSTER_FINALIZER]
            kube.patch_merge(EKSA_API_VERSION, obj.kind, obj.name, {"metadata": {"finalizers": kept or None}},
                             namespace)
        kube.delete(EKSA_API_VERSION, obj.kind, obj.name, namespace, ignore_not_found=True)


class InstallCuratedPackagesTask(Task):
    """Install curated packages (only when a plugin provides them; failures only warn)."""

    name = "install-curated-packages"
    fatal = False

    def should_run(self, ctx: WorkflowContext) -> bool:
        packages = ctx.spec.cluster.spec.packages
        return ctx.hooks.has_install_packages() and not (packages and packages.disable)

    def run(self, ctx: WorkflowContext) -> None:
        cluster = ctx.workload_cluster
        assert cluster is not None
        ctx.hooks.install_packages(spec=ctx.spec, cluster=cluster, context=ctx.hook_context)

    def failure_message(self, error: BaseException) -> str:
        return f"⚠️ Curated packages installation failed: {error}"


# ---------------------------------------------------------------------------------------------- workload path


class CreateWorkloadClusterTask(Task):
    """Create the workload cluster from its management cluster."""

    name = "create-workload-cluster"
    message = "Creating workload cluster"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        management = ctx.management_cluster
        assert management is not None
        ctx.info(self.message)
        objects = manifests(ctx, plan_file=f"{self.name}.yaml")
        apply_provider_secrets(ctx, management)
        apply_and_wait(ctx, management, ctx.spec, objects, eksa_annotations=cli_annotations(ctx),
                       plan_file=f"{self.name}.yaml", after_control_plane=_networking(ctx, management))
        ctx.workload_cluster = _workload_handle(ctx)

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        ctx.workload_cluster = _workload_handle(ctx)


def build_create_workflow(ctx: WorkflowContext) -> Workflow:
    """The management or workload create workflow for ``ctx.spec`` (decided by ``managementCluster.name``)."""
    failure = diagnostics_tasks()
    if ctx.spec.cluster.is_self_managed():
        tasks: list[Task] = [
            SetupAndValidateTask("setup-validate",
                                 validation_name="{provider} Provider setup is valid",
                                 message="Performing setup and validations", core=create_validations),
            BootstrapClusterInitTask(),
            UpdateSecretsCreateTask(),
            InstallCAPIComponentsBootstrapTask(),
            EksaComponentsBootstrapInstallTask(),
            WorkloadClusterInitTask(),
            InstallResourcesOnManagementTask(),
            CAPIManagementMoveTask(),
            EksaComponentsWorkloadInstallTask(),
            GitOpsInstallTask(),
            WriteClusterConfigTask(on_failure=BOTH_DIAG, workflow="create-management"),
            DeleteKindClusterTask(),
            InstallCuratedPackagesTask(),
        ]
        return Workflow("create-management", tasks, failure)
    tasks = [
        SetupAndValidateTask("setup-validate-create",
                             validation_name="workload cluster's {provider} Provider setup is valid",
                             message="Performing setup and validations", on_failure=MGMT_DIAG,
                             core=create_validations),
        CreateWorkloadClusterTask(),
        GitOpsInstallTask(),
        WriteClusterConfigTask(success_message=CLUSTER_CREATED, on_failure=MGMT_DIAG,
                               workflow="create-workload"),
    ]
    return Workflow("create-workload", tasks, failure)
