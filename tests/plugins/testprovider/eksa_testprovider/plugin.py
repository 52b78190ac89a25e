"""The test provider plugin (entry point ``testprovider`` of group ``eksa.providers``).

A provider for eksa's own tests: it talks to no infrastructure, renders real-looking Cluster API objects and
records every hook call (:mod:`.recorder`). Hook implementations live in :mod:`.provider`, :mod:`.validate`,
:mod:`.templates`, :mod:`.machines` and :mod:`.lifecycle`; this module gathers them for pluggy.
"""

from __future__ import annotations

from .lifecycle import (
    eksa_collect_diagnostics,
    eksa_delete_resources,
    eksa_install_custom_components,
    eksa_post_bootstrap_setup,
    eksa_post_cluster_delete,
    eksa_post_move,
    eksa_post_workload_init,
    eksa_pre_capi_install_on_bootstrap,
    eksa_pre_core_components_upgrade,
    eksa_pre_delete,
    eksa_update_secrets,
    eksa_workflow_event,
)
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
