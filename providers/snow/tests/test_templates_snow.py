"""Snow rendering: every spec -> output rule on specs built here (no public Snow render fixture exists), the
1.21 bundle of the conformance releases, and the provider contract kit (shape, names, no secret leaks)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from eksa_snow.templates import (
    IAM_INSTANCE_PROFILE,
    eksa_infrastructure_bundle,
    generate_control_plane,
    generate_workers,
)

from eksa_core.plugins import Plugins, TemplateOptions
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing import conformance_dir

BASE = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {{name: snowy}}
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 3
    endpoint: {{host: 10.0.0.5}}
    machineGroupRef: {{kind: SnowMachineConfig, name: snowy-cp}}
{etcd}  datacenterRef: {{kind: SnowDatacenterConfig, name: snowy}}
  kubernetesVersion: "1.21"
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    labels: {{tier: web}}
    taints: [{{key: k, value: v, effect: NoSchedule}}]
    machineGroupRef: {{kind: SnowMachineConfig, name: snowy-workers}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowDatacenterConfig
metadata: {{name: snowy}}
spec: {{identityRef: {{kind: Secret, name: snowy-snow-credentials}}}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata: {{name: snowy-cp}}
spec:
  amiID: ami-cp
  instanceType: sbe-c.xlarge
  sshKeyName: cp-key
  devices: [192.168.1.10, 192.168.1.11]
  osFamily: {cp_os}
  physicalNetworkConnector: QSFP
  containersVolume: {{size: 30}}
  nonRootVolumes: [{{deviceName: /dev/sdc, size: 10, type: sbp1}}]
  network:
    directNetworkInterfaces:
    - {{index: 1, primary: true, ipPoolRef: {{kind: SnowIPPool, name: pool-a}}}}
    - {{index: 2, vlanID: 7, dhcp: true}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata: {{name: snowy-workers}}
spec:
  amiID: ami-w
  instanceType: sbe-c.large
  sshKeyName: w-key
  devices: [192.168.1.11]
  osFamily: {worker_os}
  physicalNetworkConnector: SFP_PLUS
  containersVolume: {{size: 25}}
  network:
    directNetworkInterfaces:
    - {{index: 1, dhcp: true, primary: true}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowIPPool
metadata: {{name: pool-a}}
spec:
  pools: [{{ipStart: 10.0.0.20, ipEnd: 10.0.0.30, subnet: 10.0.0.0/24, gateway: 10.0.0.1}}]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowIPPool
metadata: {{name: pool-unused}}
spec:
  pools: [{{ipStart: 10.0.1.20, ipEnd: 10.0.1.30, subnet: 10.0.1.0/24, gateway: 10.0.1.1}}]
"""
ETCD = """  externalEtcdConfiguration:
    count: 3
    machineGroupRef: {kind: SnowMachineConfig, name: snowy-cp}
"""


def build(plugins: Plugins, *, cp_os: str = "ubuntu", worker_os: str = "ubuntu", etcd: bool = False) -> Spec:
    from eksa_core.releases import build_spec_from_files

    base = conformance_dir(__file__)
    if base is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    releases = base / "releases"
    text = BASE.format(cp_os=cp_os, worker_os=worker_os, etcd=ETCD if etcd else "")
    config = parse_cluster_config(text, file="snowy.yaml", registry=plugins.registry)
    return build_spec_from_files(config, [releases / "bundles.yaml", releases / "kubernetes-1-21-eks-4.yaml"],
                                 plugins=plugins)


