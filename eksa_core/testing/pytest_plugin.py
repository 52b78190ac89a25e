"""The pytest plugin of :mod:`eksa_core.testing`: real control plane fixtures and the ``realkube``/``capireal`` markers.

Registered through the ``pytest11`` entry point of eksa-core, so every project that installs eksa-core (provider
packages, third-party providers) gets these fixtures without importing anything:

* ``control_plane`` (session): a started :class:`~eksa_core.testing.controlplane.ControlPlane` (etcd,
  kube-apiserver, kube-controller-manager on 127.0.0.1); ``control_plane.kubeconfig`` is its admin kubeconfig.
* ``second_control_plane`` (session): another, independent one (own etcd and CA), for tests that move objects
  from one cluster to another.
* ``control_plane_namespace`` (per test): a fresh namespace on ``control_plane``, deleted after the test.
* ``control_plane_crds`` (session): a function installing CRD groups of :mod:`eksa_core.testing.crds` on
  ``control_plane`` (once per group) and waiting until they are ``Established``.
* ``capi_management`` (session): a control plane of its own running the real Cluster API managers (core, kubeadm
  bootstrap, kubeadm control plane, CAPD with its in-memory backend) as a management cluster
  (:class:`~eksa_core.testing.capi.ClusterAPI`; ``capi_management.control_plane.kubeconfig`` is its kubeconfig).
  Tests using it are marked ``capireal`` automatically.
* ``cilium_chart_registry`` (session): a started :class:`~eksa_core.testing.registry.ChartRegistry` (the CNCF
  distribution registry on 127.0.0.1 over TLS) holding the Cilium chart of EKS Anywhere's release bundle, pushed
  with the real helm, so ``oci://127.0.0.1:<port>/eks/cilium/cilium`` version ``1.19.4-1`` resolves; a spec's
  ``registryMirrorConfiguration`` reaches it through ``endpoint``, ``port`` and ``ca_pem`` (``caCertContent``).

:func:`started_control_plane` starts a plane of a test module's own the way these fixtures do, and
:func:`unavailable` skips (or fails) a test the way they do when a real component cannot run.

Tests using them are marked ``realkube`` automatically (mark them explicitly too, for readers). Where the control
plane (or the registry) cannot run (no binaries and no Go to build them) they are skipped with one reason, the same
for every test; with ``CI=true`` in the environment they fail with that reason instead, since CI must run them.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from .controlplane import ControlPlane, ControlPlaneUnavailable

if TYPE_CHECKING:
    from .registry import ChartRegistry

__all__ = [
    "capi_management",
    "cilium_chart_registry",
    "control_plane",
    "control_plane_crds",
    "control_plane_namespace",
    "in_ci",
    "second_control_plane",
    "started_control_plane",
    "unavailable",
]

MARKERS = {
    "realkube": "needs the real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager built from Go)",
    "capireal": "needs real Cluster API controllers built from Go",
}

_FIXTURES = frozenset(
    {
        "control_plane",
        "second_control_plane",
        "control_plane_namespace",
        "control_plane_crds",
        "capi_management",
        "cilium_chart_registry",
    }
)
_CAPI_FIXTURES = frozenset({"capi_management"})

_unavailable: list[ControlPlaneUnavailable] = []  # the first reason, reused so every test reports the same one
_registry_unavailable: list[ControlPlaneUnavailable] = []  # the same for the chart registry (its own component)


def in_ci() -> bool:
    """Whether the tests run in CI (``CI`` set to ``true``/``1``/``yes``): real components must run there."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (so ``--strict-markers`` accepts them anywhere eksa-core is installed)."""
    for name, doc in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {doc}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses a control plane fixture ``realkube`` (and ``capireal`` for Cluster API's)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if _FIXTURES.intersection(names) and item.get_closest_marker("realkube") is None:
            item.add_marker(pytest.mark.realkube)
        if _CAPI_FIXTURES.intersection(names) and item.get_closest_marker("capireal") is None:
            item.add_marker(pytest.mark.capireal)


def unavailable(reason: ControlPlaneUnavailable) -> None:
    """Skip (or, in CI, fail) the current test because the real control plane cannot run here."""
    _skip_or_fail(reason, _unavailable, "real control plane")


def _skip_or_fail(reason: ControlPlaneUnavailable, first: list[ControlPlaneUnavailable], what: str) -> NoReturn:
    if not first:
        first.append(reason)
    message = f"{what} unavailable: {first[0]}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: these tests must run in CI)", pytrace=False)
    pytest.skip(message)


