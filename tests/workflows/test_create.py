"""Create workflows end to end on the real control planes (bootstrap cluster, then move to the management cluster;
workload clusters through the management cluster)."""

from __future__ import annotations

import stat

import pytest
import yaml
from eksa_testprovider import lifecycle, recorder

from eksa_core.errors import EksaError
from eksa_core.workflows import Result, WorkflowError, create_cluster

from .harness import ENV, Env, make_spec, spec_text
from .realharness import RealEnv, options, seed_management_cluster

AnyEnv = Env | RealEnv

MANAGEMENT_TASKS = [
    "setup-validate", "bootstrap-cluster-init", "install-capi-components-bootstrap",
    "eksa-components-bootstrap-install", "workload-cluster-init", "install-resources-on-management-cluster",
    "capi-management-move", "eksa-components-workload-install", "gitops-manager-install", "write-cluster-config",
    "delete-kind-cluster",
]
#: What the core preflight validations of a create say for the test specs (one control plane node: a warning).
CREATE_VALIDATIONS = [
    "Warning: The recommended number of control plane nodes is 3 or 5",
    "✅ Validate cluster spec",
    "✅ Validate --skip-validations names",
    "✅ Validate cluster's eksaVersion matches EKS-A version",
]


#: The create installs eksa's CRDs on a cluster that serves CRDs (a real server), then says why the lifecycle
#: controller is not: the test specs' Kubernetes version has no bundle in the bundled release data.
CONTROLLER_WARNING = ("Warning: the lifecycle controller is not installed: kubernetes version 1.30 is not supported "
                      "by the bundles of this spec")


EKSA = "anywhere.eks.amazonaws.com/v1alpha1"


def create_mgmt(env: AnyEnv, **kwargs: object) -> Result:
    spec = make_spec(env.plugins, spec_text("mgmt"))
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                            installer=env.installer, options=options(), **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Result)
    return result


