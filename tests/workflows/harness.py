"""Test harness of the workflow tests: specs of the test provider, and the world on the fault-injection double
(API-server doubles playing the clusters, a bootstrapper double, a Cluster API installer double and a controller
simulation).

The workflow tests run on the real control planes (:mod:`tests.workflows.realharness`). The doubles here serve only
tests that inject faults or observe requests (a request that must never come, a kill before a mutating request, a
management cluster without EKS Anywhere's CRDs) and the CLI tests (``tests/cli/test_cli_e2e.py``, see there).
"""

from __future__ import annotations

import base64
import os
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eksa_core.bootstrap import BootstrapClusterOptions, Bootstrapper, bootstrap_cluster_name
from eksa_core.context import ClusterHandle
from eksa_core.kube import KubeClient, RetryPolicy
from eksa_core.plugins import ComponentChangeDiff, Plugins
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing.apiserver_double import FaultInjectionAPIServer, RequestInfo
from eksa_core.testing.cni import StandInCNIRenderer
from eksa_core.workflows import ClusterAPIInstaller, ComponentsRequest, Timeouts, WorkflowOptions
from tests.kube.fixtures import RecordingSleep

CAPI_KINDS = [
    ("cluster.x-k8s.io/v1beta2", "Cluster"),
    ("cluster.x-k8s.io/v1beta2", "MachineDeployment"),
    ("cluster.x-k8s.io/v1beta2", "MachineHealthCheck"),
    ("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane"),
    ("bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfigTemplate"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "TestCluster"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "TestMachineTemplate"),
]
EKSA_KINDS = [
    ("anywhere.eks.amazonaws.com/v1alpha1", "Cluster"),
    ("anywhere.eks.amazonaws.com/v1alpha1", "TestDatacenterConfig"),
    ("anywhere.eks.amazonaws.com/v1alpha1", "TestMachineConfig"),
    ("anywhere.eks.amazonaws.com/v1alpha1", "AWSIamConfig"),
]
ENV = {"TESTPROVIDER_USERNAME": "admin-user", "TESTPROVIDER_PASSWORD": "s3cr3t-Pa55w0rd!"}


def spec_text(name: str = "mgmt", *, management: str | None = None, worker_cpus: int = 4,
              endpoint: str = "https://infra.example:8443") -> str:
    """A spec of the test provider (management cluster unless ``management`` names another cluster)."""
    return f"""\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: {name}
  namespace: default
spec:
  kubernetesVersion: "1.30"
  controlPlaneConfiguration:
    count: 1
    endpoint:
      host: 10.0.0.10
    machineGroupRef:
      kind: TestMachineConfig
      name: {name}-cp
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef:
      kind: TestMachineConfig
      name: {name}
  datacenterRef:
    kind: TestDatacenterConfig
    name: {name}
  clusterNetwork:
    cniConfig:
      cilium: {{}}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
  managementCluster:
    name: {management or name}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TestDatacenterConfig
metadata:
  name: {name}
  namespace: default
spec:
  endpoint: {endpoint}
  region: local
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TestMachineConfig
metadata:
  name: {name}-cp
  namespace: default
spec:
  cpus: 2
  memoryMiB: 8192
  osFamily: ubuntu
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TestMachineConfig
metadata:
  name: {name}
  namespace: default
spec:
  cpus: {worker_cpus}
  memoryMiB: 8192
  osFamily: ubuntu
"""


def make_spec(plugins: Plugins, text: str) -> Spec:
    return Spec(parse_cluster_config(text, file="cluster.yaml", registry=plugins.registry), plugins=plugins)


def make_plugins(*extra: object) -> Plugins:
    import eksa_testprovider.plugin

    plugins = Plugins()
    plugins.register(eksa_testprovider.plugin, name="eksa-provider-testprovider")
    for index, plugin in enumerate(extra):
        plugins.register(plugin, name=f"{type(plugin).__name__}-{index}")
    return plugins


def _server_of(kubeconfig: Path) -> str:
    data = yaml.safe_load(kubeconfig.read_text())
    return str(data["clusters"][0]["cluster"]["server"])


