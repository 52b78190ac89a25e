"""The declared public API for provider authors (:mod:`eksa_core.provider`): provider packages import nothing else
from the core, and every name it declares resolves."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core import provider

ROOT = Path(provider.__file__).resolve().parents[1]


def _provider_packages() -> list[Path]:
    """The package folders of the six providers and the example provider (their tests are not packages)."""
    found = sorted(ROOT.glob("providers/*/eksa_*")) + sorted(ROOT.glob("examples/provider-example/eksa_*"))
    return [p for p in found if (p / "__init__.py").is_file()]


def _allowed(module: str, *, conformance: bool = False) -> bool:
    modules = (*provider.PROVIDER_MODULES, *(provider.CONFORMANCE_MODULES if conformance else ()))
    return module in modules or any(module.startswith(f"{allowed}.") for allowed in modules if allowed != "eksa_core")


def _core_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, module)`` of every import of an ``eksa_core`` module, top-level or inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "eksa_core" or node.module.startswith("eksa_core."):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "eksa_core" or alias.name.startswith("eksa_core."):
                    yield node.lineno, alias.name


def test_provider_packages_import_only_the_declared_api() -> None:
    packages = _provider_packages()
    assert {p.parent.name for p in packages} >= {"vsphere", "docker", "baremetal", "nutanix", "cloudstack", "snow",
                                                 "inmemory", "provider-example"}
    offenders = []
    for package in packages:
        for path in sorted(package.rglob("*.py")):
            if "_proto" in path.parts:  # generated gRPC stubs import no core module
                continue
            for line, module in _core_imports(ast.parse(path.read_text())):
                if not _allowed(module, conformance=path.name == "conformance.py"):
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert not offenders, "provider packages import core modules outside eksa_core.provider's list:\n" + \
        "\n".join(offenders)


@pytest.mark.parametrize(
    ("source", "allowed"),
    [("from eksa_core.provider import Spec", True), ("from eksa_core.models.base import Ref", True),
     ("from eksa_core.capi.constants import MOVE_LABEL", True), ("from eksa_core import hookimpl", True),
     ("from eksa_core.workflows import checkpoint_path", False), ("import eksa_core.spec", False),
     ("from eksa_core.plugins import ProviderInfo", False), ("from eksa_core.capital import x", False)],
)
def test_the_check_tells_declared_from_undeclared_modules(source: str, allowed: bool) -> None:
    (_, module), = _core_imports(ast.parse(source))
    assert _allowed(module) is allowed


def test_only_a_conformance_module_may_use_the_test_kit() -> None:
    assert not _allowed("eksa_core.testing.prism_double")
    assert _allowed("eksa_core.testing.prism_double", conformance=True)
    assert not _allowed("eksa_core.workflows", conformance=True)


def test_every_declared_name_resolves() -> None:
    """Each name of ``eksa_core.provider.__all__`` loads (lazily) and is the defining module's own object."""
    for name in provider.__all__:
        value = getattr(provider, name)
        home = importlib.import_module(provider._LAZY[name], "eksa_core")
        assert value is getattr(home, name), name
    with pytest.raises(AttributeError, match="no attribute 'checkpoint_path'"):
        provider.checkpoint_path  # noqa: B018 - the workflows are not part of the provider API


def test_no_provider_package_ships_a_double() -> None:
    """Doubles (``…Double``, ``Fake…``) live in tests or in ``eksa_core.testing``, never in a provider's package."""
    offenders = []
    for package in _provider_packages():
        for path in sorted(package.rglob("*.py")):
            if "_proto" in path.parts:
                continue
            if "double" in path.stem.lower() or "fake" in path.stem.lower():
                offenders.append(str(path.relative_to(ROOT)))
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and (node.name.endswith("Double") or node.name.startswith("Fake")):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: class {node.name}")
    assert not offenders, "\n".join(offenders)
