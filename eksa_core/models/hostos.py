"""``hostOSConfiguration`` of machine configs (vSphere, Tinkerbell, Nutanix, Snow...): NTP servers, Bottlerocket
settings and extra CA certificate bundles for the node OS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..convert import field

if TYPE_CHECKING:
    from ..errors import SpecError

__all__ = [
    "BottlerocketBootSettings",
    "BottlerocketConfiguration",
    "BottlerocketKernelSettings",
    "CertBundle",
    "HostOSConfiguration",
    "NTPConfiguration",
    "validate_host_os_configuration",
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


def _ntp_server_ok(server: str) -> bool:
    """Whether an NTP server is a host (name or IP, optional port) or a URL with a host."""
    from ..netutil import parse_request_uri

    candidate = server if "://" in server else f"udp://{server}"
    if ":" in server and "://" not in server:
        import ipaddress

        try:
            ipaddress.ip_address(server)
            candidate = f"udp://[{server}]"
        except ValueError:
            pass
    try:
        scheme, host, _ = parse_request_uri(candidate)
    except ValueError:
        return False
    return bool(scheme) and bool(host)


def _cert_bundle_error(data: str) -> str | None:
    import base64
    import re

    blocks = re.findall(r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", data or "", re.S)
    if not blocks:
        return "failed to parse certificate PEM"
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography ships with the kubernetes client's dependencies
        return None
    for _, body in blocks:
        try:
            x509.load_der_x509_certificate(base64.b64decode("".join(body.split())))
        except ValueError as exc:
            return f"failed to parse certificate: {exc}"
    return None


def validate_host_os_configuration(config: HostOSConfiguration | None, os_family: str, *,
                                   field: str = "spec.hostOSConfiguration") -> list[SpecError]:
    """EKS Anywhere's checks of a machine config's ``hostOSConfiguration`` for a machine of ``os_family``.

    Returns at most one :class:`~eksa_core.errors.SpecError` (EKS Anywhere stops at the first problem) with a
    bare message such as ``ntp servers [x] is not valid``; providers prefix it with their kind's wording
    ("HostOSConfiguration is invalid for VSphereMachineConfig <name>: ..."). ``field`` is the wire path of the
    block and prefixes the error's field.
    """
    from ..errors import SpecError

    def err(message: str, sub: str) -> list[SpecError]:
        return [SpecError(message, field=f"{field}.{sub}" if sub else field)]

    if config is None:
        return []
    ntp = config.ntp_configuration
    if ntp is not None:
        if not ntp.servers:
            return err("NTPConfiguration.Servers can not be empty", "ntpConfiguration.servers")
        invalid = [s for s in ntp.servers if not _ntp_server_ok(s)]
        if invalid:
            return err(f"ntp servers [{', '.join(invalid)}] is not valid", "ntpConfiguration.servers")
    for i, bundle in enumerate(config.cert_bundles or []):
        if os_family != "bottlerocket":
            return err('CertBundles can only be used with osFamily: "bottlerocket"', f"certBundles[{i}]")
        if not bundle.name:
            return err("certBundles name cannot be empty", f"certBundles[{i}].name")
        problem = _cert_bundle_error(bundle.data or "")
        if problem:
            return err(problem, f"certBundles[{i}].data")
    br = config.bottlerocket_configuration
    if br is None:
        return []
    if os_family != "bottlerocket":
        return err('BottlerocketConfiguration can only be used with osFamily: "bottlerocket"',
                   "bottlerocketConfiguration")
    kube = br.kubernetes or {}
    for value in kube.get("allowedUnsafeSysctls") or []:
        if value == "":
            return err('BottlerocketConfiguration.Kubernetes.AllowedUnsafeSysctls can not have an empty string ("")',
                       "bottlerocketConfiguration.kubernetes.allowedUnsafeSysctls")
    for ip in kube.get("clusterDNSIPs") or []:
        import ipaddress

        try:
            ipaddress.ip_address(str(ip))
        except ValueError:
            return err(f"IP address [{ip}] in BottlerocketConfiguration.Kubernetes.ClusterDNSIPs is not a valid IP",
                       "bottlerocketConfiguration.kubernetes.clusterDNSIPs")
    max_pods = kube.get("maxPods")
    if isinstance(max_pods, int) and max_pods < 0:
        return err("BottlerocketConfiguration.Kubernetes.MaxPods can not be negative",
                   "bottlerocketConfiguration.kubernetes.maxPods")
    if br.kernel is not None and "" in (br.kernel.sysctl_settings or {}):
        return err("sysctlSettings key cannot be empty", "bottlerocketConfiguration.kernel.sysctlSettings")
    if br.boot is not None and "" in (br.boot.boot_kernel_parameters or {}):
        return err("bootKernelParameters key cannot be empty", "bottlerocketConfiguration.boot.bootKernelParameters")
    return []