@pytest.fixture(autouse=True)
def env(snow_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for k, v in snow_env.items():
        monkeypatch.setenv(k, v)
    return snow_env


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def tspec(template: dict[str, Any]) -> dict[str, Any]:
    return template["spec"]["template"]["spec"]


def test_control_plane_object_set_and_order(plugins: Plugins, env: dict[str, str]) -> None:
    objects = generate_control_plane(build(plugins, etcd=True), env=env)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Cluster", "snowy"), ("AWSSnowCluster", "snowy"), ("KubeadmControlPlane", "snowy"),
        ("AWSSnowMachineTemplate", "snowy-control-plane-1"), ("EtcdadmCluster", "snowy-etcd"),
        ("AWSSnowMachineTemplate", "snowy-etcd-1"), ("Secret", "snowy-snow-credentials"), ("AWSSnowIPPool", "pool-a"),
    ]
    assert all(o["metadata"]["namespace"] == "eksa-system" for o in objects)
    assert {o["apiVersion"] for o in objects if o["kind"].startswith("AWSSnow")} == {
        "infrastructure.cluster.x-k8s.io/v1beta1"}
    cluster = objects[0]
    assert cluster["spec"]["infrastructureRef"]["kind"] == "AWSSnowCluster"
    assert cluster["spec"]["managedExternalEtcdRef"]["name"] == "snowy-etcd"
    etcd = by_kind(objects, "EtcdadmCluster")[0]
    assert etcd["spec"]["replicas"] == 3
    assert etcd["spec"]["infrastructureTemplate"] == {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
                                                      "kind": "AWSSnowMachineTemplate", "name": "snowy-etcd-1"}
    kcp = by_kind(objects, "KubeadmControlPlane")[0]
    assert kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["etcd"]["external"]["endpoints"] == [
        "https://placeholder:2379"]


def test_snow_cluster(plugins: Plugins, env: dict[str, str]) -> None:
    snow_cluster = by_kind(generate_control_plane(build(plugins), env=env), "AWSSnowCluster")[0]
    assert snow_cluster["spec"] == {"controlPlaneEndpoint": {"host": "10.0.0.5", "port": 6443},
                                    "identityRef": {"kind": "Secret", "name": "snowy-snow-credentials"},
                                    "region": "snow"}


def test_machine_template_spec_from_machine_config(plugins: Plugins, env: dict[str, str]) -> None:
    objects = generate_control_plane(build(plugins), env=env)
    cp = tspec(by_kind(objects, "AWSSnowMachineTemplate")[0])
    assert cp == {
        "ami": {"id": "ami-cp"},
        "cloudInit": {"insecureSkipSecretsManager": True},
        "devices": ["192.168.1.10", "192.168.1.11"],
        "iamInstanceProfile": IAM_INSTANCE_PROFILE,
        "instanceType": "sbe-c.xlarge",
        "physicalNetworkConnectorType": "QSFP",
        "sshKeyName": "cp-key",
        "containersVolume": {"size": 30},
        "nonRootVolumes": [{"deviceName": "/dev/sdc", "size": 10, "type": "sbp1"}],
        "network": {"directNetworkInterfaces": [
            {"index": 1, "primary": True, "ipPool": {"kind": "AWSSnowIPPool", "name": "pool-a"}},
            {"index": 2, "vlanID": 7, "dhcp": True},
        ]},
        "osFamily": "ubuntu",
    }
    assert IAM_INSTANCE_PROFILE == "control-plane.cluster-api-provider-aws.sigs.k8s.io"


def test_only_referenced_ip_pools_are_rendered(plugins: Plugins, env: dict[str, str]) -> None:
    pools = by_kind(generate_control_plane(build(plugins), env=env), "AWSSnowIPPool")
    assert pools == [{"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "AWSSnowIPPool",
                      "metadata": {"name": "pool-a", "namespace": "eksa-system"},
                      "spec": {"pools": [{"ipStart": "10.0.0.20", "ipEnd": "10.0.0.30", "subnet": "10.0.0.0/24",
                                          "gateway": "10.0.0.1"}]}}]


