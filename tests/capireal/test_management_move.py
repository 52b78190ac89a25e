"""A standalone (management) cluster created through a bootstrap cluster running the real Cluster API controllers,
then made its own management cluster by the move.

Which cluster plays what, and why:

* **Bootstrap cluster**: the ``capi_management`` fixture's control plane, reached through the existing-cluster
  bootstrapper (``ExistingClusterBootstrapper``, what ``--kubeconfig`` gives a management create). Its Cluster API
  core, kubeadm bootstrap / control plane managers and CAPD (in-memory backend) are the real ones, started by the
  fixture: that start *is* the ``clusterctl init`` of the bootstrap cluster (one CAPD per machine), so the test's
  installer only checks that they run there. The create's ``apply and wait`` on the bootstrap cluster is
  reconciled by those controllers alone; the kubeconfig eksa writes is the one CAPI's Secret holds, and it reaches
  the API server CAPD serves in memory for the new cluster.
* **The new cluster, from "Installing cluster-api providers on management cluster" on**: a second real control
  plane of this module's own (``stand_in``) stands in for it. CAPD's in-memory API server is not a full API server: it
  serves a fixed set of kinds and no CustomResourceDefinitions, so it cannot host Cluster API's CRDs, EKS
  Anywhere's CRDs or the objects the move writes. The stand-in is wired in through
  ``WorkflowOptions.kube_factory`` (the documented seam that builds the client for a kubeconfig path): the client
  eksa builds for the new cluster's kubeconfig talks to the stand-in. Steps run there: Cluster API installed (the
  same CRDs the managers serve, conversion by the running managers; no controller runs on the stand-in, since only
  one CAPD may run per machine), eksa's CRDs and components installed, the move's target, the spec copied.
  The CNI too: once the new cluster's control plane is available, eksa renders Cilium with the real helm from the
  bundle's chart, pulled over TLS from the ``cilium_chart_registry`` fixture (a real OCI registry, the spec's
  registry mirror) and server-side applies it to the stand-in. The inmemory provider says its own clusters cannot
  host a CNI; for this test it is told they can (its ``installs_cni`` trait set), since the stand-in is a real API
  server. Nothing runs the Cilium pods (no kubelet): the test checks what was applied, on which cluster.
  The stand-in is not the session's ``second_control_plane``: the CRDs installed on it convert through the
  bootstrap cluster's managers, which know only the kinds of their own cluster, so every later test listing Cluster
  API objects on a shared plane would fail on that conversion webhook.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from eksa_core.bootstrap import ClusterHandle, ExistingClusterBootstrapper
from eksa_core.kube import KubeClient
from eksa_core.plugins import ComponentChangeDiff, Plugins
from eksa_core.releases import build_spec
from eksa_core.releases.constants import BUNDLED_RELEASE_MANIFEST
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing.capi import ClusterAPI
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.pytest_plugin import started_control_plane
from eksa_core.testing.registry import ChartRegistry
from eksa_core.workflows import ClusterAPIInstaller, ComponentsRequest, Result, WorkflowOptions, create_cluster

from .test_lifecycle import CAPI, EKSA, INFRA, KCP, NS, condition, eksa, ok

pytestmark = pytest.mark.capireal

NAME = "m1"
MOVED_KINDS = ((CAPI, "Cluster"), (CAPI, "Machine"), (CAPI, "MachineDeployment"), (CAPI, "MachineSet"),
               (KCP, "KubeadmControlPlane"), (INFRA, "DevCluster"), (INFRA, "DevMachine"),
               (INFRA, "DevMachineTemplate"), ("bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfig"),
               ("bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfigTemplate"))


class FixtureInstaller(ClusterAPIInstaller):
    """``clusterctl init`` on this stack: the bootstrap cluster's managers are the fixture's (checked running);
    the stand-in for the new cluster gets the CRDs those managers serve."""

    def __init__(self, capi: ClusterAPI, stand_in: ControlPlane) -> None:
        self.capi = capi
        self.stand_in = stand_in
        self.inits: list[str] = []

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        assert cluster.kubeconfig is not None
        self.inits.append(cluster.name)
        if Path(cluster.kubeconfig) == Path(self.capi.control_plane.kubeconfig):
            assert self.capi.running, f"the Cluster API managers of the bootstrap cluster stopped: {self.capi.logs()}"
            return
        client = KubeClient(str(self.stand_in.kubeconfig))
        crds = self.capi.crds()
        client.apply(crds, field_manager="eksa-capireal", force=True)
        for crd in crds:
            client.wait_for_condition("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"],
                                      None, "Established", timeout=120.0, poll_interval=0.2)
        client.invalidate_discovery()

    def upgrade(self, cluster: ClusterHandle, request: ComponentsRequest,
                current: ComponentsRequest | None) -> list[ComponentChangeDiff]:
        raise AssertionError("a create never upgrades components")


def _objects(client: KubeClient) -> dict[tuple[str, str], list[dict[str, Any]]]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for api_version, kind in MOVED_KINDS:
        items = [o for o in client.list(api_version, kind, NS)
                 if (o["metadata"].get("labels") or {}).get("cluster.x-k8s.io/cluster-name") == NAME
                 or o["metadata"]["name"].startswith(NAME)]
        found[(api_version, kind)] = items
    return found


def _spec(cwd: Path, registry: ChartRegistry) -> tuple[Spec, Path]:
    """The generated inmemory spec with the chart registry as its registry mirror (CA given), built with plugins in
    which the inmemory provider's clusters can host a CNI (the stand-in can)."""
    proc = eksa("generate", "clusterconfig", NAME, "-p", "inmemory", cwd=cwd)
    ok(proc)
    docs = list(yaml.safe_load_all(proc.stdout))
    docs[0]["spec"]["registryMirrorConfiguration"] = {"endpoint": registry.endpoint, "port": str(registry.port),
                                                      "caCertContent": registry.ca_pem}
    text = yaml.safe_dump_all([d for d in docs if d], sort_keys=False)
    spec_file = cwd / f"{NAME}.yaml"
    spec_file.write_text(text)
    plugins = Plugins()  # not the process-wide default_plugins(): the trait changed here stays in this test
    plugins.load_entry_points(cached=True)
    info, plugin = plugins.providers["inmemory"]
    plugins.providers["inmemory"] = (attrs.evolve(info, traits=attrs.evolve(info.traits, installs_cni=True)), plugin)
    config = parse_cluster_config(text, file=str(spec_file), registry=plugins.registry)
    return build_spec(config, release_manifest=BUNDLED_RELEASE_MANIFEST, plugins=plugins), spec_file


