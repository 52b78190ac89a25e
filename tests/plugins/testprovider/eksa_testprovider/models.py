"""The test provider's kinds: ``TestDatacenterConfig`` and ``TestMachineConfig``."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.convert import field
from eksa_core.models import DatacenterConfigObject, MachineConfigObject, UserConfiguration

__all__ = ["TestDatacenterConfig", "TestDatacenterConfigSpec", "TestMachineConfig", "TestMachineConfigSpec"]


@attrs.define
class TestDatacenterConfigSpec:
    """``TestDatacenterConfig.spec``: the (pretend) infrastructure endpoint and region."""

    __test__ = False
    endpoint: str | None = field()
    region: str | None = field()


@attrs.define(kw_only=True)
class TestDatacenterConfig(DatacenterConfigObject):
    """Selects the test provider (``datacenterRef.kind: TestDatacenterConfig``)."""

    __test__ = False
    KIND: ClassVar[str] = "TestDatacenterConfig"

    spec: TestDatacenterConfigSpec = field(factory=TestDatacenterConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class TestMachineConfigSpec:
    """``TestMachineConfig.spec``: machine size, image and users."""

    __test__ = False
    cpus: int | None = field()
    memory_mi_b: int | None = field(wire="memoryMiB")
    image: str | None = field()
    os_family: str | None = field()
    users: list[UserConfiguration] | None = field()


@attrs.define(kw_only=True)
class TestMachineConfig(MachineConfigObject):
    """A machine shape of the test provider."""

    __test__ = False
    KIND: ClassVar[str] = "TestMachineConfig"

    spec: TestMachineConfigSpec = field(factory=TestMachineConfigSpec)
    status: dict[str, Any] | None = field()