def test_credentials_secret_holds_both_files(plugins: Plugins, env: dict[str, str]) -> None:
    secret = by_kind(generate_control_plane(build(plugins), env=env), "Secret")[0]
    assert secret["metadata"]["labels"] == {"clusterctl.cluster.x-k8s.io/move": "true"}
    for key, var in (("credentials", "EKSA_AWS_CREDENTIALS_FILE"), ("ca-bundle", "EKSA_AWS_CA_BUNDLES_FILE")):
        once = base64.b64decode(secret["data"][key]).decode()
        assert base64.b64decode(once) == Path(env[var]).read_bytes()


def test_missing_credentials_file_is_an_error(plugins: Plugins, env: dict[str, str]) -> None:
    from eksa_core.errors import SpecError

    spec = build(plugins)
    without = {k: v for k, v in env.items() if k != "EKSA_AWS_CREDENTIALS_FILE"}
    with pytest.raises(SpecError, match="env 'EKSA_AWS_CREDENTIALS_FILE' is not set or is empty"):
        generate_control_plane(spec, env=without)


def test_ubuntu_control_plane_bootstrap_scripts_and_provider_id(plugins: Plugins, env: dict[str, str]) -> None:
    spec = build(plugins)
    kcs = by_kind(generate_control_plane(spec, env=env), "KubeadmControlPlane")[0]["spec"]["kubeadmConfigSpec"]
    kube_vip = spec.versions_bundle().snow.kube_vip.uri
    assert kcs["preKubeadmCommands"][-1] == "/etc/eks/bootstrap.sh"
    assert kcs["postKubeadmCommands"] == [f"/etc/eks/bootstrap-after.sh {kube_vip} 10.0.0.5"]
    assert kcs["format"] == "cloud-config"
    for section in ("initConfiguration", "joinConfiguration"):
        args = kcs[section]["nodeRegistration"]["kubeletExtraArgs"]
        assert {"name": "provider-id", "value": "aws-snow:////'{{ ds.meta_data.instance_id }}'"} in args
    assert not any(f["path"].endswith("kube-vip.yaml") for f in kcs["files"])
    assert "users" not in kcs


def test_kcp_replicas_version_and_template_name_option(plugins: Plugins, env: dict[str, str]) -> None:
    options = TemplateOptions(control_plane_template_name="snowy-control-plane-4")
    objects = generate_control_plane(build(plugins), options, env=env)
    kcp = by_kind(objects, "KubeadmControlPlane")[0]
    assert kcp["spec"]["replicas"] == 3
    assert kcp["spec"]["version"] == "v1.21.2-eks-1-21-4"
    assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] == "snowy-control-plane-4"
    assert by_kind(objects, "AWSSnowMachineTemplate")[0]["metadata"]["name"] == "snowy-control-plane-4"


def test_bottlerocket_control_plane(plugins: Plugins, env: dict[str, str]) -> None:
    spec = build(plugins, cp_os="bottlerocket")
    objects = generate_control_plane(spec, env=env)
    template = tspec(by_kind(objects, "AWSSnowMachineTemplate")[0])
    assert template["osFamily"] == "bottlerocket" and template["imageLookupBaseOS"] == "bottlerocket"
    kcs = by_kind(objects, "KubeadmControlPlane")[0]["spec"]["kubeadmConfigSpec"]
    assert kcs["format"] == "bottlerocket"
    assert "/etc/eks/bootstrap.sh" not in kcs.get("preKubeadmCommands", [])
    assert "postKubeadmCommands" not in kcs
    kube_vip = next(f for f in kcs["files"] if f["path"] == "/etc/kubernetes/manifests/kube-vip.yaml")
    assert spec.versions_bundle().snow.kube_vip.uri in kube_vip["content"]
    assert "10.0.0.5" in kube_vip["content"]


def test_ubuntu_template_has_no_image_lookup(plugins: Plugins, env: dict[str, str]) -> None:
    template = tspec(by_kind(generate_control_plane(build(plugins), env=env), "AWSSnowMachineTemplate")[0])
    assert "imageLookupBaseOS" not in template


