"""The plugin module of the ``eksa.providers`` entry point: every hook implementation of the provider, gathered
from the modules that mirror the contract's phases."""

from __future__ import annotations

from eksa_core.provider import lazy_hook

from .provider import eksa_provider

# the other modules load on the first call of one of their hooks (eksa_core.lazyhooks): discovering the
# installed providers imports only what registration needs
eksa_machine_configs = lazy_hook(__name__, ".machines", "eksa_machine_configs")
eksa_needs_new_machine_templates = lazy_hook(__name__, ".machines", "eksa_needs_new_machine_templates")
eksa_env_map = lazy_hook(__name__, ".templates", "eksa_env_map")
eksa_generate_control_plane = lazy_hook(__name__, ".templates", "eksa_generate_control_plane")
eksa_generate_secrets = lazy_hook(__name__, ".templates", "eksa_generate_secrets")
eksa_generate_workers = lazy_hook(__name__, ".templates", "eksa_generate_workers")
eksa_infrastructure_bundle = lazy_hook(__name__, ".templates", "eksa_infrastructure_bundle")
eksa_set_defaults = lazy_hook(__name__, ".validation", "eksa_set_defaults")
eksa_validate_config = lazy_hook(__name__, ".validation", "eksa_validate_config")

__all__ = [
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_machine_configs",
    "eksa_needs_new_machine_templates",
    "eksa_provider",
    "eksa_set_defaults",
    "eksa_validate_config",
]
