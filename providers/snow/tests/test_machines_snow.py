"""Snow machine hooks: machine configs, template rolls on upgrade, and instance cleanup against moto (only the
cluster's tagged instances go; a decoy of another cluster stays)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eksa_snow.live import SnowSettings
from eksa_snow.machines import (
    CONTROL_PLANE_ANNOTATION,
    cluster_owner_tag,
    eksa_cleanup_machines,
    machine_configs,
    needs_new_machine_templates,
)
from snow_devices import DEVICE_1, DEVICE_2
from test_live_snow import make_spec

from eksa_core.context import HookContext
from eksa_core.plugins import Plugins
from eksa_core.spec import Spec


def test_machine_configs_deduplicated_and_annotated(plugins: Plugins) -> None:
    spec = make_spec(plugins, ami="ami-1")
    mcs = machine_configs(spec)
    assert [m.name for m in mcs] == ["snowy-cp", "snowy-workers"]
    assert (mcs[0].metadata.annotations or {}).get(CONTROL_PLANE_ANNOTATION) == "true"
    assert CONTROL_PLANE_ANNOTATION not in (mcs[1].metadata.annotations or {})


def test_needs_new_templates(plugins: Plugins) -> None:
    current = make_spec(plugins, ami="ami-1")

    def _copy(_spec: Spec) -> Spec:
        return make_spec(plugins, ami="ami-1")

    same = _copy(current)
    assert not needs_new_machine_templates(current, same, "control-plane")
    assert not needs_new_machine_templates(current, same, "workers", "md-0")
    changed = _copy(current)
    changed.config.get("SnowMachineConfig", "snowy-workers").spec.ami_id = "ami-2"
    assert needs_new_machine_templates(current, changed, "workers", "md-0")
    assert not needs_new_machine_templates(current, changed, "control-plane")
    endpoint = _copy(current)
    endpoint.cluster.spec.control_plane_configuration.endpoint.host = "10.0.0.6"
    assert needs_new_machine_templates(current, endpoint, "control-plane")
    labels = _copy(current)
    labels.cluster.worker_groups()[0].labels = {"a": "b"}
    assert needs_new_machine_templates(current, labels, "workers", "md-0")
    version = _copy(current)
    version.cluster.spec.kubernetes_version = "1.22"
    assert needs_new_machine_templates(current, version, "control-plane")
    assert not needs_new_machine_templates(current, same, "etcd")  # no external etcd: nothing to render


def _run(ec2: Any, ip: str, ami: str, tags: dict[str, str]) -> str:
    out = ec2(ip).run_instances(ImageId=ami, MinCount=1, MaxCount=1, TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}])
    return str(out["Instances"][0]["InstanceId"])


def _state(ec2: Any, ip: str, instance: str) -> str:
    reservations = ec2(ip).describe_instances(InstanceIds=[instance])["Reservations"]
    return str(reservations[0]["Instances"][0]["State"]["Name"])


def test_cleanup_terminates_only_the_clusters_instances(plugins: Plugins, snow_env: dict[str, str], moto: str,
                                                        ec2: Any, tmp_path: Path) -> None:
    ami = {ip: ec2(ip).describe_images()["Images"][0]["ImageId"] for ip in (DEVICE_1, DEVICE_2)}
    mine = {ip: _run(ec2, ip, ami[ip], {cluster_owner_tag("snowy"): "owned", "Name": "snowy-abcde"})
            for ip in (DEVICE_1, DEVICE_2)}
    decoy = _run(ec2, DEVICE_1, ami[DEVICE_1], {cluster_owner_tag("snowy-2"): "owned", "Name": "snowy-2-abcde"})
    untagged = _run(ec2, DEVICE_2, ami[DEVICE_2], {"Name": "snowy-fghij"})
    spec = make_spec(plugins, ami="ami-1")
    context = HookContext(cluster_dir=tmp_path, env=snow_env,
                          options={"snow": SnowSettings(ec2_endpoint=moto, imds_endpoint=None)})
    eksa_cleanup_machines(spec=spec, context=context)
    for ip, instance in mine.items():
        assert _state(ec2, ip, instance) in ("shutting-down", "terminated")
    assert _state(ec2, DEVICE_1, decoy) == "running"
    assert _state(ec2, DEVICE_2, untagged) == "running"
    assert [r["device"] for r in context.recorded] == [DEVICE_1, DEVICE_2]


def test_cleanup_dry_run_touches_nothing(plugins: Plugins, snow_env: dict[str, str], moto: str, ec2: Any,
                                         tmp_path: Path) -> None:
    ami = ec2(DEVICE_1).describe_images()["Images"][0]["ImageId"]
    instance = _run(ec2, DEVICE_1, ami, {cluster_owner_tag("snowy"): "owned"})
    context = HookContext(cluster_dir=tmp_path, env=snow_env, dry_run=True,
                          options={"snow": SnowSettings(ec2_endpoint=moto, imds_endpoint=None)})
    eksa_cleanup_machines(spec=make_spec(plugins, ami="ami-1"), context=context)
    assert _state(ec2, DEVICE_1, instance) == "running"
    assert context.recorded == [{"action": "snow-terminate-instances", "cluster": "snowy",
                                 "devices": [DEVICE_1, DEVICE_2], "tag": cluster_owner_tag("snowy")}]


@pytest.mark.parametrize("hook", ["eksa_machine_configs", "eksa_needs_new_machine_templates"])
def test_hooks_are_wired(plugins: Plugins, hook: str) -> None:
    assert hook in {impl.function.__name__ for impl in getattr(plugins.hook, hook).get_hookimpls()}
