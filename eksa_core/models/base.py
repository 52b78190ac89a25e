"""Shared pieces of every ``anywhere.eks.amazonaws.com/v1alpha1`` kind."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ..convert import field

__all__ = [
    "API_VERSION",
    "DatacenterConfigObject",
    "EksaObject",
    "MachineConfigObject",
    "ObjectMeta",
    "Ref",
    "UserConfiguration",
]

API_VERSION = "anywhere.eks.amazonaws.com/v1alpha1"
"""The API version of every EKS Anywhere kind."""


@attrs.define
class ObjectMeta:
    """Kubernetes object metadata (the parts a spec file or a live object carries)."""

    name: str | None = field()
    namespace: str | None = field()
    labels: dict[str, str] | None = field()
    annotations: dict[str, str] | None = field()
    generate_name: str | None = field()
    uid: str | None = field()
    resource_version: str | None = field()
    generation: int | None = field()
    creation_timestamp: str | None = field()
    deletion_timestamp: str | None = field()
    deletion_grace_period_seconds: int | None = field()
    finalizers: list[str] | None = field()
    owner_references: list[dict[str, Any]] | None = field()
    managed_fields: list[dict[str, Any]] | None = field()


@attrs.define
class Ref:
    """A reference to another object of the spec by kind and name (``datacenterRef``, ``machineGroupRef``...)."""

    kind: str | None = field()
    name: str | None = field()


@attrs.define
class UserConfiguration:
    """A node OS user and the SSH keys allowed to log in as it."""

    name: str | None = field()
    ssh_authorized_keys: list[str] | None = field()


@attrs.define(kw_only=True)
class EksaObject:
    """Base class of every kind. Subclasses set ``KIND`` and declare ``spec`` (and ``status`` if any).

    ``kind`` and ``api_version`` are attributes so that a loaded object dumps back as it was written.
    """

    KIND: ClassVar[str] = ""
    API_VERSION: ClassVar[str] = API_VERSION

    api_version: str | None = field(default=API_VERSION)
    kind: str | None = field()
    metadata: ObjectMeta = field(factory=ObjectMeta)

    def __attrs_post_init__(self) -> None:
        if self.kind is None:
            self.kind = self.KIND

    @property
    def name(self) -> str:
        """``metadata.name`` ("" when unset)."""
        return self.metadata.name or ""

    @property
    def namespace(self) -> str:
        """``metadata.namespace`` ("" when unset; the defaulting step sets ``default``)."""
        return self.metadata.namespace or ""

    def annotate(self, key: str, value: str) -> None:
        """Set one annotation."""
        if self.metadata.annotations is None:
            self.metadata.annotations = {}
        self.metadata.annotations[key] = value


class DatacenterConfigObject(EksaObject):
    """Marker base class of provider datacenter kinds (``<Provider>DatacenterConfig``)."""


class MachineConfigObject(EksaObject):
    """Base class of provider machine kinds (``<Provider>MachineConfig``).

    Subclasses whose spec has ``os_family`` and ``users`` need not override :meth:`os_family` or :meth:`users`.
    """

    def os_family(self) -> str:
        """The machine's OS family (``bottlerocket``, ``ubuntu``, ``redhat``) or ""."""
        spec = getattr(self, "spec", None)
        return str(getattr(spec, "os_family", None) or "")

    def users(self) -> list[UserConfiguration]:
        """The machine's OS users (may be empty)."""
        spec = getattr(self, "spec", None)
        return list(getattr(spec, "users", None) or [])
