"""Plugin discovery and the data types of the provider contract.

:class:`Plugins` wraps a pluggy ``PluginManager``: it loads every plugin of the ``eksa.providers`` entry-point
group (a plugin that fails to import is reported with its error and the rest still load), accepts explicit
registration (tests, embedding), keeps the kind registry, and hands out :class:`ProviderHooks`, the hook
caller that reaches only the provider a spec selects (plus non-provider add-ons).

The value types of the contract live in :mod:`eksa_core.contract` (re-exported here for older imports).
The core calls hooks only through the typed methods of :class:`HookRelay` / :class:`ProviderHooks` (one method
per hook, as tox's plugin manager does), never by a hook name string.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, Self

import attrs
import pluggy

from .contract import (
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    SPEC_CLASSES,
    BootstrapOptions,
    CallContext,
    ClusterHandle,
    ComponentChangeDiff,
    InfrastructureBundle,
    Manifest,
    ProviderInfo,
    ProviderTraits,
    TemplateOptions,
    WorkflowEvent,
)
from .errors import PluginError
from .registry import KindRegistry

if TYPE_CHECKING:
    from .cli_extensions import CliOption, GenerateCommand
    from .errors import SpecError
    from .models.base import EksaObject, MachineConfigObject
    from .spec import ClusterConfig, Spec

__all__ = [
    "BootstrapOptions",
    "ComponentChangeDiff",
    "HookObserver",
    "HookRelay",
    "InfrastructureBundle",
    "PluginLoadFailure",
    "Plugins",
    "ProviderHooks",
    "ProviderInfo",
    "ProviderTraits",
    "TemplateOptions",
    "WorkflowEvent",
    "default_plugins",
    "plugin_name",
]

log = logging.getLogger("eksa.plugins")


@attrs.frozen
class PluginLoadFailure:
    """An entry point that could not be loaded."""

    name: str
    value: str
    error: str


HookObserver = Callable[[str, Callable[[], Any]], Any]
"""Wraps every hook call: ``observer(hook_name, call)`` must call ``call()`` and return its result (the
workflows record each call in the plan this way)."""


class HookRelay:
    """Typed calls of the contract's hooks, one method per hook, reaching every plugin except
    ``remove_plugins``. Hooks that collect every plugin's answer return them flattened; ``firstresult`` hooks
    return the first answer (or ``None``)."""

    def __init__(self, manager: pluggy.PluginManager, remove_plugins: Iterable[object],
                 observer: HookObserver | None = None) -> None:
        self._pm = manager
        self._others = list(remove_plugins)
        self._observer = observer

    def observed(self, observer: HookObserver) -> Self:
        """The same relay with every call wrapped by ``observer``."""
        relay = copy.copy(self)
        relay._observer = observer
        return relay

    def __getattr__(self, name: str) -> Any:
        """pluggy's caller of hook ``name`` for this relay's plugins (tests and introspection only)."""
        if not name.startswith("eksa_"):
            raise AttributeError(name)
        return self._caller(name)

    def _caller(self, name: str) -> Any:
        if not self._others:
            return getattr(self._pm.hook, name)
        return self._pm.subset_hook_caller(name, remove_plugins=self._others)

    def _call(self, hook: str, /, **kwargs: Any) -> Any:
        caller = self._caller(hook)
        if self._observer is None:
            return caller(**kwargs)
        return self._observer(hook, lambda: caller(**kwargs))

    def _implemented(self, name: str) -> bool:
        return bool(self._caller(name).get_hookimpls())

    # -- registration ---------------------------------------------------------------------------------------

    def generate_cluster_config(self, name: str, cluster: Any) -> list[EksaObject] | None:
        """``eksa_generate_cluster_config``."""
        result: list[EksaObject] | None = self._call("eksa_generate_cluster_config", name=name, cluster=cluster)
        return result

    def generate_artifact(self, kind: str, options: dict[str, Any]) -> str | None:
        """``eksa_generate_artifact``."""
        result: str | None = self._call("eksa_generate_artifact", kind=kind, options=options)
        return result

    def cli_options(self) -> list[CliOption]:
        """``eksa_cli_options``: every plugin's extra command-line options, in one list."""
        return [option for answer in self._call("eksa_cli_options") or [] for option in answer or []]

    def generate_commands(self) -> list[GenerateCommand]:
        """``eksa_generate_commands``: every plugin's extra ``eksa generate`` commands, in one list."""
        return [command for answer in self._call("eksa_generate_commands") or [] for command in answer or []]

    def conformance_case(self, kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
        """``eksa_conformance_case``."""
        return self._call("eksa_conformance_case", kind=kind, case=case, inputs=inputs)

    # -- validation -----------------------------------------------------------------------------------------

    def set_defaults(self, config: ClusterConfig) -> None:
        """``eksa_set_defaults``."""
        self._call("eksa_set_defaults", config=config)

    def validate_config(self, config: ClusterConfig) -> list[SpecError]:
        """``eksa_validate_config``: every plugin's problems, in one list."""
        results = self._call("eksa_validate_config", config=config) or []
        return [err for result in results for err in result or []]

    def setup_and_validate_create(self, spec: Spec, context: CallContext) -> None:
        """``eksa_setup_and_validate_create``."""
        self._call("eksa_setup_and_validate_create", spec=spec, context=context)

    def setup_and_validate_upgrade(self, spec: Spec, current_spec: Spec, context: CallContext) -> None:
        """``eksa_setup_and_validate_upgrade``."""
        self._call("eksa_setup_and_validate_upgrade", spec=spec, current_spec=current_spec, context=context)

    def setup_and_validate_delete(self, spec: Spec, context: CallContext) -> None:
        """``eksa_setup_and_validate_delete``."""
        self._call("eksa_setup_and_validate_delete", spec=spec, context=context)

    def validate_new_spec(self, spec: Spec, current_spec: Spec) -> list[SpecError]:
        """``eksa_validate_new_spec``: every plugin's violations, in one list."""
        results = self._call("eksa_validate_new_spec", spec=spec, current_spec=current_spec) or []
        return [err for result in results for err in result or []]

    # -- templates ------------------------------------------------------------------------------------------

    def generate_control_plane(self, spec: Spec, options: TemplateOptions,
                               context: CallContext) -> list[Manifest]:
        """``eksa_generate_control_plane`` (``[]`` when no plugin renders it)."""
        return list(self._call("eksa_generate_control_plane", spec=spec, options=options, context=context) or [])

    def generate_workers(self, spec: Spec, machine_template_names: dict[str, str] | None,
                         kubeadm_config_template_names: dict[str, str] | None,
                         options: TemplateOptions | None, context: CallContext) -> list[Manifest]:
        """``eksa_generate_workers`` (``[]`` when no plugin renders them)."""
        return list(self._call("eksa_generate_workers", spec=spec, machine_template_names=machine_template_names,
                               kubeadm_config_template_names=kubeadm_config_template_names, options=options,
                               context=context) or [])

    def generate_secrets(self, spec: Spec, context: CallContext) -> list[Manifest]:
        """``eksa_generate_secrets`` (``[]`` for none)."""
        return list(self._call("eksa_generate_secrets", spec=spec, context=context) or [])

    def env_map(self, spec: Spec, context: CallContext) -> dict[str, str]:
        """``eksa_env_map`` (``{}`` for none)."""
        return dict(self._call("eksa_env_map", spec=spec, context=context) or {})

    def infrastructure_bundle(self, spec: Spec) -> InfrastructureBundle | None:
        """``eksa_infrastructure_bundle``."""
        result: InfrastructureBundle | None = self._call("eksa_infrastructure_bundle", spec=spec)
        return result

    def update_kubeconfig(self, kubeconfig: str, cluster_name: str) -> str | None:
        """``eksa_update_kubeconfig``."""
        result: str | None = self._call("eksa_update_kubeconfig", kubeconfig=kubeconfig, cluster_name=cluster_name)
        return result

    def bootstrap_options(self, spec: Spec) -> BootstrapOptions | None:
        """``eksa_bootstrap_options``."""
        result: BootstrapOptions | None = self._call("eksa_bootstrap_options", spec=spec)
        return result

    # -- machines -------------------------------------------------------------------------------------------

    def machine_configs(self, spec: Spec) -> list[MachineConfigObject]:
        """``eksa_machine_configs`` (``[]`` for none)."""
        return list(self._call("eksa_machine_configs", spec=spec) or [])

    def needs_new_machine_templates(self, current_spec: Spec, new_spec: Spec, role: str,
                                    group: str | None) -> bool | None:
        """``eksa_needs_new_machine_templates``."""
        result: bool | None = self._call("eksa_needs_new_machine_templates", current_spec=current_spec,
                                         new_spec=new_spec, role=role, group=group)
        return result

    def cleanup_machines(self, spec: Spec, context: CallContext) -> None:
        """``eksa_cleanup_machines``."""
        self._call("eksa_cleanup_machines", spec=spec, context=context)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def pre_capi_install_on_bootstrap(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_pre_capi_install_on_bootstrap``."""
        self._call("eksa_pre_capi_install_on_bootstrap", spec=spec, cluster=cluster, context=context)

    def post_bootstrap_setup(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_post_bootstrap_setup``."""
        self._call("eksa_post_bootstrap_setup", spec=spec, cluster=cluster, context=context)

    def watch_provisioning(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> Any:
        """``eksa_watch_provisioning``: a watch with a ``stop()`` method, or ``None``."""
        return self._call("eksa_watch_provisioning", spec=spec, cluster=cluster, context=context)

    def update_secrets(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_update_secrets``."""
        self._call("eksa_update_secrets", spec=spec, cluster=cluster, context=context)

    def post_workload_init(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_post_workload_init``."""
        self._call("eksa_post_workload_init", spec=spec, cluster=cluster, context=context)

    def install_custom_components(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_install_custom_components``."""
        self._call("eksa_install_custom_components", spec=spec, cluster=cluster, context=context)

    def post_move(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_post_move``."""
        self._call("eksa_post_move", spec=spec, cluster=cluster, context=context)

    def pre_core_components_upgrade(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_pre_core_components_upgrade``."""
        self._call("eksa_pre_core_components_upgrade", spec=spec, cluster=cluster, context=context)

    def change_diff(self, current_spec: Spec, new_spec: Spec) -> ComponentChangeDiff | None:
        """``eksa_change_diff``."""
        result: ComponentChangeDiff | None = self._call("eksa_change_diff", current_spec=current_spec,
                                                        new_spec=new_spec)
        return result

    def post_control_plane_upgrade(self, spec: Spec, current_spec: Spec, cluster: ClusterHandle,
                                   context: CallContext) -> None:
        """``eksa_post_control_plane_upgrade``."""
        self._call("eksa_post_control_plane_upgrade", spec=spec, current_spec=current_spec, cluster=cluster,
                   context=context)

    def pre_delete(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_pre_delete``."""
        self._call("eksa_pre_delete", spec=spec, cluster=cluster, context=context)

    def delete_resources(self, spec: Spec, context: CallContext) -> None:
        """``eksa_delete_resources``."""
        self._call("eksa_delete_resources", spec=spec, context=context)

    def post_cluster_delete(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_post_cluster_delete``."""
        self._call("eksa_post_cluster_delete", spec=spec, cluster=cluster, context=context)

    # -- add-ons --------------------------------------------------------------------------------------------

    def install_gitops(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_install_gitops``."""
        self._call("eksa_install_gitops", spec=spec, cluster=cluster, context=context)

    def pause_gitops_reconcile(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_pause_gitops_reconcile``."""
        self._call("eksa_pause_gitops_reconcile", spec=spec, cluster=cluster, context=context)

    def resume_gitops_reconcile(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_resume_gitops_reconcile``."""
        self._call("eksa_resume_gitops_reconcile", spec=spec, cluster=cluster, context=context)

    def cleanup_gitops(self, spec: Spec, context: CallContext) -> None:
        """``eksa_cleanup_gitops``."""
        self._call("eksa_cleanup_gitops", spec=spec, context=context)

    def install_packages(self, spec: Spec, cluster: ClusterHandle, context: CallContext) -> None:
        """``eksa_install_packages``."""
        self._call("eksa_install_packages", spec=spec, cluster=cluster, context=context)

    def has_install_packages(self) -> bool:
        """Whether a plugin implements ``eksa_install_packages`` (the workflows skip the task otherwise)."""
        return self._implemented("eksa_install_packages")

    def collect_diagnostics(self, spec: Spec, cluster: ClusterHandle, role: str, context: CallContext) -> None:
        """``eksa_collect_diagnostics``."""
        self._call("eksa_collect_diagnostics", spec=spec, cluster=cluster, role=role, context=context)

    # -- events ---------------------------------------------------------------------------------------------

    def workflow_event_observers(self) -> list[tuple[str, Callable[..., Any]]]:
        """``eksa_workflow_event`` implementations as ``(plugin name, function)``: the runner calls each on its
        own, so one failing observer does not keep the event from the others."""
        return [(impl.plugin_name, impl.function) for impl in self._caller("eksa_workflow_event").get_hookimpls()]


class ProviderHooks(HookRelay):
    """Typed hook calls restricted to one provider (plus non-provider plugins): ``hooks.validate_config(...)``.

    :ivar info: the provider's :class:`ProviderInfo`. :ivar plugin: the provider's plugin object.
    """

    def __init__(self, manager: pluggy.PluginManager, info: ProviderInfo, plugin: object,
                 other_providers: Iterable[object], observer: HookObserver | None = None) -> None:
        super().__init__(manager, [p for p in other_providers if p is not plugin], observer)
        self.info = info
        self.plugin = plugin

class Plugins:
    """The set of loaded plugins, their kinds and providers.

    ``Plugins()`` starts empty (core kinds only); :meth:`load_entry_points` adds installed plugins and
    :meth:`register` adds one explicitly.
    """

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(PROJECT_NAME)
        for spec_class in SPEC_CLASSES:
            self.manager.add_hookspecs(spec_class)
        self.registry = KindRegistry.core()
        self.providers: dict[str, tuple[ProviderInfo, object]] = {}
        self.failures: list[PluginLoadFailure] = []
        self._owners: dict[int, str] = {}

    # -- registration -------------------------------------------------------------------------------------

    def register(self, plugin: object, name: str | None = None) -> ProviderInfo | None:
        """Register ``plugin`` (module or object with hook implementations) under ``name``.

        Without ``name`` the plugin is named by :func:`plugin_name` (a module by its name, any other object by
        its class and identity), so two instances of one class never collide. A ``name`` already used by
        another plugin raises :class:`PluginError`.

        Its provider identity and kinds are recorded; a second provider of the same name or datacenter kind, or
        a kind already registered, raises :class:`PluginError` naming both packages and leaves nothing behind.
        """
        if self.manager.is_registered(plugin):
            return self._info_of(plugin)
        owner = name or plugin_name(plugin)
        if self.manager.has_plugin(owner):
            other = self.manager.get_plugin(owner)
            raise PluginError(f"plugin name {owner} is already used by {plugin_name(other)}; register "
                              f"{plugin_name(plugin)} under another name")
        self.manager.register(plugin, name=owner)
        try:
            self._check_specs(plugin, owner)
            return self._adopt(plugin, owner)
        except Exception:
            self.manager.unregister(plugin)
            raise

    def _check_specs(self, plugin: object, owner: str) -> None:
        """Every hook implementation of ``plugin`` must match a hook specification (pluggy's ``check_pending``):
        a misspelt hook would otherwise register silently and never be called."""
        unknown = sorted(name for name, caller in vars(self.manager.hook).items()
                         if not name.startswith("_") and not caller.has_spec()
                         and any(impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls()))
        if unknown:
            raise PluginError(f"plugin {owner} implements {', '.join(unknown)}, which "
                              f"{'is not a hook' if len(unknown) == 1 else 'are not hooks'} of the eksa contract "
                              f"(see eksa_core.contract)")
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:  # pragma: no cover - caught per plugin above
            raise PluginError(f"plugin {owner}: {exc}") from None

    def _adopt(self, plugin: object, owner: str) -> ProviderInfo | None:
        impl = getattr(plugin, "eksa_provider", None)
        info: ProviderInfo | None = impl() if callable(impl) else None
        registry = self.registry.copy()
        if info is not None:
            if not isinstance(info, ProviderInfo):
                raise PluginError(f"{owner}: eksa_provider() must return a ProviderInfo, got {type(info).__name__}")
            for existing, other in self.providers.values():
                if info.name == existing.name or info.name in existing.aliases:
                    raise PluginError(
                        f"provider name {info.name} is claimed by two plugins: "
                        f"{self._owners.get(id(other), '?')} and {owner}"
                    )
                if info.datacenter_kind == existing.datacenter_kind:
                    raise PluginError(
                        f"datacenter kind {info.datacenter_kind} is claimed by two providers: "
                        f"{existing.name} ({self._owners.get(id(other), '?')}) and {info.name} ({owner})"
                    )
            for cls in info.kind_classes:
                registry.register(cls, owner=owner)
            for kind, module in info.kind_modules.items():
                registry.register_module(kind, module, owner=owner)
        kinds_impl = getattr(plugin, "eksa_kinds", None)
        if callable(kinds_impl):
            for cls in kinds_impl() or []:
                registry.register(cls, owner=owner)
        if info is not None:
            if registry.get(info.datacenter_kind) is None:
                raise PluginError(f"{owner}: provider {info.name} does not register its datacenter kind "
                                  f"{info.datacenter_kind}")
            self.providers[info.name] = (info, plugin)
        self.registry = registry
        self._owners[id(plugin)] = owner
        return info

    def _info_of(self, plugin: object) -> ProviderInfo | None:
        for info, p in self.providers.values():
            if p is plugin:
                return info
        return None

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP, *, cached: bool = False) -> list[PluginLoadFailure]:
        """Load every plugin of the entry-point ``group``.

        A plugin that fails to import or register is recorded in :attr:`failures` (and logged) with its error;
        the others still load. Returns the failures of this call. With ``cached`` the group's entry points come
        from :func:`eksa_core.entrypoints.scan` (reused across processes while the installed distributions do
        not change) instead of a fresh :mod:`importlib.metadata` scan.
        """
        new: list[PluginLoadFailure] = []
        entries: list[Any]
        if cached:
            from .entrypoints import scan

            entries = [(r.name, r.value, r.dist, r) for r in scan(group)]
        else:
            import importlib.metadata

            entries = [(ep.name, ep.value, ep.dist.name if ep.dist is not None else ep.value, ep)
                       for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name)]
        for name, value, dist, ep in entries:
            try:
                plugin = ep.load()
                self.register(plugin, name=dist)
            except Exception as exc:  # a broken plugin must not take the others down
                failure = PluginLoadFailure(name, value, f"{type(exc).__name__}: {exc}")
                log.warning("plugin %s (%s) could not be loaded: %s", name, value, failure.error)
                new.append(failure)
        self.failures += new
        return new

    # -- lookups ------------------------------------------------------------------------------------------

    @property
    def hook(self) -> Any:
        """pluggy's raw hook relay reaching every plugin (for tests and introspection; the core calls
        :attr:`hooks`, :meth:`provider` or :meth:`for_datacenter_kind`)."""
        return self.manager.hook

    @property
    def hooks(self) -> HookRelay:
        """Typed calls reaching every plugin (hooks without a spec to choose a provider: artifacts, events)."""
        return HookRelay(self.manager, ())

    def hooks_for_kind(self, datacenter_kind: str) -> HookRelay:
        """Typed calls reaching the provider of ``datacenter_kind`` and every non-provider plugin (only the
        non-provider plugins when no installed provider owns the kind)."""
        hooks = self.find_for_datacenter_kind(datacenter_kind) if datacenter_kind else None
        if hooks is not None:
            return hooks
        return HookRelay(self.manager, self._provider_plugins())

    def provider(self, name: str) -> ProviderHooks:
        """Hooks of the provider called ``name`` (or one of its aliases)."""
        for info, plugin in self.providers.values():
            if name == info.name or name in info.aliases:
                return ProviderHooks(self.manager, info, plugin, self._provider_plugins())
        known = ", ".join(sorted(self.providers)) or "none"
        raise PluginError(f"{name} is not a valid provider (installed providers: {known})")

    def for_datacenter_kind(self, kind: str) -> ProviderHooks:
        """Hooks of the provider owning datacenter ``kind``."""
        for info, plugin in self.providers.values():
            if info.datacenter_kind == kind:
                return ProviderHooks(self.manager, info, plugin, self._provider_plugins())
        raise PluginError(f"no installed provider handles datacenter kind {kind or '(none)'}; "
                          f"install the provider package that defines it")

    def find_for_datacenter_kind(self, kind: str) -> ProviderHooks | None:
        """Like :meth:`for_datacenter_kind`, ``None`` when no provider owns ``kind``."""
        try:
            return self.for_datacenter_kind(kind)
        except PluginError:
            return None

    def _provider_plugins(self) -> list[object]:
        return [plugin for _, plugin in self.providers.values()]

    def addons(self) -> list[object]:
        """Registered plugins that are not providers."""
        providers = {id(p) for p in self._provider_plugins()}
        return [p for p in self.manager.get_plugins() if id(p) not in providers]

    def owner_of(self, plugin: object) -> str:
        return self._owners.get(id(plugin), "?")

    def distribution_version(self, plugin: object) -> str:
        """Version of the distribution that installed ``plugin`` ("" when unknown)."""
        return installed_version(self.owner_of(plugin))


def installed_version(distribution: str, default: str = "") -> str:
    """The installed version of ``distribution`` (``default`` when it is not installed, e.g. a source tree on
    ``sys.path``). Providers use it for :attr:`ProviderInfo.version`; the versions of the distributions whose
    plugins :func:`default_plugins` loaded are known without reading their metadata again."""
    from .entrypoints import distribution_version

    known = distribution_version(distribution)
    if known is not None:
        return known
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return default


_default: Plugins | None = None
_default_lock = threading.Lock()


def default_plugins(*, reload: bool = False) -> Plugins:
    """The process-wide :class:`Plugins` with every installed entry-point plugin loaded (cached)."""
    global _default
    with _default_lock:
        if _default is None or reload:
            plugins = Plugins()
            plugins.load_entry_points(cached=True)
            _default = plugins
        return _default


def plugin_name(plugin: object) -> str:
    """The name a plugin gets when registered without one: a module's ``__name__``; for any other object
    ``<module>.<qualname>@<id in hex>`` of its class (unique while the object lives)."""
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}@{id(plugin):x}"


def plugin_module(obj: object) -> ModuleType | None:
    """The module a plugin object is, if it is one."""
    return obj if isinstance(obj, ModuleType) else None
