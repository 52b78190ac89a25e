"""``Plugins.register`` without a name: unique names for instances and modules; duplicates still name both."""

from __future__ import annotations

import types
from typing import Any

import attrs
import pytest

from eksa_core import hookimpl
from eksa_core.errors import PluginError
from eksa_core.models.base import DatacenterConfigObject
from eksa_core.plugins import Plugins, ProviderInfo, WorkflowEvent, plugin_name


class Observer:
    """An add-on plugin (no provider): records workflow events."""

    def __init__(self) -> None:
        self.events: list[WorkflowEvent] = []

    @hookimpl
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        self.events.append(event)


def _datacenter_kind(kind: str) -> type:
    return attrs.define(kw_only=True)(type(kind, (DatacenterConfigObject,), {
        "__annotations__": {"spec": "dict[str, Any] | None", "KIND": "ClassVar[str]"},
        "KIND": kind, "spec": None, "__module__": __name__}))


class Provider:
    """A provider plugin whose name and datacenter kind are chosen per instance."""

    def __init__(self, name: str, kind: str, cls: type | None = None) -> None:
        self.name, self.kind = name, kind
        self.cls = cls or _datacenter_kind(kind)

    @hookimpl
    def eksa_provider(self) -> ProviderInfo:
        return ProviderInfo(name=self.name, datacenter_kind=self.kind, kinds=(self.cls,))


def test_two_instances_of_one_class_register_without_names() -> None:
    plugins = Plugins()
    first, second = Observer(), Observer()
    plugins.register(first)
    plugins.register(second)  # used to fail: both were named "Observer"

    assert plugins.manager.is_registered(first) and plugins.manager.is_registered(second)
    names = {plugins.owner_of(first), plugins.owner_of(second)}
    assert len(names) == 2
    for name in names:
        assert name.startswith(f"{__name__}.Observer@")
    event = WorkflowEvent("create-management", "message", message="hello")
    plugins.hook.eksa_workflow_event(event=event)
    assert first.events == [event] and second.events == [event]


def test_registering_the_same_object_twice_is_a_no_op() -> None:
    plugins = Plugins()
    observer = Observer()
    plugins.register(observer)
    plugins.register(observer)
    assert plugins.manager.get_plugins() == {observer}


def test_modules_are_named_by_module_name() -> None:
    module = types.ModuleType("eksa_example_addon")

    @hookimpl
    def eksa_workflow_event(event: WorkflowEvent) -> None:
        return None

    module.eksa_workflow_event = eksa_workflow_event  # type: ignore[attr-defined]
    plugins = Plugins()
    plugins.register(module)
    assert plugins.owner_of(module) == "eksa_example_addon"
    assert plugin_name(module) == "eksa_example_addon"


def test_an_explicit_name_used_twice_is_a_plugin_error() -> None:
    plugins = Plugins()
    plugins.register(Observer(), name="watcher")
    other = Observer()
    with pytest.raises(PluginError, match=r"plugin name watcher is already used by .*Observer@"):
        plugins.register(other, name="watcher")
    assert not plugins.manager.is_registered(other)


def test_duplicate_provider_names_both_packages_even_without_names() -> None:
    plugins = Plugins()
    first = Provider("alpha", "AlphaDatacenterConfig")
    plugins.register(first)
    second = Provider("alpha", "OtherDatacenterConfig")
    with pytest.raises(PluginError) as info:
        plugins.register(second)
    message = str(info.value)
    assert message.startswith("provider name alpha is claimed by two plugins: ")
    assert plugin_name(first) in message and plugin_name(second) in message
    assert not plugins.manager.is_registered(second)


def test_duplicate_datacenter_kind_names_both_packages() -> None:
    plugins = Plugins()
    plugins.register(Provider("alpha", "AlphaDatacenterConfig"), name="pkg-a")
    with pytest.raises(PluginError, match=r"datacenter kind AlphaDatacenterConfig is claimed by two providers: "
                                          r"alpha \(pkg-a\) and beta \(pkg-b\)"):
        plugins.register(Provider("beta", "AlphaDatacenterConfig"), name="pkg-b")


def test_duplicate_kind_names_both_packages() -> None:
    plugins = Plugins()
    shared: Any = _datacenter_kind("SharedDatacenterConfig")
    plugins.register(Provider("alpha", "SharedDatacenterConfig", shared), name="pkg-a")
    other: Any = _datacenter_kind("SharedDatacenterConfig")
    with pytest.raises(PluginError) as info:
        plugins.register(Provider("beta", "BetaDatacenterConfig", other), name="pkg-b")
    assert str(info.value).startswith("kind SharedDatacenterConfig is registered twice: by pkg-a")
    assert "pkg-b" in str(info.value)
