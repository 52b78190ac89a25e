"""The upgrade workflows (management and workload), with EKS Anywhere's task names and messages."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..context import ClusterHandle
from ..errors import EksaError
from ..files import PRIVATE, write_file_atomic
from ..plugins import ComponentChangeDiff
from .cni import CNI_UPGRADE_MESSAGE, install_cni, skips_cni_upgrade
from .common import (
    MGMT_DIAG,
    SetupAndValidateTask,
    WriteClusterConfigTask,
    apply_provider_secrets,
    components_request,
    diagnostics_tasks,
    has_gitops,
    manifests,
)
from .engine import Task, Workflow
from .ops import (
    CONTROL_PLANE_CONDITIONS,
    EKSA_API_VERSION,
    FIELD_MANAGER,
    MANAGEMENT_COMPONENTS_VERSION,
    apply_and_wait,
    backup_cluster,
    capi_cluster_ref,
    render_manifest_parts,
    upgrade_template_names,
    write_kubeconfig,
    write_plan_file,
)
from .preflight import upgrade_validations

if TYPE_CHECKING:
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = ["build_upgrade_workflow", "load_current_spec"]

CLUSTER_UPGRADED = "🎉 Cluster upgraded!"
_SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink")


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    obj = dict(obj)
    obj.pop("status", None)
    meta = dict(obj.get("metadata") or {})
    for key in _SERVER_FIELDS:
        meta.pop(key, None)
    obj["metadata"] = meta
    return obj


def _refs(cluster: dict[str, Any]) -> list[tuple[str, str]]:
    spec = cluster.get("spec") or {}
    refs = [spec.get("datacenterRef"),
            (spec.get("controlPlaneConfiguration") or {}).get("machineGroupRef"),
            (spec.get("externalEtcdConfiguration") or {}).get("machineGroupRef")]
    refs += [g.get("machineGroupRef") for g in spec.get("workerNodeGroupConfigurations") or []]
    out: list[tuple[str, str]] = []
    for ref in refs:
        if isinstance(ref, dict) and ref.get("kind") and ref.get("name"):
            key = (str(ref["kind"]), str(ref["name"]))
            if key not in out:
                out.append(key)
    return out


def load_current_spec(ctx: WorkflowContext, management: ClusterHandle | None) -> Spec:
    """The spec the cluster runs now: its EKS Anywhere objects in the management cluster when it serves them,
    else the cluster folder's ``<cluster>-eks-a-cluster.yaml``. Release data is the new spec's."""
    from ..releases.build import spec_with_release_data
    from ..spec import Spec, parse_cluster_config

    text: str | None = None
    source = ""
    if management is not None and not ctx.dry_run:
        kube = ctx.kube(management)
        namespace = ctx.spec.cluster.namespace or "default"
        if kube.has_kind(EKSA_API_VERSION, "Cluster"):
            found = kube.get_or_none(EKSA_API_VERSION, "Cluster", ctx.cluster_name, namespace)
            if found is not None:
                docs = [_clean(found)]
                for kind, name in _refs(found):
                    if kube.has_kind(EKSA_API_VERSION, kind):
                        child = kube.get_or_none(EKSA_API_VERSION, kind, name, namespace)
                        if child is not None:
                            docs.append(_clean(child))
                text = yaml.safe_dump_all(docs, sort_keys=False)
                source = f"cluster {management.name}"
    if text is None and ctx.config_path.is_file():
        text = ctx.config_path.read_text()
        source = str(ctx.config_path)
    if text is None:
        raise EksaError(f"cannot find the current spec of cluster {ctx.cluster_name}: it is neither in the "
                        f"management cluster nor in {ctx.config_path}; pass current_spec")
    config = parse_cluster_config(text, file=source, registry=ctx.plugins.registry)
    new = ctx.spec
    if new.bundles is None:  # a spec built without release data (tests): nothing to look up
        return Spec(config, bundles=None, versions_bundles=dict(new.versions_bundles),
                    eksd_releases=dict(new.eksd_releases), eksa_version=new.eksa_version, plugins=ctx.plugins)
    # each Kubernetes version the cluster runs now gets its own versions bundle and EKS-D release
    current = spec_with_release_data(config, new)
    current.plugins = ctx.plugins
    return current


class UpgradeSetupAndValidateTask(SetupAndValidateTask):
    """Read the current spec, then run the provider's upgrade validation and immutability checks."""

    def _validate(self, ctx: WorkflowContext, *, full: bool = True) -> None:
        if ctx.current_spec is None:
            ctx.current_spec = load_current_spec(ctx, ctx.management_cluster)
        super()._validate(ctx, full=full)

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        # The spec the cluster ran before this upgrade: a resumed run must compare against it, not against what
        # the cluster holds after an interrupted run already applied part of the new spec (machine template
        # names would not roll, and templates would change in place).
        return {"currentSpec": ctx.current_spec.config.dump()} if ctx.current_spec is not None else None

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        text = payload.get("currentSpec") if isinstance(payload, dict) else None
        if ctx.current_spec is None and isinstance(text, str):
            from ..spec import Spec, parse_cluster_config

            config = parse_cluster_config(text, file="the checkpoint's current spec", registry=ctx.plugins.registry)
            new = ctx.spec
            ctx.current_spec = Spec(config, bundles=new.bundles, versions_bundles=dict(new.versions_bundles),
                                    eksd_releases=dict(new.eksd_releases), eksa_version=new.eksa_version,
                                    plugins=ctx.plugins)
        super().restore(ctx, payload)

    def provider_setup(self, ctx: WorkflowContext) -> None:
        ctx.hooks.setup_and_validate_upgrade(ctx.spec, ctx.current_spec or ctx.spec, ctx.hook_context)


