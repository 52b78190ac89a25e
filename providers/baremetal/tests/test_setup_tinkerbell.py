"""Bare metal setup-and-validate (create and upgrade): hardware CSV, catalogue, hardware counts, local ports, IPs in
use, the management cluster's tinkerbellIP and hardware, rolling-upgrade spare hardware, dry runs, and
``eksa generate hardware``.

Kubernetes is the FaultInjectionAPIServer (eksa_core.testing.apiserver_double, a stand-in for an API server) with the
Tinkerbell CRD kinds registered; the network is 127.0.0.1 only (a listening socket is an IP in use, a closed port a
refusal). A timeout cannot be produced on 127.0.0.1, so the "IP free" case uses ``FakeTimeoutDialer``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from eksa_baremetal import plugin
from eksa_baremetal.settings import TinkerbellSettings
from eksa_baremetal.setup import (
    ip_in_use,
    machine_from_hardware,
    ports_in_use,
    setup_and_validate_create,
    setup_and_validate_upgrade,
)

from eksa_core.context import HookContext
from eksa_core.defaults import set_defaults
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.kube import KubeClient, RetryPolicy
from eksa_core.plugins import Plugins
from eksa_core.releases import build_spec_from_files
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing import conformance_dir

REPO = Path(__file__).resolve().parents[3]
CONFORMANCE = conformance_dir(__file__) or REPO / "no-conformance-fixtures"
RELEASES = [CONFORMANCE / "releases" / f for f in ("releases.yaml", "bundles.yaml", "kubernetes-1-21-eks-4.yaml")]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f test@example.com"
PASSWORD = "Bmc-Pa55word-never-shown"

TINKERBELL_KINDS = [
    ("tinkerbell.org/v1alpha1", "Hardware", "hardware"),
    ("bmc.tinkerbell.org/v1alpha1", "Machine", "machines"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "TinkerbellMachine", "tinkerbellmachines"),
    ("anywhere.eks.amazonaws.com/v1alpha1", "Cluster", "clusters"),
    ("anywhere.eks.amazonaws.com/v1alpha1", "TinkerbellDatacenterConfig", "tinkerbelldatacenterconfigs"),
]

pytestmark = pytest.mark.skipif(not (CONFORMANCE / "releases" / "bundles.yaml").is_file(),
                                reason="release fixtures of the conformance folder not found")


# -- helpers shared with the lifecycle and machine tests ----------------------------------------------------------


def double_class() -> Any:
    """FaultInjectionAPIServer of the core's test kit."""
    from eksa_core.testing.apiserver_double import FaultInjectionAPIServer

    return FaultInjectionAPIServer


def tinkerbell_double() -> Any:
    """A started double serving the Tinkerbell CRD kinds (Hardware's plural is "hardware", as its CRD says)."""
    double = double_class()().start()
    for api_version, kind, plural in TINKERBELL_KINDS:
        double.register_kind(api_version, kind, plural=plural)
    return double


@pytest.fixture
def double() -> Iterator[Any]:
    d = tinkerbell_double()
    try:
        yield d
    finally:
        d.stop()


def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-baremetal")
    return p


