"""A workload cluster's lifecycle through eksa's CLI on the real Cluster API controllers.

The management cluster is the ``capi_management`` fixture: a real control plane running Cluster API's core, kubeadm
bootstrap and kubeadm control plane managers and CAPD with its in-memory backend. The workload cluster uses the
``inmemory`` provider (``DevCluster`` / ``DevMachineTemplate`` with ``backend.inMemory``): CAPD simulates its
machines and serves its API server, etcd and Nodes in memory, so everything eksa waits for is set by the real
controllers, nothing by the test.

What the test itself sets up, and why: the management cluster must be an EKS Anywhere cluster for eksa's preflight
(``validate management cluster has eksa crds``, its own EKS Anywhere ``Cluster`` object). EKS Anywhere's own CRDs
(CRD group ``eksa`` of :mod:`eksa_core.testing.crds`) serve no ``InMemoryDatacenterConfig`` /
``InMemoryMachineConfig``, the development provider's kinds, so the test installs schema-less stand-ins for the EKS
Anywhere kinds of the specs (group ``anywhere.eks.amazonaws.com``, unknown fields preserved) and the management
cluster's own spec objects. Nothing else is prepared or played.

What the in-memory workload cluster cannot host (so these tests do not exercise it):

* CoreDNS: CAPD keeps a placeholder CoreDNS Deployment and ConfigMap that run nothing, and KCP's Corefile
  migration conflicts on its API server; the inmemory provider annotates its KubeadmControlPlane
  ``controlplane.cluster.x-k8s.io/skip-coredns``.
* A CNI: the in-memory API server serves a fixed set of kinds (no DaemonSets or RBAC, none of what Cilium's chart
  renders) and no server-side apply, and its Nodes are Ready without one. The inmemory provider says so
  (``ProviderTraits.installs_cni`` false): eksa warns that Cilium is not installed, and the create test checks that
  warning. Cilium is installed for real, rendered by helm from the bundle's chart in a real registry, on the real
  control plane standing in for the new cluster in ``test_management_move.py``.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core.kube import KubeClient
from eksa_core.kube.errors import KubeConnectionError
from eksa_core.testing.capi import ClusterAPI

pytestmark = pytest.mark.capireal

NS = "eksa-system"
CAPI = "cluster.x-k8s.io/v1beta2"
KCP = "controlplane.cluster.x-k8s.io/v1beta2"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"
EKSA = "anywhere.eks.amazonaws.com/v1alpha1"
WAIT = 600.0  # generous: the controllers run on a shared 2-core machine

MANAGEMENT = "mgmt"
WORKLOAD = "w1"


def eksa(*args: str, cwd: Path, timeout: float = 1200.0) -> subprocess.CompletedProcess[str]:
    """Run the ``eksa`` CLI (this interpreter's eksa-core) in ``cwd``; the result, whatever its exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBECONFIG")}
    return subprocess.run([sys.executable, "-m", "eksa_core", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"eksa exited with {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout + proc.stderr


def generated_spec(name: str, management: str, cwd: Path) -> list[dict[str, Any]]:
    """``eksa generate clusterconfig NAME -p inmemory``'s documents, managed by ``management``."""
    proc = eksa("generate", "clusterconfig", name, "-p", "inmemory", cwd=cwd)
    ok(proc)
    docs = [d for d in yaml.safe_load_all(proc.stdout) if isinstance(d, dict)]
    for doc in docs:
        if doc["kind"] == "Cluster":
            doc["spec"]["managementCluster"] = {"name": management}
    return docs


def write_spec(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def stand_in_crd(kind: str) -> dict[str, Any]:
    plural = kind.lower() + ("es" if kind.lower().endswith("s") else "s")
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.anywhere.eks.amazonaws.com"},
        "spec": {
            "group": "anywhere.eks.amazonaws.com",
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "versions": [{"name": "v1alpha1", "served": True, "storage": True, "subresources": {"status": {}},
                          "schema": {"openAPIV3Schema": {"type": "object",
                                                         "x-kubernetes-preserve-unknown-fields": True}}}],
        },
    }


def wait_for(what: str, probe: Any, timeout: float = WAIT) -> Any:
    """Poll ``probe()`` until it returns something truthy; fail naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(1.0)
    pytest.fail(f"{what} not reached within {timeout:.0f}s; last seen: {last!r}")


@pytest.fixture(scope="module")
def management(capi_management: ClusterAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The management cluster's kubeconfig, the cluster made an EKS Anywhere management cluster (see above)."""
    kubeconfig = Path(capi_management.control_plane.kubeconfig)
    client = KubeClient(str(kubeconfig))
    for kind in ("Cluster", "InMemoryDatacenterConfig", "InMemoryMachineConfig"):
        client.apply(stand_in_crd(kind))
    wait_for("EKS Anywhere stand-in CRDs served", lambda: (client.invalidate_discovery(),
                                                          client.has_kind(EKSA, "InMemoryMachineConfig"))[1], 120)
    for doc in generated_spec(MANAGEMENT, MANAGEMENT, tmp_path_factory.mktemp("mgmt-spec")):
        doc["metadata"]["namespace"] = "default"
        client.apply(doc)
    yield kubeconfig


def capi_objects(client: KubeClient, cluster: str) -> dict[str, list[dict[str, Any]]]:
    selector = {"cluster.x-k8s.io/cluster-name": cluster}
    return {
        "Machine": client.list(CAPI, "Machine", NS, label_selector=selector),
        "MachineDeployment": client.list(CAPI, "MachineDeployment", NS, label_selector=selector),
        "DevMachineTemplate": client.list(INFRA, "DevMachineTemplate", NS),
        "MachineHealthCheck": client.list(CAPI, "MachineHealthCheck", NS, label_selector=selector),
    }


def condition(obj: dict[str, Any] | None, kind: str) -> str | None:
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == kind:
            return str(c.get("status"))
    return None


@dataclass
class Workload:
    """The workload cluster the tests of this module create, upgrade and delete, in that order."""

    cwd: Path
    docs: list[dict[str, Any]]
    create_output: str

    @property
    def spec_file(self) -> Path:
        return write_spec(self.cwd / "w.yaml", self.docs)

    @property
    def kubeconfig(self) -> Path:
        return self.cwd / WORKLOAD / f"{WORKLOAD}-eks-a-cluster.kubeconfig"

    def cluster_spec(self) -> dict[str, Any]:
        return next(d for d in self.docs if d["kind"] == "Cluster")["spec"]


@pytest.fixture(scope="module")
def workload(management: Path, tmp_path_factory: pytest.TempPathFactory) -> Workload:
    """``eksa create cluster -f w.yaml --kubeconfig mgmt``, one Kubernetes minor version behind the newest (so
    the upgrade test can bump it)."""
    cwd = tmp_path_factory.mktemp("workload")
    docs = generated_spec(WORKLOAD, MANAGEMENT, cwd)
    cluster = next(d for d in docs if d["kind"] == "Cluster")["spec"]
    major, minor = str(cluster["kubernetesVersion"]).split(".")
    cluster["kubernetesVersion"] = f"{major}.{int(minor) - 1}"
    w = Workload(cwd, docs, "")
    w.create_output = ok(eksa("create", "cluster", "-f", str(w.spec_file), "--kubeconfig", str(management),
                              cwd=cwd))
    return w


def machines(client: KubeClient) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in capi_objects(client, WORKLOAD)["Machine"]}


def infra_ref(obj: dict[str, Any]) -> str:
    template = obj["spec"].get("machineTemplate") or obj["spec"]["template"]
    return str(template["spec"]["infrastructureRef"]["name"])


def test_workload_cluster_create_reaches_ready_on_the_real_controllers(management: Path, workload: Workload) -> None:
    client = KubeClient(str(management))
    assert "🎉 Cluster created!" in workload.create_output
    # the in-memory cluster cannot host a CNI, and eksa says so instead of failing or pretending
    assert (f"Warning: the inmemory provider's clusters cannot host a CNI: cilium is not installed on cluster "
            f"{WORKLOAD}") in workload.create_output

    # Ready as the real controllers say: the Cluster API Cluster's v1beta2 conditions, KCP and MD replica counts
    cluster = client.get(CAPI, "Cluster", WORKLOAD, NS)
    for kind in ("ControlPlaneAvailable", "WorkersAvailable", "Available"):
        assert condition(cluster, kind) == "True", (kind, cluster.get("status"))
    kcp = client.get(KCP, "KubeadmControlPlane", WORKLOAD, NS)
    assert kcp["status"]["availableReplicas"] == kcp["spec"]["replicas"] == 1
    assert kcp["status"]["observedGeneration"] == kcp["metadata"]["generation"]
    md = client.get(CAPI, "MachineDeployment", f"{WORKLOAD}-md-0", NS)
    assert md["status"]["availableReplicas"] == md["spec"]["replicas"] == 1

    # the kubeconfig eksa wrote is the one Cluster API's control plane controller put in its Secret
    secret = client.get("v1", "Secret", f"{WORKLOAD}-kubeconfig", NS)
    assert secret["type"] == "cluster.x-k8s.io/secret"
    assert [r["kind"] for r in secret["metadata"].get("ownerReferences") or []] == ["KubeadmControlPlane"]
    assert workload.kubeconfig.read_text() == base64.b64decode(secret["data"]["value"]).decode()
    assert oct(workload.kubeconfig.stat().st_mode & 0o777) == "0o600"
    # ... and it reaches the workload cluster CAPD serves: a Node for each Machine
    remote = KubeClient(str(workload.kubeconfig))
    names = sorted(str((m.get("status") or {}).get("nodeRef", {}).get("name")) for m in machines(client).values())
    assert len(names) == 2
    wait_for("a Node for each Machine", lambda: sorted(n["metadata"]["name"] for n in remote.list("v1", "Node"))
             == names)

    # MachineHealthChecks installed, and the real MHC controller watches the cluster's machines with them
    checks = {c["metadata"]["name"]: c for c in capi_objects(client, WORKLOAD)["MachineHealthCheck"]}
    assert set(checks) == {f"{WORKLOAD}-kcp-unhealthy", f"{WORKLOAD}-md-0-worker-unhealthy"}

    def watched() -> dict[str, int] | None:
        counts = {n: int((client.get(CAPI, "MachineHealthCheck", n, NS).get("status") or {})
                         .get("expectedMachines") or 0) for n in checks}
        return counts if all(counts.values()) else None

    assert wait_for("MachineHealthChecks watching the machines", watched) == dict.fromkeys(checks, 1)


def test_upgrade_scales_a_worker_group_without_new_templates(management: Path, workload: Workload) -> None:
    client = KubeClient(str(management))
    before = machines(client)
    kcp_template = infra_ref(client.get(KCP, "KubeadmControlPlane", WORKLOAD, NS))
    md_template = infra_ref(client.get(CAPI, "MachineDeployment", f"{WORKLOAD}-md-0", NS))
    workload.cluster_spec()["workerNodeGroupConfigurations"][0]["count"] = 2

    out = ok(eksa("upgrade", "cluster", "-f", str(workload.spec_file), "--kubeconfig", str(management),
                  cwd=workload.cwd))
    assert "🎉 Cluster upgraded!" in out, out

    # eksa returned once the MachineDeployment's controller reported both replicas available
    md = client.get(CAPI, "MachineDeployment", f"{WORKLOAD}-md-0", NS)
    assert md["spec"]["replicas"] == 2
    assert md["status"]["availableReplicas"] == md["status"]["upToDateReplicas"] == 2
    assert md["status"]["observedGeneration"] == md["metadata"]["generation"]
    # a replica count reaches no machine: same templates, every machine kept, one added
    assert infra_ref(md) == md_template
    assert infra_ref(client.get(KCP, "KubeadmControlPlane", WORKLOAD, NS)) == kcp_template
    after = machines(client)
    assert set(before) < set(after) and len(after) == 3


def test_kubernetes_version_bump_rolls_control_plane_and_workers(management: Path, workload: Workload) -> None:
    client = KubeClient(str(management))
    before = machines(client)
    kcp_template = infra_ref(client.get(KCP, "KubeadmControlPlane", WORKLOAD, NS))
    md_template = infra_ref(client.get(CAPI, "MachineDeployment", f"{WORKLOAD}-md-0", NS))
    spec = workload.cluster_spec()
    major, minor = str(spec["kubernetesVersion"]).split(".")
    new_version = f"{major}.{int(minor) + 1}"
    spec["kubernetesVersion"] = new_version

    out = ok(eksa("upgrade", "cluster", "-f", str(workload.spec_file), "--kubeconfig", str(management),
                  cwd=workload.cwd))
    assert "🎉 Cluster upgraded!" in out

    # both roles got new machine templates (their machines change) and rolled: eksa returned once every machine
    # was replaced by one of the new version
    kcp = client.get(KCP, "KubeadmControlPlane", WORKLOAD, NS)
    md = client.get(CAPI, "MachineDeployment", f"{WORKLOAD}-md-0", NS)
    assert infra_ref(kcp) != kcp_template and infra_ref(md) != md_template
    assert kcp["spec"]["version"].startswith(f"v{new_version}.")
    assert md["spec"]["template"]["spec"]["version"] == kcp["spec"]["version"]
    assert kcp["status"]["upToDateReplicas"] == kcp["status"]["availableReplicas"] == 1
    assert md["status"]["upToDateReplicas"] == md["status"]["availableReplicas"] == 2
    after = machines(client)
    live = {n: m for n, m in after.items() if not m["metadata"].get("deletionTimestamp")}
    assert not set(before) & set(live), "machines of the old version are still running"
    assert {m["spec"]["version"] for m in live.values()} == {kcp["spec"]["version"]}
    assert len(live) == 3


def test_delete_removes_everything_through_the_controllers(
        management: Path, workload: Workload, tmp_path: Path) -> None:
    client = KubeClient(str(management))
    kept = tmp_path / "workload.kubeconfig"  # the delete removes the cluster's folder, kubeconfig included
    kept.write_text(workload.kubeconfig.read_text())
    kept.chmod(0o600)
    assert KubeClient(str(kept)).list("v1", "Node")

    ok(eksa("delete", "cluster", "-f", str(workload.spec_file), "--kubeconfig", str(management), cwd=workload.cwd))

    selector = {"cluster.x-k8s.io/cluster-name": WORKLOAD}
    left = {
        kind: [o["metadata"]["name"] for o in client.list(api, kind, NS, label_selector=selector)]
        for api, kind in [(CAPI, "Cluster"), (CAPI, "Machine"), (CAPI, "MachineSet"), (CAPI, "MachineDeployment"),
                          (CAPI, "MachineHealthCheck"), (KCP, "KubeadmControlPlane"), (INFRA, "DevMachine"),
                          ("v1", "Secret")]
    }
    left["Cluster"] = [o["metadata"]["name"] for o in client.list(CAPI, "Cluster", NS)]
    left["DevCluster"] = [o["metadata"]["name"] for o in client.list(INFRA, "DevCluster", NS)]
    left["DevMachineTemplate"] = [o["metadata"]["name"] for o in client.list(INFRA, "DevMachineTemplate", NS)]
    left["EKS-A Cluster"] = [o["metadata"]["name"] for o in client.list(EKSA, "Cluster", "default")
                             if o["metadata"]["name"] == WORKLOAD]
    assert not any(left.values()), left
    # the objects went through their finalizers: CAPD tore the in-memory cluster down (its API server is gone)
    with pytest.raises(KubeConnectionError):
        KubeClient(str(kept)).list("v1", "Node")
    assert not workload.kubeconfig.exists()


KILLER = Path(__file__).with_name("kill_after_one_task.py")


def killed_at_every_boundary(args: list[str], cwd: Path, record: Path) -> list[str]:
    """Run ``eksa args`` killed (SIGKILL) right after each task in turn, resuming each time with ``--resume``,
    until a run completes; the record's lines (``<workflow> <task> started|finished``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBECONFIG")}
    for attempt in range(40):
        proc = subprocess.run([sys.executable, str(KILLER), str(record), "--", *args,
                               *(["--resume"] if attempt else [])],
                              cwd=cwd, capture_output=True, text=True, timeout=1200, env=env, check=False)
        if proc.returncode == 0:
            return record.read_text().splitlines()
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)
    pytest.fail(f"no run completed after 40 kills: {record.read_text()}")


def test_create_and_upgrade_killed_at_every_task_boundary_resume_to_the_same_end_state(
        management: Path, tmp_path: Path) -> None:
    """Every task boundary of the workload create, then of an upgrade (a worker group scaled), gets a SIGKILL;
    ``--resume`` continues each time. The end state is that of an uninterrupted run, and no task ran twice."""
    client = KubeClient(str(management))
    name = "w2"
    docs = generated_spec(name, MANAGEMENT, tmp_path)
    spec = write_spec(tmp_path / "w2.yaml", docs)

    create = killed_at_every_boundary(["create", "cluster", "-f", str(spec), "--kubeconfig", str(management)],
                                      tmp_path, tmp_path / "create.record")
    started = [line.rsplit(" ", 1)[0] for line in create if line.endswith(" started")]
    finished = [line.rsplit(" ", 1)[0] for line in create if line.endswith(" finished")]
    assert len(finished) >= 3 and "create-workload create-workload-cluster" in finished, create
    assert len(started) == len(set(started)), f"a resumed create did a task again: {create}"
    assert set(started) <= set(finished)

    cluster = client.get(CAPI, "Cluster", name, NS)
    assert all(condition(cluster, c) == "True" for c in ("ControlPlaneAvailable", "WorkersAvailable", "Available"))
    selector = {"cluster.x-k8s.io/cluster-name": name}
    created = {m["metadata"]["name"] for m in client.list(CAPI, "Machine", NS, label_selector=selector)}
    assert len(created) == 2
    kubeconfig = tmp_path / name / f"{name}-eks-a-cluster.kubeconfig"
    secret = client.get("v1", "Secret", f"{name}-kubeconfig", NS)
    assert kubeconfig.read_text() == base64.b64decode(secret["data"]["value"]).decode()
    checks = client.list(CAPI, "MachineHealthCheck", NS, label_selector=selector)
    assert sorted(c["metadata"]["name"] for c in checks) == [f"{name}-kcp-unhealthy", f"{name}-md-0-worker-unhealthy"]

    next(d for d in docs if d["kind"] == "Cluster")["spec"]["workerNodeGroupConfigurations"][0]["count"] = 2
    write_spec(spec, docs)
    upgrade = killed_at_every_boundary(["upgrade", "cluster", "-f", str(spec), "--kubeconfig", str(management)],
                                       tmp_path, tmp_path / "upgrade.record")
    started = [line.rsplit(" ", 1)[0] for line in upgrade if line.endswith(" started")]
    assert len(started) == len(set(started)), f"a resumed upgrade did a task again: {upgrade}"
    assert len([line for line in upgrade if line.endswith(" finished")]) >= 3, upgrade

    md = client.get(CAPI, "MachineDeployment", f"{name}-md-0", NS)
    assert md["spec"]["replicas"] == 2
    assert md["status"]["availableReplicas"] == md["status"]["upToDateReplicas"] == 2
    after = {m["metadata"]["name"] for m in client.list(CAPI, "Machine", NS, label_selector=selector)}
    assert created < after and len(after) == 3  # one machine added, none replaced

    ok(eksa("delete", "cluster", "-f", str(spec), "--kubeconfig", str(management), cwd=tmp_path))
    assert client.get_or_none(CAPI, "Cluster", name, NS) is None
