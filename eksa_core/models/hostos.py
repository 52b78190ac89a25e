"""``hostOSConfiguration`` of machine configs (vSphere, Tinkerbell, Nutanix, Snow...): NTP servers, Bottlerocket
settings and extra CA certificate bundles for the node OS."""

from __future__ import annotations

from typing import Any

import attrs

from ..convert import field

__all__ = [
    "BottlerocketBootSettings",
    "BottlerocketConfiguration",
    "BottlerocketKernelSettings",
    "CertBundle",
    "HostOSConfiguration",
    "NTPConfiguration",
]


@attrs.define
class NTPConfiguration:
    """``ntpConfiguration``: the NTP servers the nodes synchronise with."""

    servers: list[str] | None = field()


@attrs.define
class BottlerocketKernelSettings:
    """``bottlerocketConfiguration.kernel``: ``sysctlSettings`` (sysctl key -> value)."""

    sysctl_settings: dict[str, str] | None = field()


@attrs.define
class BottlerocketBootSettings:
    """``bottlerocketConfiguration.boot``: ``bootKernelParameters`` (parameter -> values)."""

    boot_kernel_parameters: dict[str, list[str]] | None = field()


@attrs.define
class BottlerocketConfiguration:
    """``bottlerocketConfiguration``: Bottlerocket ``settings.kubernetes`` (free-form: ``allowedUnsafeSysctls``,
    ``clusterDNSIPs``, ``maxPods``...), kernel sysctls and boot kernel parameters."""

    kubernetes: dict[str, Any] | None = field()
    kernel: BottlerocketKernelSettings | None = field()
    boot: BottlerocketBootSettings | None = field()


@attrs.define
class CertBundle:
    """One extra CA bundle installed on the nodes: a ``name`` and the PEM ``data``."""

    name: str | None = field()
    data: str | None = field()


@attrs.define
class HostOSConfiguration:
    """``hostOSConfiguration`` of a machine config."""

    ntp_configuration: NTPConfiguration | None = field(wire="ntpConfiguration")
    bottlerocket_configuration: BottlerocketConfiguration | None = field()
    cert_bundles: list[CertBundle] | None = field()
