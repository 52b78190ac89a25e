"""The AWS Snow provider plugin, registered as ``snow`` in the ``eksa.providers`` entry-point group.

It brings the ``SnowDatacenterConfig``, ``SnowMachineConfig`` and ``SnowIPPool`` kinds, their defaults and static
validation, the live device checks (EC2 and Snowball device APIs, default SSH key import), the CAPAS manifests,
the machine hooks, ``eksa generate clusterconfig -p snow``, the device credentials Secret and clusterctl
environment, and the ``credentials-ini`` conformance case. This module only gathers the hook implementations.
"""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import (
    eksa_env_map,
    eksa_generate_cluster_config,
    eksa_generate_secrets,
    eksa_provider,
)

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_conformance_case = lazy_hook(__name__, ".conformance", "eksa_conformance_case")
eksa_cleanup_machines = lazy_hook(__name__, ".machines", "eksa_cleanup_machines")
eksa_machine_configs = lazy_hook(__name__, ".machines", "eksa_machine_configs")
eksa_needs_new_machine_templates = lazy_hook(__name__, ".machines", "eksa_needs_new_machine_templates")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_set_defaults = lazy_hook(__name__, ".validation", "eksa_set_defaults")
eksa_setup_and_validate_create = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_create")
eksa_setup_and_validate_upgrade = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_upgrade")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")

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
