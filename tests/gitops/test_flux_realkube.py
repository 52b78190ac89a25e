"""Flux's objects as the GitOps add-on applies them, on the real control plane with Flux's own CRDs (from the
fluxcd Go modules): every object is accepted and the server keeps every field sent (nothing pruned)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

import eksa_core.gitops.plugin as gitops_plugin
from eksa_core.contract import CallContext, ClusterHandle
from eksa_core.gitops.flux import FluxSettings, components, sync_objects
from eksa_core.kube import KubeClient
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, build_spec
from eksa_core.spec import parse_cluster_config
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import FLUX_CRD_GROUPS
from eksa_core.testing.gitserver import GitHttpServer
from tests.workflows.harness import make_plugins

from .conftest import git
from .test_workflows import gitops_text

FLUX_GROUPS = list(FLUX_CRD_GROUPS)


def missing_fields(sent: Any, stored: Any, where: str = "") -> list[str]:
    """Paths of ``sent`` that ``stored`` lacks or holds with another value (what a schema would have pruned)."""
    if isinstance(sent, dict):
        if not isinstance(stored, dict):
            return [where or "."]
        out: list[str] = []
        for key, value in sent.items():
            if key not in stored:
                out.append(f"{where}.{key}")
            else:
                out += missing_fields(value, stored[key], f"{where}.{key}")
        return out
    if isinstance(sent, list):
        if not isinstance(stored, list) or len(stored) != len(sent):
            return [where]
        return [m for i, (a, b) in enumerate(zip(sent, stored)) for m in missing_fields(a, b, f"{where}[{i}]")]
    return [] if sent == stored or str(sent) == str(stored) else [where]


def _settings(namespace: str) -> FluxSettings:
    return FluxSettings(namespace=namespace, branch="main", path="clusters/mgmt", provider="git",
                        repository="fleet", repository_url="https://127.0.0.1:8443/fleet.git")


@pytest.mark.realkube
def test_components_and_sync_objects_are_accepted_and_nothing_is_pruned(
        control_plane: ControlPlane, control_plane_crds: Any) -> None:
    control_plane_crds(FLUX_GROUPS)
    namespace = f"flux-{uuid.uuid4().hex[:8]}"
    spec = build_spec(parse_cluster_config(gitops_text("mgmt", "https://127.0.0.1/fleet.git"), file="c.yaml",
                                           registry=make_plugins().registry), release_manifest=BUNDLED_RELEASE_MANIFEST)
    bundle = spec.bundles.default_versions_bundle.flux  # type: ignore[union-attr]
    objects = components(bundle, namespace) + sync_objects(_settings(namespace), with_secret=True)
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        stored = kube.apply(objects)
        assert len(stored) == len(objects)
        for sent, got in zip(objects, stored):
            assert missing_fields(sent, got) == [], (sent["kind"], sent["metadata"]["name"])
        source = kube.get("source.toolkit.fluxcd.io/v1", "GitRepository", namespace, namespace)
        assert source["spec"]["secretRef"] == {"name": "flux-system"}
        sync = kube.get("kustomize.toolkit.fluxcd.io/v1", "Kustomization", namespace, namespace)
        assert sync["spec"]["sourceRef"] == {"kind": "GitRepository", "name": namespace}
        # the CRDs' own rules hold for what we write: a file:// URL (not a Flux source) is refused
        bad = sync_objects(FluxSettings(namespace=namespace, branch="main", path="p", provider="git",
                                        repository="r", repository_url="file:///srv/r.git"), with_secret=False)[0]
        bad["metadata"]["name"] = "bad-url"
        with pytest.raises(Exception, match="url"):
            kube.apply(bad)
        _cleanup(kube, namespace)


def _cleanup(kube: KubeClient, namespace: str) -> None:
    kube.delete("v1", "Namespace", namespace)
    kube.delete("rbac.authorization.k8s.io/v1", "ClusterRole", f"crd-controller-{namespace}")
    for name in (f"crd-controller-{namespace}", f"cluster-reconciler-{namespace}"):
        kube.delete("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", name)


@pytest.mark.realkube
def test_install_hook_pushes_and_installs_flux_on_the_real_control_plane(
        control_plane: ControlPlane, control_plane_crds: Any, tmp_path: Path) -> None:
    control_plane_crds(FLUX_GROUPS)
    namespace = f"flux-{uuid.uuid4().hex[:8]}"
    key = tmp_path / "keys" / "id_ecdsa"
    key.parent.mkdir()
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\ntest-key-material\n-----END OPENSSH PRIVATE KEY-----\n")
    key.chmod(0o600)
    with GitHttpServer(tmp_path / "served") as server:
        bare = server.create_repository("fleet")
        text = gitops_text("mgmt", server.url("fleet"))
        text = text.replace("spec:\n  branch: main\n", f"spec:\n  branch: main\n  systemNamespace: {namespace}\n")
        spec = build_spec(parse_cluster_config(text, file="c.yaml", registry=make_plugins().registry),
                          release_manifest=BUNDLED_RELEASE_MANIFEST)
        context = CallContext(cluster_dir=tmp_path / "mgmt", env={"EKSA_GIT_PRIVATE_KEY": str(key)})
        cluster = ClusterHandle("mgmt", control_plane.kubeconfig)
        gitops_plugin.eksa_install_gitops(spec=spec, cluster=cluster, context=context)

        # the pushed commit, read back from the server's repository
        assert git("--git-dir", str(bare), "log", "--format=%s", "main").strip() == (
            "Initial commit of cluster configuration; generated by EKS-A CLI")
        sync = list(yaml.safe_load_all(git("--git-dir", str(bare), "show",
                                           f"main:clusters/mgmt/{namespace}/gotk-sync.yaml")))
        assert [d["kind"] for d in sync] == ["GitRepository", "Kustomization"]

        with KubeClient(str(control_plane.kubeconfig)) as kube:
            source = kube.get("source.toolkit.fluxcd.io/v1", "GitRepository", namespace, namespace)
            assert missing_fields(sync[0]["spec"], source["spec"]) == []
            assert source["spec"]["url"] == server.url("fleet")
            secret = kube.get("v1", "Secret", "flux-system", namespace)
            assert set(secret["data"]) == {"identity"}
            for controller in ("source-controller", "kustomize-controller", "helm-controller",
                               "notification-controller"):
                kube.get("apps/v1", "Deployment", controller, namespace)
            _cleanup(kube, namespace)
        # the key went to the cluster's Secret only: not into the plan records
        assert "test-key-material" not in repr(context.recorded)
