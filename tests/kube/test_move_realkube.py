"""clusterctl-style move between two real control planes, then the same move killed at every step and re-run.

The source holds a realistic vSphere cluster graph (:mod:`tests.kube.real_graph`): what eksa renders plus what the
controllers add, with owner references, finalizers-free status as the controllers leave it. The move runs in a
process of its own (:mod:`tests.kube.move_child`) that is SIGKILLed right before its k-th write, for every k; a
second run must then finish the job: everything in the target with its spec and status, owner uids rewritten to
the target's, nothing left in the source. The kube-controller-manager's garbage collector runs on both sides, so
an owner reference pointing at a uid the target does not have would get the object collected.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eksa_core.kube import KubeClient, move
from eksa_core.kube.move import MOVE_COPIED_ANNOTATION

from .real_graph import CRD_GROUPS, MOVE_KINDS, seed

pytestmark = pytest.mark.realkube

ROOT = Path(__file__).resolve().parents[2]
#: Writes of one move of the graph: pause, namespace, 25 copies and 10 statuses, the copied mark, 25 releases and
#: 25 deletes in the source, unpause. Checked by test_a_move_of_the_graph_makes_every_write_it_announces.
STEPS = 89


@pytest.fixture(scope="module")
def clusters(control_plane: Any, second_control_plane: Any) -> Iterator[tuple[Any, Any, KubeClient, KubeClient]]:
    from eksa_core.testing.crds import install_crds

    for plane in (control_plane, second_control_plane):
        install_crds(plane.kubeconfig, CRD_GROUPS)
    with KubeClient(str(control_plane.kubeconfig)) as source, \
            KubeClient(str(second_control_plane.kubeconfig)) as target:
        yield control_plane, second_control_plane, source, target


@pytest.fixture
def namespace(clusters: tuple[Any, Any, KubeClient, KubeClient], control_plane_namespace: str) -> Iterator[str]:
    """The test's namespace on the source; its copy on the target is deleted afterwards."""
    yield control_plane_namespace
    clusters[3].delete("v1", "Namespace", control_plane_namespace, ignore_not_found=True)


def _without_server_fields(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k in ("labels", "name", "namespace")}


def assert_moved(source: KubeClient, target: KubeClient, namespace: str,
                 written: dict[tuple[str, str], dict[str, Any]], cluster: str) -> None:
    """Every written object is in the target as it was (spec, data, status, labels), owned by the target's
    owners; none is left in the source; the target's Cluster is unpaused and not marked copied."""
    target_uids: dict[tuple[str, str], str] = {}
    moved: dict[tuple[str, str], dict[str, Any]] = {}
    for (kind, name), obj in written.items():
        assert source.get_or_none(obj["apiVersion"], kind, name, namespace) is None, f"{kind} {name} left in source"
        found = target.get(obj["apiVersion"], kind, name, namespace)
        moved[(kind, name)] = found
        target_uids[(kind, name)] = found["metadata"]["uid"]
    for key, obj in written.items():
        found = moved[key]
        assert _without_server_fields(found["metadata"]) == _without_server_fields(obj["metadata"]), key
        for part in ("data", "stringData", "type", "status"):
            assert (found.get(part) or None) == (obj.get(part) or None), f"{key} {part}"
        spec = dict(found.get("spec") or {})
        if key[0] == "Cluster":
            assert spec.pop("paused", False) is False
            assert MOVE_COPIED_ANNOTATION not in (found["metadata"].get("annotations") or {})
        assert spec == (obj.get("spec") or {}), key
        refs = found["metadata"].get("ownerReferences") or []
        assert len(refs) == len(obj["metadata"].get("ownerReferences") or []), key
        for ref, original in zip(refs, obj["metadata"].get("ownerReferences") or [], strict=True):
            assert ref["uid"] == target_uids[(ref["kind"], ref["name"])], f"{key} owner {ref['name']}"
            assert ref["uid"] != original["uid"]
    assert any(k == ("Cluster", cluster) for k in written)


def test_move_of_a_realistic_graph_between_two_real_control_planes(
        clusters: tuple[Any, Any, KubeClient, KubeClient], namespace: str) -> None:
    _, _, source, target = clusters
    cluster, written = seed(source, namespace)
    assert len(written) == 25
    result = move(source, target, namespace=namespace, cluster_name=cluster, kinds=MOVE_KINDS)
    assert {(k.kind, k.name) for k in result.objects} == set(written)
    assert result.copied == result.deleted == len(written)
    assert_moved(source, target, namespace, written, cluster)
    # moving again finds the cluster in the target only: nothing to copy or delete
    again = move(source, target, namespace=namespace, cluster_name=cluster, kinds=MOVE_KINDS)
    assert again.copied == 0 and again.deleted == 0
    assert_moved(source, target, namespace, written, cluster)


def test_a_move_of_the_graph_makes_every_write_it_announces(
        clusters: tuple[Any, Any, KubeClient, KubeClient], namespace: str) -> None:
    _, _, source, target = clusters
    cluster, written = seed(source, namespace)
    steps: list[str] = []
    move(source, target, namespace=namespace, cluster_name=cluster, kinds=MOVE_KINDS, on_step=steps.append)
    assert len(steps) == STEPS, steps
    assert steps[0].startswith("pause Cluster") and steps[-1].startswith("unpause Cluster")
    assert sum(s.startswith("delete ") for s in steps) == len(written)


def _child(source: Any, target: Any, namespace: str, cluster: str, *kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.kube.move_child", str(source.kubeconfig), str(target.kubeconfig), namespace,
         cluster, *map(str, kill_at)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("step", range(1, STEPS + 1))
def test_a_move_killed_before_any_write_converges_when_run_again(
        clusters: tuple[Any, Any, KubeClient, KubeClient], namespace: str, step: int) -> None:
    source_plane, target_plane, source, target = clusters
    cluster, written = seed(source, namespace)
    killed = _child(source_plane, target_plane, namespace, cluster, step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(killed.stdout.splitlines()) == step - 1  # it died right before write number `step`
    rerun = _child(source_plane, target_plane, namespace, cluster)
    assert rerun.returncode == 0, rerun.stderr
    assert_moved(source, target, namespace, written, cluster)