def test_management_create_end_to_end(env: RealEnv) -> None:
    result = create_mgmt(env)

    assert list(result.ran) == MANAGEMENT_TASKS
    assert list(result.skipped) == ["update-secrets-create", "install-curated-packages"]
    assert result.messages == [
        "Performing setup and validations",
        "✅ Testprovider Provider setup is valid",
        *CREATE_VALIDATIONS,
        "Creating new bootstrap cluster",
        "Provider specific pre-capi-install-setup on bootstrap cluster",
        "Installing cluster-api providers on bootstrap cluster",
        "Provider specific post-setup",
        "Installing EKS-A custom components on bootstrap cluster",
        "Installing EKS-D components",
        "Installing EKS-A custom components (CRD and controller)",
        CONTROLLER_WARNING,
        "Creating new management cluster",
        "Creating EKS-A namespace",
        "Installing networking on workload cluster",
        "Installing cluster-api providers on management cluster",
        "Installing EKS-A secrets on management cluster",
        "Moving the cluster management components from the bootstrap cluster to the management cluster",
        "Installing EKS-A custom components on the management cluster",
        "Installing EKS-D components",
        "Installing EKS-A custom components (CRD and controller)",
        CONTROLLER_WARNING,
        "Moving cluster spec to workload cluster",
        "Installing GitOps Toolkit on workload cluster",
        "GitOps field not specified, bootstrap flux skipped",
        "Writing cluster config file",
        "Deleting bootstrap cluster",
        "🎉 Cluster created!",
    ]
    # the Cluster API objects were created on the bootstrap cluster, then moved to the management cluster
    mgmt = env.management
    for api_version, kind, name in [
        ("cluster.x-k8s.io/v1beta2", "Cluster", "mgmt"),
        ("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane", "mgmt"),
        ("cluster.x-k8s.io/v1beta2", "MachineDeployment", "mgmt-md-0"),
        ("infrastructure.cluster.x-k8s.io/v1beta1", "TestCluster", "mgmt"),
        ("infrastructure.cluster.x-k8s.io/v1beta1", "TestMachineTemplate", "mgmt-control-plane-1"),
        ("infrastructure.cluster.x-k8s.io/v1beta1", "TestMachineTemplate", "mgmt-md-0-1"),
        ("bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfigTemplate", "mgmt-md-0-1"),
        ("v1", "Secret", "mgmt-test-credentials"),
    ]:
        assert mgmt.get_object(api_version, kind, name, "eksa-system") is not None, (kind, name)
        if kind != "Secret":
            assert env.bootstrap.get_object(api_version, kind, name, "eksa-system") is None, (kind, name)
    capi = mgmt.get_object("cluster.x-k8s.io/v1beta2", "Cluster", "mgmt", "eksa-system")
    assert capi is not None and capi["spec"].get("paused") is False
    # EKS-A objects moved to the management cluster (EKS Anywhere's CRDs validate them), unpaused, marked as
    # created by the CLI
    eksa = mgmt.get_object("anywhere.eks.amazonaws.com/v1alpha1", "Cluster", "mgmt", "default")
    assert eksa is not None
    annotations = eksa["metadata"]["annotations"]
    assert annotations["anywhere.eks.amazonaws.com/managed-by-cli"] == "true"
    assert "anywhere.eks.amazonaws.com/paused" not in annotations
    assert mgmt.get_object("anywhere.eks.amazonaws.com/v1alpha1", "TestMachineConfig", "mgmt-cp", "default")
    # applies used the eks-a-cli field manager (the server's managedFields say who applied what)
    for name in ("mgmt", "mgmt-md-0"):
        kind = "Cluster" if name == "mgmt" else "MachineDeployment"
        obj = mgmt.get_object("cluster.x-k8s.io/v1beta2", kind, name, "eksa-system")
        assert obj is not None
        managers = {(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]}
        assert ("eks-a-cli", "Apply") in managers, managers
    # bootstrap created and deleted once; components installed where they belong
    assert env.bootstrapper.created == ["mgmt-eks-a-cluster"] and env.bootstrapper.deleted == ["mgmt-eks-a-cluster"]
    assert env.installer.calls == [("init", "mgmt-eks-a-cluster"), ("eksd", "mgmt-eks-a-cluster"),
                                   ("eksa", "mgmt-eks-a-cluster"), ("init", "mgmt"), ("eksd", "mgmt"),
                                   ("eksa", "mgmt")]
    assert env.installer.env_keys[0] == ["EXP_CLUSTER_RESOURCE_SET", "TESTPROVIDER_ENDPOINT", "TESTPROVIDER_PASSWORD",
                                         "TESTPROVIDER_USERNAME"]
    # lifecycle hooks on the right clusters, in order
    lifecycle_calls = [(c.hook, c.cluster) for c in recorder.CALLS if c.cluster is not None]
    assert lifecycle_calls == [
        ("eksa_pre_capi_install_on_bootstrap", "mgmt-eks-a-cluster"),
        ("eksa_post_bootstrap_setup", "mgmt-eks-a-cluster"),
        ("eksa_install_custom_components", "mgmt-eks-a-cluster"),
        ("eksa_update_secrets", "mgmt"),
        ("eksa_post_workload_init", "mgmt"),
        ("eksa_post_move", "mgmt"),
        ("eksa_install_custom_components", "mgmt"),
    ]
    # files: spec and kubeconfig (0600) stay, generated/ is gone
    cluster_dir = env.workdir / "mgmt"
    assert result.kubeconfig == cluster_dir / "mgmt-eks-a-cluster.kubeconfig"
    assert stat.S_IMODE(result.kubeconfig.stat().st_mode) == 0o600
    assert yaml.safe_load(result.kubeconfig.read_text())["clusters"][0]["cluster"]["server"] == mgmt.url
    written = list(yaml.safe_load_all((cluster_dir / "mgmt-eks-a-cluster.yaml").read_text()))
    assert [d["kind"] for d in written] == ["Cluster", "TestDatacenterConfig", "TestMachineConfig",
                                             "TestMachineConfig"]
    assert not (cluster_dir / "generated").exists()
    # events: every task started and finished, observed by the plugin, with durations
    finished = [e for e in lifecycle.EVENTS if e.kind == "task-finished"]
    assert [e.task for e in finished] == MANAGEMENT_TASKS
    assert all(e.duration is not None and e.duration >= 0 for e in finished)


