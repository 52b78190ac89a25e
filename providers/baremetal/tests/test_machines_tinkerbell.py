"""Bare metal machine hooks: machine configs and their annotations, the new-machine-template rules (InPlace
included), and releasing a deleted cluster's hardware on the FaultInjectionAPIServer without touching any other
cluster's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eksa_baremetal.hardware import OWNER_NAME_LABEL
from eksa_baremetal.machines import (
    CONTROL_PLANE_ANNOTATION,
    MANAGED_BY_ANNOTATION,
    OWNER_NAMESPACE_LABEL,
    cluster_machine_patterns,
    eksa_cleanup_machines,
    machine_configs,
    needs_new_machine_templates,
    release_hardware,
)
from test_setup_tinkerbell import (
    context,
    hardware_object,
    make_spec,
    plugins,
    tinkerbell_double,
    with_kubernetes_version,
)

from eksa_core.kube import KubeClient, RetryPolicy

HW = "tinkerbell.org/v1alpha1"
IN_PLACE = "    upgradeRolloutStrategy: {type: InPlace}"


@pytest.fixture
def double() -> Iterator[Any]:
    d = tinkerbell_double()
    try:
        yield d
    finally:
        d.stop()


# -- machine configs ---------------------------------------------------------------------------------------------


def test_machine_configs_control_plane_first_and_annotated() -> None:
    spec = make_spec()
    configs = machine_configs(spec)
    assert [m.name for m in configs] == ["bm-cp", "bm-wk"]
    assert configs[0].metadata.annotations == {CONTROL_PLANE_ANNOTATION: "true"}
    assert not configs[1].metadata.annotations


def test_workload_machine_configs_are_managed_by_the_management_cluster() -> None:
    configs = machine_configs(make_spec(name="wl", management="mgmt"))
    assert all((m.metadata.annotations or {}).get(MANAGED_BY_ANNOTATION) == "mgmt" for m in configs)


def test_shared_machine_config_listed_once() -> None:
    spec = make_spec(worker_extra="  - name: md-1\n    count: 1\n"
                                  "    machineGroupRef: {kind: TinkerbellMachineConfig, name: bm-wk}")
    assert [m.name for m in machine_configs(spec)] == ["bm-cp", "bm-wk"]


# -- new machine templates ---------------------------------------------------------------------------------------


def test_unchanged_spec_needs_nothing() -> None:
    assert needs_new_machine_templates(make_spec(), make_spec(), "control-plane", None) is False
    assert needs_new_machine_templates(make_spec(), make_spec(), "workers", "md-0") is False


def test_kubernetes_version_rolls_every_group() -> None:
    new = with_kubernetes_version(make_spec())
    assert needs_new_machine_templates(make_spec(), new, "control-plane", None) is True
    assert needs_new_machine_templates(make_spec(), new, "workers", "md-0") is True


def test_in_place_upgrades_keep_the_templates_for_a_version_change() -> None:
    current = make_spec(cp_extra=IN_PLACE, worker_extra=IN_PLACE)
    new = with_kubernetes_version(make_spec(cp_extra=IN_PLACE, worker_extra=IN_PLACE))
    assert needs_new_machine_templates(current, new, "control-plane", None) is False
    assert needs_new_machine_templates(current, new, "workers", "md-0") is False
    # ... but a new OS image still needs new machines
    new_image = make_spec(cp_extra=IN_PLACE, worker_extra=IN_PLACE, image="https://images.example/new-1-21.gz")
    assert needs_new_machine_templates(current, new_image, "control-plane", None) is True


@pytest.mark.parametrize("change", [
    {"cp_mc_extra": "  osImageURL: https://images.example/cp-1-21.gz"},
    {"cp_mc_extra": "  templateRef: {kind: TinkerbellTemplateConfig, name: custom}"},
    {"cp_mc_extra": "  hostOSConfiguration: {ntpConfiguration: {servers: [ntp.example]}}"},
    {"dc_extra": "  isoBoot: true"},
])
def test_fields_that_reach_the_machine_template(change: dict[str, str]) -> None:
    assert needs_new_machine_templates(make_spec(), make_spec(**change), "control-plane", None) is True


def test_worker_selector_and_kubeadm_config_changes() -> None:
    assert needs_new_machine_templates(make_spec(), make_spec(wk_selector="{type: big}"), "workers", "md-0")
    labelled = make_spec(worker_extra="    labels: {tier: gold}")
    assert needs_new_machine_templates(make_spec(), labelled, "workers", "md-0") is True
    # the control plane does not care about a worker group's labels
    assert needs_new_machine_templates(make_spec(), labelled, "control-plane", None) is False


def test_new_worker_group_needs_templates_and_a_scale_does_not() -> None:
    added = make_spec(worker_extra="  - name: md-1\n    count: 1\n"
                                   "    machineGroupRef: {kind: TinkerbellMachineConfig, name: bm-wk}")
    assert needs_new_machine_templates(make_spec(), added, "workers", "md-1") is True
    assert needs_new_machine_templates(make_spec(workers=1), make_spec(workers=3), "workers", "md-0") is False


def test_hook_is_wired() -> None:
    hooks = plugins().provider("tinkerbell")
    new = with_kubernetes_version(make_spec())
    assert hooks.eksa_needs_new_machine_templates(current_spec=make_spec(), new_spec=new, role="control-plane",
                                                  group=None) is True
    assert [m.name for m in hooks.eksa_machine_configs(spec=make_spec())] == ["bm-cp", "bm-wk"]


# -- releasing hardware ------------------------------------------------------------------------------------------


def test_machine_name_patterns_are_anchored() -> None:
    patterns = cluster_machine_patterns(make_spec(name="bm"))

    def ours(name: str) -> bool:
        return any(p.match(name) for p in patterns)

    assert ours("bm-x7k2p") and ours("bm-md-0-5d8f9c7b4-x7k2p")
    assert not ours("bm2-x7k2p") and not ours("bm-b-x7k2p") and not ours("bm-md-0-x7k2p")
    assert not ours("bm-md-1-5d8f9c7b4-x7k2p")


def _owned(name: str, owner: str, namespace: str | None = "eksa-system") -> dict[str, Any]:
    labels = {"type": "cp", OWNER_NAME_LABEL: owner}
    if namespace:
        labels[OWNER_NAMESPACE_LABEL] = namespace
    return hardware_object(name, labels)


def _tinkerbell_machine(name: str, cluster: str) -> dict[str, Any]:
    return {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "TinkerbellMachine",
            "metadata": {"name": name, "namespace": "eksa-system",
                         "labels": {"cluster.x-k8s.io/cluster-name": cluster}}, "spec": {}}


def _seed(double: Any) -> None:
    double.put_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "eksa-system"}})
    double.put_object(_owned("hw-live", "bm-md-0-abc-qwert"))          # our live machine (by its label)
    double.put_object(_tinkerbell_machine("bm-md-0-abc-qwert", "bm"))
    double.put_object(_owned("hw-orphan", "bm-x7k2p"))                 # our control plane machine, already gone
    double.put_object(_owned("hw-other", "bm-b-x7k2p"))                # another cluster's
    double.put_object(_tinkerbell_machine("bm-b-x7k2p", "bm-b"))
    double.put_object(_owned("hw-other-gone", "bm2-md-0-abc-zxcvb"))   # another cluster's, machine gone
    double.put_object(_owned("hw-elsewhere", "bm-x7k2q", namespace="team-a"))  # owned from another namespace
    double.put_object(hardware_object("hw-free", {"type": "cp"}))


def test_release_hardware_only_touches_the_cluster(tmp_path: Path, double: Any) -> None:
    _seed(double)
    kube = KubeClient(double.write_kubeconfig(tmp_path / "k"), retry=RetryPolicy())
    released = release_hardware(kube, make_spec(name="bm"))
    assert sorted(released) == ["hw-live", "hw-orphan"]
    labels = {h["metadata"]["name"]: h["metadata"].get("labels") or {}
              for h in double.list_objects(HW, "Hardware", "eksa-system")}
    assert labels["hw-live"] == {"type": "cp"} and labels["hw-orphan"] == {"type": "cp"}
    for name in ("hw-other", "hw-other-gone", "hw-elsewhere"):
        assert OWNER_NAME_LABEL in labels[name]
    patched = {r.path.rsplit("/", 1)[-1] for r in double.requests if r.method == "PATCH"}
    assert patched == {"hw-live", "hw-orphan"}


def test_cleanup_machines_hook_uses_the_management_cluster(tmp_path: Path, double: Any) -> None:
    _seed(double)
    kubeconfig = double.write_kubeconfig(tmp_path / "mgmt.kubeconfig")
    ctx = context(tmp_path, management_kubeconfig=str(kubeconfig),
                  kube_factory=lambda p: KubeClient(p, retry=RetryPolicy()))
    plugins().provider("tinkerbell").eksa_cleanup_machines(spec=make_spec(name="bm", management="mgmt"),
                                                          context=ctx)
    [record] = ctx.recorded
    assert record["action"] == "release-hardware" and sorted(record["hardware"]) == ["hw-live", "hw-orphan"]


def test_cleanup_machines_dry_run_and_without_management_cluster(tmp_path: Path, double: Any) -> None:
    _seed(double)
    ctx = context(tmp_path, dry_run=True, management_kubeconfig=str(tmp_path / "mgmt.kubeconfig"))
    eksa_cleanup_machines(make_spec(name="bm", management="mgmt"), ctx)
    assert ctx.recorded == [{"action": "release-hardware", "cluster": "bm", "management": "mgmt"}]
    quiet = context(tmp_path)
    eksa_cleanup_machines(make_spec(name="bm"), quiet)  # a management cluster's hardware went with its bootstrap
    assert quiet.recorded == []
    assert not [r for r in double.requests if r.mutating]
