"""The CloudStack provider plugin (entry point ``cloudstack`` in ``eksa.providers``).

Clusters on Apache CloudStack through CAPC: kinds ``CloudStackDatacenterConfig`` (availability zones; the legacy
zone fields are converted by the defaults) and ``CloudStackMachineConfig``, their static validation and
immutability rules, the base64 INI credentials of ``EKSA_CLOUDSTACK_B64ENCODED_SECRET`` and the per-profile
Secrets, the CAPC manifests (control plane and workers), the clusterctl environment and infrastructure bundle, the
bootstrap cluster's proxy settings, the live checks of the setup hooks against CloudStack's signed HTTP API (zones,
domains, accounts, networks, templates, offerings, affinity groups, endpoint uniqueness), the cleanup of a deleted
cluster's VMs, ``generate clusterconfig`` and the ``credentials-ini`` /
``render-credentials-secrets`` conformance cases. This module only gathers the hook implementations.
"""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import eksa_generate_cluster_config, eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_conformance_case = lazy_hook(__name__, ".conformance", "eksa_conformance_case")
eksa_cleanup_machines = lazy_hook(__name__, ".machines", "eksa_cleanup_machines")
eksa_bootstrap_options = lazy_hook(__name__, ".templates", "eksa_bootstrap_options")
eksa_env_map = lazy_hook(__name__, ".templates", "eksa_env_map")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_secrets = lazy_hook(__name__, ".templates", "eksa_generate_secrets")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_pre_capi_install_on_bootstrap = lazy_hook(__name__, ".templates", "eksa_pre_capi_install_on_bootstrap")
eksa_update_secrets = lazy_hook(__name__, ".templates", "eksa_update_secrets")
eksa_set_defaults = lazy_hook(__name__, ".validation", "eksa_set_defaults")
eksa_setup_and_validate_create = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_create")
eksa_setup_and_validate_delete = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_delete")
eksa_setup_and_validate_upgrade = lazy_hook(__name__, ".validation", "eksa_setup_and_validate_upgrade")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")
eksa_validate_new_spec = lazy_hook(__name__, ".validation", "eksa_validate_new_spec")

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