class UpdateSecretsTask(Task):
    """Refresh the provider's credential secrets on the management cluster."""

    name = "update-secrets"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.management_cluster is not None
        apply_provider_secrets(ctx, ctx.management_cluster)
        ctx.hooks.update_secrets(spec=ctx.spec, cluster=ctx.management_cluster, context=ctx.hook_context)


class EnsureEtcdProvidersTask(Task):
    """Install the etcdadm providers when the management cluster lacks them."""

    name = "ensure-etcd-capi-components-exist"
    message = "Ensuring etcd CAPI providers exist on management cluster before upgrade"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.management_cluster is not None
        ctx.info(self.message)
        ctx.installer.ensure_etcd_providers(ctx.management_cluster, components_request(ctx, ctx.current_spec))


class PauseGitOpsTask(Task):
    """Pause GitOps reconciliation of the cluster's objects."""

    name = "pause-controllers-reconcile"
    message = "Pausing GitOps cluster resources reconcile"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        ctx.info(self.message)
        if has_gitops(ctx.spec):
            assert ctx.management_cluster is not None
            ctx.hooks.pause_gitops_reconcile(spec=ctx.spec, cluster=ctx.management_cluster,
                     context=ctx.hook_context)


class UpgradeCoreComponentsTask(Task):
    """Upgrade Cluster API, the infrastructure provider, EKS-A and EKS-D components; the change diff is the
    checkpoint payload."""

    name = "upgrade-core-components"
    message = "Upgrading core components"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        management = ctx.management_cluster
        assert management is not None and ctx.current_spec is not None
        ctx.info(self.message)
        ctx.hooks.pre_core_components_upgrade(spec=ctx.spec, cluster=management, context=ctx.hook_context)
        diffs = list(ctx.installer.upgrade(management, components_request(ctx),
                                           components_request(ctx, ctx.current_spec)))
        provider_diff = ctx.hooks.change_diff(current_spec=ctx.current_spec, new_spec=ctx.spec)
        if provider_diff is not None and all(d.component_name != provider_diff.component_name for d in diffs):
            diffs.append(provider_diff)
        ctx.change_diffs = diffs
        version = ctx.options.management_components_version or ctx.spec.eksa_version
        kube = ctx.kube(management)
        if version and kube.has_kind(EKSA_API_VERSION, "Cluster"):
            kube.apply({"apiVersion": EKSA_API_VERSION, "kind": "Cluster",
                        "metadata": {"name": ctx.cluster_name, "namespace": ctx.spec.cluster.namespace or "default",
                                     "annotations": {MANAGEMENT_COMPONENTS_VERSION: version}}},
                       field_manager=FIELD_MANAGER, force=True)

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        return {"components": [{"name": d.component_name, "oldVersion": d.old_version,
                                "newVersion": d.new_version} for d in ctx.change_diffs]}

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        items = (payload or {}).get("components") or []
        ctx.change_diffs = [ComponentChangeDiff(str(i.get("name")), str(i.get("oldVersion")),
                                                str(i.get("newVersion"))) for i in items]


