"""The Kubernetes layer: a typed client on the official ``kubernetes`` package, and clusterctl-style move.

Public names:

* :class:`KubeClient` - server-side apply, get/list/delete, patches, namespaces, waits on conditions.
* :func:`move` / :class:`MoveResult` - move a Cluster API cluster's objects between management clusters.
* Errors: :class:`KubeError` and its subclasses.
"""

from __future__ import annotations

from .client import KubeClient, ResourceInfo, RetryPolicy, object_description, split_api_version, without_nulls
from .errors import (
    KubeConflictError,
    KubeConnectionError,
    KubeError,
    KubeFailureMessageError,
    KubeNotFoundError,
    KubeTimeoutError,
)
from .move import DEFAULT_MOVE_KINDS, MoveResult, ObjectKey, discover_cluster_objects, move, move_kinds

__all__ = [
    "DEFAULT_MOVE_KINDS",
    "KubeClient",
    "KubeConflictError",
    "KubeConnectionError",
    "KubeError",
    "KubeFailureMessageError",
    "KubeNotFoundError",
    "KubeTimeoutError",
    "MoveResult",
    "ObjectKey",
    "ResourceInfo",
    "RetryPolicy",
    "discover_cluster_objects",
    "move",
    "move_kinds",
    "object_description",
    "split_api_version",
    "without_nulls",
]
