"""Who the Nutanix provider is, and the documents ``eksa generate clusterconfig NAME -p nutanix`` writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject
    from eksa_core.models.cluster import Cluster

    from .models import NutanixMachineConfig


__all__ = ["NAME", "eksa_generate_cluster_config", "eksa_provider", "generate_cluster_config"]

NAME = "nutanix"
SSH_KEY_PLACEHOLDER = "ssh-rsa AAAA..."




MOVABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixMachineTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "NutanixMachine"),
)
"""The provider's Cluster API infrastructure objects a management move copies (with the cluster's Cluster API
and EKS Anywhere objects), as ``(apiVersion, kind)`` in creation order."""


KIND_MODULES = {"NutanixDatacenterConfig": "eksa_nutanix.models", "NutanixMachineConfig": "eksa_nutanix.models"}
"""The provider's kinds and the module defining each: registered without importing it (loaded when a spec
names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The Nutanix provider: ``NutanixDatacenterConfig`` selects it, machines are ``NutanixMachineConfig``."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind="NutanixDatacenterConfig",
        machine_kind="NutanixMachineConfig",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-nutanix"),
        display_name="Nutanix",
        controller_deployments={"capx-system": ("capx-controller-manager",)},
        movable_kinds=MOVABLE_KINDS,
        traits=ProviderTraits(supports_etcd_encryption=True),
    )


def _machine_config(name: str) -> NutanixMachineConfig:
    from eksa_core.models.base import ObjectMeta, UserConfiguration

    from .models import (
        DEFAULT_MEMORY_SIZE,
        DEFAULT_SYSTEM_DISK_SIZE,
        DEFAULT_USER,
        DEFAULT_VCPU_SOCKETS,
        DEFAULT_VCPUS_PER_SOCKET,
        NutanixMachineConfig,
        NutanixMachineConfigSpec,
        NutanixResourceIdentifier,
    )

    return NutanixMachineConfig(
        metadata=ObjectMeta(name=name),
        spec=NutanixMachineConfigSpec(
            os_family="ubuntu",
            users=[UserConfiguration(name=DEFAULT_USER, ssh_authorized_keys=[SSH_KEY_PLACEHOLDER])],
            vcpus_per_socket=DEFAULT_VCPUS_PER_SOCKET,
            vcpu_sockets=DEFAULT_VCPU_SOCKETS,
            memory_size=DEFAULT_MEMORY_SIZE,
            image=NutanixResourceIdentifier.by_name("<Enter image name here>"),
            cluster=NutanixResourceIdentifier.by_name("<Enter Prism Element cluster name here>"),
            subnet=NutanixResourceIdentifier.by_name("<Enter subnet name here>"),
            system_disk_size=DEFAULT_SYSTEM_DISK_SIZE,
            boot_type="legacy",
        ),
    )


def generate_cluster_config(name: str, cluster: Cluster) -> list[EksaObject]:
    """Adjust the generated ``cluster`` (2 control plane nodes, 3 etcd, 2 workers, empty endpoint) and return the
    datacenter config and the ``<name>-cp``, ``<name>``, ``<name>-etcd`` machine configs."""
    from eksa_core.models.base import ObjectMeta, Ref
    from eksa_core.models.cluster import (
        ControlPlaneConfiguration,
        Endpoint,
        ExternalEtcdConfiguration,
        WorkerNodeGroupConfiguration,
    )

    from .models import (
        DEFAULT_CREDENTIALS_NAME,
        DEFAULT_PORT,
        NutanixDatacenterConfig,
        NutanixDatacenterConfigSpec,
        NutanixMachineConfig,
    )

    spec = cluster.spec
    machine_kind = NutanixMachineConfig.KIND
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
    spec.datacenter_ref = Ref(kind=NutanixDatacenterConfig.KIND, name=name)
    datacenter = NutanixDatacenterConfig(
        metadata=ObjectMeta(name=name),
        spec=NutanixDatacenterConfigSpec(
            endpoint="<enter Prism Central Endpoint (FQDN or IP) here>",
            port=DEFAULT_PORT,
            credential_ref=Ref(kind="Secret", name=DEFAULT_CREDENTIALS_NAME),
        ),
    )
    return [datacenter, _machine_config(f"{name}-cp"), _machine_config(name), _machine_config(f"{name}-etcd")]


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject]:
    """``eksa generate clusterconfig NAME -p nutanix``."""
    return generate_cluster_config(name, cluster)

