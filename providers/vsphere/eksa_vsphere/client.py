"""A small vCenter client on pyvmomi, built for few round trips.

:class:`VCenter` is one session against one vCenter (or VMware's simulator, vcsim):

* reachability is one HTTP GET of ``/sdk/vimServiceVersions.xml``, which also picks the SOAP version;
* the TLS certificate is read once; its SHA-1 fingerprint is compared with a configured thumbprint and
  every later connection (SOAP and REST) is pinned to it;
* the whole inventory (names, parents and the few properties the validations need: datastore free space,
  resource pool memory, VM template flag and power state) comes from **one** ``RetrievePropertiesEx``
  with a traversal spec from the root folder (plus ``ContinueRetrievePropertiesEx`` pages on very large
  inventories); paths are resolved locally afterwards;
* template details (disks, snapshots) for any number of templates are one more ``RetrievePropertiesEx``;
* privileges of the user on any number of entities are one ``FetchUserPrivilegeOnEntities``;
* tags use the vSphere Automation REST API (``/rest/com/vmware/cis/tagging``), which pyvmomi does not
  cover and which vcsim serves; attached tags of many objects are one ``list-attached-tags-on-objects``.

Every SOAP call and HTTP request is counted in :class:`RoundTrips` so that a benchmark can report them.
Passwords are kept only in memory and never appear in messages or ``repr``.
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import http.client
import json
import re
import socket
import ssl
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote, urlsplit

from pyVmomi import SoapAdapter, VmomiSupport, vim, vmodl

__all__ = [
    "AuthenticationError",
    "CertificateInfo",
    "ConnectionFailed",
    "InventoryObject",
    "RoundTrips",
    "TemplateInfo",
    "VCenter",
    "VCenterError",
    "VMInfo",
    "normalize_thumbprint",
    "parse_server",
    "sha1_thumbprint",
]

DEFAULT_SOAP_VERSION = "vim.version.version11"  # vSphere 6.5, the oldest vCenter EKS Anywhere supports

# Inventory kinds and the managed object types that belong to them.
KIND_TYPES: dict[str, frozenset[str]] = {
    "Datacenter": frozenset({"Datacenter"}),
    "Folder": frozenset({"Folder"}),
    "ComputeResource": frozenset({"ComputeResource", "ClusterComputeResource"}),
    "ResourcePool": frozenset({"ResourcePool", "VirtualApp"}),
    "Datastore": frozenset({"Datastore"}),
    "Network": frozenset({"Network", "DistributedVirtualPortgroup", "OpaqueNetwork"}),
    "VirtualMachine": frozenset({"VirtualMachine"}),
}

# Sub-folder of a datacenter where relative paths of each kind are looked up (as govc does).
_KIND_FOLDER = {
    "Folder": "vm",
    "VirtualMachine": "vm",
    "Datastore": "datastore",
    "Network": "network",
    "ResourcePool": "host",
    "ComputeResource": "host",
}


class VCenterError(Exception):
    """Any failure talking to vCenter."""


class ConnectionFailed(VCenterError):
    """vCenter could not be reached (DNS, TCP, TLS or HTTP level)."""


class AuthenticationError(VCenterError):
    """vCenter refused the credentials."""


@dataclass
class RoundTrips:
    """Counts of requests sent to vCenter: SOAP calls by method name, REST calls and other HTTP/TLS."""

    soap: Counter[str] = field(default_factory=Counter)
    rest: Counter[str] = field(default_factory=Counter)
    http: int = 0

    @property
    def soap_total(self) -> int:
        """Number of SOAP calls."""
        return sum(self.soap.values())

    @property
    def rest_total(self) -> int:
        """Number of REST calls."""
        return sum(self.rest.values())

    @property
    def total(self) -> int:
        """All round trips: SOAP + REST + other HTTP/TLS exchanges."""
        return self.soap_total + self.rest_total + self.http

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "total": self.total,
            "soap": self.soap_total,
            "rest": self.rest_total,
            "http": self.http,
            "soap_methods": dict(self.soap),
            "rest_calls": dict(self.rest),
        }


class _CountingStub(SoapAdapter.SoapStubAdapter):  # type: ignore[misc]
    """A SOAP stub that counts every method invocation (one invocation is one HTTP round trip)."""

    def __init__(self, counter: RoundTrips, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._counter = counter

    def InvokeMethod(self, mo: Any, info: Any, args: Any, outerStub: Any = None) -> Any:
        """Count, then invoke as usual."""
        self._counter.soap[info.wsdlName] += 1
        return super().InvokeMethod(mo, info, args, outerStub)


def sha1_thumbprint(der: bytes) -> str:
    """The SHA-1 fingerprint of a DER certificate as vCenter shows it: ``AA:BB:...`` (upper case)."""
    digest = hashlib.sha1(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalize_thumbprint(value: str) -> str:
    """A thumbprint without colons, lower case, for comparison."""
    return value.replace(":", "").strip().lower()


def parse_server(server: str) -> tuple[str, str, int, str]:
    """Split a ``server`` field into ``(scheme, host, port, sdk_path)``.

    Accepts a bare host (``vcenter.local``), ``host:port`` or a URL (``https://host:port/sdk``,
    ``http://127.0.0.1:8989/sdk`` for vcsim). The default scheme is https.
    """
    text = server.strip()
    if not text:
        raise ValueError("server is empty")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme {scheme!r} in server {server!r}")
    if not parts.hostname:
        raise ValueError(f"no host in server {server!r}")
    port = parts.port or (443 if scheme == "https" else 80)
    path = parts.path.rstrip("/") or "/sdk"
    return scheme, parts.hostname, port, path


@dataclass(frozen=True)
class CertificateInfo:
    """The server certificate: its SHA-1 thumbprint and whether the system trust store accepts it."""

    thumbprint: str
    trusted: bool


@dataclass(frozen=True)
class InventoryObject:
    """One inventory entity with its full inventory path (``/DC0/datastore/LocalDS_0``)."""

    moid: str
    type: str
    name: str
    path: str
    parent: str | None
    props: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> str:
        """The kind (key of :data:`KIND_TYPES`) this object belongs to."""
        for kind, types in KIND_TYPES.items():
            if self.type in types:
                return kind
        return self.type


@dataclass(frozen=True)
class TemplateInfo:
    """What the validations need to know about a template VM."""

    path: str
    moid: str
    is_template: bool
    disk_sizes_kib: tuple[int, ...]
    has_snapshot: bool

    @property
    def disk_sizes_gib(self) -> tuple[float, ...]:
        """Disk sizes in GiB."""
        return tuple(k / (1024 * 1024) for k in self.disk_sizes_kib)


@dataclass(frozen=True)
class VMInfo:
    """A VM as listed for cleanup."""

    moid: str
    name: str
    path: str
    power_state: str
    is_template: bool


class Inventory:
    """A snapshot of the inventory taken in one property collector call, with local path lookups."""

    def __init__(self, objects: Iterable[InventoryObject]) -> None:
        self.objects: dict[str, InventoryObject] = {o.moid: o for o in objects}
        self.by_path: dict[str, InventoryObject] = {o.path: o for o in self.objects.values()}

    def __len__(self) -> int:
        return len(self.objects)

    def of_kind(self, kind: str) -> Iterator[InventoryObject]:
        """All objects of a kind."""
        types = KIND_TYPES[kind]
        return (o for o in self.objects.values() if o.type in types)

    def datacenter(self, name: str) -> InventoryObject | None:
        """Find a datacenter by name or by inventory path."""
        want = name.strip()
        if not want:
            return None
        if want.startswith("/"):
            obj = self.by_path.get(want.rstrip("/"))
            return obj if obj is not None and obj.type == "Datacenter" else None
        for obj in self.of_kind("Datacenter"):
            if obj.name == want or obj.path.endswith("/" + want):
                return obj
        return None

    def find(self, kind: str, path: str, datacenter: InventoryObject | None = None) -> InventoryObject | None:
        """Resolve ``path`` to an object of ``kind``.

        Absolute paths (``/DC0/datastore/LocalDS_0``) are exact, ``*`` and ``?`` glob. Relative paths are
        tried under the datacenter's folder for that kind (``LocalDS_0`` -> ``/DC0/datastore/LocalDS_0``),
        then under the datacenter itself; a relative resource pool may also name a cluster's pool
        (``DC0_C0/Resources`` or ``*/Resources``).
        """
        types = KIND_TYPES[kind]
        text = path.strip()
        if not text:
            return None
        if text.startswith("/"):
            candidates = [text.rstrip("/") or "/"]
        elif datacenter is not None:
            base = datacenter.path
            sub = _KIND_FOLDER.get(kind)
            candidates = [f"{base}/{sub}/{text}"] if sub else []
            candidates.append(f"{base}/{text}")
            if kind == "ResourcePool":
                candidates += [f"{base}/host/*/{text}", f"{base}/host/*/Resources/{text}"]
        else:
            candidates = [f"/{text}"]
        for cand in candidates:
            if any(c in cand for c in "*?["):
                matches = sorted(
                    (o for p, o in self.by_path.items() if o.type in types and fnmatch.fnmatchcase(p, cand)),
                    key=lambda o: o.path,
                )
                if matches:
                    return matches[0]
            else:
                obj = self.by_path.get(cand)
                if obj is not None and obj.type in types:
                    return obj
        return None


def _traversal_spec() -> list[Any]:
    """Traversal specs that walk the whole inventory from the root folder."""
    ts = vmodl.query.PropertyCollector.TraversalSpec
    sel = vmodl.query.PropertyCollector.SelectionSpec
    everything = [
        sel(name="folder"),
        sel(name="dcVm"),
        sel(name="dcHost"),
        sel(name="dcDs"),
        sel(name="dcNet"),
        sel(name="crPool"),
        sel(name="rpPool"),
    ]
    return [
        ts(name="folder", type=vim.Folder, path="childEntity", skip=False, selectSet=everything),
        ts(name="dcVm", type=vim.Datacenter, path="vmFolder", skip=False, selectSet=[sel(name="folder")]),
        ts(name="dcHost", type=vim.Datacenter, path="hostFolder", skip=False, selectSet=[sel(name="folder")]),
        ts(
            name="dcDs",
            type=vim.Datacenter,
            path="datastoreFolder",
            skip=False,
            selectSet=[sel(name="folder")],
        ),
        ts(
            name="dcNet",
            type=vim.Datacenter,
            path="networkFolder",
            skip=False,
            selectSet=[sel(name="folder")],
        ),
        ts(
            name="crPool",
            type=vim.ComputeResource,
            path="resourcePool",
            skip=False,
            selectSet=[sel(name="rpPool")],
        ),
        ts(
            name="rpPool",
            type=vim.ResourcePool,
            path="resourcePool",
            skip=False,
            selectSet=[sel(name="rpPool")],
        ),
    ]


_INVENTORY_PROPS: dict[Any, list[str]] = {
    vim.Folder: ["name", "parent"],
    vim.Datacenter: ["name", "parent"],
    vim.ComputeResource: ["name", "parent"],
    vim.ResourcePool: ["name", "parent", "config.memoryAllocation.limit", "runtime.memory.overallUsage"],
    vim.Datastore: ["name", "parent", "summary.freeSpace", "summary.capacity"],
    vim.Network: ["name", "parent"],
    vim.VirtualMachine: ["name", "parent", "config.template", "runtime.powerState"],
}


def _moid(ref: Any) -> str:
    return str(ref._moId)


def _mo_type(ref: Any) -> str:
    return str(ref._wsdlName)


def _escape_name(name: str) -> str:
    # vCenter escapes '/' in names as %2f; keep paths unambiguous the same way.
    return name.replace("%", "%25").replace("/", "%2f")


class VCenter:
    """A session with one vCenter.

    ``server`` is the datacenter config's ``server`` field (host, host:port or URL). With ``insecure`` the
    certificate is not checked at all; with ``thumbprint`` it must match the server's SHA-1 fingerprint.
    Without either, the system trust store must accept it. Use as a context manager to log out.
    """

    def __init__(
        self,
        server: str,
        *,
        thumbprint: str | None = None,
        insecure: bool = False,
        timeout: float = 30.0,
        round_trips: RoundTrips | None = None,
    ) -> None:
        self.server = server
        self.scheme, self.host, self.port, self.sdk_path = parse_server(server)
        self.thumbprint = thumbprint or None
        self.insecure = insecure
        self.timeout = timeout
        self.round_trips = round_trips if round_trips is not None else RoundTrips()
        self.username: str | None = None
        self._password: str | None = None
        self._soap_version: str | None = None
        self._stub: _CountingStub | None = None
        self._content: Any = None
        self._inventory: Inventory | None = None
        self._rest_conn: http.client.HTTPConnection | None = None
        self._rest_session: str | None = None
        self._tag_names: dict[str, str | None] = {}
        self._cert: CertificateInfo | None = None

    def __repr__(self) -> str:
        return f"VCenter(server={self.server!r}, username={self.username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    @property
    def uses_tls(self) -> bool:
        """True for https servers."""
        return self.scheme == "https"

    def _ssl_context(self) -> ssl.SSLContext:
        """The context for SOAP/REST connections: unverified when insecure or pinned, else verified."""
        if self.insecure or self.thumbprint:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        return ssl.create_default_context()

    def _http_connection(self, verify: bool = True) -> http.client.HTTPConnection:
        """A connection to the server; ``verify=False`` only for the reachability probe (as EKS-A does)."""
        if self.uses_tls:
            if not verify:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=ctx)
            return _PinnedHTTPSConnection(
                self.host,
                self.port,
                timeout=self.timeout,
                context=self._ssl_context(),
                thumbprint=None if self.insecure else self.thumbprint,
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def check_reachable(self) -> None:
        """One HTTP GET of the SDK's version list: proves the server answers and picks the SOAP version.

        Raises :class:`ConnectionFailed` when no HTTP answer comes back (any HTTP status counts as reached).
        The certificate is not verified here: that is the thumbprint check's job. Nothing secret is sent.
        """
        conn = self._http_connection(verify=False)
        self.round_trips.http += 1
        try:
            conn.request("GET", f"{self.sdk_path}/vimServiceVersions.xml")
            resp = conn.getresponse()
            body = resp.read(1 << 20)
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionFailed(_describe(exc)) from exc
        finally:
            conn.close()
        version = None
        if resp.status == 200:
            match = re.search(rb"<name>urn:vim25</name>\s*<version>([^<]+)</version>", body)
            if match:
                version = VmomiSupport.versionMap.get("vim25/" + match.group(1).decode().strip())
        self._soap_version = version or DEFAULT_SOAP_VERSION

    @property
    def certificate_info(self) -> CertificateInfo | None:
        """The certificate read by :meth:`certificate`, if it was read."""
        return self._cert

    def certificate(self) -> CertificateInfo:
        """Read the server certificate (one TLS handshake, plus one to test trust). Requires https."""
        if self._cert is not None:
            return self._cert
        if not self.uses_tls:
            raise VCenterError("server does not use TLS")
        raw_ctx = ssl.create_default_context()
        raw_ctx.check_hostname = False
        raw_ctx.verify_mode = ssl.CERT_NONE
        try:
            self.round_trips.http += 1
            with (
                socket.create_connection((self.host, self.port), timeout=self.timeout) as sock,
                raw_ctx.wrap_socket(sock, server_hostname=self.host) as tls,
            ):
                der = tls.getpeercert(binary_form=True)
        except OSError as exc:
            raise ConnectionFailed(_describe(exc)) from exc
        if not der:
            raise ConnectionFailed("server sent no certificate")
        trusted = True
        try:
            self.round_trips.http += 1
            with (
                socket.create_connection((self.host, self.port), timeout=self.timeout) as sock,
                ssl.create_default_context().wrap_socket(sock, server_hostname=self.host),
            ):
                pass
        except ssl.SSLError:
            trusted = False
        except OSError as exc:
            raise ConnectionFailed(_describe(exc)) from exc
        self._cert = CertificateInfo(thumbprint=sha1_thumbprint(der), trusted=trusted)
        return self._cert

    # ------------------------------------------------------------------ session

    @property
    def connected(self) -> bool:
        """True once logged in."""
        return self._content is not None and self.username is not None

    def _service_content(self) -> Any:
        if self._content is None:
            if self._soap_version is None:
                self.check_reachable()
            kwargs: dict[str, Any] = {
                "url": f"{self.scheme}://{self.host}:{self.port}{self.sdk_path}",
                "version": self._soap_version,
                "httpConnectionTimeout": self.timeout,
            }
            if self.uses_tls:
                kwargs["sslContext"] = self._ssl_context()
            try:
                self._stub = _CountingStub(self.round_trips, **kwargs)
                if self.uses_tls and self.thumbprint and not self.insecure:
                    # pyvmomi checks its own pin only when CA verification fails, and then turns verification
                    # off on the shared context; pin every SOAP connection ourselves instead.
                    self._stub.scheme = _pinned_connection_factory(self.thumbprint)
                si = vim.ServiceInstance("ServiceInstance", self._stub)
                self._content = si.RetrieveContent()
            except (OSError, http.client.HTTPException) as exc:
                raise ConnectionFailed(_describe(exc)) from exc
            except Exception as exc:  # pyvmomi raises plain Exception on thumbprint mismatch
                raise ConnectionFailed(_describe(exc)) from exc
        return self._content

    def login(self, username: str, password: str) -> None:
        """Log in (RetrieveServiceContent + Login: two round trips)."""
        content = self._service_content()
        try:
            content.sessionManager.Login(userName=username, password=password)
        except vim.fault.InvalidLogin as exc:
            raise AuthenticationError(_fault_text(exc, password)) from exc
        except vmodl.MethodFault as exc:
            raise AuthenticationError(_fault_text(exc, password)) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionFailed(_describe(exc)) from exc
        self.username = username
        self._password = password

    def close(self) -> None:
        """Log out of SOAP and REST sessions (best effort) and drop connections."""
        if self._rest_session is not None:
            with contextlib.suppress(VCenterError):
                self._rest("DELETE", "/com/vmware/cis/session", name="session.delete")
            self._rest_session = None
        if self._rest_conn is not None:
            self._rest_conn.close()
            self._rest_conn = None
        if self._content is not None and self.username is not None:
            with contextlib.suppress(Exception):  # a failed logout does not matter
                self._content.sessionManager.Logout()
        if self._stub is not None:
            self._stub.DropConnections()
        self._content = None
        self._stub = None
        self.username = None
        self._password = None

    def _require_login(self) -> Any:
        if not self.connected:
            raise VCenterError("not logged in")
        return self._content

    # ------------------------------------------------------------------ property collector

    def _retrieve(self, spec: Any) -> list[Any]:
        """RetrievePropertiesEx plus continuation pages."""
        pc = self._require_login().propertyCollector
        options = vmodl.query.PropertyCollector.RetrieveOptions()
        result = pc.RetrievePropertiesEx(specSet=[spec], options=options)
        objects: list[Any] = []
        while result is not None:
            objects.extend(result.objects or [])
            if not result.token:
                break
            result = pc.ContinueRetrievePropertiesEx(token=result.token)
        return objects

    def inventory(self, refresh: bool = False) -> Inventory:
        """The whole inventory in one ``RetrievePropertiesEx`` (cached; ``refresh`` re-reads it)."""
        if self._inventory is not None and not refresh:
            return self._inventory
        content = self._require_login()
        pcq = vmodl.query.PropertyCollector
        spec = pcq.FilterSpec(
            objectSet=[pcq.ObjectSpec(obj=content.rootFolder, skip=False, selectSet=_traversal_spec())],
            propSet=[
                pcq.PropertySpec(type=t, pathSet=props, all=False) for t, props in _INVENTORY_PROPS.items()
            ],
        )
        raw: dict[str, tuple[str, dict[str, Any]]] = {}
        for oc in self._retrieve(spec):
            props = {p.name: p.val for p in (oc.propSet or [])}
            raw[_moid(oc.obj)] = (_mo_type(oc.obj), props)
        root = _moid(content.rootFolder)
        paths: dict[str, str] = {root: ""}

        def path_of(moid: str, depth: int = 0) -> str:
            if moid in paths:
                return paths[moid]
            if moid not in raw or depth > 256:
                return ""
            _, props = raw[moid]
            parent = props.get("parent")
            prefix = path_of(_moid(parent), depth + 1) if parent is not None else ""
            paths[moid] = f"{prefix}/{_escape_name(str(props.get('name', moid)))}"
            return paths[moid]

        objects = []
        for moid, (typ, props) in raw.items():
            if moid == root:
                continue
            parent = props.get("parent")
            objects.append(
                InventoryObject(
                    moid=moid,
                    type=typ,
                    name=str(props.get("name", moid)),
                    path=path_of(moid),
                    parent=_moid(parent) if parent is not None else None,
                    props={k: v for k, v in props.items() if k not in ("name", "parent")},
                )
            )
        self._inventory = Inventory(objects)
        return self._inventory

    def _ref(self, obj: InventoryObject) -> Any:
        cls = getattr(vim, obj.type, vim.ManagedEntity)
        return cls(obj.moid, self._stub)

    def find_datacenter(self, name: str) -> InventoryObject | None:
        """Find a datacenter by name or path."""
        return self.inventory().datacenter(name)

    def find(
        self, kind: str, path: str, datacenter: str | InventoryObject | None = None
    ) -> InventoryObject | None:
        """Resolve an inventory path of ``kind`` (see :meth:`Inventory.find`)."""
        inv = self.inventory()
        dc = inv.datacenter(datacenter) if isinstance(datacenter, str) else datacenter
        return inv.find(kind, path, dc)

    def find_many(
        self, lookups: Iterable[tuple[str, str]], datacenter: str | InventoryObject | None = None
    ) -> dict[tuple[str, str], InventoryObject | None]:
        """Resolve many ``(kind, path)`` pairs against one inventory snapshot."""
        return {(kind, path): self.find(kind, path, datacenter) for kind, path in lookups}

    @staticmethod
    def datastore_free_bytes(obj: InventoryObject) -> int:
        """Free space of a datastore in bytes."""
        return int(obj.props.get("summary.freeSpace") or 0)

    @staticmethod
    def pool_available_memory_mib(obj: InventoryObject) -> int | None:
        """Memory a resource pool can still give, in MiB: limit minus overall usage; None when unlimited."""
        limit = obj.props.get("config.memoryAllocation.limit")
        if limit is None or int(limit) < 0:
            return None
        usage_mib = int(obj.props.get("runtime.memory.overallUsage") or 0) // (1024 * 1024)
        return int(limit) - usage_mib

    def template_info(self, objects: Sequence[InventoryObject]) -> dict[str, TemplateInfo]:
        """Template details of many VMs in one ``RetrievePropertiesEx``, keyed by inventory path."""
        if not objects:
            return {}
        self._require_login()
        pcq = vmodl.query.PropertyCollector
        spec = pcq.FilterSpec(
            objectSet=[pcq.ObjectSpec(obj=self._ref(o), skip=False) for o in objects],
            propSet=[
                pcq.PropertySpec(
                    type=vim.VirtualMachine, pathSet=["config.template", "config.hardware.device", "snapshot"]
                )
            ],
        )
        by_moid = {o.moid: o for o in objects}
        out: dict[str, TemplateInfo] = {}
        for oc in self._retrieve(spec):
            props = {p.name: p.val for p in (oc.propSet or [])}
            obj = by_moid[_moid(oc.obj)]
            disks = tuple(
                int(d.capacityInKB)
                for d in props.get("config.hardware.device") or []
                if isinstance(d, vim.vm.device.VirtualDisk)
            )
            snap = props.get("snapshot")
            out[obj.path] = TemplateInfo(
                path=obj.path,
                moid=obj.moid,
                is_template=bool(props.get("config.template")),
                disk_sizes_kib=disks,
                has_snapshot=bool(snap is not None and snap.rootSnapshotList),
            )
        return out

    # ------------------------------------------------------------------ privileges

    def user_privileges(
        self, objects: Sequence[InventoryObject], username: str | None = None
    ) -> dict[str, set[str]]:
        """Privileges ``username`` (default: the logged-in user) holds on each object, in one call.

        Uses ``AuthorizationManager.FetchUserPrivilegeOnEntities``; keyed by managed object id. Pass the
        root folder as an :class:`InventoryObject` with ``type="Folder"`` for global privileges.
        """
        content = self._require_login()
        user = username or self.username
        if not objects:
            return {}
        result = content.authorizationManager.FetchUserPrivilegeOnEntities(
            entities=[self._ref(o) for o in objects], userName=user
        )
        return {_moid(r.entity): set(r.privileges or []) for r in result or []}

    def root_folder(self) -> InventoryObject:
        """The root folder as an inventory object (for global privileges)."""
        content = self._require_login()
        return InventoryObject(moid=_moid(content.rootFolder), type="Folder", name="", path="/", parent=None)

    # ------------------------------------------------------------------ tags (vSphere Automation REST)

    def _rest(self, method: str, path: str, body: Any = None, *, name: str, auth: str | None = None) -> Any:
        if self._rest_conn is None:
            self._rest_conn = self._http_connection()
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth is not None:
            headers["Authorization"] = auth
        elif self._rest_session is not None:
            headers["vmware-api-session-id"] = self._rest_session
        payload = json.dumps(body).encode() if body is not None else None
        self.round_trips.rest[name] += 1
        for attempt in (0, 1):
            try:
                self._rest_conn.request(method, "/rest" + path, body=payload, headers=headers)
                resp = self._rest_conn.getresponse()
                data = resp.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._rest_conn.close()
                if attempt:
                    raise ConnectionFailed(_describe(exc)) from exc
        if resp.status == 404:
            return _NOT_FOUND
        if resp.status >= 400:
            raise VCenterError(f"REST {method} {path} failed: HTTP {resp.status}")
        if not data:
            return None
        return json.loads(data).get("value")

    def _rest_login(self) -> None:
        if self._rest_session is not None:
            return
        self._require_login()
        token = base64.b64encode(f"{self.username}:{self._password}".encode()).decode()
        value = self._rest("POST", "/com/vmware/cis/session", name="session.create", auth=f"Basic {token}")
        if not isinstance(value, str):
            raise AuthenticationError("vSphere Automation API login failed")
        self._rest_session = value

    def attached_tags(self, objects: Sequence[InventoryObject]) -> dict[str, list[str]]:
        """Names of the tags attached to each object (keyed by managed object id).

        One ``list-attached-tags-on-objects`` call for all objects, then one GET per distinct tag id not
        seen before in this session.
        """
        if not objects:
            return {}
        self._rest_login()
        value = self._rest(
            "POST",
            "/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects",
            {"object_ids": [{"type": o.type, "id": o.moid} for o in objects]},
            name="tag-association.list-attached-tags-on-objects",
        )
        ids: dict[str, list[str]] = {o.moid: [] for o in objects}
        for entry in value if isinstance(value, list) else []:
            obj_id = (entry.get("object_id") or {}).get("id")
            if obj_id in ids:
                ids[obj_id] = list(entry.get("tag_ids") or [])
        names = self.tag_names({t for tids in ids.values() for t in tids})
        return {moid: sorted(n for t in tids if (n := names.get(t))) for moid, tids in ids.items()}

    def tag_names(self, tag_ids: Iterable[str]) -> dict[str, str | None]:
        """Names of tags by id (None when the tag does not exist); cached per session."""
        self._rest_login()
        for tag_id in sorted(set(tag_ids) - set(self._tag_names)):
            value = self._rest(
                "GET", "/com/vmware/cis/tagging/tag/id:" + quote(tag_id, safe=":"), name="tag.get"
            )
            self._tag_names[tag_id] = value.get("name") if isinstance(value, dict) else None
        return {t: self._tag_names.get(t) for t in tag_ids}

    def existing_tag_ids(self) -> set[str]:
        """All tag ids in vCenter (one call)."""
        self._rest_login()
        value = self._rest("GET", "/com/vmware/cis/tagging/tag", name="tag.list")
        return set(value) if isinstance(value, list) else set()

    def objects_with_tag(self, tag_id: str) -> set[str]:
        """Managed object ids a tag is attached to (one call)."""
        self._rest_login()
        value = self._rest(
            "POST",
            "/com/vmware/cis/tagging/tag-association/id:"
            + quote(tag_id, safe=":")
            + "?~action=list-attached-objects",
            {},
            name="tag-association.list-attached-objects",
        )
        return {o.get("id") for o in value} if isinstance(value, list) else set()

    # ------------------------------------------------------------------ VMs

    def list_vms(
        self,
        *,
        name_prefix: str,
        tag_id: str | None = None,
        folders: Iterable[str] = (),
        datacenter: str | None = None,
    ) -> list[VMInfo]:
        """VMs (never templates) whose name starts with ``name_prefix``.

        Narrowed to those carrying ``tag_id`` when given and to those under one of ``folders`` (inventory
        paths, relative ones resolved in ``datacenter``) when given. An empty prefix is refused so that a
        careless call can never select every VM.
        """
        if not name_prefix:
            raise ValueError("name_prefix must not be empty")
        inv = self.inventory(refresh=True)
        dc = inv.datacenter(datacenter) if datacenter else None
        roots: list[str] = []
        for folder in folders:
            obj = inv.find("Folder", folder, dc)
            if obj is None:
                continue
            roots.append(obj.path)
        if dc is not None and not roots:
            roots.append(dc.path)
        vms = [
            o
            for o in inv.of_kind("VirtualMachine")
            if o.name.startswith(name_prefix)
            and not o.props.get("config.template")
            and (not roots or any(o.path.startswith(r + "/") for r in roots))
        ]
        if tag_id is not None and vms:
            tagged = self.objects_with_tag(tag_id)
            vms = [o for o in vms if o.moid in tagged]
        return [
            VMInfo(
                moid=o.moid,
                name=o.name,
                path=o.path,
                power_state=str(o.props.get("runtime.powerState") or ""),
                is_template=bool(o.props.get("config.template")),
            )
            for o in sorted(vms, key=lambda v: v.path)
        ]

    def _wait_tasks(self, tasks: Sequence[Any], timeout: float | None = None) -> list[str]:
        """Wait for tasks by polling their state in one call per poll; returns error texts."""
        if not tasks:
            return []
        pcq = vmodl.query.PropertyCollector
        spec = pcq.FilterSpec(
            objectSet=[pcq.ObjectSpec(obj=t, skip=False) for t in tasks],
            propSet=[pcq.PropertySpec(type=vim.Task, pathSet=["info.state", "info.error"])],
        )
        deadline = time.monotonic() + (timeout or self.timeout * 4)
        delay = 0.02
        while True:
            states = {}
            for oc in self._retrieve(spec):
                props = {p.name: p.val for p in (oc.propSet or [])}
                states[_moid(oc.obj)] = props
            pending = [s for s in states.values() if s.get("info.state") in ("queued", "running")]
            if not pending:
                return [
                    _fault_text(s["info.error"], None)
                    for s in states.values()
                    if s.get("info.state") == "error" and s.get("info.error") is not None
                ]
            if time.monotonic() > deadline:
                raise VCenterError(f"{len(pending)} task(s) did not finish in time")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def destroy_vms(self, vms: Sequence[VMInfo]) -> list[str]:
        """Power off (when on) and destroy the given VMs; returns their names.

        Tasks are started for all VMs first and waited for together. Templates are refused.
        """
        self._require_login()
        if any(v.is_template for v in vms):
            raise ValueError("refusing to destroy templates")
        refs = {v.moid: vim.VirtualMachine(v.moid, self._stub) for v in vms}
        power_off = [refs[v.moid].PowerOffVM_Task() for v in vms if v.power_state == "poweredOn"]
        errors = self._wait_tasks(power_off)
        destroy = [refs[v.moid].Destroy_Task() for v in vms]
        errors += self._wait_tasks(destroy)
        if errors:
            raise VCenterError("; ".join(errors))
        self._inventory = None
        return [v.name for v in vms]


class _NotFound:
    """Marker for an HTTP 404 answer."""


_NOT_FOUND = _NotFound()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection that, given a thumbprint, refuses peers whose certificate does not match it."""

    def __init__(
        self, host: str, port: int, *, timeout: float | None, context: ssl.SSLContext, thumbprint: str | None
    ):
        super().__init__(host, port, timeout=timeout, context=context)
        self._pin = normalize_thumbprint(thumbprint) if thumbprint else None

    def connect(self) -> None:
        """Connect, then compare the peer certificate's fingerprint with the pin."""
        super().connect()
        if self._pin is None:
            return
        der = self.sock.getpeercert(binary_form=True) if self.sock is not None else None
        actual = normalize_thumbprint(sha1_thumbprint(der or b""))
        if actual != self._pin:
            self.close()
            raise ssl.SSLError("server certificate does not match the configured thumbprint")


def _pinned_connection_factory(thumbprint: str) -> Any:
    """A drop-in for pyvmomi's connection class that pins the peer certificate to ``thumbprint``."""

    def factory(host: str, port: int, **kwargs: Any) -> _PinnedHTTPSConnection:
        return _PinnedHTTPSConnection(
            host, port, timeout=kwargs.get("timeout"), context=kwargs["context"], thumbprint=thumbprint
        )

    return factory


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text


def _fault_text(exc: Any, secret: str | None) -> str:
    """A readable text for a vSphere fault, with ``secret`` masked."""
    text = getattr(exc, "msg", None) or getattr(exc, "localizedMessage", None)
    if not text:
        faults = getattr(exc, "faultMessage", None) or []
        text = "; ".join(getattr(f, "message", "") for f in faults if getattr(f, "message", ""))
    if not text:
        text = type(exc).__name__
    if secret:
        text = text.replace(secret, "****")
    return str(text)
