"""The EKS Distro release manifest (kind ``Release`` of ``distro.eks.amazonaws.com/v1alpha1``).

An EKS-D release lists the components of one Kubernetes minor version (``spec.channel``, e.g. ``1-30``) and
their assets: images and archives. EKS Anywhere takes from it the Kubernetes image repository and version tag
(``kube-apiserver-image``), etcd, CoreDNS, pause, aws-iam-authenticator and kube-proxy images, and the etcd
version and tarball. :class:`KubeDistro` gathers those, failing like EKS Anywhere when an asset is missing.
"""

from __future__ import annotations

import posixpath
from typing import Any

import attrs

from ..errors import ReleaseError
from ._convert import field, local, unstructure_lenient
from .models import Image, ObjectMeta

__all__ = [
    "EksdAsset",
    "EksdAssetArchive",
    "EksdAssetImage",
    "EksdComponent",
    "EksdRelease",
    "EksdReleaseSpec",
    "EksdReleaseStatus",
    "KubeDistro",
]

EKSD_API_GROUP = "distro.eks.amazonaws.com"

KUBE_APISERVER_IMAGE = "kube-apiserver-image"
ETCD_IMAGE = "etcd-image"
COREDNS_IMAGE = "coredns-image"
PAUSE_IMAGE = "pause-image"
AWS_IAM_AUTHENTICATOR_IMAGE = "aws-iam-authenticator-image"
KUBE_PROXY_IMAGE = "kube-proxy-image"


@attrs.define
class EksdAssetImage:
    """``assets[].image``."""

    uri: str = field()
    image_digest: str = field()


@attrs.define
class EksdAssetArchive:
    """``assets[].archive``."""

    uri: str = field()
    sha256: str = field()
    sha512: str = field()


@attrs.define
class EksdAsset:
    """One asset of a component: an ``Image`` or an ``Archive``."""

    name: str = field()
    type: str = field()
    description: str = field()
    os: str = field()
    arch: list[str] = field(factory=list)
    image: EksdAssetImage | None = field(default=None)
    archive: EksdAssetArchive | None = field(default=None)


@attrs.define
class EksdComponent:
    """``status.components[]``."""

    name: str = field()
    git_commit: str = field()
    git_tag: str = field()
    assets: list[EksdAsset] = field(factory=list)


@attrs.define
class EksdReleaseSpec:
    """``spec``: the release channel (``1-30``) and its number."""

    channel: str = field()
    number: int = field(default=0)


@attrs.define
class EksdReleaseStatus:
    """``status``."""

    date: str = field()
    components: list[EksdComponent] = field(factory=list)


def _repo_dir(image: Image) -> str:
    """The repository of ``image`` without its last path element (what kubeadm calls ``imageRepository``)."""
    return posixpath.dirname(image.repository)


