"""``eksa create/upgrade/delete cluster --dry-run`` of a baremetal spec contacts nothing: its endpoints, proxies and
kubeconfig point at a listener that records any connection, and every connection or command of the process is
refused and recorded (device and BMC addresses included: those cannot carry a port)."""

from __future__ import annotations

import base64
from pathlib import Path

from test_contract_tinkerbell import VALID

from eksa_core.plugins import default_plugins
from eksa_core.testing.nocontact import ContactListener, check_dry_run_contacts_nothing


def spec(listener: ContactListener) -> str:
    return VALID.replace("tinkerbellIP: 10.80.0.11", f"tinkerbellIP: {listener.host}")


def env(listener: ContactListener) -> dict[str, str]:
    return {}


def test_dry_runs_contact_nothing(tmp_path: Path) -> None:
    assert base64  # some providers encode their credentials
    csv = tmp_path / "hardware.csv"
    rows = ["hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk"]
    for i in range(1, 6):
        rows.append(f"host{i},10.80.1.{i},admin,NoContact-Bmc-{i},00:00:00:00:00:0{i},10.80.0.{20 + i},255.255.255.0,"
                    f"10.80.0.1,1.1.1.1,type={'cp' if i <= 3 else 'worker'},/dev/sda")
    csv.write_text("\n".join(rows) + "\n")
    outputs = check_dry_run_contacts_nothing(default_plugins(), tmp_path, spec, env,
                                             extra_args={"create": ("--hardware-csv", str(csv))},
                                             secrets=[f"NoContact-Bmc-{i}" for i in range(1, 6)])
    assert "Plan: create" in outputs["create"]
    assert "Plan: upgrade" in outputs["upgrade"] and "Plan: delete" in outputs["delete"]
