"""Live validation of a Snow spec against its devices (EKS-A's Snow config manager: defaulters and validators).

Per machine config and per device of ``spec.devices``, with one boto3 EC2 client per device built from that
device's profile in the credentials file:

* ``DescribeImages`` — "aws image [<ami>] does not exist";
* ``DescribeKeyPairs`` — "aws key pair [<k>] does not exist on snow device [deviceIP=<ip>]";
* ``DescribeInstanceTypes`` — "the instance type [<t>] is not supported in device [<ip>]" (absent, or fewer than
  2 default vCPUs);
* the Snowball device API (``DescribeDevice`` unlocked, ``DescribeDeviceSoftware`` version ≥ 102), through
  :class:`SnowDeviceAPI` — the signed HTTP implementation is :class:`HttpSnowDeviceAPI`;
* "credentials not found for device [<ip>]" for a device without a profile.

Then, once per spec, the admin instance check: when eksa runs on an EC2 instance of a Snow device (its instance
metadata service answers), its IP must not be the control plane endpoint.

Defaulting that needs the devices: a machine config without ``sshKeyName`` gets ``eksa-default-<cluster>-<uuid>``,
a key generated once (private key written 0600 as ``<cluster dir>/eks-a-id_rsa``, never logged) and imported with
``ImportKeyPair`` on every device of the spec's machine configs.

Every failure is collected and raised as one :class:`~eksa_core.errors.SpecErrors`, each error located at the
machine config field it is about. In a dry run nothing is contacted: the checks are recorded.

Endpoints and region are :class:`SnowSettings` (``context.options["snow"]``): production talks to
``https://<ip>:8243`` (EC2) and ``https://<ip>:9092`` (device API) with signing region ``snow``; tests point them
at local servers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from eksa_core import write_file_atomic
from eksa_core.errors import SpecError, SpecErrors

from .credentials import DEFAULT_REGION, DEVICE_API_PORT, EC2_API_PORT, SnowCredentials, read_credentials
from .models import MACHINE_KIND, SnowMachineConfig

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "DEFAULT_IMDS_ENDPOINT",
    "MIN_SOFTWARE_VERSION",
    "MIN_VCPU",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "DeviceAPIError",
    "DeviceStatus",
    "HttpSnowDeviceAPI",
    "SnowDeviceAPI",
    "SnowLiveValidator",
    "SnowSettings",
    "default_key_name",
    "ensure_default_ssh_keys",
    "spec_machine_configs",
    "validate_control_plane_ip_unique",
    "validate_live",
]

MIN_SOFTWARE_VERSION = 102
MIN_VCPU = 2
DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254"
PRIVATE_KEY_FILE = "eks-a-id_rsa"
PUBLIC_KEY_FILE = "eks-a-id_rsa.pub"
SKIP_IP_CHECK_ANNOTATION = "anywhere.eks.amazonaws.com/skip-ip-check"
_UNLOCKED = "UNLOCKED"


# ---------------------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------------------


def _host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


@attrs.frozen(kw_only=True)
class SnowSettings:
    """Where and how the Snow APIs are reached.

    :ivar ec2_endpoint: EC2-compatible endpoint, ``{ip}`` replaced by the device address.
    :ivar device_endpoint: Snowball device API endpoint, same placeholder.
    :ivar region: signing region for every device; ``None`` uses the device profile's ``region`` (``snow`` when
        the profile has none). A local moto server needs a real AWS region name here or in the profiles.
    :ivar imds_endpoint: instance metadata service of the machine eksa runs on (``None``: no admin instance check).
    :ivar verify: TLS verification: a CA bundle path, ``True`` (system CAs) or ``None`` (the credentials' CA
        bundles file).
    :ivar timeout: seconds for each device API / IMDS request.
    """

    ec2_endpoint: str = f"https://{{ip}}:{EC2_API_PORT}"
    device_endpoint: str = f"https://{{ip}}:{DEVICE_API_PORT}"
    region: str | None = None
    imds_endpoint: str | None = DEFAULT_IMDS_ENDPOINT
    verify: str | bool | None = None
    timeout: float = 10.0

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> SnowSettings:
        """Settings from ``options["snow"]`` (a :class:`SnowSettings` or a mapping of its fields)."""
        value = (options or {}).get("snow")
        if isinstance(value, SnowSettings):
            return value
        if isinstance(value, Mapping):
            return cls(**dict(value))
        return cls()

    def ec2_url(self, ip: str) -> str:
        """The EC2 endpoint of device ``ip``."""
        return self.ec2_endpoint.format(ip=_host(ip))

    def device_url(self, ip: str) -> str:
        """The device API endpoint of device ``ip``."""
        return self.device_endpoint.format(ip=_host(ip))

    def region_for(self, creds: SnowCredentials, ip: str) -> str:
        """The signing region of device ``ip``."""
        return self.region or creds.for_device(ip).region or DEFAULT_REGION

    def tls_verify(self, creds: SnowCredentials) -> str | bool:
        """What to verify device certificates with."""
        if self.verify is not None:
            return self.verify
        return creds.ca_bundles_file or True

    def ec2_client(self, creds: SnowCredentials, ip: str) -> Any:
        """A boto3 EC2 client of device ``ip`` (its own credentials)."""
        import boto3

        device = creds.for_device(ip)
        return boto3.client(
            "ec2",
            endpoint_url=self.ec2_url(ip),
            region_name=self.region_for(creds, ip),
            aws_access_key_id=device.access_key_id,
            aws_secret_access_key=device.secret_access_key,
            verify=self.tls_verify(creds),
        )


# ---------------------------------------------------------------------------------------------------------------
# Snowball device API
# ---------------------------------------------------------------------------------------------------------------


class DeviceAPIError(Exception):
    """A device API or instance metadata call failed (no secrets in the message)."""


@attrs.frozen
class DeviceStatus:
    """What ``DescribeDevice`` says of a device."""

    device_id: str
    unlock_state: str

    @property
    def unlocked(self) -> bool:
        """Whether the device is unlocked."""
        return self.unlock_state == _UNLOCKED


class SnowDeviceAPI(Protocol):
    """The Snowball device management calls the validation needs, and the admin instance's own IP."""

    def describe_device(self, ip: str) -> DeviceStatus:
        """``DescribeDevice`` of device ``ip``."""
        ...

    def software_version(self, ip: str) -> str:
        """``DescribeDeviceSoftware.InstalledVersion`` of device ``ip``."""
        ...

    def admin_instance_ip(self) -> str | None:
        """The IP of the instance eksa runs on (instance metadata ``local-ipv4``); ``None`` when eksa does not
        run on an instance (no metadata service)."""
        ...


