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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# The public names load with the module that defines them, on first use (PEP 562): ``import eksa_core`` (and so
# ``eksa --help``, or a plugin importing ``eksa_core.errors``) does not pay for models, validation and loading.
_LAZY = {
    "set_defaults": ".defaults",
    **dict.fromkeys(("EksaError", "PluginError", "ReleaseError", "SpecError", "SpecErrors"), ".errors"),
    "write_file_atomic": ".files",
    **dict.fromkeys(("ENTRY_POINT_GROUP", "hookimpl"), ".hookspecs"),
    **dict.fromkeys(("load_spec_bytes", "load_spec_file", "load_spec_text"), ".loading"),
    **dict.fromkeys(("Plugins", "ProviderInfo", "default_plugins"), ".plugins"),
    **dict.fromkeys(("ClusterConfig", "Spec", "load_cluster_config", "parse_cluster_config"), ".spec"),
    "validate": ".validation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if name.startswith("_"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        try:  # a submodule (``eksa_core.plugins`` after a bare ``import eksa_core``)
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
