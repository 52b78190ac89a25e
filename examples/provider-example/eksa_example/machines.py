"""Machine hooks: the spec's machine configs, and when an upgrade must roll new machines."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from eksa_core import hookimpl
from eksa_core.provider import unstructure

from .models import ExampleMachineConfig

if TYPE_CHECKING:
    from eksa_core.provider import Spec

__all__ = ["CONTROL_PLANE_ANNOTATION", "eksa_machine_configs", "eksa_needs_new_machine_templates"]

CONTROL_PLANE_ANNOTATION = "anywhere.eks.amazonaws.com/control-plane"


def _group_machine(spec: Spec, role: str, group: str | None) -> ExampleMachineConfig | None:
    cluster = spec.cluster.spec
    if role == "control-plane":
        ref = cluster.control_plane_configuration.machine_group_ref if cluster.control_plane_configuration else None
    else:
        groups = [g for g in spec.cluster.worker_groups() if g.name == group]
        ref = groups[0].machine_group_ref if groups else None
    machine = spec.config.machine_config(ref.name if ref else None, ExampleMachineConfig.KIND)
    return machine if isinstance(machine, ExampleMachineConfig) else None


@hookimpl
def eksa_machine_configs(spec: Spec) -> list[ExampleMachineConfig]:
    """Copies of the machine configs, control plane first, each once; the control plane's annotated as such."""
    control_plane = _group_machine(spec, "control-plane", None)
    out: list[ExampleMachineConfig] = []
    if control_plane is not None:
        annotated = copy.deepcopy(control_plane)
        annotated.metadata.annotations = {**(annotated.metadata.annotations or {}), CONTROL_PLANE_ANNOTATION: "true"}
        out.append(annotated)
    for machine in spec.config.of_kind(ExampleMachineConfig):
        if machine is not control_plane:
            out.append(copy.deepcopy(machine))
    return out


@hookimpl
def eksa_needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None) -> bool:
    """New machines roll when the group's machine config spec (size, image, users) changes."""
    old, new = _group_machine(current_spec, role, group), _group_machine(new_spec, role, group)
    if old is None or new is None:
        return old is not new
    return bool(unstructure(old.spec) != unstructure(new.spec))
