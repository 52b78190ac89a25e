"""Defaults, static validation and (pretend) infrastructure checks of the test provider."""

from __future__ import annotations

from typing import Any

from eksa_core import SpecError, hookimpl

from .models import TestDatacenterConfig, TestMachineConfig
from .recorder import record

__all__ = [
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_delete",
    "eksa_setup_and_validate_upgrade",
    "eksa_validate_config",
    "eksa_validate_new_spec",
]


def _mine(config: Any) -> bool:
    return bool(config.of_kind(TestDatacenterConfig))


@hookimpl
def eksa_set_defaults(config: Any) -> None:
    """``osFamily`` defaults to ``ubuntu``, ``region`` to ``local``."""
    if not _mine(config):
        return
    record("eksa_set_defaults")
    for dc in config.of_kind(TestDatacenterConfig):
        dc.spec.region = dc.spec.region or "local"
    for machine in config.of_kind(TestMachineConfig):
        machine.spec.os_family = machine.spec.os_family or "ubuntu"


@hookimpl
def eksa_validate_config(config: Any) -> list[SpecError]:
    """``spec.endpoint`` is required; ``spec.cpus`` must be positive."""
    if not _mine(config):
        return []
    record("eksa_validate_config")
    errors: list[SpecError] = []
    for dc in config.of_kind(TestDatacenterConfig):
        if not dc.spec.endpoint:
            errors.append(SpecError("TestDatacenterConfig endpoint is not set or is empty", kind=dc.kind,
                                    name=dc.name, field="spec.endpoint"))
    for machine in config.of_kind(TestMachineConfig):
        if machine.spec.cpus is not None and machine.spec.cpus <= 0:
            errors.append(SpecError(f"cpus must be positive, got {machine.spec.cpus}", kind=machine.kind,
                                    name=machine.name, field="spec.cpus"))
    return errors


@hookimpl
def eksa_setup_and_validate_create(spec: Any, context: Any) -> None:
    """Pretend to check the endpoint (recorded only in a dry run)."""
    record("eksa_setup_and_validate_create", context=context)
    if context.dry_run:
        context.record("check-endpoint", endpoint=spec.datacenter().spec.endpoint)


@hookimpl
def eksa_setup_and_validate_upgrade(spec: Any, current_spec: Any, context: Any) -> None:
    """Nothing to check beyond the recording."""
    record("eksa_setup_and_validate_upgrade", context=context)


@hookimpl
def eksa_setup_and_validate_delete(spec: Any, context: Any) -> None:
    """Nothing to check beyond the recording."""
    record("eksa_setup_and_validate_delete", context=context)


@hookimpl
def eksa_validate_new_spec(spec: Any, current_spec: Any) -> list[SpecError]:
    """``spec.endpoint`` and ``spec.region`` of the datacenter are immutable."""
    record("eksa_validate_new_spec")
    new, old = spec.datacenter(), current_spec.datacenter()
    errors = []
    for attr in ("endpoint", "region"):
        if getattr(new.spec, attr) != getattr(old.spec, attr):
            errors.append(SpecError(f"spec.{attr} is immutable", kind=new.kind, name=new.name, field=f"spec.{attr}"))
    return errors
