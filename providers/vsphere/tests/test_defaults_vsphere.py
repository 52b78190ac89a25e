"""vSphere defaults that need no vCenter, and ``generate clusterconfig``."""

from __future__ import annotations

import pytest
from eksa_vsphere import plugin
from eksa_vsphere.provider import eksa_generate_cluster_config
from test_validate_vsphere import mc, parse, spec_yaml

from eksa_core.convert import unstructure
from eksa_core.models.base import ObjectMeta
from eksa_core.models.cluster import Cluster, ClusterSpec, WorkerNodeGroupConfiguration
from eksa_core.plugins import Plugins


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-vsphere")
    return p


def test_network_expanded_to_full_path(plugins: Plugins) -> None:
    config = parse(spec_yaml(), plugins)
    assert config.datacenter().spec.network == "/DC0/network/VM Network"
    text = spec_yaml().replace("network: VM Network", "network: /DC0/network/Other")
    assert parse(text, plugins).datacenter().spec.network == "/DC0/network/Other"


def test_insecure_clears_thumbprint_with_warning(plugins: Plugins) -> None:
    text = spec_yaml().replace("  insecure: false\n", "  insecure: true\n  thumbprint: AB:CD\n")
    config = parse(text, plugins)
    assert config.datacenter().spec.thumbprint == ""
    warnings = [w for w in config.warnings if w.warning]
    assert [w.message for w in warnings] == ["Warning: VSphereDatacenterConfig configured in insecure mode"]
    assert (warnings[0].kind, warnings[0].field) == ("VSphereDatacenterConfig", "spec.insecure")
    assert parse(spec_yaml(), plugins).warnings == []


def _bare_machine(os_line: str = "", extra: str = "") -> str:
    text = spec_yaml()
    head, _, _ = text.partition("---\napiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: VSphereMachineConfig")
    bare = "---\napiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: VSphereMachineConfig\nmetadata:\n  name: {}\n" \
           "spec:\n  datastore: ds\n  resourcePool: rp\n" + os_line + extra
    return head + "".join(bare.format(n) for n in ("mycluster-cp", "mycluster-etcd", "mycluster-md"))


def test_machine_config_defaults(plugins: Plugins) -> None:
    config = parse(_bare_machine(), plugins)
    cp = mc(config, "mycluster-cp").spec
    assert (cp.memory_mib, cp.num_cpus, cp.os_family, cp.disk_gib) == (8192, 2, "bottlerocket", 25)
    assert [(u.name, u.ssh_authorized_keys) for u in cp.users] == [("ec2-user", [""])]
    assert any("Defaulting to Bottlerocket" in w.message for w in config.warnings)


@pytest.mark.parametrize("os_family", ["ubuntu", "redhat"])
def test_default_user_is_capv_for_ubuntu_and_redhat(plugins: Plugins, os_family: str) -> None:
    config = parse(_bare_machine(f"  osFamily: {os_family}\n"), plugins)
    assert mc(config, "mycluster-md").spec.users[0].name == "capv"


def test_user_name_and_key_filled_when_partly_given(plugins: Plugins) -> None:
    config = parse(_bare_machine("  osFamily: ubuntu\n", "  users:\n  - sshAuthorizedKeys: []\n"), plugins)
    user = mc(config, "mycluster-md").spec.users[0]
    assert (user.name, user.ssh_authorized_keys) == ("capv", [""])


def test_minimums(plugins: Plugins) -> None:
    config = parse(_bare_machine("  osFamily: ubuntu\n", "  memoryMiB: 1024\n  diskGiB: 10\n"), plugins)
    md = mc(config, "mycluster-md").spec
    assert (md.memory_mib, md.disk_gib) == (2048, 20)
    config = parse(_bare_machine("  osFamily: ubuntu\n", "  memoryMiB: 4096\n"), plugins)
    assert mc(config, "mycluster-etcd").spec.memory_mib == 8192  # etcd machines need 8 GiB
    assert mc(config, "mycluster-md").spec.memory_mib == 4096
    messages = [w.message for w in config.warnings]
    assert ("Warning: VSphereMachineConfig MemoryMiB for etcd machines should not be less than 8192. "
            "Defaulting to 8192") in messages


def test_defaults_are_idempotent(plugins: Plugins) -> None:
    from eksa_vsphere.validation import eksa_set_defaults

    config = parse(spec_yaml(), plugins)
    before = [unstructure(o) for o in config.objects]
    eksa_set_defaults(config)
    assert [unstructure(o) for o in config.objects] == before


def test_generate_cluster_config() -> None:
    cluster = Cluster(metadata=ObjectMeta(name="mycluster"),
                      spec=ClusterSpec(kubernetes_version="1.36",
                                       worker_node_group_configurations=[WorkerNodeGroupConfiguration(name="md-0")]))
    objs = eksa_generate_cluster_config("mycluster", cluster)
    assert [(o.kind, o.name) for o in objs] == [
        ("VSphereDatacenterConfig", "mycluster"), ("VSphereMachineConfig", "mycluster-cp"),
        ("VSphereMachineConfig", "mycluster"), ("VSphereMachineConfig", "mycluster-etcd")]
    assert unstructure(objs[0])["spec"] == {"datacenter": "", "network": "", "server": "", "thumbprint": "",
                                            "insecure": False}
    assert unstructure(objs[1])["spec"] == {
        "diskGiB": 25, "datastore": "", "folder": "", "numCPUs": 2, "memoryMiB": 8192, "osFamily": "bottlerocket",
        "resourcePool": "", "users": [{"name": "ec2-user", "sshAuthorizedKeys": ["ssh-rsa AAAA..."]}]}
    spec = unstructure(cluster)["spec"]
    assert spec["controlPlaneConfiguration"] == {
        "count": 2, "endpoint": {"host": ""},
        "machineGroupRef": {"kind": "VSphereMachineConfig", "name": "mycluster-cp"}}
    assert spec["externalEtcdConfiguration"] == {
        "count": 3, "machineGroupRef": {"kind": "VSphereMachineConfig", "name": "mycluster-etcd"}}
    assert spec["workerNodeGroupConfigurations"] == [
        {"name": "md-0", "count": 2, "machineGroupRef": {"kind": "VSphereMachineConfig", "name": "mycluster"}}]
    assert spec["datacenterRef"] == {"kind": "VSphereDatacenterConfig", "name": "mycluster"}
