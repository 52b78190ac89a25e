"""Tasks and helpers shared by the create, upgrade and delete workflows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..context import ClusterHandle
from ..errors import EksaError
from .capi import ComponentsRequest, component_versions
from .engine import Task
from .ops import MANAGED_BY_CLI, MANAGEMENT_COMPONENTS_VERSION, SYSTEM_NAMESPACE, render_manifests
from .preflight import Validation, run_validations

if TYPE_CHECKING:
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = [
    "GITOPS_SKIPPED",
    "CollectDiagnosticsTask",
    "GitOpsInstallTask",
    "SetupAndValidateTask",
    "WriteClusterConfigTask",
    "apply_provider_secrets",
    "components_request",
    "manifests",
]

REGISTRY_SECRET = "registry-credentials"


def components_request(ctx: WorkflowContext, spec: Spec | None = None) -> ComponentsRequest:
    """The provider's clusterctl environment, infrastructure bundle and component versions for ``spec``."""
    spec = spec or ctx.spec
    env = ctx.hooks.env_map(spec, ctx.hook_context)
    ctx.redact.add_env_map(env)
    bundle = ctx.hooks.infrastructure_bundle(spec)
    etcd = spec.cluster.spec.external_etcd_configuration
    return ComponentsRequest(
        spec=spec,
        provider_name=ctx.provider.info.name,
        env=dict(env),
        infrastructure=bundle,
        versions=component_versions(spec, ctx.provider.info),
        overrides_dir=ctx.generated_dir / "overrides",
        external_etcd=bool(etcd and etcd.count),
    )


def manifests(ctx: WorkflowContext, spec: Spec | None = None, *, plan_file: str | None = None,
              **names: Any) -> list[dict[str, Any]]:
    """The rendered Cluster API objects of ``spec`` (cached per run for the default names)."""
    spec = spec or ctx.spec
    key = f"manifests:{id(spec)}:{sorted(names.items())!r}"
    if key not in ctx.cache:
        ctx.cache[key] = render_manifests(ctx, spec, plan_file=plan_file, **names)
    elif plan_file and ctx.dry_run:
        from .ops import write_plan_file

        write_plan_file(ctx, plan_file, ctx.cache[key])
    return list(ctx.cache[key])


def apply_provider_secrets(ctx: WorkflowContext, cluster: ClusterHandle, spec: Spec | None = None) -> None:
    """Apply the Secrets of ``eksa_generate_secrets`` to ``cluster`` (never logged)."""
    spec = spec or ctx.spec
    secrets = ctx.hooks.generate_secrets(spec=spec, context=ctx.hook_context) or []
    if not secrets:
        return
    ctx.redact.add_manifests(secrets)
    kube = ctx.kube(cluster)
    kube.create_namespace(SYSTEM_NAMESPACE)
    kube.apply(list(secrets), field_manager="eks-a-cli", force=True)


def registry_mirror_authenticates(spec: Spec) -> bool:
    mirror = spec.cluster.spec.registry_mirror_configuration
    return bool(mirror and mirror.authenticate)


def apply_registry_secret(ctx: WorkflowContext, cluster: ClusterHandle) -> None:
    """Create the registry mirror credentials Secret (``REGISTRY_USERNAME``/``REGISTRY_PASSWORD``)."""
    env = ctx.hook_context.env
    username, password = env.get("REGISTRY_USERNAME"), env.get("REGISTRY_PASSWORD")
    if not username or not password:
        missing = "REGISTRY_USERNAME" if not username else "REGISTRY_PASSWORD"
        raise EksaError(f"please set {missing} env var")
    ctx.redact.add([username, password])
    kube = ctx.kube(cluster)
    kube.create_namespace(SYSTEM_NAMESPACE)
    kube.apply({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": REGISTRY_SECRET, "namespace": SYSTEM_NAMESPACE},
                "stringData": {"username": username, "password": password}},
               field_manager="eks-a-cli", force=True)


