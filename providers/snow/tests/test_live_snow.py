"""Live validation of Snow specs: EC2 checks against a moto server (one region per device), device API checks
against SnowDeviceAPIDouble, through the ``eksa_setup_and_validate_*`` hooks. Each check passes and fails."""

from __future__ import annotations

import logging
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from eksa_snow.credentials import read_credentials
from eksa_snow.live import (
    DeviceAPIError,
    HttpSnowDeviceAPI,
    SnowLiveValidator,
    SnowSettings,
    spec_machine_configs,
    validate_live,
)
from eksa_snow.validation import eksa_setup_and_validate_create, eksa_setup_and_validate_upgrade
from snow_devices import DEVICE_1, DEVICE_2, DEVICE_KEYS

from eksa_core.context import HookContext
from eksa_core.errors import SpecErrors
from eksa_core.plugins import Plugins
from eksa_core.spec import Spec, parse_cluster_config

SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: snowy
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 1
    endpoint: {{host: {endpoint}}}
    machineGroupRef: {{kind: SnowMachineConfig, name: snowy-cp}}
  datacenterRef: {{kind: SnowDatacenterConfig, name: snowy}}
  kubernetesVersion: "1.21"
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
    machineGroupRef: {{kind: SnowMachineConfig, name: snowy-workers}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowDatacenterConfig
metadata:
  name: snowy
spec:
  identityRef: {{kind: Secret, name: snowy-snow-credentials}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata:
  name: snowy-cp
spec:
  amiID: {ami}
  instanceType: {cp_type}
  sshKeyName: "{cp_key}"
  devices: [{cp_devices}]
  osFamily: ubuntu
  physicalNetworkConnector: SFP_PLUS
  network:
    directNetworkInterfaces:
    - {{index: 1, dhcp: true, primary: true}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata:
  name: snowy-workers
spec:
  amiID: {ami}
  instanceType: {worker_type}
  sshKeyName: "{worker_key}"
  devices: [{worker_devices}]
  osFamily: ubuntu
  physicalNetworkConnector: SFP_PLUS
  network:
    directNetworkInterfaces:
    - {{index: 1, dhcp: true, primary: true}}
"""

OK_TYPE = "t3.medium"  # 2 vCPUs in moto's catalogue


@pytest.fixture
def common_ami(ec2: Any) -> str:
    """An image id both devices (moto regions) have."""
    ids = [{i["ImageId"] for i in ec2(ip).describe_images()["Images"]} for ip in (DEVICE_1, DEVICE_2)]
    return sorted(ids[0] & ids[1])[0]


def public_key() -> str:
    """A small RSA public key (fast to make; the provider's own keys are 4096 bits)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.fixture
def key_on_both(ec2: Any) -> str:
    """A key pair named ``snow-key`` on both devices."""
    public = public_key()
    for ip in (DEVICE_1, DEVICE_2):
        ec2(ip).import_key_pair(KeyName="snow-key", PublicKeyMaterial=public.encode())
    return "snow-key"


def make_spec(plugins: Plugins, *, ami: str, endpoint: str = "10.0.0.5", cp_type: str = OK_TYPE,
              worker_type: str = OK_TYPE, cp_key: str = "snow-key", worker_key: str = "snow-key",
              cp_devices: tuple[str, ...] = (DEVICE_1,),
              worker_devices: tuple[str, ...] = (DEVICE_1, DEVICE_2)) -> Spec:
    text = SPEC.format(ami=ami, endpoint=endpoint, cp_type=cp_type, worker_type=worker_type, cp_key=cp_key,
                       worker_key=worker_key, cp_devices=", ".join(cp_devices),
                       worker_devices=", ".join(worker_devices))
    config = parse_cluster_config(text, file="snowy.yaml", registry=plugins.registry)
    return Spec(config, plugins=plugins)


def make_context(tmp_path: Path, env: dict[str, str], settings: SnowSettings, **options: Any) -> HookContext:
    return HookContext(cluster_dir=tmp_path / "snowy", env=env,
                       options={"snow": settings, "skip_ip_check": True, **options})


def errors_of(exc: pytest.ExceptionInfo[SpecErrors]) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(e.message, e.kind, e.name, e.field) for e in exc.value]


# -- everything passes ------------------------------------------------------------------------------------------


def test_valid_spec_passes_every_check(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                       common_ami: str, key_on_both: str, device_api: Any, tmp_path: Path) -> None:
    spec = make_spec(plugins, ami=common_ami)
    eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, snow_settings))
    targets = {(r["target"], r["device"]) for r in device_api.requests}
    assert targets == {(f"SnowballDevice.{op}", f"JID-{ip}") for op in ("DescribeDevice", "DescribeDeviceSoftware")
                       for ip in (DEVICE_1, DEVICE_2)}
    assert device_api.rejected == 0


def test_upgrade_runs_the_same_checks(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                      common_ami: str, key_on_both: str, tmp_path: Path) -> None:
    spec = make_spec(plugins, ami=common_ami, worker_type="t2.micro")
    context = HookContext(cluster_dir=tmp_path, env=snow_env, options={"snow": snow_settings})  # no skip_ip_check
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_upgrade(spec=spec, current_spec=spec, context=context)
    assert [e.message for e in exc.value] == [
        f"the instance type [t2.micro] is not supported in device [{ip}]" for ip in (DEVICE_1, DEVICE_2)]


# -- EC2 checks -------------------------------------------------------------------------------------------------


def test_missing_image_is_located_at_ami_id(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                            key_on_both: str, tmp_path: Path) -> None:
    spec = make_spec(plugins, ami="ami-0123456789abcdef0", worker_devices=(DEVICE_2,))
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, snow_settings))
    assert errors_of(exc) == [
        ("aws image [ami-0123456789abcdef0] does not exist", "SnowMachineConfig", "snowy-cp", "spec.amiID"),
        ("aws image [ami-0123456789abcdef0] does not exist", "SnowMachineConfig", "snowy-workers", "spec.amiID"),
    ]
    first = next(iter(exc.value))
    assert first.file == "snowy.yaml" and first.document == 2 and first.line is not None


