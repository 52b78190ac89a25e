"""The vSphere kinds: ``VSphereDatacenterConfig`` (where clusters go: vCenter, datacenter, VM network, failure
domains) and ``VSphereMachineConfig`` (how a group of VMs is built: template, placement, size, OS, users).

Attributes are snake_case; :func:`eksa_core.convert.field` gives the YAML names EKS Anywhere uses (``diskGiB``,
``numCPUs``, ``memoryMiB``, ``hostOSConfiguration``...). ``None`` means "absent from the document".
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models.base import DatacenterConfigObject, MachineConfigObject, UserConfiguration
from eksa_core.models.hostos import HostOSConfiguration
from eksa_core.provider import field

__all__ = [
    "BOTTLEROCKET",
    "CLONE_MODES",
    "FULL_CLONE",
    "LINKED_CLONE",
    "OS_FAMILIES",
    "REDHAT",
    "UBUNTU",
    "FailureDomain",
    "VSphereDatacenterConfig",
    "VSphereDatacenterConfigSpec",
    "VSphereMachineConfig",
    "VSphereMachineConfigSpec",
]

BOTTLEROCKET = "bottlerocket"
UBUNTU = "ubuntu"
REDHAT = "redhat"
OS_FAMILIES: tuple[str, ...] = (BOTTLEROCKET, UBUNTU, REDHAT)
"""The OS families a vSphere machine config may use."""

FULL_CLONE = "fullClone"
LINKED_CLONE = "linkedClone"
CLONE_MODES: tuple[str, ...] = (FULL_CLONE, LINKED_CLONE)
"""The accepted ``cloneMode`` values."""


@attrs.define
class FailureDomain:
    """One entry of ``VSphereDatacenterConfig.spec.failureDomains``: a placement for worker machines."""

    name: str | None = field()
    compute_cluster: str | None = field()
    resource_pool: str | None = field()
    datastore: str | None = field()
    folder: str | None = field()
    network: str | None = field()


@attrs.define
class VSphereDatacenterConfigSpec:
    """``VSphereDatacenterConfig.spec``."""

    datacenter: str | None = field()
    network: str | None = field()
    server: str | None = field()
    thumbprint: str | None = field()
    insecure: bool | None = field()
    failure_domains: list[FailureDomain] | None = field()


@attrs.define(kw_only=True)
class VSphereDatacenterConfig(DatacenterConfigObject):
    """The vCenter, datacenter and VM network a vSphere cluster lives in (selects the vSphere provider)."""

    KIND: ClassVar[str] = "VSphereDatacenterConfig"

    spec: VSphereDatacenterConfigSpec = field(factory=VSphereDatacenterConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class VSphereMachineConfigSpec:
    """``VSphereMachineConfig.spec``."""

    disk_gib: int | None = field(wire="diskGiB")
    datastore: str | None = field()
    folder: str | None = field()
    num_cpus: int | None = field(wire="numCPUs")
    memory_mib: int | None = field(wire="memoryMiB")
    os_family: str | None = field()
    resource_pool: str | None = field()
    storage_policy_name: str | None = field()
    networks: list[str] | None = field()
    template: str | None = field()
    users: list[UserConfiguration] | None = field()
    tags: list[str] | None = field(doc="vCenter tag IDs (URNs) attached to the VMs", aliases=("tagIDs",))
    clone_mode: str | None = field()
    host_os_configuration: HostOSConfiguration | None = field(wire="hostOSConfiguration")


@attrs.define(kw_only=True)
class VSphereMachineConfig(MachineConfigObject):
    """How the VMs of a machine group (control plane, etcd or a worker group) are built."""

    KIND: ClassVar[str] = "VSphereMachineConfig"

    spec: VSphereMachineConfigSpec = field(factory=VSphereMachineConfigSpec)
    status: dict[str, Any] | None = field()
