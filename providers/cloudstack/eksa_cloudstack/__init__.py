"""eksa provider for Apache CloudStack (CAPC).

Public API: the kinds in :mod:`eksa_cloudstack.models`, the credentials parser
(:func:`~eksa_cloudstack.credentials.credentials_from_env`, :class:`CloudStackCredentials`), and the plugin
module :mod:`eksa_cloudstack.plugin` registered in the ``eksa.providers`` entry-point group.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .credentials import CloudStackCredentials, CloudStackProfile, credentials_from_env, parse_credentials
    from .models import (
        CloudStackAvailabilityZone,
        CloudStackDatacenterConfig,
        CloudStackMachineConfig,
        CloudStackResourceIdentifier,
        CloudStackZone,
    )

__all__ = [
    "CloudStackAvailabilityZone",
    "CloudStackCredentials",
    "CloudStackDatacenterConfig",
    "CloudStackMachineConfig",
    "CloudStackProfile",
    "CloudStackResourceIdentifier",
    "CloudStackZone",
    "credentials_from_env",
    "parse_credentials",
]

_LAZY = {
    "CloudStackAvailabilityZone": ".models",
    "CloudStackCredentials": ".credentials",
    "CloudStackDatacenterConfig": ".models",
    "CloudStackMachineConfig": ".models",
    "CloudStackProfile": ".credentials",
    "CloudStackResourceIdentifier": ".models",
    "CloudStackZone": ".models",
    "credentials_from_env": ".credentials",
    "parse_credentials": ".credentials",
}
"""Where each exported name is defined: loaded on first use, so discovering the provider imports none of it."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
