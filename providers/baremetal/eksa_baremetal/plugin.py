"""The bare metal (Tinkerbell) provider plugin, registered as ``tinkerbell`` (alias ``baremetal``) in the
``eksa.providers`` entry-point group.

It brings the ``TinkerbellDatacenterConfig``, ``TinkerbellMachineConfig`` and ``TinkerbellTemplateConfig`` kinds,
their defaults and static validation, ``eksa generate clusterconfig -p tinkerbell``, the clusterctl environment,
the CAPI manifests (CAPT: TinkerbellCluster, TinkerbellMachineTemplate with the provisioning workflow), the
infrastructure bundle and kind bootstrap options, and the hardware CSV conformance cases. This module only gathers
the hook implementations so pluggy finds them.
"""

from __future__ import annotations

from .conformance import eksa_conformance_case
from .provider import eksa_env_map, eksa_generate_cluster_config, eksa_provider
from .templates import (
    eksa_bootstrap_options,
    eksa_generate_control_plane,
    eksa_generate_workers,
    eksa_infrastructure_bundle,
)
from .validate import eksa_set_defaults, eksa_validate_config

__all__ = [
    "eksa_bootstrap_options",
    "eksa_conformance_case",
    "eksa_env_map",
    "eksa_generate_cluster_config",
    "eksa_generate_control_plane",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_validate_config",
]
