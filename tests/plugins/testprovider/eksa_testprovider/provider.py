"""Who the test provider is, and the documents of a new spec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.plugins import ProviderInfo

from . import __version__
from .recorder import record

if TYPE_CHECKING:
    from eksa_core.models.base import EksaObject

__all__ = ["NAME", "eksa_generate_cluster_config", "eksa_provider"]

NAME = "testprovider"

KIND_MODULES = {"TestDatacenterConfig": "eksa_testprovider.models", "TestMachineConfig": "eksa_testprovider.models"}
"""The provider's kinds by the module defining them (imported when a spec names one)."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The test provider: ``TestDatacenterConfig`` selects it, ``TestMachineConfig`` shapes its machines."""
    return ProviderInfo(name=NAME, datacenter_kind="TestDatacenterConfig", machine_kind="TestMachineConfig",
                        kind_modules=KIND_MODULES, version=__version__,
                        # declared like vSphere's, so the core's --skip-validations lists are exercised
                        skippable_validations=("vsphere-user-privilege",))


@hookimpl
def eksa_generate_cluster_config(name: str, cluster: Any) -> list[EksaObject]:
    """A datacenter config and one machine config for every node role."""
    from eksa_core.models import ObjectMeta, Ref

    from .models import TestDatacenterConfig, TestDatacenterConfigSpec, TestMachineConfig, TestMachineConfigSpec

    record("eksa_generate_cluster_config")
    cluster.spec.datacenter_ref = Ref(kind=TestDatacenterConfig.KIND, name=name)
    if cluster.spec.control_plane_configuration is not None:
        cluster.spec.control_plane_configuration.machine_group_ref = Ref(kind=TestMachineConfig.KIND, name=name)
    for group in cluster.worker_groups():
        group.machine_group_ref = Ref(kind=TestMachineConfig.KIND, name=name)
    return [
        TestDatacenterConfig(metadata=ObjectMeta(name=name), spec=TestDatacenterConfigSpec(endpoint="", region="")),
        TestMachineConfig(metadata=ObjectMeta(name=name), spec=TestMachineConfigSpec(cpus=2, memory_mi_b=4096)),
    ]
