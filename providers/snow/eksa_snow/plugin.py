"""The AWS Snow provider plugin, registered as ``snow`` in the ``eksa.providers`` entry-point group.

It brings the ``SnowDatacenterConfig``, ``SnowMachineConfig`` and ``SnowIPPool`` kinds, their defaults and static
validation, the live device checks (EC2 and Snowball device APIs, default SSH key import), the CAPAS manifests,
the machine hooks, ``eksa generate clusterconfig -p snow``, the device credentials Secret and clusterctl
environment, and the ``credentials-ini`` conformance case. This module only gathers the hook implementations.
"""

from __future__ import annotations

from .conformance import eksa_conformance_case
from .machines import eksa_cleanup_machines, eksa_machine_configs, eksa_needs_new_machine_templates
from .provider import (
    eksa_env_map,
    eksa_generate_cluster_config,
    eksa_generate_secrets,
    eksa_provider,
)
from .templates import eksa_generate_control_plane, eksa_generate_workers, eksa_infrastructure_bundle
from .validate import (
    eksa_set_defaults,
    eksa_setup_and_validate_create,
    eksa_setup_and_validate_upgrade,
    eksa_validate_config,
)

__all__ = [
    "eksa_cleanup_machines",
    "eksa_conformance_case",
    "eksa_env_map",
    "eksa_generate_cluster_config",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_upgrade",
    "eksa_validate_config",
]
