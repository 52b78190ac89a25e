"""FaultInjectionAPIServer: a stand-in Kubernetes API server that exists only to inject faults (the core's and
the providers' fault tests, a third-party provider's too: ``from eksa_core.testing.apiserver_double import
FaultInjectionAPIServer``).

Everything that talks Kubernetes is tested on the real control plane (``eksa_core.testing``: etcd, kube-apiserver
and kube-controller-manager built from their Go modules), because only a real server proves that what eksa writes
is validated, defaulted, pruned and garbage-collected the way a cluster does it. This server stays for what a real
one cannot be made to do on demand: inject faults (HTTP 5xx and 429 answers, conflict storms, timeouts, dropped
connections, refused requests, errors that echo secret values) and record each request a run sent (to show a
refused or dry run sent none). A test that injects no fault belongs on the real control plane.

It is NOT a real API server and its answers prove nothing about schemas, pruning or garbage collection: it
accepts any field, merges lists whole and collects no garbage. It is an in-memory HTTP server on 127.0.0.1 that
speaks enough of the Kubernetes REST protocol for the official ``kubernetes`` Python client and for
:class:`eksa_core.kube.KubeClient`:

* discovery: ``/version``, ``/api``, ``/apis``, ``/api/v1``, ``/apis/<group>``,
  ``/apis/<group>/<version>``, with core ``v1`` namespaces, secrets and configmaps plus every kind a test
  registers;
* namespaced and cluster-scoped CRUD: GET, LIST (label selectors ``=``, ``==``, ``!=``, ``in``, ``notin``,
  exists, ``!key``; field selectors on ``metadata.name``/``metadata.namespace``), POST, PUT, DELETE and PATCH
  (merge patch, JSON patch, strategic merge treated as merge, server-side apply with a simple field-ownership
  model: ``fieldManager``, ``force`` and conflicts between managers);
* ``metadata.uid``/``creationTimestamp``/``generation`` set by the server, ``resourceVersion`` bumped on
  every write and checked (409 Conflict on a stale one), ``status`` subresources (``status`` is ignored on the
  main resource of such kinds, as a real server does), Secrets' ``stringData`` folded into ``data``;
* DELETE honouring finalizers (``deletionTimestamp`` set; the object goes once its finalizers are emptied);
* errors as ``Status`` JSON bodies (400, 401, 404, 405, 409, 422, 500 ...).

Fault tests reach in to simulate controllers (:meth:`set_status`, :meth:`set_condition`), to seed objects
(:meth:`put_object`) and to inject failures (:meth:`inject_failure`, :attr:`before_request`). Not implemented:
watches, pagination, admission webhooks, garbage collection of dependents, ``dryRun``.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import yaml

__all__ = ["FaultInjectionAPIServer", "InjectedFailure", "RequestInfo", "ResourceType", "parse_label_selector"]

JSON = dict[str, Any]
Key = tuple[str, str, str, str]  # (group, plural, namespace or "", name)

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


@dataclass(frozen=True)
class ResourceType:
    """A kind served by the double."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    status_subresource: bool = True

    @property
    def api_version(self) -> str:
        """``group/version`` (or ``v1`` for the core group)."""
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass
class InjectedFailure:
    """A failure to answer with instead of serving matching requests.

    ``times`` is how many matching requests fail (``None``: all of them). ``disconnect`` closes the connection
    without answering, which clients see as a connection reset.
    """

    status: int = 500
    method: str | None = None
    path_contains: str | None = None
    times: int | None = 1
    reason: str = "InternalError"
    message: str = "injected failure"
    disconnect: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Whether this failure applies to a request."""
        if self.times is not None and self.times <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        return not (self.path_contains and self.path_contains not in path)


@dataclass
class RequestInfo:
    """A request as the double saw it (kept in :attr:`FaultInjectionAPIServer.requests`)."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = ""

    @property
    def mutating(self) -> bool:
        """Whether the request can change state (POST, PUT, PATCH, DELETE)."""
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


