"""From a cluster config to a :class:`~eksa_core.spec.Spec`: pick the EKS Anywhere release, its bundles, the
versions bundle of each Kubernetes version in use and the EKS-D release of each, the way EKS Anywhere does.

1. The EKS Anywhere version is the cluster's ``spec.eksaVersion`` when set, else the CLI version.
2. The release manifest gives the release of that version (:meth:`Release.release_for_version`) and its bundles
   manifest, unless a bundles override is given (EKS Anywhere's ``--bundles-override``).
3. Each Kubernetes version in use (the cluster's, then each distinct worker-group version) must have a versions
   bundle whose ``kubeVersion`` equals it exactly.
4. Each versions bundle's ``eksD.manifestUrl`` names the EKS-D release (resolved relative to the bundles file),
   unless an EKS-D release for that version is given explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NoMatchingReleaseError, ReleaseError, SpecError
from ..spec import ClusterConfig, Spec
from .constants import BUNDLED_RELEASE_MANIFEST, DEFAULT_CLI_VERSION, DEFAULT_RELEASE_MANIFEST_URL
from .eksd import EksdRelease
from .loading import (
    Fetcher,
    base_of,
    load_bundles,
    load_eksd_release,
    load_release_document,
    load_release_manifest,
)
from .models import Bundles, EksARelease, Release, VersionsBundle

if TYPE_CHECKING:
    from ..plugins import Plugins

__all__ = [
    "BUNDLED_RELEASE_MANIFEST",
    "DEFAULT_CLI_VERSION",
    "DEFAULT_RELEASE_MANIFEST_URL",
    "ReleaseFiles",
    "build_spec",
    "build_spec_from_files",
    "bundles_for_version",
    "classify_release_files",
    "eksa_release_name",
    "eksd_release_for",
    "newest_kubernetes_version",
    "spec_with_release_data",
]

def eksa_release_name(version: str) -> str:
    """Name of the ``EKSARelease`` object of an EKS Anywhere version (``v0.21.3`` -> ``eksa-v0-21-3``,
    ``v0.19.0-dev+latest`` -> ``eksa-v0-19-0-dev-plus-latest``)."""
    return "eksa-" + version.replace(".", "-").replace("+", "-plus-")


def bundles_for_version(
    release_manifest: Release | str | Path,
    version: str,
    *,
    fetcher: Fetcher | None = None,
) -> tuple[EksARelease, Bundles]:
    """The release of ``version`` in ``release_manifest`` and its bundles manifest (``bundleManifestUrl``
    resolved relative to the release manifest). Raises EKS Anywhere's "invalid version <v>, no matching release
    found" when the manifest has no such release."""
    manifest = (release_manifest if isinstance(release_manifest, Release)
                else load_release_manifest(release_manifest, fetcher=fetcher))
    release = _release_for(manifest, version)
    if not release.bundle_manifest_url:
        raise ReleaseError(f"release {release.version} has no bundleManifestUrl", file=manifest.source)
    bundles = load_bundles(release.bundle_manifest_url, fetcher=fetcher, relative_to=base_of(manifest))
    return release, bundles


def _release_for(manifest: Release, version: str) -> EksARelease:
    release = manifest.release_for_version(version)
    if release is None:
        raise NoMatchingReleaseError(version, [r.version for r in manifest.releases],
                                     template=f"invalid version {version}, no matching release found",
                                     file=manifest.source)
    return release


def eksd_release_for(
    versions_bundle: VersionsBundle,
    *,
    bundles: Bundles | None = None,
    fetcher: Fetcher | None = None,
) -> EksdRelease:
    """Read the EKS-D release named by ``versions_bundle.eks_d.manifest_url`` (relative locations and embed
    URLs are resolved against the folder of ``bundles``)."""
    url = versions_bundle.eks_d.manifest_url
    if not url:
        raise ReleaseError(f"versions bundle {versions_bundle.kube_version} has no eksD.manifestUrl",
                           file=bundles.source if bundles else None)
    return load_eksd_release(url, fetcher=fetcher, relative_to=base_of(bundles) if bundles else None)


def _normalize_version(version: str) -> str:
    return version.replace("-", ".")


