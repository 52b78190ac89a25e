"""Docker (CAPD) CAPI manifests, clusterctl environment, infrastructure bundle and bootstrap options.

Control plane: Cluster, DockerCluster (haproxy load balancer), the control plane DockerMachineTemplate (kind node
image), KubeadmControlPlane, EtcdadmCluster and its DockerMachineTemplate (external etcd only), and
``registry-credentials`` when the registry mirror authenticates. Per worker group: KubeadmConfigTemplate,
MachineDeployment, DockerMachineTemplate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core.capi import (
    KubeadmFlavor,
    NodeGroupSettings,
    RegistryMirror,
    WorkerGroupParts,
    capi_cluster,
    control_plane_template_name,
    etcd_template_name,
    etcdadm_cluster,
    kubeadm_control_plane,
    kubeadm_images,
    kubeadm_workers,
    metadata,
    registry_credentials_secret,
)
from eksa_core.capi.constants import SECURE_CIPHER_SUITES
from eksa_core.provider import BootstrapOptions, InfrastructureBundle, TemplateOptions, hookimpl

from .models import DockerDatacenterConfig

if TYPE_CHECKING:
    from eksa_core.models.cluster import WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "INFRA_API_VERSION",
    "docker_flavor",
    "eksa_bootstrap_options",
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "generate_control_plane",
    "generate_workers",
    "machine_template",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta2"
_SECURE = {"profiling": "false", "tls-cipher-suites": SECURE_CIPHER_SUITES}
_EVICTION_HARD = "nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%"
_DOCKER_SOCKET = "/var/run/docker.sock"


def _cgroup_driver(kubernetes_version: str | None) -> str:
    """kind node images up to Kubernetes 1.23 run the kubelet with cgroupfs, later ones with systemd."""
    try:
        major, minor = (int(p) for p in (kubernetes_version or "").split(".")[:2])
    except ValueError:
        return "systemd"
    return "cgroupfs" if (major, minor) < (1, 24) else "systemd"


def docker_flavor(kubernetes_version: str | None) -> KubeadmFlavor:
    """The fixed kubeadm parts of kind nodes: no disk-pressure eviction, the cgroup driver of the node image,
    hostpath provisioner, API server reachable as localhost through the load balancer."""
    return KubeadmFlavor(
        apiserver_spec_args=_SECURE,
        controller_manager_args=(("enable-hostpath-provisioner", "true"),),
        controller_manager_spec_args=_SECURE,
        scheduler_args=_SECURE,
        kubelet_args=(("eviction-hard", _EVICTION_HARD), ("cgroup-driver", _cgroup_driver(kubernetes_version))),
        secure_kubelet=False,
        cert_sans=("localhost", "127.0.0.1"),
        node_name=None,
        include_format=False,
    )


def machine_template(name: str | None, kind_node_image: str) -> dict[str, Any]:
    """A ``DockerMachineTemplate``: the kind node image with the host's docker socket mounted."""
    return {
        "apiVersion": INFRA_API_VERSION,
        "kind": "DockerMachineTemplate",
        "metadata": metadata(name),
        "spec": {"template": {"spec": {
            "extraMounts": [{"containerPath": _DOCKER_SOCKET, "hostPath": _DOCKER_SOCKET}],
            "customImage": kind_node_image,
        }}},
    }


def _is_docker(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), DockerDatacenterConfig)


