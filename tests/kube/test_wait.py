"""wait_for_condition and wait_for_field_empty on the real control plane, with an injected clock: no real sleeping,
no timing asserts. The test plays the controller: it writes the Cluster API Cluster's status subresource between
polls, as Cluster API's controllers would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from eksa_core.kube import KubeClient, KubeFailureMessageError, KubeNotFoundError, KubeTimeoutError

from .fixtures import KubeTestEnv

CAPI = "cluster.x-k8s.io/v1beta2"
# EKS Anywhere's own Cluster CRD (status.failureMessage) cannot be had from a module download here; the
# failure-message waits run on the Cluster API Cluster, whose v1beta2 status carries the same kind of message at
# status.deprecated.v1beta1.failureMessage (and observedGeneration), which the real server stores.
FAILING = CAPI
FAILURE_MESSAGE = "status.deprecated.v1beta1.failureMessage"


def _failure(message: str) -> dict[str, object]:
    return {"deprecated": {"v1beta1": {"failureMessage": message}}}


@dataclass
class FakeClock:
    """A clock whose ``sleep`` advances time at once; ``on_sleep`` plays a controller between polls."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    on_sleep: Callable[[int], None] | None = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


@dataclass
class ClusterController:
    """Writes a Cluster's status subresource on the real server, as Cluster API's controllers do."""

    client: KubeClient

    def set_status(self, api_version: str, kind: str, name: str, namespace: str, status: dict[str, object]) -> None:
        current = self.client.get(api_version, kind, name, namespace)
        current["status"] = status
        self.client.replace(current, subresource="status")

    def set_condition(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str,
        condition: str,
        status: str,
        reason: str | None = None,
        message: str | None = None,
    ) -> None:
        current = self.client.get(api_version, kind, name, namespace)
        conditions = [c for c in (current.get("status") or {}).get("conditions") or [] if c["type"] != condition]
        entry: dict[str, object] = {
            "type": condition,
            "status": status,
            "lastTransitionTime": "2026-01-01T00:00:00Z",
            "reason": reason or "NoReasonGiven",  # v1beta2 conditions require a reason and a message
            "message": message or "",
        }
        current.setdefault("status", {})["conditions"] = [*conditions, entry]
        self.client.replace(current, subresource="status")

    def get_object(self, api_version: str, kind: str, name: str, namespace: str) -> dict[str, object]:
        return self.client.get(api_version, kind, name, namespace)


@pytest.fixture
def cluster(kube_env: KubeTestEnv) -> ClusterController:
    kube_env.need_kinds([(CAPI, "Cluster")])
    kube_env.client.apply(
        {
            "apiVersion": CAPI,
            "kind": "Cluster",
            "metadata": {"name": "mgmt", "namespace": kube_env.namespace},
            "spec": {"paused": False},
        }
    )
    return ClusterController(kube_env.new_client())


def test_wait_for_condition_returns_once_condition_holds(
    kube_env: KubeTestEnv, cluster: ClusterController
) -> None:
    ns = kube_env.namespace
    cluster.set_condition(CAPI, "Cluster", "mgmt", ns, "ControlPlaneReady", "False", "WaitingForControlPlane")
    clock = FakeClock()

    def controller(polls: int) -> None:
        if polls == 3:
            cluster.set_condition(CAPI, "Cluster", "mgmt", ns, "ControlPlaneReady", "True")

    clock.on_sleep = controller
    obj = kube_env.client.wait_for_condition(
        CAPI,
        "Cluster",
        "mgmt",
        ns,
        "ControlPlaneReady",
        timeout=60,
        poll_interval=5,
        clock=clock,
        sleep=clock.sleep,
    )

    assert [c["status"] for c in obj["status"]["conditions"] if c["type"] == "ControlPlaneReady"] == ["True"]
    assert clock.sleeps == [5, 5, 5]


def test_wait_for_condition_times_out_with_what_it_saw(
    kube_env: KubeTestEnv, cluster: ClusterController
) -> None:
    ns = kube_env.namespace
    cluster.set_condition(
        CAPI, "Cluster", "mgmt", ns, "Ready", "False", "WaitingForInfrastructure", "1 of 3 machines are ready"
    )
    clock = FakeClock()

    with pytest.raises(KubeTimeoutError) as info:
        kube_env.client.wait_for_condition(
            CAPI, "Cluster", "mgmt", ns, "Ready", timeout=30, poll_interval=10, clock=clock, sleep=clock.sleep
        )

    message = str(info.value)
    assert f"Cluster {ns}/mgmt" in message
    assert "condition Ready=True" in message
    assert (
        'last seen: Ready=False reason=WaitingForInfrastructure message="1 of 3 machines are ready"'
        in message
    )
    assert "timed out after 30s" in message
    assert info.value.waited == 30
    assert (info.value.kind, info.value.name, info.value.namespace) == ("Cluster", "mgmt", ns)
    assert clock.sleeps == [10, 10, 10]


