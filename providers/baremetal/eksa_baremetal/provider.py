"""Who the bare metal provider is, what ``eksa generate clusterconfig NAME -p tinkerbell`` writes, and the
clusterctl environment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

from . import __version__

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject

    from .models import TinkerbellMachineConfig

__all__ = ["ALIASES", "NAME", "eksa_env_map", "eksa_generate_cluster_config", "eksa_provider"]

NAME = "tinkerbell"
"""The provider name (``-p tinkerbell``, clusterctl ``--infrastructure tinkerbell``)."""

ALIASES = ("baremetal",)

PLACEHOLDER_SSH_KEY = "ssh-rsa AAAA..."
"""The SSH key a generated spec carries until the user puts theirs (EKS Anywhere's placeholder)."""




MOVABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("infrastructure.cluster.x-k8s.io/v1beta1", "TinkerbellCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "TinkerbellMachineTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "TinkerbellMachine"),
    ("tinkerbell.org/v1alpha1", "Hardware"),
    ("tinkerbell.org/v1alpha1", "Template"),
    ("tinkerbell.org/v1alpha1", "Workflow"),
    ("bmc.tinkerbell.org/v1alpha1", "Machine"),
    ("bmc.tinkerbell.org/v1alpha1", "Job"),
    ("bmc.tinkerbell.org/v1alpha1", "Task"),
)
"""The provider's Cluster API infrastructure objects a management move copies (with the cluster's Cluster API
and EKS Anywhere objects), as ``(apiVersion, kind)`` in creation order."""


KIND_MODULES = {
    "TinkerbellDatacenterConfig": "eksa_baremetal.models",
    "TinkerbellMachineConfig": "eksa_baremetal.models",
    "TinkerbellTemplateConfig": "eksa_baremetal.models",
}
"""The provider's kinds and the module defining each: registered without importing it (loaded when a spec
names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The bare metal provider: datacenter kind ``TinkerbellDatacenterConfig``, machine kind
    ``TinkerbellMachineConfig``, plus ``TinkerbellTemplateConfig``."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind="TinkerbellDatacenterConfig",
        machine_kind="TinkerbellMachineConfig",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-baremetal", __version__),
        aliases=ALIASES,
        display_name="Bare Metal",
        controller_deployments={"capt-system": ("capt-controller-manager",)},
        movable_kinds=MOVABLE_KINDS,
        traits=ProviderTraits(supports_external_etcd=False, allows_no_workers=True, supports_in_place_upgrades=True,
                              node_startup_timeout="20m0s"),
    )


def _machine_config(name: str) -> TinkerbellMachineConfig:
    from eksa_core.models import ObjectMeta, Ref, UserConfiguration

    from .models import TinkerbellMachineConfig, TinkerbellMachineConfigSpec

    return TinkerbellMachineConfig(
        metadata=ObjectMeta(name=name),
        spec=TinkerbellMachineConfigSpec(
            hardware_selector=None,  # EKS-A generates an empty selector, which is omitted
            os_family="ubuntu",
            os_image_url="",
            template_ref=Ref(),
            users=[UserConfiguration(name="ec2-user", ssh_authorized_keys=[PLACEHOLDER_SSH_KEY])],
        ),
    )


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject] | None:
    """Adjust the generated ``cluster`` as EKS Anywhere does for bare metal and return its documents.

    Control plane: 1 node, empty endpoint host, machine config ``<name>-cp``; no external etcd; every worker
    group 1 node on machine config ``<name>``. Datacenter: ``tinkerbellIP: ""``, ``osImageURL: ""``.
    """
    from eksa_core.models import Cluster, Endpoint, ObjectMeta, Ref

    from .models import TinkerbellDatacenterConfig, TinkerbellDatacenterConfigSpec, TinkerbellMachineConfig

    assert isinstance(cluster, Cluster)
    spec = cluster.spec
    cp_name, worker_name = f"{name}-cp", name
    cp = spec.control_plane_configuration
    if cp is not None:
        cp.count = 1
        cp.endpoint = Endpoint(host="")
        cp.machine_group_ref = Ref(kind=TinkerbellMachineConfig.KIND, name=cp_name)
    spec.external_etcd_configuration = None
    for group in cluster.worker_groups():
        group.count = 1
        group.machine_group_ref = Ref(kind=TinkerbellMachineConfig.KIND, name=worker_name)
    spec.datacenter_ref = Ref(kind=TinkerbellDatacenterConfig.KIND, name=name)
    datacenter = TinkerbellDatacenterConfig(
        metadata=ObjectMeta(name=name),
        spec=TinkerbellDatacenterConfigSpec(tinkerbell_ip="", os_image_url=""),
    )
    machines: list[EksaObject] = [_machine_config(cp_name)]
    if cluster.worker_groups():
        machines.append(_machine_config(worker_name))
    return [datacenter, *machines]


@hookimpl
def eksa_env_map(spec: Any, context: Any) -> dict[str, str] | None:
    """clusterctl environment of the Tinkerbell infrastructure provider (EKS Anywhere's ``EnvMap``)."""
    return {"TINKERBELL_IP": "IGNORED", "KUBEADM_BOOTSTRAP_TOKEN_TTL": "120m"}

