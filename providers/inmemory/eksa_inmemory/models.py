"""The in-memory provider's kinds: ``InMemoryDatacenterConfig`` and ``InMemoryMachineConfig``."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models import DatacenterConfigObject, MachineConfigObject
from eksa_core.provider import field

__all__ = [
    "DEFAULT_STARTUP_DURATION",
    "InMemoryDatacenterConfig",
    "InMemoryDatacenterConfigSpec",
    "InMemoryMachineConfig",
    "InMemoryMachineConfigSpec",
]

DEFAULT_STARTUP_DURATION = "1s"
"""How long CAPD's in-memory backend takes to "provision" each simulated part when the spec does not say."""


@attrs.define
class InMemoryDatacenterConfigSpec:
    """``InMemoryDatacenterConfig.spec``: empty. Any field in it is an unknown-field error (strict decoding)."""


@attrs.define(kw_only=True)
class InMemoryDatacenterConfig(DatacenterConfigObject):
    """Selects the in-memory provider (``Cluster.spec.datacenterRef.kind: InMemoryDatacenterConfig``)."""

    KIND: ClassVar[str] = "InMemoryDatacenterConfig"

    spec: InMemoryDatacenterConfigSpec | None = field(factory=InMemoryDatacenterConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class InMemoryMachineConfigSpec:
    """``InMemoryMachineConfig.spec``.

    ``startupDuration`` (a Go duration such as ``1s`` or ``500ms``): how long the in-memory backend takes to
    provision each simulated part of a machine (VM, Node, API server, etcd member); default
    :data:`DEFAULT_STARTUP_DURATION`.
    """

    startup_duration: str | None = field()


@attrs.define(kw_only=True)
class InMemoryMachineConfig(MachineConfigObject):
    """The simulated machines of one node group (``machineGroupRef.kind: InMemoryMachineConfig``)."""

    KIND: ClassVar[str] = "InMemoryMachineConfig"

    spec: InMemoryMachineConfigSpec | None = field(factory=InMemoryMachineConfigSpec)
    status: dict[str, Any] | None = field()