class Clusters:
    """The doubles standing in for clusters, by URL (a kubeconfig is mapped to its double by its server)."""

    def __init__(self) -> None:
        self.doubles: dict[str, FaultInjectionAPIServer] = {}

    def add(self, double: FaultInjectionAPIServer) -> FaultInjectionAPIServer:
        self.doubles[double.url] = double
        return double

    def of(self, kubeconfig: Path | None) -> FaultInjectionAPIServer:
        assert kubeconfig is not None
        return self.doubles[_server_of(kubeconfig)]


class RecordingBootstrapper(Bootstrapper):
    """A bootstrapper whose "kind cluster" already runs: creating writes its kubeconfig (0600) where
    :class:`~eksa_core.bootstrap.KindBootstrapper` writes it; creates and deletes are recorded. Subclasses say how
    the kubeconfig is written (:meth:`write_kubeconfig`)."""

    def __init__(self) -> None:
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.live: set[str] = set()

    @abstractmethod
    def write_kubeconfig(self, path: Path) -> Path:
        """Write the running cluster's kubeconfig at ``path`` (0600); return the path."""

    def create(self, spec: Spec, options: BootstrapClusterOptions) -> ClusterHandle:
        name = bootstrap_cluster_name(spec.name)
        path = self.write_kubeconfig(options.generated_dir / f"{spec.name}.kind.kubeconfig")
        self.created.append(name)
        self.live.add(name)
        return ClusterHandle(name, path)

    def delete(self, handle: ClusterHandle) -> None:
        self.deleted.append(handle.name)
        self.live.discard(handle.name)

    def exists(self, name: str) -> bool:
        return name in self.live


class FakeKindBootstrapper(RecordingBootstrapper):
    """Bootstrapper double: the "kind cluster" is an API-server double."""

    def __init__(self, double: FaultInjectionAPIServer) -> None:
        super().__init__()
        self.double = double

    def write_kubeconfig(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.double.write_kubeconfig(path)
        os.chmod(path, 0o600)
        return path


class FakeClusterAPIInstaller(ClusterAPIInstaller):
    """Installer double: "installing" registers the kinds the CRDs would add on the cluster's double and
    records the call (never the environment's values)."""

    def __init__(self, clusters: Clusters) -> None:
        self.clusters = clusters
        self.calls: list[tuple[str, str]] = []
        self.env_keys: list[list[str]] = []
        self.versions: dict[str, str] = {"infrastructure-testprovider": "v0.1.0"}

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("init", cluster.name))
        self.env_keys.append(sorted(request.env))
        self.clusters.of(cluster.kubeconfig).register_kinds(CAPI_KINDS)

    def upgrade(self, cluster: ClusterHandle, request: ComponentsRequest,
                current: ComponentsRequest | None) -> list[ComponentChangeDiff]:
        self.calls.append(("upgrade", cluster.name))
        return [ComponentChangeDiff("testprovider", "v0.1.0", "v0.2.0")]

    def ensure_etcd_providers(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("ensure-etcd", cluster.name))

    def install_eksa_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("eksa", cluster.name))
        self.clusters.of(cluster.kubeconfig).register_kinds(EKSA_KINDS)

    def install_eksd_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.calls.append(("eksd", cluster.name))


