"""Models of EKS Anywhere's release data (``anywhere.eks.amazonaws.com/v1alpha1`` ``Release`` and ``Bundles``).

A ``Release`` manifest lists every EKS Anywhere release and where its ``Bundles`` manifest is; a ``Bundles``
manifest holds one :class:`VersionsBundle` per Kubernetes minor version, naming every image and manifest a
cluster of that version uses. Values absent from a document read as zero values (``""``, ``0``, empty lists and
empty bundles), like EKS Anywhere's Go structs, so ``vb.vsphere.kube_vip.uri`` is ``""`` rather than an error
when a bundle has no vSphere section. Unknown fields are ignored (see :mod:`eksa_core.releases._convert`); the
whole document stays in the top-level object's ``raw``.

Why the providers' bundle sections (:class:`VSphereBundle`, :class:`TinkerbellBundle`...) are typed here and not
by the provider packages: the ``Bundles`` document is EKS Anywhere's published release format, one closed schema
for every provider, and the core reads all of it whichever providers are installed. The release data is parsed
and cached once per process before any provider is chosen and without a plugin manager
(:mod:`eksa_core.releases.cache`, :func:`eksa_core.releases.load_bundles`), and :meth:`VersionsBundle.images`
lists the images of every section (EKS Anywhere's image listing covers every provider, installed here or not).
A provider-supplied model would make the parsed bundle depend on the installed plugins, so one cached release
object could not serve every caller. The core reaches a provider's section only through the name its
registration gives (``ProviderInfo.bundle_section``); a section the bundle does not have yields no component
versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from ..errors import NoMatchingReleaseError, ReleaseError, UnsupportedKubernetesVersionError
from ._convert import field, local, unstructure_lenient
from .semver import Semver, SemverError

__all__ = [
    "ActionsBundle",
    "ArchitectureBundle",
    "Archive",
    "AwsBundle",
    "BinaryBundle",
    "BottlerocketBootstrapContainersBundle",
    "BottlerocketHostContainersBundle",
    "Bundles",
    "BundlesSpec",
    "CertManagerBundle",
    "CiliumBundle",
    "CloudStackBundle",
    "CoreClusterAPI",
    "DockerBundle",
    "EksARelease",
    "EksDBundle",
    "EksaBundle",
    "EtcdadmBootstrapBundle",
    "EtcdadmControllerBundle",
    "FluxBundle",
    "HaproxyBundle",
    "HookArch",
    "HookBundle",
    "Image",
    "KindnetdBundle",
    "KubeadmBootstrapBundle",
    "KubeadmControlPlaneBundle",
    "Manifest",
    "NutanixBundle",
    "OSImageBundle",
    "ObjectMeta",
    "PackageBundle",
    "PlatformBundle",
    "Release",
    "ReleaseSpec",
    "SnowBundle",
    "TinkBundle",
    "TinkerbellBundle",
    "TinkerbellStackBundle",
    "UpgraderBundle",
    "VSphereBundle",
    "VersionsBundle",
]


# -- artifacts ------------------------------------------------------------------------------------------------


@attrs.define
class Image:
    """A container image (or OCI Helm chart) of a bundle."""

    name: str = field()
    description: str = field()
    os: str = field()
    os_name: str = field()
    arch: list[str] = field(factory=list)
    uri: str = field()
    image_digest: str = field()

    def _tag_colon(self) -> int:
        # The tag is after the last ":" -- unless that colon belongs to a registry port ("host:5000/repo").
        colon = self.uri.rfind(":")
        return colon if colon > self.uri.rfind("/") else -1

    @property
    def repository(self) -> str:
        """The URI without its tag (``public.ecr.aws/eks-distro/kubernetes/pause``)."""
        colon = self._tag_colon()
        return self.uri if colon < 0 else self.uri[:colon]

    @property
    def tag(self) -> str:
        """The tag of the URI (``""`` when it has none)."""
        colon = self._tag_colon()
        return "" if colon < 0 else self.uri[colon + 1:]

    def image(self) -> str:
        """The image name without tag; EKS Anywhere's ``Image()`` (same as :attr:`repository`)."""
        return self.repository

    def versioned_image(self) -> str:
        """The full image reference with its tag (the URI)."""
        return self.uri

    @property
    def chart_name(self) -> str:
        """Last path element of the repository (the name of a Helm chart image)."""
        return self.repository.rsplit("/", 1)[-1]


