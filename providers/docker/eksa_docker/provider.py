"""Who the Docker provider is, and the documents ``eksa generate clusterconfig NAME -p docker`` writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

from . import __version__

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject

__all__ = ["NAME", "eksa_generate_cluster_config", "eksa_provider"]

NAME = "docker"
"""The provider name (``-p docker``, clusterctl ``--infrastructure docker``)."""

DATACENTER_KIND = "DockerDatacenterConfig"
"""The provider's datacenter kind (:class:`~eksa_docker.models.DockerDatacenterConfig`)."""

KIND_MODULES = {DATACENTER_KIND: "eksa_docker.models"}
"""The provider's kinds and the module defining each: registered without importing it."""




MOVABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("infrastructure.cluster.x-k8s.io/v1beta1", "DockerCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachineTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachine"),
)
"""The provider's Cluster API infrastructure objects a management move copies (with the cluster's Cluster API
and EKS Anywhere objects), as ``(apiVersion, kind)`` in creation order."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The Docker provider: datacenter kind ``DockerDatacenterConfig``, no machine config kind."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind=DATACENTER_KIND,
        machine_kind="",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-docker", __version__),
        display_name="Docker",
        controller_deployments={"capd-system": ("capd-controller-manager",)},
        movable_kinds=MOVABLE_KINDS,
        traits=ProviderTraits(requires_endpoint=False, requires_machine_configs=False, recommends_ha_counts=False,
                              supports_kindnetd=True),
    )


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject] | None:
    """Adjust the generated ``cluster`` as EKS Anywhere does for Docker and return its datacenter config.

    Control plane: 1 node, no endpoint. External etcd: 1 node (no machine group ref). One worker group with
    1 node. The datacenter config has an empty spec; there are no machine configs.
    """
    from eksa_core.models import Cluster, ExternalEtcdConfiguration, ObjectMeta, Ref

    from .models import DockerDatacenterConfig

    assert isinstance(cluster, Cluster)
    spec = cluster.spec
    cp = spec.control_plane_configuration
    if cp is not None:
        cp.count = 1
        cp.endpoint = None
        cp.machine_group_ref = None
    spec.external_etcd_configuration = ExternalEtcdConfiguration(count=1)
    for group in cluster.worker_groups():
        group.count = 1
        group.machine_group_ref = None
    spec.datacenter_ref = Ref(kind=DockerDatacenterConfig.KIND, name=name)
    return [DockerDatacenterConfig(metadata=ObjectMeta(name=name))]