def test_wait_for_condition_reports_missing_condition_and_object(
    kube_env: KubeTestEnv, cluster: ClusterController
) -> None:
    ns = kube_env.namespace
    clock = FakeClock()
    with pytest.raises(KubeTimeoutError, match="last seen: no WorkersReady condition"):
        kube_env.client.wait_for_condition(
            CAPI,
            "Cluster",
            "mgmt",
            ns,
            "WorkersReady",
            timeout=4,
            poll_interval=3,
            clock=clock,
            sleep=clock.sleep,
        )
    assert clock.sleeps == [3, 1]  # the last sleep is cut to the deadline

    with pytest.raises(KubeTimeoutError, match="last seen: the object does not exist"):
        kube_env.client.wait_for_condition(
            CAPI, "Cluster", "absent", ns, "Ready", timeout=1, clock=clock, sleep=clock.sleep
        )


def test_wait_for_condition_other_status(kube_env: KubeTestEnv, cluster: ClusterController) -> None:
    ns = kube_env.namespace
    cluster.set_condition(CAPI, "Cluster", "mgmt", ns, "Paused", "False")
    clock = FakeClock()
    obj = kube_env.client.wait_for_condition(
        CAPI, "Cluster", "mgmt", ns, "Paused", status="False", timeout=1, clock=clock, sleep=clock.sleep
    )
    assert obj["metadata"]["name"] == "mgmt"
    assert clock.sleeps == []


def test_wait_for_failure_message_to_clear(kube_env: KubeTestEnv, cluster: ClusterController) -> None:
    ns = kube_env.namespace
    cluster.set_status(FAILING, "Cluster", "mgmt", ns, _failure("transient: webhook not ready"))
    clock = FakeClock()
    cleared = {"observedGeneration": 1}  # v1beta2 status must not be empty: the controller cleared the message
    clock.on_sleep = lambda polls: cluster.set_status(FAILING, "Cluster", "mgmt", ns, cleared) if polls == 2 else None

    obj = kube_env.client.wait_for_field_empty(
        FAILING, "Cluster", "mgmt", ns, FAILURE_MESSAGE, timeout=600, clock=clock, sleep=clock.sleep
    )

    assert not obj.get("status", {}).get("deprecated")
    assert clock.sleeps == [5, 5]


def test_persistent_failure_message_uses_eksa_wording(
    kube_env: KubeTestEnv, cluster: ClusterController
) -> None:
    ns = kube_env.namespace
    cluster.set_status(
        FAILING, "Cluster", "mgmt", ns, _failure("VSphereDatacenterConfig datacenter not found")
    )
    clock = FakeClock()

    with pytest.raises(KubeFailureMessageError) as info:
        kube_env.client.wait_for_field_empty(
            FAILING, "Cluster", "mgmt", ns, FAILURE_MESSAGE, timeout=20, clock=clock, sleep=clock.sleep
        )

    assert str(info.value) == (
        "cluster has a validation error that doesn't seem transient: "
        "cluster has an error: VSphereDatacenterConfig datacenter not found"
    )
    assert isinstance(info.value, KubeTimeoutError)
    assert info.value.waited == 20


def test_failure_message_waits_for_observed_generation(
    kube_env: KubeTestEnv, cluster: ClusterController
) -> None:
    ns = kube_env.namespace
    kube_env.client.patch_merge(FAILING, "Cluster", "mgmt", {"spec": {"paused": True}}, ns)  # generation 2
    generation = cluster.get_object(FAILING, "Cluster", "mgmt", ns)["metadata"]["generation"]  # type: ignore[index]
    assert generation >= 2
    cluster.set_status(FAILING, "Cluster", "mgmt", ns, {"observedGeneration": generation - 1})
    clock = FakeClock()
    clock.on_sleep = lambda polls: (
        cluster.set_status(FAILING, "Cluster", "mgmt", ns, {"observedGeneration": generation})
        if polls == 1
        else None
    )

    kube_env.client.wait_for_field_empty(
        FAILING,
        "Cluster",
        "mgmt",
        ns,
        FAILURE_MESSAGE,
        require_observed_generation=True,
        timeout=60,
        clock=clock,
        sleep=clock.sleep,
    )
    assert clock.sleeps == [5]


def test_failure_message_wait_on_missing_object(kube_env: KubeTestEnv, cluster: ClusterController) -> None:
    with pytest.raises(KubeNotFoundError):
        kube_env.client.wait_for_field_empty(FAILING, "Cluster", "nope", kube_env.namespace, timeout=1)
