"""eksa provider for Docker (CAPD): clusters whose nodes are containers on the local Docker engine.

Meant for local development and testing only, as in EKS Anywhere. The plugin module registered in the
``eksa.providers`` entry-point group is :mod:`eksa_docker.plugin`.
"""

from __future__ import annotations

from .models import DockerDatacenterConfig, DockerDatacenterConfigSpec

__version__ = "0.1.0"

__all__ = ["DockerDatacenterConfig", "DockerDatacenterConfigSpec", "__version__"]
