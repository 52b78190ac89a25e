"""Snow device credentials: the AWS-style credentials file and the CA bundles file named by
``EKSA_AWS_CREDENTIALS_FILE`` / ``EKSA_AWS_CA_BUNDLES_FILE``.

Every profile of the credentials file whose name is an IP address is a Snow device
(``[192.168.1.10]`` with ``aws_access_key_id``, ``aws_secret_access_key``, ``region``). The two files go, base64
encoded, into the EKS Anywhere credentials Secret (name from the datacenter's ``identityRef``) and into the
clusterctl environment (``AWS_B64ENCODED_CREDENTIALS``, ``AWS_B64ENCODED_CA_BUNDLES``).

Keys never appear in ``repr``, errors or logs.
"""

from __future__ import annotations

import base64
import configparser
import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from eksa_core.errors import ErrorCode, SpecError

from .models import SnowDatacenterConfig

__all__ = [
    "CA_BUNDLES_ENV",
    "CREDENTIALS_ENV",
    "DEFAULT_REGION",
    "DEVICE_API_PORT",
    "EC2_API_PORT",
    "DeviceCredentials",
    "SnowCredentials",
    "credentials_secret",
    "device_endpoints",
    "env_map",
    "parse_credentials",
    "read_credentials",
]

CREDENTIALS_ENV = "EKSA_AWS_CREDENTIALS_FILE"
CA_BUNDLES_ENV = "EKSA_AWS_CA_BUNDLES_FILE"
DEFAULT_REGION = "snow"
"""The signing region of Snow device APIs."""
EC2_API_PORT = 8243
DEVICE_API_PORT = 9092


@attrs.frozen
class DeviceCredentials:
    """The credentials of one Snow device (its profile in the credentials file)."""

    device: str
    access_key_id: str = attrs.field(repr=False)
    secret_access_key: str = attrs.field(repr=False)
    region: str = DEFAULT_REGION


@attrs.frozen
class SnowCredentials:
    """The credentials and CA bundles files' bytes, and the devices found in them."""

    credentials: bytes = attrs.field(repr=False)
    ca_bundles: bytes = attrs.field(repr=False)
    devices: Mapping[str, DeviceCredentials] = attrs.field(repr=False, factory=dict)
    credentials_file: str = ""
    ca_bundles_file: str = ""

    @property
    def device_ips(self) -> list[str]:
        """The device IPs, in file order."""
        return list(self.devices)

    def for_device(self, ip: str) -> DeviceCredentials:
        """The credentials of device ``ip`` (EKS Anywhere's "credentials not found for device [<ip>]")."""
        try:
            return self.devices[ip]
        except KeyError:
            raise SpecError(f"credentials not found for device [{ip}]", code=ErrorCode.FILE) from None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def parse_credentials(content: str | bytes, *, region: str = DEFAULT_REGION) -> dict[str, DeviceCredentials]:
    """The device profiles of an AWS credentials file (profiles whose name is an IP address).

    :param region: region of profiles that do not set one.
    Raises :class:`SpecError` "no ip address profile found in content" when there is none.
    """
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    parser = configparser.ConfigParser(interpolation=None, default_section="\x00default")
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise SpecError(f"parsing aws credentials content: {exc.__class__.__name__}", code=ErrorCode.FILE) from None
    devices: dict[str, DeviceCredentials] = {}
    for section in parser.sections():
        name = section.removeprefix("profile ").strip()
        if not _is_ip(name):
            continue
        profile = parser[section]
        devices[name] = DeviceCredentials(
            device=name,
            access_key_id=profile.get("aws_access_key_id", "").strip(),
            secret_access_key=profile.get("aws_secret_access_key", "").strip(),
            region=profile.get("region", "").strip() or region,
        )
    if not devices:
        raise SpecError("no ip address profile found in content", code=ErrorCode.FILE)
    return devices


def _read_env_file(env: Mapping[str, str], key: str) -> tuple[str, bytes]:
    path = env.get(key, "")
    if not path:
        raise SpecError(f"env '{key}' is not set or is empty", code=ErrorCode.FILE)
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"file '{path}' does not exist", code=ErrorCode.FILE)
    return path, p.read_bytes()


def read_credentials(env: Mapping[str, str] | None = None, *, region: str = DEFAULT_REGION) -> SnowCredentials:
    """Read the files named by ``EKSA_AWS_CREDENTIALS_FILE`` and ``EKSA_AWS_CA_BUNDLES_FILE`` in ``env``
    (default: none; hooks pass ``context.env``) and find the devices of the credentials file."""
    environ: Mapping[str, str] = {} if env is None else env
    creds_path, creds = _read_env_file(environ, CREDENTIALS_ENV)
    ca_path, ca = _read_env_file(environ, CA_BUNDLES_ENV)
    devices = parse_credentials(creds, region=region)
    return SnowCredentials(creds, ca, devices, creds_path, ca_path)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def credentials_secret(datacenter: SnowDatacenterConfig, creds: SnowCredentials) -> dict[str, Any]:
    """EKS Anywhere's Snow credentials Secret: name from ``identityRef``, namespace of the datacenter, data
    ``credentials`` / ``ca-bundle`` = the base64 text of each file (so the serialised values are base64 of
    that text)."""
    ref = datacenter.spec.identity_ref
    name = (ref.name if ref else None) or f"{datacenter.name}-snow-credentials"
    text_values = {"credentials": _b64(creds.credentials), "ca-bundle": _b64(creds.ca_bundles)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": datacenter.namespace or "default"},
        "type": "Opaque",
        "data": {key: _b64(value.encode()) for key, value in text_values.items()},
    }


def env_map(creds: SnowCredentials) -> dict[str, str]:
    """The clusterctl environment of the Snow infrastructure provider's credentials."""
    return {
        "AWS_B64ENCODED_CREDENTIALS": _b64(creds.credentials),
        "AWS_B64ENCODED_CA_BUNDLES": _b64(creds.ca_bundles),
    }


def device_endpoints(ip: str) -> dict[str, str]:
    """The API endpoints of a Snow device: EC2-compatible (``ec2``) and Snowball device management
    (``snowballdevice``)."""
    host = f"[{ip}]" if ":" in ip else ip
    return {"ec2": f"https://{host}:{EC2_API_PORT}", "snowballdevice": f"https://{host}:{DEVICE_API_PORT}"}