def test_key_pair_missing_on_one_device(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                        common_ami: str, ec2: Any, tmp_path: Path) -> None:
    ec2(DEVICE_1).import_key_pair(KeyName="only-one", PublicKeyMaterial=public_key().encode())
    spec = make_spec(plugins, ami=common_ami, cp_key="only-one", worker_key="only-one")
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, snow_settings))
    assert errors_of(exc) == [
        (f"aws key pair [only-one] does not exist on snow device [deviceIP={DEVICE_2}]", "SnowMachineConfig",
         "snowy-workers", "spec.sshKeyName"),
    ]


@pytest.mark.parametrize(("instance_type", "ok"), [(OK_TYPE, True), ("t2.micro", False), ("sbe-c.large", False)])
def test_instance_type_must_exist_with_two_vcpus(plugins: Plugins, snow_env: dict[str, str],
                                                 snow_settings: SnowSettings, common_ami: str, key_on_both: str,
                                                 tmp_path: Path, instance_type: str, ok: bool) -> None:
    spec = make_spec(plugins, ami=common_ami, cp_type=instance_type)
    context = make_context(tmp_path, snow_env, snow_settings)
    if ok:
        eksa_setup_and_validate_create(spec=spec, context=context)
        return
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=context)
    assert errors_of(exc) == [(f"the instance type [{instance_type}] is not supported in device [{DEVICE_1}]",
                               "SnowMachineConfig", "snowy-cp", "spec.instanceType")]


def test_device_without_credentials(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                    common_ami: str, key_on_both: str, tmp_path: Path) -> None:
    spec = make_spec(plugins, ami=common_ami, worker_devices=(DEVICE_1, "192.168.1.99"))
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, snow_settings))
    assert errors_of(exc) == [("credentials not found for device [192.168.1.99]", "SnowMachineConfig",
                               "snowy-workers", "spec.devices[1]")]


# -- device API -------------------------------------------------------------------------------------------------


def test_locked_device(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings, common_ami: str,
                       key_on_both: str, device_api: Any, tmp_path: Path) -> None:
    device_api.devices[DEVICE_KEYS[DEVICE_2][0]].unlock_state = "LOCKED"
    spec = make_spec(plugins, ami=common_ami)
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, snow_settings))
    assert errors_of(exc) == [(f"device [{DEVICE_2}] is not unlocked. Please unlock the device before you proceed",
                               "SnowMachineConfig", "snowy-workers", "spec.devices[1]")]


