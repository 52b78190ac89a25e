"""GitOps through the create, upgrade and delete workflows: the repository is real (git http-backend on
127.0.0.1 with basic auth), the clusters are the real control planes of the workflow tests
(:mod:`tests.workflows.realharness`), the management cluster serving Flux's real CRDs (the ``flux-*`` groups of
:mod:`eksa_core.testing.crds`, at the controller versions EKS Anywhere's bundle ships).

Isolation: the control planes are shared by the session, so Flux's namespace is emptied before and after each test
(:func:`wipe_flux`); the namespace itself stays, so no test waits for a namespace to terminate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import yaml
from eksa_testprovider import lifecycle, recorder

import eksa_core.gitops.plugin as gitops_plugin
from eksa_core import hookimpl
from eksa_core.plugins import WorkflowEvent
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, build_spec
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.crds import FLUX_CRD_GROUPS, ensure_crds
from eksa_core.testing.gitserver import GitHttpServer
from eksa_core.workflows import Result, create_cluster, delete_cluster, upgrade_cluster
from tests.workflows.harness import ENV, spec_text
from tests.workflows.realharness import RealCluster, RealEnv, new_real_env, options, seed_management_cluster

from .conftest import git

pytestmark = pytest.mark.realkube

FLUX_NAMESPACE = "flux-system"
#: The namespaced kinds the GitOps add-on writes into Flux's namespace.
FLUX_KINDS = [("source.toolkit.fluxcd.io/v1", "GitRepository"), ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
              ("apps/v1", "Deployment"), ("v1", "ServiceAccount"), ("v1", "Service"), ("v1", "Secret")]
RBAC_KINDS = [("rbac.authorization.k8s.io/v1", "ClusterRole"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")]
EKSA = "anywhere.eks.amazonaws.com/v1alpha1"


def gitops_text(name: str, url: str, *, management: str | None = None, worker_cpus: int = 4,
                branch: str = "main") -> str:
    base = spec_text(name, management=management, worker_cpus=worker_cpus)
    base = base.replace(f"  managementCluster:\n    name: {management or name}\n",
                        f"  managementCluster:\n    name: {management or name}\n"
                        f"  gitOpsRef:\n    kind: FluxConfig\n    name: {name}-flux\n", 1)
    return base + f"""---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: FluxConfig
metadata:
  name: {name}-flux
  namespace: default
spec:
  branch: {branch}
  git:
    repositoryUrl: {url}
"""


@pytest.fixture(autouse=True)
def _clean_recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    recorder.reset()
    lifecycle.EVENTS.clear()
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    yield
    recorder.reset()


def wipe_flux(cluster: RealCluster) -> None:
    """Remove what a GitOps install left on ``cluster``: every object of :data:`FLUX_KINDS` in Flux's namespace and
    Flux's cluster-wide RBAC (labelled with that namespace as its instance)."""
    client = cluster.client
    for api_version, kind in FLUX_KINDS:
        if not client.has_kind(api_version, kind):
            continue
        for obj in client.list(api_version, kind, FLUX_NAMESPACE):
            client.delete(api_version, kind, obj["metadata"]["name"], FLUX_NAMESPACE, ignore_not_found=True)
    for api_version, kind in RBAC_KINDS:
        for obj in client.list(api_version, kind, label_selector={"app.kubernetes.io/instance": FLUX_NAMESPACE}):
            client.delete(api_version, kind, obj["metadata"]["name"], ignore_not_found=True)


def gitops_env(tmp_path: Path, control_plane: ControlPlane, second_control_plane: ControlPlane) -> Iterator[RealEnv]:
    """The workflow tests' real clusters with the GitOps add-on registered, Flux's leftovers wiped before and
    after."""
    envs = new_real_env(tmp_path / "work", control_plane, second_control_plane, gitops_plugin)
    env = next(envs)
    try:
        for cluster in (env.bootstrap, env.management):
            wipe_flux(cluster)
        yield env
    finally:
        try:
            for cluster in (env.bootstrap, env.management):
                wipe_flux(cluster)
        finally:
            envs.close()


@pytest.fixture
def env(tmp_path: Path, control_plane: ControlPlane, second_control_plane: ControlPlane) -> Iterator[RealEnv]:
    yield from gitops_env(tmp_path, control_plane, second_control_plane)


def make(env: RealEnv, text: str) -> Spec:
    config = parse_cluster_config(text, file="cluster.yaml", registry=env.plugins.registry)
    return build_spec(config, release_manifest=BUNDLED_RELEASE_MANIFEST, plugins=env.plugins)


def served(env: RealEnv) -> None:
    """Flux's CRDs (the four controllers' groups) on the management cluster, as ``flux install`` leaves them."""
    ensure_crds(env.management.kubeconfig, FLUX_CRD_GROUPS)
    env.management.client.invalidate_discovery()


