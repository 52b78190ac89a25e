"""``CloudStackAPIDouble``: a test double of CloudStack's HTTP API (a real CloudStack cannot run here).

It serves ``GET /client/api?command=...&response=json&apiKey=...&signature=...`` on 127.0.0.1 in CloudStack's wire
format: every request's signature is checked the way CloudStack's API server checks it (the parameters other than
``signature`` sorted by name, values URL-encoded as Java's ``URLEncoder`` with ``%20`` for spaces, lower-cased,
HMAC-SHA1 with the user's secret key, base64); a bad key or signature gets HTTP 401 with ``errorcode`` 401, an
unknown command HTTP 432, a missing required parameter HTTP 431, each as ``{"<command>response": {"errorcode": ...,
"errortext": ...}}``. The signature check is written here independently of ``eksa_cloudstack.client``.

Tests seed it with zones, domains, accounts, networks, templates, offerings, affinity groups and virtual machines.
``stopVirtualMachine`` / ``destroyVirtualMachine`` start asynchronous jobs that finish after ``job_polls`` pending
answers of ``queryAsyncJobResult`` (0: done at the first query) and can be made to fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["CloudStackAPIDouble", "RecordedRequest", "java_url_encode", "verify_signature"]

JSON = dict[str, Any]


def java_url_encode(value: str) -> str:
    """``java.net.URLEncoder.encode(value, "UTF-8")`` followed by ``replaceAll("\\+", "%20")``."""
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in ".-*_"):
            out.append(char)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def verify_signature(params: dict[str, str], secret_key: str) -> bool:
    """Whether ``params["signature"]`` is right for the other parameters under ``secret_key``."""
    given = params.get("signature", "")
    names = sorted(k for k in params if k.lower() != "signature")
    unsigned = "&".join(f"{k}={java_url_encode(params[k])}" for k in names).lower()
    expected = base64.b64encode(hmac.new(secret_key.encode(), unsigned.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(given, expected)


@dataclass
class RecordedRequest:
    """One API call the double served (parameters without ``apiKey`` and ``signature``)."""

    command: str
    params: dict[str, str]
    status: int


@dataclass
class _Job:
    jobid: str
    command: str
    pending: int
    apply: Callable[[], JSON]
    error: str | None = None
    result: JSON | None = None
    status: int = 0


@dataclass
class _State:
    zones: list[JSON] = field(default_factory=list)
    domains: list[JSON] = field(default_factory=list)
    accounts: list[JSON] = field(default_factory=list)
    networks: list[JSON] = field(default_factory=list)
    templates: list[JSON] = field(default_factory=list)
    service_offerings: list[JSON] = field(default_factory=list)
    disk_offerings: list[JSON] = field(default_factory=list)
    affinity_groups: list[JSON] = field(default_factory=list)
    vms: list[JSON] = field(default_factory=list)


class _ApiError(Exception):
    def __init__(self, status: int, text: str, cserrorcode: int = 9999) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.cserrorcode = cserrorcode


class CloudStackAPIDouble:
    """An in-memory CloudStack API server on 127.0.0.1 (a test double; see the module docstring).

    :param users: api key -> secret key of the users that may call it.
    """

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.users = dict(users or {"double-api-key": "double-secret-key"})
        self.state = _State()
        self.requests: list[RecordedRequest] = []
        self.job_polls = 0
        #: command name -> errortext: asynchronous jobs of that command fail with it.
        self.fail_jobs: dict[str, str] = {}
        #: command name -> (HTTP status, errortext): the command itself fails.
        self.fail_commands: dict[str, tuple[int, str]] = {}
        self._jobs: dict[str, _Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.root = self.add_domain("ROOT", id="root-domain")

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Self:
        handler = type("_Handler", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="cloudstack-api-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The ``api-url`` of this double (``http://127.0.0.1:<port>/client/api``)."""
        assert self._server is not None, "the double is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/client/api"

    # -- seeding --------------------------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def add_zone(self, name: str, *, id: str | None = None) -> JSON:
        zone = {"id": id or self._id("zone"), "name": name, "allocationstate": "Enabled"}
        self.state.zones.append(zone)
        return zone

    def add_domain(self, path: str, *, id: str | None = None) -> JSON:
        """A domain by full path (``ROOT`` or ``ROOT/a/b``); its name is the last path element."""
        domain = {"id": id or self._id("domain"), "name": path.split("/")[-1], "path": path,
                  "level": path.count("/")}
        self.state.domains.append(domain)
        return domain

    def add_account(self, name: str, domainid: str, *, id: str | None = None) -> JSON:
        account = {"id": id or self._id("account"), "name": name, "domainid": domainid, "accounttype": 0}
        self.state.accounts.append(account)
        return account

    def add_network(self, name: str, zoneid: str, *, domainid: str | None = None, account: str | None = None,
                    id: str | None = None) -> JSON:
        network = {"id": id or self._id("network"), "name": name, "zoneid": zoneid, "domainid": domainid,
                   "account": account}
        self.state.networks.append(network)
        return network

    def add_template(self, name: str, zoneid: str, *, id: str | None = None, domainid: str | None = None,
                     account: str | None = None, public: bool = True) -> JSON:
        """A template; a public one is listed whatever ``domainid`` / ``account`` a request narrows to."""
        template = {"id": id or self._id("template"), "name": name, "zoneid": zoneid, "domainid": domainid,
                    "account": account, "isready": True, "ispublic": public}
        self.state.templates.append(template)
        return template

    def add_service_offering(self, name: str, *, id: str | None = None, zoneid: str | None = None) -> JSON:
        offering = {"id": id or self._id("so"), "name": name, "zoneid": zoneid, "cpunumber": 2, "memory": 4096}
        self.state.service_offerings.append(offering)
        return offering

    def add_disk_offering(self, name: str, *, customized: bool = False, id: str | None = None,
                          zoneid: str | None = None) -> JSON:
        offering = {"id": id or self._id("do"), "name": name, "zoneid": zoneid, "iscustomized": customized,
                    "disksize": 0 if customized else 50}
        self.state.disk_offerings.append(offering)
        return offering

    def add_affinity_group(self, id: str, name: str, *, domainid: str | None = None,
                           account: str | None = None) -> JSON:
        group = {"id": id, "name": name, "type": "host anti-affinity", "domainid": domainid, "account": account}
        self.state.affinity_groups.append(group)
        return group

    def add_vm(self, name: str, zoneid: str, *, state: str = "Running", id: str | None = None,
               domainid: str | None = None, account: str | None = None,
               tags: dict[str, str] | None = None) -> JSON:
        vm = {"id": id or self._id("vm"), "name": name, "displayname": name, "zoneid": zoneid, "state": state,
              "domainid": domainid, "account": account,
              "tags": [{"key": k, "value": v, "resourcetype": "UserVm"} for k, v in (tags or {}).items()]}
        self.state.vms.append(vm)
        return vm

    def vm(self, id: str) -> JSON | None:
        """The VM with ``id`` (``None`` once expunged)."""
        return next((v for v in self.state.vms if v["id"] == id), None)

    def commands(self) -> list[str]:
        """The commands served so far, in order."""
        return [r.command for r in self.requests]

    # -- serving --------------------------------------------------------------------------------------------

    def handle(self, query: str) -> tuple[int, JSON]:
        """Serve one request's query string; return (HTTP status, JSON body)."""
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        command = params.get("command", "")
        key = f"{command.lower()}response" if command else "errorresponse"
        public = {k: v for k, v in params.items() if k not in ("apiKey", "signature")}
        with self._lock:
            try:
                self._authenticate(params)
                if command in self.fail_commands:
                    status, text = self.fail_commands[command]
                    raise _ApiError(status, text)
                body = self._dispatch(command, params)
                status = 200
            except _ApiError as exc:
                status = exc.status
                body = {"uuidList": [], "errorcode": exc.status, "cserrorcode": exc.cserrorcode,
                        "errortext": exc.text}
            self.requests.append(RecordedRequest(command, public, status))
        return status, {key: body}

    def _authenticate(self, params: dict[str, str]) -> None:
        secret = self.users.get(params.get("apiKey", ""))
        if secret is None or "signature" not in params or not verify_signature(params, secret):
            raise _ApiError(401, "unable to verify user credentials and/or request signature", 4510)

    def _dispatch(self, command: str, p: dict[str, str]) -> JSON:
        s = self.state
        if command == "listZones":
            return self._page(p, "zone", self._match(s.zones, p, "id", "name"))
        if command == "listDomains":
            return self._page(p, "domain", self._match(s.domains, p, "id", "name"))
        if command == "listAccounts":
            return self._page(p, "account", self._match(s.accounts, p, "id", "name", "domainid"))
        if command == "listNetworks":
            return self._page(p, "network", self._match(s.networks, p, "id", "zoneid", "domainid", "account"))
        if command == "listTemplates":
            if "templatefilter" not in p:
                raise _ApiError(431, "Unable to execute API command listtemplates due to missing parameter "
                                     "templatefilter")
            candidates = self._match(s.templates, p, "id", "name", "zoneid")
            owned = self._match(candidates, p, "domainid", "account")
            return self._page(p, "template", [t for t in candidates if t in owned or t["ispublic"]])
        if command == "listServiceOfferings":
            return self._page(p, "serviceoffering", self._zoned(self._match(s.service_offerings, p, "id",
                                                                            "name"), p))
        if command == "listDiskOfferings":
            return self._page(p, "diskoffering", self._zoned(self._match(s.disk_offerings, p, "id", "name"), p))
        if command == "listAffinityGroups":
            return self._page(p, "affinitygroup", self._match(s.affinity_groups, p, "id", "name", "domainid",
                                                              "account"))
        if command == "listVirtualMachines":
            vms = self._match(s.vms, p, "id", "name", "zoneid", "domainid", "account")
            if p.get("keyword"):
                vms = [v for v in vms if p["keyword"].lower() in v["name"].lower()
                       or p["keyword"].lower() in v["displayname"].lower()]
            vms = [v for v in vms if self._has_tags(v, p)]
            return self._page(p, "virtualmachine", vms)
        if command == "stopVirtualMachine":
            vm = self._require_vm(p)
            return self._start_job(command, lambda: self._stop(vm))
        if command == "destroyVirtualMachine":
            vm = self._require_vm(p)
            expunge = p.get("expunge", "false").lower() == "true"
            if vm["state"] == "Destroyed":
                raise _ApiError(431, f"VM {vm['name']} is already destroyed; use expungeVirtualMachine")
            return self._start_job(command, lambda: self._destroy(vm, expunge))
        if command == "expungeVirtualMachine":
            vm = self._require_vm(p)
            if vm["state"] != "Destroyed":
                raise _ApiError(431, "Please specify a VM that is in Destroyed state")
            return self._start_job(command, lambda: self._destroy(vm, True))
        if command == "queryAsyncJobResult":
            return self._query_job(p)
        raise _ApiError(432, "The given command does not exist or it is not available for user", 9999)

    @staticmethod
    def _match(items: list[JSON], p: dict[str, str], *keys: str) -> list[JSON]:
        out = items
        for key in keys:
            if key in p:
                out = [i for i in out if str(i.get(key)) == p[key]]
        return list(out)

    @staticmethod
    def _zoned(items: list[JSON], p: dict[str, str]) -> list[JSON]:
        if "zoneid" not in p:
            return items
        return [i for i in items if i.get("zoneid") in (None, p["zoneid"])]

    @staticmethod
    def _has_tags(vm: JSON, p: dict[str, str]) -> bool:
        for i in itertools.count():
            key = p.get(f"tags[{i}].key")
            if key is None:
                return True
            if not any(t["key"] == key and t["value"] == p.get(f"tags[{i}].value") for t in vm["tags"]):
                return False
        return True  # pragma: no cover

    @staticmethod
    def _page(p: dict[str, str], key: str, items: list[JSON]) -> JSON:
        if not items:
            return {}
        total = len(items)
        if "page" in p or "pagesize" in p:
            try:
                page, size = int(p.get("page", "1")), int(p.get("pagesize", "500"))
            except ValueError:
                raise _ApiError(431, "Unable to execute API command due to invalid value") from None
            items = items[(page - 1) * size:page * size]
        return {"count": total, key: [dict(i) for i in items]}

    def _require_vm(self, p: dict[str, str]) -> JSON:
        if "id" not in p:
            raise _ApiError(431, "Unable to execute API command due to missing parameter id")
        vm = self.vm(p["id"])
        if vm is None:
            raise _ApiError(431, "Unable to execute API command due to invalid value. Invalid parameter id value="
                                 f"{p['id']} due to incorrect long value format, or entity does not exist")
        return vm

    def _stop(self, vm: JSON) -> JSON:
        vm["state"] = "Stopped"
        return {"virtualmachine": dict(vm)}

    def _destroy(self, vm: JSON, expunge: bool) -> JSON:
        if expunge:
            self.state.vms.remove(vm)
        else:
            vm["state"] = "Destroyed"
        return {"success": True}

    def _start_job(self, command: str, apply: Callable[[], JSON]) -> JSON:
        job = _Job(jobid=self._id("job"), command=command, pending=self.job_polls, apply=apply,
                   error=self.fail_jobs.get(command))
        self._jobs[job.jobid] = job
        return {"jobid": job.jobid}

    def _query_job(self, p: dict[str, str]) -> JSON:
        job = self._jobs.get(p.get("jobid", ""))
        if job is None:
            raise _ApiError(431, "Unable to execute API command queryasyncjobresult due to invalid value")
        if job.status == 0:
            if job.pending > 0:
                job.pending -= 1
            elif job.error is not None:
                job.status, job.result = 2, {"errorcode": 530, "errortext": job.error}
            else:
                job.status, job.result = 1, job.apply()
        body: JSON = {"jobid": job.jobid, "cmd": job.command, "jobstatus": job.status,
                      "jobresultcode": 530 if job.status == 2 else 0, "jobprocstatus": 0}
        if job.status:
            body["jobresulttype"] = "object"
            body["jobresult"] = job.result
        return body


class _Handler(BaseHTTPRequestHandler):
    double: CloudStackAPIDouble

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path != "/client/api":
            self._send(404, {"errorresponse": {"errorcode": 404, "errortext": "not found"}})
            return
        status, body = self.double.handle(parts.query)
        self._send(status, body)

    def _send(self, status: int, body: JSON) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines hold API keys and signatures."""
