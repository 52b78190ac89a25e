"""Defaults and static validation of AWS Snow specs, with EKS Anywhere's messages.

Defaults: the datacenter's ``identityRef`` (kind ``Secret``, name ``<datacenter>-snow-credentials``); machine
configs' ``instanceType`` (``sbe-c.large``) and ``physicalNetworkConnector`` (``SFP_PLUS``).

Static checks: the datacenter's identity reference; every machine config (instance type, connector, devices,
OS family, direct network interfaces with exactly one primary, containers volume sizes, host OS configuration,
non-root volumes) and the IP pools its interfaces reference; every ``SnowIPPool`` (addresses, start < end, both
inside the subnet); machine config references of the cluster; and the Snow networking rule: the control plane
endpoint must be an IP outside the pod and service CIDR blocks.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from eksa_core import hookimpl
from eksa_core.errors import SpecError
from eksa_core.models.base import Ref
from eksa_core.models.cluster import Cluster
from eksa_core.models.hostos import validate_host_os_configuration
from eksa_core.provider import parse_cidr

from .models import (
    DATACENTER_KIND,
    IP_POOL_KIND,
    MACHINE_KIND,
    SnowDatacenterConfig,
    SnowIPPool,
    SnowMachineConfig,
)

__all__ = [
    "CONNECTORS",
    "DEFAULT_INSTANCE_TYPE",
    "DEFAULT_PHYSICAL_NETWORK_CONNECTOR",
    "cluster_spec_errors",
    "datacenter_errors",
    "eksa_set_defaults",
    "eksa_validate_config",
    "endpoint_errors",
    "ip_pool_errors",
    "machine_config_errors",
    "set_datacenter_defaults",
    "set_machine_config_defaults",
]

DEFAULT_INSTANCE_TYPE = "sbe-c.large"
DEFAULT_PHYSICAL_NETWORK_CONNECTOR = "SFP_PLUS"
CONNECTORS = ("SFP_PLUS", "QSFP", "RJ45")
OS_FAMILIES = ("bottlerocket", "ubuntu")
MIN_CONTAINERS_VOLUME_UBUNTU = 8
MIN_CONTAINERS_VOLUME_BOTTLEROCKET = 25
MIN_NON_ROOT_VOLUME = 8
_INSTANCE_TYPE = re.compile(r"^sbe-[cg]\.\d*x?large$")


def _err(message: str, obj: Any = None, field: str | None = None) -> SpecError:
    return SpecError(message, kind=getattr(obj, "kind", None), name=getattr(obj, "name", None), field=field)


# ---------------------------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------------------------


def set_datacenter_defaults(dc: SnowDatacenterConfig) -> None:
    """``identityRef`` defaults to the Secret ``<datacenter name>-snow-credentials``."""
    ref = dc.spec.identity_ref or Ref()
    if not ref.name:
        ref.name = f"{dc.name}-snow-credentials"
    if not ref.kind:
        ref.kind = "Secret"
    dc.spec.identity_ref = ref


def set_machine_config_defaults(mc: SnowMachineConfig) -> None:
    """``instanceType`` defaults to ``sbe-c.large``, ``physicalNetworkConnector`` to ``SFP_PLUS``."""
    if not mc.spec.instance_type:
        mc.spec.instance_type = DEFAULT_INSTANCE_TYPE
    if not mc.spec.physical_network_connector:
        mc.spec.physical_network_connector = DEFAULT_PHYSICAL_NETWORK_CONNECTOR


@hookimpl
def eksa_set_defaults(config: Any) -> None:
    """Default the Snow datacenter and machine configs of ``config``."""
    for dc in config.of_kind(DATACENTER_KIND):
        set_datacenter_defaults(dc)
    for mc in config.of_kind(MACHINE_KIND):
        set_machine_config_defaults(mc)


# ---------------------------------------------------------------------------------------------------------------
# Objects
# ---------------------------------------------------------------------------------------------------------------


def datacenter_errors(dc: SnowDatacenterConfig) -> list[SpecError]:
    """The identity reference must name a Secret."""
    ref = dc.spec.identity_ref
    if ref is None or not ref.name:
        return [_err("SnowDatacenterConfig IdentityRef name must not be empty", dc, "spec.identityRef.name")]
    if not ref.kind:
        return [_err("SnowDatacenterConfig IdentityRef kind must not be empty", dc, "spec.identityRef.kind")]
    if ref.kind != "Secret":
        return [_err(f"SnowDatacenterConfig IdentityRef kind {ref.kind} is invalid, the only supported kind is "
                     f"Secret", dc, "spec.identityRef.kind")]
    return []


def machine_config_errors(mc: SnowMachineConfig, ip_pools: dict[str, SnowIPPool] | None = None) -> list[SpecError]:
    """Problems of a ``SnowMachineConfig`` (EKS Anywhere stops at the first one; so does this).

    :param ip_pools: the spec's ``SnowIPPool`` objects by name; when given, ``ipPoolRef`` must name one of them.
    """
    spec = mc.spec
    instance_type = spec.instance_type or ""
    if not _INSTANCE_TYPE.match(instance_type):
        return [_err(f"SnowMachineConfig InstanceType {instance_type} is not supported", mc, "spec.instanceType")]
    connector = spec.physical_network_connector or ""
    if connector not in CONNECTORS:
        return [_err(f"SnowMachineConfig PhysicalNetworkConnector {connector} is not supported, please use one of "
                     f"the following: {', '.join(CONNECTORS)} ", mc, "spec.physicalNetworkConnector")]
    if not spec.devices:
        return [_err("SnowMachineConfig Devices must contain at least one device IP", mc, "spec.devices")]
    os_family = spec.os_family or ""
    if not os_family:
        return [_err("SnowMachineConfig OSFamily must be specified", mc, "spec.osFamily")]
    if os_family not in OS_FAMILIES:
        return [_err(f"SnowMachineConfig OSFamily {os_family} is not supported, please use one of the following: "
                     f"bottlerocket, ubuntu", mc, "spec.osFamily")]
    dnis = (spec.network.direct_network_interfaces if spec.network else None) or []
    if not dnis:
        return [_err("SnowMachineConfig Network.DirectNetworkInterfaces length must be no smaller than 1", mc,
                     "spec.network.directNetworkInterfaces")]
    if sum(1 for d in dnis if d.primary) != 1:
        return [_err("SnowMachineConfig Network.DirectNetworkInterfaces list must contain one and only one primary "
                     "DNI", mc, "spec.network.directNetworkInterfaces")]
    if ip_pools is not None:
        for i, dni in enumerate(dnis):
            ref = dni.ip_pool_ref
            if ref is not None and ref.name and ref.name not in ip_pools:
                return [_err(f"SnowIPPool {ref.name} referenced by SnowMachineConfig {mc.name} not found", mc,
                             f"spec.network.directNetworkInterfaces[{i}].ipPoolRef")]
    volume = spec.containers_volume
    if os_family == "bottlerocket":
        if volume is None:
            return [_err("SnowMachineConfig ContainersVolume must be specified for Bottlerocket OS", mc,
                         "spec.containersVolume")]
        if (volume.size or 0) < MIN_CONTAINERS_VOLUME_BOTTLEROCKET:
            return [_err(f"SnowMachineConfig ContainersVolume.Size must be no smaller than "
                         f"{MIN_CONTAINERS_VOLUME_BOTTLEROCKET} Gi for Bottlerocket OS", mc,
                         "spec.containersVolume.size")]
    if os_family == "ubuntu" and volume is not None and (volume.size or 0) < MIN_CONTAINERS_VOLUME_UBUNTU:
        return [_err(f"SnowMachineConfig ContainersVolume.Size must be no smaller than {MIN_CONTAINERS_VOLUME_UBUNTU} "
                     f"Gi for Ubuntu OS", mc, "spec.containersVolume.size")]
    host_os = validate_host_os_configuration(spec.host_os_configuration, os_family)
    if host_os:
        return [_err(f"SnowMachineConfig HostOSConfiguration is invalid: {host_os[0].message}", mc, host_os[0].field)]
    for i, v in enumerate(spec.non_root_volumes or []):
        field = f"spec.nonRootVolumes[{i}]"
        if not v.device_name:
            return [_err(f"SnowMachineConfig NonRootVolumes[{i}].DeviceName must be specified", mc,
                         f"{field}.deviceName")]
        if v.device_name.startswith("/dev/sda"):
            return [_err(f"SnowMachineConfig NonRootVolumes[{i}].DeviceName [{v.device_name}] is invalid. Device "
                         f"name with prefix /dev/sda* is reserved for root volume and containers volume, please use "
                         f"another name", mc, f"{field}.deviceName")]
        if (v.size or 0) < MIN_NON_ROOT_VOLUME:
            return [_err(f"SnowMachineConfig NonRootVolumes[{i}].Size must be no smaller than {MIN_NON_ROOT_VOLUME} "
                         f"Gi", mc, f"{field}.size")]
    return []


def ip_pool_errors(pool: SnowIPPool) -> list[SpecError]:
    """Problems of a ``SnowIPPool``: every pool needs valid ``ipStart`` < ``ipEnd`` inside ``subnet`` and a
    valid ``gateway`` (first problem only, like EKS Anywhere)."""

    def e(message: str, index: int, sub: str) -> list[SpecError]:
        return [_err(f"SnowIPPool Pools[{index}].{message}", pool, f"spec.pools[{index}].{sub}")]

    def ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        try:
            return ipaddress.ip_address(value or "")
        except ValueError:
            return None

    for i, p in enumerate(pool.spec.pools or []):
        if not p.ip_start:
            return e("IPStart can not be empty", i, "ipStart")
        start = ip(p.ip_start)
        if start is None:
            return e("IPStart is invalid", i, "ipStart")
        if not p.ip_end:
            return e("IPEnd can not be empty", i, "ipEnd")
        end = ip(p.ip_end)
        if end is None:
            return e("IPEnd is invalid", i, "ipEnd")
        if not p.gateway:
            return e("Gateway can not be empty", i, "gateway")
        if ip(p.gateway) is None:
            return e("Gateway is invalid", i, "gateway")
        if start.version != end.version or int(start) >= int(end):
            return e("IPStart should be smaller than IPEnd", i, "ipStart")
        if not p.subnet:
            return e("Subnet can not be empty", i, "subnet")
        net = parse_cidr(p.subnet)
        if net is None:
            return e(f"Subnet is invalid: invalid CIDR address: {p.subnet}", i, "subnet")
        if start not in net:
            return e(f"IPStart should be within the subnet range {p.subnet}", i, "ipStart")
        if end not in net:
            return e(f"IPEnd should be within the subnet range {p.subnet}", i, "ipEnd")
    return []


def endpoint_errors(cluster: Cluster) -> list[SpecError]:
    """Snow's networking rule: the control plane endpoint is an IP outside the pod and service CIDR blocks."""
    spec = cluster.spec
    cp = spec.control_plane_configuration
    host = (cp.endpoint.host if cp and cp.endpoint else None) or ""
    if not host:
        return []  # the core reports a missing endpoint
    field = "spec.controlPlaneConfiguration.endpoint.host"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return [_err(f"control plane endpoint {host} is invalid", cluster, field)]
    network = spec.cluster_network
    for label, blocks in (("pods", network.pods if network else None),
                          ("services", network.services if network else None)):
        for cidr in (blocks.cidr_blocks if blocks else None) or []:
            net = parse_cidr(cidr)
            if net is not None and address.version == net.version and address in net:
                return [_err(f"control plane endpoint {host} conflicts with {label} CIDR block {cidr}", cluster,
                             field)]
    return []