def make_spec(*, name: str = "bm", management: str | None = None, cp_count: int = 1, workers: int | None = 1,
              version: str = "1.21", endpoint: str = "10.0.0.10", tinkerbell_ip: str = "10.0.0.20",
              cluster_extra: str = "", cp_extra: str = "", worker_extra: str = "", dc_extra: str = "",
              cp_mc_extra: str = "", wk_mc_extra: str = "", image: str = "https://images.example/ubuntu-1-21.gz",
              wk_selector: str = "{type: worker}") -> Spec:
    """A bare metal spec (control plane selector type=cp, workers type=worker), defaulted with its bundle."""
    mgmt = f"\n  managementCluster: {{name: {management}}}" if management else ""
    groups = f"""
  workerNodeGroupConfigurations:
  - name: md-0
    count: {workers}
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: {name}-wk}}
{worker_extra}""" if workers is not None else ""
    text = f"""
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {{name: {name}}}
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: {cp_count}
    endpoint: {{host: "{endpoint}"}}
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: {name}-cp}}
{cp_extra}
  datacenterRef: {{kind: TinkerbellDatacenterConfig, name: {name}}}
  kubernetesVersion: "{version}"{mgmt}{groups}{cluster_extra}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellDatacenterConfig
metadata: {{name: {name}}}
spec:
  tinkerbellIP: "{tinkerbell_ip}"
  osImageURL: {image}
{dc_extra}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: {name}-cp}}
spec:
  hardwareSelector: {{type: cp}}
  osFamily: ubuntu
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
{cp_mc_extra}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: {name}-wk}}
spec:
  hardwareSelector: {wk_selector}
  osFamily: ubuntu
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
{wk_mc_extra}
"""
    p = plugins()
    config = parse_cluster_config(text, registry=p.registry, strict=False)
    set_defaults(config, plugins=Plugins(), stage="api")
    spec = build_spec_from_files(config, RELEASES, cli_version="v0.19.0-dev+latest")
    spec.plugins = p
    return spec


def with_kubernetes_version(spec: Spec, version: str = "1.22") -> Spec:
    """``spec`` moved to another Kubernetes version (the release fixtures only carry 1.21's bundle, reused)."""
    spec.cluster.spec.kubernetes_version = version
    spec.versions_bundles.setdefault(version, spec.versions_bundles["1.21"])
    return spec


HEADER = "hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"


def csv_row(i: int, labels: str, *, bmc: bool = True) -> str:
    """One valid CSV row (host<i>, BMC 192.168.0.<i> with :data:`PASSWORD` when ``bmc``)."""
    bmc_cols = f"192.168.0.{i},admin,{PASSWORD}" if bmc else ",,"
    return (f"host{i},{bmc_cols},00:00:00:00:00:{i:02x},10.10.10.{i},255.255.255.0,10.10.10.254,"
            f"1.1.1.1,{labels},/dev/sda\n")


