"""eksa: create, upgrade and delete EKS Anywhere clusters through Cluster API, from Python.

The public API most programs need::

    from eksa_core import load_spec_file, SpecErrors

    try:
        config = load_spec_file("mycluster.yaml")      # parse + defaults + validation
    except SpecErrors as errors:
        for e in errors:
            print(e)                                    # file, document, object, field, line: message
"""

from __future__ import annotations

from .defaults import set_defaults
from .errors import EksaError, PluginError, ReleaseError, SpecError, SpecErrors
from .files import write_file_atomic
from .hookspecs import ENTRY_POINT_GROUP, hookimpl
from .loading import load_spec_bytes, load_spec_file, load_spec_text
from .plugins import Plugins, ProviderInfo, default_plugins
from .spec import ClusterConfig, Spec, load_cluster_config, parse_cluster_config
from .validation import validate

__version__ = "0.1.0"

__all__ = [
    "ENTRY_POINT_GROUP",
    "ClusterConfig",
    "EksaError",
    "PluginError",
    "Plugins",
    "ProviderInfo",
    "ReleaseError",
    "Spec",
    "SpecError",
    "SpecErrors",
    "__version__",
    "default_plugins",
    "hookimpl",
    "load_cluster_config",
    "load_spec_bytes",
    "load_spec_file",
    "load_spec_text",
    "parse_cluster_config",
    "set_defaults",
    "validate",
    "write_file_atomic",
]