@dataclass
class ControllerSimulation:
    """Plays the Cluster API controllers on a double, setting what the real ones set (Cluster API v1beta2).

    When a CAPI Cluster is read, it is marked provisioned with the v1beta2 conditions Cluster API's cluster
    controller sets (``ControlPlaneAvailable``, ``WorkersAvailable``, ``Available`` and the rest, with reason and
    message as the real schema requires), and its kubeconfig Secret (pointing at ``workload``) is created. When a
    KubeadmControlPlane or MachineDeployment is read, its status shows the current generation observed and every
    desired replica up to date and available, as their controllers report once a rollout is done."""

    double: FaultInjectionAPIServer
    workload: FaultInjectionAPIServer
    failure_message: str | None = None
    stuck_condition: str | None = None
    #: names of replicated objects (KCP / MachineDeployment) whose rollout never finishes
    stuck_rollouts: set[str] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)

    CONDITIONS = ("InfrastructureReady", "ControlPlaneInitialized", "ControlPlaneAvailable", "WorkersAvailable",
                  "RemoteConnectionProbe", "Available")

    def __call__(self, info: RequestInfo) -> None:
        parts = info.path.strip("/").split("/")
        if info.method != "GET" or len(parts) != 7 or parts[3] != "namespaces":
            return None
        group, version, resource = parts[1], parts[2], parts[5]
        namespace, name = parts[4], parts[6]
        if (group, resource) == ("controlplane.cluster.x-k8s.io", "kubeadmcontrolplanes"):
            self._rolled_out(f"{group}/{version}", "KubeadmControlPlane", name, namespace)
        elif (group, resource) == ("cluster.x-k8s.io", "machinedeployments"):
            self._rolled_out(f"{group}/{version}", "MachineDeployment", name, namespace)
        elif (group, resource) == ("cluster.x-k8s.io", "clusters"):
            self._provisioned(name, namespace)
        return None

    def _rolled_out(self, api_version: str, kind: str, name: str, namespace: str) -> None:
        obj = self.double.get_object(api_version, kind, name, namespace)
        if obj is None or name in self.stuck_rollouts or self.failure_message:
            return
        replicas = int((obj.get("spec") or {}).get("replicas") or 0)
        status = dict(obj.get("status") or {})
        status.update({"observedGeneration": obj["metadata"].get("generation"), "replicas": replicas,
                       "readyReplicas": replicas, "availableReplicas": replicas, "upToDateReplicas": replicas})
        if kind == "MachineDeployment":
            status["phase"] = "Running"
        if status != obj.get("status"):
            self.double.set_status(api_version, kind, name, namespace, status)

    def _provisioned(self, name: str, namespace: str) -> None:
        obj = self.double.get_object("cluster.x-k8s.io/v1beta2", "Cluster", name, namespace)
        if obj is None or (obj.get("status") or {}).get("phase") == "Provisioned":
            return
        self.seen.append(name)
        status: dict[str, Any] = {"phase": "Provisioned" if not self.failure_message else "Failed",
                                  "observedGeneration": obj["metadata"].get("generation")}
        if self.failure_message:
            status["deprecated"] = {"v1beta1": {"failureMessage": self.failure_message}}
        conditions = []
        for condition in self.CONDITIONS:
            ready = condition != self.stuck_condition
            conditions.append({"type": condition, "status": "True" if ready else "False",
                               "reason": condition if ready else f"Not{condition}",
                               "message": "" if ready else f"{condition} is False (simulated)",
                               "observedGeneration": obj["metadata"].get("generation"),
                               "lastTransitionTime": "2026-01-01T00:00:00Z"})
        status["conditions"] = conditions
        self.double.set_status("cluster.x-k8s.io/v1beta2", "Cluster", name, namespace, status)
        for md in self.double.list_objects("cluster.x-k8s.io/v1beta2", "MachineDeployment", namespace):
            if (md["metadata"].get("labels") or {}).get("cluster.x-k8s.io/cluster-name") != name:
                continue
            if self.failure_message:
                replicas = int((md.get("spec") or {}).get("replicas") or 0)
                self.double.set_status("cluster.x-k8s.io/v1beta2", "MachineDeployment", md["metadata"]["name"],
                                       namespace, {"phase": "Failed", "replicas": replicas, "readyReplicas": 0})
            else:
                self._rolled_out("cluster.x-k8s.io/v1beta2", "MachineDeployment", md["metadata"]["name"], namespace)
        kubeconfig = yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": name,
            "clusters": [{"name": name, "cluster": {"server": self.workload.url}}],
            "users": [{"name": name, "user": {"token": self.workload.token}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}]})
        self.double.put_object({"apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
                                "metadata": {"name": f"{name}-kubeconfig", "namespace": namespace,
                                             "labels": {"cluster.x-k8s.io/cluster-name": name}},
                                "data": {"value": base64.b64encode(kubeconfig.encode()).decode()}})


def chain(*hooks: Callable[[RequestInfo], Any]) -> Callable[[RequestInfo], Any]:
    def run(info: RequestInfo) -> Any:
        for hook in hooks:
            result = hook(info)
            if result is not None:
                return result
        return None

    return run