@attrs.define
class Archive:
    """A downloadable file (OVA, AMI, tarball...) with its checksums."""

    name: str = field()
    description: str = field()
    os: str = field()
    os_name: str = field()
    arch: list[str] = field(factory=list)
    uri: str = field()
    sha256: str = field()
    sha512: str = field()


@attrs.define
class Manifest:
    """A YAML manifest (provider components, metadata, cluster template...)."""

    uri: str = field()


# -- release manifest -----------------------------------------------------------------------------------------


@attrs.define
class ObjectMeta:
    """The parts of ``metadata`` release data uses."""

    name: str = field()
    namespace: str = field()


@attrs.define
class BinaryBundle:
    """``eksABinary``: the CLI archive per OS."""

    linux: Archive = field(factory=Archive)
    darwin: Archive = field(factory=Archive)


@attrs.define
class ArchitectureBundle:
    """CLI archives of one OS per architecture."""

    amd64: Archive = field(factory=Archive)
    arm64: Archive = field(factory=Archive)


@attrs.define
class PlatformBundle:
    """``eksACLI``: the CLI archive per OS and architecture."""

    linux: ArchitectureBundle = field(factory=ArchitectureBundle)
    darwin: ArchitectureBundle = field(factory=ArchitectureBundle)


@attrs.define
class EksARelease:
    """One EKS Anywhere release of a release manifest."""

    date: str = field()
    version: str = field()
    number: int = field(default=0)
    git_commit: str = field()
    git_tag: str = field()
    bundle_manifest_url: str = field()
    eks_a_binary: BinaryBundle = field(factory=BinaryBundle)
    eks_a_cli: PlatformBundle = field(wire="eksACLI", factory=PlatformBundle)


@attrs.define
class ReleaseSpec:
    """``Release.spec``."""

    latest_version: str = field()
    releases: list[EksARelease] = field(factory=list)


@attrs.define
class Release:
    """The EKS Anywhere release manifest (kind ``Release`` of ``anywhere.eks.amazonaws.com``).

    ``source`` is the file or URL it was read from; ``raw`` the whole document as read.
    """

    api_version: str = field()
    kind: str = field()
    metadata: ObjectMeta = field(factory=ObjectMeta)
    spec: ReleaseSpec = field(factory=ReleaseSpec)
    source: str | None = local()
    raw: dict[str, Any] | None = local()

    @property
    def releases(self) -> list[EksARelease]:
        return self.spec.releases

    @property
    def latest_version(self) -> str:
        return self.spec.latest_version

    def release_for_version(self, version: str) -> EksARelease | None:
        """The release for an EKS Anywhere version, by EKS Anywhere's rules; ``None`` when there is none.

        A release whose version string equals ``version`` wins. Otherwise, only when ``version``'s build metadata
        is ``latest`` (``v0.19.0-dev+latest``), the release of the same version and pre-release with the highest
        build metadata (``v0.19.0-dev+build.10`` over ``+build.9``) is chosen. Raises :class:`ReleaseError` when
        ``version`` (or a release's version consulted for ``latest``) is not a semantic version.
        """
        try:
            wanted = Semver.parse(version)
        except SemverError as exc:
            raise ReleaseError(f"invalid eksa version: {exc}", file=self.source) from None
        want_latest = wanted.build_metadata == "latest"
        best: EksARelease | None = None
        best_version: Semver | None = None
        for release in self.spec.releases:
            if release.version == version:
                return release
            if not want_latest:
                continue
            try:
                candidate = Semver.parse(release.version)
            except SemverError as exc:
                raise ReleaseError(f"invalid version for release {release.number}: {exc}", file=self.source) from None
            if wanted.same_prerelease(candidate) and (
                best_version is None or candidate.compare_build_metadata(best_version) > 0
            ):
                best, best_version = release, candidate
        return best

    def bundle_manifest_url(self, version: str) -> str:
        """``bundleManifestUrl`` of the release for ``version`` (raises EKS Anywhere's "no matching release found
        for version ... to get Bundles URL" :class:`ReleaseError` when there is none)."""
        try:
            release = self.release_for_version(version)
        except ReleaseError as exc:
            raise ReleaseError(f"failed to get EKS-A release for version {version}: {exc.message}",
                               file=self.source) from None
        if release is None:
            raise NoMatchingReleaseError(
                version, [r.version for r in self.spec.releases],
                template=f"no matching release found for version {version} to get Bundles URL. "
                         f"Latest available version is {self.spec.latest_version}", file=self.source)
        return release.bundle_manifest_url

    def to_data(self) -> dict[str, Any]:
        """Wire data of the modelled fields (zero values left out)."""
        return unstructure_lenient(self)  # type: ignore[no-any-return]


