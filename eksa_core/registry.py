"""The kind registry: which attrs class reads which ``kind``, and which package brought it.

A kind is registered either with its class or by name with the module that defines it (``"pkg.models"``, the
class named as the kind, or ``"pkg.models:Class"``): the module is imported when something first asks for the
class (a spec names the kind, ``eksa crds`` builds its schema), so discovering the installed providers imports
none of their models.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .errors import PluginError

if TYPE_CHECKING:
    from .models.base import EksaObject

__all__ = ["CORE_KIND_MODULES", "CORE_OWNER", "KindInfo", "KindRegistry", "resolve_kind"]

CORE_OWNER = "eksa-core"

CORE_KIND_MODULES: dict[str, str] = {
    "Cluster": "eksa_core.models.cluster",
    "FluxConfig": "eksa_core.models.gitops",
    "GitOpsConfig": "eksa_core.models.gitops",
    "OIDCConfig": "eksa_core.models.gitops",
    "AWSIamConfig": "eksa_core.models.gitops",
    "AWSDatacenterConfig": "eksa_core.models.legacy",
}
"""Kinds the core registers itself, by the module defining each (``eksa_core.models.CORE_KINDS``, not imported)."""

_lock = threading.Lock()


def resolve_kind(kind: str, module: str, *, owner: str) -> type[EksaObject]:
    """The class of ``kind`` declared by ``owner`` as defined in ``module`` (``"pkg.mod"`` or ``"pkg.mod:Name"``,
    the attribute named as the kind by default): a :class:`PluginError` when it cannot be imported or is not an
    :class:`~eksa_core.models.base.EksaObject` subclass whose ``KIND`` is ``kind``."""
    from .models.base import EksaObject

    path, _, attribute = module.partition(":")
    try:
        cls = getattr(importlib.import_module(path), attribute or kind)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"{owner}: kind {kind} declared in {module} cannot be loaded: "
                          f"{type(exc).__name__}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, EksaObject) and kind == cls.KIND):
        raise PluginError(f"{owner}: {module} does not define kind {kind} (an EksaObject subclass with "
                          f"KIND {kind!r}), found {cls!r}")
    return cls


class KindInfo:
    """One registered kind: its class (loaded on first use when registered by module) and the package (plugin
    name) that contributed it."""

    __slots__ = ("_cls", "kind", "module", "owner")

    def __init__(self, kind: str, cls: type[EksaObject] | None, owner: str, *, module: str = "") -> None:
        if cls is None and not module:
            raise PluginError(f"{owner}: kind {kind} needs a class or the module defining it")
        self.kind = kind
        self.owner = owner
        self.module = module or (f"{cls.__module__}:{cls.__qualname__}" if cls is not None else "")
        self._cls = cls

    @property
    def loaded(self) -> bool:
        """Whether the kind's class has been imported."""
        return self._cls is not None

    @property
    def cls(self) -> type[EksaObject]:
        """The kind's class (its module is imported on first use)."""
        cls = self._cls
        if cls is None:
            with _lock:
                if self._cls is None:
                    self._cls = resolve_kind(self.kind, self.module, owner=self.owner)
                cls = self._cls
        return cls

    @property
    def is_datacenter(self) -> bool:
        from .models.base import DatacenterConfigObject

        return issubclass(self.cls, DatacenterConfigObject)

    @property
    def is_machine_config(self) -> bool:
        from .models.base import MachineConfigObject

        return issubclass(self.cls, MachineConfigObject)

    def _same(self, other: KindInfo) -> bool:
        if self.owner != other.owner or self.kind != other.kind:
            return False
        if self._cls is not None and other._cls is not None:
            return self._cls is other._cls
        return self.module == other.module

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KindInfo) and self._same(other)

    def __hash__(self) -> int:
        return hash((self.kind, self.owner))

    def __repr__(self) -> str:
        return f"KindInfo(kind={self.kind!r}, module={self.module!r}, owner={self.owner!r})"


class KindRegistry:
    """Maps kind names to model classes. Two packages registering the same kind is a :class:`PluginError`."""

    def __init__(self, classes: Iterable[type[EksaObject]] = (), *, owner: str = CORE_OWNER,
                 modules: dict[str, str] | None = None) -> None:
        self._kinds: dict[str, KindInfo] = {}
        for kind, module in (modules or {}).items():
            self.register_module(kind, module, owner=owner)
        for cls in classes:
            self.register(cls, owner=owner)

    @classmethod
    def core(cls) -> KindRegistry:
        """A registry of the core's kinds (none of their modules imported)."""
        return cls(modules=CORE_KIND_MODULES, owner=CORE_OWNER)

    def register(self, cls: type[EksaObject], *, owner: str) -> KindInfo:
        """Add ``cls`` (its ``KIND``) for ``owner``; re-registering the same class for the same owner is a no-op."""
        from .models.base import EksaObject

        if not (isinstance(cls, type) and issubclass(cls, EksaObject) and cls.KIND):
            raise PluginError(f"{owner}: {cls!r} is not an EksaObject subclass with a KIND")
        return self._add(KindInfo(cls.KIND, cls, owner))

    def register_module(self, kind: str, module: str, *, owner: str) -> KindInfo:
        """Add ``kind`` for ``owner``, its class to be found in ``module`` (``"pkg.mod"``, the class named as the
        kind, or ``"pkg.mod:Name"``) when first asked for; nothing is imported now."""
        if not (isinstance(kind, str) and kind and isinstance(module, str) and module):
            raise PluginError(f"{owner}: kind {kind!r} must be declared with the module defining it, got "
                              f"{module!r}")
        return self._add(KindInfo(kind, None, owner, module=module))

    def _add(self, info: KindInfo) -> KindInfo:
        existing = self._kinds.get(info.kind)
        if existing is not None:
            if existing.owner == info.owner and (existing._same(info) or self._resolves_to(existing, info)):
                return existing
            raise PluginError(
                f"kind {info.kind} is registered twice: by {existing.owner} ({_where(existing)}) "
                f"and by {info.owner} ({_where(info)})"
            )
        self._kinds[info.kind] = info
        return info

    @staticmethod
    def _resolves_to(existing: KindInfo, new: KindInfo) -> bool:
        """The same owner declaring a kind once by module and once by class (or by two spellings): the same
        kind when both name one class."""
        try:
            return existing.cls is new.cls
        except PluginError:
            return False

    def get(self, kind: str) -> KindInfo | None:
        """The registration of ``kind``, or ``None``."""
        return self._kinds.get(kind)

    def __contains__(self, kind: object) -> bool:
        return kind in self._kinds

    def __iter__(self) -> Iterator[KindInfo]:
        return iter(self._kinds.values())

    def kinds(self) -> list[str]:
        """Registered kind names, sorted."""
        return sorted(self._kinds)

    def copy(self) -> KindRegistry:
        new = KindRegistry()
        new._kinds = dict(self._kinds)
        return new


def _where(info: KindInfo) -> str:
    """The module of a registration, as the registry's messages name it."""
    return info.module.partition(":")[0]
