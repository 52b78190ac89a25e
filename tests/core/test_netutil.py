"""The syntactic helpers behind the validation rules (no network is ever used)."""

from __future__ import annotations

import pytest

from eksa_core import netutil


@pytest.mark.parametrize(("value", "ok"), [
    ("example.com", True), ("a.b-c.example", True), ("localhost", True), ("host.", True), ("0.0.0.1234", False),
    ("1.2.3", False), ("-bad.com", False), ("bad_name.com", False), ("a" * 64 + ".com", False), ("", False),
    ("xn--bcher-kva.example", True), ("1password.com", True),
])
def test_domain_names(value: str, ok: bool) -> None:
    assert netutil.is_domain_name(value) is ok


def test_split_host_port_like_go() -> None:
    assert netutil.split_host_port("0.0.0.0:1") == ("0.0.0.0", "1")
    assert netutil.split_host_port("[fd00::1]:3128") == ("fd00::1", "3128")
    for bad, reason in (("host", "missing port"), ("a:b:c", "too many colons"), ("[::1", "missing ']'")):
        with pytest.raises(ValueError, match=reason):
            netutil.split_host_port(bad)


def test_request_uri() -> None:
    assert netutil.parse_request_uri("http://user@proxy:3128/x") == ("http", "proxy:3128", "/x")
    assert netutil.parse_request_uri("/abs/path") == ("", "", "/abs/path")
    for bad in ("mydomain./issuer", "relative", "http://a b", ""):
        with pytest.raises(ValueError):
            netutil.parse_request_uri(bad)


def test_cidr_and_ports() -> None:
    assert str(netutil.parse_cidr("192.168.1.5/16")) == "192.168.0.0/16"
    assert netutil.parse_cidr("192.168.0.0") is None
    assert netutil.parse_cidr("10.0.0.0/33") is None
    assert netutil.parse_cidr("10.0.0.0/08") is None
    assert netutil.is_valid_port("443") and not netutil.is_valid_port("0") and not netutil.is_valid_port("70000")
    assert not netutil.is_valid_port("-1") and not netutil.is_valid_port("")


@pytest.mark.parametrize(("value", "seconds"), [
    ("10m0s", 600.0), ("1h30m", 5400.0), ("0", 0.0), ("-5s", -5.0), ("1.5h", 5400.0), ("300ms", 0.3),
    ("10", None), ("m", None), ("", None), ("10 m", None),
])
def test_go_durations(value: str, seconds: float | None) -> None:
    assert netutil.go_duration_seconds(value) == seconds


def test_versions() -> None:
    assert netutil.parse_semver("v0.19.0-dev+latest") == (0, 19, 0, "dev")
    assert netutil.parse_semver("1.2") is None
    assert netutil.parse_kube_version("1.30") == (1, 30)
    assert netutil.kube_minor("v1.28.3") == 28
    assert netutil.parse_kube_version("latest") is None


def test_labels() -> None:
    assert netutil.label_key_errors("example.com/role") == []
    assert netutil.label_key_errors("Example.com/role")
    assert netutil.label_key_errors("a/b/c")
    assert netutil.label_key_errors("/x")
    assert netutil.label_value_errors("") == []
    assert netutil.label_value_errors("v" * 64)
    assert netutil.label_value_errors("ok_value.1") == []