# -- bundles --------------------------------------------------------------------------------------------------


@attrs.define
class OSImageBundle:
    """Node images of one format (``ami``, ``ova``, ``raw``)."""

    bottlerocket: Archive = field(factory=Archive)


@attrs.define
class EksDBundle:
    """``eksD``: the EKS Distro release of a versions bundle and its node-image artifacts."""

    name: str = field()
    channel: str = field()
    kube_version: str = field()
    manifest_url: str = field()
    git_commit: str = field()
    kind_node: Image = field(factory=Image)
    ami: OSImageBundle = field(factory=OSImageBundle)
    ova: OSImageBundle = field(factory=OSImageBundle)
    raw: OSImageBundle = field(factory=OSImageBundle)
    components: str = field()
    etcdadm: Archive = field(factory=Archive)
    crictl: Archive = field(factory=Archive)
    imagebuilder: Archive = field(factory=Archive)
    containerd: Archive = field(factory=Archive)


@attrs.define
class CertManagerBundle:
    """``certManager``."""

    version: str = field()
    acmesolver: Image = field(factory=Image)
    cainjector: Image = field(factory=Image)
    controller: Image = field(factory=Image)
    ctl: Image = field(factory=Image)
    startupapicheck: Image = field(factory=Image)
    webhook: Image = field(factory=Image)
    manifest: Manifest = field(factory=Manifest)


@attrs.define
class _CapiProvider:
    version: str = field()
    controller: Image = field(factory=Image)
    kube_proxy: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)


@attrs.define
class CoreClusterAPI(_CapiProvider):
    """``clusterAPI``: the Cluster API core provider."""


@attrs.define
class KubeadmBootstrapBundle(_CapiProvider):
    """``bootstrap``: the kubeadm bootstrap provider."""


@attrs.define
class KubeadmControlPlaneBundle(_CapiProvider):
    """``controlPlane``: the kubeadm control plane provider."""


@attrs.define
class EtcdadmBootstrapBundle(_CapiProvider):
    """``etcdadmBootstrap``: the etcdadm bootstrap provider (external etcd)."""


@attrs.define
class EtcdadmControllerBundle(_CapiProvider):
    """``etcdadmController``: the etcdadm cluster controller (external etcd)."""


@attrs.define
class AwsBundle(_CapiProvider):
    """``aws`` (deprecated by EKS Anywhere)."""

    cluster_template: Manifest = field(factory=Manifest)


@attrs.define
class VSphereBundle:
    """``vSphere``: CAPV and the vSphere cloud provider / CSI images."""

    version: str = field()
    cluster_api_controller: Image = field(wire="clusterAPIController", factory=Image)
    kube_proxy: Image = field(factory=Image)
    manager: Image = field(factory=Image)
    kube_vip: Image = field(factory=Image)
    driver: Image = field(factory=Image)
    syncer: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)
    cluster_template: Manifest = field(factory=Manifest)


@attrs.define
class CloudStackBundle:
    """``cloudStack``: CAPC."""

    version: str = field()
    cluster_api_controller: Image = field(wire="clusterAPIController", factory=Image)
    kube_rbac_proxy: Image = field(factory=Image)
    kube_vip: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)


@attrs.define
class DockerBundle:
    """``docker``: CAPD."""

    version: str = field()
    manager: Image = field(factory=Image)
    kube_proxy: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)
    cluster_template: Manifest = field(factory=Manifest)


@attrs.define
class EksaBundle:
    """``eksa``: the EKS Anywhere controller and tools."""

    version: str = field()
    cli_tools: Image = field(factory=Image)
    cluster_controller: Image = field(factory=Image)
    diagnostic_collector: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)


@attrs.define
class CiliumBundle:
    """``cilium``."""

    version: str = field()
    cilium: Image = field(factory=Image)
    operator: Image = field(factory=Image)
    helm_chart: Image = field(factory=Image)
    manifest: Manifest = field(factory=Manifest)


@attrs.define
class KindnetdBundle:
    """``kindnetd``."""

    version: str = field()
    manifest: Manifest = field(factory=Manifest)


@attrs.define
class FluxBundle:
    """``flux``: the GitOps controllers."""

    version: str = field()
    source_controller: Image = field(factory=Image)
    kustomize_controller: Image = field(factory=Image)
    helm_controller: Image = field(factory=Image)
    notification_controller: Image = field(factory=Image)


