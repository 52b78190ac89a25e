"""The CloudStack kinds ``CloudStackDatacenterConfig`` and ``CloudStackMachineConfig`` (``anywhere.eks.amazonaws.com``).

``CloudStackDatacenterConfig`` has two forms: ``availabilityZones`` (current) and the legacy top-level
``domain`` / ``zones`` / ``account`` / ``managementApiEndpoint``, which the defaults convert into availability zones
``default-az-<i>`` with ``credentialsRef: global``. Every attribute defaults to ``None`` = absent from the document.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models.base import DatacenterConfigObject, MachineConfigObject, UserConfiguration
from eksa_core.provider import field

__all__ = [
    "AFFINITY_TYPES",
    "DEFAULT_CREDENTIALS_REF",
    "DEFAULT_USER",
    "CloudStackAvailabilityZone",
    "CloudStackDatacenterConfig",
    "CloudStackDatacenterConfigSpec",
    "CloudStackMachineConfig",
    "CloudStackMachineConfigSpec",
    "CloudStackResourceDiskOffering",
    "CloudStackResourceIdentifier",
    "CloudStackZone",
]

DEFAULT_USER = "capc"
DEFAULT_CREDENTIALS_REF = "global"
"""Credentials profile of availability zones converted from the legacy form."""

AFFINITY_TYPES = ("pro", "anti", "no")


@attrs.define
class CloudStackResourceIdentifier:
    """A CloudStack object by ``id`` or ``name`` (``{}`` when neither is given)."""

    id: str | None = field()
    name: str | None = field()

    def is_empty(self) -> bool:
        """Neither id nor name."""
        return not self.id and not self.name


@attrs.define
class CloudStackZone:
    """A CloudStack zone and the network the machines use in it."""

    id: str | None = field()
    name: str | None = field()
    network: CloudStackResourceIdentifier | None = field()


@attrs.define
class CloudStackAvailabilityZone:
    """One availability zone: a zone of one CloudStack endpoint, with the credentials profile that reaches it."""

    name: str | None = field()
    credentials_ref: str | None = field()
    zone: CloudStackZone | None = field()
    domain: str | None = field()
    account: str | None = field()
    management_api_endpoint: str | None = field()


@attrs.define
class CloudStackDatacenterConfigSpec:
    """``CloudStackDatacenterConfig.spec``."""

    domain: str | None = field(doc="deprecated: use availabilityZones")
    zones: list[CloudStackZone] | None = field(doc="deprecated: use availabilityZones")
    account: str | None = field(doc="deprecated: use availabilityZones")
    management_api_endpoint: str | None = field(doc="deprecated: use availabilityZones")
    availability_zones: list[CloudStackAvailabilityZone] | None = field()


@attrs.define(kw_only=True)
class CloudStackDatacenterConfig(DatacenterConfigObject):
    """Where a CloudStack cluster lives: its availability zones."""

    KIND: ClassVar[str] = "CloudStackDatacenterConfig"

    spec: CloudStackDatacenterConfigSpec = field(factory=CloudStackDatacenterConfigSpec)
    status: dict[str, Any] | None = field()

    def availability_zones(self) -> list[CloudStackAvailabilityZone]:
        """The availability zones (empty list when none)."""
        return list(self.spec.availability_zones or [])


@attrs.define
class CloudStackResourceDiskOffering:
    """An extra data disk: the offering, its size when custom, and where it is mounted."""

    id: str | None = field()
    name: str | None = field()
    custom_size_in_gb: int | None = field(wire="customSizeInGB")
    mount_path: str | None = field()
    device: str | None = field()
    filesystem: str | None = field()
    label: str | None = field()


@attrs.define
class CloudStackMachineConfigSpec:
    """``CloudStackMachineConfig.spec``."""

    template: CloudStackResourceIdentifier | None = field()
    compute_offering: CloudStackResourceIdentifier | None = field()
    disk_offering: CloudStackResourceDiskOffering | None = field()
    users: list[UserConfiguration] | None = field()
    affinity: str | None = field(doc="pro, anti or no")
    affinity_group_ids: list[str] | None = field()
    user_custom_details: dict[str, str] | None = field()
    symlinks: dict[str, str] | None = field()


@attrs.define(kw_only=True)
class CloudStackMachineConfig(MachineConfigObject):
    """The VMs of one machine group on CloudStack."""

    KIND: ClassVar[str] = "CloudStackMachineConfig"

    spec: CloudStackMachineConfigSpec = field(factory=CloudStackMachineConfigSpec)
    status: dict[str, Any] | None = field()

    def os_family(self) -> str:
        """CloudStack machines run Red Hat Enterprise Linux images (EKS-A supports no other OS there)."""
        return "redhat"
