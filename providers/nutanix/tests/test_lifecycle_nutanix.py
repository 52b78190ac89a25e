"""Lifecycle hooks: the CAPX and EKS-A credentials Secrets reach the cluster through the core's KubeClient (the
real control plane of ``eksa_core.testing``, marked ``realkube``); dry runs record names only."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eksa_nutanix.lifecycle import eksa_pre_capi_install_on_bootstrap, eksa_update_secrets
from test_templates_nutanix import _spec

from eksa_core.context import ClusterHandle, HookContext
from eksa_core.kube import KubeClient
from eksa_core.testing.controlplane import ControlPlane

ENV = {"EKSA_NUTANIX_USERNAME": "admin", "EKSA_NUTANIX_PASSWORD": "Prism-Secret-9"}


@pytest.fixture
def api(control_plane: ControlPlane) -> Iterator[ClusterHandle]:
    """The session's real control plane as the bootstrap cluster, without the Secrets earlier tests left in
    ``eksa-system`` (the plane is shared)."""
    kube = KubeClient(str(control_plane.kubeconfig))
    try:
        for secret in kube.list("v1", "Secret", "eksa-system"):
            kube.delete("v1", "Secret", secret["metadata"]["name"], "eksa-system", ignore_not_found=True)
    finally:
        kube.close()
    yield ClusterHandle("bootstrap", control_plane.kubeconfig)


def _credentials(secret: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(secret["data"]["credentials"]))


def test_update_secrets_applies_capx_and_eksa_credentials(api: ClusterHandle, tmp_path: Path) -> None:
    spec = _spec("nutanix-kcp-main")
    ctx = HookContext(cluster_dir=tmp_path, env=ENV)
    eksa_update_secrets(spec, api, ctx)
    kube = KubeClient(api.kubeconfig)
    capx = kube.get("v1", "Secret", f"capx-{spec.cluster.name}", "eksa-system")
    eksa = kube.get("v1", "Secret", "nutanix-credentials", "eksa-system")
    assert "Prism-Secret-9" in json.dumps(_credentials(capx)) and _credentials(capx) == _credentials(eksa)
    assert ctx.recorded == [{"action": "apply-secrets", "cluster": "bootstrap", "objects": [
        f"eksa-system/Secret/capx-{spec.cluster.name}", "eksa-system/Secret/nutanix-credentials"]}]
    assert "Prism-Secret-9" not in repr(ctx.recorded)


def test_bootstrap_gets_only_the_controller_secret(api: ClusterHandle, tmp_path: Path) -> None:
    spec = _spec("nutanix-kcp-main")
    eksa_pre_capi_install_on_bootstrap(spec, api, HookContext(cluster_dir=tmp_path, env=ENV))
    kube = KubeClient(api.kubeconfig)
    assert [s["metadata"]["name"] for s in kube.list("v1", "Secret", "eksa-system")] == ["nutanix-credentials"]


def test_dry_run_touches_nothing(tmp_path: Path) -> None:
    spec = _spec("nutanix-kcp-main")
    ctx = HookContext(cluster_dir=tmp_path, env=ENV, dry_run=True)
    eksa_update_secrets(spec, ClusterHandle("mgmt", None), ctx)
    assert ctx.recorded[0]["objects"][1] == "eksa-system/Secret/nutanix-credentials"