class HttpSnowDeviceAPI:
    """:class:`SnowDeviceAPI` over HTTP: the device API is AWS JSON 1.1 (``X-Amz-Target: SnowballDevice.<Op>``),
    signed with SigV4 (service ``snowballdevice``) with the device's own credentials; the instance metadata
    service is reached with an IMDSv2 token."""

    SERVICE = "snowballdevice"
    TARGET_PREFIX = "SnowballDevice"

    def __init__(self, creds: SnowCredentials, settings: SnowSettings | None = None,
                 session: Any | None = None) -> None:
        import requests

        self.creds = creds
        self.settings = settings or SnowSettings()
        self.session = session or requests.Session()

    def _call(self, ip: str, operation: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        import requests
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        device = self.creds.for_device(ip)
        url = self.settings.device_url(ip).rstrip("/") + "/"
        data = json.dumps(dict(body or {})).encode()
        request = AWSRequest(method="POST", url=url, data=data, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"{self.TARGET_PREFIX}.{operation}",
        })
        SigV4Auth(Credentials(device.access_key_id, device.secret_access_key), self.SERVICE,
                  self.settings.region_for(self.creds, ip)).add_auth(request)
        try:
            response = self.session.post(url, data=data, headers=dict(request.headers.items()),
                                         timeout=self.settings.timeout, verify=self.settings.tls_verify(self.creds))
        except requests.RequestException as exc:
            raise DeviceAPIError(f"{operation} on device [{ip}]: {exc.__class__.__name__}") from None
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = {}
        if response.status_code >= 400:
            code = str(payload.get("__type") or payload.get("code") or response.status_code).rpartition("#")[2]
            message = payload.get("message") or payload.get("Message") or ""
            raise DeviceAPIError(f"{operation} on device [{ip}]: {code}{': ' + message if message else ''}")
        if not isinstance(payload, dict):
            raise DeviceAPIError(f"{operation} on device [{ip}]: unexpected response")
        return payload

    def describe_device(self, ip: str) -> DeviceStatus:
        """``DescribeDevice``: device id and ``UnlockStatus.State``."""
        out = self._call(ip, "DescribeDevice")
        state = (out.get("UnlockStatus") or {}).get("State") or ""
        return DeviceStatus(device_id=str(out.get("DeviceId") or ""), unlock_state=str(state))

    def software_version(self, ip: str) -> str:
        """``DescribeDeviceSoftware``: ``InstalledVersion``."""
        return str(self._call(ip, "DescribeDeviceSoftware").get("InstalledVersion") or "")

    def admin_instance_ip(self) -> str | None:
        """``local-ipv4`` from the instance metadata service (IMDSv2); ``None`` when it does not answer."""
        import requests

        base = self.settings.imds_endpoint
        if not base:
            return None
        base = base.rstrip("/")
        try:
            token = self.session.put(f"{base}/latest/api/token",
                                     headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
                                     timeout=self.settings.timeout)
            headers = {"X-aws-ec2-metadata-token": token.text} if token.status_code == 200 else {}
            response = self.session.get(f"{base}/latest/meta-data/local-ipv4", headers=headers,
                                        timeout=self.settings.timeout)
        except requests.RequestException:
            return None  # not running on an instance
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DeviceAPIError(f"fetching ec2 instance ip: HTTP {response.status_code}")
        return response.text.strip() or None


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        return str((response.get("Error") or {}).get("Code") or "")
    return ""