@attrs.define
class PackageBundle:
    """``packageController``: the curated packages controller."""

    version: str = field()
    package_controller: Image = field(factory=Image)
    token_refresher: Image = field(factory=Image)
    helm_chart: Image = field(factory=Image)
    credential_provider_package: Image = field(factory=Image)


@attrs.define
class BottlerocketHostContainersBundle:
    """``bottlerocketHostContainers``."""

    admin: Image = field(factory=Image)
    control: Image = field(factory=Image)
    kubeadm_bootstrap: Image = field(factory=Image)


@attrs.define
class BottlerocketBootstrapContainersBundle:
    """``bottlerocketBootstrapContainers``."""

    multi_network_bootstrap: Image = field(factory=Image)


@attrs.define
class ActionsBundle:
    """``tinkerbell.tinkerbellStack.actions``: the provisioning actions."""

    cexec: Image = field(factory=Image)
    kexec: Image = field(factory=Image)
    image_to_disk: Image = field(factory=Image)
    oci_to_disk: Image = field(factory=Image)
    write_file: Image = field(factory=Image)
    reboot: Image = field(factory=Image)


@attrs.define
class TinkBundle:
    """``tinkerbell.tinkerbellStack.tink``."""

    tink_relay: Image = field(factory=Image)
    tink_relay_init: Image = field(factory=Image)
    tink_controller: Image = field(factory=Image)
    tink_server: Image = field(factory=Image)
    tink_worker: Image = field(factory=Image)
    nginx: Image = field(factory=Image)


@attrs.define
class HookArch:
    """One HookOS file per architecture."""

    arm: Archive = field(factory=Archive)
    amd: Archive = field(factory=Archive)


@attrs.define
class HookBundle:
    """``tinkerbell.tinkerbellStack.hook``: the HookOS in-memory OS."""

    bootkit: Image = field(factory=Image)
    docker: Image = field(factory=Image)
    kernel: Image = field(factory=Image)
    initramfs: HookArch = field(factory=HookArch)
    vmlinuz: HookArch = field(factory=HookArch)
    iso: HookArch = field(factory=HookArch)


@attrs.define
class TinkerbellStackBundle:
    """``tinkerbell.tinkerbellStack``."""

    actions: ActionsBundle = field(factory=ActionsBundle)
    boots: Image = field(factory=Image)
    hegel: Image = field(factory=Image)
    tinkerbell_crds: Image = field(factory=Image)
    hook: HookBundle = field(factory=HookBundle)
    rufio: Image = field(factory=Image)
    tink: TinkBundle = field(factory=TinkBundle)
    tinkerbell_chart: Image = field(factory=Image)
    stack: Image = field(factory=Image)


@attrs.define
class TinkerbellBundle:
    """``tinkerbell``: CAPT and the Tinkerbell stack."""

    version: str = field()
    cluster_api_controller: Image = field(wire="clusterAPIController", factory=Image)
    kube_vip: Image = field(factory=Image)
    envoy: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)
    cluster_template: Manifest = field(factory=Manifest)
    tinkerbell_stack: TinkerbellStackBundle = field(factory=TinkerbellStackBundle)


@attrs.define
class HaproxyBundle:
    """``haproxy``: the Docker provider's load balancer."""

    image: Image = field(factory=Image)


@attrs.define
class SnowBundle:
    """``snow``: CAPAS."""

    version: str = field()
    manager: Image = field(factory=Image)
    kube_vip: Image = field(factory=Image)
    bottlerocket_bootstrap_snow: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)


@attrs.define
class NutanixBundle:
    """``nutanix``: CAPX and the Nutanix cloud provider."""

    version: str = field()
    cluster_api_controller: Image = field(wire="clusterAPIController", factory=Image)
    kube_vip: Image = field(factory=Image)
    cloud_provider: Image = field(factory=Image)
    components: Manifest = field(factory=Manifest)
    metadata: Manifest = field(factory=Manifest)
    cluster_template: Manifest = field(factory=Manifest)


@attrs.define
class UpgraderBundle:
    """``upgrader``: the in-place upgrader image."""

    upgrader: Image = field(factory=Image)


def _walk_images(obj: Any) -> Iterator[Image]:
    if isinstance(obj, Image):
        if obj.uri:
            yield obj
        return
    if attrs.has(type(obj)):
        for a in attrs.fields(type(obj)):
            yield from _walk_images(getattr(obj, a.name))


