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

from eksa_core.provider import lazy_hook

from .provider import eksa_env_map, eksa_generate_cluster_config, eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_cli_options = lazy_hook(__name__, ".cli", "eksa_cli_options")
eksa_generate_artifact = lazy_hook(__name__, ".cli", "eksa_generate_artifact")
eksa_generate_commands = lazy_hook(__name__, ".cli", "eksa_generate_commands")
eksa_conformance_case = lazy_hook(__name__, ".conformance", "eksa_conformance_case")
eksa_post_bootstrap_setup = lazy_hook(__name__, ".lifecycle", "eksa_post_bootstrap_setup")
eksa_post_cluster_delete = lazy_hook(__name__, ".lifecycle", "eksa_post_cluster_delete")
eksa_post_workload_init = lazy_hook(__name__, ".lifecycle", "eksa_post_workload_init")
eksa_pre_capi_install_on_bootstrap = lazy_hook(__name__, ".lifecycle", "eksa_pre_capi_install_on_bootstrap")
eksa_cleanup_machines = lazy_hook(__name__, ".machines", "eksa_cleanup_machines")
eksa_machine_configs = lazy_hook(__name__, ".machines", "eksa_machine_configs")
eksa_needs_new_machine_templates = lazy_hook(__name__, ".machines", "eksa_needs_new_machine_templates")
eksa_watch_provisioning = lazy_hook(__name__, ".provisioning", "eksa_watch_provisioning")
eksa_setup_and_validate_create = lazy_hook(__name__, ".setup", "eksa_setup_and_validate_create")
eksa_setup_and_validate_upgrade = lazy_hook(__name__, ".setup", "eksa_setup_and_validate_upgrade")
eksa_bootstrap_options = lazy_hook(__name__, ".templates", "eksa_bootstrap_options")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_set_defaults = lazy_hook(__name__, ".validation", "eksa_set_defaults")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")

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
