"""Snow kinds, defaults, static rules both ways, credentials, Secret, env map and the conformance case."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from eksa_snow.conformance import eksa_conformance_case
from eksa_snow.credentials import credentials_secret, device_endpoints, parse_credentials, read_credentials
from eksa_snow.models import SnowDatacenterConfig, SnowMachineConfig
from eksa_snow.provider import eksa_env_map, eksa_generate_cluster_config, eksa_generate_secrets
from eksa_snow.validation import cluster_spec_errors, eksa_set_defaults

from eksa_core.context import HookContext
from eksa_core.convert import unstructure
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.plugins import Plugins
from eksa_core.spec import ClusterConfig, Spec, parse_cluster_config
from eksa_core.testing import conformance_dir
from eksa_core.yamlio import safe_load, to_plain

SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: test
  namespace: ns1
spec:
  clusterNetwork:
    cniConfig: {cilium: {}}
    pods: {cidrBlocks: [192.168.0.0/16]}
    services: {cidrBlocks: [10.96.0.0/12]}
  controlPlaneConfiguration:
    count: 3
    endpoint: {host: 10.0.0.5}
    machineGroupRef: {kind: SnowMachineConfig, name: test-cp}
  datacenterRef: {kind: SnowDatacenterConfig, name: test}
  kubernetesVersion: "1.28"
  workerNodeGroupConfigurations:
  - name: md-0
    count: 3
    machineGroupRef: {kind: SnowMachineConfig, name: test-cp}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowDatacenterConfig
metadata:
  name: test
  namespace: ns1
spec: {}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata:
  name: test-cp
  namespace: ns1
spec:
  amiID: ami-1
  devices: [1.2.3.4]
  osFamily: bottlerocket
  containersVolume: {size: 25}
  nonRootVolumes:
  - {deviceName: /dev/sdc, size: 10, type: sbp1}
  network:
    directNetworkInterfaces:
    - {index: 1, primary: true, vlanID: 3, ipPoolRef: {kind: SnowIPPool, name: pool}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowIPPool
metadata:
  name: pool
spec:
  pools:
  - {ipStart: 10.0.0.10, ipEnd: 10.0.0.20, subnet: 10.0.0.0/24, gateway: 10.0.0.1}
"""


def load(plugins: Plugins, text: str = SPEC) -> ClusterConfig:
    config = parse_cluster_config(text, registry=plugins.registry)
    eksa_set_defaults(config)
    return config


def messages(config: ClusterConfig) -> list[str]:
    return [e.message for e in cluster_spec_errors(config)]


def test_valid_spec_and_defaults(plugins: Plugins) -> None:
    config = load(plugins)
    assert messages(config) == []
    dc = config.get(SnowDatacenterConfig, "test")
    assert unstructure(dc.spec) == {"identityRef": {"kind": "Secret", "name": "test-snow-credentials"}}
    mc = config.get(SnowMachineConfig, "test-cp")
    assert (mc.spec.instance_type, mc.spec.physical_network_connector) == ("sbe-c.large", "SFP_PLUS")
    dni = unstructure(mc.spec.network)["directNetworkInterfaces"][0]
    assert dni == {"index": 1, "primary": True, "vlanID": 3, "ipPoolRef": {"kind": "SnowIPPool", "name": "pool"}}


def test_round_trip(plugins: Plugins) -> None:
    config = parse_cluster_config(SPEC, registry=plugins.registry)
    assert parse_cluster_config(config.dump(), registry=plugins.registry).dump() == config.dump()


