"""eksa provider for Nutanix (Prism Central, CAPX).

Public API: the kinds in :mod:`eksa_nutanix.models`, the Prism Central v3 client :class:`PrismClient`,
:func:`validate_datacenter` / :func:`validate_machine_config` (live checks), and the plugin module
:mod:`eksa_nutanix.plugin` registered in the ``eksa.providers`` entry-point group.
"""

from __future__ import annotations

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
