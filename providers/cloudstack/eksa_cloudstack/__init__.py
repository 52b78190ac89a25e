"""eksa provider for Apache CloudStack (CAPC).

Public API: the kinds in :mod:`eksa_cloudstack.models`, the credentials parser
(:func:`~eksa_cloudstack.credentials.credentials_from_env`, :class:`CloudStackCredentials`), and the plugin
module :mod:`eksa_cloudstack.plugin` registered in the ``eksa.providers`` entry-point group.
"""

from __future__ import annotations

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
