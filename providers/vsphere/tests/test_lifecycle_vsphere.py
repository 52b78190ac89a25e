"""Lifecycle hooks: the credentials secrets reach the cluster (through the core's KubeClient, on the real control
plane of ``eksa_core.testing``, marked ``realkube``); dry runs record names only."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eksa_vsphere import plugin
from eksa_vsphere.lifecycle import eksa_pre_capi_install_on_bootstrap, eksa_update_secrets
from test_validate_vsphere import make_spec, spec_yaml

from eksa_core.context import ClusterHandle, HookContext
from eksa_core.errors import SpecErrors
from eksa_core.kube import KubeClient
from eksa_core.plugins import Plugins
from eksa_core.testing.controlplane import ControlPlane

ENV = {"EKSA_VSPHERE_USERNAME": "admin@vsphere.local", "EKSA_VSPHERE_PASSWORD": "Very-Secret-1",
       "EKSA_LICENSE": "lic-123"}


@pytest.fixture
def handle(control_plane: ControlPlane) -> Iterator[ClusterHandle]:
    """The session's real control plane as the bootstrap cluster, without the Secrets earlier tests left in
    ``eksa-system`` (the plane is shared)."""
    kube = KubeClient(str(control_plane.kubeconfig))
    try:
        for secret in kube.list("v1", "Secret", "eksa-system"):
            kube.delete("v1", "Secret", secret["metadata"]["name"], "eksa-system", ignore_not_found=True)
    finally:
        kube.close()
    yield ClusterHandle("bootstrap", control_plane.kubeconfig)


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-vsphere")
    return p


def _decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


@pytest.mark.parametrize("hook", [eksa_update_secrets, eksa_pre_capi_install_on_bootstrap])
def test_secrets_applied(handle: ClusterHandle, plugins: Plugins, tmp_path: Path, hook: Any,
                         caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(spec_yaml(), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env=ENV)
    with caplog.at_level(logging.DEBUG):
        hook(spec, handle, ctx)
    kube = KubeClient(handle.kubeconfig)
    creds = kube.get("v1", "Secret", "vsphere-credentials", "eksa-system")
    assert _decoded(creds) == {"username": "admin@vsphere.local", "password": "Very-Secret-1",
                               "usernameCP": "admin@vsphere.local", "passwordCP": "Very-Secret-1"}
    assert creds["metadata"]["labels"] == {"clusterctl.cluster.x-k8s.io/move": "true"}
    assert _decoded(kube.get("v1", "Secret", "eksa-license", "eksa-system")) == {"license": "lic-123"}
    assert "Very-Secret-1" not in caplog.text
    assert base64.b64encode(b"Very-Secret-1").decode() not in caplog.text
    assert ctx.recorded == [{"action": "apply-secrets", "cluster": "bootstrap",
                             "objects": ["eksa-system/Secret/vsphere-credentials", "eksa-system/Secret/eksa-license"]}]


def test_cloud_provider_credentials_and_license_token(handle: ClusterHandle, plugins: Plugins,
                                                      tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(), plugins)
    spec.cluster.spec.license_token = "token-from-spec"
    env = {**ENV, "EKSA_VSPHERE_CP_USERNAME": "cpi@vsphere.local", "EKSA_VSPHERE_CP_PASSWORD": "cpi-pass"}
    eksa_update_secrets(spec, handle, HookContext(cluster_dir=tmp_path, env=env))
    kube = KubeClient(handle.kubeconfig)
    creds = _decoded(kube.get("v1", "Secret", "vsphere-credentials", "eksa-system"))
    assert (creds["usernameCP"], creds["passwordCP"]) == ("cpi@vsphere.local", "cpi-pass")
    assert _decoded(kube.get("v1", "Secret", "eksa-license", "eksa-system")) == {"license": "token-from-spec"}


def test_dry_run_records_names_only(plugins: Plugins, tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env=ENV, dry_run=True)
    eksa_update_secrets(spec, ClusterHandle("mgmt", tmp_path / "missing-kubeconfig"), ctx)
    assert ctx.recorded == [{"action": "apply-secrets", "cluster": "mgmt",
                             "objects": ["eksa-system/Secret/vsphere-credentials", "eksa-system/Secret/eksa-license"]}]
    assert "Very-Secret-1" not in str(ctx.recorded)


def test_missing_credentials(plugins: Plugins, tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(), plugins)
    with pytest.raises(SpecErrors, match="EKSA_VSPHERE_PASSWORD is not set or is empty"):
        eksa_update_secrets(spec, ClusterHandle("mgmt", tmp_path / "k"),
                            HookContext(cluster_dir=tmp_path, env={"EKSA_VSPHERE_USERNAME": "u"}, dry_run=True))
