"""EKS Anywhere's wait timeouts: ``--control-plane-wait-timeout`` bounds the control plane's readiness,
``--per-machine-wait-timeout`` times the machine count bounds the workers' and the whole cluster's, an overall cap
(``Timeouts.cluster_ready``) bounds them all, ``--no-timeouts`` lifts every limit. Read from the plan of a dry run,
which records each wait with its budget; no server is needed and none is contacted (``no_contact``)."""

from __future__ import annotations

import argparse
import contextlib
import io
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core.cli import _wait_timeout, _workflow_kwargs
from eksa_core.testing.nocontact import listener_kubeconfig, no_contact
from eksa_core.workflows import Timeouts, plan_create

from .harness import RecordingBootstrapper, make_plugins, make_spec, options, spec_text

MACHINES = 3  # the spec: one control plane machine, md-0 with two


class NoBootstrapper(RecordingBootstrapper):
    """A dry run plans the bootstrap cluster without creating it: any kubeconfig write fails the test."""

    def write_kubeconfig(self, path: Path) -> Path:
        raise AssertionError("a dry run created a bootstrap cluster")


def _waits(tmp_path: Path, timeouts: Timeouts) -> tuple[dict[str, Any], dict[str, Any]]:
    plugins = make_plugins()
    spec = make_spec(plugins, spec_text("mgmt"))
    with no_contact() as listener:
        kubeconfig = listener_kubeconfig(tmp_path / "mgmt.kubeconfig", listener.url)
        plan = plan_create(spec, plugins=plugins, workdir=tmp_path / "work", bootstrapper=NoBootstrapper(),
                           management_kubeconfig=kubeconfig, options=options(timeouts=timeouts))
    assert not listener.contacts(), f"a dry run contacted something: {listener.contacts()}"
    actions = plan.step("workload-cluster-init").actions
    conditions = {a["condition"]: a["timeout"] for a in actions if a["action"] == "wait-for-condition"}
    rollouts = {a["object"].split("/")[0]: a["timeout"] for a in actions if a["action"] == "wait-for-rollout"}
    return conditions, rollouts


def test_each_wait_gets_its_own_budget(tmp_path: Path) -> None:
    conditions, rollouts = _waits(tmp_path, Timeouts(control_plane=1200, per_machine=180))
    assert conditions == {"ControlPlaneAvailable": 1200, "WorkersAvailable": 180 * MACHINES,
                          "Available": 180 * MACHINES}
    assert rollouts == {"KubeadmControlPlane": 1200, "MachineDeployment": 180 * MACHINES}


def test_the_overall_cap_bounds_every_wait(tmp_path: Path) -> None:
    conditions, rollouts = _waits(tmp_path, Timeouts(control_plane=1200, per_machine=180, cluster_ready=100))
    assert set(conditions.values()) == {100} and set(rollouts.values()) == {100}


def test_defaults_are_eks_anywheres(tmp_path: Path) -> None:
    conditions, rollouts = _waits(tmp_path, Timeouts())
    assert conditions["ControlPlaneAvailable"] == 3600 and rollouts["KubeadmControlPlane"] == 3600
    assert conditions["WorkersAvailable"] == 600 * MACHINES and rollouts["MachineDeployment"] == 600 * MACHINES


def test_no_timeouts_lifts_every_limit(tmp_path: Path) -> None:
    conditions, rollouts = _waits(tmp_path, Timeouts.none())
    assert all(math.isinf(t) for t in [*conditions.values(), *rollouts.values()])


def _args(**kwargs: Any) -> argparse.Namespace:
    base = {"filename": None, "dry_run": True, "resume": False, "no_timeouts": False,
            "control_plane_wait_timeout": None, "per_machine_wait_timeout": None}
    return argparse.Namespace(**{**base, **kwargs})


def test_the_flags_take_go_durations() -> None:
    assert _wait_timeout("1h30m") == 5400 and _wait_timeout("90s") == 90 and _wait_timeout("10m0s") == 600
    for bad in ("soon", "0", "-5m", "10"):
        with pytest.raises(argparse.ArgumentTypeError, match="invalid duration"):
            _wait_timeout(bad)
    timeouts = _workflow_kwargs(_args(control_plane_wait_timeout=7200.0, per_machine_wait_timeout=60.0))[
        "options"].timeouts
    assert (timeouts.control_plane, timeouts.per_machine) == (7200.0, 60.0)
    lifted = _workflow_kwargs(_args(no_timeouts=True, control_plane_wait_timeout=7200.0))["options"].timeouts
    assert (lifted.control_plane, lifted.per_machine, lifted.cluster_ready) == (None, None, None)


