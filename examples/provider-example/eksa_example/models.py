"""The provider's kinds. Attributes are snake_case, their YAML names camelCase; ``None`` means absent, so a
user's file round-trips unchanged."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models import DatacenterConfigObject, MachineConfigObject, UserConfiguration
from eksa_core.provider import field

__all__ = ["ExampleDatacenterConfig", "ExampleDatacenterConfigSpec", "ExampleMachineConfig",
           "ExampleMachineConfigSpec"]


@attrs.define
class ExampleDatacenterConfigSpec:
    """``ExampleDatacenterConfig.spec``: the cloud's API endpoint (``https://...``) and availability zone."""

    endpoint: str | None = field()
    zone: str | None = field()


@attrs.define(kw_only=True)
class ExampleDatacenterConfig(DatacenterConfigObject):
    """Selects the provider (``Cluster.spec.datacenterRef.kind: ExampleDatacenterConfig``)."""

    KIND: ClassVar[str] = "ExampleDatacenterConfig"

    spec: ExampleDatacenterConfigSpec = field(factory=ExampleDatacenterConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class ExampleMachineConfigSpec:
    """``ExampleMachineConfig.spec``: machine size, OS image and login users."""

    cpus: int | None = field()
    memory_mi_b: int | None = field(wire="memoryMiB")
    image: str | None = field()
    users: list[UserConfiguration] | None = field()


@attrs.define(kw_only=True)
class ExampleMachineConfig(MachineConfigObject):
    """A machine shape (``machineGroupRef.kind: ExampleMachineConfig``)."""

    KIND: ClassVar[str] = "ExampleMachineConfig"

    spec: ExampleMachineConfigSpec = field(factory=ExampleMachineConfigSpec)
    status: dict[str, Any] | None = field()
