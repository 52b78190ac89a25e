"""Secret data never reaches error messages or logs (real control plane; errors echoing secrets: fault double)."""

from __future__ import annotations

import base64
import logging
import traceback

import pytest

from eksa_core.kube import KubeError

from .fixtures import KubeTestEnv

PASSWORD = "s3cr3t-Passw0rd!"
TOKEN = "tok-4f9a8b7c6d5e"
B64_PASSWORD = base64.b64encode(PASSWORD.encode()).decode()
B64_TOKEN = base64.b64encode(TOKEN.encode()).decode()


def _secret(ns: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "vsphere-credentials", "namespace": ns},
        "type": "Opaque",
        "data": {"password": B64_PASSWORD},
        "stringData": {"token": TOKEN},
    }


def _assert_clean(text: str) -> None:
    for value in (PASSWORD, TOKEN, B64_PASSWORD, B64_TOKEN):
        assert value not in text


@pytest.mark.parametrize("status", [422, 500])
def test_server_errors_echoing_secret_values_are_redacted(
    fault_env: KubeTestEnv, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    double = fault_env.need_double("makes the server echo secret values in an error")
    double.inject_failure(
        status,
        method="PATCH",
        times=None,
        message=f'Secret "vsphere-credentials" is invalid: data[password]: Invalid value: "{B64_PASSWORD}" '
        f"(decoded {PASSWORD}), stringData[token]: {TOKEN}",
    )
    caplog.set_level(logging.DEBUG)

    with pytest.raises(KubeError) as info:
        fault_env.client.apply(_secret(fault_env.namespace))

    error = info.value
    assert "vsphere-credentials" in str(error) and "<redacted>" in str(error)
    _assert_clean(str(error))
    _assert_clean(repr(error))
    _assert_clean("".join(traceback.format_exception(error)))
    assert error.__cause__ is None
    _assert_clean(caplog.text)


def test_successful_secret_apply_logs_no_values(
    kube_env: KubeTestEnv, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    applied = kube_env.client.apply(_secret(kube_env.namespace))[0]
    assert base64.b64decode(applied["data"]["token"]).decode() == TOKEN
    _assert_clean(caplog.text)


def test_errors_about_existing_secrets_carry_no_data(kube_env: KubeTestEnv) -> None:
    kube_env.client.apply(_secret(kube_env.namespace))
    with pytest.raises(KubeError) as info:
        kube_env.client.create(_secret(kube_env.namespace))
    assert info.value.reason == "AlreadyExists"
    _assert_clean(str(info.value))