def test_a_bootstrap_cluster_that_stays_keeps_none_of_the_moved_eksa_objects_and_all_of_the_users(
        env: RealEnv) -> None:
    """A bootstrapper whose cluster outlives the create (``keeps_cluster``, like a cluster the user supplied): the
    spec's EKS Anywhere objects, paused there since the move, are removed from it; an EKS Anywhere object the
    user wrote there (another field manager) is not touched."""
    env.bootstrap.install_eksa_crds()
    theirs = {"apiVersion": EKSA, "kind": "TestMachineConfig",
              "metadata": {"name": "theirs", "namespace": "default"}, "spec": {}}
    env.bootstrap.client.apply(theirs, field_manager="kubectl")
    env.bootstrapper.keeps_cluster = True  # type: ignore[misc]

    result = create_mgmt(env)

    assert "Removing Cluster mgmt from the bootstrap cluster (it lives on the management cluster now)" \
        in result.messages
    for kind, name in (("Cluster", "mgmt"), ("TestDatacenterConfig", "mgmt"), ("TestMachineConfig", "mgmt-cp")):
        assert env.bootstrap.get_object(EKSA, kind, name, "default") is None, (kind, name)
        assert env.management.get_object(EKSA, kind, name, "default") is not None, (kind, name)
    assert env.bootstrap.get_object(EKSA, "TestMachineConfig", "theirs", "default") is not None


def test_secrets_never_in_events_logs_or_files(env: RealEnv) -> None:
    result = create_mgmt(env)
    password = ENV["TESTPROVIDER_PASSWORD"]
    for event in result.events:
        assert password not in event.message and password not in (event.error or "")
    for path in (env.workdir / "mgmt").rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_workload_create_from_management_cluster(env: RealEnv) -> None:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    seed_management_cluster(env.management)
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                            installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert list(result.ran) == ["setup-validate-create", "create-workload-cluster", "gitops-manager-install",
                                "write-cluster-config"]
    assert result.messages == [
        "Performing setup and validations",
        "✅ Workload cluster's testprovider Provider setup is valid",
        *CREATE_VALIDATIONS,
        "✅ Validate management cluster has eksa crds",
        "✅ Validate management cluster name is valid",
        "✅ Validate cluster name",
        "✅ Validate management cluster eksaVersion compatibility",
        "Creating workload cluster",
        "Installing networking on workload cluster",
        "Installing GitOps Toolkit on workload cluster",
        "GitOps field not specified, bootstrap flux skipped",
        "Writing cluster config file",
        "🎉 Cluster created!",
    ]
    assert env.management.get_object("cluster.x-k8s.io/v1beta2", "Cluster", "w01", "eksa-system") is not None
    assert env.bootstrapper.created == [] and env.installer.calls == []
    assert (env.workdir / "w01" / "w01-eks-a-cluster.kubeconfig").exists()


def test_workload_create_needs_management_kubeconfig(env: RealEnv) -> None:
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    with pytest.raises(EksaError, match="management_kubeconfig is required"):
        create_cluster(spec, plugins=env.plugins, workdir=env.workdir, options=options())