def build_spec(
    config: ClusterConfig,
    *,
    release_manifest: Release | str | Path | None = None,
    bundles_override: Bundles | str | Path | None = None,
    cli_version: str = DEFAULT_CLI_VERSION,
    eksd_overrides: Mapping[str, EksdRelease | str | Path] | None = None,
    fetcher: Fetcher | None = None,
    plugins: Plugins | None = None,
) -> Spec:
    """Join ``config`` with the release data deciding its images and versions.

    ``release_manifest`` defaults to :data:`DEFAULT_RELEASE_MANIFEST_URL` (which needs a ``fetcher``).
    ``bundles_override`` is the bundles manifest to use instead of the release's (the release manifest is then
    read only when given explicitly, to name the release version). ``eksd_overrides`` maps a Kubernetes version
    (``"1.30"`` or channel ``"1-30"``) to the EKS-D release to use instead of the versions bundle's
    ``eksD.manifestUrl``.
    Fills ``Spec.bundles``, ``versions_bundles`` and ``eksd_releases`` (keyed by Kubernetes version) and
    ``eksa_version`` (the chosen release's version; the requested version with a bundles override).
    Raises :class:`~eksa_core.errors.ReleaseError` (and :class:`~eksa_core.errors.SpecError` when the cluster
    has no ``kubernetesVersion``).
    """
    cluster = config.cluster
    version = cluster.spec.eksa_version or cli_version
    if bundles_override is not None:
        bundles = (bundles_override if isinstance(bundles_override, Bundles)
                   else load_bundles(bundles_override, fetcher=fetcher))
        eksa_version = version
        if release_manifest is not None:
            manifest = (release_manifest if isinstance(release_manifest, Release)
                        else load_release_manifest(release_manifest, fetcher=fetcher))
            eksa_version = _release_for(manifest, version).version
    else:
        release, bundles = bundles_for_version(
            release_manifest if release_manifest is not None else DEFAULT_RELEASE_MANIFEST_URL,
            version, fetcher=fetcher)
        eksa_version = release.version
    overrides: dict[str, EksdRelease | str | Path] = {
        _normalize_version(k): v for k, v in (eksd_overrides or {}).items()
    }
    if not cluster.spec.kubernetes_version:
        raise config.locate(SpecError("kubernetesVersion is not set", field="spec.kubernetesVersion"), cluster)
    spec = Spec(config=config, bundles=bundles, eksa_version=eksa_version, plugins=plugins)
    for kube_version in spec.kubernetes_versions():
        vb = bundles.versions_bundle(kube_version)
        spec.versions_bundles[kube_version] = vb
        override = overrides.get(kube_version)
        if override is None and vb.eks_d.channel:
            override = overrides.get(_normalize_version(vb.eks_d.channel))
        if override is None:
            eksd = eksd_release_for(vb, bundles=bundles, fetcher=fetcher)
        else:
            eksd = override if isinstance(override, EksdRelease) else load_eksd_release(override, fetcher=fetcher)
            if eksd.kubernetes_version != kube_version:
                raise ReleaseError(f"the EKS-D release given for kubernetes version {kube_version} is of channel "
                                   f"{eksd.channel}", file=eksd.source)
        eksd.kube_distro()  # every asset a cluster needs must be there (EKS Anywhere fails the same way)
        spec.eksd_releases[kube_version] = eksd
    return spec


def spec_with_release_data(
    config: ClusterConfig,
    template: Spec,
    *,
    fetcher: Fetcher | None = None,
) -> Spec:
    """A :class:`~eksa_core.spec.Spec` of ``config`` with the release data of ``template`` (its bundles and EKS
    Anywhere version), for the Kubernetes versions ``config`` uses.

    This is how the spec a cluster runs *now* gets its release data during an upgrade: each Kubernetes version it
    runs (control plane, etcd, every worker group) is looked up in the bundles, so a cluster on 1.35 being
    upgraded to 1.36 gets the 1.35 versions bundle and EKS-D release for what still runs 1.35. Versions bundles
    and EKS-D releases already in ``template`` are reused. Raises EKS Anywhere's "kubernetes version ... is not
    supported by bundles manifest ..." :class:`ReleaseError` when the bundles lack a version.
    """
    spec = Spec(config=config, bundles=template.bundles, eksa_version=template.eksa_version,
                plugins=template.plugins)
    for kube_version in spec.kubernetes_versions():
        if kube_version in template.versions_bundles:
            spec.versions_bundles[kube_version] = template.versions_bundles[kube_version]
            if kube_version in template.eksd_releases:
                spec.eksd_releases[kube_version] = template.eksd_releases[kube_version]
                continue
        elif template.bundles is not None:
            spec.versions_bundles[kube_version] = template.bundles.versions_bundle(kube_version)
        else:
            raise ReleaseError(f"kubernetes version {kube_version} is not supported by the bundles of this spec")
        eksd = eksd_release_for(spec.versions_bundles[kube_version], bundles=template.bundles, fetcher=fetcher)
        eksd.kube_distro()
        spec.eksd_releases[kube_version] = eksd
    return spec


