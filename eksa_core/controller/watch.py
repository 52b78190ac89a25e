"""List-then-watch of one kind, resuming from the last resourceVersion seen and relisting on ``410 Gone``.

:class:`Informer` runs in a thread: it lists the kind (every namespace), hands each object to ``on_event`` as
``("LIST", obj)``, then watches from the list's resourceVersion (``allowWatchBookmarks``), handing over
``ADDED`` / ``MODIFIED`` / ``DELETED`` events. A watch that ends (the server's timeout, a dropped connection) is
started again from the last resourceVersion it delivered; a ``410 Gone`` (that resourceVersion is too old, as an
``ERROR`` event or as the HTTP status) makes it list again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..kube import KubeClient, KubeError

__all__ = ["Informer", "WatchStats"]

log = logging.getLogger("eksa.controller.watch")

Event = tuple[str, dict[str, Any]]


class WatchStats:
    """Counters of one informer (lists, watches started, relists after 410 Gone, events)."""

    def __init__(self) -> None:
        self.lists = 0
        self.watches = 0
        self.gone = 0
        self.events = 0


class _Gone(Exception):
    pass


class Informer:
    """Watches ``api_version``/``kind`` through ``kube`` until :meth:`stop`.

    :param on_event: called with ``(type, object)`` for every listed object and watch event (from this
        informer's thread). :param watch_timeout: seconds the server keeps one watch open.
    """

    def __init__(
        self,
        kube: KubeClient,
        api_version: str,
        kind: str,
        on_event: Callable[[str, dict[str, Any]], None],
        *,
        watch_timeout: int = 300,
        retry_delay: float = 1.0,
    ) -> None:
        self.kube = kube
        self.api_version = api_version
        self.kind = kind
        self.on_event = on_event
        self.watch_timeout = watch_timeout
        self.retry_delay = retry_delay
        self.resource_version: str | None = None
        self.stats = WatchStats()
        self.synced = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._response: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.kind}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        response = self._response
        sock = getattr(getattr(response, "_connection", None), "sock", None)
        if sock is not None:
            # shut the socket down under TLS (closing it would race the reading thread inside OpenSSL): the
            # blocked read returns and the thread sees the stop flag
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- loop -----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.resource_version is None:
                    self._list()
                self._watch()
            except _Gone:
                self.stats.gone += 1
                log.info("watch of %s: resourceVersion %s is gone, listing again", self.kind, self.resource_version)
                self.resource_version = None
            except Exception as exc:  # a dropped connection or a failing server: resume after a pause
                if self._stop.is_set():
                    return
                log.warning(
                    "watch of %s failed (%s): resuming from resourceVersion %s",
                    self.kind,
                    type(exc).__name__,
                    self.resource_version,
                )
                self._stop.wait(self.retry_delay)

    def _path(self) -> str:
        info = self.kube.resource(self.api_version, self.kind)
        return info.path(None, None)

    def _list(self) -> None:
        body = self.kube._request("GET", self._path(), verb="list")
        self.stats.lists += 1
        for item in body.get("items") or []:
            item.setdefault("apiVersion", self.api_version)
            item.setdefault("kind", self.kind)
            self.on_event("LIST", item)
        self.resource_version = str((body.get("metadata") or {}).get("resourceVersion") or "") or None
        self.synced.set()

    def _watch(self) -> None:
        api = self.kube.api_client
        query = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", str(self.watch_timeout))]
        if self.resource_version:
            query.append(("resourceVersion", self.resource_version))
        request = api.param_serialize(
            "GET",
            self._path(),
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        rest = api.call_api(*request, _request_timeout=(10, self.watch_timeout + 30))
        response = rest.response
        self.stats.watches += 1
        if int(response.status) == 410:
            response.release_conn()
            raise _Gone()
        if int(response.status) >= 300:
            data = response.read()
            response.release_conn()
            raise KubeError(f"watch {self.kind}: HTTP {response.status}: {data[:200]!r}")
        self._response = response
        try:
            buffer = b""
            for chunk in response.stream(65536, decode_content=True):
                if self._stop.is_set():
                    return
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        self._event(json.loads(line))
        finally:
            self._response = None
            response.release_conn()

    def _event(self, event: Mapping[str, Any]) -> None:
        kind = str(event.get("type"))
        obj = event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise _Gone()
            raise KubeError(f"watch {self.kind}: {obj.get('message')}")
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if version:
            self.resource_version = str(version)
        if kind == "BOOKMARK":
            return
        self.stats.events += 1
        obj.setdefault("apiVersion", self.api_version)
        obj.setdefault("kind", self.kind)
        self.on_event(kind, obj)