def spec_machine_configs(spec: Spec) -> list[SnowMachineConfig]:
    """The Snow machine configs the cluster references (control plane, etcd, workers), de-duplicated."""
    cluster = spec.cluster
    names: list[str] = []
    cp = cluster.spec.control_plane_configuration
    etcd = cluster.spec.external_etcd_configuration
    for ref in [cp.machine_group_ref if cp else None, etcd.machine_group_ref if etcd else None,
                *(g.machine_group_ref for g in cluster.worker_groups())]:
        if ref is not None and ref.name and ref.name not in names:
            names.append(ref.name)
    out = []
    for name in names:
        mc = spec.config.get(MACHINE_KIND, name)
        if isinstance(mc, SnowMachineConfig):
            out.append(mc)
    return out


def _devices(machines: Iterable[SnowMachineConfig]) -> list[str]:
    out: list[str] = []
    for mc in machines:
        for ip in mc.spec.devices or []:
            if ip and ip not in out:
                out.append(ip)
    return out


def default_key_name(cluster_name: str, key_id: str | None = None) -> str:
    """``eksa-default-<cluster>-<uuid>``."""
    return f"eksa-default-{cluster_name}-{key_id or uuid.uuid4()}"


def _write_private(path: Path, data: bytes) -> None:
    """Mode 0600 whatever the umask or an existing file's mode; atomic; a symlink replaced, never followed."""
    write_file_atomic(path, data)


