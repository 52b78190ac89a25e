"""``PrismCentralDouble``: a local HTTP(S) server speaking Prism Central's v3 wire format.

Real Prism Central cannot run here, so tests and the ``validate-datacenter`` conformance cases run a real Prism
client (the Nutanix provider's ``PrismClient``, a third-party provider's own) against this double on 127.0.0.1.
It implements what the client uses:
``POST /api/nutanix/v3/{clusters,subnets,images,projects,hosts}/list`` (``offset``/``length`` pagination,
``total_matches``, FIQL ``field==value`` filters joined by ``;``), ``GET /<kind>s/<uuid>`` (404 with a v3 error body
when unknown), ``GET /users/me`` and ``GET /categories/<key>/<value>``, behind HTTP basic authentication
(401 on bad credentials). Every request is recorded in :attr:`PrismCentralDouble.requests`.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

__all__ = ["PrismCentralDouble"]

_KINDS = ("cluster", "subnet", "image", "project", "host")
_PREFIX = "/api/nutanix/v3"


class PrismCentralDouble:
    """An in-process Prism Central v3 stand-in. Use as a context manager or call :meth:`start` / :meth:`stop`.

    Seed it with :meth:`add_cluster`, :meth:`add_subnet`, :meth:`add_image`, :meth:`add_project`,
    :meth:`add_category`, or from a conformance case's ``mocked_prism_central`` params with :meth:`from_params`.
    """

    def __init__(self, *, username: str = "admin", password: str = "password", logged_in_user_ok: bool = True,
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        self.username = username
        self.password = password
        self.logged_in_user_ok = logged_in_user_ok
        self.entities: dict[str, list[dict[str, Any]]] = {k: [] for k in _KINDS}
        self.categories: dict[str, set[str]] = {}
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self._certfile = certfile
        self._keyfile = keyfile
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- seeding ------------------------------------------------------------------------------------------

    def _add(self, kind: str, name: str, uuid: str | None, resources: dict[str, Any] | None = None,
             extra_spec: dict[str, Any] | None = None) -> str:
        uid = uuid or str(uuidlib.uuid4())
        spec = {"name": name, **(extra_spec or {})}
        status = {"name": name, "state": "COMPLETE", "resources": resources or {}, **(extra_spec or {})}
        entity = {"api_version": "3.1", "metadata": {"kind": kind, "uuid": uid}, "spec": spec, "status": status}
        self.entities[kind].append(entity)
        return uid

    def add_cluster(self, name: str, uuid: str | None = None, *, prism_central: bool = False) -> str:
        """Add a Prism Element cluster (or, with ``prism_central``, the Prism Central pseudo-cluster)."""
        services = ["PRISM_CENTRAL"] if prism_central else ["AOS"]
        return self._add("cluster", name, uuid, {"config": {"service_list": services}})

    def add_subnet(self, name: str, uuid: str | None = None, *, cluster: str | None = None,
                   subnet_type: str = "VLAN") -> str:
        """Add a subnet; ``cluster`` is the name or UUID of its Prism Element cluster."""
        extra: dict[str, Any] = {}
        if cluster is not None:
            ref = self._cluster_ref(cluster)
            extra["cluster_reference"] = ref
        return self._add("subnet", name, uuid, {"subnet_type": subnet_type}, extra)

    def add_image(self, name: str, uuid: str | None = None) -> str:
        """Add a disk image."""
        return self._add("image", name, uuid, {"image_type": "DISK_IMAGE"})

    def add_project(self, name: str, uuid: str | None = None) -> str:
        """Add a project."""
        return self._add("project", name, uuid)

    def add_category(self, key: str, *values: str) -> None:
        """Add a category key and its values."""
        self.categories.setdefault(key, set()).update(values)

    def _cluster_ref(self, cluster: str) -> dict[str, Any]:
        for entity in self.entities["cluster"]:
            if cluster in (entity["metadata"]["uuid"], entity["spec"]["name"]):
                return {"kind": "cluster", "uuid": entity["metadata"]["uuid"], "name": entity["spec"]["name"]}
        return {"kind": "cluster", "uuid": cluster}

    @classmethod
    def from_params(cls, params: dict[str, Any], **kwargs: Any) -> PrismCentralDouble:
        """Build a double from a conformance case's ``mocked_prism_central`` mapping (``prism_clusters``,
        ``prism_subnets``, ``get_cluster_ok_uuid``, ``get_subnet_ok_uuid``, ``logged_in_user``)."""
        double = cls(logged_in_user_ok=str(params.get("logged_in_user", "ok")) == "ok", **kwargs)
        for cluster in params.get("prism_clusters") or []:
            double.add_cluster(str(cluster["name"]), str(cluster["uuid"]))
        for subnet in params.get("prism_subnets") or []:
            double.add_subnet(str(subnet["name"]), str(subnet["uuid"]), cluster=subnet.get("cluster"))
        for image in params.get("prism_images") or []:
            double.add_image(str(image["name"]), str(image["uuid"]))
        for project in params.get("prism_projects") or []:
            double.add_project(str(project["name"]), str(project["uuid"]))
        for kind in ("cluster", "subnet", "image", "project"):
            ok = params.get(f"get_{kind}_ok_uuid")
            if ok and not any(e["metadata"]["uuid"] == ok for e in double.entities[kind]):
                double._add(kind, f"{kind}-{ok[:8]}", str(ok))
        return double

    # -- server -------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL (``http(s)://127.0.0.1:<port>``) to hand to a Prism client."""
        if self._server is None:
            raise RuntimeError("PrismCentralDouble is not started")
        scheme = "https" if self._certfile else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        if self._server is None:
            raise RuntimeError("PrismCentralDouble is not started")
        return int(self._server.server_address[1])

    def start(self) -> PrismCentralDouble:
        """Listen on 127.0.0.1 (random port) in a background thread."""
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        if self._certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self._certfile, self._keyfile)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="prism-central-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> PrismCentralDouble:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- behaviour ----------------------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.username and password == self.password

    def handle(self, method: str, path: str, body: dict[str, Any] | None,
               auth: str | None) -> tuple[int, dict[str, Any]]:
        """Answer one request: (status, JSON body)."""
        with self._lock:
            self.requests.append((method, path, body))
        if not self._authorized(auth):
            return 401, _error(401, "AUTHENTICATION_REQUIRED", "Authentication required.")
        if not path.startswith(_PREFIX + "/"):
            return 404, _error(404, "NOT_FOUND", f"no route for {path}")
        parts = [unquote(p) for p in path[len(_PREFIX) + 1:].split("/") if p]
        if parts == ["users", "me"] and method == "GET":
            if not self.logged_in_user_ok:
                return 401, _error(401, "AUTHENTICATION_REQUIRED", "Authentication required.")
            return 200, {"api_version": "3.1", "metadata": {"kind": "user", "uuid": "00000000-0000-0000-0000-"
                                                                                      "000000000001"},
                         "spec": {}, "status": {"name": self.username, "state": "COMPLETE",
                                                "resources": {"display_name": self.username}}}
        if parts and parts[0] == "categories" and method == "GET" and len(parts) in (2, 3):
            key = parts[1]
            if key not in self.categories or (len(parts) == 3 and parts[2] not in self.categories[key]):
                return 404, _error(404, "ENTITY_NOT_FOUND", "CATEGORY_NAME_VALUE_MISMATCH")
            data: dict[str, Any] = {"name": key, "api_version": "3.1"}
            if len(parts) == 3:
                data["value"] = parts[2]
            return 200, data
        kind = parts[0][:-1] if parts and parts[0].endswith("s") else ""
        if kind not in _KINDS:
            return 404, _error(404, "NOT_FOUND", f"no route for {path}")
        if len(parts) == 2 and parts[1] == "list" and method == "POST":
            return 200, self._list(kind, body or {})
        if len(parts) == 2 and method == "GET":
            for entity in self.entities[kind]:
                if entity["metadata"]["uuid"] == parts[1]:
                    return 200, entity
            return 404, _error(404, "ENTITY_NOT_FOUND", f"{kind} : {parts[1]} does not exist.")
        return 405, _error(405, "METHOD_NOT_ALLOWED", f"{method} {path}")

    def _list(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        matches = [e for e in self.entities[kind] if _matches(e, body.get("filter"))]
        offset = int(body.get("offset") or 0)
        length = int(body.get("length") or 20)
        page = matches[offset: offset + length]
        return {"api_version": "3.1",
                "metadata": {"kind": kind, "total_matches": len(matches), "offset": offset, "length": len(page)},
                "entities": page}


def _matches(entity: dict[str, Any], fiql: str | None) -> bool:
    if not fiql:
        return True
    for clause in str(fiql).split(";"):
        field, sep, value = clause.partition("==")
        if not sep:
            continue
        field = field.strip()
        if field == "name":
            actual = entity["spec"].get("name")
        elif field == "cluster_uuid":
            actual = (entity["spec"].get("cluster_reference") or {}).get("uuid")
        else:
            actual = entity["spec"].get(field)
        if actual != value:
            return False
    return True


def _error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"api_version": "3.1", "code": code, "state": "ERROR",
            "message_list": [{"reason": reason, "message": message}]}


def _make_handler(double: PrismCentralDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: dict[str, Any] | None = None
            if raw:
                try:
                    parsed = json.loads(raw)
                    body = parsed if isinstance(parsed, dict) else None
                except ValueError:
                    self._send(400, _error(400, "INVALID_REQUEST", "body is not JSON"))
                    return
            status, data = double.handle(method, self.path.split("?")[0], body, self.headers.get("Authorization"))
            self._send(status, data)

        def _send(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Intent Gateway Login Required"')
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    return Handler
