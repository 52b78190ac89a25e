"""Provider identity, entry point, ``generate clusterconfig`` and the clusterctl environment."""

from __future__ import annotations

import importlib.metadata

import pytest
from eksa_nutanix import plugin
from eksa_nutanix.templates import env_map
from eksa_nutanix.validation import datacenter_errors, machine_config_errors

from eksa_core.convert import unstructure
from eksa_core.errors import SpecError
from eksa_core.models.base import ObjectMeta
from eksa_core.models.cluster import Cluster, ClusterSpec, WorkerNodeGroupConfiguration
from eksa_core.plugins import Plugins


def test_entry_point_and_registration() -> None:
    eps = [ep for ep in importlib.metadata.entry_points(group="eksa.providers") if ep.name == "nutanix"]
    assert [ep.value for ep in eps] == ["eksa_nutanix.plugin"]
    plugins = Plugins()
    info = plugins.register(plugin, name="eksa-provider-nutanix")
    assert info is not None and info.name == "nutanix" and info.machine_kind == "NutanixMachineConfig"
    assert plugins.registry.get("NutanixMachineConfig") is not None


def test_generate_cluster_config() -> None:
    cluster = Cluster(metadata=ObjectMeta(name="c"),
                      spec=ClusterSpec(worker_node_group_configurations=[WorkerNodeGroupConfiguration(name="md-0")]))
    docs = plugin.eksa_generate_cluster_config(name="c", cluster=cluster)
    data = [unstructure(d) for d in docs]
    assert [(d["kind"], d["metadata"]["name"]) for d in data] == [
        ("NutanixDatacenterConfig", "c"), ("NutanixMachineConfig", "c-cp"), ("NutanixMachineConfig", "c"),
        ("NutanixMachineConfig", "c-etcd")]
    assert data[0]["spec"] == {"endpoint": "<enter Prism Central Endpoint (FQDN or IP) here>", "port": 9440,
                               "credentialRef": {"kind": "Secret", "name": "nutanix-credentials"}}
    assert data[1]["spec"] == {
        "osFamily": "ubuntu", "users": [{"name": "eksa", "sshAuthorizedKeys": ["ssh-rsa AAAA..."]}],
        "vcpusPerSocket": 1, "vcpuSockets": 2, "memorySize": "4Gi",
        "image": {"type": "name", "name": "<Enter image name here>"},
        "cluster": {"type": "name", "name": "<Enter Prism Element cluster name here>"},
        "subnet": {"type": "name", "name": "<Enter subnet name here>"}, "systemDiskSize": "40Gi",
        "bootType": "legacy"}
    spec = unstructure(cluster)["spec"]
    assert spec["controlPlaneConfiguration"]["count"] == 2
    assert spec["controlPlaneConfiguration"]["endpoint"] == {"host": ""}
    assert spec["externalEtcdConfiguration"] == {"count": 3, "machineGroupRef": {"kind": "NutanixMachineConfig",
                                                                                 "name": "c-etcd"}}
    assert spec["workerNodeGroupConfigurations"][0]["count"] == 2
    assert spec["datacenterRef"] == {"kind": "NutanixDatacenterConfig", "name": "c"}
    # The generated machine configs are statically valid; the datacenter only lacks a real endpoint.
    assert all(machine_config_errors(mc) == [] for mc in docs[1:])  # type: ignore[arg-type]
    assert datacenter_errors(docs[0]) == []  # type: ignore[arg-type]


def test_env_map() -> None:
    dc = plugin.eksa_generate_cluster_config(name="c", cluster=Cluster())[0]
    env = env_map(dc, {"EKSA_NUTANIX_USERNAME": "u", "EKSA_NUTANIX_PASSWORD": "p"})  # type: ignore[arg-type]
    assert env == {"NUTANIX_USER": "u", "NUTANIX_PASSWORD": "p",
                   "NUTANIX_ENDPOINT": "<enter Prism Central Endpoint (FQDN or IP) here>",
                   "EXP_CLUSTER_RESOURCE_SET": "true"}
    with pytest.raises(SpecError, match="EKSA_NUTANIX_USERNAME is not set or is empty"):
        env_map(dc, {})  # type: ignore[arg-type]
