"""Preflight validations of the setup tasks, and EKS Anywhere's validation runner.

:func:`run_validations` runs every :class:`Validation` (none stops the others) and reports each as EKS
Anywhere's runner does: ``✅ <Name>`` on success, ``❌ Validation failed`` followed by the ``validation``,
``error`` and ``remediation`` on failure. When any failed it raises one :class:`~eksa_core.errors.SpecErrors`
whose summary is ``validations failed: <names>`` and which lists every error (located in the spec when the
check knows where).

:func:`create_validations` and :func:`upgrade_validations` are the core checks that can run here (offline, or
against the clusters through :class:`~eksa_core.kube.KubeClient`); checks that need a cluster are only
recorded in a dry run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import SpecError, SpecErrors
from ..netutil import parse_semver
from .ops import CAPI_GROUP, EKSA_API_VERSION

if TYPE_CHECKING:
    from ..context import ClusterHandle
    from ..plugins import Plugins
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = [
    "Validation",
    "create_validations",
    "run_validations",
    "skippable_validations",
    "upgrade_validations",
]



def skippable_validations(plugins: Plugins, operation: str) -> tuple[str, ...]:
    """The validations ``--skip-validations`` may name on ``operation`` (``create`` or ``upgrade``), in EKS
    Anywhere's order: the core's (upgrade: ``pod-disruption`` and ``eksa-version-skew``) around the ones the
    installed providers declare (:attr:`~eksa_core.contract.ProviderInfo.skippable_validations`)."""
    declared: list[str] = []
    for info, _ in plugins.providers.values():
        declared += [name for name in info.skippable_validations if name not in declared]
    if operation == "upgrade":
        return ("pod-disruption", *declared, "eksa-version-skew")
    return tuple(declared)

#: A check returns the warnings it found (or ``None``) and raises on failure.
Check = Callable[[], "Iterable[SpecError] | None"]


@attrs.frozen
class Validation:
    """One named check of the runner.

    :ivar name: what the user reads (``validate cluster's eksaVersion matches EKS-A version``).
    :ivar check: raises :class:`~eksa_core.errors.SpecError`/:class:`~eksa_core.errors.SpecErrors` (or any
        error) on failure; returns warnings (:class:`~eksa_core.errors.SpecError` with ``warning=True``).
    :ivar remediation: what to do about a failure ("" when there is nothing general to say).
    :ivar cluster: the cluster the check reads; in a dry run such a check is recorded instead of run.
    :ivar requires: name of a validation this one depends on; when that one failed this one is not run (its
        error would only repeat the first one's).
    """

    name: str
    check: Check
    remediation: str = ""
    cluster: ClusterHandle | None = None
    requires: str | None = None


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def _errors_of(exc: BaseException) -> list[SpecError]:
    if isinstance(exc, SpecErrors):
        return list(exc)
    if isinstance(exc, SpecError):
        return [exc]
    return [SpecError(str(exc) or type(exc).__name__)]


def _warning_text(warning: SpecError) -> str:
    text = warning.message
    return text if text.lower().startswith("warning") else f"Warning: {text}"


def run_validations(ctx: WorkflowContext, validations: Sequence[Validation]) -> None:
    """Run every validation, report each, and raise ``SpecErrors("validations failed: ...")`` if any failed."""
    failed: list[str] = []
    errors: list[SpecError] = []
    already_shown = {(w.message, w.kind, w.name, w.field) for w in ctx.spec.config.warnings}
    for validation in validations:
        if ctx.dry_run and validation.cluster is not None:
            ctx.record("validation", validation=validation.name, cluster=validation.cluster.name)
            continue
        if validation.requires is not None and validation.requires in failed:
            ctx.info(f"skipping validation {validation.name!r}: {validation.requires!r} failed", level=3)
            continue
        try:
            warnings = list(validation.check() or [])
        except Exception as exc:  # every failure is reported; the runner goes on with the next validation
            found = [ctx.spec.config.locate(e) if e.kind else e for e in _errors_of(exc)]
            # redacted before JSON escaping, which could hide a secret with quotes from the redactor
            details = {"validation": validation.name, "error": ctx.redact("; ".join(e.message for e in found)),
                       "remediation": validation.remediation}
            ctx.info("❌ Validation failed\t" + json.dumps(details, ensure_ascii=False))
            failed.append(validation.name)
            errors += found
            continue
        for warning in warnings:
            if (warning.message, warning.kind, warning.name, warning.field) not in already_shown:
                ctx.info(_warning_text(warning))
        ctx.info(f"✅ {_capitalised(validation.name)}")
    if failed:
        raise SpecErrors(errors, summary=f"validations failed: {', '.join(failed)}")


# ------------------------------------------------------------------------------------------------ checks


def check_spec(ctx: WorkflowContext, *, creating: bool) -> list[SpecError]:
    """The full static validation of the spec (:func:`eksa_core.validation.validate`) and, on create, the
    CLI-only rule that etcd encryption cannot be set up at creation. Returns the warnings."""
    from ..validation import validate

    config = ctx.spec.config
    found = validate(config, plugins=ctx.plugins, env=ctx.hook_context.env)
    cluster = ctx.spec.cluster
    if creating and cluster.spec.etcd_encryption:
        found.append(config.locate(SpecError("etcdEncryption is not supported during cluster creation",
                                             kind=cluster.kind, name=cluster.name, field="spec.etcdEncryption"),
                                   cluster))
    errors = [e for e in found if not e.warning]
    if errors:
        raise SpecErrors(errors)
    return [e for e in found if e.warning]


def check_skip_validations(ctx: WorkflowContext, allowed: Sequence[str]) -> None:
    """The names given to skip (``context.options["skip_validations"]``) must be skippable ones."""
    requested = ctx.hook_context.options.get("skip_validations") or []
    names = [n for item in requested for n in str(item).split(",") if n]
    if any(n not in allowed for n in names):
        raise SpecError("invalid validation name to be skipped. The supported validations that can be skipped "
                        f"using --skip-validations are {', '.join(allowed)}")


GIT_AUTH = "validate authentication for git provider"


def _git_provider_url(spec: Spec) -> str | None:
    """The repository URL of the spec's FluxConfig when it uses the generic git provider (``None`` otherwise)."""
    ref = spec.cluster.spec.git_ops_ref
    if ref is None or ref.kind != "FluxConfig":
        return None
    flux = spec.config.get("FluxConfig", ref.name)
    git = flux.spec.git if flux is not None else None
    return git.repository_url if git is not None else None


def check_git_provider_auth(spec: Spec, env: Any) -> None:
    """EKS Anywhere's "validate authentication for git provider": an SSH remote of the generic git provider needs
    ``EKSA_GIT_PRIVATE_KEY`` and ``EKSA_GIT_KNOWN_HOSTS`` naming non-empty files. (EKS Anywhere accepts only
    ``ssh://`` remotes; other URLs git understands need no key here.)"""
    import os

    url = _git_provider_url(spec)
    if url is None or not url.startswith("ssh://"):
        return
    key, hosts = env.get("EKSA_GIT_PRIVATE_KEY"), env.get("EKSA_GIT_KNOWN_HOSTS")

    def usable(path: str) -> bool:
        return os.path.isfile(path) and os.path.getsize(path) > 0

    if not key:
        raise SpecError("provide a path to a private key file via the EKSA_GIT_PRIVATE_KEY in order to use the "
                        "generic git Flux provider")
    if not usable(key):
        raise SpecError(f"private key file does not exist at {key} or is empty")
    if not hosts:
        raise SpecError("provide a path to an SSH Known Hosts file which contains a valid entry associate with the "
                        "given private key via the EKSA_GIT_SSH_KNOWN_HOSTS environment variable")
    if not usable(hosts):
        raise SpecError(f"SSH known hosts file does not exist at {hosts} or is empty")


def _git_auth_validation(ctx: WorkflowContext) -> list[Validation]:
    """The git provider check, for specs with a generic git FluxConfig."""
    if _git_provider_url(ctx.spec) is None:
        return []
    return [Validation(GIT_AUTH, lambda: check_git_provider_auth(ctx.spec, ctx.hook_context.env),
                       "ensure EKSA_GIT_PRIVATE_KEY, EKSA_GIT_KNOWN_HOSTS env variable are set and valid")]


def check_eksa_version(spec: Spec) -> None:
    """The cluster's ``eksaVersion`` (when set) is the version of the release used (same major.minor.patch)."""
    wanted = spec.cluster.spec.eksa_version
    if not wanted or not spec.eksa_version:
        return
    parsed_wanted, parsed_used = parse_semver(wanted), parse_semver(spec.eksa_version)
    if parsed_wanted is None:
        raise SpecError(f"parsing cluster eksa version: invalid semver {wanted}", kind="Cluster",
                        name=spec.name, field="spec.eksaVersion")
    if parsed_used is None or parsed_wanted[:3] != parsed_used[:3]:
        raise SpecError("cluster's eksaVersion does not match EKS-Anywhere CLI's version", kind="Cluster",
                        name=spec.name, field="spec.eksaVersion")


def _management_cluster_object(ctx: WorkflowContext, management: ClusterHandle) -> dict[str, Any]:
    kube = ctx.kube(management)
    name = ctx.spec.cluster.management_cluster_name
    for obj in kube.list(EKSA_API_VERSION, "Cluster"):
        if (obj.get("metadata") or {}).get("name") == name:
            return dict(obj)
    raise SpecError(f"unable to retrieve management cluster {name}: clusters.anywhere.eks.amazonaws.com "
                    f"\"{name}\" not found", kind="Cluster", name=ctx.spec.name, field="spec.managementCluster.name")


def check_management_crds(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """The management cluster serves the EKS Anywhere ``Cluster`` kind."""
    kube = ctx.kube(management)
    kube.invalidate_discovery()
    if not kube.has_kind(EKSA_API_VERSION, "Cluster"):
        raise SpecError(f"the management cluster {management.name} does not have the EKS Anywhere CRDs: "
                        f"{EKSA_API_VERSION} Cluster is not served")


def check_management_name(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """``managementCluster.name`` is an EKS Anywhere cluster of the management cluster, and a self-managed
    one."""
    found = _management_cluster_object(ctx, management)
    name = ctx.spec.cluster.management_cluster_name
    own = ((found.get("spec") or {}).get("managementCluster") or {}).get("name")
    if own and own != name:
        raise SpecError(f"{name} is not a valid management cluster", kind="Cluster", name=ctx.spec.name,
                        field="spec.managementCluster.name")


def check_cluster_name_unique(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """No cluster of this name exists on the management cluster yet."""
    kube = ctx.kube(management)
    name = ctx.spec.name
    for api_version in (EKSA_API_VERSION, *[v for v in kube.server_groups() if v.split("/")[0] == CAPI_GROUP]):
        if not kube.has_kind(api_version, "Cluster"):
            continue
        if any((o.get("metadata") or {}).get("name") == name for o in kube.list(api_version, "Cluster")):
            raise SpecError(f"cluster name {name} already exists", kind="Cluster", name=name, field="metadata.name")


def check_management_eksa_version(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """The management cluster's ``eksaVersion`` is not older than the new cluster's."""
    found = _management_cluster_object(ctx, management)
    spec = ctx.spec
    mgmt_version = (found.get("spec") or {}).get("eksaVersion")
    version = spec.cluster.spec.eksa_version or spec.eksa_version
    if not version or not mgmt_version:
        return
    parsed_mgmt, parsed = parse_semver(str(mgmt_version)), parse_semver(version)
    if parsed_mgmt is not None and parsed is not None and parsed[:3] > parsed_mgmt[:3]:
        raise SpecError(f"cannot create workload cluster with eksaVersion {version} while management cluster "
                        f"{spec.cluster.management_cluster_name} is an older version: {mgmt_version}",
                        kind="Cluster", name=spec.name, field="spec.eksaVersion")


def _capi_cluster(ctx: WorkflowContext, management: ClusterHandle) -> dict[str, Any]:
    from .common import manifests
    from .ops import capi_cluster_ref

    api_version, namespace = capi_cluster_ref(manifests(ctx), ctx.cluster_name)
    return dict(ctx.kube(management).get(api_version, "Cluster", ctx.cluster_name, namespace))


def _condition(obj: dict[str, Any], *types: str) -> bool:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") in types:
            return str(condition.get("status")) == "True"
    return False


def check_capi_crds(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """The management cluster serves the Cluster API ``Cluster`` kind the renders use."""
    from .common import manifests
    from .ops import capi_cluster_ref

    api_version, _ = capi_cluster_ref(manifests(ctx), ctx.cluster_name)
    kube = ctx.kube(management)
    if not kube.has_kind(api_version, "Cluster"):
        raise SpecError(f"the cluster CRDs are not ready on {management.name}: {api_version} Cluster is not served")


def check_control_plane_ready(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """The cluster's control plane is ready (its Cluster API Cluster says so)."""
    cluster = _capi_cluster(ctx, management)
    if not _condition(cluster, "ControlPlaneReady", "ControlPlaneAvailable"):
        raise SpecError("control plane is not ready")


def check_worker_nodes_ready(ctx: WorkflowContext, management: ClusterHandle) -> None:
    """Every MachineDeployment of the cluster is running with all its replicas ready."""
    from .common import manifests
    from .ops import capi_cluster_ref

    api_version, namespace = capi_cluster_ref(manifests(ctx), ctx.cluster_name)
    kube = ctx.kube(management)
    if not kube.has_kind(api_version, "MachineDeployment"):
        return
    ready = total = 0
    for md in kube.list(api_version, "MachineDeployment", namespace,
                        label_selector={"cluster.x-k8s.io/cluster-name": ctx.cluster_name}):
        status = md.get("status") or {}
        phase = status.get("phase") or ""
        if phase != "Running":
            raise SpecError(f"machine deployment is in {phase or 'unknown'} phase")
        ready += int(status.get("readyReplicas") or 0)
        replicas = status.get("replicas")
        if replicas is None:
            replicas = (md.get("spec") or {}).get("replicas")
        total += int(replicas or 0)
    if ready != total:
        raise SpecError(f"{total - ready} machine deployment replicas are not ready")


def check_nodes_ready(ctx: WorkflowContext, workload: ClusterHandle) -> None:
    """Every Node of the cluster is Ready."""
    if workload.kubeconfig is None or not workload.kubeconfig.is_file():
        raise SpecError(f"the kubeconfig of cluster {workload.name} was not found at {workload.kubeconfig}")
    for node in ctx.kube(workload).list("v1", "Node"):
        conditions = {c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []}
        if conditions.get("Ready") != "True":
            name = (node.get("metadata") or {}).get("name")
            raise SpecError(f"node {name} is not ready, currently in {conditions.get('Ready') or 'Unknown'} state")


_KUBE_VERSION_FIELD = "spec.kubernetesVersion"


def _is_worker_version_field(error: SpecError) -> bool:
    field = error.field or ""
    return field.startswith("spec.workerNodeGroupConfigurations[") and field.endswith("].kubernetesVersion")


def _group_index(error: SpecError) -> int:
    field = error.field or ""
    return int(field[field.index("[") + 1:field.index("]")])


def _update_problems(ctx: WorkflowContext) -> list[SpecError]:
    """:func:`eksa_core.validation.validate_update` of the current and the new spec (computed once per run)."""
    from ..validation import validate_update

    key = f"update-problems:{id(ctx.current_spec)}:{id(ctx.spec)}"
    if key not in ctx.cache:
        current = ctx.current_spec
        assert current is not None
        ctx.cache[key] = [e for e in validate_update(current.config, ctx.spec.config) if not e.warning]
    return list(ctx.cache[key])


def check_kubernetes_version_increment(ctx: WorkflowContext, *, workers: bool) -> None:
    """Kubernetes versions may not go down nor rise by more than one minor version (cluster, or each worker
    node group)."""
    if workers:
        # a group without its own kubernetesVersion follows the cluster's: the cluster-level check reports it
        groups = ctx.spec.cluster.worker_groups()
        problems = [e for e in _update_problems(ctx) if _is_worker_version_field(e)
                    and groups[_group_index(e)].kubernetes_version]
    else:
        problems = [e for e in _update_problems(ctx) if e.field == _KUBE_VERSION_FIELD]
    if problems:
        raise SpecErrors(problems)


def check_immutable_fields(ctx: WorkflowContext) -> None:
    """EKS Anywhere's immutable-field rules, then the provider's ``eksa_validate_new_spec``."""
    current = ctx.current_spec
    assert current is not None
    problems = [e for e in _update_problems(ctx)
                if e.field != _KUBE_VERSION_FIELD and not _is_worker_version_field(e)]
    problems += [ctx.spec.config.locate(e) for e in ctx.hooks.validate_new_spec(ctx.spec, current)
                 if not e.warning]
    if problems:
        raise SpecErrors(problems, summary="validate immutable fields")


# ------------------------------------------------------------------------------------------------ lists


CRDS = "validate management cluster has eksa crds"


def create_validations(ctx: WorkflowContext) -> list[Validation]:
    """The core validations of a create (after the provider's), workload-cluster checks included."""
    out = [
        Validation("validate cluster spec", lambda: check_spec(ctx, creating=True),
                   "fix the cluster spec as the errors say"),
        Validation("validate --skip-validations names",
                   lambda: check_skip_validations(ctx, skippable_validations(ctx.plugins, "create")),
                   f"only {', '.join(skippable_validations(ctx.plugins, 'create'))} can be skipped on create"),
        *_git_auth_validation(ctx),
        Validation("validate cluster's eksaVersion matches EKS-A version", lambda: check_eksa_version(ctx.spec),
                   "use the EKS Anywhere release of the cluster's eksaVersion, or remove spec.eksaVersion"),
        *_helm_validation(ctx, upgrading=False),
    ]
    management = ctx.management_cluster
    if not ctx.spec.cluster.is_self_managed() and management is not None:
        out += [
            Validation(CRDS, lambda: check_management_crds(ctx, management),
                       "the management cluster must be an EKS Anywhere cluster", management),
            Validation("validate management cluster name is valid",
                       lambda: check_management_name(ctx, management),
                       "spec.managementCluster.name must name the self-managed cluster of --kubeconfig",
                       management, requires=CRDS),
            Validation("validate cluster name", lambda: check_cluster_name_unique(ctx, management),
                       "choose a cluster name that the management cluster does not have", management,
                       requires=CRDS),
            Validation("validate management cluster eksaVersion compatibility",
                       lambda: check_management_eksa_version(ctx, management),
                       "upgrade the management cluster first", management, requires=CRDS),
        ]
    return out


def upgrade_validations(ctx: WorkflowContext) -> list[Validation]:
    """The core validations of an upgrade (after the provider's)."""
    management, workload = ctx.management_cluster, ctx.workload_cluster
    own_missing = workload is None or workload.kubeconfig is None or not workload.kubeconfig.is_file()
    if ctx.spec.cluster.is_self_managed() and own_missing and management is not None:
        workload = management  # a management cluster's kubeconfig is its own
    out = [
        Validation("validate cluster spec", lambda: check_spec(ctx, creating=False),
                   "fix the cluster spec as the errors say"),
        Validation("validate --skip-validations names",
                   lambda: check_skip_validations(ctx, skippable_validations(ctx.plugins, "upgrade")),
                   f"only {', '.join(skippable_validations(ctx.plugins, 'upgrade'))} can be skipped on upgrade"),
    ]
    if management is not None:
        out += [
            Validation("cluster CRDs ready", lambda: check_capi_crds(ctx, management), "", management),
            Validation("control plane ready", lambda: check_control_plane_ready(ctx, management),
                       "wait for the control plane to be ready, or fix it, before upgrading", management,
                       requires="cluster CRDs ready"),
            Validation("worker nodes ready", lambda: check_worker_nodes_ready(ctx, management),
                       "wait for the worker machines to be ready, or fix them, before upgrading", management,
                       requires="cluster CRDs ready"),
        ]
    if workload is not None:
        out.append(Validation("nodes ready", lambda: check_nodes_ready(ctx, workload),
                              "wait for every node to be Ready, or fix them, before upgrading", workload))
    out += [
        Validation("upgrade cluster kubernetes version increment",
                   lambda: check_kubernetes_version_increment(ctx, workers=False),
                   "upgrade one Kubernetes minor version at a time, never down"),
        Validation("upgrade cluster worker node group kubernetes version increment",
                   lambda: check_kubernetes_version_increment(ctx, workers=True),
                   "upgrade one Kubernetes minor version at a time, never down"),
        Validation("validate immutable fields", lambda: check_immutable_fields(ctx),
                   "change only fields that can be changed on upgrade"),
        *_git_auth_validation(ctx),
        Validation("validate cluster's eksaVersion matches EKS-Anywhere Version",
                   lambda: check_eksa_version(ctx.spec),
                   "use the EKS Anywhere release of the cluster's eksaVersion"),
        *_helm_validation(ctx, upgrading=True),
    ]
    return out


def _helm_validation(ctx: WorkflowContext, *, upgrading: bool) -> list[Validation]:
    """The check that helm is there, when this run renders Cilium with it (:func:`~.cni.needs_helm`)."""
    from .cni import HELM_VALIDATION, check_helm, needs_helm

    if not needs_helm(ctx, upgrading=upgrading):
        return []
    return [Validation(HELM_VALIDATION, lambda: check_helm(ctx),
                       "install helm (v3 or later) on PATH, or name it in EKSA_HELM")]

