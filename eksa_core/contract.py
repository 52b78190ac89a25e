"""The provider contract: every hook a provider (or an add-on) may implement, and every value the hooks take and
return.

A provider is a pluggy plugin (usually a module) registered in the ``eksa.providers`` entry-point group. Its
hook implementations are functions marked with :data:`hookimpl` whose names are the hook names below; pluggy
passes them only the parameters they name, so an implementation may take fewer than the spec lists.

This is the one module a provider needs from the core besides the models and helpers of
``docs/provider-guide.md``: it holds the markers, the call context (:class:`CallContext`), the value types
(frozen attrs) and the hook specifications, grouped by phase into one class each:

* :class:`RegistrationSpec` – who the plugin is and what it offers outside a cluster workflow
  (``eksa_provider`` is the one hook a provider **must** implement);
* :class:`ValidationSpec` – defaults and checks of a spec, offline and against the infrastructure;
* :class:`TemplateSpec` – the Cluster API objects, secrets and clusterctl settings of a cluster;
* :class:`MachineSpec` – the machines of a cluster: their configs, when they roll, cleaning them up;
* :class:`LifecycleSpec` – provider steps at fixed points of the create, upgrade and delete workflows;
* :class:`AddonSpec` – steps add-ons (GitOps, curated packages, diagnostics) contribute to the workflows;
* :class:`EventSpec` – progress notifications every plugin may observe.

A provider that is to create clusters implements, besides ``eksa_provider``, at least
``eksa_generate_control_plane``, ``eksa_generate_workers``, ``eksa_infrastructure_bundle`` and
``eksa_env_map``; everything else is optional (a missing hook means "nothing to do").

**Who answers.** Every hook except the registration hooks and :class:`EventSpec` concerns one spec. It is
called on the provider whose datacenter kind the spec's ``Cluster.spec.datacenterRef.kind`` names, plus every
plugin that is not a provider (add-ons); other providers never see the spec, so an implementation need not check
that the spec is its own. Hooks marked ``firstresult`` stop at the first non-``None`` answer; the others return a
list of every plugin's answer (or ``None``).

**Order of calls.** The workflows (``eksa_core.workflows``) call the hooks in this order; on the right the task
that calls them. ``eksa_env_map`` and ``eksa_infrastructure_bundle`` are called wherever clusterctl runs.

Create a management cluster (through a kind bootstrap cluster)::

    eksa_set_defaults, eksa_validate_config                   (loading the spec)
    eksa_setup_and_validate_create                            setup-validate
    eksa_bootstrap_options                                    bootstrap-cluster-init
    eksa_pre_capi_install_on_bootstrap, eksa_generate_secrets, eksa_post_bootstrap_setup
                                                              install-capi-components-bootstrap
    eksa_install_custom_components                            eksa-components-bootstrap-install
    eksa_generate_secrets, eksa_generate_control_plane, eksa_generate_workers, eksa_update_secrets,
    eksa_update_kubeconfig                                    workload-cluster-init
    eksa_post_workload_init                                   install-resources-on-management-cluster
    eksa_post_move                                            capi-management-move
    eksa_install_custom_components                            eksa-components-workload-install
    eksa_install_gitops                                       gitops-manager-install
    eksa_install_packages                                     install-curated-packages

Create a workload cluster (on an existing management cluster)::

    eksa_setup_and_validate_create                            setup-validate-create
    eksa_generate_secrets, eksa_generate_control_plane, eksa_generate_workers, eksa_update_kubeconfig
                                                              create-workload-cluster
    eksa_install_gitops                                       gitops-manager-install

Upgrade (management; a workload cluster's upgrade runs the tasks marked ``*``)::

    eksa_setup_and_validate_upgrade                         * setup-and-validate / setup-validate-upgrade
    eksa_validate_new_spec                                  * (preflight: immutable fields)
    eksa_generate_secrets, eksa_update_secrets                update-secrets
    eksa_pause_gitops_reconcile                               pause-controllers-reconcile
    eksa_pre_core_components_upgrade, eksa_change_diff        upgrade-core-components
    eksa_needs_new_machine_templates, eksa_generate_control_plane, eksa_generate_workers,
    eksa_post_control_plane_upgrade                         * upgrade-workload-cluster
    eksa_resume_gitops_reconcile                              resume-gitops-reconciliation
    eksa_install_packages                                     upgrade-curated-packages

Delete (management; a workload cluster's delete runs the tasks marked ``*``)::

    eksa_setup_and_validate_delete                          * setup-and-validate-delete
    eksa_bootstrap_options                                    bootstrap-cluster-for-delete-init
    eksa_pre_capi_install_on_bootstrap, eksa_generate_secrets install-capi-components-bootstrap-for-delete
    eksa_pre_delete, eksa_delete_resources, eksa_cleanup_machines
                                                            * delete-management-cluster / delete-workload-cluster
    eksa_post_cluster_delete                                  delete-management-cluster
    eksa_cleanup_gitops                                     * clean-up-git-repo / validate-delete-workload-success

``eksa_workflow_event`` is called around every task of every workflow; ``eksa_collect_diagnostics`` after a
failed one.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pluggy

if TYPE_CHECKING:
    from .cli_extensions import CliOption, GenerateCommand
    from .errors import SpecError
    from .kube.client import KubeClient
    from .models.base import EksaObject, MachineConfigObject
    from .spec import ClusterConfig, Spec

__all__ = [
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "SPEC_CLASSES",
    "AddonSpec",
    "BootstrapOptions",
    "CallContext",
    "CallOptions",
    "ClusterHandle",
    "ComponentChangeDiff",
    "EventSpec",
    "HookContext",
    "InfrastructureBundle",
    "LifecycleSpec",
    "MachineSpec",
    "ProviderInfo",
    "ProviderTraits",
    "RegistrationSpec",
    "TemplateOptions",
    "TemplateSpec",
    "ValidationSpec",
    "WorkflowEvent",
    "hookimpl",
    "hookspec",
]

PROJECT_NAME = "eksa"
"""The pluggy project name; hook implementations are marked with :data:`hookimpl`."""

ENTRY_POINT_GROUP = "eksa.providers"
"""Entry-point group in which provider (and add-on) plugins register themselves."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a hook specification (core only)."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a hook implementation: ``@hookimpl def eksa_validate_config(config): ...``."""

log = logging.getLogger("eksa")

_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------------------------------------------


@attrs.frozen
class ProviderTraits:
    """What the core's own cluster rules and defaults need to know about a provider (EKS Anywhere keeps these
    as provider checks inside its cluster validation). The defaults describe a typical VM provider.

    :ivar requires_endpoint: the control plane endpoint host must be set (Docker: no, it uses a load balancer).
    :ivar requires_machine_configs: control plane, workers and etcd must name a machine config.
    :ivar recommends_ha_counts: warn unless control plane / external etcd counts are 3 or 5.
    :ivar supports_external_etcd: an external etcd topology is possible.
    :ivar allows_no_workers: a cluster without worker node groups is only a warning (pods run on the control
        plane), not an error.
    :ivar supports_in_place_upgrades: the ``InPlace`` upgrade rollout strategy is supported.
    :ivar supports_kindnetd: the kindnetd CNI is supported (development providers).
    :ivar supports_etcd_encryption: ``spec.etcdEncryption`` is supported.
    :ivar endpoint_outside_cluster_networks: the control plane endpoint must be an IP outside the pod and
        service CIDRs.
    :ivar node_startup_timeout: the default MachineHealthCheck node startup timeout (``None``: the core's).
    :ivar installs_cni: the clusters it makes can host the CNI the core installs once their control plane is up
        (Cilium from the bundle's chart, or kindnetd); false for a provider whose clusters are not full API
        servers, where the core warns instead of installing.
    """

    requires_endpoint: bool = True
    requires_machine_configs: bool = True
    recommends_ha_counts: bool = True
    supports_external_etcd: bool = True
    allows_no_workers: bool = False
    supports_in_place_upgrades: bool = False
    supports_kindnetd: bool = False
    supports_etcd_encryption: bool = False
    endpoint_outside_cluster_networks: bool = False
    node_startup_timeout: str | None = None
    installs_cni: bool = True


@attrs.frozen
class ProviderInfo:
    """Who a provider is and everything the core knows about it (the answer of ``eksa_provider``): the core
    names no provider, it reads this description.

    :ivar name: short name (``vsphere``, ``tinkerbell``, ``docker``...), as in ``eksa generate -p NAME``.
    :ivar datacenter_kind: the datacenter kind whose ``datacenterRef`` selects this provider.
    :ivar machine_kind: its machine config kind ("" when it has none, like Docker).
    :ivar kinds: every kind class the provider brings (datacenter and machine kinds included); reading it
        imports the modules of the kinds declared in :attr:`kind_modules`.
    :ivar kind_modules: kinds declared by name with the module defining each (``{"DockerDatacenterConfig":
        "eksa_docker.models"}``; ``"module:Class"`` when the class is not named as the kind): they join the kind
        registry without being imported, and their module loads when a spec names one (or something asks for
        the class), so discovering the provider imports none of its models. A provider may give
        :attr:`kinds`, :attr:`kind_modules` or both.
    :ivar version: the provider package's version.
    :ivar aliases: other names accepted for ``-p`` (e.g. ``baremetal`` for ``tinkerbell``).
    :ivar display_name: the name users read in messages ("vSphere", "Bare Metal"); default: :attr:`name`.
    :ivar bundle_section: the attribute of the release's versions bundle holding the provider's components
        (default: :attr:`name`; e.g. ``cloud_stack``).
    :ivar controller_deployments: the infrastructure provider's controller deployments by namespace
        (EKS-A ``GetDeployments``), e.g. ``{"capv-system": ("capv-controller-manager",)}``.
    :ivar movable_kinds: ``(apiVersion, kind)`` of the provider's Cluster API infrastructure objects that a
        management move copies, in the order they are created.
    :ivar skippable_validations: names of the provider's preflight validations a user may skip with
        ``--skip-validations`` (e.g. ``vsphere-user-privilege``).
    :ivar traits: what the core's cluster rules and defaults need to know (:class:`ProviderTraits`).
    """

    name: str
    datacenter_kind: str
    machine_kind: str = ""
    _kinds: tuple[type[EksaObject], ...] = ()
    version: str = ""
    aliases: tuple[str, ...] = ()
    display_name: str = ""
    bundle_section: str = ""
    controller_deployments: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    movable_kinds: tuple[tuple[str, str], ...] = ()
    skippable_validations: tuple[str, ...] = ()
    traits: ProviderTraits = attrs.field(factory=ProviderTraits)
    kind_modules: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def kinds(self) -> tuple[type[EksaObject], ...]:
        """Every kind class of the provider: those given as classes, then those of :attr:`kind_modules`
        (imported now)."""
        if not self.kind_modules:
            return self._kinds
        from .registry import resolve_kind

        owner = f"provider {self.name}"
        return self._kinds + tuple(resolve_kind(kind, module, owner=owner)
                                   for kind, module in self.kind_modules.items())

    @property
    def kind_classes(self) -> tuple[type[EksaObject], ...]:
        """The kinds given as classes (not those of :attr:`kind_modules`)."""
        return self._kinds

    @property
    def kind_names(self) -> tuple[str, ...]:
        """The names of every kind of the provider, importing nothing."""
        return tuple(cls.KIND for cls in self._kinds) + tuple(self.kind_modules)

    @property
    def label(self) -> str:
        """:attr:`display_name`, or :attr:`name` when it has none."""
        return self.display_name or self.name

    @property
    def bundle_attribute(self) -> str:
        """:attr:`bundle_section`, or :attr:`name` when it has none."""
        return self.bundle_section or self.name


@attrs.frozen
class TemplateOptions:
    """Build options of ``eksa_generate_control_plane`` and ``eksa_generate_workers``.

    :ivar control_plane_template_name: name of the control plane machine template (``None``: the initial
        ``<cluster>-control-plane-1``; an upgrade that rolls the machines passes the next one).
    :ivar etcd_template_name: name of the external etcd machine template (``None``: ``<cluster>-etcd-1``).
    :ivar extra: provider-specific builder arguments (the bare metal provider's ``tinkerbellIP``).
    """

    control_plane_template_name: str | None = None
    etcd_template_name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class InfrastructureBundle:
    """clusterctl local-repository content of an infrastructure provider.

    :ivar folder_name: ``infrastructure-<name>/<version>``.
    :ivar manifests: the bundle's manifest URIs (components, metadata, cluster template).
    """

    folder_name: str
    manifests: tuple[str, ...]


@attrs.frozen
class BootstrapOptions:
    """Extra settings of the kind bootstrap cluster requested by a provider.

    :ivar env: environment of the kind node (proxy settings).
    :ivar extra_mounts: ``(host path, container path)`` pairs mounted into the kind node.
    :ivar extra_port_mappings: host ports published by the kind node.
    """

    env: Mapping[str, str] = attrs.field(factory=dict)
    extra_mounts: tuple[tuple[str, str], ...] = ()
    extra_port_mappings: tuple[int, ...] = ()


@attrs.frozen
class ComponentChangeDiff:
    """A component whose version changes in an upgrade (the answer of ``eksa_change_diff``)."""

    component_name: str
    old_version: str
    new_version: str


@attrs.frozen
class WorkflowEvent:
    """A progress notification from the workflow runner.

    :ivar workflow: the workflow's name (``create-management``, ``upgrade``...).
    :ivar kind: ``task-started``, ``task-finished``, ``task-failed``, ``task-skipped``, ``message``, or
        ``progress`` (a provider's report on a long operation, e.g. one machine's provisioning, sent through
        :meth:`CallContext.progress`; its structured data is in ``details``).
    :ivar task: the task's name (``None`` for messages outside a task).
    :ivar level: verbosity level of a message (0 = always shown, as EKS-A's ``logger.V(n)``).
    :ivar duration: seconds a finished or failed task took.
    :ivar error: the error of a failed task (already redacted).
    :ivar details: structured data of a ``progress`` event (plain values), empty otherwise.
    """

    workflow: str
    kind: str
    task: str | None = None
    message: str = ""
    level: int = 0
    duration: float | None = None
    error: str | None = None
    timestamp: float = attrs.field(factory=time.time)
    details: dict[str, Any] = attrs.field(factory=dict)


@attrs.define
class ClusterHandle:
    """A cluster the workflow talks to: the bootstrap (kind) cluster, the management or the workload cluster."""

    name: str
    kubeconfig: Path | None = None


@attrs.frozen
class CallOptions:
    """The run's options every hook may read, typed (EKS Anywhere's command-line flags that reach providers).

    :ivar skip_ip_check: ``--skip-ip-check``: do not check that the control plane IP is free.
    :ivar skip_validations: ``--skip-validations`` names (each one a provider or the core declared skippable).
    :ivar hardware_csv: ``--hardware-csv`` (bare metal hardware inventory), ``None`` when not given.
    :ivar ip_check_port: the TCP port the control plane IP check probes.
    :ivar settings: provider-specific settings objects (attrs instances of a class the provider defines and
        documents, e.g. a client factory or a timeout); a provider finds its own with
        :meth:`CallContext.settings`.
    """

    skip_ip_check: bool = False
    skip_validations: tuple[str, ...] = attrs.field(default=(), converter=lambda v: tuple(str(s) for s in v))
    hardware_csv: Path | None = attrs.field(default=None,
                                            converter=lambda v: None if v in (None, "") else Path(v))
    ip_check_port: int = 80
    settings: tuple[object, ...] = attrs.field(default=(), converter=lambda v: tuple(v))


@attrs.define
class CallContext:
    """What every behaviour hook is handed besides the spec: where it may write, which environment it sees,
    whether this is a dry run, the typed options of the run, the management cluster, and how it reaches a
    cluster, records what it does and applies objects.

    :ivar cluster_dir: the cluster's working folder (``./<cluster>/``); temporary files go in ``generated_dir``.
    :ivar env: the environment the provider reads credentials from (``os.environ`` unless the caller passes
        another: :attr:`eksa_core.workflows.WorkflowOptions.env`). A provider reads credentials from here only,
        never from ``os.environ``.
    :ivar dry_run: when true a hook must not touch any cluster or infrastructure; it records what it would do
        with :meth:`record` instead.
    :ivar kube_factory: builds a :class:`~eksa_core.kube.KubeClient` from a kubeconfig path.
    :ivar options: free-form options of the run (``skip_ip_check``, ``skip_validations``, ``hardware_csv``...,
        and provider test seams); typed accessors: :attr:`call_options`, :meth:`settings`.
    :ivar management_cluster: the management cluster when it is known: for a workload cluster the managing
        cluster, for a management cluster the cluster itself once it exists.
    :ivar resuming: whether the workflow resumes an interrupted run (a hook must then tolerate finding its own
        earlier work done).
    :ivar recorded: what hooks recorded (:meth:`record`); the workflows show it in plans.
    """

    cluster_dir: Path
    env: Mapping[str, str] = attrs.field(factory=lambda: dict(os.environ))
    dry_run: bool = False
    kube_factory: Callable[[Path], KubeClient] | None = None
    options: dict[str, Any] = attrs.field(factory=dict)
    recorded: list[dict[str, Any]] = attrs.field(factory=list)
    log: logging.Logger = log
    management_cluster: ClusterHandle | None = None
    resuming: bool = False
    #: Where :meth:`progress` reports go: the workflow runner sets it to send ``progress`` workflow events.
    emit_progress: Callable[[str, int, dict[str, Any]], None] | None = None

    @property
    def generated_dir(self) -> Path:
        """``<cluster>/generated/``: temporary files, kept on failure for debugging."""
        return self.cluster_dir / "generated"

    @property
    def management_kubeconfig(self) -> Path | None:
        """The management cluster's kubeconfig (``None`` while it is unknown)."""
        if self.management_cluster is not None and self.management_cluster.kubeconfig is not None:
            return self.management_cluster.kubeconfig
        value = self.options.get("management_kubeconfig") or self.options.get("management_cluster")
        if isinstance(value, ClusterHandle):
            return value.kubeconfig
        return Path(value) if value else None

    @property
    def call_options(self) -> CallOptions:
        """The typed view of :attr:`options`."""
        opts = self.options
        skipped = opts.get("skip_validations") or ()
        return CallOptions(
            skip_ip_check=bool(opts.get("skip_ip_check")),
            skip_validations=(skipped,) if isinstance(skipped, str) else skipped,
            hardware_csv=opts.get("hardware_csv"),
            ip_check_port=int(opts.get("ip_check_port", 80)),
            settings=tuple(opts.get("settings") or ()),
        )

    def settings(self, cls: type[_T]) -> _T | None:
        """The provider settings object of class ``cls`` the caller passed (``options["settings"]``), or
        ``None``."""
        for each in self.options.get("settings") or ():
            if isinstance(each, cls):
                return each
        return None

    def kube(self, cluster: ClusterHandle) -> KubeClient:
        """A Kubernetes client for ``cluster`` (raises in a dry run: nothing may be touched)."""
        if self.dry_run:
            raise RuntimeError("dry run: no cluster may be contacted")
        if cluster.kubeconfig is None:
            raise RuntimeError(f"no kubeconfig known for cluster {cluster.name}")
        if self.kube_factory is None:
            from .kube.client import KubeClient

            return KubeClient(cluster.kubeconfig)
        return self.kube_factory(cluster.kubeconfig)

    def progress(self, message: str, *, level: int = 0, **details: Any) -> None:
        """Report progress of a long operation (a machine being provisioned...) to the user and to every
        subscriber: a ``progress`` :class:`WorkflowEvent` carrying ``message`` (shown at verbosity ``level``) and
        ``details`` (plain values). Safe to call from another thread. Outside a workflow the message goes to
        :attr:`log`."""
        if self.emit_progress is not None:
            self.emit_progress(message, level, dict(details))
        else:
            self.log.log(logging.INFO if level <= 0 else max(logging.INFO - level, logging.DEBUG + 1), "%s",
                         message)

    def record(self, action: str, **details: Any) -> None:
        """Note an action for the plan (always recorded; in a dry run it is all that happens)."""
        self.recorded.append({"action": action, **details})

    def apply(self, cluster: ClusterHandle, objects: list[dict[str, Any]], *, action: str = "apply") -> list[str]:
        """Server-side apply ``objects`` to ``cluster`` (their namespaces are created first), or in a dry run only
        record them. Either way the record holds ``namespace/Kind/name`` of each object, never its content, so
        Secrets can go through here. Returns those names."""
        names = [_object_name(o) for o in objects]
        if not self.dry_run and objects:
            namespaces = sorted({str(o["metadata"]["namespace"]) for o in objects
                                 if (o.get("metadata") or {}).get("namespace")})
            kube = self.kube(cluster)
            for namespace in namespaces:
                kube.create_namespace(namespace)
            kube.apply(objects)
        self.record(action, cluster=cluster.name, objects=names)
        return names


HookContext = CallContext
"""The former name of :class:`CallContext`."""


def _object_name(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    return f"{namespace + '/' if namespace else ''}{obj.get('kind', '?')}/{meta.get('name', '?')}"


Manifest = dict[str, Any]
"""A Kubernetes object as plain data."""

# ---------------------------------------------------------------------------------------------------------------
# Hook specifications. pluggy drops ``self``: implementations are plain functions without it.
# ---------------------------------------------------------------------------------------------------------------


class RegistrationSpec:
    """Who a plugin is and what it offers outside a cluster workflow."""

    @hookspec(firstresult=True)
    def eksa_provider(self) -> ProviderInfo | None:
        """Describe the provider this plugin implements. **Every provider implements it.**

        :return: a :class:`ProviderInfo`; ``None`` from plugins that are not providers (add-ons).

        Called once per plugin by :class:`eksa_core.plugins.Plugins` when the plugin is registered (on each
        plugin on its own, so ``firstresult`` only matters for direct calls). The provider's kinds are
        registered in the kind registry under the plugin's distribution name; a kind or provider name claimed
        twice is a :class:`~eksa_core.errors.PluginError` naming both packages.
        """

    @hookspec
    def eksa_kinds(self) -> list[type[EksaObject]] | None:
        """Contribute kinds besides a provider's :attr:`ProviderInfo.kinds` (attrs subclasses of
        :class:`~eksa_core.models.base.EksaObject`), for add-ons that bring their own documents.

        :return: the classes to register.

        Called once per plugin when it is registered, right after ``eksa_provider``.
        """

    @hookspec(firstresult=True)
    def eksa_generate_cluster_config(self, name: str, cluster: Any) -> list[EksaObject] | None:
        """Build the provider documents of a new cluster spec (``eksa generate clusterconfig NAME -p PROVIDER``).

        :param name: the cluster name.
        :param cluster: the :class:`~eksa_core.models.Cluster` generated by the core; the provider adjusts it
            (control plane and etcd counts, endpoint, ``datacenterRef``, ``machineGroupRef``) in place.
        :return: the datacenter config followed by the machine configs, as EKS Anywhere generates them.

        ``firstresult``. Called by :func:`eksa_core.generate.generate_cluster_config` on the chosen provider
        only. Implemented by every provider that can be chosen with ``-p``.
        """

    @hookspec(firstresult=True)
    def eksa_generate_artifact(self, kind: str, options: dict[str, Any]) -> str | None:
        """Generate a provider-specific file for ``eksa generate <kind>`` (no cluster spec involved).

        :param kind: what to generate, the name of the ``eksa generate`` subcommand (``hardware`` for EKS
            Anywhere's ``generate hardware -z <csv>``).
        :param options: the command's options as plain data, e.g. ``{"hardware_csv": "hardware.csv"}``.
        :return: the generated text (the caller prints it or writes it to a file), or ``None`` when this plugin
            does not generate ``kind``. Bad input raises :class:`~eksa_core.errors.SpecError` /
            :class:`~eksa_core.errors.SpecErrors` located at the input file; secrets it reads must not appear
            in errors or logs.

        ``firstresult``. Called by the CLI on every plugin (there is no spec to choose a provider).
        """

    @hookspec
    def eksa_cli_options(self) -> list[CliOption] | None:
        """Extra options of ``eksa create/upgrade/delete cluster``.

        :return: :class:`~eksa_core.cli_extensions.CliOption` s. A given value reaches the provider hooks as
            ``context.options[option.dest]``.

        Called on every plugin when the CLI builds its parser; an option string already taken is an error of the
        plugin (the option is left out and logged).
        """

    @hookspec
    def eksa_generate_commands(self) -> list[GenerateCommand] | None:
        """Extra ``eksa generate <name>`` commands.

        :return: :class:`~eksa_core.cli_extensions.GenerateCommand` s, each answered by the plugin's
            ``eksa_generate_artifact`` with ``kind=name``.

        Called on every plugin when the CLI builds its parser; the core's own command of a name wins.
        """

    @hookspec(firstresult=True)
    def eksa_conformance_case(self, kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
        """Run a provider-specific conformance case (``credentials-ini``, ``hardware-csv``,
        ``validate-datacenter``, ``render-hardware``, ``render-secret``, ``render-credentials-secrets``,
        ``render-failure-domains``...).

        :param kind: the case kind.
        :param case: the case entry of the cases file, as plain data.
        :param inputs: what the runner prepared: ``base_dir`` (folder of the cases file, a ``Path``), ``spec``
            (a :class:`~eksa_core.spec.Spec` built from the case's input and releases when it has them, else
            ``None``), ``env`` (the case environment; the implementation reads credentials from it only).
        :return: the outcome for the runner to compare with the case's expectation: manifests (list of dicts)
            for render kinds, plain data for ``expected_value`` kinds; ``None`` when this plugin does not handle
            the kind. Raise :class:`~eksa_core.errors.EksaError` for an error outcome.

        ``firstresult``. Called by :mod:`eksa_core.conformance` on the case's provider only; it calls the same
        code the provider's other hooks call (the runner is a thin loop, not a second implementation).
        """


class ValidationSpec:
    """Defaults and checks of a spec: offline first, then against the infrastructure."""

    @hookspec
    def eksa_set_defaults(self, config: ClusterConfig) -> None:
        """Fill in defaults of the provider's kinds (and any cross-document defaults), in place.

        :param config: the parsed documents; the core's own defaults have been applied.

        Called by :func:`eksa_core.defaults.set_defaults` after the core defaults and before validation, for
        every spec that is loaded (CLI and SDK).
        """

    @hookspec
    def eksa_validate_config(self, config: ClusterConfig) -> list[SpecError] | None:
        """Static validation: check the documents without contacting anything.

        :param config: the defaulted documents.
        :return: every problem found, as :class:`~eksa_core.errors.SpecError` with ``kind``, ``name`` and
            ``field`` set (the core adds file, document and line). ``warning=True`` errors are reported and do
            not fail.

        Called by :func:`eksa_core.validation.validate` after the core checks; every implementation runs and
        their results are collected, so a user sees every problem at once.
        """

    @hookspec
    def eksa_setup_and_validate_create(self, spec: Spec, context: CallContext) -> None:
        """Prepare and validate infrastructure before a create (EKS-A ``SetupAndValidateCreateCluster``).

        :param spec: the spec about to be created; the hook may fill provider defaults that need the
            infrastructure (full inventory paths, generated SSH keys...).
        :param context: the call context (credentials in ``context.env``; nothing is contacted in a dry run).
        :raise SpecErrors: every failed check.

        Called by the ``setup-validate`` task of both create workflows (again when a run resumes, since the
        defaults it fills are needed later).
        """

    @hookspec
    def eksa_setup_and_validate_upgrade(self, spec: Spec, current_spec: Spec, context: CallContext) -> None:
        """Prepare and validate infrastructure before an upgrade (``SetupAndValidateUpgradeCluster``).

        :param spec: the new spec.
        :param current_spec: the spec the cluster runs now.
        :param context: the call context.
        :raise SpecErrors: every failed check.

        Called by the ``setup-and-validate`` task of the upgrade workflow.
        """

    @hookspec
    def eksa_setup_and_validate_delete(self, spec: Spec, context: CallContext) -> None:
        """Check what a delete needs (credentials, endpoints) (``SetupAndValidateDeleteCluster``).

        :param spec: the spec of the cluster to delete. :param context: the call context.
        :raise SpecErrors: every failed check.

        Called by the ``setup-and-validate-delete`` task of both delete workflows.
        """

    @hookspec
    def eksa_validate_new_spec(self, spec: Spec, current_spec: Spec) -> list[SpecError] | None:
        """Check that an upgrade changes no provider field that is immutable (``ValidateNewSpec``).

        :param spec: the new spec. :param current_spec: the spec the cluster runs now.
        :return: the violations (e.g. "spec.server is immutable").

        Called by the upgrade preflight "validate immutable fields", after the core's own immutability checks.
        """


class TemplateSpec:
    """The Cluster API objects, secrets and clusterctl settings of a cluster."""

    @hookspec(firstresult=True)
    def eksa_generate_control_plane(self, spec: Spec, options: TemplateOptions,
                                    context: CallContext) -> list[Manifest] | None:
        """Render the control plane's Cluster API objects (``GenerateCAPISpecControlPlane``). **Required.**

        :param spec: the cluster spec with its bundle.
        :param options: template names to use and provider builder arguments (:class:`TemplateOptions`).
        :param context: the call context; credentials that go into the objects come from ``context.env``.
        :return: the objects (Cluster, provider cluster, machine templates, KubeadmControlPlane,
            EtcdadmCluster, secrets...) in apply order.

        ``firstresult``. Called by the create and upgrade workflows (``create-workload-cluster``,
        ``upgrade-workload-cluster``), the contract kit and :mod:`eksa_core.conformance`.
        """

    @hookspec(firstresult=True)
    def eksa_generate_workers(
        self,
        spec: Spec,
        machine_template_names: dict[str, str] | None,
        kubeadm_config_template_names: dict[str, str] | None,
        options: TemplateOptions | None,
        context: CallContext,
    ) -> list[Manifest] | None:
        """Render the worker node groups' Cluster API objects (``GenerateCAPISpecWorkers``). **Required.**

        :param spec: the cluster spec with its bundle.
        :param machine_template_names: worker group name -> machine template name (``None``: initial names).
        :param kubeadm_config_template_names: worker group name -> KubeadmConfigTemplate name.
        :param options: the build options the control plane got.
        :param context: the call context; credentials come from ``context.env``.
        :return: for each group its KubeadmConfigTemplate, MachineDeployment and machine template.

        ``firstresult``. Called right after ``eksa_generate_control_plane`` by the same callers.
        """

    @hookspec(firstresult=True)
    def eksa_generate_secrets(self, spec: Spec, context: CallContext) -> list[Manifest] | None:
        """Render the credential Secrets the provider installs (``UpdateSecrets`` / ``PreCAPIInstallOnBootstrap``).

        :param spec: the cluster spec. :param context: the call context; values come from ``context.env``.
        :return: Secret objects; they are applied, never logged.

        ``firstresult``. Called by the workflows before the cluster's objects are applied (``create-workload-
        cluster``), and by the contract kit's leak checks.
        """

    @hookspec(firstresult=True)
    def eksa_env_map(self, spec: Spec, context: CallContext) -> dict[str, str] | None:
        """Environment for clusterctl init/upgrade/move (``EnvMap``), e.g. ``VSPHERE_USERNAME``. **Required.**

        :param spec: the cluster spec. :param context: the call context (``context.env``).
        :return: the variables to set. Raise :class:`~eksa_core.errors.SpecError` when a required one is missing.

        ``firstresult``. Called whenever the workflows run clusterctl.
        """

    @hookspec(firstresult=True)
    def eksa_infrastructure_bundle(self, spec: Spec) -> InfrastructureBundle | None:
        """The infrastructure provider's components for clusterctl (``GetInfrastructureBundle``). **Required.**

        :param spec: the cluster spec (its versions bundle names the components).
        :return: folder ``infrastructure-<name>/<version>/`` and its manifests.

        ``firstresult``. Called with ``eksa_env_map`` whenever the workflows run clusterctl.
        """

    @hookspec(firstresult=True)
    def eksa_update_kubeconfig(self, kubeconfig: str, cluster_name: str) -> str | None:
        """Adjust a new cluster's kubeconfig before it is written (``UpdateKubeConfig``).

        :param kubeconfig: the kubeconfig text read from the management cluster's ``<cluster>-kubeconfig``
            Secret.
        :param cluster_name: the cluster's name.
        :return: the text to write instead (Docker points the server at the load balancer's published port),
            or ``None`` to keep it.

        ``firstresult``. Called by the create workflows when they write
        ``<cluster>/<cluster>-eks-a-cluster.kubeconfig``.
        """

    @hookspec(firstresult=True)
    def eksa_bootstrap_options(self, spec: Spec) -> BootstrapOptions | None:
        """Options for the kind bootstrap cluster (``BootstrapClusterOpts``): proxy env, extra mounts, ports.

        :param spec: the cluster spec. :return: :class:`BootstrapOptions`, or ``None`` for none.

        ``firstresult``. Called by the ``bootstrap-cluster-init`` task of create and delete.
        """


class MachineSpec:
    """The machines of a cluster: their configs, when they roll, cleaning them up."""

    @hookspec(firstresult=True)
    def eksa_machine_configs(self, spec: Spec) -> list[MachineConfigObject] | None:
        """The spec's machine configs, de-duplicated, control plane first (``MachineConfigs``).

        :param spec: the cluster spec.
        :return: the machine configs; the control plane's carries annotation
            ``anywhere.eks.amazonaws.com/control-plane: "true"``, the etcd one
            ``anywhere.eks.amazonaws.com/etcd: "true"``; a workload cluster's are marked managed by its
            management cluster.

        ``firstresult``. Called by the contract kit.
        """

    @hookspec(firstresult=True)
    def eksa_needs_new_machine_templates(self, current_spec: Spec, new_spec: Spec, role: str,
                                         group: str | None) -> bool | None:
        """Whether an upgrade must roll new machines for one machine group.

        :param current_spec: the spec the cluster runs now. :param new_spec: the new spec.
        :param role: ``control-plane``, ``etcd`` or ``workers``. :param group: worker group name (workers only).
        :return: ``True`` when the machine template (or the KubeadmConfigTemplate) changes, so the template
            name's numeric suffix must be incremented; ``None`` leaves it to the core's comparison.

        ``firstresult``. Called by the upgrade workflow before it renders the new templates.
        """

    @hookspec
    def eksa_cleanup_machines(self, spec: Spec, context: CallContext) -> None:
        """Remove the cluster's machines (VMs, containers, instances) left on the infrastructure after delete.

        :param spec: the deleted cluster's spec. :param context: the call context.

        Touches only machines that belong to ``spec``'s cluster. Called by the delete workflows after the
        cluster objects are gone.
        """


class LifecycleSpec:
    """Provider steps at fixed points of the workflows. ``cluster`` is the :class:`ClusterHandle` the step
    concerns; ``context`` the call context (apply through :meth:`CallContext.apply`, which records in a dry
    run)."""

    @hookspec
    def eksa_pre_capi_install_on_bootstrap(self, spec: Spec, cluster: ClusterHandle,
                                           context: CallContext) -> None:
        """Before Cluster API is installed on the bootstrap cluster (``PreCAPIInstallOnBootstrap``).

        Called by ``install-capi-components-bootstrap`` (create and delete of a management cluster), logged as
        "Provider specific pre-capi-install-setup on bootstrap cluster".
        """

    @hookspec
    def eksa_post_bootstrap_setup(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """After Cluster API is installed on the bootstrap cluster ("Provider specific post-setup").

        Called by ``install-capi-components-bootstrap`` of the management create.
        """

    @hookspec(firstresult=True)
    def eksa_watch_provisioning(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> Any:
        """Start following how the cluster's machines are being provisioned, while the workflow waits for the
        cluster to be ready (create and upgrade).

        :param spec: the cluster spec.
        :param cluster: the cluster holding the Cluster API objects (bootstrap or management cluster).
        :param context: the call context; the watch reports through :meth:`CallContext.progress`.
        :return: a watch object with a ``stop()`` method (the workflow calls it once the wait ends, whatever the
            outcome), or ``None``. The watch reports from its own thread; it never raises into the workflow, nor
            touches anything in a dry run.

        ``firstresult``. Called by the apply-and-wait step of ``workload-cluster-init``, ``create-workload-cluster``
        and ``upgrade-workload-cluster``.
        """

    @hookspec
    def eksa_update_secrets(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """Install or refresh the provider's credential secrets on ``cluster`` (``UpdateSecrets``).

        Called by the create workflows before the cluster's objects are applied and by the upgrade's
        ``update-secrets`` task.
        """

    @hookspec
    def eksa_post_workload_init(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """After the new cluster is up, before the move (``PostWorkloadInit``; task
        ``install-resources-on-management-cluster``)."""

    @hookspec
    def eksa_install_custom_components(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """While installing the EKS-A controller (``InstallCustomProviderComponents``), on the bootstrap and
        then on the new management cluster."""

    @hookspec
    def eksa_post_move(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """After the Cluster API objects were moved to ``cluster`` (the create path's ``capi-management-move``)."""

    @hookspec
    def eksa_pre_core_components_upgrade(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """At the start of "Upgrading core components" (``PreCoreComponentsUpgrade``)."""

    @hookspec(firstresult=True)
    def eksa_change_diff(self, current_spec: Spec, new_spec: Spec) -> ComponentChangeDiff | None:
        """The provider component's version change, or ``None`` when it does not change (``ChangeDiff``).

        ``firstresult``. Called by ``upgrade-core-components``; the diff is reported with the core's.
        """

    @hookspec
    def eksa_post_control_plane_upgrade(self, spec: Spec, current_spec: Spec, cluster: ClusterHandle,
                                        context: CallContext) -> None:
        """After an upgraded cluster is ready again (``RunPostControlPlaneUpgrade``): re-apply provider
        resources the upgrade replaced. ``cluster`` is the management cluster holding the cluster's objects.

        Called by the ``upgrade-workload-cluster`` task once the cluster's conditions are met.
        """

    @hookspec
    def eksa_pre_delete(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """Before the cluster objects are deleted from the management (or bootstrap) cluster."""

    @hookspec
    def eksa_delete_resources(self, spec: Spec, context: CallContext) -> None:
        """Delete provider resources outside the Cluster API objects (``DeleteResources``), after
        ``eksa_pre_delete`` and the deletion of the cluster objects."""

    @hookspec
    def eksa_post_cluster_delete(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """After a management cluster was deleted (``PostClusterDeleteValidate``); ``cluster`` is the bootstrap
        cluster."""


class AddonSpec:
    """Steps add-ons (GitOps integrations, curated packages, diagnostics) contribute to the workflows. A
    workflow skips a step no plugin implements."""

    @hookspec
    def eksa_install_gitops(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """Install the GitOps toolkit on the new cluster and commit the spec to its repository (Flux bootstrap).

        Called by the ``gitops-manager-install`` task of both create workflows when the spec has a GitOps config
        (``Cluster.spec.gitOpsRef``), after "Installing GitOps Toolkit on workload cluster". A failure is not
        fatal: the workflow prints EKS-A's warning and goes on.
        """

    @hookspec
    def eksa_pause_gitops_reconcile(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """Stop GitOps from reconciling the cluster's objects during an upgrade (task
        ``pause-controllers-reconcile``, "Pausing GitOps cluster resources reconcile")."""

    @hookspec
    def eksa_resume_gitops_reconcile(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """Commit the new spec to the GitOps repository, force a reconcile and resume reconciliation (task
        ``resume-gitops-reconciliation`` of the management upgrade)."""

    @hookspec
    def eksa_cleanup_gitops(self, spec: Spec, context: CallContext) -> None:
        """Remove the deleted cluster's files from the GitOps repository (task ``clean-up-git-repo`` of the
        delete workflows), when the spec has a GitOps config."""

    @hookspec
    def eksa_install_packages(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """Install the curated packages controller and packages on a management cluster (task
        ``install-curated-packages`` of create and upgrade). A failure only warns."""

    @hookspec
    def eksa_collect_diagnostics(self, spec: Spec, cluster: ClusterHandle, role: str,
                                 context: CallContext) -> None:
        """Collect a support bundle of ``cluster`` after a failed workflow (diagnostics tasks).

        :param role: ``management`` (the bootstrap cluster when there is one) or ``workload``.

        Writes under ``context.generated_dir`` (kept on failure). Errors are logged and swallowed.
        """


class EventSpec:
    """Progress notifications every plugin (providers included) may observe."""

    @hookspec
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        """Observe workflow progress: a task started, finished, failed or was skipped, or a user message.

        :param event: the :class:`WorkflowEvent`.

        Called by the workflow runner on every plugin. Exceptions raised here are logged and do not stop the
        workflow.
        """


SPEC_CLASSES: tuple[type, ...] = (RegistrationSpec, ValidationSpec, TemplateSpec, MachineSpec, LifecycleSpec,
                                  AddonSpec, EventSpec)
"""Every hook specification class, in phase order (what :class:`eksa_core.plugins.Plugins` registers)."""