def cluster_spec_errors(config: Any) -> list[SpecError]:
    """Every static problem of a Snow spec (see the module docstring)."""
    cluster: Cluster = config.cluster
    out: list[SpecError] = endpoint_errors(cluster)
    dc = config.datacenter()
    if isinstance(dc, SnowDatacenterConfig):
        out += datacenter_errors(dc)
    pools: dict[str, SnowIPPool] = {p.name: p for p in config.of_kind(IP_POOL_KIND)}
    for pool in pools.values():
        out += ip_pool_errors(pool)
    machines: dict[str, SnowMachineConfig] = {m.name: m for m in config.of_kind(MACHINE_KIND)}
    for mc in machines.values():
        out += machine_config_errors(mc, pools)
    spec = cluster.spec
    refs: list[tuple[Any, str, str]] = []
    cp = spec.control_plane_configuration
    if cp is not None and cp.machine_group_ref is not None:
        refs.append((cp.machine_group_ref, "spec.controlPlaneConfiguration.machineGroupRef", "control plane"))
    etcd = spec.external_etcd_configuration
    if etcd is not None and etcd.machine_group_ref is not None:
        refs.append((etcd.machine_group_ref, "spec.externalEtcdConfiguration.machineGroupRef", "etcd"))
    for i, group in enumerate(cluster.worker_groups()):
        if group.machine_group_ref is not None:
            refs.append((group.machine_group_ref, f"spec.workerNodeGroupConfigurations[{i}].machineGroupRef",
                         f"worker node group {group.name or ''}".rstrip()))
    for ref, field, role in refs:
        if ref.name not in machines:
            out.append(_err(f"cannot find SnowMachineConfig {ref.name or ''} for {role}", cluster, field))
    return out


