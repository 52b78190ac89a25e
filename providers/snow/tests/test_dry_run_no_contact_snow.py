"""``eksa create/upgrade/delete cluster --dry-run`` of a snow spec contacts nothing: its endpoints, proxies and
kubeconfig point at a listener that records any connection, and every connection or command of the process is
refused and recorded (device and BMC addresses included: those cannot carry a port)."""

from __future__ import annotations

import base64
from pathlib import Path

from test_contract_snow import ACCESS_KEY_ID, CA_BUNDLES_FILE, CREDENTIALS_FILE, SECRET_ACCESS_KEY, VALID

from eksa_core.plugins import default_plugins
from eksa_core.testing.nocontact import ContactListener, check_dry_run_contacts_nothing


def spec(listener: ContactListener) -> str:
    return VALID


def env(listener: ContactListener) -> dict[str, str]:
    return {"EKSA_AWS_CREDENTIALS_FILE": str(CREDENTIALS_FILE), "EKSA_AWS_CA_BUNDLES_FILE": str(CA_BUNDLES_FILE)}


def test_dry_runs_contact_nothing(tmp_path: Path) -> None:
    assert base64  # some providers encode their credentials
    outputs = check_dry_run_contacts_nothing(default_plugins(), tmp_path, spec, env,
                                             secrets=(ACCESS_KEY_ID, SECRET_ACCESS_KEY))
    assert "Plan: create" in outputs["create"]
    assert "Plan: upgrade" in outputs["upgrade"] and "Plan: delete" in outputs["delete"]