def cli_annotations(ctx: WorkflowContext) -> dict[str, str]:
    """Annotations the CLI puts on the EKS-A Cluster it creates (managed-by-cli, components version)."""
    out = {MANAGED_BY_CLI: "true"}
    version = ctx.options.management_components_version or ctx.spec.eksa_version
    if version:
        out[MANAGEMENT_COMPONENTS_VERSION] = version
    return out


def has_gitops(spec: Spec) -> bool:
    """Whether the spec configures GitOps (``Cluster.spec.gitOpsRef``)."""
    return spec.cluster.spec.git_ops_ref is not None


def handle_payload(handle: ClusterHandle | None) -> dict[str, Any] | None:
    """Checkpoint data of a cluster handle (name and kubeconfig path; never the kubeconfig itself)."""
    if handle is None:
        return None
    return {"name": handle.name, "kubeconfig": str(handle.kubeconfig) if handle.kubeconfig else None}


def handle_from_payload(payload: Any) -> ClusterHandle | None:
    if not isinstance(payload, dict) or not payload.get("name"):
        return None
    kubeconfig = payload.get("kubeconfig")
    return ClusterHandle(str(payload["name"]), Path(kubeconfig) if kubeconfig else None)


# ---------------------------------------------------------------------------------------------------- tasks


class SetupAndValidateTask(Task):
    """Provider setup and validation (the provider may fill defaults that need the infrastructure), then the
    core preflight validations, reported one by one as EKS Anywhere's validation runner does."""

    message = "Performing setup and validations"
    validation_name: ClassVar[str] = "{provider} Provider setup is valid"

    def __init__(self, name: str, *, validation_name: str, message: str,
                 on_failure: tuple[str, ...] = (),
                 core: Callable[[WorkflowContext], list[Validation]] | None = None) -> None:
        self.name = name  # type: ignore[misc]
        self.validation_name = validation_name  # type: ignore[misc]
        self.message = message  # type: ignore[misc]
        self.on_failure = on_failure  # type: ignore[misc]
        self.core = core

    def provider_validation(self, ctx: WorkflowContext) -> Validation:
        """The provider's setup hook as a named validation."""
        name = self.validation_name.format(provider=ctx.provider.info.name, cluster=ctx.cluster_name)
        return Validation(name, lambda: self.provider_setup(ctx),
                          "check the provider's settings and credentials as the error says")

    def provider_setup(self, ctx: WorkflowContext) -> None:
        """Call the provider's setup-and-validate hook of this workflow (create here; upgrade and delete
        override it)."""
        ctx.hooks.setup_and_validate_create(ctx.spec, ctx.hook_context)

    def _validate(self, ctx: WorkflowContext, *, full: bool = True) -> None:
        validations = [self.provider_validation(ctx)]
        if full and self.core is not None:
            validations += self.core(ctx)
        run_validations(ctx, validations)

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message)
        self._validate(ctx)

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        # As EKS Anywhere: the provider validation runs again, since it fills in spec defaults later tasks need.
        self._validate(ctx, full=False)


