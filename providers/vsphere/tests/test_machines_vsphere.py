"""Machine hooks: machine configs, template roll decisions, and VM cleanup that never touches another cluster."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from eksa_vsphere import plugin
from eksa_vsphere.client import VCenter
from eksa_vsphere.machines import (
    CONTROL_PLANE_ANNOTATION,
    ETCD_ANNOTATION,
    MANAGED_BY_ANNOTATION,
    eksa_cleanup_machines,
    eksa_machine_configs,
    eksa_needs_new_machine_templates,
)
from eksa_vsphere_testlib import DEFAULT_INVENTORY, VcsimServer
from test_validate_vsphere import make_spec, mc, spec_yaml

from eksa_core.context import HookContext
from eksa_core.models.base import Ref
from eksa_core.models.cluster import ManagementCluster, Taint, WorkerNodeGroupConfiguration
from eksa_core.plugins import Plugins
from eksa_core.spec import Spec


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-vsphere")
    return p


# ------------------------------------------------------------------------------------------- machine configs


def test_machine_configs_ordered_deduplicated_annotated(plugins: Plugins) -> None:
    spec = make_spec(spec_yaml(), plugins)
    spec.cluster.worker_groups()[0].machine_group_ref = Ref(kind="VSphereMachineConfig", name="mycluster-cp")
    configs = eksa_machine_configs(spec)
    assert [c.name for c in configs] == ["mycluster-cp", "mycluster-etcd"]
    assert configs[0].metadata.annotations == {CONTROL_PLANE_ANNOTATION: "true"}
    assert configs[1].metadata.annotations == {ETCD_ANNOTATION: "true"}


def test_workload_cluster_configs_are_managed_by_the_management_cluster(plugins: Plugins) -> None:
    spec = make_spec(spec_yaml(), plugins)
    spec.cluster.spec.management_cluster = ManagementCluster(name="mgmt")
    configs = eksa_machine_configs(spec)
    assert [c.name for c in configs] == ["mycluster-cp", "mycluster-etcd", "mycluster-md"]
    assert all(c.metadata.annotations[MANAGED_BY_ANNOTATION] == "mgmt" for c in configs)
    assert MANAGED_BY_ANNOTATION not in (eksa_machine_configs(make_spec(spec_yaml(), plugins))[0]
                                         .metadata.annotations or {})


# ------------------------------------------------------------------------------------------- template rolls


def _pair(plugins: Plugins) -> tuple[Spec, Spec]:
    return make_spec(spec_yaml(), plugins), make_spec(spec_yaml(), plugins)


def _needs(current: Spec, new: Spec) -> dict[str, bool]:
    return {role: bool(eksa_needs_new_machine_templates(current, new, role, "md-0" if role == "workers" else None))
            for role in ("control-plane", "etcd", "workers")}


def test_nothing_changed_rolls_nothing(plugins: Plugins) -> None:
    assert _needs(*_pair(plugins)) == {"control-plane": False, "etcd": False, "workers": False}


@pytest.mark.parametrize(("name", "attr", "value"), [
    ("mycluster-cp", "num_cpus", 4), ("mycluster-cp", "memory_mib", 16384), ("mycluster-cp", "disk_gib", 50),
    ("mycluster-cp", "template", "/DC0/vm/Templates/other"), ("mycluster-cp", "datastore", "/DC0/datastore/b"),
    ("mycluster-cp", "folder", "/DC0/vm/x"), ("mycluster-cp", "resource_pool", "/DC0/host/x/Resources"),
    ("mycluster-cp", "tags", ["urn:x"]), ("mycluster-cp", "clone_mode", "fullClone"),
    ("mycluster-cp", "storage_policy_name", "gold"),
])
def test_machine_config_change_rolls_only_its_group(plugins: Plugins, name: str, attr: str, value: object) -> None:
    current, new = _pair(plugins)
    setattr(mc(new.config, name).spec, attr, value)
    assert _needs(current, new) == {"control-plane": True, "etcd": False, "workers": False}


def test_datacenter_or_version_change_rolls_everything(plugins: Plugins) -> None:
    current, new = _pair(plugins)
    new.datacenter().spec.thumbprint = "AB:CD"
    assert _needs(current, new) == {"control-plane": True, "etcd": True, "workers": True}
    current, new = _pair(plugins)
    new.cluster.spec.kubernetes_version = "1.29"
    assert _needs(current, new) == {"control-plane": True, "etcd": True, "workers": True}


def test_worker_group_changes(plugins: Plugins) -> None:
    current, new = _pair(plugins)
    new.cluster.worker_groups()[0].count = 5  # scaling is not a template change
    assert _needs(current, new)["workers"] is False
    new.cluster.worker_groups()[0].taints = [Taint(key="k", value="v", effect="NoSchedule")]
    assert _needs(current, new) == {"control-plane": False, "etcd": False, "workers": True}
    current, new = _pair(plugins)
    new.cluster.worker_groups()[0].kubernetes_version = "1.27"
    assert _needs(current, new)["workers"] is True
    current, new = _pair(plugins)
    new.cluster.spec.worker_node_group_configurations.append(WorkerNodeGroupConfiguration(
        name="md-1", count=1, machine_group_ref=Ref(kind="VSphereMachineConfig", name="mycluster-md")))
    assert eksa_needs_new_machine_templates(current, new, "workers", "md-1") is True


def test_endpoint_change_rolls_control_plane(plugins: Plugins) -> None:
    current, new = _pair(plugins)
    new.cluster.spec.control_plane_configuration.endpoint.host = "198.18.0.11"
    assert _needs(current, new) == {"control-plane": True, "etcd": False, "workers": False}


# ------------------------------------------------------------------------------------------- cleanup

OURS = ["mycluster-x7k2p", "mycluster-etcd-abcde", "mycluster-md-0-5f9c8-q2w3e"]
DECOYS = ["mycluster2-x7k2p", "mycluster2-md-0-5f9c8-q2w3e", "mycluster-b-qwert", "mycluster-other-thing-x"]


def _cleanup_inventory() -> dict[str, object]:
    inv = copy.deepcopy(DEFAULT_INVENTORY)
    machines = list(inv["machines"])  # type: ignore[call-overload]
    machines += [{"name": n, "folder": "/DC0/vm/eksa", "power_on": True} for n in OURS + DECOYS]
    machines += [{"name": "mycluster-abcde", "folder": "/DC0/vm/Templates"},  # outside the cluster's folder
                 {"name": "mycluster-tmpl1", "folder": "/DC0/vm/eksa", "template": True}]
    inv["machines"] = machines
    return inv


def _vm_names(server: VcsimServer) -> set[str]:
    with VCenter(server.server) as vc:
        vc.login(server.username, server.password)
        return {o.name for o in vc.inventory(refresh=True).of_kind("VirtualMachine")}


def test_cleanup_destroys_only_this_clusters_vms(start_vcsim: Callable[..., VcsimServer], plugins: Plugins,
                                                 tmp_path: Path) -> None:
    server = start_vcsim(_cleanup_inventory())
    spec = make_spec(spec_yaml(server=server.server), plugins)
    before = _vm_names(server)
    ctx = HookContext(cluster_dir=tmp_path, env=server.env)
    eksa_cleanup_machines(spec, ctx)
    after = _vm_names(server)
    assert before - after == set(OURS)
    assert set(DECOYS) | {"mycluster-abcde", "mycluster-tmpl1"} <= after
    assert sorted(ctx.recorded[-1]["destroyed"]) == sorted(OURS)
    eksa_cleanup_machines(spec, ctx)  # nothing left: a second run is a no-op
    assert _vm_names(server) == after


def test_cleanup_dry_run_contacts_nothing(plugins: Plugins, tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(server="https://127.0.0.1:9"), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env={}, dry_run=True)
    eksa_cleanup_machines(spec, ctx)
    assert ctx.recorded == [{"action": "vsphere-cleanup-vms", "server": "https://127.0.0.1:9", "datacenter": "DC0",
                             "name_prefix": "mycluster-", "folders": ["/DC0/vm/eksa"]}]
