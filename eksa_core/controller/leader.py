"""Leader election through a ``coordination.k8s.io/v1`` Lease: one replica acts, the others wait.

The holder renews the Lease every ``retry_period`` seconds; another replica takes it over only when its
``renewTime`` is older than ``leaseDurationSeconds``. Every write carries the resourceVersion read, so two
replicas racing for the Lease cannot both win (the loser's write is a 409 conflict). A holder that could not renew
within the lease duration stops acting (:attr:`LeaderElector.is_leader` clears) before anyone else may take over.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..kube import KubeClient, KubeConflictError, KubeError

__all__ = ["LeaderElector"]

log = logging.getLogger("eksa.controller.leader")

LEASE_API_VERSION = "coordination.k8s.io/v1"


def _micro(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str | None) -> float | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return _dt.datetime.strptime(text, fmt).replace(tzinfo=_dt.UTC).timestamp()
        except ValueError:
            continue
    return None


class LeaderElector:
    """Holds (or waits for) the Lease ``namespace/name`` as ``identity``."""

    def __init__(
        self,
        kube: KubeClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float = 15.0,
        retry_period: float = 2.0,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.kube = kube
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration
        self.retry_period = retry_period
        self.clock = clock
        self.on_change = on_change
        self.is_leader = threading.Event()
        self._renewed_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="leader-election", daemon=True)
        self._thread.start()

    def stop(self, *, release: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if release and self.is_leader.is_set():
            self._release()
        self._set(False)

    def _set(self, leader: bool) -> None:
        if leader != self.is_leader.is_set():
            if leader:
                self.is_leader.set()
                log.info("%s became the leader (lease %s/%s)", self.identity, self.namespace, self.name)
            else:
                self.is_leader.clear()
                log.info("%s is not the leader any more", self.identity)
            if self.on_change is not None:
                self.on_change(leader)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                acquired = self.try_acquire_or_renew()
            except KubeError as exc:
                log.warning("lease %s/%s: %s", self.namespace, self.name, exc)
                acquired = False
            if acquired:
                self._renewed_at = self.clock()
                self._set(True)
            elif self.is_leader.is_set() and self.clock() - self._renewed_at >= self.lease_duration * 0.8:
                self._set(False)  # could not renew in time: stop acting before another replica may take over
            self._stop.wait(self.retry_period)

    def _lease(self, spec: dict[str, Any], resource_version: str | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if resource_version:
            meta["resourceVersion"] = resource_version
        return {"apiVersion": LEASE_API_VERSION, "kind": "Lease", "metadata": meta, "spec": spec}

    def try_acquire_or_renew(self) -> bool:
        """One election round: ``True`` when this replica holds the Lease afterwards."""
        now = self.clock()
        lease = self.kube.get_or_none(LEASE_API_VERSION, "Lease", self.name, self.namespace)
        if lease is None:
            new = {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": int(self.lease_duration),
                "acquireTime": _micro(now),
                "renewTime": _micro(now),
                "leaseTransitions": 0,
            }
            try:
                self.kube.create(self._lease(new))
            except KubeConflictError:
                return False
            return True
        spec: dict[str, Any] = dict(lease.get("spec") or {})
        holder = spec.get("holderIdentity")
        renewed = _parse(spec.get("renewTime")) or 0.0
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        version = (lease.get("metadata") or {}).get("resourceVersion")
        if holder == self.identity:
            spec["renewTime"] = _micro(now)
        elif not holder or now - renewed > duration:
            spec.update(
                {
                    "holderIdentity": self.identity,
                    "acquireTime": _micro(now),
                    "renewTime": _micro(now),
                    "leaseDurationSeconds": int(self.lease_duration),
                    "leaseTransitions": int(spec.get("leaseTransitions") or 0) + 1,
                }
            )
        else:
            return False
        try:
            self.kube.replace(self._lease(spec, version))
        except KubeConflictError:
            return False
        return True

    def _release(self) -> None:
        try:
            lease = self.kube.get_or_none(LEASE_API_VERSION, "Lease", self.name, self.namespace)
            if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            spec = dict(lease["spec"])
            spec["holderIdentity"] = None
            spec["renewTime"] = _micro(self.clock() - 10 * self.lease_duration)
            self.kube.replace(
                self._lease(
                    {k: v for k, v in spec.items() if v is not None},
                    (lease.get("metadata") or {}).get("resourceVersion"),
                )
            )
        except KubeError as exc:
            log.info("releasing lease %s/%s: %s", self.namespace, self.name, exc)
