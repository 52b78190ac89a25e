"""Bare metal conformance cases: ``hardware-csv`` (read a CSV into machines / a catalogue) and
``render-hardware`` (the Hardware, rufio Machine and Secret objects of a CSV). They call the same code as
``eksa generate hardware`` and the create validations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eksa_core import hookimpl

from .hardware import Catalogue, assert_machines, hardware_manifests, read_csv_file

__all__ = ["eksa_conformance_case", "hardware_csv_outcome", "render_hardware"]


def _input(case: dict[str, Any], inputs: dict[str, Any]) -> Path:
    return Path(inputs.get("base_dir") or ".") / str(case.get("input") or "")


def hardware_csv_outcome(path: Path, operation: str = "") -> dict[str, Any]:
    """Read ``path`` like EKS Anywhere's reader and report it.

    ``readCSVToCatalogue`` operations build a validated catalogue and report its size, hostnames, labels (as
    written) and whether every machine has a BMC; other operations report the first machine read.
    """
    if "Catalogue" in operation:
        catalogue = Catalogue.from_csv_file(path)
        return {
            "machines": len(catalogue),
            "hostnames": catalogue.hostnames(),
            "labels": [m.labels_string() for m in catalogue.machines],
            "has_bmc": catalogue.has_bmc(),
        }
    machines = read_csv_file(path)
    return {"first_machine": machines[0].to_dict() if machines else None}


def render_hardware(path: Path) -> list[dict[str, Any]]:
    """``BuildHardwareYAML``: read, assert and translate every machine of the CSV at ``path``."""
    machines = read_csv_file(path)
    assert_machines(machines, file=str(path))
    return hardware_manifests(machines)


@hookimpl
def eksa_conformance_case(kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Run a ``hardware-csv`` or ``render-hardware`` case; ``None`` for other kinds."""
    if kind == "hardware-csv":
        return hardware_csv_outcome(_input(case, inputs), str(case.get("operation") or ""))
    if kind == "render-hardware":
        return render_hardware(_input(case, inputs))
    return None
