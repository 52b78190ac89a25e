"""Who the vSphere provider is, and the documents ``eksa generate clusterconfig NAME -p vsphere`` writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits

from . import __version__

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject

    from .models import VSphereMachineConfig

__all__ = ["NAME", "PLACEHOLDER_SSH_KEY", "eksa_generate_cluster_config", "eksa_provider", "provider_info"]

NAME = "vsphere"
"""The provider's name (``eksa generate clusterconfig -p vsphere``)."""

PLACEHOLDER_SSH_KEY = "ssh-rsa AAAA..."
"""The SSH key placeholder a generated spec carries."""


def provider_info() -> ProviderInfo:
    """The vSphere :class:`~eksa_core.plugins.ProviderInfo`."""

    return ProviderInfo(
        name=NAME,
        datacenter_kind="VSphereDatacenterConfig",
        machine_kind="VSphereMachineConfig",
        kind_modules=KIND_MODULES,
        version=__version__,
        display_name="vSphere",
        controller_deployments={"capv-system": ("capv-controller-manager",)},
        movable_kinds=MOVABLE_KINDS,
        skippable_validations=("vsphere-user-privilege",),
        traits=ProviderTraits(supports_etcd_encryption=True),
    )


MOVABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("infrastructure.cluster.x-k8s.io/v1beta1", "VSphereCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "VSphereMachineTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "VSphereMachine"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "VSphereVM"),
)
"""The provider's Cluster API infrastructure objects a management move copies (with the cluster's Cluster API
and EKS Anywhere objects), as ``(apiVersion, kind)`` in creation order."""


KIND_MODULES = {"VSphereDatacenterConfig": "eksa_vsphere.models", "VSphereMachineConfig": "eksa_vsphere.models"}
"""The provider's kinds and the module defining each: registered without importing it (loaded when a spec
names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """Identify the vSphere provider."""
    return provider_info()


def _generated_machine_config(name: str) -> VSphereMachineConfig:
    from eksa_core.models.base import ObjectMeta, UserConfiguration

    from .models import BOTTLEROCKET, VSphereMachineConfig, VSphereMachineConfigSpec

    return VSphereMachineConfig(
        metadata=ObjectMeta(name=name),
        spec=VSphereMachineConfigSpec(
            disk_gib=25,
            datastore="",
            folder="",
            num_cpus=2,
            memory_mib=8192,
            os_family=BOTTLEROCKET,
            resource_pool="",
            users=[UserConfiguration(name="ec2-user", ssh_authorized_keys=[PLACEHOLDER_SSH_KEY])],
        ),
    )


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject]:
    """The vSphere documents of a new spec (EKS-A's ``generate clusterconfig`` vsphere row).

    Adjusts ``cluster`` in place: 2 control plane nodes with an empty endpoint host, 3 external etcd machines,
    2 workers in each group, and refs to the ``VSphereDatacenterConfig`` ``<name>`` and the machine configs
    ``<name>-cp`` (control plane), ``<name>`` (workers), ``<name>-etcd`` (etcd). Returns the datacenter config
    followed by the three machine configs.
    """
    from eksa_core.models.base import ObjectMeta, Ref
    from eksa_core.models.cluster import (
        ControlPlaneConfiguration,
        Endpoint,
        ExternalEtcdConfiguration,
        WorkerNodeGroupConfiguration,
    )

    from .models import VSphereDatacenterConfig, VSphereDatacenterConfigSpec, VSphereMachineConfig

    machine_kind = VSphereMachineConfig.KIND
    spec = cluster.spec
    spec.datacenter_ref = Ref(kind=VSphereDatacenterConfig.KIND, name=name)
    cp = spec.control_plane_configuration or ControlPlaneConfiguration()
    cp.count = 2
    cp.endpoint = Endpoint(host="")
    cp.machine_group_ref = Ref(kind=machine_kind, name=f"{name}-cp")
    spec.control_plane_configuration = cp
    spec.external_etcd_configuration = ExternalEtcdConfiguration(
        count=3, machine_group_ref=Ref(kind=machine_kind, name=f"{name}-etcd")
    )
    groups = spec.worker_node_group_configurations or [WorkerNodeGroupConfiguration(name="md-0")]
    for group in groups:
        group.count = 2
        group.machine_group_ref = Ref(kind=machine_kind, name=name)
    spec.worker_node_group_configurations = groups

    datacenter = VSphereDatacenterConfig(
        metadata=ObjectMeta(name=name),
        spec=VSphereDatacenterConfigSpec(datacenter="", network="", server="", thumbprint="", insecure=False),
    )
    return [
        datacenter,
        _generated_machine_config(f"{name}-cp"),
        _generated_machine_config(name),
        _generated_machine_config(f"{name}-etcd"),
    ]

