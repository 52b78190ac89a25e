"""Pytest fixtures for code that talks to Kubernetes.

* ``kube_env`` / ``kube``: the real control plane of :mod:`eksa_core.testing` (etcd, kube-apiserver and
  kube-controller-manager built from their Go modules), each test in a namespace of its own. Kinds a test needs
  are served by installing the real CRDs (:meth:`KubeTestEnv.need_kinds`).
* ``fault_env``: the same shape on :class:`~eksa_core.testing.apiserver_double.FaultInjectionAPIServer`, only for
  tests that inject faults a real server cannot be made to produce on demand (5xx, 429, conflict storms,
  dropped connections, errors echoing secrets).
* ``kube_api_server``: a bare started double (fault injection elsewhere).

When ``EKSA_TEST_KUBECONFIG`` names a kubeconfig, ``kube_env`` runs against that cluster instead of starting a
control plane. Other test folders can use these fixtures by importing them into their conftest.py.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eksa_core.kube import KubeClient, RetryPolicy
from eksa_core.testing.apiserver_double import FaultInjectionAPIServer
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import ensure_crds, group_for_kind

REAL_KUBECONFIG_ENV = "EKSA_TEST_KUBECONFIG"


@dataclass
class RecordingSleep:
    """A fake ``sleep``: records the requested delays and returns at once (optionally running a callback)."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class KubeTestEnv:
    """What a Kubernetes test gets: a client, a namespace of its own, and the double when it runs on one."""

    client: KubeClient
    namespace: str
    double: FaultInjectionAPIServer | None
    sleep: RecordingSleep
    tmp_path: Path
    kubeconfig: Path

    @property
    def is_real(self) -> bool:
        """Whether the tests run against a real API server."""
        return self.double is None

    def need_double(self, why: str) -> FaultInjectionAPIServer:
        """The fault-injection double; a test on the real server asking for it is a mistake in the test."""
        if self.double is None:
            raise AssertionError(f"this test injects faults ({why}): use the fault_env fixture")
        return self.double

    def need_kinds(self, kinds: Sequence[tuple[str, str]]) -> None:
        """Make ``(apiVersion, kind)`` pairs available: registered on the double, their real CRDs installed."""
        if self.double is not None:
            self.double.register_kinds(list(kinds))
            return
        missing = [(v, k) for v, k in kinds if not self.client.has_kind(v, k)]
        if missing:
            ensure_crds(self.kubeconfig, sorted({group_for_kind(v, k) for v, k in missing}))
            self.client.invalidate_discovery()

    def new_client(
        self,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        retry: RetryPolicy | None = None,
    ) -> KubeClient:
        """Another client for the same server (for example with a different retry policy, sleep or clock)."""
        return KubeClient(
            str(self.kubeconfig), sleep=sleep or RecordingSleep(), clock=clock or time.monotonic, retry=retry
        )


@pytest.fixture
def kube_api_server() -> Iterator[FaultInjectionAPIServer]:
    """A started fault-injection :class:`FaultInjectionAPIServer`, stopped after the test."""
    with FaultInjectionAPIServer() as double:
        yield double


def client_for_double(
    double: FaultInjectionAPIServer, tmp_path: Path, sleep: RecordingSleep | None = None
) -> KubeClient:
    """A :class:`KubeClient` for ``double`` via a kubeconfig written into ``tmp_path`` (no real sleeping)."""
    path = double.write_kubeconfig(tmp_path / f"kubeconfig-{double.port}")
    return KubeClient(path, sleep=sleep or RecordingSleep(), retry=RetryPolicy())


def _namespace() -> str:
    return f"eksa-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def kube_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KubeTestEnv]:
    """A :class:`KubeTestEnv` on the real control plane (or the cluster named by ``EKSA_TEST_KUBECONFIG``)."""
    real = os.environ.get(REAL_KUBECONFIG_ENV)
    if real:
        kubeconfig = Path(real)
    else:
        plane: ControlPlane = request.getfixturevalue("control_plane")
        kubeconfig = plane.kubeconfig
    namespace = _namespace()
    sleep = RecordingSleep()
    client = KubeClient(str(kubeconfig), sleep=sleep)
    client.create_namespace(namespace)
    try:
        yield KubeTestEnv(client, namespace, None, sleep, tmp_path, kubeconfig)
    finally:
        client.delete("v1", "Namespace", namespace, ignore_not_found=True)
        client.close()


@pytest.fixture
def fault_env(tmp_path: Path) -> Iterator[KubeTestEnv]:
    """A :class:`KubeTestEnv` on the fault-injection double (only for tests that inject faults)."""
    namespace = _namespace()
    sleep = RecordingSleep()
    with FaultInjectionAPIServer() as double:
        kubeconfig = double.write_kubeconfig(tmp_path / f"kubeconfig-{double.port}")
        client = KubeClient(kubeconfig, sleep=sleep, retry=RetryPolicy())
        client.create_namespace(namespace)
        try:
            yield KubeTestEnv(client, namespace, double, sleep, tmp_path, Path(kubeconfig))
        finally:
            client.close()


@pytest.fixture
def kube(kube_env: KubeTestEnv) -> KubeClient:
    """A :class:`KubeClient` against the real control plane (or ``EKSA_TEST_KUBECONFIG``)."""
    return kube_env.client
