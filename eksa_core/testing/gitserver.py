"""A real git server on 127.0.0.1 for tests: git's own ``git http-backend`` (smart HTTP) behind a small
threaded HTTP server, serving the bare repositories under a folder, optionally behind HTTP basic auth.

``GitHttpServer(root, auth=("user", "token"))`` serves ``root/<name>.git`` at ``http://127.0.0.1:<port>/<name>.git``;
:meth:`GitHttpServer.create_repository` makes an empty bare repository that accepts pushes. Every request is recorded
(method, path, whether it was authorised) so tests can check what the client did. Not for production use.
"""

from __future__ import annotations

import base64
import hmac
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

__all__ = ["GitHttpServer", "GitRequest", "git_available"]


def git_available() -> bool:
    """Whether ``git`` and its ``http-backend`` are installed."""
    if shutil.which("git") is None:
        return False
    proc = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=False)
    return proc.returncode == 0 and (Path(proc.stdout.strip()) / "git-http-backend").exists()


@attrs.frozen
class GitRequest:
    """One request the server received."""

    method: str
    path: str
    query: str
    authorised: bool
    status: int


class GitHttpServer:
    """``git http-backend`` over HTTP on 127.0.0.1 (random free port)."""

    def __init__(self, root: Path, *, auth: tuple[str, str] | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.auth = auth
        self.requests: list[GitRequest] = []
        self._lock = threading.Lock()
        exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=True).stdout.strip()
        self._backend = str(Path(exec_path) / "git-http-backend")
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- repositories -------------------------------------------------------------------------------------

    def create_repository(self, name: str, *, initial_branch: str = "main") -> Path:
        """An empty bare repository ``root/<name>.git`` that accepts pushes over HTTP."""
        path = self.root / f"{name}.git"
        subprocess.run(["git", "init", "--quiet", "--bare", f"--initial-branch={initial_branch}", str(path)],
                       check=True, env=_git_env())
        subprocess.run(["git", "--git-dir", str(path), "config", "http.receivepack", "true"], check=True,
                       env=_git_env())
        return path

    def url(self, name: str) -> str:
        """``http://127.0.0.1:<port>/<name>.git``."""
        return f"http://127.0.0.1:{self.port}/{name}.git"

    # -- lifecycle ----------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port (once started)."""
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    def start(self) -> GitHttpServer:
        """Serve on 127.0.0.1."""
        handler = type("_GitHandler", (_GitHandler,), {"server_state": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="git-http-backend", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, request: GitRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _authorised(self, header: str | None) -> bool:
        if self.auth is None:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.auth[0]) and hmac.compare_digest(password, self.auth[1])


def _git_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "HOME": os.environ.get("HOME", "/")}


class _GitHandler(BaseHTTPRequestHandler):
    server_state: GitHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        body = self._body() if self.command == "POST" else b""
        authorised = state._authorised(self.headers.get("Authorization"))
        if not authorised:
            state._record(GitRequest(self.command, parts.path, parts.query, False, 401))
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        env = {**_git_env(), "GIT_PROJECT_ROOT": str(state.root), "GIT_HTTP_EXPORT_ALL": "1",
               "PATH_INFO": parts.path, "QUERY_STRING": parts.query, "REQUEST_METHOD": self.command,
               "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
               "REMOTE_ADDR": self.client_address[0], "SERVER_PROTOCOL": "HTTP/1.1"}
        if state.auth is not None:
            env["REMOTE_USER"] = state.auth[0]
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.run([state._backend], input=body, env=env, capture_output=True, check=False)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name.strip(), value.strip()))
        if proc.returncode != 0 and not head:
            status, payload, headers = 500, proc.stderr, [("Content-Type", "text/plain")]
        state._record(GitRequest(self.command, parts.path, parts.query, True, status))
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve
