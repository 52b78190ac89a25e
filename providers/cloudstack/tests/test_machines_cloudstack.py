"""Cleanup of a deleted cluster's VMs against :class:`CloudStackAPIDouble` (a double of CloudStack's API): only this
cluster's VMs are stopped and expunged, never a decoy of another cluster, and async jobs are awaited without
sleeping."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apidouble import CloudStackAPIDouble
from eksa_cloudstack.client import CloudStackClient
from eksa_cloudstack.machines import (
    CloudStackCleanupError,
    belongs_to_cluster,
    cleanup_machines,
    cluster_vm_pattern,
    eksa_cleanup_machines,
)
from test_live_cloudstack import API_KEY, SECRET_KEY, env_for, make_spec

from eksa_core.context import HookContext
from eksa_core.plugins import default_plugins


class RecordingSleep:
    """A fake ``sleep``: records the delays and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def double() -> Iterator[CloudStackAPIDouble]:
    with CloudStackAPIDouble({API_KEY: SECRET_KEY}) as d:
        d.add_domain("ROOT/domain1", id="dom-1")
        d.add_zone("zone1", id="zone-1")
        d.add_zone("zone2", id="zone-2")
        yield d


def _vm(d: CloudStackAPIDouble, name: str, **kw: Any) -> dict[str, Any]:
    kw.setdefault("domainid", "dom-1")
    kw.setdefault("account", "admin")
    return d.add_vm(name, kw.pop("zoneid", "zone-1"), **kw)


def _ctx(tmp_path: Path, url: str, **kw: Any) -> HookContext:
    return HookContext(cluster_dir=tmp_path, env=env_for(url), **kw)


def _names(d: CloudStackAPIDouble) -> set[str]:
    return {v["name"] for v in d.state.vms}


