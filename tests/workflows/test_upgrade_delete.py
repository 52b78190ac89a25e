"""Upgrade and delete end to end (management and workload paths), immutability errors, template renames."""

from __future__ import annotations

import pytest
from eksa_testprovider import recorder

from eksa_core.errors import SpecErrors
from eksa_core.workflows import Result, WorkflowError, create_cluster, delete_cluster, upgrade_cluster

from .harness import make_spec, spec_text
from .realharness import RealEnv, options
from .test_create import CONTROLLER_WARNING, create_mgmt

#: What the core preflight validations of an upgrade say for the test specs.
UPGRADE_VALIDATIONS = [
    "Warning: The recommended number of control plane nodes is 3 or 5",
    "✅ Validate cluster spec",
    "✅ Validate --skip-validations names",
    "✅ Cluster CRDs ready",
    "✅ Control plane ready",
    "✅ Worker nodes ready",
    "✅ Nodes ready",
    "✅ Upgrade cluster kubernetes version increment",
    "✅ Upgrade cluster worker node group kubernetes version increment",
    "✅ Validate immutable fields",
    "✅ Validate cluster's eksaVersion matches EKS-Anywhere Version",
]


def _workload(env: RealEnv) -> tuple[object, Result]:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                            installer=env.installer, options=options())
    assert isinstance(result, Result)
    return kubeconfig, result


def test_management_upgrade_messages_and_rolls_changed_machines(env: RealEnv) -> None:
    create_mgmt(env)
    recorder.reset()
    spec = make_spec(env.plugins, spec_text("mgmt", worker_cpus=8))
    result = upgrade_cluster(spec, plugins=env.plugins, workdir=env.workdir, installer=env.installer,
                             options=options())
    assert isinstance(result, Result)
    assert result.messages == [
        "Performing setup and validations",
        "✅ Testprovider provider validation",
        *UPGRADE_VALIDATIONS,
        "Ensuring etcd CAPI providers exist on management cluster before upgrade",
        "Pausing GitOps cluster resources reconcile",
        "Upgrading core components",
        "Backing up management cluster's resources before upgrading",
        "Upgrading management cluster",
        "Writing cluster config file",
        "🎉 Cluster upgraded!",
        "Cleaning up backup resources",
    ]
    md = env.management.get_object("cluster.x-k8s.io/v1beta2", "MachineDeployment", "mgmt-md-0", "eksa-system")
    assert md is not None
    template_spec = md["spec"]["template"]["spec"]
    assert template_spec["infrastructureRef"]["name"] == "mgmt-md-0-2"
    assert template_spec["bootstrap"]["configRef"]["name"] == "mgmt-md-0-2"
    new_template = env.management.get_object("infrastructure.cluster.x-k8s.io/v1beta1", "TestMachineTemplate",
                                             "mgmt-md-0-2", "eksa-system")
    assert new_template is not None and new_template["spec"]["template"]["spec"]["cpus"] == 8
    kcp = env.management.get_object("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane", "mgmt",
                                    "eksa-system")
    assert kcp is not None  # the control plane machine config did not change: same template name
    assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] == "mgmt-control-plane-1"
    assert [(d.component_name, d.old_version, d.new_version) for d in result.change_diffs] == [
        ("testprovider", "v0.1.0", "v0.2.0")]
    assert "cpus: 8" in (env.workdir / "mgmt" / "mgmt-eks-a-cluster.yaml").read_text()
    eksa = env.management.get_object("anywhere.eks.amazonaws.com/v1alpha1", "Cluster", "mgmt", "default")
    assert eksa is not None


def test_upgrade_rejects_immutable_change_with_location(env: RealEnv) -> None:
    create_mgmt(env)
    spec = make_spec(env.plugins, spec_text("mgmt", endpoint="https://elsewhere.example"))
    with pytest.raises(WorkflowError) as info:
        upgrade_cluster(spec, plugins=env.plugins, workdir=env.workdir, installer=env.installer, options=options())
    cause = info.value.cause
    assert isinstance(cause, SpecErrors)
    [error] = list(cause)
    assert error.message == "spec.endpoint is immutable"
    assert (error.kind, error.name, error.field, error.line) == ("TestDatacenterConfig", "mgmt", "spec.endpoint", 40)


def test_workload_upgrade_and_delete(env: RealEnv) -> None:
    create_mgmt(env)
    kubeconfig, _ = _workload(env)
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt", worker_cpus=6))
    result = upgrade_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                             installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert list(result.ran) == ["setup-validate-upgrade", "pre-cluster-upgrade", "upgrade-workload-cluster",
                                "write-cluster-config", "post-cluster-upgrade"]
    assert "Upgrading workload cluster components" in result.messages
    assert "Backing up workload cluster's resources before upgrading" in result.messages
    md = env.management.get_object("cluster.x-k8s.io/v1beta2", "MachineDeployment", "w01-md-0", "eksa-system")
    assert md is not None and md["spec"]["template"]["spec"]["infrastructureRef"]["name"] == "w01-md-0-2"

    recorder.reset()
    result = delete_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                            installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert result.messages == ["Performing provider setup and validations", "Deleting workload cluster",
                               "🎉 Cluster deleted!"]
    left = [(o["kind"], o["metadata"]["name"]) for o in env.management.list_objects(namespace="eksa-system")
            if o["metadata"]["name"].startswith("w01")]
    assert left == []
    # the management cluster is untouched
    assert env.management.get_object("cluster.x-k8s.io/v1beta2", "Cluster", "mgmt", "eksa-system") is not None
    assert [c.hook for c in recorder.CALLS if c.hook.startswith(("eksa_pre_delete", "eksa_delete_resources",
                                                                 "eksa_cleanup_machines"))] == [
        "eksa_pre_delete", "eksa_delete_resources", "eksa_cleanup_machines"]


def test_management_delete_messages(env: RealEnv) -> None:
    create_mgmt(env)
    env.controller.active = False  # the delete's bootstrap cluster runs no controller
    spec = make_spec(env.plugins, spec_text("mgmt"))
    result = delete_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                            installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert result.messages == [
        "Performing provider setup and validations",
        "Creating new bootstrap cluster",
        "Provider specific pre-capi-install-setup on bootstrap cluster",
        "Installing cluster-api providers on bootstrap cluster",
        "Moving cluster management from workload cluster to bootstrap",
        "Installing EKS-A custom components on bootstrap cluster",
        "Installing EKS-D components",
        "Installing EKS-A custom components (CRD and controller)",
        CONTROLLER_WARNING,
        "Deleting management cluster",
        "Deleting bootstrap cluster",
        "🎉 Cluster deleted!",
    ]
    assert env.bootstrapper.created == ["mgmt-eks-a-cluster", "mgmt-eks-a-cluster"]
    assert env.bootstrapper.live == set()
