"""The bare metal (Tinkerbell) provider plugin, registered as ``tinkerbell`` (alias ``baremetal``) in the
``eksa.providers`` entry-point group.

It brings the ``TinkerbellDatacenterConfig``, ``TinkerbellMachineConfig`` and ``TinkerbellTemplateConfig`` kinds,
their defaults and static validation, ``eksa generate clusterconfig -p tinkerbell``, the clusterctl environment,
the CAPI manifests (CAPT: TinkerbellCluster, TinkerbellMachineTemplate with the provisioning workflow), the
infrastructure bundle and kind bootstrap options, the hardware CSV conformance cases, setup-and-validate for create
and upgrade (hardware catalogue, hardware counts, ports and IPs in use), the Tinkerbell stack and hardware on the
bootstrap and management clusters (lifecycle hooks), the machine hooks and ``eksa generate hardware``. This module
only gathers the hook implementations so pluggy finds them.
"""

from __future__ import annotations

from .cli import eksa_cli_options, eksa_generate_artifact, eksa_generate_commands
from .conformance import eksa_conformance_case
from .lifecycle import (
    eksa_post_bootstrap_setup,
    eksa_post_cluster_delete,
    eksa_post_workload_init,
    eksa_pre_capi_install_on_bootstrap,
)
from .machines import eksa_cleanup_machines, eksa_machine_configs, eksa_needs_new_machine_templates
from .provider import eksa_env_map, eksa_generate_cluster_config, eksa_provider
from .provisioning import eksa_watch_provisioning
from .setup import eksa_setup_and_validate_create, eksa_setup_and_validate_upgrade
from .templates import (
    eksa_bootstrap_options,
    eksa_generate_control_plane,
    eksa_generate_workers,
    eksa_infrastructure_bundle,
)
from .validate import eksa_set_defaults, eksa_validate_config

__all__ = [
    "eksa_bootstrap_options",
    "eksa_cleanup_machines",
    "eksa_cli_options",
    "eksa_conformance_case",
    "eksa_env_map",
    "eksa_generate_artifact",
    "eksa_generate_cluster_config",
    "eksa_generate_commands",
    "eksa_generate_control_plane",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "eksa_post_bootstrap_setup",
    "eksa_post_cluster_delete",
    "eksa_post_workload_init",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_upgrade",
    "eksa_validate_config",
    "eksa_watch_provisioning",
]
