"""The Nutanix provider plugin (entry point ``nutanix`` in ``eksa.providers``).

Clusters on Nutanix AHV through CAPX, managed by Prism Central: kinds ``NutanixDatacenterConfig`` and
``NutanixMachineConfig``, their defaults and static validation, Prism Central (v3 API) validation before create
and upgrade, the CAPX manifests (control plane, workers, credentials Secrets), the clusterctl environment and
infrastructure bundle, ``generate clusterconfig`` and the ``validate-datacenter`` / ``render-secret`` conformance
cases. This module only gathers the hook implementations so pluggy finds them in one place.
"""

from __future__ import annotations

from .conformance import eksa_conformance_case
from .lifecycle import eksa_pre_capi_install_on_bootstrap, eksa_update_secrets
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
)

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
