"""Typed errors raised by the Kubernetes layer.

Every error carries the object it concerns (when known) as attributes, and a message that never contains
secret data: bodies of requests and responses are not copied into messages, and server messages about Secrets
are scrubbed of the Secret's values before they are used.
"""

from __future__ import annotations

from eksa_core.errors import EksaError

__all__ = [
    "KubeConflictError",
    "KubeConnectionError",
    "KubeError",
    "KubeFailureMessageError",
    "KubeNotFoundError",
    "KubeTimeoutError",
]


class KubeError(EksaError):
    """Base class of every error raised by :mod:`eksa_core.kube`.

    Attributes:
        status: HTTP status code of the failing response (``None`` when there was no response).
        reason: the ``reason`` of the Kubernetes ``Status`` body (``NotFound``, ``Conflict``, ...), if any.
        api_version, kind, name, namespace: the object the operation was about, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        api_version: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        namespace: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason
        self.api_version = api_version
        self.kind = kind
        self.name = name
        self.namespace = namespace

    def __str__(self) -> str:
        return self.message


class KubeNotFoundError(KubeError):
    """The object, its namespace, or its kind (no matching resource in API discovery) does not exist."""


class KubeConflictError(KubeError):
    """HTTP 409: a stale ``resourceVersion``, an object that already exists, or a field-manager conflict."""


class KubeConnectionError(KubeError):
    """The API server could not be reached (connection refused, reset, timed out) after all retries."""


class KubeTimeoutError(KubeError):
    """A wait gave up.

    Attributes:
        waited: seconds waited (as measured by the wait's clock).
        last_seen: a short description of what the wait saw last (never secret data).
    """

    def __init__(
        self,
        message: str,
        *,
        waited: float,
        last_seen: str,
        api_version: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        namespace: str | None = None,
    ) -> None:
        super().__init__(message, api_version=api_version, kind=kind, name=name, namespace=namespace)
        self.waited = waited
        self.last_seen = last_seen


class KubeFailureMessageError(KubeTimeoutError):
    """An object's failure field (``status.failureMessage``) stayed set for the whole wait.

    The message follows EKS Anywhere: ``cluster has a validation error that doesn't seem transient: cluster
    has an error: <failure message>``.
    """