def test_create_refuses_existing_kubeconfig(env: RealEnv) -> None:
    cluster_dir = env.workdir / "mgmt"
    cluster_dir.mkdir(parents=True)
    (cluster_dir / "mgmt-eks-a-cluster.kubeconfig").write_text("apiVersion: v1\n")
    with pytest.raises(EksaError) as info:
        create_mgmt(env)
    assert str(info.value) == ("old cluster config file exists under mgmt, please use a different clusterName to "
                               "proceed")
    assert env.bootstrapper.created == [] and recorder.CALLS == []


def test_failure_keeps_generated_and_says_where(env: RealEnv) -> None:
    # Cluster API v1beta2 keeps the failure in status.deprecated.v1beta1.failureMessage (the real schema has no
    # status.failureMessage): the create must see it there (it used to wait for conditions that never came)
    env.controller.failure_message = "infrastructure quota exceeded"
    with pytest.raises(WorkflowError) as info:
        create_mgmt(env)
    error = info.value
    assert error.task == "workload-cluster-init"
    assert "cluster has a validation error that doesn't seem transient: cluster has an error: infrastructure " \
           "quota exceeded" in str(error)
    generated = env.workdir / "mgmt" / "generated"
    assert error.kept["generated"] == generated
    assert error.kept["checkpoint"] == generated / "mgmt-checkpoint.yaml"
    assert error.kept["bootstrap kubeconfig"] == generated / "mgmt.kind.kubeconfig"
    assert error.kept["log"].parent == generated / "logs"
    assert str(generated) in str(error)
    checkpoint = yaml.safe_load((generated / "mgmt-checkpoint.yaml").read_text())
    assert list(checkpoint["completedTasks"]) == ["setup-validate", "bootstrap-cluster-init", "update-secrets-create",
                                                  "install-capi-components-bootstrap",
                                                  "eksa-components-bootstrap-install"]
    assert checkpoint["completedTasks"]["setup-validate"] == {"checkpoint": None}
    # the bootstrap cluster is left running for inspection; diagnostics were collected on both clusters
    assert env.bootstrapper.deleted == []
    assert ("eksa_collect_diagnostics", "mgmt-eks-a-cluster") in [(c.hook, c.cluster) for c in recorder.CALLS]


def test_condition_timeout_names_the_condition(env: RealEnv) -> None:
    env.controller.stuck_condition = "WorkersAvailable"
    with pytest.raises(WorkflowError) as info:
        create_mgmt(env)
    assert "WorkersAvailable" in str(info.value)
    assert 'last seen: WorkersAvailable=False reason=NotWorkersAvailable message="WorkersAvailable is not true yet"' \
        in str(info.value)


def test_kubeconfig_goes_through_the_update_hook(env: RealEnv) -> None:
    from eksa_core import hookimpl


    class Rewriter:
        @hookimpl
        def eksa_update_kubeconfig(self, kubeconfig: str, cluster_name: str) -> str:
            return kubeconfig + f"# adjusted for {cluster_name}\n"

    env.plugins.register(Rewriter(), name="kubeconfig-rewriter")
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    seed_management_cluster(env.management)
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                   installer=env.installer, options=options())
    written = (env.workdir / "w01" / "w01-eks-a-cluster.kubeconfig").read_text()
    assert written.endswith("# adjusted for w01\n")


def test_machine_health_checks_follow_the_cluster_to_its_management_cluster(env: RealEnv) -> None:
    create_mgmt(env)
    names = {"mgmt-kcp-unhealthy", "mgmt-md-0-worker-unhealthy"}
    moved = {o["metadata"]["name"] for o in env.management.list_objects(
        "cluster.x-k8s.io/v1beta2", "MachineHealthCheck", "eksa-system")}
    assert names <= moved
    left = env.bootstrap.list_objects("cluster.x-k8s.io/v1beta2", "MachineHealthCheck", "eksa-system")
    assert left == []
    kcp = env.management.get_object("cluster.x-k8s.io/v1beta2", "MachineHealthCheck", "mgmt-kcp-unhealthy",
                                    "eksa-system")
    assert kcp["spec"]["clusterName"] == "mgmt"