@attrs.define
class EksdRelease:
    """An EKS Distro release manifest. ``source`` is where it was read from; ``raw`` the document as read."""

    api_version: str = field()
    kind: str = field()
    metadata: ObjectMeta = field(factory=ObjectMeta)
    spec: EksdReleaseSpec = field(factory=EksdReleaseSpec)
    status: EksdReleaseStatus = field(factory=EksdReleaseStatus)
    source: str | None = local()
    raw: dict[str, Any] | None = local()

    @property
    def channel(self) -> str:
        """The release channel, e.g. ``1-30``."""
        return self.spec.channel

    @property
    def number(self) -> int:
        return self.spec.number

    @property
    def kubernetes_version(self) -> str:
        """The Kubernetes minor version of the channel (``1-30`` -> ``1.30``)."""
        return self.spec.channel.replace("-", ".")

    # -- lookups --------------------------------------------------------------------------------------------

    def component(self, name: str) -> EksdComponent | None:
        """The component called ``name`` (``None`` when absent)."""
        for component in self.status.components:
            if component.name == name:
                return component
        return None

    def find_asset(self, asset_name: str) -> EksdAsset | None:
        """The asset called ``asset_name`` in any component (``None`` when absent)."""
        for component in self.status.components:
            for asset in component.assets:
                if asset.name == asset_name:
                    return asset
        return None

    def image(self, asset_name: str) -> Image:
        """The image of asset ``asset_name``; EKS Anywhere's error when no image asset has that name."""
        for component in self.status.components:
            for asset in component.assets:
                if asset.name == asset_name and asset.image is not None:
                    return Image(name=asset.name, description=asset.description, os=asset.os,
                                 arch=list(asset.arch), uri=asset.image.uri, image_digest=asset.image.image_digest)
        raise ReleaseError(f"asset {asset_name} is no present in eksd release {self.spec.channel}", file=self.source)

    def kubernetes_image_repository(self) -> str:
        """Where the Kubernetes images are (``public.ecr.aws/eks-distro/kubernetes``), from kube-apiserver."""
        return _repo_dir(self.image(KUBE_APISERVER_IMAGE))

    def kubernetes_version_tag(self) -> str:
        """The Kubernetes version of the release as kubeadm wants it (``v1.30.1-eks-1-30-8``)."""
        return self.image(KUBE_APISERVER_IMAGE).tag

    def etcd_image(self) -> Image:
        return self.image(ETCD_IMAGE)

    def etcd_image_repository(self) -> str:
        """kubeadm ``etcd.local.imageRepository`` (``public.ecr.aws/eks-distro/etcd-io``)."""
        return _repo_dir(self.etcd_image())

    def etcd_image_tag(self) -> str:
        return self.etcd_image().tag

    def etcd_version(self) -> str:
        """The etcd version (``3.5.9``): the ``etcd`` component's git tag without ``v``."""
        component = self.component("etcd")
        if component is None:
            raise ReleaseError(f"component etcd is no present in eksd release {self.spec.channel}", file=self.source)
        return component.git_tag.removeprefix("v")

    def etcd_url(self) -> str:
        """URL of the etcd linux/amd64 tarball (``""`` when the release has none)."""
        component = self.component("etcd")
        url = ""
        for asset in component.assets if component else []:
            if asset.type == "Archive" and asset.arch[:1] == ["amd64"] and asset.archive is not None:
                url = asset.archive.uri
        return url

    def coredns_image(self) -> Image:
        return self.image(COREDNS_IMAGE)

    def coredns_image_repository(self) -> str:
        """kubeadm ``dns.imageRepository`` (``public.ecr.aws/eks-distro/coredns``)."""
        return _repo_dir(self.coredns_image())

    def coredns_image_tag(self) -> str:
        return self.coredns_image().tag

    def pause_image(self) -> Image:
        return self.image(PAUSE_IMAGE)

    def aws_iam_authenticator_image(self) -> Image:
        return self.image(AWS_IAM_AUTHENTICATOR_IMAGE)

    def kube_proxy_image(self) -> Image:
        return self.image(KUBE_PROXY_IMAGE)

    def images(self) -> list[Image]:
        """Every image asset of the release."""
        return [self.image(a.name) for c in self.status.components for a in c.assets if a.image is not None]

    def kube_distro(self) -> KubeDistro:
        """The values EKS Anywhere derives from this release (raises when one of the assets is missing)."""
        return KubeDistro.from_release(self)

    def to_data(self) -> dict[str, Any]:
        """Wire data of the modelled fields (zero values left out)."""
        return unstructure_lenient(self)  # type: ignore[no-any-return]


@attrs.frozen
class KubeDistro:
    """What a cluster takes from an EKS-D release (EKS Anywhere's ``KubeDistro``)."""

    channel: str
    kubernetes_repository: str
    kubernetes_tag: str
    kube_apiserver: Image
    etcd: Image
    etcd_repository: str
    etcd_tag: str
    etcd_version: str
    etcd_url: str
    coredns: Image
    coredns_repository: str
    coredns_tag: str
    pause: Image
    aws_iam_authenticator: Image
    kube_proxy: Image

    @classmethod
    def from_release(cls, release: EksdRelease) -> KubeDistro:
        """Gather the values from ``release``; EKS Anywhere's "asset ... is no present" error for the first
        missing asset."""
        apiserver = release.image(KUBE_APISERVER_IMAGE)
        coredns = release.image(COREDNS_IMAGE)
        etcd = release.image(ETCD_IMAGE)
        iam = release.image(AWS_IAM_AUTHENTICATOR_IMAGE)
        pause = release.image(PAUSE_IMAGE)
        proxy = release.image(KUBE_PROXY_IMAGE)
        component = release.component("etcd")
        return cls(
            channel=release.channel,
            kubernetes_repository=_repo_dir(apiserver),
            kubernetes_tag=apiserver.tag,
            kube_apiserver=apiserver,
            etcd=etcd,
            etcd_repository=_repo_dir(etcd),
            etcd_tag=etcd.tag,
            etcd_version=component.git_tag.removeprefix("v") if component else "",
            etcd_url=release.etcd_url(),
            coredns=coredns,
            coredns_repository=_repo_dir(coredns),
            coredns_tag=coredns.tag,
            pause=pause,
            aws_iam_authenticator=iam,
            kube_proxy=proxy,
        )
