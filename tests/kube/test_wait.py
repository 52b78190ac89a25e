"""wait_for_condition and wait_for_field_empty with an injected clock: no real sleeping, no timing asserts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from eksa_core.kube import KubeFailureMessageError, KubeNotFoundError, KubeTimeoutError

from .apiserver_double import KubeAPIServerDouble
from .fixtures import KubeTestEnv

CAPI = "cluster.x-k8s.io/v1beta1"
EKSA = "anywhere.eks.amazonaws.com/v1alpha1"


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


@pytest.fixture
def cluster(kube_env: KubeTestEnv) -> KubeAPIServerDouble:
    double = kube_env.need_double("plays the Cluster API controller that sets conditions")
    double.register_kinds([(CAPI, "Cluster"), (EKSA, "Cluster")])
    for api_version in (CAPI, EKSA):
        kube_env.client.apply(
            {
                "apiVersion": api_version,
                "kind": "Cluster",
                "metadata": {"name": "mgmt", "namespace": kube_env.namespace},
                "spec": {},
            }
        )
    return double


def test_wait_for_condition_returns_once_condition_holds(
    kube_env: KubeTestEnv, cluster: KubeAPIServerDouble
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
    kube_env: KubeTestEnv, cluster: KubeAPIServerDouble
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
    kube_env: KubeTestEnv, cluster: KubeAPIServerDouble
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


def test_wait_for_condition_other_status(kube_env: KubeTestEnv, cluster: KubeAPIServerDouble) -> None:
    ns = kube_env.namespace
    cluster.set_condition(CAPI, "Cluster", "mgmt", ns, "Paused", "False")
    clock = FakeClock()
    obj = kube_env.client.wait_for_condition(
        CAPI, "Cluster", "mgmt", ns, "Paused", status="False", timeout=1, clock=clock, sleep=clock.sleep
    )
    assert obj["metadata"]["name"] == "mgmt"
    assert clock.sleeps == []


def test_wait_for_failure_message_to_clear(kube_env: KubeTestEnv, cluster: KubeAPIServerDouble) -> None:
    ns = kube_env.namespace
    cluster.set_status(EKSA, "Cluster", "mgmt", ns, {"failureMessage": "transient: webhook not ready"})
    clock = FakeClock()
    clock.on_sleep = lambda polls: cluster.set_status(EKSA, "Cluster", "mgmt", ns, {}) if polls == 2 else None

    obj = kube_env.client.wait_for_field_empty(
        EKSA, "Cluster", "mgmt", ns, timeout=600, clock=clock, sleep=clock.sleep
    )

    assert not obj.get("status", {}).get("failureMessage")
    assert clock.sleeps == [5, 5]


def test_persistent_failure_message_uses_eksa_wording(
    kube_env: KubeTestEnv, cluster: KubeAPIServerDouble
) -> None:
    ns = kube_env.namespace
    cluster.set_status(
        EKSA, "Cluster", "mgmt", ns, {"failureMessage": "VSphereDatacenterConfig datacenter not found"}
    )
    clock = FakeClock()

    with pytest.raises(KubeFailureMessageError) as info:
        kube_env.client.wait_for_field_empty(
            EKSA, "Cluster", "mgmt", ns, timeout=20, clock=clock, sleep=clock.sleep
        )

    assert str(info.value) == (
        "cluster has a validation error that doesn't seem transient: "
        "cluster has an error: VSphereDatacenterConfig datacenter not found"
    )
    assert isinstance(info.value, KubeTimeoutError)
    assert info.value.waited == 20


def test_failure_message_waits_for_observed_generation(
    kube_env: KubeTestEnv, cluster: KubeAPIServerDouble
) -> None:
    ns = kube_env.namespace
    generation = cluster.get_object(EKSA, "Cluster", "mgmt", ns)["metadata"]["generation"]  # type: ignore[index]
    cluster.set_status(EKSA, "Cluster", "mgmt", ns, {"observedGeneration": generation - 1})
    clock = FakeClock()
    clock.on_sleep = lambda polls: (
        cluster.set_status(EKSA, "Cluster", "mgmt", ns, {"observedGeneration": generation})
        if polls == 1
        else None
    )

    kube_env.client.wait_for_field_empty(
        EKSA,
        "Cluster",
        "mgmt",
        ns,
        require_observed_generation=True,
        timeout=60,
        clock=clock,
        sleep=clock.sleep,
    )
    assert clock.sleeps == [5]


def test_failure_message_wait_on_missing_object(kube_env: KubeTestEnv, cluster: KubeAPIServerDouble) -> None:
    with pytest.raises(KubeNotFoundError):
        kube_env.client.wait_for_field_empty(EKSA, "Cluster", "nope", kube_env.namespace, timeout=1)