def test_a_bad_duration_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from eksa_core.cli import main

    spec = tmp_path / "c.yaml"
    spec.write_text(spec_text("c1"))
    code = main(["create", "cluster", "-f", str(spec), "--dry-run", "--per-machine-wait-timeout", "ten minutes"])
    assert code == 2
    assert "invalid duration 'ten minutes'" in capsys.readouterr().err


def _docker_plan_waits(tmp_path: Path, timeouts: Timeouts) -> list[dict[str, Any]]:
    """The waits of a dry-run create of ``eksa generate clusterconfig -p docker``'s spec (external etcd, one
    member), a management cluster; the dry run contacts nothing and starts no bootstrap cluster."""
    from eksa_core.cli import main
    from eksa_core.plugins import default_plugins
    from eksa_core.releases import build_spec
    from eksa_core.releases.constants import BUNDLED_RELEASE_MANIFEST
    from eksa_core.spec import parse_cluster_config

    plugins = default_plugins()
    if "docker" not in plugins.providers:
        pytest.fail("the docker provider (providers/docker) is not installed: run scripts/bootstrap.sh")
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["generate", "clusterconfig", "e1", "-p", "docker"]) == 0
    docs = [d for d in yaml.safe_load_all(text.getvalue()) if d]
    config = parse_cluster_config(yaml.safe_dump_all(docs), file="e1.yaml", registry=plugins.registry)
    spec = build_spec(config, release_manifest=BUNDLED_RELEASE_MANIFEST, plugins=plugins)
    assert spec.cluster.spec.external_etcd_configuration is not None
    with no_contact() as listener:
        plan = plan_create(spec, plugins=plugins, workdir=tmp_path / "work", bootstrapper=NoBootstrapper(),
                           options=options(timeouts=timeouts))
    assert not listener.contacts(), f"a dry run contacted something: {listener.contacts()}"
    return [a for a in plan.step("workload-cluster-init").actions if str(a["action"]).startswith("wait-for")]


def test_the_external_etcd_gets_its_own_budget_and_is_waited_for_first(tmp_path: Path) -> None:
    waits = _docker_plan_waits(tmp_path, Timeouts(external_etcd=1500, control_plane=1200))
    etcd = [a for a in waits if a["action"] == "wait-for-external-etcd"]
    assert [(a["object"], a["timeout"]) for a in etcd] == [("EtcdadmCluster/e1-etcd", 1500)]
    conditions = [a for a in waits if a["action"] == "wait-for-condition"]
    assert waits.index(etcd[0]) < waits.index(conditions[0]), "the etcd wait must come before the control plane's"
    assert {a["condition"]: a["timeout"] for a in conditions}["ControlPlaneAvailable"] == 1200
    assert [a["timeout"] for a in _docker_plan_waits(tmp_path / "d", Timeouts()) if a["action"] ==
            "wait-for-external-etcd"] == [3600], "EKS Anywhere's default is 60m"
    assert all(math.isinf(a["timeout"]) for a in _docker_plan_waits(tmp_path / "n", Timeouts.none())
               if a["action"] == "wait-for-external-etcd")


def test_the_external_etcd_flag_sets_its_budget() -> None:
    timeouts = _workflow_kwargs(_args(external_etcd_wait_timeout=_wait_timeout("2h")))["options"].timeouts
    assert timeouts.external_etcd == 7200 and timeouts.control_plane == 3600
    lifted = _workflow_kwargs(_args(no_timeouts=True, external_etcd_wait_timeout=60.0))["options"].timeouts
    assert lifted.external_etcd is None


def test_external_etcd_state_reads_the_etcdadm_controllers_status() -> None:
    from eksa_core.workflows.ops import external_etcd_state

    assert external_etcd_state(None) == "the object does not exist"
    assert external_etcd_state({"status": {"ready": True}}) is None
    assert external_etcd_state({"status": {"ready": False, "conditions": [
        {"type": "EtcdEndpointsAvailable", "status": "False"}, {"type": "EtcdCertificatesAvailable",
                                                                "status": "True"}]}}) == \
        "not ready (EtcdEndpointsAvailable=False)"
