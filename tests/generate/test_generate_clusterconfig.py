"""``eksa_core.generate``: new specs per provider (EKS-A ``generate clusterconfig``) and the generate-cluster case."""

from __future__ import annotations

import importlib.util

import pytest

from eksa_core import PluginError, SpecError
from eksa_core.generate import (
    cluster_data,
    generate_cluster_config,
    new_cluster,
    new_cluster_from_params,
    to_yaml,
    validate_cluster_name,
)
from eksa_core.plugins import Plugins
from eksa_core.yamlio import load_documents, to_plain
from tests.conftest import conformance_dir


def docker_plugins() -> Plugins:
    pytest.importorskip("eksa_docker", reason="the Docker provider (providers/docker) is not installed")
    from eksa_docker import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-docker")
    return plugins


DOCKER_YAML = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: dev
spec:
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks:
      - 192.168.0.0/16
    services:
      cidrBlocks:
      - 10.96.0.0/12
  controlPlaneConfiguration:
    count: 1
  datacenterRef:
    kind: DockerDatacenterConfig
    name: dev
  externalEtcdConfiguration:
    count: 1
  kubernetesVersion: "1.36"
  managementCluster:
    name: dev
  workerNodeGroupConfigurations:
  - count: 1
    name: md-0

---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: DockerDatacenterConfig
metadata:
  name: dev
spec: {}

