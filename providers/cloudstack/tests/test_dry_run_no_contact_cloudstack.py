"""``eksa create/upgrade/delete cluster --dry-run`` of a cloudstack spec contacts nothing: its endpoints, proxies and
kubeconfig point at a listener that records any connection, and every connection or command of the process is
refused and recorded (device and BMC addresses included: those cannot carry a port)."""

from __future__ import annotations

import base64
from pathlib import Path

from test_contract_cloudstack import API_KEY, API_URL, INI, SECRET_KEY, VALID

from eksa_core.plugins import default_plugins
from eksa_core.testing.nocontact import ContactListener, check_dry_run_contacts_nothing


def spec(listener: ContactListener) -> str:
    return VALID.replace(API_URL, listener.url + "/client/api")


def env(listener: ContactListener) -> dict[str, str]:
    ini = INI.replace(API_URL, listener.url + "/client/api")
    return {"EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(ini.encode()).decode()}


def test_dry_runs_contact_nothing(tmp_path: Path) -> None:
    assert base64  # some providers encode their credentials
    outputs = check_dry_run_contacts_nothing(default_plugins(), tmp_path, spec, env,
                                             secrets=(API_KEY, SECRET_KEY))
    assert "Plan: create" in outputs["create"]
    assert "Plan: upgrade" in outputs["upgrade"] and "Plan: delete" in outputs["delete"]
