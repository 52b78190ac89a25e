"""Snow conformance cases: ``credentials-ini`` (the credentials Secret built from the files named by
``EKSA_AWS_CREDENTIALS_FILE`` / ``EKSA_AWS_CA_BUNDLES_FILE``), through the code the provider hooks use."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import attrs

from eksa_core import hookimpl
from eksa_core.models import ObjectMeta, Ref

from .credentials import credentials_secret, read_credentials
from .models import SnowDatacenterConfig, SnowDatacenterConfigSpec
from .validation import set_datacenter_defaults

__all__ = ["CredentialsCheck", "credentials_case", "eksa_conformance_case"]


@attrs.frozen
class CredentialsCheck:
    """Outcome of a credentials case whose expectation is described rather than literal."""

    passed: bool
    detail: str


def credentials_case(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Build the credentials Secret for a datacenter like EKS Anywhere's test (``params`` may set
    ``datacenterName``, ``namespace`` and ``identityRefName``; defaults ``test`` / ``test-namespace`` /
    the defaulted ``<datacenter>-snow-credentials``) and check it: name from ``identityRef``, namespace of the
    datacenter, type Opaque, each data value the base64 text of its file."""
    params = case.get("params") or {}
    dc = SnowDatacenterConfig(
        metadata=ObjectMeta(name=str(params.get("datacenterName", "test")),
                            namespace=str(params.get("namespace", "test-namespace"))),
        spec=SnowDatacenterConfigSpec(identity_ref=Ref(kind="Secret", name=params.get("identityRefName"))),
    )
    set_datacenter_defaults(dc)
    env = dict(inputs.get("env") or {})
    creds = read_credentials(env or None)
    secret = credentials_secret(dc, creds)
    expected = (case.get("expected_value") or {}).get("secret")
    if not isinstance(expected, dict):
        return {"devices": creds.device_ips, "secret": secret}
    base = Path(inputs.get("base_dir") or ".")
    files = {"credentials": base / str(case.get("input")),
             "ca-bundle": base / str((case.get("extra_inputs") or {}).get("certificates", ""))}
    problems: list[str] = []
    meta = secret["metadata"]
    ref = dc.spec.identity_ref
    if meta["name"] != (ref.name if ref else None) or meta["namespace"] != dc.namespace:
        problems.append(f"secret is {meta['namespace']}/{meta['name']}")
    for key in ("apiVersion", "kind", "type"):
        if key in expected and secret.get(key) != expected[key]:
            problems.append(f"{key} is {secret.get(key)!r}, expected {expected[key]!r}")
    for key, path in files.items():
        stored = base64.b64decode(secret["data"].get(key, "")).decode()
        if stored != base64.b64encode(path.read_bytes()).decode():
            problems.append(f"data[{key}] is not the base64 text of {path.name}")
    if problems:
        return CredentialsCheck(False, "; ".join(problems))
    return CredentialsCheck(True, f"secret {meta['namespace']}/{meta['name']} holds both files, double encoded")


@hookimpl
def eksa_conformance_case(kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Run a ``credentials-ini`` case; ``None`` for other kinds."""
    if kind == "credentials-ini":
        return credentials_case(case, inputs)
    return None
