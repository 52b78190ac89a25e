"""Bare metal hardware: the hardware CSV, its checks, the catalogue, and the Tinkerbell objects built from it.

* :func:`read_csv` / :func:`read_csv_file` read EKS Anywhere's ``hardware.csv`` into :class:`Machine` records:
  a header row is required; columns ``hostname, ip_address, netmask, gateway, nameservers, mac, disk, labels``
  must be present ("missing required columns in csv: ..."), ``bmc_ip, bmc_username, bmc_password, vlan_id`` are
  optional (absent columns read as ""), other columns are ignored. ``nameservers`` and ``labels`` hold several
  values separated by ``|`` (labels as ``key=value``). MAC addresses are lower-cased.
* :func:`machine_errors` runs EKS Anywhere's static machine assertions (required values, IP / MAC / hostname /
  disk / label / BMC / VLAN rules) and the uniqueness assertions (IP, MAC, hostname, BMC IP) over every machine
  and returns every problem, each located at the CSV file, line and column.
* :class:`Catalogue` indexes machines by label for the hardware-count assertions
  (:func:`minimum_hardware_errors`, :func:`single_selector_errors`).
* :func:`hardware_objects` / :func:`hardware_yaml` build the ``Hardware``, rufio ``Machine`` and BMC ``Secret``
  objects (``eksa generate hardware``).

BMC passwords are kept on :class:`Machine` (they go into the BMC Secret) but never appear in its ``repr``, in
error messages or in logs.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from eksa_core.errors import ErrorCode, SpecError, SpecErrors
from eksa_core.provider import is_ip, label_key_errors, label_value_errors

__all__ = [
    "BMC_SECRET_LABELS",
    "HARDWARE_NAMESPACE",
    "OPTIONAL_COLUMNS",
    "OWNER_NAME_LABEL",
    "REQUIRED_COLUMNS",
    "Catalogue",
    "Machine",
    "assert_machines",
    "hardware_objects",
    "hardware_yaml",
    "machine_errors",
    "minimum_hardware_errors",
    "read_csv",
    "read_csv_file",
    "selector_string",
    "single_selector_errors",
]

HARDWARE_NAMESPACE = "eksa-system"
"""Namespace of the Hardware, rufio Machine and BMC Secret objects."""

OWNER_NAME_LABEL = "v1alpha1.tinkerbell.org/ownerName"
"""Label CAPT puts on provisioned hardware; only hardware without it is available."""

BMC_SECRET_LABELS = {"clusterctl.cluster.x-k8s.io/move": "true"}

REQUIRED_COLUMNS: tuple[str, ...] = (
    "hostname", "ip_address", "netmask", "gateway", "nameservers", "mac", "disk", "labels",
)
"""Columns every hardware CSV must have, in the order EKS Anywhere reports missing ones."""

OPTIONAL_COLUMNS: tuple[str, ...] = ("id", "bmc_ip", "bmc_username", "bmc_password", "vlan_id")
"""Columns that may be left out (read as "")."""

_MISSING_ORDER: tuple[str, ...] = (
    "ip_address", "gateway", "nameservers", "netmask", "mac", "hostname", "disk", "labels",
)
_DISK_RULE = r"^(/dev/[\w-]+)+$"
_DISK = re.compile(r"^(/dev/[\w-]+)+$", re.ASCII)
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_MAC_GROUPS = re.compile(
    r"^(?:[0-9A-Fa-f]{2}(?P<sep>[:-])[0-9A-Fa-f]{2}(?:(?P=sep)[0-9A-Fa-f]{2}){4}"
    r"(?:(?:(?P=sep)[0-9A-Fa-f]{2}){2})?(?:(?:(?P=sep)[0-9A-Fa-f]{2}){12})?"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4})?(?:\.[0-9A-Fa-f]{4}){0,6})$"
)

# column -> Machine attribute
_COLUMN_ATTRS = {
    "id": "id",
    "hostname": "hostname",
    "ip_address": "ip_address",
    "netmask": "netmask",
    "gateway": "gateway",
    "mac": "mac_address",
    "disk": "disk",
    "bmc_ip": "bmc_ip_address",
    "bmc_username": "bmc_username",
    "bmc_password": "bmc_password",
    "vlan_id": "vlan_id",
}


@attrs.define
class Machine:
    """One row of a hardware CSV: a bare metal machine and its optional BMC.

    ``line`` is the 1-based CSV line the machine came from (``None`` for machines built in code).
    """

    hostname: str = ""
    ip_address: str = ""
    netmask: str = ""
    gateway: str = ""
    nameservers: list[str] = attrs.field(factory=list)
    mac_address: str = ""
    disk: str = ""
    labels: dict[str, str] = attrs.field(factory=dict)
    bmc_ip_address: str = ""
    bmc_username: str = ""
    bmc_password: str = attrs.field(default="", repr=False)
    vlan_id: str = ""
    id: str = ""
    line: int | None = attrs.field(default=None, eq=False)

    def has_bmc(self) -> bool:
        """Whether any BMC column is set (then BMC IP, user and password are all required)."""
        return bool(self.bmc_ip_address or self.bmc_username or self.bmc_password)

    def is_provisioned(self) -> bool:
        """Whether the machine already belongs to a cluster (it carries CAPT's owner label)."""
        return OWNER_NAME_LABEL in self.labels

    def to_dict(self) -> dict[str, Any]:
        """The machine as plain data with EKS Anywhere's field names (``ipAddress``, ``macAddress``,
        ``bmcIPAddress``...). ``vlanId`` and ``id`` are included only when set. Contains the BMC password:
        callers must not log it."""
        out: dict[str, Any] = {
            "hostname": self.hostname,
            "ipAddress": self.ip_address,
            "netmask": self.netmask,
            "gateway": self.gateway,
            "nameservers": list(self.nameservers),
            "macAddress": self.mac_address,
            "disk": self.disk,
            "labels": dict(self.labels),
            "bmcIPAddress": self.bmc_ip_address,
            "bmcUsername": self.bmc_username,
            "bmcPassword": self.bmc_password,
        }
        if self.vlan_id:
            out["vlanId"] = self.vlan_id
        if self.id:
            out["id"] = self.id
        return out

    def labels_string(self) -> str:
        """The labels as written in the CSV (``key=value|key=value``)."""
        return "|".join(f"{k}={v}" for k, v in self.labels.items())


# ---------------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------------


def _csv_error(message: str, file: str | None, line: int | None = None, column: str | None = None) -> SpecError:
    return SpecError(message, code=ErrorCode.INVALID, file=file, line=line, field=column)


def _parse_labels(value: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    if not value:
        return labels
    for item in value.split("|"):
        key, sep, val = item.strip().partition("=")
        if not sep or "=" in val:
            raise ValueError(f"badly formatted label: {item}")
        labels[key.strip()] = val.strip()
    return labels


def read_csv(text: str, *, file: str | None = None) -> list[Machine]:
    """Read the machines of a hardware CSV's ``text`` (header row first).

    Raises :class:`SpecErrors` for a missing header, missing required columns or unreadable rows (each located
    at ``file``, line and column). Values are not checked here: see :func:`machine_errors`.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise SpecErrors([_csv_error("reading csv: empty csv file given: a header row is required", file, 1)],
                         summary=f"cannot read hardware csv {file or ''}".rstrip())
    header = [cell.strip() for cell in rows[0]]
    missing = [c for c in _MISSING_ORDER if c not in header]
    if missing:
        raise SpecErrors([_csv_error(f"missing required columns in csv: {', '.join(missing)}", file, 1)],
                         summary=f"cannot read hardware csv {file or ''}".rstrip())
    index = {name: i for i, name in enumerate(header)}
    machines: list[Machine] = []
    errors: list[SpecError] = []
    for offset, row in enumerate(rows[1:], start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            errors.append(_csv_error(f"record on line {offset}: wrong number of fields", file, offset))
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = index.get(name)
            return row[i] if i is not None else ""

        machine = Machine(line=offset)
        for column, attr in _COLUMN_ATTRS.items():
            setattr(machine, attr, cell(column))
        nameservers = cell("nameservers")
        machine.nameservers = nameservers.split("|") if nameservers else []
        try:
            machine.labels = _parse_labels(cell("labels"))
        except ValueError as exc:
            errors.append(_csv_error(str(exc), file, offset, "labels"))
            continue
        machine.mac_address = machine.mac_address.lower()
        machines.append(machine)
    if errors:
        raise SpecErrors(errors, summary=f"cannot read hardware csv {file or ''}".rstrip())
    return machines


def read_csv_file(path: str | os.PathLike[str]) -> list[Machine]:
    """Read a hardware CSV file (see :func:`read_csv`). A missing file is EKS Anywhere's
    "hardware config file <f> does not exist"."""
    p = Path(path)
    if not p.is_file():
        raise SpecErrors([_csv_error(f"hardware config file {p} does not exist", str(p))],
                         summary="cannot read hardware csv")
    return read_csv(p.read_text(encoding="utf-8-sig"), file=str(p))


# ---------------------------------------------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------------------------------------------


def _ip_error(name: str, value: str) -> str | None:
    return None if is_ip(value) else f"{name}: invalid IP address: {value}"


def _static_errors(m: Machine) -> list[tuple[str, str]]:
    """EKS Anywhere's static assertions for one machine, as (column, message); first failing rule per value."""
    out: list[tuple[str, str]] = []

    def empty(field: str) -> str:
        return f"machine: {field} is empty"

    if not m.ip_address:
        out.append(("ip_address", empty("IPAddress")))
    elif err := _ip_error("IPAddress", m.ip_address):
        out.append(("ip_address", err))
    if not m.gateway:
        out.append(("gateway", empty("Gateway")))
    elif err := _ip_error("Gateway", m.gateway):
        out.append(("gateway", err))
    if not m.nameservers:
        out.append(("nameservers", empty("Nameservers")))
    elif any(not ns for ns in m.nameservers):
        out.append(("nameservers", "machine: Nameservers contains an empty entry"))
    if not m.netmask:
        out.append(("netmask", empty("Netmask")))
    if not m.mac_address:
        out.append(("mac", empty("MACAddress")))
    elif not _MAC_GROUPS.match(m.mac_address):
        out.append(("mac", f"MACAddress: address {m.mac_address}: invalid MAC address"))
    if not m.hostname:
        out.append(("hostname", empty("Hostname")))
    else:
        problems = []
        if len(m.hostname) > 253:
            problems.append("must be no more than 253 characters")
        if not _DNS1123_SUBDOMAIN.match(m.hostname):
            problems.append(_DNS1123_SUBDOMAIN_MSG)
        if problems:
            out.append(("hostname", f"invalid hostname: {m.hostname}: [{' '.join(problems)}]"))
    if not _DISK.match(m.disk):
        out.append(("disk", f'disk must be a valid linux path ("{_DISK_RULE}")'))
    for key, value in m.labels.items():
        key_errors = label_key_errors(key)
        if key_errors:
            out.append(("labels", "; ".join(key_errors)))
        value_errors = label_value_errors(value)
        if value_errors:
            out.append(("labels", "; ".join(value_errors)))
    if m.has_bmc():
        if not m.bmc_ip_address:
            out.append(("bmc_ip", empty("BMCIPAddress")))
        elif err := _ip_error("BMCIPAddress", m.bmc_ip_address):
            out.append(("bmc_ip", err))
        if not m.bmc_username:
            out.append(("bmc_username", empty("BMCUsername")))
        if not m.bmc_password:
            out.append(("bmc_password", empty("BMCPassword")))
    if m.vlan_id:
        try:
            vlan = int(m.vlan_id, 10)
        except ValueError:
            out.append(("vlan_id", "VLANID: must be a string integer"))
        else:
            if not 1 <= vlan <= 4094:
                out.append(("vlan_id", "VLANID: must be between 1 and 4094"))
    return out


def machine_errors(machines: Iterable[Machine], *, file: str | None = None) -> list[SpecError]:
    """Every problem of ``machines``: static assertions, then uniqueness of IP, MAC, hostname and BMC IP
    ("duplicate IPAddress: ...", "duplicate MACAddress: ...", "duplicate Hostname: ..."). Each error names the
    CSV ``file``, the machine's line and the column. No message contains a BMC password."""
    errors: list[SpecError] = []
    seen: dict[str, set[str]] = {"ip": set(), "mac": set(), "host": set(), "bmc": set()}
    for m in machines:
        for column, message in _static_errors(m):
            errors.append(_csv_error(message, file, m.line, column))
        if m.ip_address in seen["ip"]:
            errors.append(_csv_error(f"duplicate IPAddress: {m.ip_address}", file, m.line, "ip_address"))
        seen["ip"].add(m.ip_address)
        if m.mac_address in seen["mac"]:
            errors.append(_csv_error(f"duplicate MACAddress: {m.mac_address}", file, m.line, "mac"))
        seen["mac"].add(m.mac_address)
        if m.hostname in seen["host"]:
            errors.append(_csv_error(f"duplicate Hostname: {m.hostname}", file, m.line, "hostname"))
        seen["host"].add(m.hostname)
        if m.has_bmc() and m.bmc_ip_address:
            if m.bmc_ip_address in seen["bmc"]:
                errors.append(_csv_error(f"duplicate IPAddress: {m.bmc_ip_address}", file, m.line, "bmc_ip"))
            seen["bmc"].add(m.bmc_ip_address)
    return errors


def assert_machines(machines: Sequence[Machine], *, file: str | None = None) -> None:
    """Raise :class:`SpecErrors` with every problem of :func:`machine_errors` (do nothing when valid)."""
    SpecErrors.raise_if_any(machine_errors(machines, file=file), summary="the hardware csv is invalid")


# ---------------------------------------------------------------------------------------------------------------
# Catalogue and hardware-count assertions
# ---------------------------------------------------------------------------------------------------------------


Selector = Mapping[str, str]


def selector_string(selector: Selector | Any) -> str:
    """A selector the way EKS Anywhere prints it: compact JSON with sorted keys (``{"type":"cp"}``).
    Hardware affinity objects print as their wire form."""
    if hasattr(selector, "__attrs_attrs__"):
        from eksa_core.provider import unstructure

        selector = unstructure(selector)
    return json.dumps(selector, sort_keys=True, separators=(",", ":"))


def _expression_matches(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, op, values = expr.get("key") or "", expr.get("operator") or "", list(expr.get("values") or [])
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return False


def labels_match(selector: Selector | Any, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` satisfy ``selector``: a ``hardwareSelector`` map (every pair present), or a
    ``hardwareAffinity`` (every required term's ``labelSelector`` matches; preferred terms do not filter)."""
    if isinstance(selector, Mapping):
        return all(labels.get(k) == v for k, v in selector.items())
    from eksa_core.provider import unstructure

    data = unstructure(selector)
    for term in data.get("required") or []:
        sel = term.get("labelSelector") or {}
        if not all(labels.get(k) == v for k, v in (sel.get("matchLabels") or {}).items()):
            return False
        if not all(_expression_matches(e, labels) for e in sel.get("matchExpressions") or []):
            return False
    return True


@attrs.define
class Catalogue:
    """The machines available to a cluster (from a CSV, or read back from a cluster's Hardware objects)."""

    machines: list[Machine] = attrs.field(factory=list)

    @classmethod
    def from_csv_file(cls, path: str | os.PathLike[str]) -> Catalogue:
        """Read and assert a hardware CSV (raises :class:`SpecErrors` with every problem)."""
        machines = read_csv_file(path)
        assert_machines(machines, file=str(path))
        return cls(machines)

    def add(self, machines: Iterable[Machine]) -> None:
        """Add machines (a machine whose hostname is already known replaces the old one)."""
        for machine in machines:
            self.machines = [m for m in self.machines if m.hostname != machine.hostname]
            self.machines.append(machine)

    def __len__(self) -> int:
        return len(self.machines)

    def hostnames(self) -> list[str]:
        return [m.hostname for m in self.machines]

    def by_hostname(self, hostname: str) -> Machine | None:
        for m in self.machines:
            if m.hostname == hostname:
                return m
        return None

    def available(self) -> list[Machine]:
        """Machines not yet provisioned (no owner label)."""
        return [m for m in self.machines if not m.is_provisioned()]

    def matching(self, selector: Selector | Any, *, available_only: bool = True) -> list[Machine]:
        """Machines whose labels satisfy ``selector``."""
        pool = self.available() if available_only else self.machines
        return [m for m in pool if labels_match(selector, m.labels)]

    def has_bmc(self) -> bool:
        """Whether every machine has a BMC."""
        return bool(self.machines) and all(m.has_bmc() for m in self.machines)


def minimum_hardware_errors(
    requirements: Iterable[tuple[Selector | Any, int]], catalogue: Catalogue
) -> list[SpecError]:
    """EKS Anywhere's "minimum hardware count not met for selector '<sel>': have X, require Y".

    :param requirements: (selector, count) per machine group (control plane, each worker group, external etcd).
        Groups using the same selector add up. Only unprovisioned hardware counts.
    """
    needed: dict[str, tuple[Any, int]] = {}
    for selector, count in requirements:
        key = selector_string(selector)
        previous = needed.get(key, (selector, 0))[1]
        needed[key] = (selector, previous + max(count, 0))
    errors: list[SpecError] = []
    for key, (selector, count) in needed.items():
        have = len(catalogue.matching(selector))
        if have < count:
            errors.append(SpecError(f"minimum hardware count not met for selector '{key}': have {have}, "
                                    f"require {count}"))
    return errors


def single_selector_errors(selectors: Iterable[Selector | Any], catalogue: Catalogue) -> list[SpecError]:
    """EKS Anywhere's "hardware must only satisfy 1 selector: hardware name '<h>'; selectors '<a>, <b>'"."""
    distinct: dict[str, Any] = {}
    for selector in selectors:
        distinct.setdefault(selector_string(selector), selector)
    errors: list[SpecError] = []
    for machine in catalogue.available():
        matches = [key for key, sel in distinct.items() if labels_match(sel, machine.labels)]
        if len(matches) > 1:
            errors.append(SpecError(f"hardware must only satisfy 1 selector: hardware name '{machine.hostname}'; "
                                    f"selectors '{', '.join(matches)}'"))
    return errors


# ---------------------------------------------------------------------------------------------------------------
# Tinkerbell objects
# ---------------------------------------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def hardware_objects(machine: Machine, *, namespace: str = HARDWARE_NAMESPACE) -> list[dict[str, Any]]:
    """The objects of one machine: a Tinkerbell ``Hardware``, and when it has a BMC a rufio ``Machine``
    (``bmc-<hostname>``) and its basic-auth ``Secret`` (``bmc-<hostname>-auth``). Keys are sorted as
    Kubernetes serialises them."""
    ip = {"address": machine.ip_address, "family": 4, "gateway": machine.gateway, "netmask": machine.netmask}
    dhcp: dict[str, Any] = {
        "arch": "x86_64",
        "hostname": machine.hostname,
        "ip": dict(ip),
        "lease_time": 4294967294,
        "mac": machine.mac_address,
        "name_servers": list(machine.nameservers),
        "uefi": True,
    }
    if machine.vlan_id:
        dhcp["vlan_id"] = machine.vlan_id
    spec: dict[str, Any] = {}
    if machine.has_bmc():
        spec["bmcRef"] = {"kind": "Machine", "name": f"bmc-{machine.hostname}"}
    spec["disks"] = [{"device": machine.disk}]
    spec["interfaces"] = [{
        "dhcp": dict(sorted(dhcp.items())),
        "netboot": {"allowPXE": True, "allowWorkflow": True},
    }]
    spec["metadata"] = {
        "facility": {"facility_code": "onprem", "plan_slug": "c2.medium.x86"},
        "instance": {
            "allow_pxe": True,
            "always_pxe": True,
            "hostname": machine.hostname,
            "id": machine.mac_address,
            "ips": [{**ip, "public": True}],
            "operating_system": {},
        },
    }
    metadata: dict[str, Any] = {}
    if machine.labels:
        metadata["labels"] = dict(machine.labels)
    metadata["name"] = machine.hostname
    metadata["namespace"] = namespace
    out: list[dict[str, Any]] = [{
        "apiVersion": "tinkerbell.org/v1alpha1",
        "kind": "Hardware",
        "metadata": metadata,
        "spec": spec,
        "status": {},
    }]
    if machine.has_bmc():
        secret_name = f"bmc-{machine.hostname}-auth"
        out.append({
            "apiVersion": "bmc.tinkerbell.org/v1alpha1",
            "kind": "Machine",
            "metadata": {"name": f"bmc-{machine.hostname}", "namespace": namespace},
            "spec": {"connection": {
                "authSecretRef": {"name": secret_name, "namespace": namespace},
                "host": machine.bmc_ip_address,
                "insecureTLS": True,
                "port": 0,
                "providerOptions": {"preferredOrder": ["gofish"]},
            }},
            "status": {},
        })
        out.append({
            "apiVersion": "v1",
            "data": {"password": _b64(machine.bmc_password), "username": _b64(machine.bmc_username)},
            "kind": "Secret",
            "metadata": {"labels": dict(BMC_SECRET_LABELS), "name": secret_name, "namespace": namespace},
            "type": "kubernetes.io/basic-auth",
        })
    return out


def hardware_manifests(machines: Iterable[Machine], *, namespace: str = HARDWARE_NAMESPACE) -> list[dict[str, Any]]:
    """The objects of every machine, machine by machine."""
    return [obj for m in machines for obj in hardware_objects(m, namespace=namespace)]


def hardware_yaml(machines: Iterable[Machine], *, namespace: str = HARDWARE_NAMESPACE) -> str:
    """``eksa generate hardware`` output: the objects of every machine as multi-document YAML (documents
    separated by ``---``, keys sorted, strings a YAML 1.1 reader would take for another type double-quoted, as
    Kubernetes tooling writes them)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.representer import SafeRepresenter
    from ruamel.yaml.resolver import VersionedResolver

    resolver = VersionedResolver(version=(1, 1))

    def represent_str(representer: SafeRepresenter, value: str) -> Any:
        tag = resolver.resolve(ScalarNode, value, (True, False))
        ambiguous = tag != "tag:yaml.org,2002:str" or value == "" or _BASE60.match(value) is not None
        style = '"' if ambiguous else None
        return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.representer.add_representer(str, represent_str)
    docs = []
    for obj in hardware_manifests(machines, namespace=namespace):
        buf = io.StringIO()
        yaml.dump(obj, buf)
        docs.append(buf.getvalue().rstrip("\n"))
    return "\n---\n".join(docs)