def _backup_dir(ctx: WorkflowContext) -> Path:
    stamp = _dt.datetime.now().strftime("%Y-%m-%dT%H_%M_%S")
    return ctx.cluster_dir / f"{ctx.cluster_name}-backup-{stamp}"


def _pause_workload_clusters(ctx: WorkflowContext, paused: bool) -> None:
    management = ctx.management_cluster
    assert management is not None
    api_version, namespace = capi_cluster_ref(manifests(ctx), ctx.cluster_name)
    kube = ctx.kube(management)
    for cluster in kube.list(api_version, "Cluster", namespace):
        name = (cluster.get("metadata") or {}).get("name")
        if name and name != ctx.cluster_name:
            kube.patch_merge(api_version, "Cluster", name, {"spec": {"paused": paused}}, namespace)


class PreClusterUpgradeTask(Task):
    """Back up the cluster's objects (and, for a management cluster, pause its workload clusters)."""

    name = "pre-cluster-upgrade"

    def __init__(self, *, management: bool) -> None:
        self.management = management
        self.message = ("Backing up management cluster's resources before upgrading" if management  # type: ignore[misc]
                        else "Backing up workload cluster's resources before upgrading")
        self.on_failure = MGMT_DIAG  # type: ignore[misc]

    def run(self, ctx: WorkflowContext) -> None:
        management = ctx.management_cluster
        assert management is not None
        ctx.info(self.message)
        ctx.backup_dir = ctx.backup_dir or _backup_dir(ctx)
        backup_cluster(ctx, management, ctx.spec, manifests(ctx), ctx.backup_dir)
        if self.management:
            ctx.info("Pausing workload clusters before upgrading management cluster", level=3)
            _pause_workload_clusters(ctx, True)

    def checkpoint(self, ctx: WorkflowContext) -> Any:
        return {"backupDir": ctx.backup_dir.name} if ctx.backup_dir else None

    def restore(self, ctx: WorkflowContext, payload: Any) -> None:
        if isinstance(payload, dict) and payload.get("backupDir"):
            ctx.backup_dir = ctx.cluster_dir / str(payload["backupDir"])


class InstallNewEksaVersionComponentsTask(Task):
    """Install the new release's EKS-A (Bundles, EKSARelease) and EKS-D components."""

    name = "install-new-eksa-version-components"
    on_failure = MGMT_DIAG

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.management_cluster is not None
        request = components_request(ctx)
        ctx.installer.install_eksa_components(ctx.management_cluster, request)
        ctx.installer.install_eksd_components(ctx.management_cluster, request)


