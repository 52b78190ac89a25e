"""The kind registry: which attrs class reads which ``kind``, and which package brought it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from .errors import PluginError
from .models.base import DatacenterConfigObject, EksaObject, MachineConfigObject

__all__ = ["CORE_OWNER", "KindInfo", "KindRegistry"]

CORE_OWNER = "eksa-core"


@attrs.frozen
class KindInfo:
    """One registered kind: its class and the package (plugin name) that contributed it."""

    kind: str
    cls: type[EksaObject]
    owner: str

    @property
    def is_datacenter(self) -> bool:
        return issubclass(self.cls, DatacenterConfigObject)

    @property
    def is_machine_config(self) -> bool:
        return issubclass(self.cls, MachineConfigObject)


class KindRegistry:
    """Maps kind names to model classes. Two packages registering the same kind is a :class:`PluginError`."""

    def __init__(self, classes: Iterable[type[EksaObject]] = (), *, owner: str = CORE_OWNER) -> None:
        self._kinds: dict[str, KindInfo] = {}
        for cls in classes:
            self.register(cls, owner=owner)

    def register(self, cls: type[EksaObject], *, owner: str) -> KindInfo:
        """Add ``cls`` (its ``KIND``) for ``owner``; re-registering the same class for the same owner is a no-op."""
        if not (isinstance(cls, type) and issubclass(cls, EksaObject) and cls.KIND):
            raise PluginError(f"{owner}: {cls!r} is not an EksaObject subclass with a KIND")
        existing = self._kinds.get(cls.KIND)
        if existing is not None:
            if existing.cls is cls and existing.owner == owner:
                return existing
            raise PluginError(
                f"kind {cls.KIND} is registered twice: by {existing.owner} ({existing.cls.__module__}) "
                f"and by {owner} ({cls.__module__})"
            )
        info = KindInfo(cls.KIND, cls, owner)
        self._kinds[cls.KIND] = info
        return info

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
