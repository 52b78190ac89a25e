"""Defaults and static validation of the provider's kinds (nothing is contacted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eksa_core import SpecError, hookimpl

from .models import ExampleDatacenterConfig, ExampleMachineConfig

if TYPE_CHECKING:
    from eksa_core.provider import ClusterConfig

__all__ = ["DEFAULT_CPUS", "DEFAULT_MEMORY_MIB", "DEFAULT_ZONE", "eksa_set_defaults", "eksa_validate_config"]

DEFAULT_ZONE = "zone-a"
DEFAULT_CPUS = 2
DEFAULT_MEMORY_MIB = 8192


@hookimpl
def eksa_set_defaults(config: ClusterConfig) -> None:
    """``zone`` defaults to ``zone-a``; machines to 2 CPUs and 8 GiB."""
    for dc in config.of_kind(ExampleDatacenterConfig):
        dc.spec.zone = dc.spec.zone or DEFAULT_ZONE
    for machine in config.of_kind(ExampleMachineConfig):
        machine.spec.cpus = DEFAULT_CPUS if machine.spec.cpus is None else machine.spec.cpus
        machine.spec.memory_mi_b = DEFAULT_MEMORY_MIB if machine.spec.memory_mi_b is None else machine.spec.memory_mi_b


@hookimpl
def eksa_validate_config(config: ClusterConfig) -> list[SpecError]:
    """The endpoint is an ``https://`` URL; machines have an image, a positive size and at least one user."""
    errors: list[SpecError] = []
    for dc in config.of_kind(ExampleDatacenterConfig):
        endpoint = dc.spec.endpoint or ""
        if not endpoint.startswith("https://"):
            errors.append(SpecError(f"endpoint must be an https:// URL, got {endpoint or 'nothing'}",
                                    kind=dc.kind, name=dc.name, field="spec.endpoint"))
    for machine in config.of_kind(ExampleMachineConfig):
        if not machine.spec.image:
            errors.append(SpecError("image is required", kind=machine.kind, name=machine.name, field="spec.image"))
        if (machine.spec.cpus or 0) <= 0:
            errors.append(SpecError("cpus must be positive", kind=machine.kind, name=machine.name,
                                    field="spec.cpus"))
        if (machine.spec.memory_mi_b or 0) < 2048:
            errors.append(SpecError("memoryMiB must be at least 2048", kind=machine.kind, name=machine.name,
                                    field="spec.memoryMiB"))
        if not machine.spec.users:
            errors.append(SpecError("at least one user is required", kind=machine.kind, name=machine.name,
                                    field="spec.users"))
    return errors
