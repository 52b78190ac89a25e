"""A GitHub REST API double on 127.0.0.1 for the github provider's tests.

It checks the wire format of every request (bearer token, media type, API version header, JSON bodies with the
right types) and answers the way GitHub does: ``{"message": ...}`` errors (401 bad credentials, 404, 422 with an
``errors`` list, 403 rate limit), ``X-OAuth-Scopes`` on ``/user``, and ``Link`` pagination of deploy keys, with a
page size capped at :attr:`GitHubDouble.page_cap` so that a few keys already span several pages. Creating a
repository creates a real bare repository in a :class:`~eksa_core.testing.gitserver.GitHttpServer`, so the git
pushes that follow go to a real server.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from eksa_core.testing.gitserver import GitHttpServer


class GitHubDouble:
    """The parts of GitHub's API the github provider uses."""

    def __init__(self, token: str, git_server: GitHttpServer, *, login: str = "octo",
                 scopes: str = "repo, read:org", orgs: tuple[str, ...] = ("acme",)) -> None:
        self.token = token
        self.git_server = git_server
        self.login = login
        self.scopes = scopes
        self.orgs = set(orgs)
        self.repos: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.problems: list[str] = []
        self.page_cap = 3
        self.rate_limited = False
        self._next_id = 100
        self._lock = threading.Lock()
        handler = type("_H", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GitHubDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def add_repository(self, owner: str, name: str) -> None:
        """A repository that exists already (empty, served by the git server)."""
        self.git_server.create_repository(f"{owner}/{name}")
        self.repos[f"{owner}/{name}"] = {"name": name, "full_name": f"{owner}/{name}", "private": True,
                                         "owner": {"login": owner}}
        self.keys[f"{owner}/{name}"] = []

    def add_key(self, full_name: str, title: str, key: str) -> int:
        """A deploy key that exists already; returns its id."""
        with self._lock:
            self._next_id += 1
            self.keys[full_name].append({"id": self._next_id, "title": title, "key": key, "read_only": True})
            return self._next_id


class _Handler(BaseHTTPRequestHandler):
    double: GitHubDouble
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        d = self.double
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                d.problems.append(f"{self.command} {parts.path}: body is not JSON")
                return self._reply(400, {"message": "Problems parsing JSON"})
        d.requests.append((self.command, self.path, body))
        if self.headers.get("Authorization") != f"Bearer {d.token}":
            return self._reply(401, {"message": "Bad credentials",
                                     "documentation_url": "https://docs.github.com/rest"})
        if self.headers.get("Accept") != "application/vnd.github+json":
            d.problems.append(f"{self.command} {parts.path}: Accept is {self.headers.get('Accept')!r}")
        if self.headers.get("X-GitHub-Api-Version") != "2022-11-28":
            d.problems.append(f"{self.command} {parts.path}: no X-GitHub-Api-Version")
        if d.rate_limited:
            return self._reply(403, {"message": "API rate limit exceeded for user ID 1."},
                               {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000000"})
        path, query = parts.path, parse_qs(parts.query)
        if self.command == "GET" and path == "/user":
            return self._reply(200, {"login": d.login, "id": 1}, {"X-OAuth-Scopes": d.scopes})
        m = re.fullmatch(r"/orgs/([^/]+)", path)
        if self.command == "GET" and m:
            if m.group(1) in d.orgs:
                return self._reply(200, {"login": m.group(1)})
            return self._reply(404, {"message": "Not Found"})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)", path)
        if self.command == "GET" and m:
            repo = d.repos.get(f"{m.group(1)}/{m.group(2)}")
            return self._reply(200, repo) if repo else self._reply(404, {"message": "Not Found"})
        m = re.fullmatch(r"/user/repos|/orgs/([^/]+)/repos", path)
        if self.command == "POST" and m:
            owner = m.group(1) or d.login
            if m.group(1) and owner not in d.orgs:
                return self._reply(404, {"message": "Not Found"})
            if not isinstance(body, dict) or not isinstance(body.get("name"), str) \
                    or not isinstance(body.get("private", False), bool):
                d.problems.append(f"POST {path}: bad body {body!r}")
                return self._reply(422, {"message": "Invalid request."})
            full = f"{owner}/{body['name']}"
            if full in d.repos:
                return self._reply(422, {"message": "Repository creation failed.", "errors": [
                    {"resource": "Repository", "code": "custom", "field": "name",
                     "message": "name already exists on this account"}]})
            d.add_repository(owner, body["name"])
            d.repos[full]["private"] = body.get("private", False)
            d.repos[full]["description"] = body.get("description")
            return self._reply(201, d.repos[full])
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/keys", path)
        if m and f"{m.group(1)}/{m.group(2)}" not in d.repos:
            return self._reply(404, {"message": "Not Found"})
        if self.command == "GET" and m:
            keys = d.keys[f"{m.group(1)}/{m.group(2)}"]
            size = min(int(query.get("per_page", ["30"])[0]), d.page_cap)
            page = int(query.get("page", ["1"])[0])
            chunk = keys[(page - 1) * size: page * size]
            headers = {}
            if page * size < len(keys):
                headers["Link"] = (f'<{d.url}{path}?per_page={query.get("per_page", ["30"])[0]}&page={page + 1}>; '
                                   f'rel="next", <{d.url}{path}?page=1>; rel="first"')
            return self._reply(200, chunk, headers)
        if self.command == "POST" and m:
            full = f"{m.group(1)}/{m.group(2)}"
            if not isinstance(body, dict) or not isinstance(body.get("key"), str) \
                    or not isinstance(body.get("title"), str) or not isinstance(body.get("read_only"), bool):
                d.problems.append(f"POST {path}: bad body {body!r}")
                return self._reply(422, {"message": "Invalid request."})
            if any(k["key"] == body["key"] for k in d.keys[full]):
                return self._reply(422, {"message": "Validation Failed", "errors": [
                    {"resource": "PublicKey", "code": "custom", "field": "key", "message": "key is already in use"}]})
            new_id = d.add_key(full, body["title"], body["key"])
            d.keys[full][-1]["read_only"] = body["read_only"]
            return self._reply(201, d.keys[full][-1] | {"id": new_id})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/keys/(\d+)", path)
        if self.command == "DELETE" and m:
            full = f"{m.group(1)}/{m.group(2)}"
            before = len(d.keys.get(full, []))
            d.keys[full] = [k for k in d.keys.get(full, []) if k["id"] != int(m.group(3))]
            return self._reply(204) if len(d.keys[full]) < before else self._reply(404, {"message": "Not Found"})
        d.problems.append(f"unexpected {self.command} {self.path}")
        return self._reply(404, {"message": "Not Found"})

    do_GET = _handle
    do_POST = _handle
    do_DELETE = _handle
