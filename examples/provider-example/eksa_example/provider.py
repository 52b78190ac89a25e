"""Registration: who the provider is and everything the core needs to know about it, as data."""

from __future__ import annotations

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

from . import __version__
from .models import ExampleDatacenterConfig, ExampleMachineConfig

__all__ = ["INFRA_API_VERSION", "NAME", "eksa_provider"]

NAME = "example"
INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The provider's registration."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind=ExampleDatacenterConfig.KIND,
        machine_kind=ExampleMachineConfig.KIND,
        kinds=(ExampleDatacenterConfig, ExampleMachineConfig),
        version=installed_version("eksa-provider-example", __version__),
        display_name="Example Cloud",
        controller_deployments={"capex-system": ("capex-controller-manager",)},
        movable_kinds=((INFRA_API_VERSION, "ExampleCluster"), (INFRA_API_VERSION, "ExampleMachineTemplate"),
                       (INFRA_API_VERSION, "ExampleMachine")),
        traits=ProviderTraits(),
    )
