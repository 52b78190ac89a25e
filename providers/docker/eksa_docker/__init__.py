"""eksa provider for Docker (CAPD): clusters whose nodes are containers on the local Docker engine.

Meant for local development and testing only, as in EKS Anywhere. The plugin module registered in the
``eksa.providers`` entry-point group is :mod:`eksa_docker.plugin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import DockerDatacenterConfig, DockerDatacenterConfigSpec

__version__ = "0.1.0"

__all__ = ["DockerDatacenterConfig", "DockerDatacenterConfigSpec", "__version__"]


def __getattr__(name: str) -> Any:
    """The models load on first use: discovering the provider imports none of them."""
    if name in ("DockerDatacenterConfig", "DockerDatacenterConfigSpec"):
        from . import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