@pytest.mark.parametrize(("old", "new", "message"), [
    ("amiID: ami-1", "amiID: ami-1\n  instanceType: m5.large", "SnowMachineConfig InstanceType m5.large is not "
                                                               "supported"),
    ("amiID: ami-1", "amiID: ami-1\n  physicalNetworkConnector: USB",
     "SnowMachineConfig PhysicalNetworkConnector USB is not supported, please use one of the following: SFP_PLUS, "
     "QSFP, RJ45"),
    ("devices: [1.2.3.4]", "devices: []", "SnowMachineConfig Devices must contain at least one device IP"),
    ("osFamily: bottlerocket", "osFamily: redhat", "SnowMachineConfig OSFamily redhat is not supported"),
    ("primary: true", "primary: false", "SnowMachineConfig Network.DirectNetworkInterfaces list must contain one "
                                        "and only one primary DNI"),
    ("    - {index: 1, primary: true, vlanID: 3, ipPoolRef: {kind: SnowIPPool, name: pool}}", "      []",
     "SnowMachineConfig Network.DirectNetworkInterfaces length must be no smaller than 1"),
    ("containersVolume: {size: 25}", "containersVolume: {size: 20}",
     "SnowMachineConfig ContainersVolume.Size must be no smaller than 25 Gi for Bottlerocket OS"),
    ("containersVolume: {size: 25}", "", "SnowMachineConfig ContainersVolume must be specified for Bottlerocket OS"),
    ("osFamily: bottlerocket\n  containersVolume: {size: 25}", "osFamily: ubuntu\n  containersVolume: {size: 7}",
     "SnowMachineConfig ContainersVolume.Size must be no smaller than 8 Gi for Ubuntu OS"),
    ("deviceName: /dev/sdc", "deviceName: /dev/sda2", "SnowMachineConfig NonRootVolumes[0].DeviceName [/dev/sda2] is "
                                                      "invalid."),
    ("size: 10, type", "size: 4, type", "SnowMachineConfig NonRootVolumes[0].Size must be no smaller than 8 Gi"),
    ("ipEnd: 10.0.0.20", "ipEnd: 10.0.0.5", "SnowIPPool Pools[0].IPStart should be smaller than IPEnd"),
    ("ipEnd: 10.0.0.20", "ipEnd: 10.0.1.20", "SnowIPPool Pools[0].IPEnd should be within the subnet range "
                                             "10.0.0.0/24"),
    ("gateway: 10.0.0.1", "gateway: x", "SnowIPPool Pools[0].Gateway is invalid"),
    ("host: 10.0.0.5", "host: 192.168.3.4", "control plane endpoint 192.168.3.4 conflicts with pods CIDR block "
                                            "192.168.0.0/16"),
    ("host: 10.0.0.5", "host: 10.96.0.9", "control plane endpoint 10.96.0.9 conflicts with services CIDR block "
                                          "10.96.0.0/12"),
    ("host: 10.0.0.5", "host: test-ip", "control plane endpoint test-ip is invalid"),
    ("spec: {}", "spec: {identityRef: {kind: ConfigMap, name: x}}",
     "SnowDatacenterConfig IdentityRef kind ConfigMap is invalid, the only supported kind is Secret"),
    ("name: pool\nspec", "name: other\nspec", "SnowIPPool pool referenced by SnowMachineConfig test-cp not found"),
    ("osFamily: bottlerocket", "osFamily: bottlerocket\n  hostOSConfiguration: {ntpConfiguration: {servers: []}}",
     "SnowMachineConfig HostOSConfiguration is invalid: NTPConfiguration.Servers can not be empty"),
])
def test_rules(plugins: Plugins, old: str, new: str, message: str) -> None:
    assert old in SPEC
    found = messages(load(plugins, SPEC.replace(old, new, 1)))
    assert any(m.startswith(message) for m in found), found


def test_missing_machine_config(plugins: Plugins) -> None:
    text = SPEC.replace("    machineGroupRef: {kind: SnowMachineConfig, name: test-cp}\n  datacenterRef",
                        "    machineGroupRef: {kind: SnowMachineConfig, name: nope}\n  datacenterRef")
    assert "cannot find SnowMachineConfig nope for control plane" in messages(load(plugins, text))


def test_unknown_fields_rejected(conformance: Path, plugins: Plugins) -> None:
    with pytest.raises(SpecErrors) as info:
        parse_cluster_config((conformance / "api/not_parseable_cluster_snow.yaml").read_text(),
                             registry=plugins.registry)
    assert {e.field for e in info.value} == {"spec.idont"}
    assert {e.kind for e in info.value} == {"SnowMachineConfig", "SnowDatacenterConfig"}


CREDS = b"[1.2.3.4]\naws_access_key_id = AKID\naws_secret_access_key = SECRETKEY\nregion = snow\n\n[default]\n" \
        b"aws_access_key_id = X\n\n[5.6.7.8]\naws_access_key_id = B\naws_secret_access_key = C\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    creds, ca = tmp_path / "credentials", tmp_path / "ca.pem"
    creds.write_bytes(CREDS)
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n")
    return {"EKSA_AWS_CREDENTIALS_FILE": str(creds), "EKSA_AWS_CA_BUNDLES_FILE": str(ca)}


