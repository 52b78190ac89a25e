"""eksa vSphere provider: clusters on VMware vSphere through Cluster API Provider vSphere (CAPV).

The plugin registered in the ``eksa.providers`` entry-point group is :mod:`eksa_vsphere.plugin`; the kinds are in
:mod:`eksa_vsphere.models`.
"""

from __future__ import annotations

from eksa_core.provider import installed_version

# "0.0.0" when running from a source tree that is not installed; the version is known without reading the
# package metadata again when eksa found this plugin through its entry point
__version__ = installed_version("eksa-provider-vsphere", "0.0.0")

__all__ = ["__version__"]
