"""The plugin module of the ``eksa.providers`` entry point: every hook implementation of the provider, gathered
from the modules that mirror the contract's phases."""

from __future__ import annotations

from .machines import eksa_machine_configs, eksa_needs_new_machine_templates
from .provider import eksa_provider
from .templates import (
    eksa_env_map,
    eksa_generate_control_plane,
    eksa_generate_secrets,
    eksa_generate_workers,
    eksa_infrastructure_bundle,
)
from .validation import eksa_set_defaults, eksa_validate_config

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
