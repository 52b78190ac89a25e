"""The workflow tests' world on the real control plane: two real API servers play the bootstrap ("kind") cluster and
the management cluster, the tests play the Cluster API controllers' part by writing status.

* The bootstrap cluster is the session's ``control_plane``, the management cluster is ``second_control_plane`` (both
  etcd + kube-apiserver + kube-controller-manager of :mod:`eksa_core.testing`). The Cluster API CRDs EKS Anywhere
  ships (core, kubeadm bootstrap, kubeadm control plane, with the EKS-A overlay) are installed from their Go
  modules, so the real server validates, defaults and prunes everything the workflows write.
* The test provider is this repository's own fictional provider: its two infrastructure kinds (``TestCluster``,
  ``TestMachineTemplate``) get the small CRDs of :data:`TEST_PROVIDER_CRDS`, written here, marked as Cluster API
  v1beta2-contract infrastructure like a real provider's.
* EKS Anywhere's own CRDs (``config/crd/bases`` of the ``github.com/aws/eks-anywhere`` module at the release the
  bundled snapshot is of, v0.26.1) are installed on both clusters, with the CRDs eksa generates for the test
  provider's two EKS-A-group kinds (``TestDatacenterConfig``, ``TestMachineConfig``: :func:`eksa_core.crds.
  generate_crds`), so the EKS-A objects the workflows write are validated by EKS Anywhere's real schemas. They are
  installed for every test (as if the EKS-A components were always there), because a shared control plane keeps
  its CRDs: a test of a cluster *without* them uses a control plane of its own (:func:`plain_cluster`).
* No Cluster API controller runs, so :class:`RealControllerSimulation` writes what they would write, and only
  that: the v1beta2 ``Cluster`` status (phase, ``initialization``, the v1beta2 conditions ``InfrastructureReady``,
  ``ControlPlaneInitialized``, ``ControlPlaneAvailable``, ``WorkersAvailable``, ``Available`` with reasons and
  messages, and a failure in ``status.deprecated.v1beta1.failureMessage`` where v1beta2 keeps it), the
  MachineDeployments' replica counts and phase, and the ``<cluster>-kubeconfig`` Secret pointing at the
  management cluster. It acts when a workflow's client reads a Cluster API ``Cluster`` (as a controller would have
  reconciled by then), so nothing depends on timing.
* Isolation: the session's control planes are shared, so each test starts from clean clusters: every object of
  the kinds the workflows write in ``eksa-system`` and ``default`` and every Node is removed first
  (:func:`wipe`); the CRDs stay installed.
"""

from __future__ import annotations

import base64
import copy
import functools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eksa_core.context import ClusterHandle
from eksa_core.crds import generate_crds, install_crds
from eksa_core.kube import KubeClient, KubeNotFoundError, RetryPolicy
from eksa_core.plugins import ComponentChangeDiff, Plugins
from eksa_core.testing.cni import StandInCNIRenderer
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import EKSA_MODULE, EKSA_VERSION, ensure_crds, module_dir
from eksa_core.testing.pytest_plugin import started_control_plane
from eksa_core.workflows import ClusterAPIInstaller, ComponentsRequest, Timeouts, WorkflowOptions
from eksa_core.workflows.ops import ROLLOUT_KINDS

from .harness import ENV, FakeClock, RecordingBootstrapper, make_plugins

EKSA_CRD_DIR = "config/crd/bases"
TEST_PROVIDER_EKSA_KINDS = ("TestDatacenterConfig", "TestMachineConfig")
CAPI = "cluster.x-k8s.io/v1beta2"
CAPI_CRD_GROUPS = ("capi-core", "capi-kubeadm-bootstrap", "capi-kubeadm-controlplane")
SYSTEM = "eksa-system"
CLUSTER_LABEL = "cluster.x-k8s.io/cluster-name"
_NOW = "2026-01-01T00:00:00Z"


