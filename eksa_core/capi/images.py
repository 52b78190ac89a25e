"""Images of a Kubernetes version, taken from a spec's versions bundle and EKS-D release."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .kubeadm import KubeadmImages

if TYPE_CHECKING:
    from ..spec import Spec

__all__ = ["kubeadm_images"]


def kubeadm_images(spec: Spec, kubernetes_version: str | None = None) -> KubeadmImages:
    """The kubeadm images of ``kubernetes_version`` (default: the cluster's): Kubernetes repository and EKS-D
    tag, etcd, CoreDNS and pause from the EKS-D release, the Bottlerocket bootstrap container from the bundle."""
    distro = spec.eksd_release(kubernetes_version).kube_distro()
    bundle = spec.versions_bundle(kubernetes_version)
    br = bundle.bottlerocket_host_containers.kubeadm_bootstrap
    return KubeadmImages(
        kubernetes_repository=distro.kubernetes_repository,
        kubernetes_version=distro.kubernetes_tag,
        etcd_repository=distro.etcd_repository,
        etcd_tag=distro.etcd_tag,
        coredns_repository=distro.coredns_repository,
        coredns_tag=distro.coredns_tag,
        pause_repository=distro.pause.repository,
        pause_tag=distro.pause.tag,
        bottlerocket_bootstrap_repository=br.repository if br.uri else "",
        bottlerocket_bootstrap_tag=br.tag if br.uri else "",
    )