class UpgradeClusterTask(Task):
    """Render the new spec (keeping or rolling machine template names) and apply it, then wait."""

    name = "upgrade-workload-cluster"

    def __init__(self, *, management: bool) -> None:
        self.message = "Upgrading management cluster" if management else "Upgrading workload cluster components"  # type: ignore[misc]
        self.on_failure = MGMT_DIAG  # type: ignore[misc]

    def run(self, ctx: WorkflowContext) -> None:
        management = ctx.management_cluster
        assert management is not None and ctx.current_spec is not None
        ctx.info(self.message)
        names = self._names(ctx, management)
        objects = manifests(ctx, plan_file=f"{self.name}.yaml", **names)
        if not kubernetes_version_changes(ctx.current_spec, ctx.spec):
            apply_and_wait(ctx, management, ctx.spec, objects, plan_file=f"{self.name}.yaml",
                           after_control_plane=self._networking(ctx, management))
            ctx.hooks.post_control_plane_upgrade(spec=ctx.spec, current_spec=ctx.current_spec,
                                                 cluster=management, context=ctx.hook_context)
            return
        # A Kubernetes version upgrade: the control plane (and etcd) first, ready on the new version, then the
        # worker groups, each on its own version (EKS Anywhere upgrades one minor version at a time).
        control_plane, workers = render_manifest_parts(ctx, ctx.spec, **names)
        for part, objs in (("control-plane", control_plane), ("workers", workers)):
            ctx.redact.add_manifests(objs)
            if ctx.dry_run:
                write_plan_file(ctx, f"upgrade-{part}.yaml", objs)
        ctx.info("Upgrading the control plane", level=3)
        apply_and_wait(ctx, management, ctx.spec, control_plane, plan_file="upgrade-control-plane.yaml",
                       conditions=CONTROL_PLANE_CONDITIONS, health_checks=False,
                       after_control_plane=self._networking(ctx, management))
        ctx.hooks.post_control_plane_upgrade(spec=ctx.spec, current_spec=ctx.current_spec,
                                             cluster=management, context=ctx.hook_context)
        ctx.info("Upgrading the worker node groups", level=3)
        apply_and_wait(ctx, management, ctx.spec, workers, plan_file="upgrade-workers.yaml",
                       capi_ref=capi_cluster_ref(control_plane, ctx.spec.name))

    @staticmethod
    def _networking(ctx: WorkflowContext, management: ClusterHandle) -> Callable[[], None]:
        """The CNI brought to the new spec once the control plane is up (Cilium's chart of the new bundle, its
        new values), unless ``cilium.skipUpgrade`` says to leave it alone. A self-managed cluster is its own
        management cluster; a workload cluster is reached with the kubeconfig in its folder (written from
        Cluster API's Secret when the folder lacks it)."""

        def run() -> None:
            if skips_cni_upgrade(ctx.spec):
                ctx.info("Cilium upgrade skipped: cilium.skipUpgrade is set", level=3)
                return
            if ctx.spec.cluster.is_self_managed():
                target = management
            else:
                if not ctx.kubeconfig_path.is_file():
                    write_kubeconfig(ctx, management, ctx.spec)
                target = ClusterHandle(ctx.cluster_name, ctx.kubeconfig_path)
            install_cni(ctx, target, ctx.spec, message=CNI_UPGRADE_MESSAGE, level=3)

        return run

    @staticmethod
    def _names(ctx: WorkflowContext, management: ClusterHandle) -> dict[str, Any]:
        """The template names of this upgrade, decided once: a run interrupted while applying them left the live
        objects half-way, so a resumed run uses the names the interrupted one chose (kept beside the checkpoint)
        instead of deciding again from what it finds (which would roll the templates once more)."""
        path = ctx.generated_dir / f"{ctx.cluster_name}-upgrade-template-names.yaml"
        if ctx.resuming and not ctx.dry_run and path.is_file():
            saved = yaml.safe_load(path.read_text())
            if isinstance(saved, dict):
                return saved
        assert ctx.current_spec is not None
        names = upgrade_template_names(ctx, management, ctx.current_spec, ctx.spec, manifests(ctx))
        if not ctx.dry_run:
            write_file_atomic(path, yaml.safe_dump(names, sort_keys=False), mode=PRIVATE)
        return names


def kubernetes_version_changes(current: Spec, new: Spec) -> bool:
    """Whether an upgrade from ``current`` to ``new`` changes the Kubernetes version of the control plane or of
    any worker group (a group without its own ``kubernetesVersion`` follows the cluster's)."""
    old_cluster, new_cluster = current.cluster, new.cluster
    if old_cluster.spec.kubernetes_version != new_cluster.spec.kubernetes_version:
        return True
    old_groups = {g.name: g.kubernetes_version or old_cluster.spec.kubernetes_version
                  for g in old_cluster.worker_groups()}
    new_default = new_cluster.spec.kubernetes_version
    return any(g.name in old_groups and old_groups[g.name] != (g.kubernetes_version or new_default)
               for g in new_cluster.worker_groups())


