"""Who the CloudStack provider is, and the documents ``eksa generate clusterconfig NAME -p cloudstack`` writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject
    from eksa_core.models.cluster import Cluster

    from .models import CloudStackMachineConfig


__all__ = ["NAME", "eksa_generate_cluster_config", "eksa_provider", "generate_cluster_config"]

NAME = "cloudstack"
SSH_KEY_PLACEHOLDER = "ssh-rsa AAAA..."




MOVABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackMachineTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackMachine"),
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackFailureDomain"),
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackAffinityGroup"),
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackIsolatedNetwork"),
    ("infrastructure.cluster.x-k8s.io/v1beta3", "CloudStackMachineStateChecker"),
)
"""The provider's Cluster API infrastructure objects a management move copies (with the cluster's Cluster API
and EKS Anywhere objects), as ``(apiVersion, kind)`` in creation order."""


KIND_MODULES = {
    "CloudStackDatacenterConfig": "eksa_cloudstack.models",
    "CloudStackMachineConfig": "eksa_cloudstack.models",
}
"""The provider's kinds and the module defining each: registered without importing it (loaded when a spec
names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The CloudStack provider: ``CloudStackDatacenterConfig`` selects it, machines are
    ``CloudStackMachineConfig``."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind="CloudStackDatacenterConfig",
        machine_kind="CloudStackMachineConfig",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-cloudstack"),
        display_name="CloudStack",
        bundle_section="cloud_stack",
        controller_deployments={"capc-system": ("capc-controller-manager",)},
        movable_kinds=MOVABLE_KINDS,
        traits=ProviderTraits(supports_etcd_encryption=True),
    )


def _machine_config(name: str) -> CloudStackMachineConfig:
    from eksa_core.models.base import ObjectMeta, UserConfiguration

    from .models import DEFAULT_USER, CloudStackMachineConfig, CloudStackMachineConfigSpec, CloudStackResourceIdentifier

    return CloudStackMachineConfig(
        metadata=ObjectMeta(name=name),
        spec=CloudStackMachineConfigSpec(
            compute_offering=CloudStackResourceIdentifier(),
            template=CloudStackResourceIdentifier(),
            users=[UserConfiguration(name=DEFAULT_USER, ssh_authorized_keys=[SSH_KEY_PLACEHOLDER])],
        ),
    )


def generate_cluster_config(name: str, cluster: Cluster) -> list[EksaObject]:
    """Adjust the generated ``cluster`` (2 control plane nodes, 3 etcd, 2 workers, empty endpoint) and return the
    datacenter config (one availability zone ``az-1``) and the ``<name>-cp``, ``<name>``, ``<name>-etcd``
    machine configs."""
    from eksa_core.models.base import ObjectMeta, Ref
    from eksa_core.models.cluster import (
        ControlPlaneConfiguration,
        Endpoint,
        ExternalEtcdConfiguration,
        WorkerNodeGroupConfiguration,
    )

    from .models import (
        DEFAULT_CREDENTIALS_REF,
        CloudStackAvailabilityZone,
        CloudStackDatacenterConfig,
        CloudStackDatacenterConfigSpec,
        CloudStackMachineConfig,
        CloudStackResourceIdentifier,
        CloudStackZone,
    )

    spec = cluster.spec
    machine_kind = CloudStackMachineConfig.KIND
    cp = spec.control_plane_configuration or ControlPlaneConfiguration()
    cp.count = 2
    cp.endpoint = Endpoint(host="")
    cp.machine_group_ref = Ref(kind=machine_kind, name=f"{name}-cp")
    spec.control_plane_configuration = cp
    spec.external_etcd_configuration = ExternalEtcdConfiguration(
        count=3, machine_group_ref=Ref(kind=machine_kind, name=f"{name}-etcd"))
    groups = spec.worker_node_group_configurations or [WorkerNodeGroupConfiguration(name="md-0")]
    for group in groups:
        group.count = 2
        group.machine_group_ref = Ref(kind=machine_kind, name=name)
    spec.worker_node_group_configurations = groups
    spec.datacenter_ref = Ref(kind=CloudStackDatacenterConfig.KIND, name=name)
    datacenter = CloudStackDatacenterConfig(
        metadata=ObjectMeta(name=name),
        spec=CloudStackDatacenterConfigSpec(availability_zones=[CloudStackAvailabilityZone(
            name="az-1",
            credentials_ref=DEFAULT_CREDENTIALS_REF,
            account="admin",
            domain="domain1",
            management_api_endpoint="",
            zone=CloudStackZone(network=CloudStackResourceIdentifier()),
        )]),
    )
    return [datacenter, _machine_config(f"{name}-cp"), _machine_config(name), _machine_config(f"{name}-etcd")]


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject]:
    """``eksa generate clusterconfig NAME -p cloudstack``."""
    return generate_cluster_config(name, cluster)