def show(bare: Path, rev: str, path: str) -> str:
    return git("--git-dir", str(bare), "show", f"{rev}:{path}")


def test_refused_push_warns_and_the_create_goes_on(env: RealEnv, tmp_path: Path) -> None:
    # the server wants basic auth; the git provider authenticates with an SSH key only, so the push is refused
    with GitHttpServer(tmp_path / "served", auth=("git", "pw-for-http")) as server:
        bare = server.create_repository("fleet")
        served(env)
        spec = make(env, gitops_text("mgmt", server.url("fleet")))
        result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                                installer=env.installer, options=options())
        assert isinstance(result, Result)
        assert "❌ Error when installing GitOps toolkits on workload cluster; EKS-A will continue with cluster " \
               "creation, but GitOps will not be enabled" in result.messages
        assert result.messages[-1] == "🎉 Cluster created!"
        failed = [e for e in result.events if e.kind == "task-failed" and e.task == "gitops-manager-install"]
        assert failed and "could not read Username" in str(failed[0].error)  # git asked for credentials
        assert git("--git-dir", str(bare), "for-each-ref") == ""  # nothing was pushed
        assert env.management.get_object("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                                         "flux-system") is None


def test_create_management_cluster_commits_pushes_and_installs_flux(env: RealEnv, tmp_path: Path) -> None:
    with GitHttpServer(tmp_path / "served") as server:
        bare = server.create_repository("fleet")
        served(env)
        spec = make(env, gitops_text("mgmt", server.url("fleet")))
        result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                                installer=env.installer, options=options())
        assert isinstance(result, Result)
        messages = [e.message for e in result.events if e.kind in ("message", "progress") and e.level == 0]
        at = messages.index("Installing GitOps Toolkit on workload cluster")
        assert messages[at + 1] == "Adding cluster configuration files to Git"

        log = git("--git-dir", str(bare), "log", "--format=%an|%s", "main").splitlines()
        assert log == ["EKS-A|Initial commit of cluster configuration; generated by EKS-A CLI"]
        files = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
        assert files == [
            "clusters/mgmt/flux-system/gotk-components.yaml",
            "clusters/mgmt/flux-system/gotk-sync.yaml",
            "clusters/mgmt/flux-system/kustomization.yaml",
            "clusters/mgmt/mgmt/eksa-system/eksa-cluster.yaml",
            "clusters/mgmt/mgmt/eksa-system/kustomization.yaml",
        ]
        docs = list(yaml.safe_load_all(show(bare, "main", "clusters/mgmt/mgmt/eksa-system/eksa-cluster.yaml")))
        assert [d["kind"] for d in docs] == ["Cluster", "TestDatacenterConfig", "TestMachineConfig",
                                             "TestMachineConfig", "FluxConfig"]
        assert yaml.safe_load(show(bare, "main", "clusters/mgmt/mgmt/eksa-system/kustomization.yaml")) == {
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": ["eksa-cluster.yaml"]}
        bundle_flux = spec.bundles.default_versions_bundle.flux  # type: ignore[union-attr]
        kustomization = yaml.safe_load(show(bare, "main", "clusters/mgmt/flux-system/kustomization.yaml"))
        images = {yaml.safe_load(p["patch"])["metadata"]["name"]:
                  yaml.safe_load(p["patch"])["spec"]["template"]["spec"]["containers"][0]["image"]
                  for p in kustomization["patches"]}
        assert images == {"source-controller": bundle_flux.source_controller.uri,
                          "kustomize-controller": bundle_flux.kustomize_controller.uri,
                          "helm-controller": bundle_flux.helm_controller.uri,
                          "notification-controller": bundle_flux.notification_controller.uri}
        assert kustomization["namespace"] == "flux-system"
        assert kustomization["resources"] == ["gotk-components.yaml", "gotk-sync.yaml"]

        # Flux's objects are on the management cluster
        mgmt = env.management
        source = mgmt.get_object("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system")
        assert source is not None
        assert source["spec"]["url"] == server.url("fleet") and source["spec"]["ref"] == {"branch": "main"}
        sync = mgmt.get_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "flux-system")
        assert sync is not None and sync["spec"]["path"] == "./clusters/mgmt" and sync["spec"]["prune"] is True
        deployment = mgmt.get_object("apps/v1", "Deployment", "source-controller", "flux-system")
        assert deployment is not None
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == bundle_flux.source_controller.uri
        assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == bundle_flux.version

        # upgrade: the new spec goes to the repository; reconcile paused during the upgrade and resumed after
        for kind, name in (("Cluster", "mgmt"), ("TestDatacenterConfig", "mgmt"), ("TestMachineConfig", "mgmt"),
                           ("TestMachineConfig", "mgmt-cp")):
            if mgmt.get_object(EKSA, kind, name, "default") is None:
                mgmt.put_object({"apiVersion": EKSA, "kind": kind, "metadata": {"name": name,
                                                                                "namespace": "default"}})
        paused: set[tuple[str, str]] = set()

        class Watch:
            """At each task boundary of the upgrade, note which EKS-A objects carry Flux's "reconcile: disabled"."""

            @hookimpl
            def eksa_workflow_event(self, event: WorkflowEvent) -> None:
                if event.kind not in ("task-started", "task-finished"):
                    return
                for kind, name in (("Cluster", "mgmt"), ("TestDatacenterConfig", "mgmt"),
                                   ("TestMachineConfig", "mgmt"), ("TestMachineConfig", "mgmt-cp")):
                    obj = mgmt.get_object(EKSA, kind, name, "default") or {}
                    if (obj.get("metadata", {}).get("annotations") or {}).get(
                            "kustomize.toolkit.fluxcd.io/reconcile") == "disabled":
                        paused.add((kind, name))

        env.plugins.register(Watch())
        new = make(env, gitops_text("mgmt", server.url("fleet"), worker_cpus=8))
        # the new release ships another Flux: the flux-system folder and the components follow it
        bundles = new.bundles
        assert bundles is not None
        first = bundles.spec.versions_bundles[0]
        flux = attrs.evolve(first.flux, version="v2.9.9", source_controller=attrs.evolve(
            first.flux.source_controller, uri="public.ecr.aws/eks-anywhere/fluxcd/source-controller:v1.10.0-eks-a-1"))
        new.bundles = attrs.evolve(bundles, spec=attrs.evolve(
            bundles.spec, versions_bundles=[attrs.evolve(first, flux=flux), *bundles.spec.versions_bundles[1:]]))
        up = upgrade_cluster(new, plugins=env.plugins, workdir=env.workdir, installer=env.installer,
                             options=options())
        assert isinstance(up, Result)
        assert {"pause-controllers-reconcile", "resume-gitops-reconciliation"} <= set(up.ran)
        log = git("--git-dir", str(bare), "log", "--format=%s", "main").splitlines()
        assert log[:2] == ["Upgrade commit of flux configuration; generated by EKS-A CLI",
                           "Update commit of cluster configuration; generated by EKS-A CLI"]
        components = list(yaml.safe_load_all(show(bare, "main", "clusters/mgmt/flux-system/gotk-components.yaml")))
        assert {d["metadata"]["labels"]["app.kubernetes.io/version"] for d in components} == {"v2.9.9"}
        deployment = mgmt.get_object("apps/v1", "Deployment", "source-controller", "flux-system")
        assert deployment is not None and deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
            "public.ecr.aws/eks-anywhere/fluxcd/source-controller:v1.10.0-eks-a-1")
        upgraded = list(yaml.safe_load_all(show(bare, "main", "clusters/mgmt/mgmt/eksa-system/eksa-cluster.yaml")))
        workers = [d for d in upgraded if d["kind"] == "TestMachineConfig" and d["metadata"]["name"] == "mgmt"]
        assert workers[0]["spec"]["cpus"] == 8
        source = mgmt.get_object("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system")
        assert source is not None and int(source["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"]) > 0
        for kind, name in (("Cluster", "mgmt"), ("TestDatacenterConfig", "mgmt"), ("TestMachineConfig", "mgmt")):
            obj = mgmt.get_object(EKSA, kind, name, "default")
            assert obj is not None
            assert "kustomize.toolkit.fluxcd.io/reconcile" not in (obj["metadata"].get("annotations") or {}), kind
        assert paused == {("Cluster", "mgmt"), ("TestDatacenterConfig", "mgmt"), ("TestMachineConfig", "mgmt"),
                          ("TestMachineConfig", "mgmt-cp")}  # paused during the upgrade, resumed after it

        # delete: the cluster's folder leaves the repository
        gone = delete_cluster(new, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                              installer=env.installer, options=options())
        assert isinstance(gone, Result)
        log = git("--git-dir", str(bare), "log", "--format=%s", "main").splitlines()
        assert log[0] == "Delete commit of cluster configuration; generated by EKS-A CLI"
        remaining = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
        assert remaining and all(not f.startswith("clusters/mgmt/mgmt/") for f in remaining)