def _test_crd(kind: str, plural: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.infrastructure.cluster.x-k8s.io",
                         # the label Cluster API reads to find a provider's version for its contract
                         "labels": {"cluster.x-k8s.io/provider": "infrastructure-testprovider",
                                    "cluster.x-k8s.io/v1beta2": "v1beta1"}},
            "spec": {"group": "infrastructure.cluster.x-k8s.io", "scope": "Namespaced",
                     "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                               "singular": kind.lower()},
                     "versions": [{"name": "v1beta1", "served": True, "storage": True,
                                   "subresources": {"status": {}}, "schema": {"openAPIV3Schema": schema}}]}}


#: The CRDs of the test provider (this repository's fictional provider: no upstream schema exists to read, so its
#: specs are open; everything Cluster API's CRDs hold is checked by their real schemas).
TEST_PROVIDER_CRDS = (_test_crd("TestCluster", "testclusters"),
                      _test_crd("TestMachineTemplate", "testmachinetemplates"))


def _server_of(kubeconfig: Path) -> str:
    data = yaml.safe_load(kubeconfig.read_text())
    return str(data["clusters"][0]["cluster"]["server"])


class RealCluster:
    """One real API server playing a cluster, with the reads and writes the tests make on it."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.kubeconfig = plane.kubeconfig
        self.client = KubeClient(str(plane.kubeconfig), retry=RetryPolicy(attempts=5, initial_delay=0.05))
        self.url = self.client.host

    def write_kubeconfig(self, path: Path) -> Path:
        """A copy of the admin kubeconfig at ``path`` (0600)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.kubeconfig, path)
        os.chmod(path, 0o600)
        return path

    def install_capi_crds(self) -> None:
        """The Cluster API CRDs EKS Anywhere ships and the test provider's (once per session and server)."""
        ensure_crds(self.kubeconfig, list(CAPI_CRD_GROUPS))
        self._check_no_webhook_conversion()
        missing = [crd for crd in TEST_PROVIDER_CRDS
                   if not self.client.has_kind("infrastructure.cluster.x-k8s.io/v1beta1", crd["spec"]["names"]["kind"])]
        if missing:
            self.client.apply(list(missing), field_manager="eksa-tests", force=True)
            for crd in missing:
                self.client.wait_for_condition("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                                               crd["metadata"]["name"], None, "Established", timeout=60,
                                               poll_interval=0.1, sleep=_real_sleep)
            self.client.invalidate_discovery()

    def _check_no_webhook_conversion(self) -> None:
        # No conversion webhook serves these shared planes: a CRD left converting through some test's managers
        # (which stop, or know other kinds) makes every later list of that kind fail, far from the cause.
        crd = self.client.get_or_none("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                                      "clusters.cluster.x-k8s.io")
        strategy = ((crd or {}).get("spec", {}).get("conversion") or {}).get("strategy", "None")
        assert strategy == "None", (
            f"the Cluster API CRDs on {self.url} convert through a webhook ({strategy}): a test installed them for "
            "its own managers on this shared control plane; such tests need a control plane of their own")

    def install_eksa_crds(self) -> None:
        """EKS Anywhere's CRDs from its module and the test provider's generated ones (once per server)."""
        if self.client.has_kind("anywhere.eks.amazonaws.com/v1alpha1", "TestMachineConfig"):
            return
        install_crds(self.client, eksa_crds())

    def get_object(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        try:
            return self.client.get_or_none(api_version, kind, name, namespace)
        except KubeNotFoundError:  # the kind is not served
            return None

    def list_objects(self, api_version: str | None = None, kind: str | None = None,
                     namespace: str | None = None) -> list[dict[str, Any]]:
        """Objects of one kind, or of every kind the workflows write (:func:`written_kinds`) when none is named."""
        kinds = [(api_version, kind)] if api_version and kind else written_kinds(self.client)
        out: list[dict[str, Any]] = []
        for av, k in kinds:
            if not self.client.has_kind(av, k):
                continue
            out += self.client.list(av, k, namespace)
        return out

    def put_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create ``obj``; its ``status`` goes through the status subresource, as a controller writes it."""
        body = {k: v for k, v in obj.items() if k != "status"}
        created = self.client.create(body)
        if "status" in obj:
            meta = created["metadata"]
            return self.set_status(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"),
                                   obj["status"])
        return created

    def set_status(self, api_version: str, kind: str, name: str, namespace: str | None,
                   status: dict[str, Any]) -> dict[str, Any]:
        """Replace the object's ``status`` (through the status subresource)."""
        current = self.client.get(api_version, kind, name, namespace)
        current["status"] = status
        return self.client.replace(current, subresource="status")

    def close(self) -> None:
        self.client.close()


@functools.cache
def _eksa_module_crds() -> tuple[dict[str, Any], ...]:
    root = module_dir(EKSA_MODULE, EKSA_VERSION)
    out: list[dict[str, Any]] = []
    for path in sorted((root / EKSA_CRD_DIR).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                doc.get("metadata", {}).pop("creationTimestamp", None)
                out.append(doc)
    return tuple(out)


def eksa_crds() -> list[dict[str, Any]]:
    """EKS Anywhere's CRDs (its module's ``config/crd/bases``) and the CRDs eksa generates for the test provider's
    EKS-A-group kinds."""
    return [*copy.deepcopy(list(_eksa_module_crds())),
            *generate_crds(make_plugins(), kinds=list(TEST_PROVIDER_EKSA_KINDS))]


def _real_sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def written_kinds(client: KubeClient) -> list[tuple[str, str]]:
    """``(apiVersion, kind)`` of every Cluster API and EKS Anywhere kind served (any ``*cluster.x-k8s.io`` group and
    ``anywhere.eks.amazonaws.com``, storage version) plus Secrets and ConfigMaps."""
    kinds: list[tuple[str, str]] = []
    for crd in client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition"):
        spec = crd["spec"]
        group = spec["group"]
        ours = group in ("cluster.x-k8s.io", "anywhere.eks.amazonaws.com") or group.endswith(".cluster.x-k8s.io")
        if not ours or spec["scope"] != "Namespaced":
            continue
        version = next(v["name"] for v in spec["versions"] if v.get("storage"))
        kinds.append((f"{group}/{version}", spec["names"]["kind"]))
    return [*sorted(kinds), ("v1", "Secret"), ("v1", "ConfigMap")]


def wipe(cluster: RealCluster) -> None:
    """Remove what earlier tests left: every object of :func:`written_kinds` in ``eksa-system`` and ``default``
    (finalizers dropped first; ``kube-root-ca.crt`` stays), every Node and the AWS IAM Authenticator's
    ConfigMap."""
    client = cluster.client
    for api_version, kind in written_kinds(client):
        for namespace in (SYSTEM, "default"):
            for obj in client.list(api_version, kind, namespace):
                meta = obj["metadata"]
                if kind == "ConfigMap" and meta["name"] == "kube-root-ca.crt":
                    continue
                if meta.get("finalizers"):
                    client.patch_merge(api_version, kind, meta["name"], {"metadata": {"finalizers": None}},
                                       namespace)
                client.delete(api_version, kind, meta["name"], namespace, ignore_not_found=True)
    for node in client.list("v1", "Node"):
        client.delete("v1", "Node", node["metadata"]["name"], ignore_not_found=True)
    client.delete("v1", "ConfigMap", "aws-iam-authenticator", "kube-system", ignore_not_found=True)


class RealClusters:
    """The real clusters of one test, by server URL (a kubeconfig is mapped to its cluster by its server)."""

    def __init__(self) -> None:
        self.clusters: dict[str, RealCluster] = {}
        self.controllers: dict[str, RealControllerSimulation] = {}

    def add(self, cluster: RealCluster) -> RealCluster:
        self.clusters[cluster.url] = cluster
        return cluster

    def of(self, kubeconfig: Path | None) -> RealCluster:
        assert kubeconfig is not None
        return self.clusters[_server_of(kubeconfig)]


class RealKindBootstrapper(RecordingBootstrapper):
    """The "kind cluster" is a real control plane that already runs."""

    def __init__(self, cluster: RealCluster) -> None:
        super().__init__()
        self.cluster = cluster

    def write_kubeconfig(self, path: Path) -> Path:
        return self.cluster.write_kubeconfig(path)


class RealClusterAPIInstaller(ClusterAPIInstaller):
    """Stands in for clusterctl: "installing" Cluster API installs its real CRDs on the cluster (no controllers:
    the simulation plays them) and records the call (never the environment's values). The EKS-A and EKS-D
    components are recorded only: EKS Anywhere's CRDs are on both clusters from the start (see the module)."""

    def __init__(self, clusters: RealClusters) -> None:
        self.clusters = clusters
        self.calls: list[tuple[str, str]] = []
        self.env_keys: list[list[str]] = []

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("init", cluster.name))
        self.env_keys.append(sorted(request.env))
        self.clusters.of(cluster.kubeconfig).install_capi_crds()

    def upgrade(self, cluster: ClusterHandle, request: ComponentsRequest,
                current: ComponentsRequest | None) -> list[ComponentChangeDiff]:
        self.calls.append(("upgrade", cluster.name))
        return [ComponentChangeDiff("testprovider", "v0.1.0", "v0.2.0")]

    def ensure_etcd_providers(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("ensure-etcd", cluster.name))

    def install_eksa_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("eksa", cluster.name))

    def install_eksd_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("eksd", cluster.name))


