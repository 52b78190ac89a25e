"""The Nutanix provider plugin (entry point ``nutanix`` in ``eksa.providers``).

Clusters on Nutanix AHV through CAPX, managed by Prism Central: kinds ``NutanixDatacenterConfig`` and
``NutanixMachineConfig``, their defaults and static validation, Prism Central (v3 API) validation before create
and upgrade, the CAPX manifests (control plane, workers, credentials Secrets), the clusterctl environment and
infrastructure bundle, ``generate clusterconfig`` and the ``validate-datacenter`` / ``render-secret`` conformance
cases. This module only gathers the hook implementations so pluggy finds them in one place.
"""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import eksa_generate_cluster_config, eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_conformance_case = lazy_hook(__name__, ".conformance", "eksa_conformance_case")
eksa_pre_capi_install_on_bootstrap = lazy_hook(__name__, ".lifecycle", "eksa_pre_capi_install_on_bootstrap")
eksa_update_secrets = lazy_hook(__name__, ".lifecycle", "eksa_update_secrets")
eksa_bootstrap_options = lazy_hook(__name__, ".templates", "eksa_bootstrap_options")
eksa_env_map = lazy_hook(__name__, ".templates", "eksa_env_map")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_secrets = lazy_hook(__name__, ".templates", "eksa_generate_secrets")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_set_defaults = lazy_hook(__name__, ".validation", "eksa_set_defaults")
eksa_setup_and_validate_create = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_create")
eksa_setup_and_validate_delete = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_delete")
eksa_setup_and_validate_upgrade = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_upgrade")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")

__all__ = [
    "eksa_bootstrap_options",
    "eksa_conformance_case",
    "eksa_env_map",
    "eksa_generate_cluster_config",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_delete",
    "eksa_setup_and_validate_upgrade",
    "eksa_update_secrets",
    "eksa_validate_config",
]