---
"""


def test_docker_output_is_exactly_eksas() -> None:
    assert to_yaml(generate_cluster_config("dev", "docker", plugins=docker_plugins())) == DOCKER_YAML


def test_generated_docker_spec_reads_back_and_validates() -> None:
    from eksa_core.loading import load_spec_text

    plugins = docker_plugins()
    config = load_spec_text(to_yaml(generate_cluster_config("dev", "docker", plugins=plugins)), file="dev.yaml",
                            plugins=plugins)
    assert [o.kind for o in config.objects] == ["Cluster", "DockerDatacenterConfig"]


def test_options_override_provider_choices() -> None:
    config = generate_cluster_config(
        "dev", "docker", plugins=docker_plugins(), kubernetes_version="1.30", control_plane_count=3,
        worker_node_group_count=4, control_plane_upgrade_rollout_strategy={"type": "RollingUpdate",
                                                                          "rollingUpdate": {"maxSurge": 1}},
        worker_upgrade_rollout_strategy="RollingUpdate",
    )
    data = cluster_data(config.cluster)
    spec = data["spec"]
    assert spec["kubernetesVersion"] == "1.30"
    assert spec["controlPlaneConfiguration"] == {"count": 3, "upgradeRolloutStrategy": {
        "rollingUpdate": {"maxSurge": 1}, "type": "RollingUpdate"}}
    assert spec["workerNodeGroupConfigurations"] == [{"count": 4, "name": "md-0",
                                                       "upgradeRolloutStrategy": {"type": "RollingUpdate"}}]
    assert "dns" not in spec["clusterNetwork"]


def test_unknown_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="workers"):
        generate_cluster_config("dev", "docker", plugins=docker_plugins(), workers=3)


def test_bad_rollout_field_is_a_spec_error_with_path() -> None:
    with pytest.raises(Exception) as exc:
        generate_cluster_config("dev", "docker", plugins=docker_plugins(),
                                control_plane_upgrade_rollout_strategy={"type": "InPlace", "surge": 1})
    assert "spec.controlPlaneConfiguration.upgradeRolloutStrategy.surge" in str(exc.value)


def test_unknown_provider() -> None:
    with pytest.raises(PluginError, match=r"^foo is not a valid provider"):
        generate_cluster_config("dev", "foo", plugins=docker_plugins())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (None, "please specify a cluster name"),
        ("", "please specify a cluster name"),
        ("123testCluster", "123testCluster is not a valid cluster name, cluster names must start with "
                           "lowercase/uppercase letters and can include numbers and dashes. For instance "
                           "'testCluster-123' is a valid name but '123testCluster' is not. "),
        ("a", "a is not a valid cluster name"),
        ("dev_1", "dev_1 is not a valid cluster name"),
        ("a" * 36, f"number of characters in {'a' * 36} should be less than 36"),
    ],
)
def test_name_errors(name: str | None, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        validate_cluster_name(name)
    assert exc.value.message.startswith(message)
    with pytest.raises(SpecError):
        generate_cluster_config(name, "docker", plugins=Plugins())  # type: ignore[arg-type]


def test_longest_valid_name() -> None:
    assert validate_cluster_name("a" * 35) == "a" * 35


def test_provider_without_generate_hook() -> None:
    from eksa_core import hookimpl
    from eksa_core.models import DatacenterConfigObject
    from eksa_core.plugins import ProviderInfo

    class MuteDatacenterConfig(DatacenterConfigObject):
        KIND = "MuteDatacenterConfig"

    class Mute:
        @hookimpl
        def eksa_provider(self) -> ProviderInfo:
            return ProviderInfo(name="mute", datacenter_kind="MuteDatacenterConfig", kinds=(MuteDatacenterConfig,))

    plugins = Plugins()
    plugins.register(Mute(), name="mute")
    with pytest.raises(PluginError, match="provider mute does not generate cluster configs"):
        generate_cluster_config("dev", "mute", plugins=plugins)


# -- provider-independent Cluster (NewClusterGenerate) ------------------------------------------------------


def test_new_cluster_skeleton() -> None:
    assert cluster_data(new_cluster("c1")) == {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster", "metadata": {"name": "c1"},
        "spec": {"clusterNetwork": {"cniConfig": {"cilium": {}}, "dns": {},
                                    "pods": {"cidrBlocks": ["192.168.0.0/16"]},
                                    "services": {"cidrBlocks": ["10.96.0.0/12"]}},
                 "controlPlaneConfiguration": {}, "datacenterRef": {}, "kubernetesVersion": "1.36",
                 "managementCluster": {"name": "c1"}},
    }


def test_new_cluster_endpoint_and_etcd() -> None:
    spec = cluster_data(new_cluster("c1", control_plane_count=2, control_plane_endpoint=True,
                                    external_etcd_count=3))["spec"]
    assert spec["controlPlaneConfiguration"] == {"count": 2, "endpoint": {"host": ""}}
    assert spec["externalEtcdConfiguration"] == {"count": 3}


def test_unknown_case_param() -> None:
    with pytest.raises(SpecError, match="unknown generate parameter 'workers'"):
        new_cluster_from_params({"clusterName": "c", "workers": 1})


def test_generate_cluster_conformance_cases() -> None:
    """Every ``generate-cluster`` case of the shared conformance file, compared as data."""
    root = conformance_dir()
    if root is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    from eksa_core.yamlio import safe_load

    cases = [c for c in safe_load((root / "cases.yaml").read_text())["cases"] if c["kind"] == "generate-cluster"]
    assert cases, "no generate-cluster case in the conformance file"
    for case in cases:
        cluster = new_cluster_from_params(case["params"])
        expected_text = (root / case["expected"]).read_text()
        expected = [to_plain(d.data) for d in load_documents(expected_text) if not d.is_empty]
        assert [cluster_data(cluster)] == expected, case["id"]
        if case.get("compare") == "exact":
            from eksa_core.generate import _dump

            assert _dump(cluster_data(cluster)) == expected_text, case["id"]


# -- vSphere (written by the vSphere provider) --------------------------------------------------------------


def vsphere_plugins() -> Plugins:
    if importlib.util.find_spec("eksa_vsphere") is None:
        pytest.skip("the vSphere provider (providers/vsphere) is not installed")
    from eksa_vsphere import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-vsphere")
    return plugins


def test_vsphere_generated_spec_matches_eksa() -> None:
    plugins = vsphere_plugins()
    config = generate_cluster_config("prod", "vsphere", plugins=plugins)
    docs = [to_plain(d.data) for d in load_documents(to_yaml(config)) if not d.is_empty]
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [
        ("Cluster", "prod"), ("VSphereDatacenterConfig", "prod"), ("VSphereMachineConfig", "prod-cp"),
        ("VSphereMachineConfig", "prod"), ("VSphereMachineConfig", "prod-etcd")]
    spec = docs[0]["spec"]
    assert spec["controlPlaneConfiguration"] == {
        "count": 2, "endpoint": {"host": ""}, "machineGroupRef": {"kind": "VSphereMachineConfig", "name": "prod-cp"}}
    assert spec["externalEtcdConfiguration"] == {
        "count": 3, "machineGroupRef": {"kind": "VSphereMachineConfig", "name": "prod-etcd"}}
    assert spec["workerNodeGroupConfigurations"] == [
        {"count": 2, "machineGroupRef": {"kind": "VSphereMachineConfig", "name": "prod"}, "name": "md-0"}]
    assert docs[1]["spec"] == {"datacenter": "", "insecure": False, "network": "", "server": "", "thumbprint": ""}
    for machine in docs[2:]:
        assert machine["spec"] == {"datastore": "", "diskGiB": 25, "folder": "", "memoryMiB": 8192, "numCPUs": 2,
                                   "osFamily": "bottlerocket", "resourcePool": "",
                                   "users": [{"name": "ec2-user", "sshAuthorizedKeys": ["ssh-rsa AAAA..."]}]}
    assert 'kubernetesVersion: "1.36"' in to_yaml(config)