def test_credentials_devices(files: dict[str, str]) -> None:
    creds = read_credentials(files)
    assert creds.device_ips == ["1.2.3.4", "5.6.7.8"]
    assert creds.for_device("5.6.7.8").region == "snow"
    assert "SECRETKEY" not in repr(creds) and "SECRETKEY" not in repr(creds.for_device("1.2.3.4"))
    with pytest.raises(SpecError, match=r"credentials not found for device \[9.9.9.9\]"):
        creds.for_device("9.9.9.9")
    assert device_endpoints("1.2.3.4") == {"ec2": "https://1.2.3.4:8243", "snowballdevice": "https://1.2.3.4:9092"}


def test_credentials_errors(files: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="env 'EKSA_AWS_CREDENTIALS_FILE' is not set or is empty"):
        read_credentials({})
    with pytest.raises(SpecError, match="env 'EKSA_AWS_CA_BUNDLES_FILE' is not set or is empty"):
        read_credentials({"EKSA_AWS_CREDENTIALS_FILE": files["EKSA_AWS_CREDENTIALS_FILE"]})
    missing = str(tmp_path / "nope")
    with pytest.raises(SpecError, match=f"file '{missing}' does not exist"):
        read_credentials({**files, "EKSA_AWS_CA_BUNDLES_FILE": missing})
    with pytest.raises(SpecError, match="no ip address profile found in content"):
        parse_credentials("[default]\naws_access_key_id = x\n")


def test_secret_and_env_map(plugins: Plugins, files: dict[str, str], tmp_path: Path) -> None:
    config = load(plugins)
    spec = Spec(config)
    context = HookContext(cluster_dir=tmp_path, env=files)
    [secret] = eksa_generate_secrets(spec, context) or []
    assert secret["metadata"] == {"name": "test-snow-credentials", "namespace": "ns1"}
    assert secret["type"] == "Opaque"
    assert base64.b64decode(base64.b64decode(secret["data"]["credentials"])) == CREDS
    env = eksa_env_map(spec, context) or {}
    assert base64.b64decode(env["AWS_B64ENCODED_CREDENTIALS"]) == CREDS
    assert env["AWS_B64ENCODED_CA_BUNDLES"] == base64.b64encode(Path(files["EKSA_AWS_CA_BUNDLES_FILE"]).read_bytes()
                                                                ).decode()
    assert credentials_secret(config.get(SnowDatacenterConfig, "test"), read_credentials(files)) == secret


def test_generate_cluster_config() -> None:
    from eksa_core.models import Cluster, ClusterSpec, ControlPlaneConfiguration, ObjectMeta
    from eksa_core.models.cluster import WorkerNodeGroupConfiguration

    cluster = Cluster(metadata=ObjectMeta(name="dev"), spec=ClusterSpec(
        control_plane_configuration=ControlPlaneConfiguration(count=2),
        worker_node_group_configurations=[WorkerNodeGroupConfiguration(name="md-0", count=1)]))
    data = [unstructure(d) for d in eksa_generate_cluster_config("dev", cluster) or []]
    assert [d["metadata"]["name"] for d in data] == ["dev", "dev-cp", "dev"]
    assert data[0]["spec"] == {"identityRef": {}}
    assert data[1]["spec"] == {
        "amiID": "", "instanceType": "sbe-c.large", "physicalNetworkConnector": "SFP_PLUS", "sshKeyName": "",
        "devices": [""], "osFamily": "ubuntu",
        "network": {"directNetworkInterfaces": [{"index": 1, "dhcp": True, "primary": True}]}}
    assert cluster.spec.control_plane_configuration is not None
    assert cluster.spec.control_plane_configuration.count == 3 and cluster.worker_groups()[0].count == 3


def _cases() -> list[dict[str, Any]]:
    base = conformance_dir(__file__)
    if base is None:
        return []
    path = base / "cases.yaml"
    return [c for c in to_plain(safe_load(path.read_text()))["cases"]
            if c.get("provider") == "snow" and c.get("kind") == "credentials-ini"]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["id"])
def test_credentials_case(case: dict[str, Any], conformance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"EKSA_AWS_CREDENTIALS_FILE": str(conformance / case["input"]),
           "EKSA_AWS_CA_BUNDLES_FILE": str(conformance / case["extra_inputs"]["certificates"])}
    result = eksa_conformance_case(kind="credentials-ini", case=case, inputs={"base_dir": conformance, "env": env})
    assert result.passed, result.detail
    assert eksa_conformance_case(kind="hardware-csv", case=case, inputs={}) is None
