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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .main import Controller, WorkQueue, main
    from .options import ControllerOptions
    from .reconcile import FIELD_MANAGER, FINALIZER, Reconciler, ReconcileResult, WriteCounter

# Loaded on first use: the CLI imports .options to build its parser, which must not load the reconciler (and
# with it the contract, the models and the Kubernetes client) for ``eksa --help``.
_LAZY = {
    "Controller": ".main", "WorkQueue": ".main", "main": ".main", "ControllerOptions": ".options",
    "FIELD_MANAGER": ".reconcile", "FINALIZER": ".reconcile", "Reconciler": ".reconcile",
    "ReconcileResult": ".reconcile", "WriteCounter": ".reconcile",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