def newest_kubernetes_version(bundles: Bundles) -> str:
    """The newest Kubernetes version the bundles support (``"1.36"``); what a new cluster spec defaults to."""
    versions: list[tuple[tuple[int, int], str]] = []
    for version in bundles.kubernetes_versions():
        major, _, minor = version.partition(".")
        if major.isdigit() and minor.isdigit():
            versions.append(((int(major), int(minor)), version))
    if not versions:
        raise ReleaseError(f"bundles manifest {bundles.spec.number} supports no Kubernetes version",
                           file=bundles.source)
    return max(versions)[1]


class ReleaseFiles:
    """Release-data files sorted by kind (see :func:`classify_release_files`)."""

    def __init__(self) -> None:
        self.release_manifest: Release | None = None
        self.bundles: Bundles | None = None
        self.eksd_releases: dict[str, EksdRelease] = {}


def classify_release_files(paths: Sequence[str | Path], *, fetcher: Fetcher | None = None) -> ReleaseFiles:
    """Read each file and sort it by kind: the release manifest, the bundles manifest, and EKS-D releases keyed
    by the Kubernetes version of their channel (``1-19`` -> ``"1.19"``). Two files of the same role are an error."""
    out = ReleaseFiles()
    for path in paths:
        doc = load_release_document(path, fetcher=fetcher)
        if isinstance(doc, Release):
            if out.release_manifest is not None:
                raise ReleaseError(f"two release manifests given ({out.release_manifest.source} and {doc.source})",
                                   file=doc.source)
            out.release_manifest = doc
        elif isinstance(doc, Bundles):
            if out.bundles is not None:
                raise ReleaseError(f"two bundles manifests given ({out.bundles.source} and {doc.source})",
                                   file=doc.source)
            out.bundles = doc
        else:
            key = doc.kubernetes_version
            if key in out.eksd_releases:
                raise ReleaseError(f"two EKS-D releases given for channel {doc.channel} "
                                   f"({out.eksd_releases[key].source} and {doc.source})", file=doc.source)
            out.eksd_releases[key] = doc
    return out


def build_spec_from_files(
    config: ClusterConfig,
    release_files: Sequence[str | Path],
    cli_version: str = DEFAULT_CLI_VERSION,
    *,
    fetcher: Fetcher | None = None,
    plugins: Plugins | None = None,
) -> Spec:
    """:func:`build_spec` from a list of release-data files of any kind, as a conformance case lists them
    (``[releases.yaml, bundles.yaml, kubernetes-1-19-eks-4.yaml]``).

    A release manifest picks the release of ``cli_version`` (or of the cluster's ``eksaVersion``) and so the
    ``eksa_version``; a bundles file given is the bundles used (else the release's ``bundleManifestUrl`` is
    read); EKS-D files are used for their channel's Kubernetes version, other versions' EKS-D releases are read
    from ``eksD.manifestUrl``. At least a release manifest or a bundles file must be among the files.
    """
    files = classify_release_files(release_files, fetcher=fetcher)
    if files.release_manifest is None and files.bundles is None:
        raise ReleaseError("no release manifest or bundles manifest among the release files: "
                           + ", ".join(str(p) for p in release_files))
    return build_spec(
        config,
        release_manifest=files.release_manifest,
        bundles_override=files.bundles,
        cli_version=cli_version,
        eksd_overrides=dict(files.eksd_releases),
        fetcher=fetcher,
        plugins=plugins,
    )
