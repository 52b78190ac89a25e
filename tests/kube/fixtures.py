"""Pytest fixtures for code that talks to Kubernetes.

By default the fixtures run against :class:`KubeAPIServerDouble` (a stand-in for an API server: no real one is
available here). When the environment variable ``EKSA_TEST_KUBECONFIG`` names a kubeconfig, :func:`kube_env`
runs against that real cluster instead, in a fresh namespace that is deleted afterwards; tests that must play
a controller (set conditions, inject failures) or need kinds the cluster does not serve are skipped with the
reason.

Other test folders can use these fixtures by importing them into their conftest.py.
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

from .apiserver_double import KubeAPIServerDouble

REAL_KUBECONFIG_ENV = "EKSA_TEST_KUBECONFIG"


@dataclass
class RecordingSleep:
    """A fake ``sleep``: records the requested delays and returns at once (optionally running a callback)."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class KubeTestEnv:
    """What a Kubernetes test gets: a client, a namespace of its own, and the double when there is one."""

    client: KubeClient
    namespace: str
    double: KubeAPIServerDouble | None
    sleep: RecordingSleep
    tmp_path: Path

    @property
    def is_real(self) -> bool:
        """Whether the tests run against a real cluster."""
        return self.double is None

    def need_double(self, why: str) -> KubeAPIServerDouble:
        """Return the double, or skip the test on a real cluster, saying why it needs the double."""
        if self.double is None:
            pytest.skip(f"needs the API server double on a real cluster: {why}")
        return self.double

    def need_kinds(self, kinds: Sequence[tuple[str, str]]) -> None:
        """Make ``(apiVersion, kind)`` pairs available: registered on the double, required on a real one."""
        if self.double is not None:
            self.double.register_kinds(list(kinds))
            return
        missing = [
            f"{kind} ({api_version})"
            for api_version, kind in kinds
            if not self.client.has_kind(api_version, kind)
        ]
        if missing:
            pytest.skip(f"the real cluster does not serve {', '.join(missing)} (its CRDs are not installed)")

    def new_client(
        self,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        retry: RetryPolicy | None = None,
    ) -> KubeClient:
        """Another client for the same server (for example with a different retry policy, sleep or clock)."""
        if self.double is not None:
            path = str(self.double.write_kubeconfig(self.tmp_path / f"kubeconfig-{uuid.uuid4().hex[:6]}"))
        else:
            path = os.environ[REAL_KUBECONFIG_ENV]
        return KubeClient(path, sleep=sleep or RecordingSleep(), clock=clock or time.monotonic, retry=retry)


@pytest.fixture
def kube_api_server() -> Iterator[KubeAPIServerDouble]:
    """A started :class:`KubeAPIServerDouble`, stopped after the test."""
    with KubeAPIServerDouble() as double:
        yield double


def client_for_double(
    double: KubeAPIServerDouble, tmp_path: Path, sleep: RecordingSleep | None = None
) -> KubeClient:
    """A :class:`KubeClient` for ``double`` via a kubeconfig written into ``tmp_path`` (no real sleeping)."""
    path = double.write_kubeconfig(tmp_path / f"kubeconfig-{double.port}")
    return KubeClient(path, sleep=sleep or RecordingSleep(), retry=RetryPolicy())


@pytest.fixture
def kube_env(tmp_path: Path) -> Iterator[KubeTestEnv]:
    """A :class:`KubeTestEnv` on the double (default) or on the cluster named by ``EKSA_TEST_KUBECONFIG``."""
    namespace = f"eksa-test-{uuid.uuid4().hex[:8]}"
    sleep = RecordingSleep()
    real = os.environ.get(REAL_KUBECONFIG_ENV)
    if real:
        client = KubeClient(real, sleep=sleep)
        client.create_namespace(namespace)
        try:
            yield KubeTestEnv(client, namespace, None, sleep, tmp_path)
        finally:
            client.delete("v1", "Namespace", namespace, ignore_not_found=True)
            client.close()
        return
    with KubeAPIServerDouble() as double:
        client = client_for_double(double, tmp_path, sleep)
        client.create_namespace(namespace)
        try:
            yield KubeTestEnv(client, namespace, double, sleep, tmp_path)
        finally:
            client.close()


@pytest.fixture
def kube(kube_env: KubeTestEnv) -> KubeClient:
    """A :class:`KubeClient` against the double, or against ``EKSA_TEST_KUBECONFIG`` when that is set."""
    return kube_env.client