class _Error(Exception):
    def __init__(self, code: int, reason: str, message: str, details: JSON | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details


class _Disconnect(Exception):
    pass


CORE_TYPES = (
    ResourceType("", "v1", "Namespace", "namespaces", namespaced=False, status_subresource=True),
    ResourceType("", "v1", "Secret", "secrets", status_subresource=False),
    ResourceType("", "v1", "ConfigMap", "configmaps", status_subresource=False),
)


# ------------------------------------------------------------------------------------------ label selectors

_Requirement = tuple[str, str, frozenset[str]]  # (key, operator, values)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(selector: str) -> list[_Requirement]:
    """Parse a label selector into ``(key, op, values)``.

    ``op`` is ``=``, ``!=``, ``in``, ``notin``, ``exists``
    or ``!``. Raises ValueError on bad syntax."""
    requirements: list[_Requirement] = []
    for part in _split_top_level(selector):
        match = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", part)
        if match:
            values = frozenset(v.strip() for v in match.group(3).split(",") if v.strip())
            requirements.append((match.group(1), match.group(2), values))
            continue
        match = re.fullmatch(r"([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)", part)
        if match:
            op = "!=" if match.group(2) == "!=" else "="
            requirements.append((match.group(1), op, frozenset({match.group(3)})))
            continue
        match = re.fullmatch(r"!\s*([\w./-]+)", part)
        if match:
            requirements.append((match.group(1), "!", frozenset()))
            continue
        match = re.fullmatch(r"[\w./-]+", part)
        if match:
            requirements.append((part, "exists", frozenset()))
            continue
        raise ValueError(f"unable to parse requirement: {part!r}")
    return requirements


def _labels_match(labels: dict[str, str], requirements: list[_Requirement]) -> bool:
    for key, op, values in requirements:
        present = key in labels
        value = labels.get(key)
        if op == "=" and value not in values:
            return False
        if op == "!=" and present and value in values:
            return False
        if op == "in" and (not present or value not in values):
            return False
        if op == "notin" and present and value in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
    return True


# -------------------------------------------------------------------------------------------- patch helpers


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _Error(422, "Invalid", f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve_parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    current = doc
    for part in parts[:-1]:
        if isinstance(current, list):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise _Error(422, "Invalid", f"path element {part!r} does not exist")
    return current, parts[-1]


def _json_patch(doc: JSON, operations: list[Any]) -> JSON:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test)."""
    result: Any = copy.deepcopy(doc)

    def get(path: str) -> Any:
        current = result
        for part in _pointer(path):
            if isinstance(current, list):
                current = current[int(part)]
            elif isinstance(current, dict) and part in current:
                current = current[part]
            else:
                raise _Error(422, "Invalid", f"path {path!r} does not exist")
        return current

    def add(path: str, value: Any) -> None:
        parent, last = _resolve_parent(result, _pointer(path))
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(value))
        else:
            parent[last] = copy.deepcopy(value)

    def remove(path: str) -> Any:
        parent, last = _resolve_parent(result, _pointer(path))
        try:
            return parent.pop(int(last) if isinstance(parent, list) else last)
        except (KeyError, IndexError, ValueError):
            raise _Error(422, "Invalid", f"path {path!r} does not exist") from None

    try:
        for op in operations:
            if not isinstance(op, dict) or "op" not in op or "path" not in op:
                raise _Error(400, "BadRequest", "invalid JSON patch operation")
            kind, path = op["op"], op["path"]
            if kind == "add":
                add(path, op.get("value"))
            elif kind == "remove":
                remove(path)
            elif kind == "replace":
                remove(path)
                add(path, op.get("value"))
            elif kind == "move":
                add(path, remove(op["from"]))
            elif kind == "copy":
                add(path, get(op["from"]))
            elif kind == "test":
                if get(path) != op.get("value"):
                    raise _Error(422, "Invalid", f"test operation failed at {path!r}")
            else:
                raise _Error(400, "BadRequest", f"unknown JSON patch operation {kind!r}")
    except (IndexError, ValueError, TypeError):
        raise _Error(422, "Invalid", "JSON patch could not be applied") from None
    if not isinstance(result, dict):
        raise _Error(422, "Invalid", "JSON patch result is not an object")
    return result


Path_ = tuple[str, ...]


def _leaf_paths(obj: Any, prefix: Path_ = ()) -> dict[Path_, Any]:
    """Leaf fields of an applied configuration (dicts recursed, lists and scalars are leaves)."""
    if isinstance(obj, dict) and obj:
        leaves: dict[Path_, Any] = {}
        for key, value in obj.items():
            leaves.update(_leaf_paths(value, (*prefix, str(key))))
        return leaves
    return {prefix: obj}


def _managed_paths(obj: JSON) -> dict[Path_, Any]:
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    meta = {
        k: v
        for k, v in (body.get("metadata") or {}).items()
        if k in ("labels", "annotations", "finalizers", "ownerReferences")
    }
    body["metadata"] = meta
    if not meta:
        body.pop("metadata")
    return {p: v for p, v in _leaf_paths(body).items() if p}


def _get_path(obj: Any, path: Path_) -> Any:
    current = obj
    for part in path:
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def _remove_path(obj: JSON, path: Path_) -> None:
    parents: list[tuple[dict[str, Any], str]] = []
    current: Any = obj
    for part in path[:-1]:
        if not isinstance(current, dict) or part not in current:
            return
        parents.append((current, part))
        current = current[part]
    if isinstance(current, dict):
        current.pop(path[-1], None)
    for parent, key in reversed(parents):  # prune maps left empty
        if parent[key] == {}:
            del parent[key]
        else:
            break


def _fields_v1(paths: Iterator[Path_] | list[Path_] | set[Path_]) -> JSON:
    tree: JSON = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return tree


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------------------------- the double


class FaultInjectionAPIServer:
    """In-memory stand-in for a Kubernetes API server, served over HTTP on 127.0.0.1, for fault injection only
    (:meth:`inject_failure`, :attr:`before_request`; see the module docstring): every other test uses the real
    control plane.

    Use as a context manager or call :meth:`start`/:meth:`stop`. ``token`` is the bearer token clients must
    send.
    """

    def __init__(self, *, token: str = "double-token", port: int = 0) -> None:
        self.token = token
        self._port = port
        self._lock = threading.RLock()
        self._types: dict[tuple[str, str, str], ResourceType] = {}  # (group, version, kind)
        self._objects: dict[Key, JSON] = {}
        self._owners: dict[Key, dict[str, dict[Path_, str]]] = {}  # manager -> path -> operation
        self._rv = itertools.count(1000)
        self.requests: list[RequestInfo] = []
        self.failures: list[InjectedFailure] = []
        #: Called before each request is served; returning an :class:`InjectedFailure` fails that request
        #: (used to simulate a client that crashes mid-operation: every request after the crash point fails).
        self.before_request: Callable[[RequestInfo], InjectedFailure | None] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for rtype in CORE_TYPES:
            self._register(rtype)
        for ns in ("default", "kube-system"):
            self.put_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving on 127.0.0.1 (a random free port unless one was given)."""
        handler = type("_Handler", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="kube-apiserver-double",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (the stored objects are kept; :meth:`start` serves them again on the same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self._port}"

    def write_kubeconfig(self, path: str | Path, *, context: str = "double") -> Path:
        """Write a kubeconfig pointing at this double (bearer-token auth) and return its path."""
        path = Path(path)
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": context, "user": {"token": self.token}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
            "current-context": context,
        }
        path.write_text(yaml.safe_dump(config))
        return path

    # ------------------------------------------------------------------ registration

    def _register(self, rtype: ResourceType) -> None:
        with self._lock:
            self._types[(rtype.group, rtype.version, rtype.kind)] = rtype

    def register_kind(
        self,
        api_version: str,
        kind: str,
        *,
        plural: str | None = None,
        namespaced: bool = True,
        status_subresource: bool = True,
    ) -> ResourceType:
        """Serve a new kind (as installing a CRD would); the plural defaults to the lower-cased kind+s."""
        group, _, version = api_version.rpartition("/")
        rtype = ResourceType(group, version, kind, plural or _plural(kind), namespaced, status_subresource)
        self._register(rtype)
        return rtype

    def register_kinds(self, kinds: list[tuple[str, str]]) -> None:
        """Register several ``(apiVersion, kind)`` pairs with default settings."""
        for api_version, kind in kinds:
            self.register_kind(api_version, kind)

    def _type_for(self, group: str, version: str, plural: str) -> ResourceType | None:
        for rtype in self._types.values():
            if rtype.group == group and rtype.version == version and rtype.plural == plural:
                return rtype
        return None

    def _type_for_kind(self, api_version: str, kind: str) -> ResourceType:
        group, _, version = api_version.rpartition("/")
        rtype = self._types.get((group, version, kind))
        if rtype is None:
            raise KeyError(f"kind {kind} in {api_version} is not registered with the double")
        return rtype

    # ------------------------------------------------------------------ reach-in API for tests

    def put_object(self, obj: JSON) -> JSON:
        """Store an object directly (no validation of resourceVersion; status kept), as a controller would."""
        with self._lock:
            rtype = self._type_for_kind(obj["apiVersion"], obj["kind"])
            body = copy.deepcopy(obj)
            meta = body.setdefault("metadata", {})
            ns = meta.get("namespace", "default") if rtype.namespaced else ""
            if rtype.namespaced:
                meta["namespace"] = ns
            key = (rtype.group, rtype.plural, ns, meta["name"])
            old = self._objects.get(key)
            self._stamp(body, old)
            self._objects[key] = body
            return copy.deepcopy(body)

    def get_object(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> JSON | None:
        """A copy of a stored object, or ``None``."""
        with self._lock:
            rtype = self._type_for_kind(api_version, kind)
            ns = (namespace or "default") if rtype.namespaced else ""
            obj = self._objects.get((rtype.group, rtype.plural, ns, name))
            return self._present(obj, rtype) if obj is not None else None

    def list_objects(
        self, api_version: str | None = None, kind: str | None = None, namespace: str | None = None
    ) -> list[JSON]:
        """Copies of stored objects, optionally filtered by kind and namespace, in a stable order."""
        with self._lock:
            result = []
            for (group, plural, ns, _name), obj in sorted(self._objects.items()):
                rtype = next(
                    (t for t in self._types.values() if t.group == group and t.plural == plural), None
                )
                if rtype is None:
                    continue
                if api_version is not None and rtype.api_version != api_version:
                    continue
                if kind is not None and rtype.kind != kind:
                    continue
                if namespace is not None and ns != namespace:
                    continue
                result.append(self._present(obj, rtype))
            return result

    def set_status(self, api_version: str, kind: str, name: str, namespace: str | None, status: JSON) -> JSON:
        """Replace an object's ``status`` (as its controller would) and bump its resourceVersion."""
        with self._lock:
            rtype, key, obj = self._find(api_version, kind, name, namespace)
            obj = copy.deepcopy(obj)
            obj["status"] = copy.deepcopy(status)
            self._stamp(obj, self._objects[key])
            self._objects[key] = obj
            return self._present(obj, rtype)

    def set_condition(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None,
        type_: str,
        status: str,
        reason: str = "",
        message: str = "",
    ) -> JSON:
        """Add or replace one ``status.conditions`` entry (as a controller would)."""
        with self._lock:
            _rtype, _key, obj = self._find(api_version, kind, name, namespace)
            current = copy.deepcopy(obj.get("status") or {})
            conditions = [c for c in current.get("conditions") or [] if c.get("type") != type_]
            condition = {"type": type_, "status": status, "lastTransitionTime": _now()}
            if reason:
                condition["reason"] = reason
            if message:
                condition["message"] = message
            conditions.append(condition)
            current["conditions"] = conditions
            return self.set_status(api_version, kind, name, namespace, current)

    def inject_failure(
        self,
        status: int = 500,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        times: int | None = 1,
        reason: str | None = None,
        message: str = "injected failure",
        disconnect: bool = False,
    ) -> InjectedFailure:
        """Make matching requests fail with ``status`` (and a Status body) or a dropped connection."""
        default_reasons = {409: "Conflict", 422: "Invalid", 429: "TooManyRequests", 503: "ServiceUnavailable"}
        failure = InjectedFailure(
            status=status,
            method=method,
            path_contains=path_contains,
            times=times,
            reason=reason or default_reasons.get(status, "InternalError"),
            message=message,
            disconnect=disconnect,
        )
        with self._lock:
            self.failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        """Remove every injected failure and the :attr:`before_request` hook."""
        with self._lock:
            self.failures.clear()
            self.before_request = None

    # ------------------------------------------------------------------ internals

    def _find(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> tuple[ResourceType, Key, JSON]:
        rtype = self._type_for_kind(api_version, kind)
        ns = (namespace or "default") if rtype.namespaced else ""
        key = (rtype.group, rtype.plural, ns, name)
        if key not in self._objects:
            raise KeyError(f"{kind} {ns}/{name} does not exist in the double")
        return rtype, key, self._objects[key]

    def _stamp(self, obj: JSON, old: JSON | None) -> None:
        meta = obj.setdefault("metadata", {})
        if old is None:
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = _now()
            meta["generation"] = 1
        else:
            old_meta = old["metadata"]
            for server_field in ("uid", "creationTimestamp", "deletionTimestamp"):
                if server_field in old_meta:
                    meta[server_field] = old_meta[server_field]
                else:
                    meta.pop(server_field, None)
            generation = int(old_meta.get("generation", 1))
            if _spec_part(obj) != _spec_part(old):
                generation += 1
            meta["generation"] = generation
        meta["resourceVersion"] = str(next(self._rv))

    @staticmethod
    def _present(obj: JSON, rtype: ResourceType) -> JSON:
        out = copy.deepcopy(obj)
        out["apiVersion"] = rtype.api_version
        out["kind"] = rtype.kind
        return out

    # ------------------------------------------------------------------ request handling

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, JSON]:
        """Serve one request; return ``(status code, JSON body)``. Raises ``_Disconnect`` to hang up."""
        split = urlsplit(raw_path)
        path = split.path.rstrip("/") or "/"
        query = parse_qs(split.query)
        info = RequestInfo(method, path, query, headers.get("content-type", ""))
        with self._lock:
            self.requests.append(info)
            failure = self.before_request(info) if self.before_request else None
            if failure is None:
                failure = next((f for f in self.failures if f.matches(method, path)), None)
                if failure is not None and failure.times is not None:
                    failure.times -= 1
            if failure is not None:
                if failure.disconnect:
                    raise _Disconnect()
                return failure.status, _status_body(failure.status, failure.reason, failure.message)
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, _status_body(401, "Unauthorized", "Unauthorized")
        try:
            with self._lock:
                return self._route(method, path, query, headers, body)
        except _Error as exc:
            return exc.code, _status_body(exc.code, exc.reason, exc.message, exc.details)

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, JSON]:
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            return 200, {
                "major": "1",
                "minor": "30",
                "gitVersion": "v1.30.0-double",
                "platform": "linux/amd64",
            }
        if path == "/api":
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self._port}"}
                ],
            }
        if path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups()}
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) == 2:
            found = [g for g in self._groups() if g["name"] == parts[1]]
            if not found:
                raise _Error(404, "NotFound", "the server could not find the requested resource")
            return 200, {"kind": "APIGroup", "apiVersion": "v1", **found[0]}
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise _Error(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return self._resource_list(group, version)
        return self._resource_request(method, group, version, rest, query, headers, body)

    def _groups(self) -> list[JSON]:
        groups: dict[str, list[str]] = {}
        for rtype in self._types.values():
            if rtype.group:
                versions = groups.setdefault(rtype.group, [])
                if rtype.version not in versions:
                    versions.append(rtype.version)
        result = []
        for name, versions in sorted(groups.items()):
            entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
            result.append({"name": name, "versions": entries, "preferredVersion": entries[0]})
        return result

    def _resource_list(self, group: str, version: str) -> tuple[int, JSON]:
        resources = []
        for rtype in self._types.values():
            if rtype.group != group or rtype.version != version:
                continue
            verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
            resources.append(
                {
                    "name": rtype.plural,
                    "singularName": rtype.kind.lower(),
                    "namespaced": rtype.namespaced,
                    "kind": rtype.kind,
                    "verbs": verbs,
                }
            )
            if rtype.status_subresource:
                resources.append(
                    {
                        "name": f"{rtype.plural}/status",
                        "singularName": "",
                        "namespaced": rtype.namespaced,
                        "kind": rtype.kind,
                        "verbs": ["get", "patch", "update"],
                    }
                )
        if not resources:
            raise _Error(404, "NotFound", "the server could not find the requested resource")
        gv = f"{group}/{version}" if group else version
        return 200, {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": resources,
        }

    def _resource_request(
        self,
        method: str,
        group: str,
        version: str,
        rest: list[str],
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, JSON]:
        namespace = ""
        namespace_subresource = not group and len(rest) >= 3 and rest[2] in ("status", "finalize")
        if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_subresource:
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            raise _Error(404, "NotFound", "the server could not find the requested resource")
        plural = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        rtype = self._type_for(group, version, plural)
        if rtype is None or (sub is not None and (sub != "status" or not rtype.status_subresource)):
            raise _Error(404, "NotFound", "the server could not find the requested resource")
        if namespace and not rtype.namespaced:
            raise _Error(404, "NotFound", "the server could not find the requested resource")
        namespace_missing = ("", "namespaces", "", namespace) not in self._objects
        if rtype.namespaced and namespace and method in ("POST", "PUT", "PATCH") and namespace_missing:
            raise _Error(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                {"name": namespace, "kind": "namespaces"},
            )
        if name is None:
            if method == "GET":
                if query.get("watch", ["false"])[0] in ("true", "1"):
                    raise _Error(405, "MethodNotAllowed", "watch is not supported by the API server double")
                return 200, self._list(rtype, namespace, query)
            if method == "POST":
                if rtype.namespaced and not namespace:
                    raise _Error(
                        405,
                        "MethodNotAllowed",
                        "the server does not allow this method on the requested resource",
                    )
                return 201, self._create(rtype, namespace, _decode(body, headers), query)
            raise _Error(
                405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
            )
        if rtype.namespaced and not namespace:
            raise _Error(404, "NotFound", "the server could not find the requested resource")
        key = (rtype.group, rtype.plural, namespace, name)
        if method == "GET":
            return 200, self._present(self._existing(rtype, key), rtype)
        if method == "PUT":
            return 200, self._update(rtype, key, _decode(body, headers), sub, query)
        if method == "PATCH":
            return self._patch(rtype, key, body, headers, sub, query)
        if method == "DELETE" and sub is None:
            return 200, self._delete(rtype, key)
        raise _Error(
            405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
        )

    def _existing(self, rtype: ResourceType, key: Key) -> JSON:
        obj = self._objects.get(key)
        if obj is None:
            raise self._not_found(rtype, key)
        return obj

    def _list(self, rtype: ResourceType, namespace: str, query: dict[str, list[str]]) -> JSON:
        try:
            requirements = parse_label_selector(query.get("labelSelector", [""])[0])
        except ValueError as exc:
            raise _Error(400, "BadRequest", f"unable to parse requirement: {exc}") from None
        fields: dict[str, str] = {}
        for part in _split_top_level(query.get("fieldSelector", [""])[0]):
            k, _, v = part.partition("=")
            fields[k.strip()] = v.lstrip("=").strip()
        items = []
        for (group, plural, ns, name), obj in sorted(self._objects.items()):
            if group != rtype.group or plural != rtype.plural or (namespace and ns != namespace):
                continue
            if not _labels_match(obj["metadata"].get("labels") or {}, requirements):
                continue
            if "metadata.name" in fields and name != fields["metadata.name"]:
                continue
            if "metadata.namespace" in fields and ns != fields["metadata.namespace"]:
                continue
            items.append(self._present(obj, rtype))
        if not rtype.group:  # like a real server, built-in list items carry no apiVersion/kind
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {
            "kind": f"{rtype.kind}List",
            "apiVersion": rtype.api_version,
            "metadata": {"resourceVersion": str(next(self._rv))},
            "items": items,
        }

    def _validate(self, rtype: ResourceType, obj: Any, namespace: str, name: str | None) -> JSON:
        if not isinstance(obj, dict):
            raise _Error(400, "BadRequest", "the body of the request was not a JSON object")
        if obj.get("kind") not in (None, rtype.kind) or obj.get("apiVersion") not in (
            None,
            rtype.api_version,
        ):
            raise _Error(
                400,
                "BadRequest",
                f"the API version in the data ({obj.get('apiVersion')}) does not match "
                f"the expected API version ({rtype.api_version})",
            )
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise _Error(400, "BadRequest", "metadata must be an object")
        if name is not None and meta.get("name") not in (None, name):
            raise _Error(400, "BadRequest", "the name of the object does not match the name on the URL")
        if name is not None:
            meta["name"] = name
        obj_name = meta.get("name")
        if not obj_name:
            raise _Error(
                422,
                "Invalid",
                f'{rtype.kind} "" is invalid: metadata.name: Required value: name or '
                "generateName is required",
                {
                    "kind": rtype.kind,
                    "causes": [
                        {
                            "reason": "FieldValueRequired",
                            "field": "metadata.name",
                            "message": "Required value",
                        }
                    ],
                },
            )
        if not _NAME_RE.match(str(obj_name)):
            raise _Error(
                422,
                "Invalid",
                f'{rtype.kind} "{obj_name}" is invalid: metadata.name: Invalid value: '
                f'"{obj_name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
                "characters, '-' or '.'",
                {"name": obj_name, "kind": rtype.kind},
            )
        if rtype.namespaced:
            if meta.get("namespace") not in (None, namespace):
                raise _Error(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        if rtype.kind == "Secret" and isinstance(obj.get("stringData"), dict):
            data = obj.setdefault("data", {}) or {}
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
        meta.pop("managedFields", None)
        return obj

    def _track(self, key: Key, manager: str, operation: str, paths: set[Path_]) -> None:
        owners = self._owners.setdefault(key, {})
        for other, owned in owners.items():
            if other != manager:
                for p in paths:
                    owned.pop(p, None)
        mine = owners.setdefault(manager, {})
        if operation == "Apply":
            mine.clear()
        for p in paths:
            mine[p] = operation

    def _write_managed_fields(self, key: Key, obj: JSON) -> None:
        owners = self._owners.get(key, {})
        entries = []
        for manager, owned in sorted(owners.items()):
            if not owned:
                continue
            operation = "Apply" if "Apply" in owned.values() else "Update"
            entries.append(
                {
                    "manager": manager,
                    "operation": operation,
                    "apiVersion": obj["apiVersion"],
                    "time": _now(),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": _fields_v1(set(owned)),
                }
            )
        if entries:
            obj["metadata"]["managedFields"] = entries
        else:
            obj["metadata"].pop("managedFields", None)

    def _store(self, rtype: ResourceType, key: Key, obj: JSON, old: JSON | None) -> JSON:
        if old is not None and _comparable(obj) == _comparable(old):
            return self._present(old, rtype)  # a no-op write keeps the resourceVersion, as on a real server
        self._stamp(obj, old)
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._objects.pop(key, None)
            self._owners.pop(key, None)
            return self._present(obj, rtype)
        self._write_managed_fields(key, obj)
        self._objects[key] = obj
        return self._present(obj, rtype)

    def _check_rv(self, obj: JSON, old: JSON, rtype: ResourceType) -> None:
        rv = obj.get("metadata", {}).get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise _Error(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {rtype.plural} "{old["metadata"]["name"]}": '
                "the object has been modified; please apply your changes to the latest version and try again",
                {"name": old["metadata"]["name"], "group": rtype.group, "kind": rtype.plural},
            )

    def _create(self, rtype: ResourceType, namespace: str, obj: Any, query: dict[str, list[str]]) -> JSON:
        obj = self._validate(rtype, obj, namespace, None)
        key = (rtype.group, rtype.plural, namespace, obj["metadata"]["name"])
        if key in self._objects:
            raise _Error(
                409,
                "AlreadyExists",
                f'{rtype.plural} "{key[3]}" already exists',
                {"name": key[3], "group": rtype.group, "kind": rtype.plural},
            )
        for server_field in (
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
        ):
            obj["metadata"].pop(server_field, None)
        if rtype.status_subresource:
            obj.pop("status", None)
        if rtype.kind == "Namespace":
            obj["status"] = {"phase": "Active"}
        manager = query.get("fieldManager", ["unknown"])[0]
        self._track(key, manager, "Update", set(_managed_paths(obj)))
        return self._store(rtype, key, obj, None)

    def _update(
        self, rtype: ResourceType, key: Key, obj: Any, sub: str | None, query: dict[str, list[str]]
    ) -> JSON:
        old = self._existing(rtype, key)
        obj = self._validate(rtype, obj, key[2], key[3])
        self._check_rv(obj, old, rtype)
        if sub == "status":
            new = copy.deepcopy(old)
            new["status"] = obj.get("status")
            if new["status"] is None:
                new.pop("status")
        else:
            new = obj
            if rtype.status_subresource:
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                else:
                    new.pop("status", None)
            old_paths, new_paths = _managed_paths(old), _managed_paths(new)
            changed = {p for p, v in new_paths.items() if old_paths.get(p, object()) != v}
            self._track(key, query.get("fieldManager", ["unknown"])[0], "Update", changed)
        return self._store(rtype, key, new, old)

    def _patch(
        self,
        rtype: ResourceType,
        key: Key,
        body: bytes,
        headers: dict[str, str],
        sub: str | None,
        query: dict[str, list[str]],
    ) -> tuple[int, JSON]:
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if content_type == "application/apply-patch+yaml":
            return self._apply(rtype, key, body, sub, query)
        old = self._existing(rtype, key)
        try:
            patch = json.loads(body or b"null")
        except ValueError:
            raise _Error(400, "BadRequest", "the body of the request was not valid JSON") from None
        if content_type == "application/json-patch+json":
            if not isinstance(patch, list):
                raise _Error(400, "BadRequest", "a JSON patch must be a list of operations")
            new = _json_patch(old, patch)
        elif content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            if not isinstance(patch, dict):
                raise _Error(400, "BadRequest", "a merge patch must be a JSON object")
            new = _merge_patch(old, patch)
            new_rv = (patch.get("metadata") or {}).get("resourceVersion")
            if new_rv:
                self._check_rv({"metadata": {"resourceVersion": new_rv}}, old, rtype)
        else:
            raise _Error(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - "
                f"accepted media types include: application/json-patch+json, application/merge-patch+json, "
                f"application/apply-patch+yaml, application/strategic-merge-patch+json ({content_type})",
            )
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return 200, self._update(rtype, key, new, sub, query)

    def _apply(
        self, rtype: ResourceType, key: Key, body: bytes, sub: str | None, query: dict[str, list[str]]
    ) -> tuple[int, JSON]:
        manager = query.get("fieldManager", [""])[0]
        if not manager:
            raise _Error(
                422, "Invalid", "PATCH, application/apply-patch+yaml requests require a fieldManager"
            )
        force = query.get("force", ["false"])[0] in ("true", "1")
        try:
            config = yaml.safe_load(body.decode("utf-8") if body else "")
        except (yaml.YAMLError, UnicodeDecodeError):
            raise _Error(400, "BadRequest", "error decoding YAML") from None
        if not isinstance(config, dict) or not config.get("apiVersion") or not config.get("kind"):
            raise _Error(400, "BadRequest", "apply patch must be an object with apiVersion and kind")
        config = self._validate(rtype, config, key[2], key[3])
        old = self._objects.get(key)
        if sub == "status":
            if old is None:
                raise self._not_found(rtype, key)
            new = copy.deepcopy(old)
            new["status"] = _merge_patch(old.get("status") or {}, config.get("status") or {})
            return 200, self._store(rtype, key, new, old)
        if rtype.status_subresource:
            config.pop("status", None)
        applied = _managed_paths(config)
        if old is None:
            for server_field in (
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "deletionTimestamp",
                "generation",
            ):
                config["metadata"].pop(server_field, None)
            if rtype.kind == "Namespace":
                config["status"] = {"phase": "Active"}
            self._track(key, manager, "Apply", set(applied))
            return 201, self._store(rtype, key, config, None)
        self._check_rv(config, old, rtype)
        owners = self._owners.setdefault(key, {})
        conflicts = []
        for path, value in applied.items():
            for other, owned in owners.items():
                if other != manager and path in owned and _get_path(old, path) != value:
                    conflicts.append((other, path))
        if conflicts and not force:
            causes = [
                {
                    "reason": "FieldManagerConflict",
                    "message": f'conflict with "{m}"',
                    "field": "." + ".".join(p),
                }
                for m, p in conflicts
            ]
            lines = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
            raise _Error(
                409,
                "Conflict",
                f"Apply failed with {len(conflicts)} conflict(s): {lines}",
                {"causes": causes},
            )
        new = copy.deepcopy(old)
        previously = set((owners.get(manager) or {}).keys())
        others = {p for m, owned in owners.items() if m != manager for p in owned}
        for path in previously - set(applied) - others:
            _remove_path(new, path)
        for path, value in applied.items():
            _set_path(new, path, copy.deepcopy(value))
        self._track(key, manager, "Apply", set(applied))
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return 200, self._store(rtype, key, new, old)

    def _not_found(self, rtype: ResourceType, key: Key) -> _Error:
        resource = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
        return _Error(
            404,
            "NotFound",
            f'{resource} "{key[3]}" not found',
            {"name": key[3], "group": rtype.group, "kind": rtype.plural},
        )

    def _delete(self, rtype: ResourceType, key: Key) -> JSON:
        obj = self._existing(rtype, key)
        if rtype.kind == "Namespace":
            for other in [k for k in self._objects if k[2] == key[3] and k != key]:
                del self._objects[other]
                self._owners.pop(other, None)
        if obj["metadata"].get("finalizers"):
            if not obj["metadata"].get("deletionTimestamp"):
                new = copy.deepcopy(obj)
                self._stamp(new, obj)
                new["metadata"]["deletionTimestamp"] = _now()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                self._objects[key] = new
                return self._present(new, rtype)
            return self._present(obj, rtype)
        del self._objects[key]
        self._owners.pop(key, None)
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {
                "name": key[3],
                "group": rtype.group,
                "kind": rtype.plural,
                "uid": obj["metadata"]["uid"],
            },
        }


def _set_path(obj: JSON, path: Path_, value: Any) -> None:
    current = obj
    for part in path[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            current[part] = nxt
        current = nxt
    current[path[-1]] = value


def _comparable(obj: JSON) -> JSON:
    out = copy.deepcopy(obj)
    out.pop("apiVersion", None)
    out.pop("kind", None)
    for server_field in ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"):
        out.get("metadata", {}).pop(server_field, None)
    return out


def _spec_part(obj: JSON) -> JSON:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    return lower + "s"


def _decode(body: bytes, headers: dict[str, str]) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        content_type = headers.get("content-type", "")
        if "yaml" in content_type:
            return yaml.safe_load(body.decode("utf-8", "replace"))
        raise _Error(400, "BadRequest", "the body of the request was not valid JSON") from None


def _status_body(code: int, reason: str, message: str, details: JSON | None = None) -> JSON:
    body: JSON = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class _Handler(BaseHTTPRequestHandler):
    double: FaultInjectionAPIServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            code, payload = self.double.handle(self.command, self.path, headers, body)
        except _Disconnect:
            self.close_connection = True
            return
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def __getattr__(name: str) -> Any:
    """``KubeAPIServerDouble``, the former name: deprecated (the name now says what it is for). Kept because
    the provider guide offered it to third-party providers' tests."""
    if name == "KubeAPIServerDouble":
        import warnings

        warnings.warn("eksa_core.testing.apiserver_double.KubeAPIServerDouble is deprecated: use "
                      "FaultInjectionAPIServer (only for fault injection; everything else runs on the real control "
                      "plane fixtures)", DeprecationWarning, stacklevel=2)
        return FaultInjectionAPIServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
