"""The in-memory provider plugin (entry point ``inmemory`` of group ``eksa.providers``).

Clusters on Cluster API's in-memory backend (CAPD ``DevCluster`` / ``DevMachine`` with ``backend.inMemory``): no
machines exist, CAPD simulates them. For local development and tests only. This module gathers the hooks:

* :mod:`.provider` - identity, ``eksa generate clusterconfig`` documents, machine configs (none), deployments;
* :mod:`.validate` - static rules (no endpoint, stacked etcd only, durations);
* :mod:`.templates` - DevCluster / DevMachineTemplate and kubeadm manifests, infrastructure bundle.
"""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import eksa_generate_cluster_config, eksa_machine_configs, eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_env_map = lazy_hook(__name__, ".templates", "eksa_env_map")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_secrets = lazy_hook(__name__, ".templates", "eksa_generate_secrets")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_needs_new_machine_templates = lazy_hook(__name__, ".templates", "eksa_needs_new_machine_templates")
eksa_setup_and_validate_create = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_create")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")

__all__ = [
    "eksa_env_map",
    "eksa_generate_cluster_config",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "eksa_provider",
    "eksa_setup_and_validate_create",
    "eksa_validate_config",
]