def _condition(kind: str, ready: bool) -> dict[str, Any]:
    return {"type": kind, "status": "True" if ready else "False", "reason": kind if ready else f"Not{kind}",
            "message": "" if ready else f"{kind} is not true yet", "lastTransitionTime": _NOW}


@dataclass
class RealControllerSimulation:
    """Plays the Cluster API controllers on a real cluster: each unprovisioned Cluster API ``Cluster`` in
    ``eksa-system`` gets the status the real controllers would write for a cluster that came up (or failed),
    its MachineDeployments their replica counts, and its ``<name>-kubeconfig`` Secret pointing at ``workload``.

    ``failure_message`` makes the clusters fail (Cluster API v1beta2 keeps the message in
    ``status.deprecated.v1beta1.failureMessage``); ``stuck_condition`` keeps that condition false; ``active``
    False stops it (the delete's bootstrap cluster runs no controller).
    """

    cluster: RealCluster
    workload: RealCluster
    failure_message: str | None = None
    stuck_condition: str | None = None
    active: bool = True
    seen: list[str] = field(default_factory=list)

    def reconcile(self) -> None:
        if not self.active or not self.cluster.client.has_kind(CAPI, "Cluster"):
            return
        for obj in self.cluster.client.list(CAPI, "Cluster", SYSTEM):
            meta = obj["metadata"]
            if (obj.get("status") or {}).get("phase") in ("Provisioned", "Failed") or meta.get("deletionTimestamp"):
                continue
            self._provision(obj)

    def roll_out(self, api_version: str, kind: str, name: str, namespace: str | None) -> None:
        """A KubeadmControlPlane or MachineDeployment that rolled out: its controller observed the current
        generation and every desired replica is up to date and available (nothing while the cluster failed or
        the simulation is stopped)."""
        if not self.active or self.failure_message is not None:
            return
        obj = self.cluster.get_object(api_version, kind, name, namespace)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return
        generation = obj["metadata"].get("generation")
        status = dict(obj.get("status") or {})
        replicas = int((obj.get("spec") or {}).get("replicas") or 0)
        if status.get("observedGeneration") == generation and status.get("upToDateReplicas") == replicas:
            return
        status.update({"observedGeneration": generation, "replicas": replicas, "readyReplicas": replicas,
                       "availableReplicas": replicas, "upToDateReplicas": replicas})
        if kind == "MachineDeployment":
            status["phase"] = "Running"
        else:
            status["initialization"] = {"controlPlaneInitialized": True}
            status["version"] = (obj.get("spec") or {}).get("version")
        self.cluster.set_status(api_version, kind, name, namespace, status)

    def _provision(self, obj: dict[str, Any]) -> None:
        name = obj["metadata"]["name"]
        self.seen.append(name)
        failed = self.failure_message is not None
        status: dict[str, Any] = {"phase": "Failed" if failed else "Provisioned",
                                  "observedGeneration": obj["metadata"].get("generation"),
                                  "initialization": {"infrastructureProvisioned": True,
                                                     "controlPlaneInitialized": not failed}}
        status["conditions"] = [
            _condition(kind, not failed and kind != self.stuck_condition)
            for kind in ("InfrastructureReady", "ControlPlaneInitialized", "ControlPlaneAvailable",
                         "WorkersAvailable", "Available")]
        if failed:
            status["deprecated"] = {"v1beta1": {"failureReason": "InvalidConfiguration",
                                                "failureMessage": self.failure_message}}
        self.cluster.set_status(CAPI, "Cluster", name, SYSTEM, status)
        client = self.cluster.client
        for md in client.list(CAPI, "MachineDeployment", SYSTEM, label_selector={CLUSTER_LABEL: name}):
            replicas = int((md.get("spec") or {}).get("replicas") or 0)
            ready = 0 if failed else replicas
            self.cluster.set_status(CAPI, "MachineDeployment", md["metadata"]["name"], SYSTEM, {
                "phase": "Failed" if failed else "Running", "replicas": replicas, "readyReplicas": ready,
                "availableReplicas": ready, "upToDateReplicas": ready,
                "observedGeneration": md["metadata"].get("generation")})
        if failed:
            return
        kubeconfig = self.workload.kubeconfig.read_bytes()
        secret = {"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
                  "metadata": {"name": f"{name}-kubeconfig", "namespace": SYSTEM, "labels": {CLUSTER_LABEL: name}},
                  "data": {"value": base64.b64encode(kubeconfig).decode()}}
        client.apply([secret], field_manager="cluster-api-simulation", force=True)