class ResumeGitOpsTask(Task):
    """Commit the new spec to the GitOps repository and resume reconciliation."""

    name = "resume-gitops-reconciliation"
    message = "Updating Git Repo with new EKS-A cluster spec"
    on_failure = MGMT_DIAG

    def should_run(self, ctx: WorkflowContext) -> bool:
        return has_gitops(ctx.spec)

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.management_cluster is not None
        ctx.info("Updating Git Repo with new EKS-A cluster spec")
        ctx.info("Forcing reconcile Git repo with latest commit")
        ctx.info("Resuming GitOps cluster resources kustomization")
        ctx.hooks.resume_gitops_reconcile(spec=ctx.spec, cluster=ctx.management_cluster,
                 context=ctx.hook_context)


class PostClusterUpgradeTask(Task):
    """Resume workload clusters (management upgrade) and remove the backup."""

    name = "post-cluster-upgrade"

    def __init__(self, *, management: bool) -> None:
        self.management = management

    def run(self, ctx: WorkflowContext) -> None:
        if self.management:
            ctx.info("Resuming all workload clusters after management cluster upgrade", level=3)
            _pause_workload_clusters(ctx, False)
        ctx.info("Cleaning up backup resources")
        if ctx.backup_dir is not None:
            ctx.remove_tree(ctx.backup_dir)


class UpgradeCuratedPackagesTask(Task):
    """Re-install curated packages when the registry mirror configuration changed."""

    name = "upgrade-curated-packages"
    fatal = False

    def should_run(self, ctx: WorkflowContext) -> bool:
        if not ctx.hooks.has_install_packages() or ctx.current_spec is None:
            return False
        from ..convert import unstructure

        old = ctx.current_spec.cluster.spec.registry_mirror_configuration
        new = ctx.spec.cluster.spec.registry_mirror_configuration
        return (unstructure(old) if old else None) != (unstructure(new) if new else None)

    def run(self, ctx: WorkflowContext) -> None:
        assert ctx.management_cluster is not None
        ctx.hooks.install_packages(spec=ctx.spec, cluster=ctx.management_cluster, context=ctx.hook_context)


def build_upgrade_workflow(ctx: WorkflowContext) -> Workflow:
    """The management or workload upgrade workflow for ``ctx.spec``."""
    failure = diagnostics_tasks()
    if ctx.spec.cluster.is_self_managed():
        tasks: list[Task] = [
            UpgradeSetupAndValidateTask("setup-and-validate",
                                        validation_name="{provider} provider validation",
                                        message="Performing setup and validations", on_failure=MGMT_DIAG,
                                        core=upgrade_validations),
            UpdateSecretsTask(),
            EnsureEtcdProvidersTask(),
            PauseGitOpsTask(),
            UpgradeCoreComponentsTask(),
            PreClusterUpgradeTask(management=True),
            InstallNewEksaVersionComponentsTask(),
            UpgradeClusterTask(management=True),
            ResumeGitOpsTask(),
            WriteClusterConfigTask(success_message=CLUSTER_UPGRADED, on_failure=MGMT_DIAG,
                                   workflow="upgrade-management"),
            PostClusterUpgradeTask(management=True),
            UpgradeCuratedPackagesTask(),
        ]
        return Workflow("upgrade-management", tasks, failure)
    tasks = [
        UpgradeSetupAndValidateTask("setup-validate-upgrade",
                                    validation_name="workload cluster's {provider} provider validation",
                                    message="Performing setup and validations", on_failure=MGMT_DIAG,
                                    core=upgrade_validations),
        PreClusterUpgradeTask(management=False),
        UpgradeClusterTask(management=False),
        WriteClusterConfigTask(success_message=CLUSTER_UPGRADED, on_failure=MGMT_DIAG,
                               workflow="upgrade-workload"),
        PostClusterUpgradeTask(management=False),
    ]
    return Workflow("upgrade-workload", tasks, failure)

