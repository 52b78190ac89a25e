"""attrs models of EKS Anywhere's curated packages kinds (group ``packages.eks.amazonaws.com/v1alpha1``):
``Package``, ``PackageBundle`` and ``PackageBundleController``.

Written from the public documentation and sources of ``aws/eks-anywhere-packages`` (the module itself cannot be
downloaded here, so its generated CRDs cannot be read; :mod:`eksa_core.packages.crds` derives the CRDs from these
models instead). Fields are EKS Anywhere's wire names; unknown fields are refused like every other kind's.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ..convert import field
from ..models.base import EksaObject

__all__ = [
    "PACKAGES_API_VERSION",
    "BundlePackage",
    "BundlePackageSource",
    "Package",
    "PackageBundle",
    "PackageBundleController",
    "PackageBundleControllerSpec",
    "PackageBundleSpec",
    "PackageSpec",
    "PackageStatus",
    "SourceVersion",
]

PACKAGES_API_VERSION = "packages.eks.amazonaws.com/v1alpha1"


@attrs.define
class PackageOCISource:
    """Where an installed package came from (``status.source``)."""

    registry: str | None = field()
    repository: str | None = field()
    version: str | None = field()
    digest: str | None = field()


@attrs.define
class PackageAvailableUpgrade:
    """A newer version of an installed package (``status.upgradesAvailable[]``)."""

    version: str | None = field()
    tag: str | None = field()


@attrs.define
class PackageSpec:
    """``Package.spec``."""

    package_name: str | None = field(required=True, doc="the name of the package in the bundle")
    package_version: str | None = field(doc="the version (or digest) to install; the bundle's latest when empty")
    config: str | None = field(doc="the package's configuration (YAML)")
    target_namespace: str | None = field(doc="where the package's resources go")


@attrs.define
class PackageStatus:
    """``Package.status`` (the package controller writes it)."""

    source: PackageOCISource | None = field()
    current_version: str | None = field()
    target_version: str | None = field()
    state: str | None = field(enum=("initializing", "installing", "installing dependencies", "installed",
                                    "updating", "uninstalling", "unknown"))
    detail: str | None = field()
    upgrades_available: list[PackageAvailableUpgrade] | None = field()
    spec: PackageSpec | None = field()


@attrs.define(kw_only=True)
class Package(EksaObject):
    """A curated package installed on a cluster (namespace ``eksa-packages-<cluster>``)."""

    KIND: ClassVar[str] = "Package"
    API_VERSION: ClassVar[str] = PACKAGES_API_VERSION
    api_version: str | None = field(default=PACKAGES_API_VERSION)
    spec: PackageSpec = field(factory=PackageSpec)
    status: PackageStatus | None = field()


@attrs.define
class VersionImage:
    """An image of a package version."""

    repository: str | None = field()
    digest: str | None = field()


@attrs.define
class SourceVersion:
    """One version of a bundle package."""

    name: str | None = field()
    digest: str | None = field()
    images: list[VersionImage] | None = field()
    # the configuration a version takes is described by ``schema`` (EKS Anywhere's PackageBundle CRD declares
    # no per-value ``configurations`` list, so the model has none: a server would refuse it)
    schema: str | None = field(doc="base64 of the gzipped JSON schema of the configuration")
    dependencies: list[str] | None = field()


@attrs.define
class BundlePackageSource:
    """Where a bundle package's versions are."""

    registry: str | None = field()
    repository: str | None = field()
    versions: list[SourceVersion] | None = field()


@attrs.define
class BundlePackage:
    """A package a bundle offers."""

    name: str | None = field()
    workload_only: bool | None = field()
    source: BundlePackageSource | None = field()

    def version_names(self) -> list[str]:
        """The names of the package's versions, in bundle order."""
        return [v.name for v in (self.source.versions if self.source and self.source.versions else []) if v.name]


@attrs.define
class PackageBundleSpec:
    """``PackageBundle.spec``."""

    packages: list[BundlePackage] | None = field()
    min_controller_version: str | None = field()


@attrs.define
class PackageBundleStatus:
    """``PackageBundle.status``."""

    state: str | None = field(enum=("available", "ignored", "invalid", "controller upgrade required"))
    spec: PackageBundleSpec | None = field()


@attrs.define(kw_only=True)
class PackageBundle(EksaObject):
    """A set of curated packages and versions (namespace ``eksa-packages``)."""

    KIND: ClassVar[str] = "PackageBundle"
    API_VERSION: ClassVar[str] = PACKAGES_API_VERSION
    api_version: str | None = field(default=PACKAGES_API_VERSION)
    spec: PackageBundleSpec = field(factory=PackageBundleSpec)
    status: PackageBundleStatus | None = field()

    def package(self, name: str) -> BundlePackage | None:
        """The bundle package called ``name`` (case-insensitive), ``None`` when the bundle has none."""
        for pkg in self.spec.packages or []:
            if (pkg.name or "").lower() == name.lower():
                return pkg
        return None


@attrs.define
class PackageBundleControllerSpec:
    """``PackageBundleController.spec``."""

    active_bundle: str | None = field(doc="the name of the PackageBundle in use")
    private_registry: str | None = field()
    default_registry: str | None = field()
    default_image_registry: str | None = field()
    bundle_repository: str | None = field()
    upgrade_check_interval: str | None = field(crd_default="24h")
    upgrade_check_short_interval: str | None = field(crd_default="1h")
    log_level: int | None = field()
    create_namespace: bool | None = field()


@attrs.define
class PackageBundleControllerStatus:
    """``PackageBundleController.status``."""

    state: str | None = field(enum=("active", "ignored", "upgrade available", "disconnected"))
    detail: str | None = field()
    spec: PackageBundleControllerSpec | None = field()
    upgrades_available: list[dict[str, Any]] | None = field()


@attrs.define(kw_only=True)
class PackageBundleController(EksaObject):
    """The package controller's settings of one cluster (named after it, namespace ``eksa-packages``)."""

    KIND: ClassVar[str] = "PackageBundleController"
    API_VERSION: ClassVar[str] = PACKAGES_API_VERSION
    api_version: str | None = field(default=PACKAGES_API_VERSION)
    spec: PackageBundleControllerSpec = field(factory=PackageBundleControllerSpec)
    status: PackageBundleControllerStatus | None = field()