class ControlledKubeClient(KubeClient):
    """The workflows' client in these tests: reading a Cluster API ``Cluster`` first lets the simulated
    controllers of that server reconcile (a real controller would have acted by the time anyone looks)."""

    controllers: dict[str, RealControllerSimulation] = {}  # by server URL, set by the ``env`` fixture

    def _reconcile(self, api_version: str, kind: str, name: str, namespace: str | None) -> None:
        controller = self.controllers.get(self.host)
        if controller is None or not api_version.split("/")[0].endswith("cluster.x-k8s.io"):
            return
        if kind == "Cluster":
            controller.reconcile()
        elif kind in ROLLOUT_KINDS:
            controller.roll_out(api_version, kind, name, namespace)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        self._reconcile(api_version, kind, name, namespace)
        return super().get(api_version, kind, name, namespace)

    def get_or_none(self, api_version: str, kind: str, name: str,
                    namespace: str | None = None) -> dict[str, Any] | None:
        self._reconcile(api_version, kind, name, namespace)
        return super().get_or_none(api_version, kind, name, namespace)



def kube_factory() -> Callable[[Path], KubeClient]:
    """The workflows' client factory on the real clusters: :class:`ControlledKubeClient` on a fake clock, so no
    wait or retry sleeps for real (the simulated controllers act on reads). For ``WorkflowOptions.kube_factory``
    and ``eksa_core.cli.main(kube_factory=...)``."""
    clock = FakeClock()

    def factory(path: Path) -> KubeClient:
        return ControlledKubeClient(path, sleep=clock.sleep, clock=clock,
                                    retry=RetryPolicy(attempts=2, initial_delay=0.0))

    return factory


