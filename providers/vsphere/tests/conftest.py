"""Fixtures for the vSphere provider tests: VMware's vCenter simulator (vcsim) and spec stand-ins.

vcsim is our small main over govmomi's ``simulator`` package (``tools/components/vcsim/main.go``), built from the
govmomi Go module by ``tools/components/vcsim/build.sh`` into the component cache, and started on 127.0.0.1 with a
random port. Without Go the tests skip with that reason (and fail in CI, ``CI=true``).

* ``vcsim`` (session): one shared server with the default inventory (:data:`DEFAULT_INVENTORY`). Tests that
  change the inventory must not use it.
* ``start_vcsim`` (per test): a factory starting a fresh server with a given inventory shape; every server it
  started is stopped after the test.
* ``make_spec``: builds duck-typed datacenter config, machine configs and cluster stand-ins (the attribute
  shape of the provider's attrs models) pointing at a server.

Test modules import the constants and stand-ins from ``eksa_vsphere_testlib``, the name this conftest
registers itself under: unlike ``conftest``, that name cannot be shadowed by another directory's conftest
and works whether or not the tests folder is a package.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.modules.setdefault("eksa_vsphere_testlib", sys.modules[__name__])

REPO = Path(__file__).resolve().parents[3]
VCSIM_SCRIPT = REPO / "tools" / "components" / "vcsim" / "build.sh"

USERNAME = "eksa-user@vsphere.local"
PASSWORD = "Sup3r-Secret-Pa55"

UBUNTU_TEMPLATE = "/DC0/vm/Templates/ubuntu-2204-kube-v1-28"
BR_TEMPLATE = "/DC0/vm/Templates/bottlerocket-kube-v1-28"
EKSD_RELEASE = "kubernetes-1-28-eks-5"

DEFAULT_INVENTORY: dict[str, Any] = {
    "folders": ["/DC0/vm/Templates", "/DC0/vm/eksa"],
    "machines": [
        {
            "name": "ubuntu-2204-kube-v1-28",
            "folder": "/DC0/vm/Templates",
            "disks_gib": [20],
            "template": True,
            "snapshot": True,
            "tags": ["os:ubuntu", f"eksdRelease:{EKSD_RELEASE}"],
        },
        {
            "name": "bottlerocket-kube-v1-28",
            "folder": "/DC0/vm/Templates",
            "disks_gib": [2, 20],
            "template": True,
            "tags": ["os:bottlerocket", f"eksdRelease:{EKSD_RELEASE}"],
        },
    ],
    "tags": [{"category": "eksa", "name": "eksa:team-a"}],
    "datastores": [{"name": "LocalDS_0", "free_gib": 1000, "capacity_gib": 2000}],
    "pools": [{"path": "/DC0/host/DC0_C0/Resources", "memory_limit_mib": 262144, "memory_usage_mib": 0}],
}


@dataclass
class VcsimServer:
    """A running vcsim: where it listens, how to log in, what it was built with."""

    url: str
    username: str
    password: str
    thumbprint: str | None
    tags: dict[str, str]
    inventory: dict[str, Any]
    process: subprocess.Popen[str] = field(repr=False)

    @property
    def server(self) -> str:
        """The value for ``VSphereDatacenterConfig.spec.server`` (a URL, since vcsim uses a random port)."""
        return self.url

    @property
    def env(self) -> dict[str, str]:
        """Credentials environment for the live validations."""
        return {"EKSA_VSPHERE_USERNAME": self.username, "EKSA_VSPHERE_PASSWORD": self.password}

    def stop(self) -> None:
        """Close stdin (vcsim exits), kill if it does not."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _build_vcsim() -> Path:
    ci = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
    if shutil.which("bash") is None:
        reason = "vcsim: bash is not available to run tools/components/vcsim/build.sh"
        pytest.fail(reason, pytrace=False) if ci else pytest.skip(reason)
    proc = subprocess.run(["bash", str(VCSIM_SCRIPT)], capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode == 3:  # the build scripts' code for "the go command is not installed"
        reason = f"vcsim: {proc.stderr.strip().splitlines()[-1]}"
        pytest.fail(reason, pytrace=False) if ci else pytest.skip(reason)
    if proc.returncode != 0:
        raise RuntimeError(f"tools/components/vcsim/build.sh failed ({proc.returncode}):\n{proc.stderr}")
    return Path(proc.stdout.strip().splitlines()[-1]) / "eksa-vcsim"


def start_server(
    binary: Path,
    inventory: dict[str, Any] | None = None,
    *,
    tls: bool = False,
    username: str = USERNAME,
    password: str = PASSWORD,
    flags: dict[str, int] | None = None,
) -> VcsimServer:
    """Start vcsim with an inventory and model flags (``{"ds": 2, "pool": 1}``); wait for its URL line."""
    inv = DEFAULT_INVENTORY if inventory is None else inventory
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="vcsim-inv-", delete=False) as fh:
        json.dump(inv, fh)
        inv_path = fh.name
    args = [str(binary), "-inventory", inv_path, "-username", username, "-password", password]
    if tls:
        args.append("-tls")
    for key, value in (flags or {}).items():
        args += [f"-{key}", str(value)]
    # stderr goes to an unlinked temp file: a pipe nobody reads could fill up and stall the server
    with tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_file, text=True
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
        finally:
            os.unlink(inv_path)
        if not line:
            proc.wait(timeout=10)
            err_file.seek(0)
            raise RuntimeError(f"vcsim did not start: {err_file.read().strip()}")
    info = json.loads(line)
    return VcsimServer(
        url=info["url"],
        username=info["username"],
        password=info["password"],
        thumbprint=info.get("thumbprint") or None,
        tags=info.get("tags") or {},
        inventory=inv,
        process=proc,
    )