@hookimpl
def eksa_validate_config(config: Any) -> list[SpecError] | None:
    """Static validation of a Snow spec (see :func:`cluster_spec_errors`)."""
    if not config.has_cluster() or config.cluster.datacenter_kind() != DATACENTER_KIND:
        return None
    return cluster_spec_errors(config)


# ---------------------------------------------------------------------------------------------------------------
# Live validation (devices)
# ---------------------------------------------------------------------------------------------------------------


def _is_snow_spec(spec: Any) -> bool:
    return bool(spec.config.has_cluster() and spec.cluster.datacenter_kind() == DATACENTER_KIND)


@hookimpl
def eksa_setup_and_validate_create(spec: Any, context: Any) -> None:
    """Before a create: default SSH keys on the devices and every live device check (see
    :func:`eksa_snow.live.validate_live`)."""
    if not _is_snow_spec(spec):
        return
    from .live import validate_live

    validate_live(spec, context)


@hookimpl
def eksa_setup_and_validate_upgrade(spec: Any, current_spec: Any, context: Any) -> None:
    """Before an upgrade: the same setup and device checks as a create, on the new spec (no control plane IP
    uniqueness check: the cluster owns that IP)."""
    if not _is_snow_spec(spec):
        return
    from .live import validate_live

    validate_live(spec, context, ip_check=False)
