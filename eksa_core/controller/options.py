"""The controller's options and their command line (``eksa controller`` / ``python -m eksa_core.controller``)."""

from __future__ import annotations

import argparse
import os
import socket

import attrs

__all__ = ["ControllerOptions", "add_arguments", "from_args"]


@attrs.define
class ControllerOptions:
    """How one controller process runs.

    :ivar kubeconfig: the management cluster's kubeconfig (``None``: the in-cluster service account).
    :ivar metrics_address: ``host:port`` of ``/metrics``, ``/healthz`` and ``/readyz`` (port 0: any free one).
    :ivar leader_elect: take part in leader election (the Lease ``eksa-system/eksa-controller-leader``).
    :ivar identity: this replica's name in the Lease (default: host name and process id).
    :ivar resync_period: seconds between reconciles of every cluster when nothing changed.
    :ivar workers: clusters reconciled at once. :ivar release_manifest: path or URL of EKS Anywhere's release
        manifest (default: what the CLI uses). :ivar namespace: where the Lease lives.
    """

    kubeconfig: str | None = None
    metrics_address: str = "127.0.0.1:8080"
    leader_elect: bool = True
    identity: str = attrs.field(factory=lambda: f"{socket.gethostname()}_{os.getpid()}")
    lease_duration: float = 15.0
    lease_retry_period: float = 2.0
    resync_period: float = 300.0
    workers: int = 2
    release_manifest: str | None = None
    namespace: str = "eksa-system"
    lease_name: str = "eksa-controller-leader"
    not_ready_requeue: float = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the controller's options to ``parser``."""
    parser.add_argument(
        "--kubeconfig", metavar="FILE", help="management cluster kubeconfig (default: the in-cluster service account)"
    )
    parser.add_argument(
        "--metrics-bind-address",
        metavar="HOST:PORT",
        default="127.0.0.1:8080",
        help="where /metrics, /healthz and /readyz are served (default 127.0.0.1:8080)",
    )
    parser.add_argument(
        "--leader-elect",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="take part in leader election through a coordination.k8s.io Lease (default on)",
    )
    parser.add_argument("--identity", metavar="NAME", help="this replica's name in the Lease")
    parser.add_argument(
        "--resync-period",
        metavar="SECONDS",
        type=float,
        default=300.0,
        help="reconcile every cluster this often even when nothing changed (default 300)",
    )
    parser.add_argument("--workers", metavar="N", type=int, default=2, help="clusters reconciled at once")
    parser.add_argument(
        "--release-manifest",
        metavar="FILE|URL",
        help="EKS-A release manifest (default: as the CLI; 'bundled': the snapshot shipped with eksa)",
    )


def from_args(args: argparse.Namespace) -> ControllerOptions:
    """The options of parsed ``args``."""
    options = ControllerOptions(
        kubeconfig=args.kubeconfig,
        metrics_address=args.metrics_bind_address,
        leader_elect=bool(args.leader_elect),
        resync_period=float(args.resync_period),
        workers=max(1, int(args.workers)),
        release_manifest=args.release_manifest,
    )
    if args.identity:
        options.identity = args.identity
    return options
