"""Who the in-memory provider is, and the documents ``eksa generate clusterconfig NAME -p inmemory`` writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

from . import __version__

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject

    from .models import InMemoryMachineConfig

__all__ = [
    "LOOPBACK",
    "NAME",
    "eksa_generate_cluster_config",
    "eksa_machine_configs",
    "eksa_provider",
]

NAME = "inmemory"
"""The provider name (``-p inmemory``)."""

LOOPBACK = "127.0.0.1"
"""The control plane endpoint host of generated specs: CAPD serves its in-memory API servers on its ``POD_IP``."""


KIND_MODULES = {"InMemoryDatacenterConfig": "eksa_inmemory.models", "InMemoryMachineConfig": "eksa_inmemory.models"}
"""The provider's kinds and the module defining each: registered without importing it (loaded when a spec
names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The in-memory provider: ``InMemoryDatacenterConfig`` selects it, machines are ``InMemoryMachineConfig``."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind="InMemoryDatacenterConfig",
        machine_kind="InMemoryMachineConfig",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-inmemory", __version__),
        display_name="In-memory",
        # the in-memory backend is part of CAPD: its controller is the Docker provider's deployment
        controller_deployments={"capd-system": ("capd-controller-manager",)},
        # CAPD makes a DevMachine per Machine (never rendered): a management move must find and copy them too
        movable_kinds=(("infrastructure.cluster.x-k8s.io/v1beta2", "DevCluster"),
                       ("infrastructure.cluster.x-k8s.io/v1beta2", "DevMachineTemplate"),
                       ("infrastructure.cluster.x-k8s.io/v1beta2", "DevMachine")),
        # CAPD's in-memory API server serves a fixed set of kinds and no server-side apply: a CNI cannot be applied
        # to it (and nothing would run it), so the core warns that none is installed
        traits=ProviderTraits(installs_cni=False),
    )


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject] | None:
    """Adjust the generated ``cluster`` for the in-memory backend and return its datacenter and machine configs.

    Control plane: 1 node, endpoint ``127.0.0.1`` (CAPD opens the real endpoint on its ``POD_IP``), machines
    ``<name>-cp``. Stacked etcd (etcdadm cannot run on simulated machines). One worker group with 1 node on machines
    ``<name>``.
    """
    from eksa_core.models import Cluster, Endpoint, ObjectMeta, Ref

    from .models import InMemoryDatacenterConfig, InMemoryMachineConfig, InMemoryMachineConfigSpec

    assert isinstance(cluster, Cluster)
    spec = cluster.spec
    kind = InMemoryMachineConfig.KIND
    cp = spec.control_plane_configuration
    if cp is not None:
        cp.count = 1
        cp.endpoint = Endpoint(host=LOOPBACK)
        cp.machine_group_ref = Ref(kind=kind, name=f"{name}-cp")
    spec.external_etcd_configuration = None
    for group in cluster.worker_groups():
        group.count = 1
        group.machine_group_ref = Ref(kind=kind, name=name)
    spec.datacenter_ref = Ref(kind=InMemoryDatacenterConfig.KIND, name=name)

    def machines(machine_name: str) -> InMemoryMachineConfig:
        return InMemoryMachineConfig(metadata=ObjectMeta(name=machine_name), spec=InMemoryMachineConfigSpec())

    return [InMemoryDatacenterConfig(metadata=ObjectMeta(name=name)), machines(f"{name}-cp"), machines(name)]


@hookimpl
def eksa_machine_configs(spec: Any) -> list[InMemoryMachineConfig] | None:
    """The spec's ``InMemoryMachineConfig`` objects (``None`` for a spec of another provider)."""
    from .models import InMemoryDatacenterConfig, InMemoryMachineConfig

    if spec.cluster.datacenter_kind() != InMemoryDatacenterConfig.KIND:
        return None
    return [m for m in spec.config.machine_configs() if isinstance(m, InMemoryMachineConfig)]
