"""The test provider plugin (entry point ``testprovider`` of group ``eksa.providers``).

A provider for eksa's own tests: it talks to no infrastructure, renders real-looking Cluster API objects and
records every hook call (:mod:`.recorder`). Hook implementations live in :mod:`.provider`, :mod:`.validate`,
:mod:`.templates`, :mod:`.machines` and :mod:`.lifecycle`; this module gathers them for pluggy.
"""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_collect_diagnostics = lazy_hook(__name__, ".lifecycle", "eksa_collect_diagnostics")
eksa_delete_resources = lazy_hook(__name__, ".lifecycle", "eksa_delete_resources")
eksa_install_custom_components = lazy_hook(__name__, ".lifecycle", "eksa_install_custom_components")
eksa_post_bootstrap_setup = lazy_hook(__name__, ".lifecycle", "eksa_post_bootstrap_setup")
eksa_post_cluster_delete = lazy_hook(__name__, ".lifecycle", "eksa_post_cluster_delete")
eksa_post_move = lazy_hook(__name__, ".lifecycle", "eksa_post_move")
eksa_post_workload_init = lazy_hook(__name__, ".lifecycle", "eksa_post_workload_init")
eksa_pre_capi_install_on_bootstrap = lazy_hook(__name__, ".lifecycle", "eksa_pre_capi_install_on_bootstrap")
eksa_pre_core_components_upgrade = lazy_hook(__name__, ".lifecycle", "eksa_pre_core_components_upgrade")
eksa_pre_delete = lazy_hook(__name__, ".lifecycle", "eksa_pre_delete")
eksa_update_secrets = lazy_hook(__name__, ".lifecycle", "eksa_update_secrets")
eksa_workflow_event = lazy_hook(__name__, ".lifecycle", "eksa_workflow_event")
eksa_cleanup_machines = lazy_hook(__name__, ".machines", "eksa_cleanup_machines")
eksa_machine_configs = lazy_hook(__name__, ".machines", "eksa_machine_configs")
eksa_needs_new_machine_templates = lazy_hook(__name__, ".machines", "eksa_needs_new_machine_templates")
eksa_generate_cluster_config = lazy_hook(__name__, ".provider", "eksa_generate_cluster_config")
eksa_bootstrap_options = lazy_hook(__name__, ".templates", "eksa_bootstrap_options")
eksa_env_map = lazy_hook(__name__, ".templates", "eksa_env_map")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_secrets = lazy_hook(__name__, ".templates", "eksa_generate_secrets")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_set_defaults = lazy_hook(__name__, ".validate", "eksa_set_defaults")
eksa_setup_and_validate_create = lazy_hook(__name__, ".validate", "eksa_setup_and_validate_create")
eksa_setup_and_validate_delete = lazy_hook(__name__, ".validate", "eksa_setup_and_validate_delete")
eksa_setup_and_validate_upgrade = lazy_hook(__name__, ".validate", "eksa_setup_and_validate_upgrade")
eksa_validate_config = lazy_hook(__name__, ".validate", "eksa_validate_config")
eksa_validate_new_spec = lazy_hook(__name__, ".validate", "eksa_validate_new_spec")

__all__ = [
    "eksa_bootstrap_options",
    "eksa_cleanup_machines",
    "eksa_collect_diagnostics",
    "eksa_delete_resources",
    "eksa_env_map",
    "eksa_generate_cluster_config",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_install_custom_components",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "eksa_post_bootstrap_setup",
    "eksa_post_cluster_delete",
    "eksa_post_move",
    "eksa_post_workload_init",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_pre_core_components_upgrade",
    "eksa_pre_delete",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_delete",
    "eksa_setup_and_validate_upgrade",
    "eksa_update_secrets",
    "eksa_validate_config",
    "eksa_validate_new_spec",
    "eksa_workflow_event",
]
