"""Health, readiness and Prometheus metrics over HTTP (127.0.0.1 by default).

``/healthz`` answers 200 while the controller's threads run, ``/readyz`` 200 once its caches have synced (and,
with leader election, whether or not this replica leads: a standby is ready to take over), ``/metrics`` the
counters and histograms of :class:`Metrics` in the Prometheus text format (version 0.0.4).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["BUCKETS", "HealthServer", "Metrics"]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Upper bounds (seconds) of the reconcile duration histogram."""


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in sorted(labels.items())
    )
    return "{" + inner + "}"


class Metrics:
    """The controller's metrics: reconciles and errors by outcome, reconcile durations, queue depth, writes,
    leadership."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reconciles: dict[str, int] = {}
        self.errors = 0
        self.durations = [0] * len(BUCKETS)
        self.duration_sum = 0.0
        self.duration_count = 0
        self.queue_depth: Callable[[], int] = lambda: 0
        self.writes: Callable[[], dict[str, int]] = dict
        self.leader: Callable[[], bool] = lambda: False

    def observe(self, outcome: str, seconds: float) -> None:
        with self._lock:
            self.reconciles[outcome] = self.reconciles.get(outcome, 0) + 1
            if outcome == "error":
                self.errors += 1
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self.durations[i] += 1
            self.duration_sum += seconds
            self.duration_count += 1

    def render(self) -> str:
        with self._lock:
            lines = [
                "# HELP eksa_controller_reconciles_total Reconciles of EKS Anywhere Clusters, by outcome.",
                "# TYPE eksa_controller_reconciles_total counter",
            ]
            for outcome, n in sorted(self.reconciles.items()):
                lines.append(f"eksa_controller_reconciles_total{_labels({'outcome': outcome})} {n}")
            lines += [
                "# HELP eksa_controller_reconcile_errors_total Reconciles that failed with an error.",
                "# TYPE eksa_controller_reconcile_errors_total counter",
                f"eksa_controller_reconcile_errors_total {self.errors}",
                "# HELP eksa_controller_reconcile_duration_seconds Time one reconcile took.",
                "# TYPE eksa_controller_reconcile_duration_seconds histogram",
            ]
            for bound, n in zip(BUCKETS, self.durations, strict=True):
                lines.append(f'eksa_controller_reconcile_duration_seconds_bucket{{le="{bound}"}} {n}')
            lines += [
                f'eksa_controller_reconcile_duration_seconds_bucket{{le="+Inf"}} {self.duration_count}',
                f"eksa_controller_reconcile_duration_seconds_sum {self.duration_sum:.6f}",
                f"eksa_controller_reconcile_duration_seconds_count {self.duration_count}",
            ]
        lines += [
            "# HELP eksa_controller_queue_depth Clusters waiting to be reconciled.",
            "# TYPE eksa_controller_queue_depth gauge",
            f"eksa_controller_queue_depth {self.queue_depth()}",
            "# HELP eksa_controller_writes_total Write requests sent to the API server, by verb.",
            "# TYPE eksa_controller_writes_total counter",
        ]
        for verb, n in sorted(self.writes().items()):
            lines.append(f"eksa_controller_writes_total{_labels({'verb': verb})} {n}")
        lines += [
            "# HELP eksa_controller_leader Whether this replica holds the leader Lease.",
            "# TYPE eksa_controller_leader gauge",
            f"eksa_controller_leader {1 if self.leader() else 0}",
        ]
        return "\n".join(lines) + "\n"


class HealthServer:
    """Serves ``/healthz``, ``/readyz`` and ``/metrics`` on ``host:port`` (port 0: any free port)."""

    def __init__(
        self, host: str, port: int, metrics: Metrics, *, healthy: Callable[[], bool], ready: Callable[[], bool]
    ) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/healthz":
                    ok = owner.healthy()
                    self._send(200 if ok else 500, "ok\n" if ok else "unhealthy\n", "text/plain")
                elif self.path == "/readyz":
                    ok = owner.ready()
                    self._send(200 if ok else 503, "ok\n" if ok else "not ready\n", "text/plain")
                elif self.path == "/metrics":
                    self._send(200, owner.metrics.render(), "text/plain; version=0.0.4; charset=utf-8")
                else:
                    self._send(404, "not found\n", "text/plain")

            def _send(self, code: int, body: str, content_type: str) -> None:
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.metrics = metrics
        self.healthy = healthy
        self.ready = ready
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="health-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