@pytest.fixture(scope="session")
def vcsim_binary() -> Path:
    """Path of the built vcsim binary (built once, cached outside git)."""
    return _build_vcsim()


@pytest.fixture(scope="session")
def vcsim(vcsim_binary: Path) -> Iterator[VcsimServer]:
    """A shared vcsim with :data:`DEFAULT_INVENTORY` (read-only use)."""
    server = start_server(vcsim_binary)
    yield server
    server.stop()


@pytest.fixture
def start_vcsim(vcsim_binary: Path) -> Iterator[Callable[..., VcsimServer]]:
    """Factory for a fresh vcsim per test: ``start_vcsim(inventory, tls=..., flags=...)``."""
    servers: list[VcsimServer] = []

    def start(inventory: dict[str, Any] | None = None, **kwargs: Any) -> VcsimServer:
        server = start_server(vcsim_binary, inventory, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# ------------------------------------------------------------------------------------- spec stand-ins
# Small dataclasses with the attribute names of the provider's attrs models (the live validations are
# duck-typed), so these tests do not depend on eksa_vsphere.models.


@dataclass
class Metadata:
    """ObjectMeta stand-in."""

    name: str


@dataclass
class FailureDomain:
    """VSphereDatacenterConfig failure domain stand-in."""

    name: str
    compute_cluster: str = ""
    resource_pool: str = ""
    datastore: str = ""
    folder: str = ""
    network: str = ""


@dataclass
class DatacenterSpec:
    """VSphereDatacenterConfig.spec stand-in."""

    datacenter: str = "DC0"
    network: str = "/DC0/network/VM Network"
    server: str = ""
    thumbprint: str = ""
    insecure: bool = False
    failure_domains: list[FailureDomain] = field(default_factory=list)


@dataclass
class DatacenterConfig:
    """VSphereDatacenterConfig stand-in."""

    metadata: Metadata
    spec: DatacenterSpec


@dataclass
class User:
    """Machine user stand-in."""

    name: str = "capv"
    ssh_authorized_keys: list[str] = field(default_factory=lambda: ["ssh-ed25519 AAAA test"])


@dataclass
class MachineSpec:
    """VSphereMachineConfig.spec stand-in."""

    datastore: str = "/DC0/datastore/LocalDS_0"
    folder: str = "/DC0/vm/eksa"
    resource_pool: str = "/DC0/host/DC0_C0/Resources"
    template: str = UBUNTU_TEMPLATE
    os_family: str = "ubuntu"
    disk_gib: int = 25
    memory_mib: int = 8192
    num_cpus: int = 2
    networks: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    users: list[User] = field(default_factory=lambda: [User()])


@dataclass
class MachineConfig:
    """VSphereMachineConfig stand-in."""

    metadata: Metadata
    spec: MachineSpec


@dataclass
class Ref:
    """machineGroupRef stand-in."""

    name: str
    kind: str = "VSphereMachineConfig"


@dataclass
class Endpoint:
    """Control plane endpoint stand-in."""

    host: str = "198.18.0.10"


@dataclass
class ControlPlane:
    """controlPlaneConfiguration stand-in."""

    count: int
    machine_group_ref: Ref
    endpoint: Endpoint = field(default_factory=Endpoint)


@dataclass
class WorkerGroup:
    """workerNodeGroupConfigurations item stand-in."""

    name: str
    count: int
    machine_group_ref: Ref


@dataclass
class Etcd:
    """externalEtcdConfiguration stand-in."""

    count: int
    machine_group_ref: Ref


@dataclass
class ClusterSpec:
    """Cluster.spec stand-in."""

    control_plane_configuration: ControlPlane
    worker_node_group_configurations: list[WorkerGroup]
    external_etcd_configuration: Etcd | None = None
    kubernetes_version: str = "1.28"


@dataclass
class Cluster:
    """Cluster stand-in."""

    metadata: Metadata
    spec: ClusterSpec


@dataclass
class Spec:
    """A datacenter config, its machine configs by name, and the cluster."""

    datacenter: DatacenterConfig
    machines: dict[str, MachineConfig]
    cluster: Cluster

    def machine(self, name: str) -> MachineSpec:
        """The spec of machine config ``name``."""
        return self.machines[name].spec


def build_spec(server: VcsimServer | str, name: str = "c1", *, etcd: bool = True, workers: int = 1) -> Spec:
    """A valid three-machine-config spec (cp, etcd, md-0) against ``server``."""
    url = server if isinstance(server, str) else server.server
    dc = DatacenterConfig(Metadata(name), DatacenterSpec(server=url))
    machines = {
        f"{name}-cp": MachineConfig(Metadata(f"{name}-cp"), MachineSpec()),
        f"{name}-md-0": MachineConfig(Metadata(f"{name}-md-0"), MachineSpec(memory_mib=4096)),
    }
    if etcd:
        machines[f"{name}-etcd"] = MachineConfig(Metadata(f"{name}-etcd"), MachineSpec(disk_gib=20))
    cluster = Cluster(
        Metadata(name),
        ClusterSpec(
            control_plane_configuration=ControlPlane(count=3, machine_group_ref=Ref(f"{name}-cp")),
            worker_node_group_configurations=[
                WorkerGroup(name=f"md-{i}", count=2, machine_group_ref=Ref(f"{name}-md-0"))
                for i in range(workers)
            ],
            external_etcd_configuration=Etcd(count=3, machine_group_ref=Ref(f"{name}-etcd"))
            if etcd
            else None,
        ),
    )
    return Spec(dc, machines, cluster)


@pytest.fixture
def make_spec() -> Callable[..., Spec]:
    """``make_spec(server, name="c1", etcd=True, workers=1)`` -> :class:`Spec` stand-ins."""
    return build_spec
