"""Plugin registration and discovery: kinds, providers, duplicates, broken plugins, hook routing."""

from __future__ import annotations

import importlib.metadata
import types
from typing import Any

import attrs
import pytest

from eksa_core import hookimpl
from eksa_core.errors import PluginError
from eksa_core.models.base import DatacenterConfigObject
from eksa_core.plugins import Plugins, ProviderInfo


def _provider(name: str, dc_kind: str, calls: list[str] | None = None) -> types.SimpleNamespace:
    cls = attrs.define(kw_only=True)(type(dc_kind, (DatacenterConfigObject,), {
        "__annotations__": {"spec": "dict[str, Any] | None", "KIND": "ClassVar[str]"},
        "KIND": dc_kind, "spec": None, "__module__": __name__}))
    log = calls if calls is not None else []

    class Plugin:
        @hookimpl
        def eksa_provider(self) -> ProviderInfo:
            return ProviderInfo(name=name, datacenter_kind=dc_kind, kinds=(cls,))

        @hookimpl
        def eksa_validate_config(self, config: Any) -> list[Any]:
            log.append(name)
            return []

    return types.SimpleNamespace(plugin=Plugin(), cls=cls)


def test_provider_kinds_join_the_registry() -> None:
    plugins = Plugins()
    p = _provider("alpha", "AlphaDatacenterConfig")
    info = plugins.register(p.plugin, name="eksa-provider-alpha")
    assert info is not None and info.name == "alpha"
    assert plugins.registry.get("AlphaDatacenterConfig").owner == "eksa-provider-alpha"
    assert plugins.provider("alpha").info is info


def test_duplicate_kind_names_both_packages_and_leaves_nothing_behind() -> None:
    plugins = Plugins()
    plugins.register(_provider("alpha", "AlphaDatacenterConfig").plugin, name="pkg-a")
    other = _provider("beta", "AlphaDatacenterConfig").plugin
    with pytest.raises(PluginError) as err:
        plugins.register(other, name="pkg-b")
    assert "pkg-a" in str(err.value) and "pkg-b" in str(err.value)
    assert not plugins.manager.is_registered(other)
    assert "beta" not in plugins.providers


def test_duplicate_provider_name() -> None:
    plugins = Plugins()
    plugins.register(_provider("alpha", "AlphaDatacenterConfig").plugin, name="pkg-a")
    with pytest.raises(PluginError, match="provider name alpha is claimed by two plugins: pkg-a and pkg-b"):
        plugins.register(_provider("alpha", "OtherDatacenterConfig").plugin, name="pkg-b")


def test_core_kinds_cannot_be_taken() -> None:
    plugins = Plugins()
    with pytest.raises(PluginError, match="kind Cluster is registered twice"):
        plugins.register(_provider("x", "Cluster").plugin, name="pkg-x")


def test_hooks_reach_only_the_selected_provider() -> None:
    calls: list[str] = []
    plugins = Plugins()
    plugins.register(_provider("alpha", "AlphaDatacenterConfig", calls).plugin, name="a")
    plugins.register(_provider("beta", "BetaDatacenterConfig", calls).plugin, name="b")
    plugins.for_datacenter_kind("BetaDatacenterConfig").eksa_validate_config(config=None)
    assert calls == ["beta"]
    with pytest.raises(PluginError, match="no installed provider handles datacenter kind GammaDatacenterConfig"):
        plugins.for_datacenter_kind("GammaDatacenterConfig")
    with pytest.raises(PluginError, match="gamma is not a valid provider"):
        plugins.provider("gamma")


def test_addons_see_provider_hooks_too() -> None:
    seen: list[str] = []

    class Addon:
        @hookimpl
        def eksa_validate_config(self, config: Any) -> list[Any]:
            seen.append("addon")
            return []

    plugins = Plugins()
    plugins.register(_provider("alpha", "AlphaDatacenterConfig", seen).plugin, name="a")
    plugins.register(Addon(), name="addon")
    plugins.provider("alpha").eksa_validate_config(config=None)
    assert sorted(seen) == ["addon", "alpha"]


class _EP:
    def __init__(self, name: str, value: str, loader: Any) -> None:
        self.name, self.value, self._loader = name, value, loader
        self.dist = None

    def load(self) -> Any:
        return self._loader()


def test_a_broken_plugin_is_reported_and_the_others_load(monkeypatch: pytest.MonkeyPatch) -> None:
    good = _provider("alpha", "AlphaDatacenterConfig").plugin

    def broken() -> Any:
        raise ImportError("No module named 'pyvmomi'")

    eps = [_EP("broken", "eksa_broken.plugin", broken), _EP("alpha", "eksa_alpha.plugin", lambda: good)]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: eps)
    plugins = Plugins()
    failures = plugins.load_entry_points()
    assert [(f.name, f.value) for f in failures] == [("broken", "eksa_broken.plugin")]
    assert "No module named 'pyvmomi'" in failures[0].error
    assert "alpha" in plugins.providers
