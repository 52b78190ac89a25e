"""Plugin discovery and the data types of the provider contract.

:class:`Plugins` wraps a pluggy ``PluginManager``: it loads every plugin of the ``eksa.providers`` entry-point
group (a plugin that fails to import is reported with its error and the rest still load), accepts explicit
registration (tests, embedding), keeps the kind registry, and hands out :class:`ProviderHooks`, the hook
caller that reaches only the provider a spec selects (plus non-provider add-ons).
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .errors import PluginError
from .hookspecs import ENTRY_POINT_GROUP, PROJECT_NAME
from .models.base import EksaObject
from .registry import CORE_OWNER, KindRegistry

__all__ = [
    "BootstrapOptions",
    "ComponentChangeDiff",
    "InfrastructureBundle",
    "PluginLoadFailure",
    "Plugins",
    "ProviderHooks",
    "ProviderInfo",
    "TemplateOptions",
    "WorkflowEvent",
    "default_plugins",
    "plugin_name",
]

log = logging.getLogger("eksa.plugins")


@attrs.frozen
class ProviderInfo:
    """Who a provider is.

    :ivar name: short name (``vsphere``, ``tinkerbell``, ``docker``...), as in ``eksa generate -p NAME``.
    :ivar datacenter_kind: the datacenter kind whose ``datacenterRef`` selects this provider.
    :ivar machine_kind: its machine config kind ("" when it has none, like Docker).
    :ivar kinds: every kind class the provider brings (datacenter and machine kinds included).
    :ivar version: the provider package's version.
    :ivar aliases: other names accepted for ``-p`` (e.g. ``baremetal`` for ``tinkerbell``).
    """

    name: str
    datacenter_kind: str
    machine_kind: str = ""
    kinds: tuple[type[EksaObject], ...] = ()
    version: str = ""
    aliases: tuple[str, ...] = ()


@attrs.define
class TemplateOptions:
    """Build options for :func:`~eksa_core.hookspecs.eksa_generate_control_plane`."""

    control_plane_template_name: str | None = None
    etcd_template_name: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class InfrastructureBundle:
    """clusterctl local-repository content of an infrastructure provider."""

    folder_name: str
    manifests: tuple[str, ...]


@attrs.frozen
class BootstrapOptions:
    """Extra settings of the kind bootstrap cluster requested by a provider."""

    env: Mapping[str, str] = attrs.field(factory=dict)
    extra_mounts: tuple[tuple[str, str], ...] = ()
    extra_port_mappings: tuple[int, ...] = ()


@attrs.frozen
class ComponentChangeDiff:
    """A component whose version changes in an upgrade."""

    component_name: str
    old_version: str
    new_version: str


@attrs.frozen
class WorkflowEvent:
    """A progress notification from the workflow runner.

    :ivar kind: ``task-started``, ``task-finished``, ``task-failed``, ``task-skipped``, ``message``, or
        ``progress`` (a provider's report on a long operation, e.g. one machine's provisioning, sent through
        :meth:`~eksa_core.context.HookContext.progress`; its structured data is in ``details``).
    :ivar level: verbosity level of a message (0 = always shown, as EKS-A's ``logger.V(n)``).
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


@attrs.frozen
class PluginLoadFailure:
    """An entry point that could not be loaded."""

    name: str
    value: str
    error: str


class ProviderHooks:
    """Hook caller restricted to one provider (plus non-provider plugins): ``hooks.eksa_validate_config(...)``."""

    def __init__(self, manager: pluggy.PluginManager, info: ProviderInfo, plugin: object,
                 other_providers: Iterable[object]) -> None:
        self.info = info
        self.plugin = plugin
        self._pm = manager
        self._others = [p for p in other_providers if p is not plugin]

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("eksa_"):
            raise AttributeError(name)
        return self._pm.subset_hook_caller(name, remove_plugins=self._others)


class Plugins:
    """The set of loaded plugins, their kinds and providers.

    ``Plugins()`` starts empty (core kinds only); :meth:`load_entry_points` adds installed plugins and
    :meth:`register` adds one explicitly.
    """

    def __init__(self) -> None:
        from .models import CORE_KINDS

        self.manager = pluggy.PluginManager(PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self.registry = KindRegistry(CORE_KINDS, owner=CORE_OWNER)
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
            return self._adopt(plugin, owner)
        except Exception:
            self.manager.unregister(plugin)
            raise

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
            for cls in info.kinds:
                registry.register(cls, owner=owner)
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

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[PluginLoadFailure]:
        """Load every plugin of the entry-point ``group``.

        A plugin that fails to import or register is recorded in :attr:`failures` (and logged) with its error;
        the others still load. Returns the failures of this call.
        """
        new: list[PluginLoadFailure] = []
        for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist is not None else ep.value
            try:
                plugin = ep.load()
                self.register(plugin, name=dist)
            except Exception as exc:  # a broken plugin must not take the others down
                failure = PluginLoadFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}")
                log.warning("plugin %s (%s) could not be loaded: %s", ep.name, ep.value, failure.error)
                new.append(failure)
        self.failures += new
        return new

    # -- lookups ------------------------------------------------------------------------------------------

    @property
    def hook(self) -> Any:
        """The hook relay reaching every plugin (use :meth:`for_kind` for provider hooks of a spec)."""
        return self.manager.hook

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
    ``sys.path``). Providers use it for :attr:`ProviderInfo.version`."""
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
            plugins.load_entry_points()
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
