"""Discovery registers every kind by name and imports none of the modules defining them: the core's models and each
provider's kinds load when a spec names one of their kinds, or something asks for the class (``eksa crds``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from eksa_core.errors import PluginError
from eksa_core.models import CORE_KINDS
from eksa_core.registry import CORE_KIND_MODULES, KindRegistry

PROBE = """
import json, sys
import eksa_core
plugins = eksa_core.default_plugins()
model_modules = sorted({info.module.partition(":")[0] for info in plugins.registry})
before = sorted(m for m in model_modules if m in sys.modules)
loaded_before = sorted(info.kind for info in plugins.registry if info.loaded)
KIND = sys.argv[1]
cls = plugins.registry.get(KIND).cls if KIND else None
print(json.dumps({
    "providers": sorted(plugins.providers),
    "failures": [f.name for f in plugins.failures],
    "kinds": plugins.registry.kinds(),
    "model_modules": model_modules,
    "imported": before,
    "loaded": loaded_before,
    "after": sorted(m for m in model_modules if m in sys.modules),
    "cls": f"{cls.__module__}.{cls.__qualname__}" if cls else "",
}))
"""


def _probe(kind: str = "") -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", PROBE, kind], capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(out.stdout)
    return found


def test_discovery_imports_no_model_module() -> None:
    found = _probe()
    assert not found["failures"], f"plugins failed to load: {found['failures']}"
    assert "docker" in found["providers"]  # providers were discovered: the check below is not vacuous
    assert "eksa_core.models.cluster" in found["model_modules"]
    assert "eksa_docker.models" in found["model_modules"]
    assert found["imported"] == [], f"discovery imported the model modules {found['imported']}"
    assert found["loaded"] == []


def test_asking_for_a_kind_imports_only_its_module() -> None:
    found = _probe("DockerDatacenterConfig")
    assert found["cls"] == "eksa_docker.models.DockerDatacenterConfig"
    after = found["after"]
    assert isinstance(after, list)
    assert "eksa_docker.models" in after
    assert not [m for m in after if m.endswith(".models") and m != "eksa_docker.models"], after


def test_the_core_kinds_are_declared_where_they_are_defined() -> None:
    assert {cls.KIND: cls.__module__ for cls in CORE_KINDS} == CORE_KIND_MODULES
    registry = KindRegistry.core()
    assert [registry.get(cls.KIND).cls for cls in CORE_KINDS] == list(CORE_KINDS)  # type: ignore[union-attr]


def test_a_kind_declared_in_the_wrong_module_fails_when_first_used() -> None:
    registry = KindRegistry()
    registry.register_module("Cluster", "eksa_core.models.gitops", owner="acme")
    info = registry.get("Cluster")
    assert info is not None and not info.loaded
    wrong = re.escape("acme: kind Cluster declared in eksa_core.models.gitops cannot be loaded")
    with pytest.raises(PluginError, match=wrong):
        _ = info.cls
    registry.register_module("Widget", "acme_missing.models", owner="acme")
    with pytest.raises(PluginError, match="ModuleNotFoundError"):
        _ = registry.get("Widget").cls  # type: ignore[union-attr]
    registry.register_module("FluxConfig", "eksa_core.models.gitops:GitOpsConfig", owner="acme")
    with pytest.raises(PluginError, match="does not define kind FluxConfig"):
        _ = registry.get("FluxConfig").cls  # type: ignore[union-attr]


def test_a_kind_declared_by_module_and_by_another_package_is_refused() -> None:
    registry = KindRegistry.core()
    with pytest.raises(PluginError, match="kind Cluster is registered twice: by eksa-core "
                                          r"\(eksa_core.models.cluster\) and by acme \(acme.models\)"):
        registry.register_module("Cluster", "acme.models", owner="acme")
