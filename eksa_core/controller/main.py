"""The controller process: informers feed a work queue, workers reconcile, one leader acts.

:class:`Controller` wires :class:`~.watch.Informer` (EKS Anywhere Clusters; their datacenter and machine configs;
the Cluster API Clusters of ``eksa-system``), a de-duplicating :class:`WorkQueue` (a key is never reconciled by
two workers at once; one queued while it is being reconciled runs again afterwards), the
:class:`~.reconcile.Reconciler`, optional :class:`~.leader.LeaderElector` and the :class:`~.server.HealthServer`.
Every ``resync_period`` every known cluster is queued again (level-triggered: nothing depends on having seen
an event).
"""

from __future__ import annotations

import argparse
import heapq
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import IO, Any

from ..kube import KubeClient
from ..plugins import Plugins
from .leader import LeaderElector
from .options import ControllerOptions, add_arguments, from_args
from .reconcile import CAPI_API_VERSION, EKSA_API_VERSION, Reconciler, WriteCounter
from .server import HealthServer, Metrics
from .watch import Informer

__all__ = ["Controller", "JsonLogFormatter", "WorkQueue", "main", "run_from_args"]

log = logging.getLogger("eksa.controller")

Key = tuple[str, str]


class WorkQueue:
    """Keys to reconcile, each at most once in the queue and never handed to two workers at once."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[Key] = []
        self._queued: set[Key] = set()
        self._processing: set[Key] = set()
        self._dirty: set[Key] = set()
        self._delayed: list[tuple[float, Key]] = []
        self._closed = False

    def add(self, key: Key, delay: float = 0.0) -> None:
        with self._cond:
            if delay > 0:
                heapq.heappush(self._delayed, (time.monotonic() + delay, key))
            elif key in self._processing:
                self._dirty.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._queue.append(key)
            self._cond.notify()

    def _promote(self) -> float | None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            _, key = heapq.heappop(self._delayed)
            if key in self._processing:
                self._dirty.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._queue.append(key)
        return self._delayed[0][0] - now if self._delayed else None

    def get(self, timeout: float = 1.0) -> Key | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                wait = self._promote()
                if self._queue:
                    key = self._queue.pop(0)
                    self._queued.discard(key)
                    self._processing.add(key)
                    return key
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, wait) if wait is not None else left)
            return None

    def done(self, key: Key) -> None:
        with self._cond:
            self._processing.discard(key)
            if key in self._dirty:
                self._dirty.discard(key)
                if key not in self._queued:
                    self._queued.add(key)
                    self._queue.append(key)
                self._cond.notify()

    def depth(self) -> int:
        with self._cond:
            return len(self._queue) + len(self._delayed)

    def idle(self) -> bool:
        """Nothing queued now, nothing being reconciled (delayed requeues may still come)."""
        with self._cond:
            self._promote()
            return not self._queue and not self._processing

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class Controller:
    """One controller replica on the management cluster of ``kube``."""

    def __init__(
        self,
        kube: KubeClient,
        plugins: Plugins,
        options: ControllerOptions,
        *,
        env: Mapping[str, str] | None = None,
        release_manifest: Any = None,
        fetcher: Any = None,
    ) -> None:
        self.kube = kube
        self.plugins = plugins
        self.options = options
        self.writes = WriteCounter()
        if release_manifest is None:
            release_manifest, fetcher = _release_source(options)
        self.reconciler = Reconciler(
            kube,
            plugins,
            release_manifest=release_manifest,
            fetcher=fetcher,
            env=env if env is not None else dict(os.environ),
            writes=self.writes,
            not_ready_requeue=options.not_ready_requeue,
        )
        self.queue = WorkQueue()
        self.metrics = Metrics()
        self.metrics.queue_depth = self.queue.depth
        self.metrics.writes = lambda: dict(self.writes.counts)
        self.clusters: dict[Key, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.informers: list[Informer] = []
        self.elector: LeaderElector | None = None
        if options.leader_elect:
            self.elector = LeaderElector(
                kube,
                namespace=options.namespace,
                name=options.lease_name,
                identity=options.identity,
                lease_duration=options.lease_duration,
                retry_period=options.lease_retry_period,
                on_change=self._leadership,
            )
        self.metrics.leader = self.is_leader
        host, _, port = options.metrics_address.rpartition(":")
        self.server = HealthServer(
            host or "127.0.0.1", int(port or 0), self.metrics, healthy=self.healthy, ready=self.ready
        )
        self.reconciled: dict[Key, str] = {}

    # -- state ----------------------------------------------------------------------------------------------

    def is_leader(self) -> bool:
        return self.elector is None or self.elector.is_leader.is_set()

    def healthy(self) -> bool:
        return not self._stop.is_set() and all(t.is_alive() for t in self._threads)

    def ready(self) -> bool:
        return all(i.synced.is_set() for i in self.informers)

    def _leadership(self, leader: bool) -> None:
        if leader:
            self.enqueue_all()

    # -- events ---------------------------------------------------------------------------------------------

    def enqueue_all(self) -> None:
        with self._lock:
            keys = list(self.clusters)
        for key in keys:
            self.queue.add(key)

    def _on_cluster(self, event: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        key = (str(meta.get("namespace") or "default"), str(meta.get("name")))
        with self._lock:
            if event == "DELETED":
                self.clusters.pop(key, None)
            else:
                self.clusters[key] = obj
        if event != "DELETED":
            self.queue.add(key)

    def _on_config(self, event: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        namespace, name, kind = str(meta.get("namespace") or "default"), str(meta.get("name")), obj.get("kind")
        with self._lock:
            owners = [
                key
                for key, cluster in self.clusters.items()
                if key[0] == namespace and (kind, name) in _references(cluster)
            ]
        for key in owners:
            self.queue.add(key)

    def _on_capi(self, event: str, obj: dict[str, Any]) -> None:
        name = str((obj.get("metadata") or {}).get("name"))
        with self._lock:
            owners = [key for key in self.clusters if key[1] == name]
        for key in owners:
            self.queue.add(key)

    # -- run ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every thread (returns at once)."""
        self.server.start()
        if self.elector is not None:
            self.elector.start()
        self.informers.append(Informer(self.kube, EKSA_API_VERSION, "Cluster", self._on_cluster))
        for info in self.plugins.registry:
            if (info.is_datacenter or info.is_machine_config) and self.kube.has_kind(EKSA_API_VERSION, info.kind):
                self.informers.append(Informer(self.kube, EKSA_API_VERSION, info.kind, self._on_config))
        if self.kube.has_kind(CAPI_API_VERSION, "Cluster"):
            self.informers.append(Informer(self.kube, CAPI_API_VERSION, "Cluster", self._on_capi))
        for informer in self.informers:
            informer.start()
        for i in range(self.options.workers):
            self._threads.append(threading.Thread(target=self._work, name=f"worker-{i}", daemon=True))
        self._threads.append(threading.Thread(target=self._resync, name="resync", daemon=True))
        for thread in self._threads:
            thread.start()
        log.info(
            "controller started",
            extra={"identity": self.options.identity, "metrics": "{}:{}".format(*self.server.address)},
        )

    def stop(self) -> None:
        self._stop.set()
        self.queue.close()
        for informer in self.informers:
            informer.stop()
        for thread in self._threads:
            thread.join(timeout=30)
        if self.elector is not None:
            self.elector.stop()
        self.server.stop()

    def run(self) -> None:
        """Run until SIGTERM/SIGINT."""
        self.start()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        try:
            while not stop.is_set():
                stop.wait(1.0)
        finally:
            self.stop()

    def _resync(self) -> None:
        while not self._stop.wait(self.options.resync_period):
            self.enqueue_all()

    def _work(self) -> None:
        while not self._stop.is_set():
            if not self.is_leader():
                self._stop.wait(0.2)
                continue
            key = self.queue.get(timeout=0.5)
            if key is None:
                continue
            if not self.is_leader():  # lost the lease while waiting: the new leader reconciles it
                self.queue.done(key)
                self.queue.add(key)
                continue
            start = time.monotonic()
            outcome = "error"
            try:
                result = self.reconciler.reconcile(*key)
                outcome = result.outcome
                self.reconciled[key] = outcome
                if result.requeue_after is not None:
                    self.queue.add(key, result.requeue_after)
            except Exception as exc:
                log.error(
                    "reconciling %s/%s failed: %s: %s",
                    key[0],
                    key[1],
                    type(exc).__name__,
                    self.reconciler_redact(str(exc)),
                )
                self.queue.add(key, 2.0)
            finally:
                elapsed = time.monotonic() - start
                self.metrics.observe(outcome, elapsed)
                log.info(
                    "reconciled",
                    extra={"cluster": f"{key[0]}/{key[1]}", "outcome": outcome, "seconds": round(elapsed, 3)},
                )
                self.queue.done(key)

    def reconciler_redact(self, text: str) -> str:
        from ..workflows.context import Redactor

        redactor = Redactor()
        redactor.add_env(self.reconciler.env)
        return redactor(text)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the informers synced and the queue is empty with no reconcile running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready() and self.queue.idle():
                return True
            time.sleep(0.05)
        return False


