"""FakeLab: a minimal provider plugin used by the core tests, because real provider packages are separate
distributions that may not be installed. It owns ``FakeLabDatacenterConfig`` and ``FakeLabMachineConfig``,
defaults ``spec.zone`` and reports one rule of its own, exactly like a real provider would through the hooks."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core import hookimpl
from eksa_core.convert import field
from eksa_core.errors import SpecError
from eksa_core.models.base import DatacenterConfigObject, MachineConfigObject
from eksa_core.plugins import Plugins, ProviderInfo
from eksa_core.spec import ClusterConfig

DATACENTER_KIND = "FakeLabDatacenterConfig"
MACHINE_KIND = "FakeLabMachineConfig"


@attrs.define
class FakeLabDatacenterSpec:
    zone: str | None = field()
    server: str | None = field()


@attrs.define(kw_only=True)
class FakeLabDatacenterConfig(DatacenterConfigObject):
    KIND: ClassVar[str] = DATACENTER_KIND
    spec: FakeLabDatacenterSpec = field(factory=FakeLabDatacenterSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class FakeLabMachineSpec:
    cpus: int | None = field()


@attrs.define(kw_only=True)
class FakeLabMachineConfig(MachineConfigObject):
    KIND: ClassVar[str] = MACHINE_KIND
    spec: FakeLabMachineSpec = field(factory=FakeLabMachineSpec)
    status: dict[str, Any] | None = field()


class FakeLabProvider:
    """The plugin object (one instance per test, so calls can be counted)."""

    def __init__(self) -> None:
        self.defaults_calls = 0
        self.validate_calls = 0

    @hookimpl
    def eksa_provider(self) -> ProviderInfo:
        return ProviderInfo(name="fakelab", datacenter_kind=DATACENTER_KIND, machine_kind=MACHINE_KIND,
                            kinds=(FakeLabDatacenterConfig, FakeLabMachineConfig), version="0.0.1")

    @hookimpl
    def eksa_set_defaults(self, config: ClusterConfig) -> None:
        self.defaults_calls += 1
        for dc in config.of_kind(DATACENTER_KIND):
            if not dc.spec.zone:
                dc.spec.zone = "zone-a"

    @hookimpl
    def eksa_validate_config(self, config: ClusterConfig) -> list[SpecError]:
        self.validate_calls += 1
        out = []
        for dc in config.of_kind(DATACENTER_KIND):
            if not dc.spec.server:
                out.append(SpecError("FakeLabDatacenterConfig server is not set or is empty", kind=dc.kind,
                                     name=dc.name, field="spec.server"))
        return out


class OtherProvider:
    """A second provider, which must never see a FakeLab spec."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def eksa_provider(self) -> ProviderInfo:
        return ProviderInfo(name="otherlab", datacenter_kind="OtherLabDatacenterConfig",
                            kinds=(OtherLabDatacenterConfig,))

    @hookimpl
    def eksa_validate_config(self, config: ClusterConfig) -> list[SpecError]:
        self.calls += 1
        return [SpecError("other provider ran")]


@attrs.define(kw_only=True)
class OtherLabDatacenterConfig(DatacenterConfigObject):
    KIND: ClassVar[str] = "OtherLabDatacenterConfig"
    spec: dict[str, Any] = field(factory=dict)


def make_plugins() -> tuple[Plugins, FakeLabProvider]:
    """Plugins with only FakeLab (and another provider) registered, independent of installed packages."""
    plugins = Plugins()
    provider = FakeLabProvider()
    plugins.register(provider, name="eksa-provider-fakelab")
    plugins.register(OtherProvider(), name="eksa-provider-otherlab")
    return plugins, provider
