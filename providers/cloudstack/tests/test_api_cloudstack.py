"""The CloudStack API client: request signing, the wire format, pagination, typed errors, async jobs, and keys that
never reach an error or a log line. Runs against :class:`CloudStackAPIDouble` (a double: no CloudStack here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from apidouble import CloudStackAPIDouble, java_url_encode, verify_signature
from eksa_cloudstack.client import (
    CloudStackAPIError,
    CloudStackAsyncJobError,
    CloudStackAuthError,
    CloudStackClient,
    CloudStackConnectionError,
    canonical_query,
    encode_value,
    sign,
)
from eksa_cloudstack.credentials import CloudStackProfile

API_KEY = "api-KEY-0123456789"
SECRET_KEY = "secret-KEY-9876543210"


@pytest.fixture
def double() -> Iterator[CloudStackAPIDouble]:
    with CloudStackAPIDouble({API_KEY: SECRET_KEY}) as d:
        yield d


class RecordingSleep:
    """A fake ``sleep``: records the delays and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client(double: CloudStackAPIDouble, **kw: Any) -> CloudStackClient:
    return CloudStackClient(double.url, API_KEY, SECRET_KEY, **kw)


# -- signing --------------------------------------------------------------------------------------------------


def test_signature_of_the_documented_example() -> None:
    # The example of CloudStack's developer guide ("Signing API Requests"): listUsers with its sample keys.
    api_key = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg"
    secret = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"
    params = {"command": "listUsers", "response": "json", "apiKey": api_key}
    assert sign(params, secret) == "TTpdDq/7j/J58XCRHomKoQXEQds="


def test_signature_computed_by_hand() -> None:
    params = {"response": "json", "command": "listZones", "name": "Zone 1+a~b*c", "apiKey": "KEY-1"}
    # By hand: values URL-encoded (space %20, '+' %2B, '~' %7E, '*' kept), pairs sorted by name, lower-cased.
    unsigned = "apikey=key-1&command=listzones&name=zone%201%2ba%7eb*c&response=json"
    assert canonical_query(params) == unsigned
    expected = base64.b64encode(hmac.new(b"secret-1", unsigned.encode(), hashlib.sha1).digest()).decode()
    assert sign(params, "secret-1") == expected == "E25b4AArm1/eRd0ep7t+YYMiqZc="
    # The signature parameter itself is never signed.
    assert sign({**params, "signature": "whatever"}, "secret-1") == expected


@pytest.mark.parametrize("value", ["plain", "a b", "x+y", "~tilde*star", "ROOT/domain 1", "é/ü?&=", "-_."])
def test_value_encoding_is_javas_url_encoder(value: str) -> None:
    assert encode_value(value) == java_url_encode(value)


def test_double_verifies_signatures_independently() -> None:
    params = {"command": "listZones", "response": "json", "apiKey": "k", "name": "a b"}
    params["signature"] = sign(params, "s")
    assert verify_signature(params, "s")
    assert not verify_signature(params, "other")
    assert not verify_signature({**params, "name": "a c"}, "s")


# -- wire format ----------------------------------------------------------------------------------------------