def generate_keypair() -> tuple[bytes, str]:
    """A new RSA 4096 key: (OpenSSH private key, ``ssh-rsa ...`` public key); ``cryptography`` when installed,
    else ``ssh-keygen``."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        with tempfile.TemporaryDirectory(prefix="eksa-keygen-") as tmp:
            path = Path(tmp) / "key"
            subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "4096", "-N", "", "-f", str(path)],
                           check=True, capture_output=True)
            return path.read_bytes(), path.with_suffix(".pub").read_text().strip()
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, public.decode()


# ---------------------------------------------------------------------------------------------------------------
# The validator
# ---------------------------------------------------------------------------------------------------------------


class SnowLiveValidator:
    """Runs the device checks of a spec; clients are built once per device and answers cached per device.

    :param creds: the devices' credentials. :param settings: endpoints and region.
    :param device_api: the Snowball device API (default :class:`HttpSnowDeviceAPI`).
    :param ec2_factory: ``ip -> boto3 EC2 client`` (default :meth:`SnowSettings.ec2_client`).
    """

    def __init__(self, creds: SnowCredentials, settings: SnowSettings | None = None, *,
                 device_api: SnowDeviceAPI | None = None, ec2_factory: Callable[[str], Any] | None = None) -> None:
        self.creds = creds
        self.settings = settings or SnowSettings()
        self.device_api: SnowDeviceAPI = device_api or HttpSnowDeviceAPI(creds, self.settings)
        self._ec2_factory = ec2_factory or (lambda ip: self.settings.ec2_client(self.creds, ip))
        self._clients: dict[str, Any] = {}
        self._instance_types: dict[str, dict[str, int | None]] = {}
        self._device_errors: dict[str, list[str]] = {}

    def ec2(self, ip: str) -> Any:
        """The EC2 client of device ``ip`` (raises "credentials not found for device [<ip>]")."""
        if ip not in self._clients:
            self.creds.for_device(ip)
            self._clients[ip] = self._ec2_factory(ip)
        return self._clients[ip]

    # -- single checks ----------------------------------------------------------------------------------------

    def image_exists(self, ip: str, ami: str) -> bool:
        """``DescribeImages`` of ``ami`` on device ``ip``."""
        from botocore.exceptions import ClientError

        try:
            out = self.ec2(ip).describe_images(ImageIds=[ami])
        except ClientError as exc:
            if _error_code(exc).startswith("InvalidAMIID"):
                return False
            raise
        return any(i.get("ImageId") == ami for i in out.get("Images") or [])

    def key_pair_exists(self, ip: str, key_name: str) -> bool:
        """``DescribeKeyPairs`` of ``key_name`` on device ``ip``."""
        from botocore.exceptions import ClientError

        try:
            out = self.ec2(ip).describe_key_pairs(KeyNames=[key_name])
        except ClientError as exc:
            if _error_code(exc) == "InvalidKeyPair.NotFound":
                return False
            raise
        return any(k.get("KeyName") == key_name for k in out.get("KeyPairs") or [])

    def import_key_pair(self, ip: str, key_name: str, public_key: str) -> None:
        """``ImportKeyPair`` on device ``ip`` (a key of that name already there is kept)."""
        from botocore.exceptions import ClientError

        try:
            self.ec2(ip).import_key_pair(KeyName=key_name, PublicKeyMaterial=public_key.encode())
        except ClientError as exc:
            if _error_code(exc) != "InvalidKeyPair.Duplicate":
                raise

    def instance_types(self, ip: str) -> dict[str, int | None]:
        """Instance type name -> default vCPUs, every page of ``DescribeInstanceTypes`` of device ``ip``."""
        if ip not in self._instance_types:
            types: dict[str, int | None] = {}
            for page in self.ec2(ip).get_paginator("describe_instance_types").paginate():
                for it in page.get("InstanceTypes") or []:
                    types[str(it.get("InstanceType"))] = (it.get("VCpuInfo") or {}).get("DefaultVCpus")
            self._instance_types[ip] = types
        return self._instance_types[ip]

    def instance_type_supported(self, ip: str, instance_type: str) -> bool:
        """The type is offered by the device and has at least :data:`MIN_VCPU` default vCPUs."""
        types = self.instance_types(ip)
        if instance_type not in types:
            return False
        vcpu = types[instance_type]
        return vcpu is None or vcpu >= MIN_VCPU

    def device_problems(self, ip: str) -> list[str]:
        """Device API problems of ``ip``: locked device, software older than :data:`MIN_SOFTWARE_VERSION`."""
        if ip in self._device_errors:
            return self._device_errors[ip]
        problems: list[str] = []
        try:
            status = self.device_api.describe_device(ip)
            if not status.unlocked:
                problems.append(f"device [{ip}] is not unlocked. Please unlock the device before you proceed")
            else:
                version = self.device_api.software_version(ip)
                try:
                    number = int(version)
                except ValueError:
                    problems.append(f"checking software version for device [{ip}]: invalid version [{version}]")
                else:
                    if number < MIN_SOFTWARE_VERSION:
                        problems.append(f"the software version installed [{version}] on device [{ip}] is below "
                                        f"the minimum supported version [{MIN_SOFTWARE_VERSION}]")
        except DeviceAPIError as exc:
            problems.append(f"checking device [{ip}]: {exc}")
        self._device_errors[ip] = problems
        return problems

    # -- a machine config -------------------------------------------------------------------------------------

    def machine_config_errors(self, mc: SnowMachineConfig) -> list[SpecError]:
        """Every device problem of one machine config, located at its fields."""
        from botocore.exceptions import BotoCoreError, ClientError

        def err(message: str, field: str) -> SpecError:
            return SpecError(message, kind=MACHINE_KIND, name=mc.name, field=field)

        out: list[SpecError] = []
        spec = mc.spec
        for i, ip in enumerate(spec.devices or []):
            dev_field = f"spec.devices[{i}]"
            if ip not in self.creds.devices:
                out.append(err(f"credentials not found for device [{ip}]", dev_field))
                continue
            out += [err(p, dev_field) for p in self.device_problems(ip)]
            try:
                if spec.ami_id and not self.image_exists(ip, spec.ami_id):
                    out.append(err(f"aws image [{spec.ami_id}] does not exist", "spec.amiID"))
                if spec.ssh_key_name and not self.key_pair_exists(ip, spec.ssh_key_name):
                    out.append(err(f"aws key pair [{spec.ssh_key_name}] does not exist on snow device "
                                   f"[deviceIP={ip}]", "spec.sshKeyName"))
                if spec.instance_type and not self.instance_type_supported(ip, spec.instance_type):
                    out.append(err(f"the instance type [{spec.instance_type}] is not supported in device [{ip}]",
                                   "spec.instanceType"))
            except (ClientError, BotoCoreError) as exc:
                out.append(err(f"checking device [{ip}]: {_safe(exc)}", dev_field))
        return out

    def control_plane_ip_errors(self, spec: Spec) -> list[SpecError]:
        """The admin instance (where eksa runs) must not own the control plane endpoint IP."""
        cp = spec.cluster.spec.control_plane_configuration
        host = (cp.endpoint.host if cp and cp.endpoint else None) or ""
        field = "spec.controlPlaneConfiguration.endpoint.host"
        try:
            admin_ip = self.device_api.admin_instance_ip()
        except DeviceAPIError as exc:
            return [SpecError(str(exc), kind=spec.cluster.kind, name=spec.cluster.name, field=field)]
        if host and admin_ip and admin_ip == host:
            return [SpecError("control plane host ip cannot be same as the admin instance ip",
                              kind=spec.cluster.kind, name=spec.cluster.name, field=field)]
        return []

    def spec_errors(self, spec: Spec) -> list[SpecError]:
        """Every live problem of ``spec`` (located)."""
        errors: list[SpecError] = []
        for mc in spec_machine_configs(spec):
            errors += self.machine_config_errors(mc)
        errors += self.control_plane_ip_errors(spec)
        return [spec.config.locate(e) for e in errors]


def _safe(exc: Exception) -> str:
    """A boto error without request details (codes and messages of EC2 carry no secrets)."""
    code = _error_code(exc)
    if code:
        message = (getattr(exc, "response", {}).get("Error") or {}).get("Message") or ""
        return f"{code}: {message}" if message else code
    return exc.__class__.__name__


# ---------------------------------------------------------------------------------------------------------------
# Defaulting and the whole pass
# ---------------------------------------------------------------------------------------------------------------


def ensure_default_ssh_keys(spec: Spec, context: HookContext, validator: SnowLiveValidator | None,
                            generate: Callable[[], tuple[bytes, str]] = generate_keypair) -> str | None:
    """Give every machine config without ``sshKeyName`` the default key ``eksa-default-<cluster>-<uuid>``.

    The key pair is generated once per run (``<cluster dir>/eks-a-id_rsa`` and ``.pub``, mode 0600; existing
    files are reused) and imported on every device of the spec's machine configs. Returns the key name, ``None``
    when no machine config needed one. The private key is never logged. In a dry run only a record is made.
    """
    machines = spec_machine_configs(spec)
    needing = [mc for mc in machines if not mc.spec.ssh_key_name]
    if not needing:
        return None
    name = default_key_name(spec.name)
    directory = Path(context.cluster_dir)
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    devices = _devices(machines)
    if context.dry_run or validator is None:
        context.record("snow-import-default-key-pair", key_name=name, path=str(private_path), devices=devices,
                       machine_configs=[mc.name for mc in needing])
    else:
        if private_path.is_file() and public_path.is_file():
            public = public_path.read_text().strip()
        else:
            directory.mkdir(parents=True, exist_ok=True)
            private, public = generate()
            _write_private(private_path, private)
            _write_private(public_path, (public + "\n").encode())
            del private
            context.log.info("Private key saved to %s. Use 'ssh -i %s ec2-user@<Node-IP-Address>' to login to your "
                             "cluster node", private_path, private_path)
        from botocore.exceptions import BotoCoreError, ClientError

        errors: list[SpecError] = []
        for ip in devices:
            if ip not in validator.creds.devices:
                continue  # reported by the validation
            try:
                validator.import_key_pair(ip, name, public)
            except (ClientError, BotoCoreError) as exc:
                mc = next((m for m in needing if ip in (m.spec.devices or [])), needing[0])
                errors.append(spec.config.locate(SpecError(
                    f"importing key pair [{name}] to device [{ip}]: {_safe(exc)}", kind=MACHINE_KIND, name=mc.name,
                    field="spec.sshKeyName")))
        SpecErrors.raise_if_any(errors, summary="Snow default SSH key")
        context.record("snow-import-default-key-pair", key_name=name, path=str(private_path), devices=devices)
    for mc in needing:
        mc.spec.ssh_key_name = name
    return name


def validate_control_plane_ip_unique(spec: Spec, context: HookContext, port: int = 80, timeout: float = 0.5) -> None:
    """EKS-A's control plane IP uniqueness check: a TCP dial to ``<endpoint>:80`` that connects, is refused or
    reset means the IP is in use. Skipped with ``context.call_options.skip_ip_check`` or the cluster annotation
    ``anywhere.eks.amazonaws.com/skip-ip-check``."""
    cluster = spec.cluster
    annotations = cluster.metadata.annotations or {}
    if context.call_options.skip_ip_check or SKIP_IP_CHECK_ANNOTATION in annotations:
        context.log.info("Skipping check for whether control plane ip is in use")
        return
    cp = cluster.spec.control_plane_configuration
    host = (cp.endpoint.host if cp and cp.endpoint else None) or ""
    if not host:
        return
    if context.dry_run:
        context.record("snow-control-plane-ip-check", host=host, port=port)
        return
    try:
        with socket.create_connection((host, port), timeout=timeout):
            in_use = True
    except (ConnectionRefusedError, ConnectionResetError):
        in_use = True
    except OSError:
        in_use = False
    if in_use:
        raise SpecErrors([spec.config.locate(SpecError(
            f"cluster controlPlaneConfiguration.Endpoint.Host {host} is already in use, control plane IP must be "
            f"unique", kind=cluster.kind, name=cluster.name, field="spec.controlPlaneConfiguration.endpoint.host"))])


def validate_live(spec: Spec, context: HookContext, *, ip_check: bool = True,
                  device_api: SnowDeviceAPI | None = None, ec2_factory: Callable[[str], Any] | None = None) -> None:
    """Setup and live validation of a Snow spec (create and upgrade): read the credentials, default SSH keys on
    the devices, run every device check, then (``ip_check``: creates only) the control plane IP uniqueness check.
    Raises :class:`SpecErrors` with every failure. In a dry run the credentials are read and the checks recorded;
    no device is contacted."""
    creds = read_credentials(context.env)
    settings = SnowSettings.from_options(context.options)
    machines = spec_machine_configs(spec)
    devices = _devices(machines)
    if context.dry_run:
        ensure_default_ssh_keys(spec, context, None)
        context.record("snow-validate-devices", devices=devices,
                       checks=["credentials", "device-unlocked", "device-software-version", "ec2-image",
                               "ec2-key-pair", "ec2-instance-type", "admin-instance-ip"])
        if ip_check:
            validate_control_plane_ip_unique(spec, context)
        return
    validator = SnowLiveValidator(creds, settings, device_api=device_api, ec2_factory=ec2_factory)
    ensure_default_ssh_keys(spec, context, validator)
    SpecErrors.raise_if_any(validator.spec_errors(spec), summary="Snow device validation failed")
    if ip_check:
        validate_control_plane_ip_unique(spec, context, port=context.call_options.ip_check_port)