def test_workers(plugins: Plugins, env: dict[str, str]) -> None:
    objects = generate_workers(build(plugins), {"md-0": "snowy-md-0-3"}, None, env=env)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("KubeadmConfigTemplate", "snowy-md-0-1"), ("MachineDeployment", "snowy-md-0"),
        ("AWSSnowMachineTemplate", "snowy-md-0-3")]
    kct, md, mt = objects
    join = kct["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]
    assert {"name": "provider-id", "value": "aws-snow:////'{{ ds.meta_data.instance_id }}'"} in join["kubeletExtraArgs"]
    assert {"name": "node-labels", "value": "tier=web"} in join["kubeletExtraArgs"]
    assert join["taints"] == [{"key": "k", "value": "v", "effect": "NoSchedule"}]
    assert kct["spec"]["template"]["spec"]["preKubeadmCommands"] == ["/etc/eks/bootstrap.sh"]
    assert "postKubeadmCommands" not in kct["spec"]["template"]["spec"]
    assert md["spec"]["replicas"] == 2
    assert md["spec"]["template"]["spec"]["infrastructureRef"] == {
        "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "AWSSnowMachineTemplate", "name": "snowy-md-0-3"}
    assert tspec(mt)["devices"] == ["192.168.1.11"] and tspec(mt)["sshKeyName"] == "w-key"
    assert tspec(mt)["iamInstanceProfile"] == IAM_INSTANCE_PROFILE


def test_bottlerocket_workers_get_the_snow_bootstrap_container_when_the_bundle_has_one(
        plugins: Plugins, env: dict[str, str]) -> None:
    spec = build(plugins, worker_os="bottlerocket")
    kct = generate_workers(spec, env=env)[0]
    tmpl = kct["spec"]["template"]["spec"]
    assert tmpl["format"] == "bottlerocket" and "preKubeadmCommands" not in tmpl
    join = tmpl["joinConfiguration"]
    assert spec.versions_bundle().snow.bottlerocket_bootstrap_snow.uri == ""  # the 1.21 bundle has none
    assert "bottlerocketCustomBootstrapContainers" not in join
    spec.versions_bundle().snow.bottlerocket_bootstrap_snow.uri = "public.ecr.aws/x/bottlerocket-bootstrap-snow:v1"
    join = generate_workers(spec, env=env)[0]["spec"]["template"]["spec"]["joinConfiguration"]
    assert join["bottlerocketCustomBootstrapContainers"] == [
        {"name": "bottlerocket-bootstrap-snow", "imageRepository": "public.ecr.aws/x/bottlerocket-bootstrap-snow",
         "imageTag": "v1", "mode": "always"}]


def test_infrastructure_bundle(plugins: Plugins) -> None:
    spec = build(plugins)
    bundle = eksa_infrastructure_bundle(spec=spec)
    assert bundle is not None
    sn = spec.versions_bundle().snow
    assert bundle.folder_name == f"infrastructure-snow/{sn.version}/"
    assert bundle.manifests == (sn.components.uri, sn.metadata.uri)


def test_hooks_through_the_plugin_and_contract_kit(plugins: Plugins, env: dict[str, str], tmp_path: Path) -> None:
    from eksa_core.testing import check_no_secret_leaks, check_templates

    spec = build(plugins, etcd=True)
    objects = check_templates(plugins, "snow", spec, env)
    assert by_kind(objects, "MachineDeployment")
    secret_file = tmp_path / "secret-credentials"
    secret_file.write_text("[192.168.1.10]\naws_access_key_id = AKIDCONTRACT\n"
                           "aws_secret_access_key = contract-secret-1234\nregion = snow\n")
    check_no_secret_leaks(plugins, "snow", spec, {**env, "EKSA_AWS_CREDENTIALS_FILE": str(secret_file),
                                                  "SECRET_PROBE": "contract-secret-1234"})
