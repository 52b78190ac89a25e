"""Machine hooks of the test provider."""

from __future__ import annotations

from typing import Any

from eksa_core import hookimpl
from eksa_core.models import MachineConfigObject

from .models import TestMachineConfig
from .recorder import record

__all__ = ["eksa_cleanup_machines", "eksa_machine_configs", "eksa_needs_new_machine_templates"]


def _ref_of(spec: Any, role: str, group: str | None) -> str | None:
    cluster = spec.cluster.spec
    if role == "control-plane":
        ref = cluster.control_plane_configuration.machine_group_ref if cluster.control_plane_configuration else None
    elif role == "etcd":
        etcd = cluster.external_etcd_configuration
        ref = etcd.machine_group_ref if etcd else None
    else:
        ref = next((g.machine_group_ref for g in spec.cluster.worker_groups() if g.name == group), None)
    return ref.name if ref else None


@hookimpl
def eksa_machine_configs(spec: Any) -> list[MachineConfigObject]:
    """The spec's machine configs, control plane first, de-duplicated."""
    record("eksa_machine_configs")
    names: list[str] = []
    for role, group in [("control-plane", None), ("etcd", None),
                        *[("workers", g.name) for g in spec.cluster.worker_groups()]]:
        name = _ref_of(spec, role, group)
        if name and name not in names:
            names.append(name)
    return [m for n in names for m in [spec.config.get(TestMachineConfig, n)] if m is not None]


@hookimpl
def eksa_needs_new_machine_templates(current_spec: Any, new_spec: Any, role: str, group: str | None) -> bool:
    """New templates when the referenced machine config's spec changes (or the reference does)."""
    record("eksa_needs_new_machine_templates")
    old_name, new_name = _ref_of(current_spec, role, group), _ref_of(new_spec, role, group)
    old = current_spec.config.get(TestMachineConfig, old_name)
    new = new_spec.config.get(TestMachineConfig, new_name)
    if old is None or new is None:
        return old is not new
    return bool(old.spec != new.spec)


@hookimpl
def eksa_cleanup_machines(spec: Any, context: Any) -> None:
    """Nothing to clean up (no real machines); recorded."""
    record("eksa_cleanup_machines", context=context)