@pytest.mark.parametrize(("version", "ok"), [("101", False), ("102", True), ("140", True)])
def test_software_version_minimum(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                  common_ami: str, key_on_both: str, device_api: Any, tmp_path: Path,
                                  version: str, ok: bool) -> None:
    device_api.devices[DEVICE_KEYS[DEVICE_1][0]].software_version = version
    spec = make_spec(plugins, ami=common_ami, worker_devices=(DEVICE_2,))
    context = make_context(tmp_path, snow_env, snow_settings)
    if ok:
        eksa_setup_and_validate_create(spec=spec, context=context)
        return
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=context)
    assert errors_of(exc) == [(f"the software version installed [{version}] on device [{DEVICE_1}] is below the "
                               f"minimum supported version [102]", "SnowMachineConfig", "snowy-cp",
                               "spec.devices[0]")]


def test_device_api_requests_are_signed_with_the_device_keys(snow_env: dict[str, str], device_api: Any) -> None:
    """The double recomputes each SigV4 signature: the right secret passes, a wrong one is rejected."""
    settings = SnowSettings(device_endpoint=device_api.url, imds_endpoint=None)
    creds = read_credentials(snow_env)
    assert HttpSnowDeviceAPI(creds, settings).describe_device(DEVICE_1).unlocked
    device_api.devices[DEVICE_KEYS[DEVICE_1][0]].secret_key = "another-secret"
    with pytest.raises(DeviceAPIError) as exc:
        HttpSnowDeviceAPI(creds, settings).describe_device(DEVICE_1)
    assert "InvalidSignatureException" in str(exc.value)
    assert DEVICE_KEYS[DEVICE_1][1] not in str(exc.value)
    assert device_api.rejected == 1


def test_unreachable_device_api_is_reported(plugins: Plugins, snow_env: dict[str, str], moto: str,
                                            common_ami: str, key_on_both: str, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings = SnowSettings(ec2_endpoint=moto, device_endpoint=closed, imds_endpoint=None, timeout=5)
    spec = make_spec(plugins, ami=common_ami, worker_devices=(DEVICE_1,))
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, settings))
    assert [e.message for e in exc.value] == [f"checking device [{DEVICE_1}]: DescribeDevice on device "
                                              f"[{DEVICE_1}]: ConnectionError"] * 2


# -- admin instance (IMDS) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("admin_ip", "ok"), [(None, True), ("10.0.0.9", True), ("10.0.0.5", False)])
def test_admin_instance_ip_differs_from_endpoint(plugins: Plugins, snow_env: dict[str, str],
                                                 snow_settings: SnowSettings, common_ami: str, key_on_both: str,
                                                 device_api: Any, tmp_path: Path, admin_ip: str | None,
                                                 ok: bool) -> None:
    device_api.admin_ip = admin_ip
    spec = make_spec(plugins, ami=common_ami)
    context = make_context(tmp_path, snow_env, snow_settings)
    if ok:
        eksa_setup_and_validate_create(spec=spec, context=context)
        return
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=context)
    assert errors_of(exc) == [("control plane host ip cannot be same as the admin instance ip", "Cluster", "snowy",
                               "spec.controlPlaneConfiguration.endpoint.host")]


# -- collected, SSH key defaulting, IP uniqueness, dry run --------------------------------------------------------


def test_every_failure_is_collected(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                    device_api: Any, tmp_path: Path) -> None:
    device_api.devices[DEVICE_KEYS[DEVICE_2][0]].software_version = "99"
    spec = make_spec(plugins, ami="ami-0123456789abcdef0", cp_type="t2.micro", cp_key="nokey", worker_key="nokey",
                     worker_devices=(DEVICE_2, "10.9.9.9"))
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec=spec, context=make_context(tmp_path, snow_env, snow_settings))
    assert [(m, f) for m, _k, _n, f in errors_of(exc)] == [
        ("aws image [ami-0123456789abcdef0] does not exist", "spec.amiID"),
        (f"aws key pair [nokey] does not exist on snow device [deviceIP={DEVICE_1}]", "spec.sshKeyName"),
        (f"the instance type [t2.micro] is not supported in device [{DEVICE_1}]", "spec.instanceType"),
        (f"the software version installed [99] on device [{DEVICE_2}] is below the minimum supported version [102]",
         "spec.devices[0]"),
        ("aws image [ami-0123456789abcdef0] does not exist", "spec.amiID"),
        (f"aws key pair [nokey] does not exist on snow device [deviceIP={DEVICE_2}]", "spec.sshKeyName"),
        ("credentials not found for device [10.9.9.9]", "spec.devices[1]"),
    ]


