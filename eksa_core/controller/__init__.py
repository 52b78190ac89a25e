"""The EKS Anywhere lifecycle controller: reconciles ``anywhere.eks.amazonaws.com`` Clusters applied to a
management cluster (kubectl, GitOps, Terraform) through the same provider plugins and code as the CLI.

Run it as ``eksa controller`` or ``python -m eksa_core.controller``; in a management cluster it runs as the
Deployment of :func:`eksa_core.controller.manifests.controller_manifests`.

* :mod:`.reconcile` - one reconcile of one Cluster (:class:`Reconciler`);
* :mod:`.status` - EKS Anywhere's conditions from the Cluster API objects;
* :mod:`.watch` - list-then-watch with resume and relist on 410 Gone;
* :mod:`.leader` - leader election through a Lease;
* :mod:`.server` - health, readiness and Prometheus metrics;
* :mod:`.main` - the process (:class:`Controller`);
* :mod:`.manifests` - Deployment, ServiceAccount and RBAC.
"""

from __future__ import annotations

from .main import Controller, WorkQueue, main
from .options import ControllerOptions
from .reconcile import FIELD_MANAGER, FINALIZER, Reconciler, ReconcileResult, WriteCounter

__all__ = [
    "FIELD_MANAGER",
    "FINALIZER",
    "Controller",
    "ControllerOptions",
    "ReconcileResult",
    "Reconciler",
    "WorkQueue",
    "WriteCounter",
    "main",
]