def test_request_shape_and_result(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("zone one")
    assert _client(double).list_zones(name="zone one") == [zone]
    served = double.requests[-1]
    assert served.command == "listZones" and served.status == 200
    assert served.params["response"] == "json" and served.params["name"] == "zone one"


def test_bad_signature_is_refused_like_cloudstack(double: CloudStackAPIDouble) -> None:
    params = {"command": "listZones", "response": "json", "apiKey": API_KEY, "signature": "forged"}
    raw = requests.get(double.url, params=params, timeout=5)
    assert raw.status_code == 401
    body = raw.json()["listzonesresponse"]
    assert body["errorcode"] == 401
    assert "unable to verify user credentials" in body["errortext"]

    with pytest.raises(CloudStackAuthError) as info:
        CloudStackClient(double.url, API_KEY, "wrong-secret").list_zones()
    assert info.value.errorcode == 401 and info.value.status == 401
    with pytest.raises(CloudStackAuthError):
        CloudStackClient(double.url, "unknown-key", SECRET_KEY).list_zones()


def test_pagination_reads_every_page(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    for i in range(7):
        double.add_vm(f"vm-{i}", zone["id"])
    vms = _client(double, page_size=3).list_virtual_machines(zoneid=zone["id"])
    assert [v["name"] for v in vms] == [f"vm-{i}" for i in range(7)]
    pages = [(r.params["page"], r.params["pagesize"]) for r in double.requests if r.command == "listVirtualMachines"]
    assert pages == [("1", "3"), ("2", "3"), ("3", "3")]


def test_pagination_stops_at_count(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    for i in range(6):
        double.add_vm(f"vm-{i}", zone["id"])
    assert len(_client(double, page_size=3).list_virtual_machines()) == 6
    assert [r.params["page"] for r in double.requests] == ["1", "2"]


def test_empty_list_is_empty(double: CloudStackAPIDouble) -> None:
    assert _client(double).list_zones(name="nothing") == []


def test_cloudstack_error_json_becomes_a_typed_error(double: CloudStackAPIDouble) -> None:
    double.fail_commands["listNetworks"] = (431, "Unable to execute API command listnetworks due to invalid value")
    with pytest.raises(CloudStackAPIError) as info:
        _client(double).list_networks(zoneid="z")
    err = info.value
    assert not isinstance(err, CloudStackAuthError)
    assert (err.command, err.status, err.errorcode, err.cserrorcode) == ("listNetworks", 431, 431, 9999)
    assert err.errortext == "Unable to execute API command listnetworks due to invalid value"
    assert "CloudStack error 431" in str(err)


def test_unknown_command_and_missing_parameter(double: CloudStackAPIDouble) -> None:
    with pytest.raises(CloudStackAPIError) as info:
        _client(double).request("listUnicorns")
    assert info.value.errorcode == 432
    with pytest.raises(CloudStackAPIError) as info:
        _client(double).request("listTemplates")
    assert info.value.errorcode == 431 and "templatefilter" in str(info.value)


def test_list_templates_sends_filter_and_listall(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    double.add_template("rhel-1-28", zone["id"])
    assert len(_client(double).list_templates(zoneid=zone["id"], name="rhel-1-28")) == 1
    params = double.requests[-1].params
    assert params["templatefilter"] == "all" and params["listall"] == "true"


def test_account_is_only_sent_with_a_domain(double: CloudStackAPIDouble) -> None:
    _client(double).list_networks(zoneid="z", account="admin")
    assert "account" not in double.requests[-1].params
    _client(double).list_networks(zoneid="z", domainid="d", account="admin")
    assert double.requests[-1].params["account"] == "admin"


def test_not_cloudstack_json(double: CloudStackAPIDouble) -> None:
    url = double.url.replace("/client/api", "/elsewhere")
    with pytest.raises(CloudStackAPIError) as info:
        CloudStackClient(url, API_KEY, SECRET_KEY).list_zones()
    assert "unexpected answer" in str(info.value) or "CloudStack error 404" in str(info.value)


# -- verify-ssl -----------------------------------------------------------------------------------------------


class RecordingSession(requests.Session):
    """A real session that records the ``verify`` of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.verify_seen: list[Any] = []

    def get(self, url: str | bytes, **kw: Any) -> requests.Response:  # type: ignore[override]
        self.verify_seen.append(kw.get("verify"))
        return super().get(url, **kw)


@pytest.mark.parametrize(("verify_ssl", "expected"), [("false", False), ("true", True), ("0", False)])
def test_verify_ssl_of_the_profile_is_honoured(double: CloudStackAPIDouble, verify_ssl: str, expected: bool) -> None:
    session = RecordingSession()
    profile = CloudStackProfile("global", API_KEY, SECRET_KEY, double.url, verify_ssl=verify_ssl)
    client = CloudStackClient.from_profile(profile, session=session)
    client.list_zones()
    assert session.verify_seen == [expected]


# -- async jobs -----------------------------------------------------------------------------------------------


def test_async_job_is_polled_with_the_injected_sleep(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    vm = double.add_vm("c-abcde", zone["id"])
    double.job_polls = 3
    sleep = RecordingSleep()
    result = _client(double, sleep=sleep, poll_interval=5).stop_virtual_machine(vm["id"])
    assert result["virtualmachine"]["state"] == "Stopped"
    assert sleep.calls == [5, 5, 5]
    assert double.commands() == ["stopVirtualMachine"] + ["queryAsyncJobResult"] * 4


def test_destroy_expunges(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    vm = double.add_vm("c-abcde", zone["id"], state="Stopped")
    _client(double).destroy_virtual_machine(vm["id"])
    assert double.vm(vm["id"]) is None
    assert double.requests[0].params["expunge"] == "true"


def test_failed_job_is_an_error(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    vm = double.add_vm("c-abcde", zone["id"])
    double.fail_jobs["stopVirtualMachine"] = "Failed to stop VM: host is down"
    with pytest.raises(CloudStackAsyncJobError) as info:
        _client(double).stop_virtual_machine(vm["id"])
    assert "host is down" in str(info.value) and info.value.errorcode == 530
    assert info.value.jobid


def test_job_timeout_counts_polls_not_time(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    vm = double.add_vm("c-abcde", zone["id"])
    double.job_polls = 100
    sleep = RecordingSleep()
    with pytest.raises(CloudStackAsyncJobError, match="did not finish within 10s"):
        _client(double, sleep=sleep, poll_interval=2, job_timeout=10).stop_virtual_machine(vm["id"])
    assert sleep.calls == [2] * 5


def test_no_wait_returns_the_job(double: CloudStackAPIDouble) -> None:
    zone = double.add_zone("z")
    vm = double.add_vm("c-abcde", zone["id"])
    job = _client(double).stop_virtual_machine(vm["id"], wait=False)
    assert set(job) == {"jobid"}
    assert double.vm(vm["id"])["state"] == "Running"  # type: ignore[index]


# -- secrets --------------------------------------------------------------------------------------------------


def _assert_no_secret(text: str) -> None:
    assert API_KEY not in text and SECRET_KEY not in text
    assert "signature=" not in text.replace("signature=<redacted>", "")


def test_keys_are_not_in_errors_or_repr(double: CloudStackAPIDouble) -> None:
    client = CloudStackClient(double.url, API_KEY, "wrong-secret")
    with pytest.raises(CloudStackAuthError) as info:
        client.list_zones()
    _assert_no_secret(str(info.value) + repr(info.value) + repr(client))
    assert info.value.__cause__ is None


def test_unreachable_endpoint_error_has_no_query(caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = CloudStackClient(f"http://127.0.0.1:{port}/client/api", API_KEY, SECRET_KEY, timeout=5)
    with pytest.raises(CloudStackConnectionError) as info:
        client.list_zones()
    err = info.value
    assert f"127.0.0.1:{port}/client/api" in str(err)
    _assert_no_secret(str(err))
    assert "apiKey" not in str(err) and err.__cause__ is None and err.__suppress_context__


def test_keys_never_in_debug_logs(double: CloudStackAPIDouble, caplog: pytest.LogCaptureFixture) -> None:
    double.add_zone("z")
    with caplog.at_level(logging.DEBUG):
        _client(double).list_zones()
        with pytest.raises(CloudStackAuthError):
            CloudStackClient(double.url, API_KEY, "wrong").list_zones()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "listZones" in text  # something was logged...
    _assert_no_secret(text)  # ...but no key and no signed URL
    sig = sign({"command": "listZones", "response": "json", "apiKey": API_KEY}, SECRET_KEY)
    assert sig not in text
