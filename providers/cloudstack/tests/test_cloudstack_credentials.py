"""CloudStack credentials: INI profiles from EKSA_CLOUDSTACK_B64ENCODED_SECRET, Secrets, env map, the
credentials-ini / render-credentials-secrets cases, and the spec cross-check."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest
from eksa_cloudstack import plugin
from eksa_cloudstack.credentials import credentials_from_env, parse_credentials, parse_ini
from eksa_cloudstack.models import CloudStackDatacenterConfig
from eksa_cloudstack.templates import credentials_secrets, env_map
from eksa_cloudstack.validation import validate_credentials
from eksa_cloudstack_testlib import DC, conformance_dir

from eksa_core.context import ClusterHandle, HookContext
from eksa_core.convert import structure
from eksa_core.errors import EksaError, SpecError
from eksa_core.plugins import Plugins
from eksa_core.spec import ClusterConfig, Spec
from eksa_core.yamlio import read_text, safe_load

SECRET = "s3cr3t-value-never-shown"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_profiles_lowercased_default_ignored_and_inherited() -> None:
    creds = parse_ini(f"""
[DEFAULT]
verify-ssl = false
[Global]
api-key = k1
secret-key = {SECRET}
api-url = http://10.0.0.1:8080/client/api
[Zone2]
api-key = k2
secret-key = s2
api-url = http://10.0.0.2:8080/client/api
verify-ssl = TRUE
timeout = 300
""")
    assert creds.names() == ["global", "zone2"]
    assert creds.get("GLOBAL").verify_ssl == "false" and creds.get("global").verify is False
    assert creds.get("zone2").to_data() == {"name": "zone2", "apiKey": "k2", "secretKey": "s2",
                                            "managementUrl": "http://10.0.0.2:8080/client/api",
                                            "verifySsl": "TRUE", "timeout": "300"}
    assert SECRET not in repr(creds) and SECRET not in repr(creds.get("global"))


@pytest.mark.parametrize(("text", "message"), [
    ("[global]\nsecret-key = s\napi-url = u\n", "extracting value of 'api-key' from global"),
    ("[Global]\napi-key = k\napi-url = u\n", "extracting value of 'secret-key' from Global"),
    ("[global]\napi-key = k\nsecret-key = s\n", "extracting value of 'api-url' from EKSA_CLOUDSTACK_B64ENCODED_SECRET"),
    ("[global]\napi-key = k\nsecret-key = s\napi-url = u\nverify-ssl = yes\n",
     "'verify-ssl' has invalid boolean string yes"),
    ("[DEFAULT]\napi-key = k\n", "no instance found from EKSA_CLOUDSTACK_B64ENCODED_SECRET"),
    (f"[global]\napi-key {SECRET}\n", "failed to extract values from EKSA_CLOUDSTACK_B64ENCODED_SECRET with ini"),
])
def test_errors(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_credentials(_b64(text))
    assert message in str(info.value)
    assert SECRET not in str(info.value)


def test_env_errors() -> None:
    with pytest.raises(SpecError, match="EKSA_CLOUDSTACK_B64ENCODED_SECRET is not set or is empty"):
        credentials_from_env({})
    with pytest.raises(SpecError, match="failed to decode value for EKSA_CLOUDSTACK_B64ENCODED_SECRET with base64"):
        credentials_from_env({"EKSA_CLOUDSTACK_B64ENCODED_SECRET": "not base64!"})


def test_secrets_and_env_map() -> None:
    value = _b64(f"[global]\napi-key = k\nsecret-key = {SECRET}\napi-url = http://h/client/api\n")
    assert credentials_secrets(credentials_from_env({"EKSA_CLOUDSTACK_B64ENCODED_SECRET": value})) == [{
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "global", "namespace": "eksa-system"},
        "stringData": {"api-key": "k", "api-url": "http://h/client/api", "secret-key": SECRET,
                       "verify-ssl": "true"}}]
    assert env_map({"EKSA_CLOUDSTACK_B64ENCODED_SECRET": value}) == {"CLOUDSTACK_B64ENCODED_SECRET": value}
    with pytest.raises(SpecError):
        env_map({})


def test_update_secrets_dry_run_records_without_values(tmp_path: Path) -> None:
    value = _b64(f"[global]\napi-key = k\nsecret-key = {SECRET}\napi-url = http://h/client/api\n")
    context = HookContext(cluster_dir=tmp_path, env={"EKSA_CLOUDSTACK_B64ENCODED_SECRET": value}, dry_run=True)
    plugin.eksa_update_secrets(spec=Spec(config=ClusterConfig()), cluster=ClusterHandle("boot"), context=context)
    assert context.recorded == [{"action": "apply-secret", "cluster": "boot", "name": "global",
                                 "namespace": "eksa-system"}]
    assert SECRET not in repr(context.recorded)


def test_availability_zones_match_profiles() -> None:
    creds = parse_ini("[global]\napi-key = k\nsecret-key = s\napi-url = http://127.16.0.1:8080/client/api\n"
                      "[other]\napi-key = k\nsecret-key = s\napi-url = http://10.9.9.9/client/api\n")
    dc = structure(copy.deepcopy(DC), CloudStackDatacenterConfig)
    assert validate_credentials(dc, creds) == []
    dc.spec.availability_zones[0].credentials_ref = "other"
    assert validate_credentials(dc, creds)[0].message == (
        "cloudstack secret management url (http://10.9.9.9/client/api) differs from cluster spec management url "
        "(http://127.16.0.1:8080/client/api)")
    dc.spec.availability_zones[0].credentials_ref = "missing"
    assert validate_credentials(dc, creds)[0].field == "spec.availabilityZones[0].credentialsRef"


def _cases() -> list[dict[str, Any]]:
    base = conformance_dir()
    if base is None:
        return []
    data = safe_load(read_text(base / "cases.yaml"))
    return [c for c in data["cases"] if c.get("provider") == "cloudstack"
            and c.get("kind") in ("credentials-ini", "render-credentials-secrets")]


CASES = _cases()


@pytest.mark.skipif(not CASES, reason="conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_conformance_case(case: dict[str, Any], cloudstack_conformance: Path) -> None:
    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-cloudstack")
    hooks = plugins.provider("cloudstack")
    env = {"EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(
        (cloudstack_conformance / case["input"]).read_bytes()).decode()}
    inputs = {"base_dir": cloudstack_conformance, "spec": None, "env": env}
    if case.get("expected_error"):
        with pytest.raises(EksaError) as info:
            hooks.eksa_conformance_case(kind=case["kind"], case=case, inputs=inputs)
        assert case["expected_error"] in str(info.value)
        return
    result = hooks.eksa_conformance_case(kind=case["kind"], case=case, inputs=inputs)
    if "expected_value" in case:
        assert result == case["expected_value"]
    else:
        expected = [d for d in safe_load_all(cloudstack_conformance / case["expected"]) if d]
        assert result == expected


def safe_load_all(path: Path) -> list[Any]:
    from eksa_core.yamlio import load_documents, to_plain
    return [to_plain(d.data) for d in load_documents(read_text(path)) if not d.is_empty]
