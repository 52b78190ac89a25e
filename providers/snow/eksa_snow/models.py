"""The AWS Snow kinds: ``SnowDatacenterConfig``, ``SnowMachineConfig`` and ``SnowIPPool``."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models.base import DatacenterConfigObject, EksaObject, MachineConfigObject, Ref
from eksa_core.models.hostos import HostOSConfiguration
from eksa_core.provider import field

__all__ = [
    "ALL_KINDS",
    "DATACENTER_KIND",
    "IP_POOL_KIND",
    "MACHINE_KIND",
    "IPPool",
    "SnowDatacenterConfig",
    "SnowDatacenterConfigSpec",
    "SnowDirectNetworkInterface",
    "SnowIPPool",
    "SnowIPPoolSpec",
    "SnowMachineConfig",
    "SnowMachineConfigSpec",
    "SnowNetwork",
    "Volume",
]

DATACENTER_KIND = "SnowDatacenterConfig"
MACHINE_KIND = "SnowMachineConfig"
IP_POOL_KIND = "SnowIPPool"


@attrs.define
class SnowDatacenterConfigSpec:
    """``SnowDatacenterConfig.spec``: ``identityRef`` names the Secret holding the devices' credentials."""

    identity_ref: Ref | None = field()


@attrs.define(kw_only=True)
class SnowDatacenterConfig(DatacenterConfigObject):
    """The Snow devices a cluster runs on are reached with the credentials ``identityRef`` names."""

    KIND: ClassVar[str] = DATACENTER_KIND
    spec: SnowDatacenterConfigSpec = field(factory=SnowDatacenterConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class Volume:
    """An EBS-like Snow volume: ``size`` in GiB, optional ``deviceName`` and ``type`` (``sbp1``/``sbg1``)."""

    device_name: str | None = field()
    size: int | None = field()
    type: str | None = field()


@attrs.define
class SnowDirectNetworkInterface:
    """A direct network interface (DNI) of a Snow instance: DHCP or an address from a ``SnowIPPool``."""

    index: int | None = field()
    vlan_id: int | None = field(wire="vlanID")
    dhcp: bool | None = field(wire="dhcp")
    ip_pool_ref: Ref | None = field(wire="ipPoolRef")
    primary: bool | None = field()


@attrs.define
class SnowNetwork:
    """``spec.network`` of a Snow machine config."""

    direct_network_interfaces: list[SnowDirectNetworkInterface] | None = field()


@attrs.define
class SnowMachineConfigSpec:
    """``SnowMachineConfig.spec``."""

    ami_id: str | None = field(wire="amiID")
    instance_type: str | None = field()
    physical_network_connector: str | None = field()
    ssh_key_name: str | None = field()
    devices: list[str] | None = field()
    containers_volume: Volume | None = field()
    non_root_volumes: list[Volume] | None = field()
    os_family: str | None = field()
    network: SnowNetwork | None = field()
    host_os_configuration: HostOSConfiguration | None = field(wire="hostOSConfiguration")


@attrs.define(kw_only=True)
class SnowMachineConfig(MachineConfigObject):
    """The instances of a machine group: AMI, instance type, devices, volumes and network interfaces."""

    KIND: ClassVar[str] = MACHINE_KIND
    spec: SnowMachineConfigSpec = field(factory=SnowMachineConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class IPPool:
    """A range of static addresses (``ipStart``..``ipEnd`` inside ``subnet``) and its gateway."""

    ip_start: str | None = field(wire="ipStart")
    ip_end: str | None = field(wire="ipEnd")
    subnet: str | None = field()
    gateway: str | None = field()


@attrs.define
class SnowIPPoolSpec:
    """``SnowIPPool.spec``."""

    pools: list[IPPool] | None = field()


@attrs.define(kw_only=True)
class SnowIPPool(EksaObject):
    """Static IP ranges that direct network interfaces take addresses from (``ipPoolRef``)."""

    KIND: ClassVar[str] = IP_POOL_KIND
    spec: SnowIPPoolSpec = field(factory=SnowIPPoolSpec)
    status: dict[str, Any] | None = field()


ALL_KINDS: tuple[type[EksaObject], ...] = (SnowDatacenterConfig, SnowMachineConfig, SnowIPPool)
"""Every kind the provider registers."""