def options(**kwargs: Any) -> WorkflowOptions:
    """Options for tests on the real clusters: fixed env, no real sleeping (:func:`kube_factory`)."""
    defaults: dict[str, Any] = {"env": dict(ENV), "kube_factory": kube_factory(),
                                "timeouts": Timeouts(failure_message=30, cluster_ready=60, delete=30,
                                                     poll_interval=5),
                                # the CNI's real path (helm, a chart registry) has tests of its own: test_cni.py
                                "cni_renderer": StandInCNIRenderer()}
    defaults.update(kwargs)
    return WorkflowOptions(**defaults)


def add_node(cluster: RealCluster, name: str, *, ready: bool = True) -> None:
    """A Node of the cluster (``Ready`` or not), as its kubelet would report it."""
    cluster.put_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
                        "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                                   "reason": "KubeletReady" if ready else "KubeletNotReady",
                                                   "message": "kubelet is posting ready status" if ready else
                                                   "container runtime is down",
                                                   "lastHeartbeatTime": _NOW, "lastTransitionTime": _NOW}]}})


def seed_management_cluster(cluster: RealCluster, name: str = "mgmt", *, eksa_version: str | None = None) -> None:
    """Make ``cluster`` an EKS Anywhere management cluster called ``name``: the Cluster API CRDs installed and its
    self-managed EKS-A ``Cluster`` present (EKS Anywhere's CRDs are always installed here)."""
    cluster.install_capi_crds()
    spec: dict[str, Any] = {"kubernetesVersion": "1.30", "managementCluster": {"name": name}}
    if eksa_version:
        spec["eksaVersion"] = eksa_version
    cluster.put_object({"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster",
                        "metadata": {"name": name, "namespace": "default"}, "spec": spec})


