"""The Docker provider plugin (entry point ``docker`` of group ``eksa.providers``).

Docker (Cluster API provider CAPD) runs every node of a cluster as a container on the local Docker engine. It
is meant for local development and testing only. This module only gathers the hook implementations so pluggy
finds them on one object:

* :mod:`.provider` – identity (``eksa_provider``) and ``eksa generate clusterconfig`` documents;
* :mod:`.validate` – static rules and the Docker engine checks run before create;
* :mod:`.machines` – removal of the cluster's leftover node containers after delete;
* :mod:`.templates` – CAPD manifests (control plane, workers, infrastructure bundle, bootstrap options);
* :mod:`.lifecycle` – kubeconfig server rewrite to the load balancer's host port.
"""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import eksa_generate_cluster_config, eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_update_kubeconfig = lazy_hook(__name__, ".lifecycle", "eksa_update_kubeconfig")
eksa_cleanup_machines = lazy_hook(__name__, ".machines", "eksa_cleanup_machines")
eksa_machine_configs = lazy_hook(__name__, ".machines", "eksa_machine_configs")
eksa_bootstrap_options = lazy_hook(__name__, ".templates", "eksa_bootstrap_options")
eksa_env_map = lazy_hook(__name__, ".templates", "eksa_env_map")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_secrets = lazy_hook(__name__, ".templates", "eksa_generate_secrets")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_setup_and_validate_create = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_create")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")

__all__ = [
    "eksa_bootstrap_options",
    "eksa_cleanup_machines",
    "eksa_env_map",
    "eksa_generate_cluster_config",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_machine_configs",
    "eksa_provider",
    "eksa_setup_and_validate_create",
    "eksa_update_kubeconfig",
    "eksa_validate_config",
]