@attrs.define
class VersionsBundle:
    """Everything a cluster of one Kubernetes minor version (``kube_version``, e.g. ``"1.30"``) is built from."""

    kube_version: str = field()
    end_of_standard_support: str = field()
    eks_d: EksDBundle = field(factory=EksDBundle)
    cert_manager: CertManagerBundle = field(factory=CertManagerBundle)
    cluster_api: CoreClusterAPI = field(wire="clusterAPI", factory=CoreClusterAPI)
    bootstrap: KubeadmBootstrapBundle = field(factory=KubeadmBootstrapBundle)
    control_plane: KubeadmControlPlaneBundle = field(factory=KubeadmControlPlaneBundle)
    vsphere: VSphereBundle = field(wire="vSphere", factory=VSphereBundle)
    cloud_stack: CloudStackBundle = field(factory=CloudStackBundle)
    docker: DockerBundle = field(factory=DockerBundle)
    eksa: EksaBundle = field(factory=EksaBundle)
    cilium: CiliumBundle = field(factory=CiliumBundle)
    kindnetd: KindnetdBundle = field(factory=KindnetdBundle)
    flux: FluxBundle = field(factory=FluxBundle)
    package_controller: PackageBundle = field(factory=PackageBundle)
    bottlerocket_host_containers: BottlerocketHostContainersBundle = field(
        factory=BottlerocketHostContainersBundle)
    bottlerocket_bootstrap_containers: BottlerocketBootstrapContainersBundle = field(
        factory=BottlerocketBootstrapContainersBundle)
    etcdadm_bootstrap: EtcdadmBootstrapBundle = field(factory=EtcdadmBootstrapBundle)
    etcdadm_controller: EtcdadmControllerBundle = field(factory=EtcdadmControllerBundle)
    tinkerbell: TinkerbellBundle = field(factory=TinkerbellBundle)
    haproxy: HaproxyBundle = field(factory=HaproxyBundle)
    snow: SnowBundle = field(factory=SnowBundle)
    nutanix: NutanixBundle = field(factory=NutanixBundle)
    upgrader: UpgraderBundle = field(factory=UpgraderBundle)
    aws: AwsBundle = field(factory=AwsBundle)

    def images(self) -> list[Image]:
        """Every image of the bundle that has a URI, in field order (the list EKS Anywhere imports into a
        registry mirror; EKS-D's own images come from the EKS-D release)."""
        return list(_walk_images(self))


@attrs.define
class BundlesSpec:
    """``Bundles.spec``."""

    number: int = field(default=0)
    cli_min_version: str = field()
    cli_max_version: str = field()
    versions_bundles: list[VersionsBundle] = field(factory=list)


@attrs.define
class Bundles:
    """A bundles manifest (kind ``Bundles`` of ``anywhere.eks.amazonaws.com``).

    ``source`` is the file or URL it was read from; ``raw`` the whole document as read.
    """

    api_version: str = field()
    kind: str = field()
    metadata: ObjectMeta = field(factory=ObjectMeta)
    spec: BundlesSpec = field(factory=BundlesSpec)
    source: str | None = local()
    raw: dict[str, Any] | None = local()

    @property
    def number(self) -> int:
        return self.spec.number

    @property
    def versions_bundles(self) -> list[VersionsBundle]:
        return self.spec.versions_bundles

    def kubernetes_versions(self) -> list[str]:
        """The Kubernetes versions the bundles support, in file order."""
        return [vb.kube_version for vb in self.spec.versions_bundles]

    def find_versions_bundle(self, kube_version: str) -> VersionsBundle | None:
        """The versions bundle whose ``kubeVersion`` is exactly ``kube_version`` (``None`` when absent)."""
        for vb in self.spec.versions_bundles:
            if vb.kube_version == kube_version:
                return vb
        return None

    def versions_bundle(self, kube_version: str) -> VersionsBundle:
        """Like :meth:`find_versions_bundle`, raising EKS Anywhere's error when the version is not supported."""
        vb = self.find_versions_bundle(kube_version)
        if vb is None:
            raise UnsupportedKubernetesVersionError(kube_version, self.kubernetes_versions(),
                                                    bundles=self.spec.number, file=self.source)
        return vb

    @property
    def default_versions_bundle(self) -> VersionsBundle:
        """The first versions bundle: EKS Anywhere takes management components (CAPI, cert-manager, etcdadm,
        providers, EKS-A controller, Flux) from it."""
        if not self.spec.versions_bundles:
            raise ReleaseError(f"bundles manifest {self.spec.number} has no versionsBundles", file=self.source)
        return self.spec.versions_bundles[0]

    def to_data(self) -> dict[str, Any]:
        """Wire data of the modelled fields (zero values left out)."""
        return unstructure_lenient(self)  # type: ignore[no-any-return]
