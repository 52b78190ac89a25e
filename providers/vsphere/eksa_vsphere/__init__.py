"""eksa vSphere provider: clusters on VMware vSphere through Cluster API Provider vSphere (CAPV).

The plugin registered in the ``eksa.providers`` entry-point group is :mod:`eksa_vsphere.plugin`; the kinds are in
:mod:`eksa_vsphere.models`.
"""

from __future__ import annotations

import importlib.metadata

try:
    __version__ = importlib.metadata.version("eksa-provider-vsphere")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
