"""A small, typed Kubernetes client built on the official ``kubernetes`` package.

:class:`KubeClient` talks to the API server through ``kubernetes.client.ApiClient`` (authentication, TLS and
the kubeconfig loader come from the official client) and works on plain ``dict`` objects, resolving each
``apiVersion``/``kind`` to its REST resource through API discovery, as ``kubectl`` does. It offers what EKS
Anywhere needs from ``kubectl``: server-side apply, get/list/delete, merge patches, annotations, namespaces
and waits on conditions and on ``status.failureMessage``.

Transient failures (connection refused or reset, HTTP 429 and 5xx, and for apply HTTP 409) are retried with a
bounded exponential back-off whose ``sleep`` is injectable, so tests never sleep.
"""

from __future__ import annotations

import base64
import builtins
import copy
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from .errors import (
    KubeConflictError,
    KubeConnectionError,
    KubeError,
    KubeFailureMessageError,
    KubeNotFoundError,
    KubeTimeoutError,
)

if TYPE_CHECKING:
    from kubernetes import client as k8s_client

# The ``kubernetes`` package (and urllib3 under it) takes about a quarter of a second to import: it is imported
# when a client is first made or used, not when this module loads.

__all__ = [
    "KubeClient",
    "ResourceInfo",
    "RetryPolicy",
    "object_description",
    "split_api_version",
    "without_nulls",
]

log = logging.getLogger(__name__)

JSONObject = dict[str, Any]

APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"