def test_default_ssh_key_is_generated_and_imported_on_every_device(
        plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings, common_ami: str, ec2: Any,
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(plugins, ami=common_ami, cp_key="", worker_key="")
    context = make_context(tmp_path, snow_env, snow_settings)
    with caplog.at_level(logging.DEBUG):
        eksa_setup_and_validate_create(spec=spec, context=context)
    names = {mc.spec.ssh_key_name for mc in spec_machine_configs(spec)}
    assert len(names) == 1
    name = names.pop()
    assert name is not None and name.startswith("eksa-default-snowy-") and len(name) == len("eksa-default-snowy-") + 36
    for ip in (DEVICE_1, DEVICE_2):
        assert [k["KeyName"] for k in ec2(ip).describe_key_pairs()["KeyPairs"]] == [name]
    private = tmp_path / "snowy" / "eks-a-id_rsa"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key_text = private.read_text()
    assert "PRIVATE KEY" in key_text
    body = key_text.splitlines()[1]
    assert body not in caplog.text and body not in repr(context.recorded)
    assert f"Private key saved to {private}" in caplog.text


def test_control_plane_ip_in_use(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                 common_ami: str, key_on_both: str, tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        spec = make_spec(plugins, ami=common_ami, endpoint="127.0.0.1")
        context = HookContext(cluster_dir=tmp_path, env=snow_env,
                              options={"snow": snow_settings, "ip_check_port": port})
        with pytest.raises(SpecErrors) as exc:
            eksa_setup_and_validate_create(spec=spec, context=context)
    assert errors_of(exc) == [("cluster controlPlaneConfiguration.Endpoint.Host 127.0.0.1 is already in use, control "
                               "plane IP must be unique", "Cluster", "snowy",
                               "spec.controlPlaneConfiguration.endpoint.host")]


def test_dry_run_contacts_nothing(plugins: Plugins, snow_env: dict[str, str], snow_settings: SnowSettings,
                                  device_api: Any, ec2: Any, tmp_path: Path) -> None:
    spec = make_spec(plugins, ami="ami-0123456789abcdef0", cp_key="", worker_key="")
    context = HookContext(cluster_dir=tmp_path / "snowy", env=snow_env, dry_run=True, options={"snow": snow_settings})
    eksa_setup_and_validate_create(spec=spec, context=context)
    assert device_api.requests == [] and device_api.rejected == 0
    assert ec2(DEVICE_1).describe_key_pairs()["KeyPairs"] == []
    assert not (tmp_path / "snowy").exists()
    actions = [r["action"] for r in context.recorded]
    assert actions == ["snow-import-default-key-pair", "snow-validate-devices", "snow-control-plane-ip-check"]
    assert context.recorded[1]["devices"] == [DEVICE_1, DEVICE_2]


def test_missing_credentials_file(plugins: Plugins, snow_settings: SnowSettings, tmp_path: Path) -> None:
    from eksa_core.errors import SpecError

    spec = make_spec(plugins, ami="ami-1")
    with pytest.raises(SpecError, match="env 'EKSA_AWS_CREDENTIALS_FILE' is not set or is empty"):
        validate_live(spec, HookContext(cluster_dir=tmp_path, env={}, options={"snow": snow_settings}))


def test_settings_from_options_and_region_override(snow_env: dict[str, str]) -> None:
    creds = read_credentials(snow_env)
    default = SnowSettings.from_options({})
    assert default.ec2_url(DEVICE_1) == f"https://{DEVICE_1}:8243"
    assert default.device_url("fd00::1") == "https://[fd00::1]:9092"
    assert default.region_for(creds, DEVICE_2) == "us-west-2"
    override = SnowSettings.from_options({"snow": {"region": "snow", "ec2_endpoint": "http://127.0.0.1:1"}})
    assert override.region_for(creds, DEVICE_2) == "snow" and override.ec2_url(DEVICE_2) == "http://127.0.0.1:1"


def test_validator_caches_clients_per_device(snow_env: dict[str, str], snow_settings: SnowSettings,
                                             device_api: Any) -> None:
    built: list[str] = []
    validator = SnowLiveValidator(read_credentials(snow_env), snow_settings,
                                  ec2_factory=lambda ip: built.append(ip) or snow_settings.ec2_client(
                                      read_credentials(snow_env), ip))
    assert validator.instance_type_supported(DEVICE_1, OK_TYPE)
    assert not validator.instance_type_supported(DEVICE_1, "t2.micro")
    assert validator.device_problems(DEVICE_1) == [] and validator.device_problems(DEVICE_1) == []
    assert built == [DEVICE_1]
    assert len([r for r in device_api.requests if r["target"].endswith("DescribeDevice")]) == 1