def started_control_plane(name: str) -> Generator[ControlPlane]:
    """A real control plane of its own, started, for a fixture to ``yield from``; stopped when the generator closes.

    ``name`` names its data directory (distinct names for planes that run at the same time). Where the control
    plane cannot run, the test is skipped (in CI, failed) through :func:`unavailable`, and once one start has
    failed so, every later one is skipped with that first reason without trying again. For a fixture that needs a
    plane apart from the session's (one whose CRDs or objects must not reach later tests)::

        @pytest.fixture(scope="module")
        def own_plane() -> Iterator[ControlPlane]:
            yield from started_control_plane("eksa-my-tests")

    A fixture built on it is not marked ``realkube`` automatically (only this plugin's fixtures are): mark its
    tests, or make it depend on ``control_plane``.
    """
    if _unavailable:
        unavailable(_unavailable[0])
    plane = ControlPlane(name=name)
    try:
        plane.start()
    except ControlPlaneUnavailable as exc:
        unavailable(exc)
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    """A real control plane shared by the test session (see :mod:`eksa_core.testing.controlplane`)."""
    yield from started_control_plane("eksa-test")


@pytest.fixture(scope="session")
def second_control_plane() -> Iterator[ControlPlane]:
    """A second real control plane, independent of ``control_plane`` (move tests' target)."""
    yield from started_control_plane("eksa-test-2")


@pytest.fixture(scope="session")
def control_plane_crds(control_plane: ControlPlane) -> Callable[[Iterable[str]], None]:
    """``control_plane_crds(["capi-core", "capv"])`` installs those CRD groups on ``control_plane`` (once each)."""
    from .crds import ControlPlaneUnavailable as _Unavailable
    from .crds import ensure_crds

    def install(groups: Iterable[str]) -> None:
        try:
            ensure_crds(control_plane.kubeconfig, list(groups))
        except _Unavailable as exc:
            unavailable(exc)

    return install


def _namespace_name(request: pytest.FixtureRequest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-") or "test"
    return f"t-{slug}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def control_plane_namespace(control_plane: ControlPlane, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of its own for this test on ``control_plane``; deleted (not awaited) afterwards."""
    from kubernetes import client as k8s_client

    name = _namespace_name(request)
    api: Any = control_plane.api_client()
    core = k8s_client.CoreV1Api(api)
    try:
        core.create_namespace(k8s_client.V1Namespace(metadata=k8s_client.V1ObjectMeta(name=name)))
        yield name
    finally:
        try:
            core.delete_namespace(name)
        except k8s_client.ApiException as exc:
            if exc.status != 404:
                raise
        finally:
            api.close()


@pytest.fixture(scope="session")
def capi_management() -> Iterator[Any]:
    """A management cluster of real Cluster API managers on a control plane of its own (see
    :mod:`eksa_core.testing.capi`), shared by the test session and stopped after it."""
    from .capi import ClusterAPI

    planes = started_control_plane("eksa-capi")
    plane = next(planes)
    try:
        capi = ClusterAPI(plane)
        try:
            capi.start()
        except ControlPlaneUnavailable as exc:
            unavailable(exc)
        try:
            yield capi
        finally:
            capi.stop()
    finally:
        planes.close()


@pytest.fixture(scope="session")
def cilium_chart_registry() -> Iterator[ChartRegistry]:
    """An OCI registry on 127.0.0.1 (TLS, its own CA) holding the release bundle's Cilium chart at
    ``eks/cilium/cilium:1.19.4-1`` (see :mod:`eksa_core.testing.registry`), shared by the session."""
    from .registry import CILIUM_CHART_REPOSITORY, ChartRegistry, find_helm_component

    what = "chart registry (helm, distribution registry)"
    if _registry_unavailable:
        _skip_or_fail(_registry_unavailable[0], _registry_unavailable, what)
    try:
        component = find_helm_component()
    except ControlPlaneUnavailable as exc:
        _skip_or_fail(exc, _registry_unavailable, what)
    registry = ChartRegistry(component)
    try:
        registry.start()
        registry.push(component.cilium_chart, CILIUM_CHART_REPOSITORY)
        yield registry
    finally:
        registry.stop()
