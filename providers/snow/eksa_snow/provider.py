"""Who the Snow provider is, what ``eksa generate clusterconfig NAME -p snow`` writes, its credentials
Secret and its clusterctl environment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

from . import __version__

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject

    from .models import SnowDatacenterConfig, SnowMachineConfig

__all__ = ["NAME", "eksa_env_map", "eksa_generate_cluster_config", "eksa_generate_secrets", "eksa_provider"]

NAME = "snow"
"""The provider name (``-p snow``, clusterctl ``--infrastructure snow``)."""




MOVABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("infrastructure.cluster.x-k8s.io/v1beta1", "AWSSnowCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "AWSSnowMachineTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "AWSSnowMachine"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "AWSSnowIPPool"),
)
"""The provider's Cluster API infrastructure objects a management move copies (with the cluster's Cluster API
and EKS Anywhere objects), as ``(apiVersion, kind)`` in creation order."""


KIND_MODULES = {
    "SnowDatacenterConfig": "eksa_snow.models",
    "SnowMachineConfig": "eksa_snow.models",
    "SnowIPPool": "eksa_snow.models",
}
"""The provider's kinds and the module defining each: registered without importing it (loaded when a spec
names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The Snow provider: datacenter kind ``SnowDatacenterConfig``, machine kind ``SnowMachineConfig``, plus
    ``SnowIPPool``."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind="SnowDatacenterConfig",
        machine_kind="SnowMachineConfig",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-snow", __version__),
        display_name="Snow",
        controller_deployments={"capas-system": ("capas-controller-manager",)},
        movable_kinds=MOVABLE_KINDS,
        traits=ProviderTraits(endpoint_outside_cluster_networks=True),
    )


def _machine_config(name: str) -> SnowMachineConfig:
    from eksa_core.models import ObjectMeta

    from .models import SnowDirectNetworkInterface, SnowMachineConfig, SnowMachineConfigSpec, SnowNetwork
    from .validation import DEFAULT_INSTANCE_TYPE, DEFAULT_PHYSICAL_NETWORK_CONNECTOR

    return SnowMachineConfig(
        metadata=ObjectMeta(name=name),
        spec=SnowMachineConfigSpec(
            ami_id="",
            devices=[""],
            instance_type=DEFAULT_INSTANCE_TYPE,
            ssh_key_name="",
            physical_network_connector=DEFAULT_PHYSICAL_NETWORK_CONNECTOR,
            os_family="ubuntu",
            network=SnowNetwork(direct_network_interfaces=[
                SnowDirectNetworkInterface(index=1, dhcp=True, primary=True),
            ]),
        ),
    )


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject] | None:
    """Adjust the generated ``cluster`` as EKS Anywhere does for Snow and return its documents.

    Control plane: 3 nodes, empty endpoint host, machine config ``<name>-cp``; no external etcd; every worker
    group 3 nodes on machine config ``<name>``. Datacenter: empty ``identityRef``.
    """
    from eksa_core.models import Cluster, Endpoint, ObjectMeta, Ref

    from .models import SnowDatacenterConfig, SnowDatacenterConfigSpec, SnowMachineConfig

    assert isinstance(cluster, Cluster)
    spec = cluster.spec
    cp_name, worker_name = f"{name}-cp", name
    cp = spec.control_plane_configuration
    if cp is not None:
        cp.count = 3
        cp.endpoint = Endpoint(host="")
        cp.machine_group_ref = Ref(kind=SnowMachineConfig.KIND, name=cp_name)
    spec.external_etcd_configuration = None
    for group in cluster.worker_groups():
        group.count = 3
        group.machine_group_ref = Ref(kind=SnowMachineConfig.KIND, name=worker_name)
    spec.datacenter_ref = Ref(kind=SnowDatacenterConfig.KIND, name=name)
    datacenter = SnowDatacenterConfig(metadata=ObjectMeta(name=name),
                                      spec=SnowDatacenterConfigSpec(identity_ref=Ref()))
    machines: list[EksaObject] = [_machine_config(cp_name)]
    if cluster.worker_groups():
        machines.append(_machine_config(worker_name))
    return [datacenter, *machines]


def _datacenter(spec: Any) -> SnowDatacenterConfig | None:
    from .models import SnowDatacenterConfig

    dc = spec.datacenter()
    return dc if isinstance(dc, SnowDatacenterConfig) else None


@hookimpl
def eksa_generate_secrets(spec: Any, context: Any) -> list[dict[str, Any]] | None:
    """The EKS Anywhere Snow credentials Secret, from the files named in ``context.env``."""
    from .credentials import credentials_secret, read_credentials

    dc = _datacenter(spec)
    if dc is None:
        return None
    return [credentials_secret(dc, read_credentials(context.env))]


@hookimpl
def eksa_env_map(spec: Any, context: Any) -> dict[str, str] | None:
    """``AWS_B64ENCODED_CREDENTIALS`` and ``AWS_B64ENCODED_CA_BUNDLES`` (plus ``SNOW_CONTROLLER_IMAGE`` when the
    spec's versions bundle names the Snow manager image)."""
    from .credentials import env_map, read_credentials

    out = env_map(read_credentials(context.env))
    try:
        image = spec.versions_bundle().snow.manager.uri
    except Exception:  # no bundle loaded (static use) or a bundle without Snow components
        image = None
    if isinstance(image, str) and image:
        out["SNOW_CONTROLLER_IMAGE"] = image
    return out

