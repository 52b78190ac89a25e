"""Small syntactic checks the spec validation needs: IPs, CIDRs, host names, ports, URIs, Go durations,
semantic versions, Kubernetes versions and label keys/values.

Everything here is purely syntactic. Nothing resolves names or opens connections: a spec is validated the
same way on a laptop without network as in a data center.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "MAX_DURATION_SECONDS",
    "go_duration_seconds",
    "is_domain_name",
    "is_ip",
    "is_valid_port",
    "kube_minor",
    "label_key_errors",
    "label_value_errors",
    "parse_cidr",
    "parse_kube_version",
    "parse_request_uri",
    "parse_semver",
    "split_host_port",
]

MAX_DURATION_SECONDS = 365 * 24 * 3600
"""Largest machine health check timeout EKS Anywhere accepts (one year)."""

_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_NUMERIC_LABEL = re.compile(r"^[0-9]+$")


def is_ip(value: str) -> bool:
    """Whether ``value`` is an IPv4 or IPv6 address (no brackets, no zone)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def parse_cidr(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """Parse ``a.b.c.d/n`` (or IPv6) the way Go's ``net.ParseCIDR`` does: host bits may be set, a prefix is
    required. ``None`` when invalid."""
    if "/" not in value:
        return None
    address, _, prefix = value.partition("/")
    if not prefix.isdigit() or (len(prefix) > 1 and prefix.startswith("0")):
        return None
    try:
        return ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    except ValueError:
        return None


def is_domain_name(value: str) -> bool:
    """Whether ``value`` is a syntactically valid DNS name (RFC 1123 labels, at most 253 characters).

    A name made only of numeric labels (``0.0.0.1234``) is not a name: it is a malformed address. A trailing dot
    is accepted.
    """
    name = value[:-1] if value.endswith(".") else value
    if not name or len(name) > 253:
        return False
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        return False
    return not all(_NUMERIC_LABEL.match(label) for label in labels)


def is_valid_port(port: str) -> bool:
    """Whether ``port`` is a decimal TCP port 1-65535."""
    return port.isdigit() and 0 < int(port) <= 65535


def split_host_port(address: str) -> tuple[str, str]:
    """Split ``host:port`` / ``[v6]:port`` like Go's ``net.SplitHostPort``; raises ``ValueError`` with Go's
    reasons (``missing port in address``, ``too many colons in address``...)."""
    if address.startswith("["):
        end = address.find("]")
        if end < 0:
            raise ValueError(f"address {address}: missing ']' in address")
        host, rest = address[1:end], address[end + 1:]
        if not rest.startswith(":"):
            raise ValueError(f"address {address}: missing port in address")
        port = rest[1:]
        if ":" in port:
            raise ValueError(f"address {address}: too many colons in address")
        return host, port
    count = address.count(":")
    if count == 0:
        raise ValueError(f"address {address}: missing port in address")
    if count > 1:
        raise ValueError(f"address {address}: too many colons in address")
    host, _, port = address.partition(":")
    return host, port


_URI = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<rest>.*)$", re.DOTALL)


def parse_request_uri(value: str) -> tuple[str, str, str]:
    """Parse an absolute URI (or an absolute path) like Go's ``url.ParseRequestURI``.

    :return: ``(scheme, host, path)``; ``host`` keeps its port. Raises ``ValueError("invalid URI for request")``
        for anything else (relative references, spaces or control characters...).
    """
    if not value or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("invalid URI for request")
    if value.startswith("/"):
        return "", "", value
    match = _URI.match(value)
    if not match:
        raise ValueError("invalid URI for request")
    scheme, rest = match["scheme"].lower(), match["rest"]
    if not rest.startswith("//"):
        if rest.startswith("/"):
            return scheme, "", rest
        return scheme, "", ""  # opaque URI such as mailto:x
    authority, sep, path = rest[2:].partition("/")
    authority = authority.split("#", 1)[0].split("?", 1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("[") and "]" not in host:
        raise ValueError("missing ']' in host")
    return scheme, host, sep + path


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration_seconds(value: str) -> float | None:
    """Seconds of a Go duration string (``10m0s``, ``1h30m``, ``-5s``, ``0``); ``None`` when it is not one."""
    text = value.strip()
    if not text:
        return None
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match:
            return None
        total += float(match[1]) * _UNITS[match[2]]
        pos = match.end()
    return sign * total if pos else None


_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


def parse_semver(value: str) -> tuple[int, int, int, str] | None:
    """``(major, minor, patch, prerelease)`` of a semantic version (``v`` prefix allowed); ``None`` if invalid."""
    match = _SEMVER.match(value)
    if not match:
        return None
    return int(match["major"]), int(match["minor"]), int(match["patch"]), match["pre"] or ""


_KUBE_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


def parse_kube_version(value: str | None) -> tuple[int, int] | None:
    """``(major, minor)`` of a Kubernetes version such as ``1.30``; ``None`` when it is not one."""
    match = _KUBE_VERSION.match(value or "")
    return (int(match[1]), int(match[2])) if match else None


def kube_minor(value: str | None) -> int | None:
    """The minor number of a ``1.x`` Kubernetes version (``None`` when unparseable)."""
    parsed = parse_kube_version(value)
    return parsed[1] if parsed else None


# Kubernetes label syntax (apimachinery's IsQualifiedName / IsValidLabelValue) ---------------------------------

_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME_RULE = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character")


def label_key_errors(key: str) -> list[str]:
    """Why ``key`` is not a valid label key (empty list when it is)."""
    prefix, slash, name = key.rpartition("/")
    errors: list[str] = []
    if slash:
        if not prefix:
            errors.append(f"{key!r}: prefix part must be non-empty")
        elif len(prefix) > 253:
            errors.append(f"{key!r}: prefix part must be no more than 253 characters")
        elif not _DNS1123_SUBDOMAIN.match(prefix):
            errors.append(f"{key!r}: prefix part must be a lowercase RFC 1123 subdomain")
    if not name:
        errors.append(f"{key!r}: name part must be non-empty")
    elif len(name) > 63:
        errors.append(f"{key!r}: name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME.match(name):
        errors.append(f"{key!r}: name part {_NAME_RULE}")
    return errors


def label_value_errors(value: str) -> list[str]:
    """Why ``value`` is not a valid label value (empty list when it is; an empty value is valid)."""
    if value == "":
        return []
    if len(value) > 63:
        return [f"{value!r}: a label value must be no more than 63 characters"]
    if not _QUALIFIED_NAME.match(value):
        return [f"{value!r}: a label value {_NAME_RULE}"]
    return []
