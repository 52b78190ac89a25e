"""Registration: who the provider is and everything the core needs to know about it, as data."""

from __future__ import annotations

from eksa_core import hookimpl
from eksa_core.provider import ProviderInfo, ProviderTraits, installed_version

from . import __version__

__all__ = ["INFRA_API_VERSION", "NAME", "eksa_provider"]

NAME = "example"
INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"

KIND_MODULES = {"ExampleDatacenterConfig": "eksa_example.models", "ExampleMachineConfig": "eksa_example.models"}
"""The provider's kinds, each with the module defining it: the core registers them by name and imports the
module only when a spec names one of them, so discovering the provider imports none of its models."""


@hookimpl
def eksa_provider() -> ProviderInfo:
    """The provider's registration."""
    return ProviderInfo(
        name=NAME,
        datacenter_kind="ExampleDatacenterConfig",
        machine_kind="ExampleMachineConfig",
        kind_modules=KIND_MODULES,
        version=installed_version("eksa-provider-example", __version__),
        display_name="Example Cloud",
        controller_deployments={"capex-system": ("capex-controller-manager",)},
        movable_kinds=((INFRA_API_VERSION, "ExampleCluster"), (INFRA_API_VERSION, "ExampleMachineTemplate"),
                       (INFRA_API_VERSION, "ExampleMachine")),
        traits=ProviderTraits(),
    )