def plain_cluster(name: str) -> Iterator[RealCluster]:
    """A real control plane of its own (``name`` names its data directory) with Cluster API's CRDs and not EKS
    Anywhere's: a Kubernetes cluster that is not an EKS Anywhere management cluster, which the shared planes cannot
    be once a test installed EKS Anywhere's CRDs on them. Stopped when the generator closes; skips (fails in CI)
    like the session's planes where a control plane cannot run. For a module-scoped fixture: it depends on
    ``control_plane`` for the ``realkube`` marking."""
    planes = started_control_plane(name)
    try:
        cluster = RealCluster(next(planes))
        try:
            cluster.install_capi_crds()
            yield cluster
        finally:
            cluster.close()
    finally:
        planes.close()


def snapshot(cluster: RealCluster) -> dict[tuple[str, str, str, str], Any]:
    """The cluster's objects in ``eksa-system`` and ``default`` without server-set fields, keyed by
    (apiVersion, kind, namespace, name)."""
    out = {}
    for namespace in (SYSTEM, "default"):
        for obj in cluster.list_objects(namespace=namespace):
            meta = obj.get("metadata") or {}
            if obj["kind"] == "ConfigMap" and meta.get("name") == "kube-root-ca.crt":
                continue
            key = (obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta.get("name"))
            status = obj.get("status") or {}
            conditions = sorted((c["type"], c["status"]) for c in status.get("conditions") or [])
            out[key] = {"spec": obj.get("spec"), "data": obj.get("data"), "labels": meta.get("labels"),
                        "annotations": meta.get("annotations"), "conditions": conditions,
                        "ownerKinds": sorted(r.get("kind") for r in meta.get("ownerReferences") or [])}
    return out


@dataclass
class RealEnv:
    """One test's world on the real control planes: the bootstrap and management clusters (wiped clean),
    collaborators, the controller simulations."""

    workdir: Path
    clusters: RealClusters
    bootstrap: RealCluster
    management: RealCluster
    bootstrapper: RealKindBootstrapper
    installer: RealClusterAPIInstaller
    controller: RealControllerSimulation
    management_controller: RealControllerSimulation
    plugins: Plugins


def new_real_env(workdir: Path, bootstrap_plane: ControlPlane, management_plane: ControlPlane,
                 *extra_plugins: object) -> Iterator[RealEnv]:
    clusters = RealClusters()
    bootstrap = clusters.add(RealCluster(bootstrap_plane))
    management = clusters.add(RealCluster(management_plane))
    try:
        for cluster in (bootstrap, management):
            cluster.install_eksa_crds()
            wipe(cluster)
        add_node(management, "node-1")
        controller = RealControllerSimulation(bootstrap, management)
        management_controller = RealControllerSimulation(management, management)
        ControlledKubeClient.controllers = {bootstrap.url: controller, management.url: management_controller}
        yield RealEnv(workdir, clusters, bootstrap, management, RealKindBootstrapper(bootstrap),
                      RealClusterAPIInstaller(clusters), controller, management_controller,
                      make_plugins(*extra_plugins))
    finally:
        ControlledKubeClient.controllers = {}
        for cluster in (bootstrap, management):
            cluster.close()