def test_only_the_clusters_vms_are_removed(double: CloudStackAPIDouble, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    ours = ["mgmt-7xk2p", "mgmt-etcd-b9q4r", "mgmt-md-0-5d8f7c9b4-x2lzt"]
    decoys = [
        "mgmt2-7xk2p",                      # another cluster whose name starts with ours
        "mgmt2-md-0-5d8f7c9b4-x2lzt",
        "mgmt-prod-qk3vd",                  # control plane of cluster "mgmt-prod"
        "mgmt-prod-md-0-6c7d9f-abcde",      # workers of cluster "mgmt-prod"
        "mgmt-database",                    # not a machine name of Cluster API
        "xmgmt-7xk2p",
    ]
    for name in ours + decoys:
        _vm(double, name)
    _vm(double, "mgmt-md-0-66cdd8-zz9xw", account="someone-else")  # outside the zone's account: not listed
    spec = make_spec(double.url)
    with caplog.at_level(logging.INFO):
        removed = cleanup_machines(spec, _ctx(tmp_path, double.url))
    assert sorted(removed) == sorted(ours)
    assert _names(double) == set(decoys) | {"mgmt-md-0-66cdd8-zz9xw"}
    assert f"Deleted VM {ours[0]}" in caplog.text
    listing = next(r.params for r in double.requests if r.command == "listVirtualMachines")
    assert listing["keyword"] == "mgmt" and listing["zoneid"] == "zone-1" and listing["listall"] == "true"
    assert listing["domainid"] == "dom-1" and listing["account"] == "admin"


def test_stop_then_expunge(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    running = _vm(double, "mgmt-7xk2p")
    stopped = _vm(double, "mgmt-etcd-b9q4r", state="Stopped")
    destroyed = _vm(double, "mgmt-md-0-5d8f7c9b4-x2lzt", state="Destroyed")
    cleanup_machines(make_spec(double.url), _ctx(tmp_path, double.url))
    calls = [(r.command, r.params.get("id"), r.params.get("forced"), r.params.get("expunge"))
             for r in double.requests if r.command not in ("queryAsyncJobResult", "listVirtualMachines",
                                                            "listZones", "listDomains")]
    assert calls == [
        ("stopVirtualMachine", running["id"], "true", None),
        ("destroyVirtualMachine", running["id"], None, "true"),
        ("destroyVirtualMachine", stopped["id"], None, "true"),
        ("expungeVirtualMachine", destroyed["id"], None, None),
    ]
    assert double.state.vms == []


def test_jobs_are_awaited_with_the_injected_sleep(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    _vm(double, "mgmt-7xk2p")
    double.job_polls = 2
    sleep = RecordingSleep()
    cleanup_machines(make_spec(double.url), _ctx(tmp_path, double.url), sleep=sleep)
    assert sleep.calls == [2.0] * 4  # two pending answers for the stop job, two for the destroy job
    assert double.state.vms == []


def test_tags_decide_when_present(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    _vm(double, "mgmt-custom-name", tags={"cluster.x-k8s.io/cluster-name": "mgmt"})
    _vm(double, "mgmt-md-0-5d8f7c9b4-x2lzt", tags={"cluster.x-k8s.io/cluster-name": "mgmt-md"})  # other cluster
    removed = cleanup_machines(make_spec(double.url), _ctx(tmp_path, double.url))
    assert removed == ["mgmt-custom-name"]
    assert _names(double) == {"mgmt-md-0-5d8f7c9b4-x2lzt"}


def test_name_rules() -> None:
    pattern = cluster_vm_pattern("c", ["md-0", "gpu"])
    assert pattern.match("c-abcde") and pattern.match("c-etcd-abcde") and pattern.match("c-gpu-7f9c-abcde")
    assert not pattern.match("c-md-1-7f9c-abcde") and not pattern.match("c2-abcde") and not pattern.match("c-ab")
    assert not belongs_to_cluster({"name": "c2-abcde"}, "c", pattern)
    assert not belongs_to_cluster({"name": "c2-x", "tags": [{"key": "eksa-cluster-name", "value": "c"}]}, "c",
                                  pattern)  # the prefix is always required
    assert belongs_to_cluster({"name": "c-abcde", "tags": []}, "c", pattern)
    # Regex characters of a cluster name are literal.
    assert not cluster_vm_pattern("a.b", []).match("axb-abcde")


def test_failures_do_not_stop_the_others(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    _vm(double, "mgmt-7xk2p")
    _vm(double, "mgmt-etcd-b9q4r", state="Stopped")
    double.fail_jobs["stopVirtualMachine"] = "host unreachable"
    with pytest.raises(CloudStackCleanupError) as info:
        cleanup_machines(make_spec(double.url), _ctx(tmp_path, double.url))
    assert set(info.value.failures) == {"mgmt-7xk2p"}
    assert "host unreachable" in str(info.value)
    assert _names(double) == {"mgmt-7xk2p"}  # the stopped etcd VM was still expunged


def test_every_availability_zone_is_searched(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    _vm(double, "mgmt-7xk2p", zoneid="zone-1")
    _vm(double, "mgmt-md-0-5d8f7c9b4-x2lzt", zoneid="zone-2")

    def two_zones(text: str) -> str:
        az = text[text.index("  - name: az-1"):text.index("---", text.index("  - name: az-1"))]
        return text.replace(az, az + az.replace("az-1", "az-2").replace("zone1", "zone2"))

    removed = cleanup_machines(make_spec(double.url, edit=two_zones), _ctx(tmp_path, double.url))
    assert sorted(removed) == ["mgmt-7xk2p", "mgmt-md-0-5d8f7c9b4-x2lzt"]


def test_dry_run_records_only(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    _vm(double, "mgmt-7xk2p")
    ctx = _ctx(tmp_path, double.url, dry_run=True)
    eksa_cleanup_machines(make_spec(double.url), ctx)
    assert double.requests == [] and _names(double) == {"mgmt-7xk2p"}
    assert ctx.recorded[0]["action"] == "cloudstack-cleanup-machines"
    assert ctx.recorded[0]["cluster"] == "mgmt"


def test_hook_through_the_plugin_manager(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    _vm(double, "mgmt-7xk2p")
    _vm(double, "mgmt2-7xk2p")
    default_plugins().provider("cloudstack").eksa_cleanup_machines(spec=make_spec(double.url),
                                                                   context=_ctx(tmp_path, double.url))
    assert _names(double) == {"mgmt2-7xk2p"}


def test_unreachable_endpoint_is_reported_without_keys(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/client/api"
    with pytest.raises(CloudStackCleanupError) as info:
        cleanup_machines(make_spec(url), _ctx(tmp_path, url),
                         client_factory=lambda p, **kw: CloudStackClient.from_profile(p, timeout=5, **kw))
    text = str(info.value)
    assert "availabilityZone az-1" in text and API_KEY not in text and SECRET_KEY not in text
