"""``eksa create/upgrade/delete cluster --dry-run`` of a Docker spec contacts nothing: no connection (the Docker
engine socket, registries, proxies, the cluster's kubeconfig all point at a listener that records any) and no
command started."""

from __future__ import annotations

from pathlib import Path

from test_contract_docker import VALID

from eksa_core.plugins import default_plugins
from eksa_core.testing.nocontact import ContactListener, check_dry_run_contacts_nothing


def spec(listener: ContactListener) -> str:
    return VALID.replace("  datacenterRef:", f"""  registryMirrorConfiguration:
    endpoint: {listener.host}
    port: "{listener.port}"
  proxyConfiguration:
    httpProxy: {listener.url}
    httpsProxy: {listener.url}
  datacenterRef:""", 1)


def test_dry_runs_contact_nothing(tmp_path: Path) -> None:
    outputs = check_dry_run_contacts_nothing(
        default_plugins(), tmp_path, spec,
        lambda listener: {"DOCKER_HOST": f"tcp://{listener.address}", "GITHUB_TOKEN": "ghp_noContact123"})
    assert "Plan: create-management of cluster dev" in outputs["create"]
    assert "Plan: upgrade" in outputs["upgrade"] and "Plan: delete" in outputs["delete"]