def _references(cluster: Mapping[str, Any]) -> set[tuple[Any, Any]]:
    spec = cluster.get("spec") or {}
    refs = [
        spec.get("datacenterRef"),
        (spec.get("controlPlaneConfiguration") or {}).get("machineGroupRef"),
        (spec.get("externalEtcdConfiguration") or {}).get("machineGroupRef"),
    ]
    refs += [(g or {}).get("machineGroupRef") for g in spec.get("workerNodeGroupConfigurations") or []]
    return {(r.get("kind"), r.get("name")) for r in refs if isinstance(r, Mapping)}


def _release_source(options: ControllerOptions) -> tuple[Any, Any]:
    from ..cli import release_fetcher, release_manifest_path

    manifest, source = release_manifest_path(options.release_manifest)
    fetcher = (
        None if source == "bundled" or not str(manifest).startswith(("http://", "https://")) else (release_fetcher())
    )
    return manifest, fetcher


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD:
                out[key] = value
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def _client(options: ControllerOptions) -> KubeClient:
    if options.kubeconfig:
        return KubeClient(options.kubeconfig)
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config

    configuration = k8s_client.Configuration()
    k8s_config.load_incluster_config(client_configuration=configuration)
    return KubeClient(configuration=configuration)


def run_from_args(args: argparse.Namespace, *, plugins: Plugins | None = None, out: IO[str] | None = None) -> int:
    """Run the controller with parsed ``args`` until it is told to stop."""
    from ..plugins import default_plugins

    options = from_args(args)
    handler = logging.StreamHandler(out or sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    eksa_log = logging.getLogger("eksa")
    eksa_log.addHandler(handler)
    eksa_log.setLevel(logging.INFO)
    try:
        controller = Controller(_client(options), plugins or default_plugins(), options)
        controller.run()
    finally:
        eksa_log.removeHandler(handler)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m eksa_core.controller``."""
    parser = argparse.ArgumentParser(prog="eksa-controller", description="The EKS Anywhere lifecycle controller.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run_from_args(args)
