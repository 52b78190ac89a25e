"""EKS Anywhere's curated packages: the models of Package, PackageBundle and PackageBundleController
(:mod:`.models`), their CRDs derived from those models (:mod:`.crds`) and the operations of the package
commands on a cluster (:mod:`.manager`)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .crds import package_crds
    from .models import PACKAGES_API_VERSION, Package, PackageBundle, PackageBundleController

__all__ = ["PACKAGES_API_VERSION", "Package", "PackageBundle", "PackageBundleController", "package_crds"]

# the names load with their module on first use (PEP 562): the CLI adds the package commands to its parser
# (``eksa --help``) through .cli without loading the models and the CRD generator
_LAZY = {"package_crds": ".crds", **dict.fromkeys(__all__[:4], ".models")}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
