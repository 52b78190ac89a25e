"""eksa provider for Nutanix (Prism Central, CAPX).

Public API: the kinds in :mod:`eksa_nutanix.models`, the Prism Central v3 client :class:`PrismClient`,
:func:`validate_datacenter` / :func:`validate_machine_config` (live checks), and the plugin module
:mod:`eksa_nutanix.plugin` registered in the ``eksa.providers`` entry-point group.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import PrismClient, PrismError, PrismNotFound
    from .models import (
        NutanixDatacenterConfig,
        NutanixDatacenterFailureDomain,
        NutanixMachineConfig,
        NutanixResourceIdentifier,
    )
    from .validation import validate_datacenter, validate_machine_config

__all__ = [
    "NutanixDatacenterConfig",
    "NutanixDatacenterFailureDomain",
    "NutanixMachineConfig",
    "NutanixResourceIdentifier",
    "PrismClient",
    "PrismError",
    "PrismNotFound",
    "validate_datacenter",
    "validate_machine_config",
]

_LAZY = {
    "NutanixDatacenterConfig": ".models",
    "NutanixDatacenterFailureDomain": ".models",
    "NutanixMachineConfig": ".models",
    "NutanixResourceIdentifier": ".models",
    "PrismClient": ".client",
    "PrismError": ".client",
    "PrismNotFound": ".client",
    "validate_datacenter": ".validation",
    "validate_machine_config": ".validation",
}
"""Where each exported name is defined: loaded on first use, so discovering the provider imports none of it."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