_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def without_nulls(data: Any) -> Any:
    """``data`` without ``null`` values (in maps and lists): what a server-side apply sends.

    In an apply configuration a ``null`` means "not set"; a real API server rejects it for typed fields
    (``taints[0].value: Invalid value: "null"``) and drops it elsewhere. EKS Anywhere's templates write such
    fields empty (``value:``), which ``kubectl``'s client-side apply turns into "unset"; eksa applies server-side,
    so it leaves them out.
    """
    if isinstance(data, Mapping):
        return {k: without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [without_nulls(v) for v in data if v is not None]
    return data


def split_api_version(api_version: str) -> tuple[str, str]:
    """Split ``group/version`` into ``(group, version)``; the core group (``v1``) has group ``""``."""
    if "/" in api_version:
        group, _, version = api_version.partition("/")
        return group, version
    return "", api_version


def object_description(kind: str | None, name: str | None, namespace: str | None = None) -> str:
    """Describe an object the way error messages name it: ``Kind namespace/name`` or ``Kind name``."""
    where = f"{namespace}/{name}" if namespace else f"{name}"
    return f"{kind or 'object'} {where}"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential back-off for transient API errors.

    ``attempts`` counts the first try; the delay before retry *n* (1-based) is
    ``min(initial_delay * factor ** (n - 1), max_delay)``.
    """

    attempts: int = 6
    initial_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0

    def delays(self) -> Iterator[float]:
        """Yield the delays to sleep before each retry (``attempts - 1`` values)."""
        delay = self.initial_delay
        for _ in range(max(self.attempts - 1, 0)):
            yield min(delay, self.max_delay)
            delay *= self.factor


@dataclass(frozen=True)
class ResourceInfo:
    """One REST resource found through API discovery."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool
    subresources: frozenset[str] = field(default_factory=frozenset)
    verbs: frozenset[str] = field(default_factory=frozenset)

    @property
    def group(self) -> str:
        """The API group (``""`` for the core group)."""
        return split_api_version(self.api_version)[0]

    @property
    def has_status(self) -> bool:
        """Whether the resource has a ``status`` subresource."""
        return "status" in self.subresources

    def path(
        self, name: str | None = None, namespace: str | None = None, subresource: str | None = None
    ) -> str:
        """The REST path of the collection, or of one object (and optionally one of its subresources)."""
        group, version = split_api_version(self.api_version)
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        if self.namespaced and namespace:
            prefix += f"/namespaces/{namespace}"
        path = f"{prefix}/{self.plural}"
        if name is not None:
            path += f"/{name}"
            if subresource:
                path += f"/{subresource}"
        return path


@dataclass
class _Ref:
    """What an operation is about, for error messages."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    secret_values: tuple[str, ...] = ()

    def text(self) -> str:
        return object_description(self.kind, self.name, self.namespace)


def _secret_values(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """Every value of a Secret's ``data``/``stringData`` (base64 and decoded): kept out of messages."""
    if obj.get("kind") != "Secret":
        return ()
    values: list[str] = []
    for key in ("data", "stringData"):
        section = obj.get(key)
        if not isinstance(section, Mapping):
            continue
        for value in section.values():
            if not isinstance(value, str) or not value:
                continue
            values.append(value)
            if key == "data":
                try:
                    decoded = base64.b64decode(value, validate=True).decode("utf-8")
                except (ValueError, UnicodeDecodeError):
                    continue
                if decoded:
                    values.append(decoded)
            else:
                values.append(base64.b64encode(value.encode("utf-8")).decode("ascii"))
    # longest first, so a value containing another is redacted whole
    return tuple(sorted({v for v in values if len(v) >= 3}, key=len, reverse=True))


def redact(text: str, secret_values: Iterable[str]) -> str:
    """Replace every occurrence of each secret value in ``text`` with ``<redacted>``."""
    for value in secret_values:
        if value:
            text = text.replace(value, "<redacted>")
    return text


def _strip_for_log(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return object_description(obj.get("kind"), meta.get("name"), meta.get("namespace"))


class KubeClient:
    """Kubernetes API client working on plain dict objects.

    Args:
        kubeconfig: path of a kubeconfig file (ignored when ``configuration`` is given).
        configuration: a ready ``kubernetes.client.Configuration``.
        context: kubeconfig context to use (default: the file's current context).
        retry: back-off policy for transient errors.
        sleep: function used to sleep between retries and polls (inject a fake in tests).
        clock: monotonic clock used by waits (inject a fake in tests).
        request_timeout: per-request timeout in seconds.
    """

    def __init__(
        self,
        kubeconfig: str | os.PathLike[str] | None = None,
        *,
        configuration: k8s_client.Configuration | None = None,
        context: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        request_timeout: float | None = 60.0,
    ) -> None:
        if configuration is None:
            if kubeconfig is None:
                raise KubeError("a kubeconfig path or a kubernetes.client.Configuration is required")
            from kubernetes import client as k8s_client
            from kubernetes import config as k8s_config

            configuration = k8s_client.Configuration()
            try:
                k8s_config.load_kube_config(
                    config_file=os.fspath(kubeconfig), context=context, client_configuration=configuration
                )
            except (k8s_config.ConfigException, OSError) as exc:
                raise KubeError(f"cannot load kubeconfig {os.fspath(kubeconfig)}: {exc}") from None
        self.kubeconfig = os.fspath(kubeconfig) if kubeconfig is not None else None
        self.configuration = configuration
        from kubernetes import client as k8s_client

        self.api_client = k8s_client.ApiClient(configuration)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.request_timeout = request_timeout
        self._discovery: dict[str, dict[str, ResourceInfo]] = {}
        self._discovery_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Release the connection pool."""
        self.api_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def host(self) -> str:
        """The API server URL."""
        return str(self.configuration.host)

    # ------------------------------------------------------------------ transport

    def _send(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, bytes]:
        """Send one request through the official client; return ``(status, body)`` for any HTTP status."""
        from kubernetes import client as k8s_client

        api = self.api_client
        if hasattr(api, "param_serialize"):  # kubernetes >= 32: call_api(method, url, ...) returns any status
            request = api.param_serialize(
                method,
                path,
                query_params=list(query),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = api.call_api(*request, _request_timeout=self.request_timeout)
            return int(response.status), bytes(response.read() or b"")
        legacy_call: Any = api.call_api
        try:  # older generated clients: call_api(resource_path, method, ...) raises on non-2xx
            raw = legacy_call(
                path,
                method,
                query_params=list(query),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _return_http_data_only=True,
                _request_timeout=self.request_timeout,
            )
        except k8s_client.ApiException as exc:
            data = exc.body if isinstance(exc.body, bytes) else str(exc.body or "").encode()
            return int(exc.status or 0), data
        return int(raw.status), bytes(raw.data or b"")

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content_type: str | None = None,
        ref: _Ref | None = None,
        verb: str | None = None,
        retry_conflicts: bool = False,
    ) -> Any:
        """Send a request, retrying transient failures; return the decoded JSON body or raise a KubeError."""
        import urllib3
        from kubernetes import client as k8s_client

        ref = ref or _Ref()
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        delays = self.retry.delays()
        while True:
            error: KubeError
            try:
                status, data = self._send(method, path, query, dict(headers), body)
            except (urllib3.exceptions.HTTPError, OSError, k8s_client.ApiException) as exc:
                error = KubeConnectionError(
                    f"cannot reach the Kubernetes API server at {self.host} ({verb or method} {ref.text()}): "
                    f"{type(exc).__name__}",
                    api_version=ref.api_version,
                    kind=ref.kind,
                    name=ref.name,
                    namespace=ref.namespace,
                )
                transient = True
            else:
                if 200 <= status < 300:
                    if not data:
                        return {}
                    try:
                        return json.loads(data)
                    except ValueError:
                        raise KubeError(
                            f"{verb or method} {ref.text()}: the API server answered with a non-JSON body",
                            status=status,
                        ) from None
                error = self._error_from_response(status, data, ref, verb or method)
                transient = status in _RETRYABLE_STATUSES or (
                    status == 409
                    and retry_conflicts
                    and error.reason not in ("AlreadyExists", "FieldManagerConflict")
                )
            delay = next(delays, None) if transient else None
            if delay is None:
                raise error
            log.debug("retrying %s %s in %.1fs after: %s", verb or method, ref.text(), delay, error)
            self.sleep(delay)

    def _error_from_response(self, status: int, data: bytes, ref: _Ref, verb: str) -> KubeError:
        reason: str | None = None
        message = ""
        field_manager_conflict = False
        try:
            body = json.loads(data) if data else {}
        except ValueError:
            body = {}
        if isinstance(body, dict):
            reason = body.get("reason") or None
            message = str(body.get("message") or "")
            causes = (body.get("details") or {}).get("causes") or []
            # a StatusCause's type is serialized as "reason" (a real server's SSA conflict: reason Conflict, each
            # cause reason FieldManagerConflict)
            field_manager_conflict = any(
                isinstance(c, dict) and c.get("reason") == "FieldManagerConflict" for c in causes
            )
        if not message:
            message = f"HTTP {status}"
        message = redact(message, ref.secret_values)
        text = f"{verb} {ref.text()}: {message}"
        kwargs: dict[str, Any] = {
            "status": status,
            "reason": "FieldManagerConflict" if field_manager_conflict else reason,
            "api_version": ref.api_version,
            "kind": ref.kind,
            "name": ref.name,
            "namespace": ref.namespace,
        }
        if status == 404:
            return KubeNotFoundError(text, **kwargs)
        if status == 409:
            return KubeConflictError(text, **kwargs)
        return KubeError(text, **kwargs)

    # ------------------------------------------------------------------ discovery

    def _discover_group_version(self, api_version: str) -> dict[str, ResourceInfo]:
        group, version = split_api_version(api_version)
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            body = self._request("GET", path, ref=_Ref(api_version=api_version), verb="discover")
        except KubeNotFoundError:
            return {}
        parents: dict[str, ResourceInfo] = {}
        subresources: dict[str, set[str]] = {}
        for resource in body.get("resources") or []:
            name = str(resource.get("name", ""))
            if "/" in name:
                parent, _, sub = name.partition("/")
                subresources.setdefault(parent, set()).add(sub)
                continue
            parents[name] = ResourceInfo(
                api_version=api_version,
                kind=str(resource.get("kind", "")),
                plural=name,
                namespaced=bool(resource.get("namespaced", False)),
                verbs=frozenset(resource.get("verbs") or ()),
            )
        by_kind: dict[str, ResourceInfo] = {}
        for plural, info in parents.items():
            info = ResourceInfo(
                api_version=info.api_version,
                kind=info.kind,
                plural=info.plural,
                namespaced=info.namespaced,
                subresources=frozenset(subresources.get(plural, ())),
                verbs=info.verbs,
            )
            by_kind.setdefault(info.kind, info)
        return by_kind

    def resource(self, api_version: str, kind: str) -> ResourceInfo:
        """Resolve ``apiVersion``/``kind`` to its REST resource through discovery.

        Discovery answers are cached per group/version; a miss refreshes the group/version once (a CRD may
        have been installed since). Raises :class:`KubeNotFoundError` ``no matches for kind ...`` like
        ``kubectl``.
        """
        with self._discovery_lock:
            cached = self._discovery.get(api_version)
        if cached is not None and kind in cached:
            return cached[kind]
        fresh = self._discover_group_version(api_version)
        with self._discovery_lock:
            self._discovery[api_version] = fresh
        if kind not in fresh:
            raise KubeNotFoundError(
                f'no matches for kind "{kind}" in version "{api_version}"',
                status=404,
                reason="NotFound",
                api_version=api_version,
                kind=kind,
            )
        return fresh[kind]

    def has_kind(self, api_version: str, kind: str) -> bool:
        """Whether the server serves ``kind`` in ``api_version``."""
        try:
            self.resource(api_version, kind)
        except KubeNotFoundError:
            return False
        return True

    def invalidate_discovery(self) -> None:
        """Forget cached discovery answers (after installing CRDs, for instance)."""
        with self._discovery_lock:
            self._discovery.clear()

    def server_groups(self) -> list[str]:
        """Every group/version the server serves, core ``v1`` first (from ``/api`` and ``/apis``)."""
        core = self._request("GET", "/api", verb="discover")
        groups = self._request("GET", "/apis", verb="discover")
        result = [str(v) for v in core.get("versions") or []]
        for group in groups.get("groups") or []:
            result.extend(str(v.get("groupVersion")) for v in group.get("versions") or [])
        return result

    # ------------------------------------------------------------------ helpers

    def _locate(
        self, api_version: str, kind: str, name: str | None, namespace: str | None
    ) -> tuple[ResourceInfo, str | None]:
        info = self.resource(api_version, kind)
        namespace = (namespace or "default") if info.namespaced else None
        if name is not None and not name:
            raise KubeError(f"{kind}: a name is required")
        return info, namespace

    @staticmethod
    def _with_type(obj: JSONObject, info: ResourceInfo) -> JSONObject:
        obj.setdefault("apiVersion", info.api_version)
        obj.setdefault("kind", info.kind)
        return obj

    @staticmethod
    def load_manifests(
        manifests: str | Mapping[str, Any] | Iterable[Mapping[str, Any]],
    ) -> builtins.list[JSONObject]:
        """Normalise manifests (multi-document YAML text, one object, objects); ``*List`` kinds expanded."""
        if isinstance(manifests, str):
            import yaml

            try:
                docs: list[Any] = [d for d in yaml.safe_load_all(manifests) if d is not None]
            except yaml.YAMLError as exc:
                raise KubeError(f"manifests are not valid YAML: {exc}") from None
        elif isinstance(manifests, Mapping):
            docs = [manifests]
        else:
            docs = list(manifests)
        objects: list[JSONObject] = []
        for index, doc in enumerate(docs):
            if not isinstance(doc, Mapping):
                raise KubeError(f"manifest document {index + 1} is not an object")
            kind = doc.get("kind")
            if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
                objects.extend(KubeClient.load_manifests(doc["items"]))
                continue
            objects.append(copy.deepcopy(dict(doc)))
        return objects

    # ------------------------------------------------------------------ verbs

    def apply(
        self,
        manifests: str | Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        field_manager: str = "eks-a-cli",
        force: bool = True,
        dry_run: bool = False,
    ) -> builtins.list[JSONObject]:
        """Server-side apply each object (in order) and return the objects as the server stored them.

        ``manifests`` is one object, a list of objects, or multi-document YAML text. Namespaced objects
        without a namespace go to ``default``. 409 conflicts other than field-manager conflicts, 429, 5xx and
        connection failures are retried with back-off. With ``dry_run`` the server validates, defaults and
        prunes each object as it would store it (``dryRun=All``) and returns that, storing nothing.
        """
        applied: list[JSONObject] = []
        for index, obj in enumerate(without_nulls(o) for o in self.load_manifests(manifests)):
            api_version, kind = obj.get("apiVersion"), obj.get("kind")
            meta = obj.get("metadata")
            if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
                raise KubeError(f"manifest {index + 1} has no apiVersion or kind")
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
                raise KubeError(f"manifest {index + 1} ({kind}) has no metadata.name")
            info, namespace = self._locate(api_version, kind, meta["name"], meta.get("namespace"))
            if namespace:
                meta["namespace"] = namespace
            else:
                meta.pop("namespace", None)
            ref = _Ref(api_version, kind, meta["name"], namespace, _secret_values(obj))
            result = self._request(
                "PATCH",
                info.path(meta["name"], namespace),
                query=[("fieldManager", field_manager), ("force", "true" if force else "false"),
                       *([("dryRun", "All")] if dry_run else [])],
                body=obj,
                content_type=APPLY_PATCH,
                ref=ref,
                verb="apply",
                retry_conflicts=True,
            )
            log.debug("applied %s", _strip_for_log(obj))
            applied.append(self._with_type(result, info))
        return applied

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> JSONObject:
        """Get one object; raises :class:`KubeNotFoundError` when it does not exist."""
        info, namespace = self._locate(api_version, kind, name, namespace)
        result = self._request(
            "GET", info.path(name, namespace), ref=_Ref(api_version, kind, name, namespace), verb="get"
        )
        return self._with_type(result, info)

    def get_or_none(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> JSONObject | None:
        """Get one object, or ``None`` when it (or its kind) does not exist."""
        try:
            return self.get(api_version, kind, name, namespace)
        except KubeNotFoundError:
            return None

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
    ) -> builtins.list[JSONObject]:
        """List objects of a kind, in one namespace (or all namespaces when ``namespace`` is ``None``).

        ``label_selector`` is selector text (``a=b,c!=d,e in (f,g),!h``) or a mapping of required labels.
        Items get their ``apiVersion``/``kind`` filled in (the server leaves them out for built-in kinds).
        """
        info = self.resource(api_version, kind)
        ns = namespace if info.namespaced else None
        query: list[tuple[str, str]] = []
        if isinstance(label_selector, Mapping):
            label_selector = ",".join(f"{k}={v}" for k, v in sorted(label_selector.items()))
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        items: list[JSONObject] = []
        token: str | None = None
        while True:
            page = query + ([("continue", token)] if token else [])
            body = self._request(
                "GET", info.path(None, ns), query=page, ref=_Ref(api_version, kind, "*", ns), verb="list"
            )
            items.extend(self._with_type(item, info) for item in body.get("items") or [])
            token = (body.get("metadata") or {}).get("continue") or None
            if not token:
                return items

    def create(self, obj: Mapping[str, Any]) -> JSONObject:
        """Create an object (POST); an existing one raises :class:`KubeConflictError` (``AlreadyExists``)."""
        body = copy.deepcopy(dict(obj))
        meta = body.get("metadata") or {}
        info, namespace = self._locate(
            str(body.get("apiVersion")), str(body.get("kind")), None, meta.get("namespace")
        )
        if namespace:
            meta["namespace"] = namespace
        ref = _Ref(info.api_version, info.kind, meta.get("name"), namespace, _secret_values(body))
        result = self._request("POST", info.path(None, namespace), body=body, ref=ref, verb="create")
        return self._with_type(result, info)

    def replace(self, obj: Mapping[str, Any], *, subresource: str | None = None) -> JSONObject:
        """Replace an object (PUT); a stale ``metadata.resourceVersion`` raises :class:`KubeConflictError`."""
        body = copy.deepcopy(dict(obj))
        meta = body.get("metadata") or {}
        info, namespace = self._locate(
            str(body.get("apiVersion")), str(body.get("kind")), meta.get("name"), meta.get("namespace")
        )
        ref = _Ref(info.api_version, info.kind, meta.get("name"), namespace, _secret_values(body))
        result = self._request(
            "PUT", info.path(meta["name"], namespace, subresource), body=body, ref=ref, verb="replace"
        )
        return self._with_type(result, info)

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        ignore_not_found: bool = False,
        propagation_policy: str | None = None,
    ) -> JSONObject | None:
        """Delete an object.

        Returns the server's answer (the object, marked for deletion when finalizers hold it, or a
        ``Status``),
        or ``None`` when it did not exist and ``ignore_not_found`` is set.
        """
        try:
            info, namespace = self._locate(api_version, kind, name, namespace)
        except KubeNotFoundError:
            if ignore_not_found:
                return None
            raise
        body = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        try:
            result = self._request(
                "DELETE",
                info.path(name, namespace),
                body=body,
                ref=_Ref(api_version, kind, name, namespace),
                verb="delete",
            )
        except KubeNotFoundError:
            if ignore_not_found:
                return None
            raise
        log.debug("deleted %s", object_description(kind, name, namespace))
        return dict(result)

    def patch_merge(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Mapping[str, Any],
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> JSONObject:
        """Apply a JSON merge patch (RFC 7386; ``None`` removes a key) to an object or its subresource."""
        info, namespace = self._locate(api_version, kind, name, namespace)
        result = self._request(
            "PATCH",
            info.path(name, namespace, subresource),
            body=dict(patch),
            content_type=MERGE_PATCH,
            ref=_Ref(api_version, kind, name, namespace),
            verb="patch",
        )
        return self._with_type(result, info)

    def patch_json(
        self,
        api_version: str,
        kind: str,
        name: str,
        operations: Sequence[Mapping[str, Any]],
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> JSONObject:
        """Apply a JSON patch (RFC 6902 list of operations) to an object or its subresource."""
        info, namespace = self._locate(api_version, kind, name, namespace)
        result = self._request(
            "PATCH",
            info.path(name, namespace, subresource),
            body=[dict(op) for op in operations],
            content_type=JSON_PATCH,
            ref=_Ref(api_version, kind, name, namespace),
            verb="patch",
        )
        return self._with_type(result, info)

    def annotate(
        self,
        api_version: str,
        kind: str,
        name: str,
        annotations: Mapping[str, str | None],
        namespace: str | None = None,
    ) -> JSONObject:
        """Set annotations on an object (a ``None`` value removes the annotation)."""
        return self.patch_merge(
            api_version, kind, name, {"metadata": {"annotations": dict(annotations)}}, namespace
        )

    def label(
        self,
        api_version: str,
        kind: str,
        name: str,
        labels: Mapping[str, str | None],
        namespace: str | None = None,
    ) -> JSONObject:
        """Set labels on an object (a ``None`` value removes the label)."""
        return self.patch_merge(api_version, kind, name, {"metadata": {"labels": dict(labels)}}, namespace)

    def create_namespace(self, name: str, labels: Mapping[str, str] | None = None) -> JSONObject:
        """Create a namespace; an existing one is returned as it is (idempotent)."""
        body: JSONObject = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        if labels:
            body["metadata"]["labels"] = dict(labels)
        try:
            return self.create(body)
        except KubeConflictError as exc:
            if exc.reason != "AlreadyExists":
                raise
        return self.get("v1", "Namespace", name)

    # ------------------------------------------------------------------ waits

    def wait_for_condition(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None,
        condition: str,
        status: str = "True",
        timeout: float = 300.0,
        *,
        poll_interval: float = 2.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> JSONObject:
        """Poll until ``status.conditions[type=condition].status == status``; return the object.

        Raises :class:`KubeTimeoutError` naming the object, the condition, what was last seen (the condition's
        status, reason and message, or that the object or condition did not exist) and how long it waited.
        """
        clock = clock or self.clock
        sleep = sleep or self.sleep
        start = clock()
        last_seen = "nothing yet"
        while True:
            obj = self.get_or_none(api_version, kind, name, namespace)
            if obj is None:
                last_seen = "the object does not exist"
            else:
                found = _find_condition(obj, condition)
                if found is not None and str(found.get("status")) == status:
                    return obj
                last_seen = _describe_condition(condition, found)
            now = clock()
            waited = now - start
            if waited >= timeout:
                desc = object_description(kind, name, namespace)
                raise KubeTimeoutError(
                    f"timed out after {_seconds(waited)} waiting for {desc} ({api_version}) condition "
                    f"{condition}={status}; last seen: {last_seen}",
                    waited=waited,
                    last_seen=last_seen,
                    api_version=api_version,
                    kind=kind,
                    name=name,
                    namespace=namespace,
                )
            sleep(max(0.0, min(poll_interval, timeout - waited)))

    def wait_for_field_empty(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None,
        field_path: str = "status.failureMessage",
        timeout: float = 600.0,
        *,
        poll_interval: float = 5.0,
        require_observed_generation: bool = False,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> JSONObject:
        """Poll until the dotted ``field_path`` of the object is empty (absent, ``null`` or ``""``).

        With ``require_observed_generation`` the field only counts once ``status.observedGeneration`` has
        caught up with ``metadata.generation`` (the controller has looked at the current spec). When the field
        stays set for the whole ``timeout``, raises :class:`KubeFailureMessageError` with EKS Anywhere's
        message: ``cluster has a validation error that doesn't seem transient: cluster has an error:
        <value>``. A missing object raises :class:`KubeNotFoundError` at once.
        """
        clock = clock or self.clock
        sleep = sleep or self.sleep
        start = clock()
        noun = kind.lower()
        while True:
            obj = self.get(api_version, kind, name, namespace)
            value = _dig(obj, field_path)
            current = True
            if require_observed_generation:
                generation = (obj.get("metadata") or {}).get("generation")
                observed = (obj.get("status") or {}).get("observedGeneration")
                current = generation is None or (observed is not None and int(observed) >= int(generation))
            if current and value in (None, ""):
                return obj
            waited = clock() - start
            if waited >= timeout:
                if value in (None, ""):
                    last_seen = "status.observedGeneration behind metadata.generation"
                    message = (
                        f"timed out after {_seconds(waited)} waiting for "
                        f"{object_description(kind, name, namespace)} "
                        f"to be observed by its controller"
                    )
                    raise KubeTimeoutError(
                        message,
                        waited=waited,
                        last_seen=last_seen,
                        api_version=api_version,
                        kind=kind,
                        name=name,
                        namespace=namespace,
                    )
                raise KubeFailureMessageError(
                    f"{noun} has a validation error that doesn't seem transient: "
                    f"{noun} has an error: {value}",
                    waited=waited,
                    last_seen=f"{field_path}: {value}",
                    api_version=api_version,
                    kind=kind,
                    name=name,
                    namespace=namespace,
                )
            sleep(max(0.0, min(poll_interval, timeout - waited)))


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _find_condition(obj: Mapping[str, Any], condition: str) -> Mapping[str, Any] | None:
    for item in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(item, Mapping) and item.get("type") == condition:
            return item
    return None


def _describe_condition(condition: str, found: Mapping[str, Any] | None) -> str:
    if found is None:
        return f"no {condition} condition"
    text = f"{condition}={found.get('status')}"
    if found.get("reason"):
        text += f" reason={found['reason']}"
    if found.get("message"):
        text += f' message="{found["message"]}"'
    return text


def _dig(obj: Mapping[str, Any], dotted: str) -> Any:
    current: Any = obj
    for part in dotted.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current