@pytest.fixture(scope="module")
def stand_in(capi_management: ClusterAPI) -> Iterator[ControlPlane]:
    """A real control plane of this module's own, standing in for the new cluster (see the module's docstring);
    stopped, with the conversion webhooks its CRDs point at the bootstrap cluster's managers, after the module."""
    yield from started_control_plane("eksa-capi-stand-in")


def test_management_create_moves_management_to_the_new_cluster(
    capi_management: ClusterAPI, stand_in: ControlPlane, cilium_chart_registry: ChartRegistry, tmp_path: Path,
) -> None:
    bootstrap_kubeconfig = Path(capi_management.control_plane.kubeconfig)
    stand_in_kubeconfig = Path(stand_in.kubeconfig)
    new_cluster_kubeconfig = tmp_path / NAME / f"{NAME}-eks-a-cluster.kubeconfig"
    spec, spec_file = _spec(tmp_path, cilium_chart_registry)
    assert spec.cluster.is_self_managed()

    def kube_factory(path: Path) -> KubeClient:
        # the seam: eksa's client for the new cluster's kubeconfig talks to the stand-in control plane
        return KubeClient(str(stand_in_kubeconfig if Path(path) == new_cluster_kubeconfig else path))

    installer = FixtureInstaller(capi_management, stand_in)
    start = time.monotonic()
    # the real helm, found as a user names it (EKSA_HELM); the rest of the environment is the test process's
    env = {**os.environ, "EKSA_HELM": str(cilium_chart_registry.helm)}
    result = create_cluster(spec, plugins=spec.plugins, workdir=tmp_path,
                            bootstrapper=ExistingClusterBootstrapper(bootstrap_kubeconfig), installer=installer,
                            options=WorkflowOptions(kube_factory=kube_factory, keep_files=(spec_file,), env=env))
    assert isinstance(result, Result)
    elapsed = time.monotonic() - start
    assert "delete-kind-cluster" in result.ran and "capi-management-move" in result.ran, result.ran
    assert installer.inits == [f"{NAME}-eks-a-cluster", NAME] or len(installer.inits) == 2, installer.inits

    # kubeconfig written: CAPI's Secret's, reaching the API server CAPD serves in memory for the new cluster
    assert new_cluster_kubeconfig.is_file() and new_cluster_kubeconfig.stat().st_mode & 0o777 == 0o600
    server = yaml.safe_load(new_cluster_kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    assert server != yaml.safe_load(bootstrap_kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    nodes = KubeClient(str(new_cluster_kubeconfig)).list("v1", "Node")
    assert nodes and all(condition(n, "Ready") == "True" for n in nodes), \
        f"the written kubeconfig ({server}) should reach the in-memory cluster's Ready Nodes: {nodes!r}"

    bootstrap, target = KubeClient(str(bootstrap_kubeconfig)), KubeClient(str(stand_in_kubeconfig))
    moved, left = _objects(target), _objects(bootstrap)
    # nothing of the new cluster is left on the bootstrap cluster
    assert not any(left.values()), {k: [o["metadata"]["name"] for o in v] for k, v in left.items() if v}
    # everything Cluster API made of it is on the new management cluster (the stand-in), owners rewritten
    for kind in ((CAPI, "Cluster"), (CAPI, "Machine"), (KCP, "KubeadmControlPlane"), (INFRA, "DevCluster"),
                 (INFRA, "DevMachine"),
                 (CAPI, "MachineDeployment")):
        assert moved[kind], f"no {kind[1]} of {NAME} on the new management cluster after the move"
    uids = {(o["kind"], o["metadata"]["name"]): o["metadata"]["uid"] for items in moved.values() for o in items}
    checked = 0
    for items in moved.values():
        for obj in items:
            for ref in obj["metadata"].get("ownerReferences") or []:
                key = (ref["kind"], ref["name"])
                if key in uids:
                    checked += 1
                    assert ref["uid"] == uids[key], \
                        f"{obj['kind']} {obj['metadata']['name']} owner {key} keeps the bootstrap cluster's uid"
    assert checked >= 5, f"only {checked} owner references among the moved objects"
    # the move kept the cluster provisioned as the real controllers left it (status copied, not re-derived)
    cluster = moved[(CAPI, "Cluster")][0]
    assert condition(cluster, "Available") == "True", cluster.get("status")
    assert not (cluster["spec"].get("paused")), "the moved Cluster stays paused on the new management cluster"
    # the Secret holding the kubeconfig moved too
    assert target.get_or_none("v1", "Secret", f"{NAME}-kubeconfig", NS) is not None
    assert bootstrap.get_or_none("v1", "Secret", f"{NAME}-kubeconfig", NS) is None

    # EKS Anywhere objects on the new management cluster
    for eksa_kind in ("Cluster", "InMemoryDatacenterConfig"):
        assert target.get_or_none(EKSA, eksa_kind, NAME, "default") is not None, \
            f"EKS-A {eksa_kind} not on the new management cluster"
    # ... and none left on the bootstrap cluster: EKS Anywhere deletes its kind bootstrap cluster with them; the
    # existing-cluster bootstrapper keeps the cluster, so the create removes what it wrote there
    for eksa_kind in ("Cluster", "InMemoryDatacenterConfig", "InMemoryMachineConfig"):
        for obj in spec.config.objects:
            if obj.kind == eksa_kind:
                assert bootstrap.get_or_none(EKSA, eksa_kind, obj.name, "default") is None, \
                    f"EKS-A {eksa_kind} {obj.name} left on the bootstrap cluster"

    # Cilium, rendered from the bundle's chart through the mirror, on the new cluster (the stand-in) only
    assert "Installing networking on workload cluster" in result.messages
    mirror = f"{cilium_chart_registry.endpoint}:{cilium_chart_registry.port}"
    agent = target.get("apps/v1", "DaemonSet", "cilium", "kube-system")
    assert agent["spec"]["template"]["spec"]["containers"][0]["image"] == f"{mirror}/eks/cilium/cilium:v1.19.4-1"
    operator = target.get("apps/v1", "Deployment", "cilium-operator", "kube-system")
    assert operator["spec"]["replicas"] == 2  # a control plane node and a worker: two operators
    config = target.get("v1", "ConfigMap", "cilium-config", "kube-system")["data"]
    assert (config["routing-mode"], config["tunnel-protocol"]) == ("tunnel", "geneve")
    managers = {m["manager"] for m in agent["metadata"]["managedFields"]}
    assert "eks-a-cli" in managers, managers
    assert bootstrap.get_or_none("apps/v1", "DaemonSet", "cilium", "kube-system") is None
    print(f"management create with move: {elapsed:.1f}s, {sum(map(len, moved.values()))} objects moved")