class WriteClusterConfigTask(Task):
    """Write the cluster spec to ``<cluster>/<cluster>-eks-a-cluster.yaml`` and, for a cluster with an
    ``AWSIamConfig``, its AWS IAM Authenticator kubeconfig ``<cluster>/<cluster>-aws.kubeconfig``."""

    name = "write-cluster-config"
    message = "Writing cluster config file"

    #: What the task says when it writes or removes the AWS IAM kubeconfig, by workflow.
    IAM_MESSAGES: ClassVar[dict[str, tuple[str, str | None]]] = {
        "create-management": ("Generating the aws iam kubeconfig file", None),
        "create-workload": ("Generating AWS IAM kubeconfig file for new workload cluster", None),
        "upgrade-management": (
            "Generating AWS IAM kubeconfig file for management cluster upgrade (AWS IAM added)",
            "Cleaning up AWS IAM kubeconfig file (AWS IAM removed during management cluster upgrade)"),
        "upgrade-workload": (
            "Generating AWS IAM kubeconfig file for workload cluster upgrade (AWS IAM added)",
            "Cleaning up AWS IAM kubeconfig file (AWS IAM removed during workload cluster upgrade)"),
    }

    def __init__(self, *, success_message: str | None = None, on_failure: tuple[str, ...] = (),
                 workflow: str = "create-management") -> None:
        self.success_message = success_message
        self.on_failure = on_failure  # type: ignore[misc]
        self.workflow = workflow

    def run(self, ctx: WorkflowContext) -> None:
        from .awsiam import aws_iam_config, write_aws_iam_kubeconfig

        ctx.info(self.message)
        ctx.write_file(ctx.config_path, ctx.spec.config.dump)  # dumped only when written (not in a dry run)
        added, removed = self.IAM_MESSAGES[self.workflow]
        has_iam = aws_iam_config(ctx.spec) is not None
        if self.workflow.startswith("upgrade"):
            had_iam = aws_iam_config(ctx.current_spec) is not None
            if has_iam and not had_iam:
                ctx.info(added)
                write_aws_iam_kubeconfig(ctx)
            elif had_iam and not has_iam and removed:
                ctx.info(removed)
                ctx.remove_file(ctx.aws_kubeconfig_path)
        elif has_iam:
            ctx.info(added)
            write_aws_iam_kubeconfig(ctx)
        if self.success_message:
            ctx.info(self.success_message)


#: What EKS Anywhere says when the spec has no GitOps config (the task still runs and says it).
GITOPS_SKIPPED = "GitOps field not specified, bootstrap flux skipped"


class GitOpsInstallTask(Task):
    """Install the GitOps toolkit (non-fatal); without a GitOps config it only says it skipped."""

    name = "gitops-manager-install"
    message = "Installing GitOps Toolkit on workload cluster"
    fatal = False

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message)
        if not has_gitops(ctx.spec):
            ctx.info(GITOPS_SKIPPED)
            return
        cluster = ctx.workload_cluster or ctx.management_cluster
        assert cluster is not None
        ctx.hooks.install_gitops(spec=ctx.spec, cluster=cluster, context=ctx.hook_context)

    def failure_message(self, error: BaseException) -> str:
        return ("❌ Error when installing GitOps toolkits on workload cluster; EKS-A will continue with cluster "
                "creation, but GitOps will not be enabled")


class CollectDiagnosticsTask(Task):
    """Collect support bundles after a failure (errors are swallowed)."""

    def __init__(self, name: str, message: str, roles: tuple[str, ...]) -> None:
        self.name = name  # type: ignore[misc]
        self.message = message  # type: ignore[misc]
        self.roles = roles

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message, level=0)
        for role in self.roles:
            if role == "management":
                cluster = ctx.bootstrap_cluster or ctx.management_cluster
            else:
                cluster = ctx.workload_cluster
            if cluster is None:
                continue
            try:
                ctx.hooks.collect_diagnostics(spec=ctx.spec, cluster=cluster, role=role,
                         context=ctx.hook_context)
            except Exception as exc:  # diagnostics never fail the workflow further
                ctx.info(f"collecting {role} cluster diagnostics failed: {exc}", level=5)


def diagnostics_tasks() -> dict[str, Task]:
    """EKS Anywhere's diagnostics tasks, by name."""
    return {
        "collect-cluster-diagnostics": CollectDiagnosticsTask(
            "collect-cluster-diagnostics", "collecting cluster diagnostics", ("management", "workload")),
        "collect-management-cluster-diagnostics": CollectDiagnosticsTask(
            "collect-management-cluster-diagnostics", "collecting management cluster diagnostics",
            ("management",)),
        "collect-workload-cluster-diagnostics": CollectDiagnosticsTask(
            "collect-workload-cluster-diagnostics", "collecting workload cluster diagnostics", ("workload",)),
    }


MGMT_DIAG = ("collect-management-cluster-diagnostics",)
BOTH_DIAG = ("collect-cluster-diagnostics",)
