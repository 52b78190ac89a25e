"""A client of CloudStack's HTTP API (the API ``cmk`` speaks), on ``requests``.

Every call is a ``GET <api-url>?command=<cmd>&response=json&apiKey=<key>&<params>&signature=<sig>``. The signature
follows CloudStack's documented request signing (:func:`sign`): each value URL-encoded, the ``name=value`` pairs
sorted by name and joined with ``&``, the whole string lower-cased, HMAC-SHA1 with the secret key, base64.

List commands are read page by page (``page`` / ``pagesize``) until the reported ``count`` is reached. Errors come
back as CloudStack's error JSON (``errorcode``, ``cserrorcode``, ``errortext``) and are raised as
:class:`CloudStackAPIError` (:class:`CloudStackAuthError` for HTTP 401 / errorcode 401). Asynchronous commands
(``stopVirtualMachine``, ``destroyVirtualMachine``) return a job id; :meth:`CloudStackClient.wait_for_job` polls
``queryAsyncJobResult`` with an injectable ``sleep``.

The API key, the secret key and the signed URL never reach a log line or an error message: errors name the
command and the endpoint without its query, ``requests`` exceptions are not chained, and a filter on urllib3's
connection-pool logger blanks ``apiKey`` and ``signature`` in its debug lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from eksa_core.errors import EksaError

from .credentials import CloudStackProfile

if TYPE_CHECKING:  # requests loads when a client is made (about a fifth of a second), not with the plugin
    import requests

__all__ = [
    "ASYNC_JOB_FAILED",
    "ASYNC_JOB_PENDING",
    "ASYNC_JOB_SUCCEEDED",
    "CloudStackAPIError",
    "CloudStackAsyncJobError",
    "CloudStackAuthError",
    "CloudStackClient",
    "CloudStackConnectionError",
    "canonical_query",
    "clients_for",
    "encode_value",
    "sign",
]

logger = logging.getLogger("eksa.cloudstack.api")

ASYNC_JOB_PENDING = 0
ASYNC_JOB_SUCCEEDED = 1
ASYNC_JOB_FAILED = 2

DEFAULT_PAGE_SIZE = 500
DEFAULT_TIMEOUT = 60.0
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_JOB_TIMEOUT = 600.0


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------


class CloudStackAPIError(EksaError):
    """CloudStack answered a command with an error (or with something that is not its JSON).

    :ivar command: the API command (``listZones``). :ivar endpoint: the API URL, without any query.
    :ivar status: the HTTP status (``None`` when there was no answer). :ivar errorcode: CloudStack's
        ``errorcode`` (431 bad parameter, 401 unauthorised, 530 internal...). :ivar cserrorcode: CloudStack's
        ``cserrorcode``. :ivar errortext: CloudStack's ``errortext``.
    """

    def __init__(self, message: str, *, command: str, endpoint: str, status: int | None = None,
                 errorcode: int | None = None, cserrorcode: int | None = None, errortext: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.endpoint = endpoint
        self.status = status
        self.errorcode = errorcode
        self.cserrorcode = cserrorcode
        self.errortext = errortext

    def __str__(self) -> str:
        return self.message


class CloudStackAuthError(CloudStackAPIError):
    """The API key or the signature was refused (HTTP 401, errorcode 401)."""


class CloudStackConnectionError(CloudStackAPIError):
    """The API endpoint could not be reached (connection refused, TLS failure, timeout)."""


class CloudStackAsyncJobError(CloudStackAPIError):
    """An asynchronous job failed (``jobstatus`` 2) or did not finish in time.

    :ivar jobid: the job's id.
    """

    def __init__(self, message: str, *, jobid: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.jobid = jobid


# ---------------------------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------------------------


def encode_value(value: str) -> str:
    """URL-encode one parameter value as CloudStack's server does when it checks a signature: Java's
    ``URLEncoder`` (letters, digits and ``.-*_`` kept, everything else ``%XX`` of its UTF-8 bytes) with ``+``
    written ``%20``."""
    return quote(value, safe="*").replace("~", "%7E")


def canonical_query(params: Mapping[str, str]) -> str:
    """The string that is signed: ``name=encoded-value`` pairs sorted by lower-cased name, joined with ``&`` and
    lower-cased (``signature`` itself is never part of it)."""
    pairs = sorted((k.lower(), encode_value(v)) for k, v in params.items() if k.lower() != "signature")
    return "&".join(f"{k}={v}" for k, v in pairs).lower()


def sign(params: Mapping[str, str], secret_key: str) -> str:
    """CloudStack's request signature: base64 of HMAC-SHA1(secret key, :func:`canonical_query`)."""
    digest = hmac.new(secret_key.encode(), canonical_query(params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# ---------------------------------------------------------------------------------------------------------------
# Keeping keys out of logs
# ---------------------------------------------------------------------------------------------------------------

_SENSITIVE_QUERY = re.compile(r"((?:apikey|signature)=)[^&\s\"']*", re.IGNORECASE)


class _RedactQueryFilter(logging.Filter):
    """Blanks ``apiKey=`` and ``signature=`` values in urllib3's request log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_SENSITIVE_QUERY.sub(r"\1<redacted>", a) if isinstance(a, str) else a
                                for a in args)
        if isinstance(record.msg, str):
            record.msg = _SENSITIVE_QUERY.sub(r"\1<redacted>", record.msg)
        return True


_URLLIB3_LOGGER = "urllib3.connectionpool"


def _install_log_filter() -> None:
    target = logging.getLogger(_URLLIB3_LOGGER)
    if not any(isinstance(f, _RedactQueryFilter) for f in target.filters):
        target.addFilter(_RedactQueryFilter())


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# ---------------------------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------------------------


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CloudStackClient:
    """One CloudStack API endpoint reached with one credentials profile.

    :param api_url: the ``api-url`` of the profile (``http(s)://host:8080/client/api``).
    :param api_key: / :param secret_key: the user's keys (kept private: not in ``repr``, errors or logs).
    :param verify: check the server's TLS certificate (the profile's ``verify-ssl``).
    :param session: a ``requests.Session`` to use (one is made otherwise).
    :param timeout: seconds for one HTTP request.
    :param page_size: ``pagesize`` of list commands.
    :param sleep: how to wait between polls of an asynchronous job (``time.sleep``; tests pass a recorder).
    :param poll_interval: / :param job_timeout: seconds between polls and the budget of one job; the number of
        polls is ``job_timeout / poll_interval``, so waiting never depends on a clock.
    """

    def __init__(self, api_url: str, api_key: str, secret_key: str, *, verify: bool = True,
                 session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT,
                 page_size: int = DEFAULT_PAGE_SIZE, sleep: Callable[[float], None] = time.sleep,
                 poll_interval: float = DEFAULT_POLL_INTERVAL, job_timeout: float = DEFAULT_JOB_TIMEOUT,
                 profile_name: str | None = None) -> None:
        self.api_url = api_url
        self.endpoint = _strip_query(api_url)
        self._api_key = api_key
        self._secret_key = secret_key
        self.verify = verify
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self.timeout = timeout
        self.page_size = page_size
        self.sleep = sleep
        self.poll_interval = poll_interval
        self.job_timeout = job_timeout
        self.profile_name = profile_name
        _install_log_filter()

    @classmethod
    def from_profile(cls, profile: CloudStackProfile, **kw: Any) -> CloudStackClient:
        """A client for a credentials profile (``api-url``, keys, ``verify-ssl``)."""
        kw.setdefault("verify", profile.verify)
        kw.setdefault("profile_name", profile.name)
        return cls(profile.management_url, profile.api_key, profile.secret_key, **kw)

    def __repr__(self) -> str:
        return f"CloudStackClient(endpoint={self.endpoint!r}, profile={self.profile_name!r})"

    # -- transport ------------------------------------------------------------------------------------------

    def signed_params(self, command: str, params: Mapping[str, Any] | None = None) -> dict[str, str]:
        """The full query of a command: ``command``, ``response=json``, ``apiKey``, the parameters (``None``
        values dropped, booleans ``true``/``false``, lists comma-joined) and ``signature``. Holds the keys'
        derivatives: never log it."""
        query: dict[str, str] = {"command": command, "response": "json", "apiKey": self._api_key}
        for key, value in (params or {}).items():
            if value is not None:
                query[key] = _wire(value)
        query["signature"] = sign(query, self._secret_key)
        return query

    def _redact(self, text: str) -> str:
        text = _SENSITIVE_QUERY.sub(r"\1<redacted>", text)
        for secret in (self._api_key, self._secret_key):
            if secret:
                text = text.replace(secret, "<redacted>")
        return re.sub(r"\?\S*=\S*", "?<query>", text)

    def request(self, command: str, **params: Any) -> dict[str, Any]:
        """Run one command and return the body of its ``<command>response`` object.

        :raises CloudStackAuthError: the keys or the signature were refused.
        :raises CloudStackConnectionError: the endpoint could not be reached.
        :raises CloudStackAPIError: any other error answer, or an answer that is not CloudStack's JSON.
        """
        query = self.signed_params(command, params)
        # Build the query ourselves so that what is sent is exactly what was signed (spaces as %20).
        body = "&".join(f"{k}={encode_value(v)}" for k, v in query.items())
        url = f"{self.api_url}{'&' if '?' in self.api_url else '?'}{body}"
        where: dict[str, Any] = {"command": command, "endpoint": self.endpoint}
        logger.debug("cloudstack %s %s", command, self.endpoint)
        import requests

        try:
            response = self.session.get(url, verify=self.verify, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            raise CloudStackConnectionError(
                f"{command}: TLS error talking to {self.endpoint} ({type(exc).__name__}); set verify-ssl to "
                f"false in the credentials profile only if the certificate is known to be self-signed",
                **where) from None
        except requests.exceptions.Timeout:
            raise CloudStackConnectionError(f"{command}: {self.endpoint} did not answer within {self.timeout:g}s",
                                            **where) from None
        except requests.exceptions.RequestException as exc:
            reason = self._redact(str(exc.__context__ or exc))
            raise CloudStackConnectionError(f"{command}: cannot reach {self.endpoint}: {reason}",
                                            **where) from None
        return self._parse(command, response)

    def _parse(self, command: str, response: requests.Response) -> dict[str, Any]:
        where: dict[str, Any] = {"command": command, "endpoint": self.endpoint, "status": response.status_code}
        try:
            data = response.json()
        except ValueError:
            data = None
        key = f"{command.lower()}response"
        body = data.get(key) if isinstance(data, dict) else None
        if body is None and isinstance(data, dict) and len(data) == 1:
            body = next(iter(data.values()))  # e.g. "errorresponse"
        if not isinstance(body, dict):
            raise CloudStackAPIError(
                f"{command}: unexpected answer from {self.endpoint} (HTTP {response.status_code}, not CloudStack "
                f"JSON)", **where)
        errortext = body.get("errortext")
        errorcode = _int(body.get("errorcode"))
        if response.status_code >= 400 or errortext is not None or errorcode is not None:
            text = self._redact(str(errortext or response.reason or ""))
            code = errorcode if errorcode is not None else response.status_code
            cls = CloudStackAuthError if 401 in (code, response.status_code) else CloudStackAPIError
            raise cls(f"{command}: CloudStack error {code}: {text}", errorcode=code,
                      cserrorcode=_int(body.get("cserrorcode")), errortext=text, **where)
        return body

    # -- generic helpers ------------------------------------------------------------------------------------

    def list_all(self, command: str, item_key: str, **params: Any) -> list[dict[str, Any]]:
        """All items of a list command, page by page (``page`` from 1, ``pagesize`` = ``page_size``)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.request(command, page=page, pagesize=self.page_size, **params)
            batch = body.get(item_key) or []
            items.extend(batch)
            count = _int(body.get("count"))
            if not batch or len(batch) < self.page_size or (count is not None and len(items) >= count):
                return items
            page += 1

    def query_async_job_result(self, jobid: str) -> dict[str, Any]:
        """``queryAsyncJobResult``: ``jobstatus`` (0 pending, 1 done, 2 failed), ``jobresult``..."""
        return self.request("queryAsyncJobResult", jobid=jobid)

    def wait_for_job(self, command: str, jobid: str) -> dict[str, Any]:
        """Poll a job until it finishes; return its ``jobresult``.

        :raises CloudStackAsyncJobError: the job failed (with the job's ``errortext``) or was still pending after
            ``job_timeout / poll_interval`` polls.
        """
        polls = max(1, int(self.job_timeout / self.poll_interval) if self.poll_interval > 0 else 1)
        where: dict[str, Any] = {"command": command, "endpoint": self.endpoint, "jobid": jobid}
        for attempt in range(polls + 1):
            job = self.query_async_job_result(jobid)
            status = _int(job.get("jobstatus"))
            if status == ASYNC_JOB_SUCCEEDED:
                done = job.get("jobresult")
                return done if isinstance(done, dict) else {}
            if status == ASYNC_JOB_FAILED:
                raw = job.get("jobresult")
                result: dict[str, Any] = raw if isinstance(raw, dict) else {}
                text = self._redact(str(result.get("errortext") or "job failed"))
                raise CloudStackAsyncJobError(f"{command}: async job {jobid} failed: {text}",
                                              errorcode=_int(result.get("errorcode")), errortext=text, **where)
            if attempt < polls:
                self.sleep(self.poll_interval)
        raise CloudStackAsyncJobError(f"{command}: async job {jobid} did not finish within {self.job_timeout:g}s",
                                      **where)

    def run_async(self, command: str, *, wait: bool = True, **params: Any) -> dict[str, Any]:
        """Start an asynchronous command; with ``wait`` return its job result, else ``{"jobid": ...}``."""
        body = self.request(command, **params)
        jobid = body.get("jobid")
        if not jobid:
            return body
        if not wait:
            return {"jobid": str(jobid)}
        return self.wait_for_job(command, str(jobid))

    # -- commands -------------------------------------------------------------------------------------------

    def list_zones(self, *, id: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        """``listZones`` by id or name."""
        return self.list_all("listZones", "zone", id=id, name=name)

    def list_domains(self, name: str, *, listall: bool = True) -> list[dict[str, Any]]:
        """``listDomains name=<name> listall=true`` (CloudStack has no path filter: callers match ``path``)."""
        return self.list_all("listDomains", "domain", name=name, listall=listall)

    def list_accounts(self, name: str, *, domainid: str | None = None) -> list[dict[str, Any]]:
        """``listAccounts name=<name> domainid=<id>``."""
        return self.list_all("listAccounts", "account", name=name, domainid=domainid)

    def list_networks(self, *, zoneid: str, id: str | None = None, domainid: str | None = None,
                      account: str | None = None) -> list[dict[str, Any]]:
        """``listNetworks`` of a zone (CloudStack has no name filter: callers filter by name). ``account`` is
        only sent together with ``domainid``, as CloudStack requires."""
        return self.list_all("listNetworks", "network", zoneid=zoneid, id=id, domainid=domainid,
                         account=account if domainid else None)

    def list_templates(self, *, zoneid: str | None, id: str | None = None, name: str | None = None,
                       domainid: str | None = None, account: str | None = None) -> list[dict[str, Any]]:
        """``listTemplates templatefilter=all listall=true`` by id or name in a zone."""
        return self.list_all("listTemplates", "template", templatefilter="all", listall=True, zoneid=zoneid,
                         id=id, name=None if id else name, domainid=domainid,
                         account=account if domainid else None)

    def list_service_offerings(self, *, zoneid: str | None, id: str | None = None,
                               name: str | None = None) -> list[dict[str, Any]]:
        """``listServiceOfferings`` by id or name in a zone."""
        return self.list_all("listServiceOfferings", "serviceoffering", zoneid=zoneid, id=id,
                         name=None if id else name)

    def list_disk_offerings(self, *, zoneid: str | None, id: str | None = None,
                            name: str | None = None) -> list[dict[str, Any]]:
        """``listDiskOfferings`` by id or name in a zone."""
        return self.list_all("listDiskOfferings", "diskoffering", zoneid=zoneid, id=id, name=None if id else name)

    def list_affinity_groups(self, *, id: str, domainid: str | None = None,
                             account: str | None = None) -> list[dict[str, Any]]:
        """``listAffinityGroups id=<id>`` (in a domain / account when given)."""
        return self.list_all("listAffinityGroups", "affinitygroup", id=id, domainid=domainid,
                         account=account if domainid else None)

    def list_virtual_machines(self, *, keyword: str | None = None, name: str | None = None,
                              zoneid: str | None = None, domainid: str | None = None, account: str | None = None,
                              listall: bool = True, tags: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """``listVirtualMachines`` (``keyword`` is a substring search on names; ``tags`` become
        ``tags[i].key`` / ``tags[i].value``)."""
        extra: dict[str, str] = {}
        for i, (k, v) in enumerate(sorted((tags or {}).items())):
            extra[f"tags[{i}].key"] = k
            extra[f"tags[{i}].value"] = v
        return self.list_all("listVirtualMachines", "virtualmachine", keyword=keyword, name=name, zoneid=zoneid,
                         domainid=domainid, account=account if domainid else None, listall=listall, **extra)

    def stop_virtual_machine(self, id: str, *, forced: bool = True, wait: bool = True) -> dict[str, Any]:
        """``stopVirtualMachine`` (asynchronous; waits for the job unless ``wait=False``)."""
        return self.run_async("stopVirtualMachine", wait=wait, id=id, forced=forced)

    def destroy_virtual_machine(self, id: str, *, expunge: bool = True, wait: bool = True) -> dict[str, Any]:
        """``destroyVirtualMachine`` with ``expunge`` (asynchronous; waits unless ``wait=False``)."""
        return self.run_async("destroyVirtualMachine", wait=wait, id=id, expunge=expunge)


    def expunge_virtual_machine(self, id: str, *, wait: bool = True) -> dict[str, Any]:
        """``expungeVirtualMachine`` of a VM already destroyed without expunge (asynchronous)."""
        return self.run_async("expungeVirtualMachine", wait=wait, id=id)


def clients_for(profiles: Iterable[CloudStackProfile], **kw: Any) -> dict[str, CloudStackClient]:
    """One client per profile name."""
    return {p.name: CloudStackClient.from_profile(p, **kw) for p in profiles}