def test_workload_cluster_config_goes_to_the_management_clusters_path(env: RealEnv, tmp_path: Path) -> None:
    with GitHttpServer(tmp_path / "served") as server:
        bare = server.create_repository("fleet")
        served(env)
        kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
        seed_management_cluster(env.management)
        spec = make(env, gitops_text("w01", server.url("fleet"), management="mgmt"))
        result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                                installer=env.installer, options=options())
        assert isinstance(result, Result)
        files = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
        # a workload cluster gets only its own folder, beside the management cluster's, and no Flux install
        assert files == ["clusters/mgmt/w01/eksa-system/eksa-cluster.yaml",
                         "clusters/mgmt/w01/eksa-system/kustomization.yaml"]
        assert env.management.get_object("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                                         "flux-system") is None


def test_dry_run_plans_the_commit_and_contacts_nothing(env: RealEnv, tmp_path: Path) -> None:
    from eksa_core.workflows import Plan

    with GitHttpServer(tmp_path / "served") as server:
        bare = server.create_repository("fleet")
        served(env)
        spec = make(env, gitops_text("mgmt", server.url("fleet")))
        plan = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                              installer=env.installer, options=options(), dry_run=True)
        assert isinstance(plan, Plan)
        actions = plan.step("gitops-manager-install").actions
        commit = next(a for a in actions if a.get("hookAction") == "gitops-commit")
        assert commit["message"] == "Initial commit of cluster configuration; generated by EKS-A CLI"
        assert "clusters/mgmt/mgmt/eksa-system/eksa-cluster.yaml" in commit["files"]
        install = next(a for a in actions if a.get("hookAction") == "gitops-install")
        assert "flux-system/GitRepository/flux-system" in install["objects"]
        assert server.requests == []  # the repository was not contacted
        assert git("--git-dir", str(bare), "for-each-ref") == ""
        assert env.management.get_object("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                                         "flux-system") is None
        assert not (env.workdir / "mgmt" / "git").exists()


def test_a_cluster_already_in_the_repository_is_refused(env: RealEnv, tmp_path: Path, bare_repo: Path) -> None:
    from eksa_core.contract import CallContext, ClusterHandle
    from eksa_core.gitops.flux import GitOpsError

    spec = make(env, gitops_text("w01", str(bare_repo), management="mgmt"))
    first = CallContext(cluster_dir=tmp_path / "first", env={})
    gitops_plugin.eksa_install_gitops(spec=spec, cluster=ClusterHandle("w01"), context=first)
    assert git("--git-dir", str(bare_repo), "ls-tree", "-r", "--name-only", "main").split() == [
        "clusters/mgmt/w01/eksa-system/eksa-cluster.yaml", "clusters/mgmt/w01/eksa-system/kustomization.yaml"]
    # another run (a fresh working copy) finds the cluster's config in the repository and stops
    second = CallContext(cluster_dir=tmp_path / "second", env={})
    with pytest.raises(GitOpsError, match=r"a cluster configuration file already exists at path .*"
                                          r"clusters/mgmt/w01/eksa-system/eksa-cluster\.yaml"):
        gitops_plugin.eksa_install_gitops(spec=spec, cluster=ClusterHandle("w01"), context=second)
    assert len(git("--git-dir", str(bare_repo), "log", "--format=%H", "main").split()) == 1


def test_ssh_git_provider_needs_a_key_and_known_hosts(env: RealEnv, tmp_path: Path) -> None:
    from eksa_core.errors import SpecError
    from eksa_core.workflows import WorkflowError
    from eksa_core.workflows.preflight import check_git_provider_auth

    served(env)
    spec = make(env, gitops_text("mgmt", "ssh://git@127.0.0.1:2222/fleet.git"))
    with pytest.raises(WorkflowError, match="provide a path to a private key file via the EKSA_GIT_PRIVATE_KEY "
                                            "in order to use the generic git Flux provider"):
        create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                       installer=env.installer, options=options())
    key, hosts = tmp_path / "id_ecdsa", tmp_path / "known_hosts"
    with pytest.raises(SpecError, match=f"private key file does not exist at {key} or is empty"):
        check_git_provider_auth(spec, {"EKSA_GIT_PRIVATE_KEY": str(key)})
    key.write_text("key")
    with pytest.raises(SpecError, match="provide a path to an SSH Known Hosts file"):
        check_git_provider_auth(spec, {"EKSA_GIT_PRIVATE_KEY": str(key)})
    hosts.write_text("")
    with pytest.raises(SpecError, match=f"SSH known hosts file does not exist at {hosts} or is empty"):
        check_git_provider_auth(spec, {"EKSA_GIT_PRIVATE_KEY": str(key), "EKSA_GIT_KNOWN_HOSTS": str(hosts)})
    hosts.write_text("127.0.0.1 ssh-ed25519 AAAA\n")
    check_git_provider_auth(spec, {"EKSA_GIT_PRIVATE_KEY": str(key), "EKSA_GIT_KNOWN_HOSTS": str(hosts)})
    # an HTTP remote (not EKS Anywhere's: it takes ssh:// only) needs no SSH key
    check_git_provider_auth(make(env, gitops_text("mgmt", "http://127.0.0.1:1/fleet.git")), {})
