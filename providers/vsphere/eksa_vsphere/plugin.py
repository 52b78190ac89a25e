"""The eksa vSphere provider plugin (entry point ``vsphere`` of the ``eksa.providers`` group).

Clusters on VMware vSphere through Cluster API Provider vSphere: kinds ``VSphereDatacenterConfig`` and
``VSphereMachineConfig``, their defaults and static validation, live checks against vCenter before create and
upgrade, CAPI manifests, machine-template roll decisions, VM cleanup and the credentials secrets. This module
only gathers the hook implementations so that pluggy finds them on one object.
"""

from __future__ import annotations

from .provider import eksa_generate_cluster_config, eksa_provider

__all__ = [
    "eksa_generate_cluster_config",
    "eksa_provider",
]