def generate_control_plane(spec: Spec, options: TemplateOptions | None = None,
                           env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The control plane objects of a Docker cluster, in apply order."""
    options = options or TemplateOptions()
    env = {} if env is None else env
    cluster = spec.cluster
    name = cluster.name
    cpc = cluster.spec.control_plane_configuration
    etcd_cfg = cluster.spec.external_etcd_configuration
    bundle = spec.versions_bundle()
    images = kubeadm_images(spec)
    kind_node = bundle.eks_d.kind_node.uri
    cp_name = options.control_plane_template_name or control_plane_template_name(name)
    etcd_name = options.etcd_template_name or etcd_template_name(name)
    lb = bundle.haproxy.image
    objects: list[dict[str, Any]] = [
        capi_cluster(cluster, "DockerCluster", external_etcd=etcd_cfg is not None, service_domain="cluster.local",
                     label=False),
        {"apiVersion": INFRA_API_VERSION, "kind": "DockerCluster", "metadata": metadata(name),
         "spec": {"loadBalancer": {"imageRepository": lb.repository or None, "imageTag": lb.tag or None}}},
        machine_template(cp_name, kind_node),
    ]
    node = NodeGroupSettings(taints=cpc.taints if cpc else None, labels=cpc.labels if cpc else None,
                             kubelet_configuration=cpc.kubelet_configuration if cpc else None)
    objects.append(kubeadm_control_plane(
        cluster, flavor=docker_flavor(cluster.spec.kubernetes_version), images=images, node=node,
        machine_template_kind="DockerMachineTemplate", machine_template_name=cp_name,
        external_etcd=etcd_cfg is not None, env=env, default_taint=False,
    ))
    if etcd_cfg is not None:
        distro = spec.eksd_release().kube_distro()
        objects.append(etcdadm_cluster(
            cluster, replicas=etcd_cfg.count if etcd_cfg.count is not None else 1, bootstrap_format="cloud-config",
            users=[], machine_template_api_version=INFRA_API_VERSION, machine_template_kind="DockerMachineTemplate",
            machine_template_name=etcd_name,
            cloud_init={"version": distro.etcd_version, "installDir": "/usr/bin",
                        "etcdReleaseURL": distro.etcd_url},
        ))
        objects.append(machine_template(etcd_name, kind_node))
    mirror = RegistryMirror.from_cluster(cluster, env)
    if mirror is not None and mirror.authenticate:
        objects.append(registry_credentials_secret(mirror.username, mirror.password))
    return objects


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None = None,
                     kubeadm_config_template_names: Mapping[str, str] | None = None,
                     env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group: KubeadmConfigTemplate, MachineDeployment, DockerMachineTemplate (the core's
    :func:`~eksa_core.capi.workers.kubeadm_workers` with the kind node image of the group's version)."""
    cluster = spec.cluster

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        version = group.kubernetes_version or cluster.spec.kubernetes_version
        return WorkerGroupParts(
            flavor=docker_flavor(version),
            node=NodeGroupSettings(taints=group.taints, labels=group.labels,
                                   kubelet_configuration=group.kubelet_configuration),
            machine_template_kind="DockerMachineTemplate",
            machine_template=lambda name: machine_template(name, spec.versions_bundle(version).eks_d.kind_node.uri),
        )

    return kubeadm_workers(spec, parts, machine_template_names=machine_template_names,
                           kubeadm_config_template_names=kubeadm_config_template_names, env=env)


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """Docker control plane objects (see :func:`generate_control_plane`)."""
    return generate_control_plane(spec, options, env=context.env) if _is_docker(spec) else None


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          context: HookContext) -> list[dict[str, Any]] | None:
    """Docker worker objects (see :func:`generate_workers`)."""
    if not _is_docker(spec):
        return None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, env=context.env)


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]] | None:
    """Docker installs no credential secrets."""
    return [] if _is_docker(spec) else None


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str] | None:
    """``GITHUB_TOKEN`` when set (clusterctl rate limits), nothing else."""
    if not _is_docker(spec):
        return None
    token = context.env.get("GITHUB_TOKEN")
    return {"GITHUB_TOKEN": token} if token else {}


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """``infrastructure-docker/<version>/`` with components, metadata and the cluster template."""
    if not _is_docker(spec):
        return None
    dk = spec.versions_bundle().docker
    manifests = tuple(m.uri for m in (dk.components, dk.metadata, dk.cluster_template) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-docker/{dk.version}/", manifests=manifests)


@hookimpl
def eksa_bootstrap_options(spec: Spec) -> BootstrapOptions | None:
    """The kind cluster mounts the host's docker socket (CAPD creates the node containers through it)."""
    if not _is_docker(spec):
        return None
    return BootstrapOptions(extra_mounts=((_DOCKER_SOCKET, _DOCKER_SOCKET),))