def write_csv(tmp_path: Path, rows: list[str], name: str = "hardware.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows))
    return path


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def listener() -> Iterator[int]:
    """A port with a listener on 127.0.0.1."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


class FakeTimeoutDialer:
    """Stands in for a dial to an IP where nothing answers (a timeout), which 127.0.0.1 cannot produce."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, float]] = []

    def __call__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append((host, port, timeout))
        raise TimeoutError("timed out")


def refusing_dialer(host: str, port: int, timeout: float) -> None:
    raise AssertionError(f"no dial expected, got {host}:{port}")


def context(tmp_path: Path, **options: Any) -> HookContext:
    """A hook context whose network checks only see free ports unless told otherwise: keyword arguments named
    like :class:`TinkerbellSettings` fields go into the call's settings, the others are run options."""
    tuned: dict[str, Any] = {"local_ports": [free_port()], "dialer": FakeTimeoutDialer()}
    tuned.update({name: options.pop(name) for name in attrs.fields_dict(TinkerbellSettings) if name in options})
    dry_run = bool(options.pop("dry_run", False))
    factory: Callable[[Path], KubeClient] | None = options.pop("kube_factory", None)
    return HookContext(cluster_dir=tmp_path / "bm", env={}, dry_run=dry_run, kube_factory=factory,
                       options={**options, "settings": [TinkerbellSettings(**tuned)]})


def _dialer(ctx: HookContext) -> Any:
    """The dialer of the context's :class:`TinkerbellSettings` (a recording fake)."""
    settings = ctx.settings(TinkerbellSettings)
    assert settings is not None
    return settings.dialer


def messages(info: pytest.ExceptionInfo[SpecErrors]) -> list[str]:
    return info.value.messages


# -- network primitives ------------------------------------------------------------------------------------------


def test_ip_in_use_when_a_host_accepts_or_refuses(listener: int) -> None:
    assert ip_in_use("127.0.0.1", port=listener) is True
    # A refusal is an answer: some host owns the IP (EKS-A treats ECONNREFUSED/ECONNRESET as in use).
    assert ip_in_use("127.0.0.1", port=free_port()) is True
    dialer = FakeTimeoutDialer()
    assert ip_in_use("10.0.0.10", port=80, dial=dialer) is False
    assert dialer.calls == [("10.0.0.10", 80, 0.5)]


def test_ports_in_use(listener: int) -> None:
    free = free_port()
    assert ports_in_use([listener, free]) == [listener]
    with socket.socket() as bound:  # bound but not listening also counts
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        assert ports_in_use([port]) == [port]


# -- create: hardware CSV ----------------------------------------------------------------------------------------


def test_management_create_requires_the_hardware_csv(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(make_spec(), context(tmp_path))
    assert messages(info) == ['required flag "hardware-csv" not set']


def test_missing_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(make_spec(), context(tmp_path, hardware_csv=str(path)))
    assert messages(info) == [f"hardware config file {path} does not exist"]


def test_every_csv_problem_at_once_located_and_without_passwords(tmp_path: Path) -> None:
    rows = [csv_row(1, "type=cp"), csv_row(2, "type=worker").replace("10.10.10.2,", "10.10.10.1,"),
            csv_row(3, "type=worker").replace("/dev/sda", "sda").replace("admin", "")]
    path = write_csv(tmp_path, rows)
    spec = make_spec(cluster_extra="\n  externalEtcdConfiguration: {count: 1, machineGroupRef: "
                                   "{kind: TinkerbellMachineConfig, name: bm-cp}}")
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(spec, context(tmp_path, hardware_csv=str(path)))
    errors = info.value.errors
    assert [e.message for e in errors] == [
        "external etcd configuration is unsupported",
        "duplicate IPAddress: 10.10.10.1",
        'disk must be a valid linux path ("^(/dev/[\\w-]+)+$")',
        "machine: BMCUsername is empty",
    ]
    assert errors[0].field == "spec.externalEtcdConfiguration" and errors[0].kind == "Cluster"
    assert [(e.file, e.line) for e in errors[1:]] == [(str(path), 3), (str(path), 4), (str(path), 4)]
    assert PASSWORD not in str(info.value)


# -- create: hardware counts -------------------------------------------------------------------------------------


def test_minimum_hardware_per_selector(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    spec = make_spec(cp_count=3, workers=2)
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(spec, context(tmp_path, hardware_csv=str(path)))
    assert messages(info) == [
        "minimum hardware count not met for selector '{\"type\":\"cp\"}': have 1, require 3",
        "minimum hardware count not met for selector '{\"type\":\"worker\"}': have 1, require 2",
    ]


def test_provisioned_csv_hardware_does_not_count(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp|v1alpha1.tinkerbell.org/ownerName=other-abcde"),
                                csv_row(2, "type=worker")])
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(make_spec(), context(tmp_path, hardware_csv=str(path)))
    assert messages(info) == ["minimum hardware count not met for selector '{\"type\":\"cp\"}': have 0, require 1"]


def test_hardware_must_satisfy_one_selector(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp|rack=a"), csv_row(2, "type=worker|rack=a")])
    spec = make_spec(wk_selector="{rack: a}", workers=1)
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(spec, context(tmp_path, hardware_csv=str(path)))
    assert messages(info) == [
        "hardware must only satisfy 1 selector: hardware name 'host1'; selectors '{\"type\":\"cp\"}, "
        "{\"rack\":\"a\"}'"]


def test_valid_management_create_returns_the_catalogue(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker"), csv_row(3, "type=spare")])
    ctx = context(tmp_path, hardware_csv=str(path))
    catalogue = setup_and_validate_create(make_spec(), ctx)
    assert catalogue.hostnames() == ["host1", "host2", "host3"]
    dialed = _dialer(ctx).calls
    assert dialed == [("10.0.0.10", 80, 0.5), ("10.0.0.20", 80, 0.5)]


# -- create: ports and IPs ---------------------------------------------------------------------------------------


def test_local_ports_in_use(tmp_path: Path, listener: int) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    free = free_port()
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(make_spec(), context(tmp_path, hardware_csv=str(path),
                                                       local_ports=[free, listener]))
    assert messages(info) == [f"localhost ports [{listener}] are already in use, please ensure these ports are "
                              f"available"]


def test_resumed_create_does_not_check_ports_its_bootstrap_holds(tmp_path: Path, listener: int,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    resumed = context(tmp_path, hardware_csv=str(path), local_ports=[listener])
    resumed.resuming = True  # as the workflow engine sets it when it continues from a checkpoint
    with caplog.at_level(logging.INFO, logger="eksa"):
        setup_and_validate_create(make_spec(), resumed)
    assert "local ports may be held by its own bootstrap" in caplog.text


def test_endpoint_and_tinkerbell_ip_in_use(tmp_path: Path, listener: int) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    spec = make_spec(endpoint="127.0.0.1", tinkerbell_ip="127.0.0.1")
    ctx = context(tmp_path, hardware_csv=str(path), ip_check_port=listener,
                  dialer=None)
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(spec, ctx)
    errors = info.value.errors
    assert [e.message for e in errors] == [
        "control plane endpoint ip in use: 127.0.0.1",
        "tinkerbellIP <127.0.0.1> is already in use, please provide a unique IP",
    ]
    assert (errors[0].kind, errors[0].field) == ("Cluster", "spec.controlPlaneConfiguration.endpoint.host")
    assert (errors[1].kind, errors[1].field) == ("TinkerbellDatacenterConfig", "spec.tinkerbellIP")
    assert errors[1].line is not None  # located in the spec file's documents


def test_skip_ip_check(tmp_path: Path, listener: int, caplog: pytest.LogCaptureFixture) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    spec = make_spec(endpoint="127.0.0.1", tinkerbell_ip="127.0.0.1")
    ctx = context(tmp_path, hardware_csv=str(path), ip_check_port=listener, skip_ip_check=True,
                  dialer=refusing_dialer)
    with caplog.at_level(logging.INFO, logger="eksa"):
        setup_and_validate_create(spec, ctx)
    assert "Skipping check for whether control plane ip is in use" in caplog.text


def test_dry_run_records_network_checks_and_contacts_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    ctx = context(tmp_path, hardware_csv=str(path), dry_run=True, dialer=refusing_dialer,
                  local_ports=[80, 42113, 7172])
    setup_and_validate_create(make_spec(), ctx)
    assert ctx.recorded == [
        {"action": "check-local-ports", "ports": [80, 42113, 7172]},
        {"action": "check-ip-in-use", "ip": "10.0.0.10", "port": 80},
        {"action": "check-ip-in-use", "ip": "10.0.0.20", "port": 80},
    ]


def test_dry_run_still_reports_csv_problems(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(make_spec(), context(tmp_path, dry_run=True))
    assert messages(info) == ['required flag "hardware-csv" not set']


# -- create: workload clusters -----------------------------------------------------------------------------------


def hardware_object(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "tinkerbell.org/v1alpha1", "kind": "Hardware",
            "metadata": {"name": name, "namespace": "eksa-system", "labels": labels},
            "spec": {"disks": [{"device": "/dev/sda"}],
                     "interfaces": [{"dhcp": {"mac": "00:00:00:00:01:01", "hostname": name,
                                              "ip": {"address": "10.0.1.1", "netmask": "255.255.255.0",
                                                     "gateway": "10.0.1.254"}, "name_servers": ["1.1.1.1"]}}]}}


def seed_management(double: Any, *, tinkerbell_ip: str = "10.0.0.20") -> None:
    """The management cluster "mgmt": its EKS-A Cluster and datacenter config, and some hardware."""
    double.put_object({"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster",
                       "metadata": {"name": "mgmt", "namespace": "default"},
                       "spec": {"datacenterRef": {"kind": "TinkerbellDatacenterConfig", "name": "mgmt-dc"}}})
    double.put_object({"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "TinkerbellDatacenterConfig",
                       "metadata": {"name": "mgmt-dc", "namespace": "default"},
                       "spec": {"tinkerbellIP": tinkerbell_ip}})
    double.put_object(hardware_object("free-cp", {"type": "cp"}))
    double.put_object(hardware_object("taken-worker", {"type": "worker",
                                                       "v1alpha1.tinkerbell.org/ownerName": "mgmt-md-0-x-abcde"}))


class SimulatedRufio:
    """Plays rufio's controller in the double: on every poll (the injected ``sleep``) it advances the fake clock and
    marks the BMC Machines ``Contactable`` (except those in ``never``)."""

    def __init__(self, double: Any, never: tuple[str, ...] = ()) -> None:
        self.double = double
        self.never = never
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for m in self.double.list_objects("bmc.tinkerbell.org/v1alpha1", "Machine", "eksa-system"):
            name = m["metadata"]["name"]
            if name not in self.never:
                self.double.set_condition("bmc.tinkerbell.org/v1alpha1", "Machine", name, "eksa-system",
                                          "Contactable", "True")

    def factory(self, path: Path) -> KubeClient:
        return KubeClient(path, sleep=self.sleep, clock=self.clock, retry=RetryPolicy())


def test_workload_create_uses_management_hardware_and_applies_its_own(
        tmp_path: Path, double: Any, caplog: pytest.LogCaptureFixture) -> None:
    seed_management(double)
    kubeconfig = double.write_kubeconfig(tmp_path / "mgmt.kubeconfig")
    rufio = SimulatedRufio(double)
    path = write_csv(tmp_path, [csv_row(7, "type=worker")])
    ctx = context(tmp_path, hardware_csv=str(path), management_kubeconfig=str(kubeconfig),
                  kube_factory=rufio.factory, local_ports=[], dialer=FakeTimeoutDialer())
    spec = make_spec(name="wl", management="mgmt")
    with caplog.at_level(logging.DEBUG):
        catalogue = setup_and_validate_create(spec, ctx)
    assert catalogue.hostnames() == ["free-cp", "host7"]  # provisioned "taken-worker" left out
    hw = double.get_object("tinkerbell.org/v1alpha1", "Hardware", "host7", "eksa-system")
    assert hw["metadata"]["labels"] == {"type": "worker"}
    assert double.get_object("bmc.tinkerbell.org/v1alpha1", "Machine", "bmc-host7", "eksa-system") is not None
    secret = double.get_object("v1", "Secret", "bmc-host7-auth", "eksa-system")
    assert secret["type"] == "kubernetes.io/basic-auth"
    assert rufio.sleeps  # waited for the BMC through the client's poll loop
    assert ctx.recorded == [{"action": "apply-hardware", "cluster": "mgmt", "hardware": ["host7"],
                             "bmc": ["bmc-host7"]}]
    assert PASSWORD not in caplog.text and PASSWORD not in repr(ctx.recorded)
    # a workload cluster has no bootstrap stack: its tinkerbellIP is the management cluster's, not checked
    assert _dialer(ctx).calls == [("10.0.0.10", 80, 0.5)]


def test_workload_tinkerbell_ip_must_match_the_management_cluster(tmp_path: Path, double: Any) -> None:
    seed_management(double, tinkerbell_ip="10.0.0.99")
    kubeconfig = double.write_kubeconfig(tmp_path / "mgmt.kubeconfig")
    ctx = context(tmp_path, management_kubeconfig=str(kubeconfig),
                  kube_factory=lambda p: KubeClient(p, retry=RetryPolicy()))
    spec = make_spec(name="wl", management="mgmt", workers=0)
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_create(spec, ctx)
    assert messages(info) == ["workload cluster Tinkerbell IP must match managment cluster Tinkerbell IP"]
    assert info.value.errors[0].field == "spec.tinkerbellIP"
    mutating = [r for r in double.requests if r.mutating]
    assert mutating == []  # nothing applied when validation fails


def test_machine_from_hardware_reads_back_what_the_csv_wrote() -> None:
    from eksa_baremetal.hardware import Machine, hardware_objects

    m = Machine(hostname="h1", ip_address="10.0.0.5", netmask="255.255.255.0", gateway="10.0.0.1",
                nameservers=["1.1.1.1", "8.8.8.8"], mac_address="00:00:00:00:00:05", disk="/dev/nvme0n1",
                labels={"type": "cp"}, vlan_id="12")
    back = machine_from_hardware(hardware_objects(m)[0])
    assert back == m


# -- upgrade -----------------------------------------------------------------------------------------------------


def _upgrade_ctx(tmp_path: Path, double: Any, **options: Any) -> HookContext:
    kubeconfig = double.write_kubeconfig(tmp_path / "mgmt.kubeconfig")
    rufio = SimulatedRufio(double)
    return context(tmp_path, management_kubeconfig=str(kubeconfig), kube_factory=rufio.factory, **options)


def _owned(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return hardware_object(name, {**labels, "v1alpha1.tinkerbell.org/ownerName": f"bm-{name[-5:]}"})


def test_rolling_upgrade_needs_spare_hardware(tmp_path: Path, double: Any) -> None:
    double.put_object(_owned("cp-aaaaa", {"type": "cp"}))
    double.put_object(_owned("wk-bbbbb", {"type": "worker"}))
    current, new = make_spec(), with_kubernetes_version(make_spec())
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_upgrade(new, current, _upgrade_ctx(tmp_path, double))
    assert messages(info) == [
        "for rolling upgrade, minimum hardware count not met for selector '{\"type\":\"cp\"}': have 0, require 1",
        "for rolling upgrade, minimum hardware count not met for selector '{\"type\":\"worker\"}': have 0, "
        "require 1",
    ]
    # spare hardware from a CSV fixes it; it is applied to the management cluster
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    available = setup_and_validate_upgrade(new, current, _upgrade_ctx(tmp_path, double, hardware_csv=str(path)))
    assert available.hostnames() == ["host1", "host2"]
    assert double.get_object("tinkerbell.org/v1alpha1", "Hardware", "host1", "eksa-system") is not None


def test_max_surge_decides_the_spare_count(tmp_path: Path, double: Any) -> None:
    double.put_object(hardware_object("spare-cp", {"type": "cp"}))
    current = make_spec(workers=0)
    new = make_spec(workers=0, cp_mc_extra="  hostOSConfiguration: {ntpConfiguration: {servers: [ntp.example]}}",
                    cp_extra="    upgradeRolloutStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 2}}")
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_upgrade(new, current, _upgrade_ctx(tmp_path, double))
    assert messages(info) == [
        "for rolling upgrade, minimum hardware count not met for selector '{\"type\":\"cp\"}': have 1, require 2"]


def test_no_scaling_during_a_rolling_upgrade(tmp_path: Path, double: Any) -> None:
    current = make_spec(workers=1)
    new = make_spec(workers=2, wk_mc_extra="  osImageURL: https://images.example/other-1-21.gz", image="")
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_upgrade(new, current, _upgrade_ctx(tmp_path, double))
    assert messages(info) == ["cannot perform scale up or down during rolling upgrades"]
    assert info.value.errors[0].field == "spec.workerNodeGroupConfigurations[0].count"


def test_scale_up_needs_the_added_hardware(tmp_path: Path, double: Any) -> None:
    double.put_object(hardware_object("spare-wk", {"type": "worker"}))
    current, new = make_spec(workers=1), make_spec(workers=3)
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_upgrade(new, current, _upgrade_ctx(tmp_path, double))
    assert messages(info) == [
        "minimum hardware count not met for selector '{\"type\":\"worker\"}': have 1, require 2"]
    assert setup_and_validate_upgrade(make_spec(workers=2), current, _upgrade_ctx(tmp_path, double)) is not None


def test_in_place_upgrades_need_no_spare_hardware(tmp_path: Path, double: Any) -> None:
    in_place = "    upgradeRolloutStrategy: {type: InPlace}"
    current = make_spec(cp_extra=in_place, worker_extra=in_place)
    new = with_kubernetes_version(make_spec(cp_extra=in_place, worker_extra=in_place))
    assert len(setup_and_validate_upgrade(new, current, _upgrade_ctx(tmp_path, double))) == 0


def test_upgrade_rejects_external_etcd(tmp_path: Path) -> None:
    spec = make_spec(cluster_extra="\n  externalEtcdConfiguration: {count: 1, machineGroupRef: "
                                   "{kind: TinkerbellMachineConfig, name: bm-cp}}")
    with pytest.raises(SpecErrors) as info:
        setup_and_validate_upgrade(spec, spec, context(tmp_path, dry_run=True))
    assert messages(info) == ["external etcd configuration is unsupported"]


def test_upgrade_dry_run_records_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [csv_row(1, "type=cp")])
    ctx = context(tmp_path, dry_run=True, hardware_csv=str(path), kube_factory=lambda p: pytest.fail("contacted"))
    setup_and_validate_upgrade(make_spec(), make_spec(), ctx)
    assert ctx.recorded == [{"action": "read-cluster-hardware", "cluster": "bm"},
                            {"action": "apply-hardware", "cluster": "bm", "hardware": ["host1"],
                             "bmc": ["bmc-host1"]}]


# -- hooks -------------------------------------------------------------------------------------------------------


def test_hooks_are_wired(tmp_path: Path) -> None:
    p = plugins()
    hooks = p.provider("tinkerbell")
    with pytest.raises(SpecErrors):
        hooks.eksa_setup_and_validate_create(spec=make_spec(), context=context(tmp_path))
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    hooks.eksa_setup_and_validate_create(spec=make_spec(), context=context(tmp_path, hardware_csv=str(path)))
    hooks.eksa_setup_and_validate_upgrade(spec=make_spec(), current_spec=make_spec(),
                                          context=context(tmp_path, dry_run=True))


def test_generate_hardware_artifact(tmp_path: Path) -> None:
    p = plugins()
    path = write_csv(tmp_path, [csv_row(1, "type=cp")])
    text = p.hook.eksa_generate_artifact(kind="hardware", options={"hardware_csv": str(path)})
    assert "kind: Hardware" in text and "name: bmc-host1-auth" in text
    assert PASSWORD not in text  # base64 in the Secret only
    assert p.hook.eksa_generate_artifact(kind="something-else", options={}) is None
    with pytest.raises(SpecError, match='required flag "hardware-csv" not set'):
        p.hook.eksa_generate_artifact(kind="hardware", options={})
    bad = write_csv(tmp_path, [csv_row(1, "type=cp").replace("/dev/sda", "sda")], name="bad.csv")
    with pytest.raises(SpecErrors) as info:
        p.hook.eksa_generate_artifact(kind="hardware", options={"hardware_csv": str(bad)})
    assert info.value.errors[0].line == 2


def test_eksa_generate_hardware_command(tmp_path: Path) -> None:
    import io

    from eksa_core.cli import main

    path = write_csv(tmp_path, [csv_row(1, "type=cp")])
    out, err = io.StringIO(), io.StringIO()
    assert main(["generate", "hardware", "-z", str(path)], plugins=plugins(), stdout=out, stderr=err) == 0
    assert out.getvalue().startswith("apiVersion: tinkerbell.org/v1alpha1\nkind: Hardware\n")
    target = tmp_path / "hardware.yaml"
    assert main(["generate", "hardware", "-z", str(path), "-o", str(target)], plugins=plugins(), stdout=out,
                stderr=err) == 0
    assert target.read_text().endswith("type: kubernetes.io/basic-auth\n")
    assert target.stat().st_mode & 0o777 == 0o600
    err = io.StringIO()
    assert main(["generate", "hardware"], plugins=plugins(), stdout=out, stderr=err) == 1
    assert err.getvalue().strip() == 'Error: required flag "hardware-csv" not set'
    err = io.StringIO()
    assert main(["generate", "hardware", "-z", str(path)], plugins=Plugins(), stdout=out, stderr=err) == 1
    assert "no installed provider generates hardware" in err.getvalue()