def options(**kwargs: Any) -> WorkflowOptions:
    """Options for tests: fixed env, no real sleeping, short timeouts measured on a fake clock."""
    clock = FakeClock()
    sleep = clock.sleep

    def factory(path: Path) -> KubeClient:
        return KubeClient(path, sleep=sleep, clock=clock, retry=RetryPolicy(attempts=2, initial_delay=0.0))

    defaults: dict[str, Any] = {"env": dict(ENV), "kube_factory": factory,
                                "timeouts": Timeouts(failure_message=30, cluster_ready=60, delete=30,
                                                     poll_interval=5),
                                # the CNI's real path (helm, a chart registry) has tests of its own: test_cni.py
                                "cni_renderer": StandInCNIRenderer()}
    defaults.update(kwargs)
    return WorkflowOptions(**defaults)


class FakeClock:
    """A clock that only moves when slept on (waits never depend on real time)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.001)


def snapshot(double: FaultInjectionAPIServer) -> dict[tuple[str, str, str, str], Any]:
    """The double's objects without server-set fields, keyed by (apiVersion, kind, namespace, name)."""
    out = {}
    for obj in double.list_objects():
        meta = obj.get("metadata") or {}
        key = (obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta.get("name"))
        status = obj.get("status") or {}
        conditions = sorted((c["type"], c["status"]) for c in status.get("conditions") or [])
        data = obj.get("data")
        if obj["kind"] == "Secret" and str(meta.get("name")).endswith("-kubeconfig"):
            data = "<kubeconfig of this test's double>"  # server URL and token differ between doubles
        out[key] = {"spec": obj.get("spec"), "data": data, "labels": meta.get("labels"),
                    "annotations": meta.get("annotations"), "conditions": conditions,
                    "ownerKinds": sorted(r.get("kind") for r in meta.get("ownerReferences") or [])}
    return out


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path → content)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Env:
    """One test's world: doubles for the bootstrap and the management cluster, collaborators, options."""

    workdir: Path
    clusters: Clusters
    bootstrap: FaultInjectionAPIServer
    management: FaultInjectionAPIServer
    bootstrapper: FakeKindBootstrapper
    installer: FakeClusterAPIInstaller
    controller: ControllerSimulation
    management_controller: ControllerSimulation
    plugins: Plugins


def add_node(double: FaultInjectionAPIServer, name: str, *, ready: bool = True) -> None:
    """A Node of the cluster a double plays (``Ready`` or not)."""
    double.put_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
                       "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})


def seed_management_cluster(double: FaultInjectionAPIServer, name: str = "mgmt", *,
                            eksa_version: str | None = None) -> None:
    """Make ``double`` look like an EKS Anywhere management cluster called ``name``: the EKS-A and Cluster API
    kinds are served and its self-managed EKS-A ``Cluster`` exists."""
    double.register_kinds(EKSA_KINDS + CAPI_KINDS)
    spec: dict[str, Any] = {"kubernetesVersion": "1.30", "managementCluster": {"name": name}}
    if eksa_version:
        spec["eksaVersion"] = eksa_version
    double.put_object({"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster",
                       "metadata": {"name": name, "namespace": "default"}, "spec": spec})


def new_env(workdir: Path, *extra_plugins: object) -> Iterator[Env]:
    clusters = Clusters()
    with FaultInjectionAPIServer(token=uuid.uuid4().hex) as bootstrap, \
            FaultInjectionAPIServer(token=uuid.uuid4().hex) as management:
        clusters.add(bootstrap)
        clusters.add(management)
        for double in (bootstrap, management):
            double.register_kind("v1", "Node", namespaced=False)
        add_node(management, "node-1")
        controller = ControllerSimulation(bootstrap, management)
        bootstrap.before_request = controller
        management_controller = ControllerSimulation(management, management)
        management.before_request = management_controller
        yield Env(workdir, clusters, bootstrap, management, FakeKindBootstrapper(bootstrap),
                  FakeClusterAPIInstaller(clusters), controller, management_controller,
                  make_plugins(*extra_plugins))


__all__ = ["RecordingSleep"]
