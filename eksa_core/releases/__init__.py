"""EKS Anywhere release data: release manifest -> Bundles -> VersionsBundle -> EKS-D release, and
:func:`build_spec`, which joins a cluster config with the release data deciding its images and versions.

Typical use::

    from eksa_core.releases import build_spec

    spec = build_spec(config, release_manifest="releases/manifest.yaml", cli_version="v0.21.3")
    vb = spec.versions_bundle()                     # the cluster's VersionsBundle
    eksd = spec.eksd_release()                      # its EKS-D release
    eksd.kubernetes_version_tag()                   # "v1.30.1-eks-1-30-8"
    vb.vsphere.kube_vip.uri

Release data is parsed once per process (libyaml where available; see :mod:`eksa_core.releases.cache`,
:func:`release_data_cache_info`, :func:`clear_release_data_cache`), read leniently (unknown fields ignored; see
:mod:`eksa_core.releases._convert`) and never from the network unless the caller passes a fetcher (see
:mod:`eksa_core.releases.loading`; :class:`eksa_core.releases.remote.RemoteFetcher` is the one the ``eksa``
command line passes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import (
        BUNDLED_RELEASE_MANIFEST,
        DEFAULT_CLI_VERSION,
        DEFAULT_RELEASE_MANIFEST_URL,
        ReleaseFiles,
        build_spec,
        build_spec_from_files,
        bundles_for_version,
        classify_release_files,
        eksa_release_name,
        eksd_release_for,
        newest_kubernetes_version,
        spec_with_release_data,
    )
    from .cache import CacheInfo
    from .cache import cache_info as release_data_cache_info
    from .cache import clear_cache as clear_release_data_cache
    from .eksd import (
        EksdAsset,
        EksdAssetArchive,
        EksdAssetImage,
        EksdComponent,
        EksdRelease,
        EksdReleaseSpec,
        EksdReleaseStatus,
        KubeDistro,
    )
    from .loading import (
        FetchedBytes,
        Fetcher,
        HttpFetcher,
        Location,
        base_of,
        load_bundles,
        load_eksd_release,
        load_release_document,
        load_release_manifest,
        refuse_network,
        resolve_location,
    )
    from .models import (
        ActionsBundle,
        ArchitectureBundle,
        Archive,
        AwsBundle,
        BinaryBundle,
        BottlerocketBootstrapContainersBundle,
        BottlerocketHostContainersBundle,
        Bundles,
        BundlesSpec,
        CertManagerBundle,
        CiliumBundle,
        CloudStackBundle,
        CoreClusterAPI,
        DockerBundle,
        EksaBundle,
        EksARelease,
        EksDBundle,
        EtcdadmBootstrapBundle,
        EtcdadmControllerBundle,
        FluxBundle,
        HaproxyBundle,
        HookArch,
        HookBundle,
        Image,
        KindnetdBundle,
        KubeadmBootstrapBundle,
        KubeadmControlPlaneBundle,
        Manifest,
        NutanixBundle,
        ObjectMeta,
        OSImageBundle,
        PackageBundle,
        PlatformBundle,
        Release,
        ReleaseSpec,
        SnowBundle,
        TinkBundle,
        TinkerbellBundle,
        TinkerbellStackBundle,
        UpgraderBundle,
        VersionsBundle,
        VSphereBundle,
    )
    from .semver import Semver, SemverError

# Names load with their module on first use (PEP 562): importing a light submodule (``constants``) or this package
# does not load the models, the loaders and cattrs (``eksa --help`` stays quick).
_LAZY: dict[str, tuple[str, str]] = {
    "BUNDLED_RELEASE_MANIFEST": (".constants", "BUNDLED_RELEASE_MANIFEST"),
    "DEFAULT_CLI_VERSION": (".constants", "DEFAULT_CLI_VERSION"),
    "DEFAULT_RELEASE_MANIFEST_URL": (".constants", "DEFAULT_RELEASE_MANIFEST_URL"),
    "ReleaseFiles": (".build", "ReleaseFiles"),
    "build_spec": (".build", "build_spec"),
    "build_spec_from_files": (".build", "build_spec_from_files"),
    "bundles_for_version": (".build", "bundles_for_version"),
    "classify_release_files": (".build", "classify_release_files"),
    "eksa_release_name": (".build", "eksa_release_name"),
    "eksd_release_for": (".build", "eksd_release_for"),
    "newest_kubernetes_version": (".build", "newest_kubernetes_version"),
    "spec_with_release_data": (".build", "spec_with_release_data"),
    "CacheInfo": (".cache", "CacheInfo"),
    "release_data_cache_info": (".cache", "cache_info"),
    "clear_release_data_cache": (".cache", "clear_cache"),
    "EksdAsset": (".eksd", "EksdAsset"),
    "EksdAssetArchive": (".eksd", "EksdAssetArchive"),
    "EksdAssetImage": (".eksd", "EksdAssetImage"),
    "EksdComponent": (".eksd", "EksdComponent"),
    "EksdRelease": (".eksd", "EksdRelease"),
    "EksdReleaseSpec": (".eksd", "EksdReleaseSpec"),
    "EksdReleaseStatus": (".eksd", "EksdReleaseStatus"),
    "KubeDistro": (".eksd", "KubeDistro"),
    "FetchedBytes": (".loading", "FetchedBytes"),
    "Fetcher": (".loading", "Fetcher"),
    "HttpFetcher": (".loading", "HttpFetcher"),
    "Location": (".loading", "Location"),
    "base_of": (".loading", "base_of"),
    "load_bundles": (".loading", "load_bundles"),
    "load_eksd_release": (".loading", "load_eksd_release"),
    "load_release_document": (".loading", "load_release_document"),
    "load_release_manifest": (".loading", "load_release_manifest"),
    "refuse_network": (".loading", "refuse_network"),
    "resolve_location": (".loading", "resolve_location"),
    "ActionsBundle": (".models", "ActionsBundle"),
    "ArchitectureBundle": (".models", "ArchitectureBundle"),
    "Archive": (".models", "Archive"),
    "AwsBundle": (".models", "AwsBundle"),
    "BinaryBundle": (".models", "BinaryBundle"),
    "BottlerocketBootstrapContainersBundle": (".models", "BottlerocketBootstrapContainersBundle"),
    "BottlerocketHostContainersBundle": (".models", "BottlerocketHostContainersBundle"),
    "Bundles": (".models", "Bundles"),
    "BundlesSpec": (".models", "BundlesSpec"),
    "CertManagerBundle": (".models", "CertManagerBundle"),
    "CiliumBundle": (".models", "CiliumBundle"),
    "CloudStackBundle": (".models", "CloudStackBundle"),
    "CoreClusterAPI": (".models", "CoreClusterAPI"),
    "DockerBundle": (".models", "DockerBundle"),
    "EksaBundle": (".models", "EksaBundle"),
    "EksARelease": (".models", "EksARelease"),
    "EksDBundle": (".models", "EksDBundle"),
    "EtcdadmBootstrapBundle": (".models", "EtcdadmBootstrapBundle"),
    "EtcdadmControllerBundle": (".models", "EtcdadmControllerBundle"),
    "FluxBundle": (".models", "FluxBundle"),
    "HaproxyBundle": (".models", "HaproxyBundle"),
    "HookArch": (".models", "HookArch"),
    "HookBundle": (".models", "HookBundle"),
    "Image": (".models", "Image"),
    "KindnetdBundle": (".models", "KindnetdBundle"),
    "KubeadmBootstrapBundle": (".models", "KubeadmBootstrapBundle"),
    "KubeadmControlPlaneBundle": (".models", "KubeadmControlPlaneBundle"),
    "Manifest": (".models", "Manifest"),
    "NutanixBundle": (".models", "NutanixBundle"),
    "ObjectMeta": (".models", "ObjectMeta"),
    "OSImageBundle": (".models", "OSImageBundle"),
    "PackageBundle": (".models", "PackageBundle"),
    "PlatformBundle": (".models", "PlatformBundle"),
    "Release": (".models", "Release"),
    "ReleaseSpec": (".models", "ReleaseSpec"),
    "SnowBundle": (".models", "SnowBundle"),
    "TinkBundle": (".models", "TinkBundle"),
    "TinkerbellBundle": (".models", "TinkerbellBundle"),
    "TinkerbellStackBundle": (".models", "TinkerbellStackBundle"),
    "UpgraderBundle": (".models", "UpgraderBundle"),
    "VersionsBundle": (".models", "VersionsBundle"),
    "VSphereBundle": (".models", "VSphereBundle"),
    "Semver": (".semver", "Semver"),
    "SemverError": (".semver", "SemverError"),
}


def __getattr__(name: str) -> Any:
    entry = _LAZY.get(name)
    if entry is None:
        if name.startswith("_"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        try:  # a submodule (``eksa_core.releases.loading`` after a bare ``import eksa_core.releases``)
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(entry[0], __name__), entry[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "BUNDLED_RELEASE_MANIFEST",
    "DEFAULT_CLI_VERSION",
    "DEFAULT_RELEASE_MANIFEST_URL",
    "ActionsBundle",
    "ArchitectureBundle",
    "Archive",
    "AwsBundle",
    "BinaryBundle",
    "BottlerocketBootstrapContainersBundle",
    "BottlerocketHostContainersBundle",
    "Bundles",
    "BundlesSpec",
    "CacheInfo",
    "CertManagerBundle",
    "CiliumBundle",
    "CloudStackBundle",
    "CoreClusterAPI",
    "DockerBundle",
    "EksARelease",
    "EksDBundle",
    "EksaBundle",
    "EksdAsset",
    "EksdAssetArchive",
    "EksdAssetImage",
    "EksdComponent",
    "EksdRelease",
    "EksdReleaseSpec",
    "EksdReleaseStatus",
    "EtcdadmBootstrapBundle",
    "EtcdadmControllerBundle",
    "FetchedBytes",
    "Fetcher",
    "FluxBundle",
    "HaproxyBundle",
    "HookArch",
    "HookBundle",
    "HttpFetcher",
    "Image",
    "KindnetdBundle",
    "KubeDistro",
    "KubeadmBootstrapBundle",
    "KubeadmControlPlaneBundle",
    "Location",
    "Manifest",
    "NutanixBundle",
    "OSImageBundle",
    "ObjectMeta",
    "PackageBundle",
    "PlatformBundle",
    "Release",
    "ReleaseFiles",
    "ReleaseSpec",
    "Semver",
    "SemverError",
    "SnowBundle",
    "TinkBundle",
    "TinkerbellBundle",
    "TinkerbellStackBundle",
    "UpgraderBundle",
    "VSphereBundle",
    "VersionsBundle",
    "base_of",
    "build_spec",
    "build_spec_from_files",
    "bundles_for_version",
    "classify_release_files",
    "clear_release_data_cache",
    "eksa_release_name",
    "eksd_release_for",
    "load_bundles",
    "load_eksd_release",
    "load_release_document",
    "load_release_manifest",
    "newest_kubernetes_version",
    "refuse_network",
    "release_data_cache_info",
    "resolve_location",
    "spec_with_release_data",
]
