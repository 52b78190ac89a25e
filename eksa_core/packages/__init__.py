"""EKS Anywhere's curated packages: the models of Package, PackageBundle and PackageBundleController
(:mod:`.models`), their CRDs derived from those models (:mod:`.crds`) and the operations of the package
commands on a cluster (:mod:`.manager`)."""

from __future__ import annotations

from .crds import package_crds
from .models import PACKAGES_API_VERSION, Package, PackageBundle, PackageBundleController

__all__ = ["PACKAGES_API_VERSION", "Package", "PackageBundle", "PackageBundleController", "package_crds"]
