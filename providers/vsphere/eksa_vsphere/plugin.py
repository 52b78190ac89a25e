"""The eksa vSphere provider plugin (entry point ``vsphere`` of the ``eksa.providers`` group).

Clusters on VMware vSphere through Cluster API Provider vSphere: kinds ``VSphereDatacenterConfig`` and
``VSphereMachineConfig``, their defaults and static validation, live checks against vCenter before create and
upgrade, CAPI manifests, machine-template roll decisions, VM cleanup and the credentials secrets. This module
only gathers the hook implementations so that pluggy finds them on one object.
"""

from __future__ import annotations

from .conformance import eksa_conformance_case
from .lifecycle import eksa_pre_capi_install_on_bootstrap, eksa_update_secrets
from .machines import eksa_cleanup_machines, eksa_machine_configs, eksa_needs_new_machine_templates
from .provider import eksa_generate_cluster_config, eksa_provider
from .templates import (
    eksa_bootstrap_options,
    eksa_env_map,
    eksa_generate_control_plane,
    eksa_generate_secrets,
    eksa_generate_workers,
    eksa_infrastructure_bundle,
)
from .validate import (
    eksa_set_defaults,
    eksa_setup_and_validate_create,
    eksa_setup_and_validate_delete,
    eksa_setup_and_validate_upgrade,
    eksa_validate_config,
    eksa_validate_new_spec,
)

__all__ = [
    "eksa_bootstrap_options",
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
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_delete",
    "eksa_setup_and_validate_upgrade",
    "eksa_update_secrets",
    "eksa_validate_config",
    "eksa_validate_new_spec",
]
