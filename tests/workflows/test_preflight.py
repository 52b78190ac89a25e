"""Core preflight validations of the setup tasks: static spec rules, CLI-only create rules, skip names,
eksaVersion, workload checks against the management cluster, upgrade readiness and version rules; reported one
by one as EKS Anywhere's validation runner does."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eksa_core.errors import SpecErrors
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.nocontact import listener_kubeconfig, no_contact
from eksa_core.workflows import Plan, Result, WorkflowError, create_cluster, plan_create, upgrade_cluster

from .harness import ENV, make_plugins, make_spec, spec_text
from .realharness import RealCluster, RealEnv, add_node, options, plain_cluster, seed_management_cluster
from .test_create import AnyEnv, create_mgmt


def failures(messages: list[str]) -> list[dict[str, str]]:
    """The details of every ``❌ Validation failed`` line."""
    out = []
    for message in messages:
        if message.startswith("❌ Validation failed"):
            head, _, details = message.partition("\t")
            assert head == "❌ Validation failed"
            out.append(json.loads(details))
    return out


def fail_create(env: AnyEnv, spec: Spec, **kwargs: Any) -> tuple[SpecErrors, list[str]]:
    events: list[str] = []

    class Listener:
        from eksa_core import hookimpl

        @hookimpl
        def eksa_workflow_event(self, event: Any) -> None:
            if event.kind == "message" and event.level == 0:
                events.append(event.message)

    env.plugins.register(Listener())
    with pytest.raises(WorkflowError) as info:
        create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                       installer=env.installer, options=kwargs.pop("options", None) or options(), **kwargs)
    assert info.value.task in ("setup-validate", "setup-validate-create")
    cause = info.value.cause
    assert isinstance(cause, SpecErrors)
    assert env.bootstrapper.created == []  # nothing was created
    return cause, events


def test_static_spec_errors_fail_create_with_located_errors_and_the_runner_report(env: RealEnv) -> None:
    text = spec_text("mgmt").replace("  controlPlaneConfiguration:\n    count: 1",
                                     "  controlPlaneConfiguration:\n    count: 2")
    cause, messages = fail_create(env, make_spec(env.plugins, text))

    assert cause.summary == "validations failed: validate cluster spec"
    [error] = list(cause)
    assert error.message == "control plane node count cannot be an even number when using stacked etcd topology"
    assert (error.kind, error.name, error.field, error.line) == (
        "Cluster", "mgmt", "spec.controlPlaneConfiguration.count", 9)
    assert failures(messages) == [{
        "validation": "validate cluster spec",
        "error": "control plane node count cannot be an even number when using stacked etcd topology",
        "remediation": "fix the cluster spec as the errors say"}]
    # every other validation still ran and reported
    assert "✅ Testprovider Provider setup is valid" in messages
    assert "✅ Validate cluster's eksaVersion matches EKS-A version" in messages


def test_etcd_encryption_is_refused_on_create(env: RealEnv) -> None:
    text = spec_text("mgmt").replace("  managementCluster:", """\
  etcdEncryption:
  - providers:
    - kms:
        name: config
        socketListenAddress: unix:///var/run/kmsplugin/socket.sock
    resources:
    - secrets
  managementCluster:""")
    cause, _ = fail_create(env, make_spec(env.plugins, text))
    errors = {e.message: e for e in cause}
    error = errors["etcdEncryption is not supported during cluster creation"]
    assert (error.kind, error.field) == ("Cluster", "spec.etcdEncryption")
    assert error.line is not None


def test_unknown_skip_validation_name(env: RealEnv) -> None:
    spec = make_spec(env.plugins, spec_text("mgmt"))
    cause, messages = fail_create(env, spec, options=options(hook_options={"skip_validations": ["nope"]}))
    assert cause.summary == "validations failed: validate --skip-validations names"
    assert [e.message for e in cause] == [
        "invalid validation name to be skipped. The supported validations that can be skipped using "
        "--skip-validations are vsphere-user-privilege"]
    assert [f["validation"] for f in failures(messages)] == ["validate --skip-validations names"]


def test_skippable_names_are_accepted(env: RealEnv) -> None:
    result = create_cluster(make_spec(env.plugins, spec_text("mgmt")), plugins=env.plugins, workdir=env.workdir,
                            bootstrapper=env.bootstrapper, installer=env.installer,
                            options=options(hook_options={"skip_validations": ["vsphere-user-privilege"]}))
    assert isinstance(result, Result)
    assert "✅ Validate --skip-validations names" in result.messages


def _spec_with_versions(env: AnyEnv, cluster_version: str, release_version: str) -> Spec:
    text = spec_text("mgmt").replace('  kubernetesVersion: "1.30"',
                                     f'  kubernetesVersion: "1.30"\n  eksaVersion: {cluster_version}')
    config = parse_cluster_config(text, file="cluster.yaml", registry=env.plugins.registry)
    return Spec(config, plugins=env.plugins, eksa_version=release_version)


def test_eksa_version_must_match_the_release_used(env: RealEnv) -> None:
    cause, _ = fail_create(env, _spec_with_versions(env, "v0.18.0", "v0.19.2"))
    assert cause.summary == "validations failed: validate cluster's eksaVersion matches EKS-A version"
    [error] = list(cause)
    assert error.message == "cluster's eksaVersion does not match EKS-Anywhere CLI's version"
    assert (error.field, error.line) == ("spec.eksaVersion", 8)


def test_matching_eksa_version_passes(env: RealEnv) -> None:
    spec = _spec_with_versions(env, "v0.19.2", "v0.19.2")
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                            installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert "✅ Validate cluster's eksaVersion matches EKS-A version" in result.messages


def test_every_failure_is_aggregated(env: RealEnv) -> None:
    text = spec_text("mgmt").replace("    count: 1", "    count: 2").replace(
        '  kubernetesVersion: "1.30"', '  kubernetesVersion: "1.30"\n  eksaVersion: v0.18.0')
    config = parse_cluster_config(text, file="cluster.yaml", registry=env.plugins.registry)
    spec = Spec(config, plugins=env.plugins, eksa_version="v0.19.0")
    cause, messages = fail_create(env, spec, options=options(hook_options={"skip_validations": ["x"]}))
    assert cause.summary == ("validations failed: validate cluster spec, validate --skip-validations names, "
                             "validate cluster's eksaVersion matches EKS-A version")
    assert len(failures(messages)) == 3 and len(list(cause)) == 3


# ----------------------------------------------------------------------------------------- workload create


def _create_workload(env: AnyEnv) -> Result | Plan:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    return create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                          installer=env.installer, options=options())


def _workload_failure(env: AnyEnv) -> tuple[SpecErrors, list[dict[str, str]]]:
    with pytest.raises(WorkflowError) as info:
        _create_workload(env)
    assert info.value.task == "setup-validate-create"
    cause = info.value.cause
    assert isinstance(cause, SpecErrors)
    assert not [o for o in env.management.list_objects() if o["metadata"]["name"].startswith("w01-")]
    return cause, []


@pytest.fixture(scope="module")
def plain_management(control_plane: ControlPlane) -> Iterator[RealCluster]:
    """A real control plane of its own serving Cluster API's kinds and not EKS Anywhere's (the shared planes keep
    EKS Anywhere's CRDs once installed)."""
    yield from plain_cluster("eksa-test-preflight-plain")


def test_workload_create_needs_eksa_crds_on_the_management_cluster(env: RealEnv,
                                                                   plain_management: RealCluster) -> None:
    # a real cluster serving Cluster API's kinds and not EKS Anywhere's
    assert not plain_management.client.has_kind("anywhere.eks.amazonaws.com/v1alpha1", "Cluster")
    cause, _ = _workload_failure(dataclasses.replace(env, management=plain_management))
    # the checks that read EKS-A objects are not run: they would only repeat this error
    assert cause.summary == "validations failed: validate management cluster has eksa crds"
    assert [e.message for e in cause] == [
        "the management cluster mgmt does not have the EKS Anywhere CRDs: anywhere.eks.amazonaws.com/v1alpha1 "
        "Cluster is not served"]


def test_workload_create_needs_a_management_cluster_of_that_name(env: RealEnv) -> None:
    seed_management_cluster(env.management, "other")
    cause, _ = _workload_failure(env)
    assert "validate management cluster name is valid" in cause.summary
    error = next(e for e in cause if e.message.startswith("unable to retrieve management cluster mgmt"))
    assert (error.kind, error.name, error.field) == ("Cluster", "w01", "spec.managementCluster.name")


def test_workload_create_refuses_a_workload_cluster_as_management(env: RealEnv) -> None:
    seed_management_cluster(env.management, "root")
    env.management.put_object({"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster",
                               "metadata": {"name": "mgmt", "namespace": "default"},
                               "spec": {"managementCluster": {"name": "root"}}})
    cause, _ = _workload_failure(env)
    assert [e.message for e in cause] == ["mgmt is not a valid management cluster"]


def test_workload_create_refuses_an_existing_cluster_name(env: RealEnv) -> None:
    seed_management_cluster(env.management)
    env.management.put_object({"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
                               "metadata": {"name": "w01", "namespace": "eksa-system"},
                               "spec": {"clusterNetwork": {"pods": {"cidrBlocks": ["192.168.0.0/16"]}}}})
    cause, _ = _workload_failure(env)
    assert cause.summary == "validations failed: validate cluster name"
    assert [e.message for e in cause] == ["cluster name w01 already exists"]


def test_workload_create_refuses_a_newer_eksa_version_than_the_management_cluster(env: RealEnv) -> None:
    seed_management_cluster(env.management, eksa_version="v0.18.0")
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    text = spec_text("w01", management="mgmt").replace(
        '  kubernetesVersion: "1.30"', '  kubernetesVersion: "1.30"\n  eksaVersion: v0.19.0')
    spec = Spec(parse_cluster_config(text, file="cluster.yaml", registry=env.plugins.registry),
                plugins=env.plugins, eksa_version="v0.19.0")
    with pytest.raises(WorkflowError) as info:
        create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                       installer=env.installer, options=options())
    cause = info.value.cause
    assert isinstance(cause, SpecErrors)
    assert cause.summary == "validations failed: validate management cluster eksaVersion compatibility"
    assert [e.message for e in cause] == [
        "cannot create workload cluster with eksaVersion v0.19.0 while management cluster mgmt is an older "
        "version: v0.18.0"]


def test_workload_create_plan_only_records_the_management_checks(tmp_path: Path) -> None:
    plugins = make_plugins()
    spec = make_spec(plugins, spec_text("w01", management="mgmt"))
    with no_contact() as listener:
        kubeconfig = listener_kubeconfig(tmp_path / "mgmt.kubeconfig", listener.url)
        plan = plan_create(spec, plugins=plugins, workdir=tmp_path / "work", management_kubeconfig=kubeconfig,
                           options=options())
    assert not listener.contacts(), f"a plan contacted something: {listener.contacts()}"
    setup = plan.step("setup-validate-create")
    recorded = [a["validation"] for a in setup.actions if a["action"] == "validation"]
    assert recorded == ["validate management cluster has eksa crds", "validate management cluster name is valid",
                        "validate cluster name", "validate management cluster eksaVersion compatibility"]
    assert "✅ Validate cluster spec" in setup.messages
    assert "✅ Validate cluster name" not in setup.messages


# ----------------------------------------------------------------------------------------------- upgrade


def _fail_upgrade(env: AnyEnv, text: str) -> tuple[SpecErrors, Any]:
    with pytest.raises(WorkflowError) as info:
        upgrade_cluster(make_spec(env.plugins, text), plugins=env.plugins, workdir=env.workdir,
                        installer=env.installer, options=options())
    assert info.value.task == "setup-and-validate"
    assert isinstance(info.value.cause, SpecErrors)
    return info.value.cause, info.value


def test_upgrade_refuses_a_two_minor_kubernetes_jump(env: RealEnv) -> None:
    create_mgmt(env)
    text = spec_text("mgmt").replace('kubernetesVersion: "1.30"', 'kubernetesVersion: "1.32"')
    cause, _ = _fail_upgrade(env, text)
    assert cause.summary == "validations failed: upgrade cluster kubernetes version increment"
    [error] = list(cause)
    assert error.message == "only +1 minor version skew is supported, minor version skew detected 2"
    assert (error.field, error.line) == ("spec.kubernetesVersion", 7)

    # a group with its own version is checked on its own
    text = text.replace("  - name: md-0\n", '  - name: md-0\n    kubernetesVersion: "1.32"\n')
    cause, _ = _fail_upgrade(env, text)
    assert "upgrade cluster worker node group kubernetes version increment" in cause.summary
    assert "worker node group md-0: only +1 minor version skew is supported, minor version skew detected 2" in [
        e.message for e in cause]


def test_upgrade_refuses_a_kubernetes_downgrade(env: RealEnv) -> None:
    create_mgmt(env)
    cause, _ = _fail_upgrade(env, spec_text("mgmt").replace('kubernetesVersion: "1.30"',
                                                            'kubernetesVersion: "1.29"'))
    assert [e.message for e in cause] == ["kubernetes version downgrade is not supported (1.30) -> (1.29)"]


def test_upgrade_refuses_core_immutable_fields(env: RealEnv) -> None:
    create_mgmt(env)
    cause, _ = _fail_upgrade(env, spec_text("mgmt").replace("192.168.0.0/16", "172.16.0.0/16"))
    assert cause.summary == "validations failed: validate immutable fields"
    [error] = list(cause)
    assert error.message == "spec.clusterNetwork.Pods is immutable"
    assert error.field == "spec.clusterNetwork.pods"


def test_upgrade_needs_ready_nodes(env: RealEnv) -> None:
    create_mgmt(env)
    add_node(env.management, "node-2", ready=False)
    cause, _ = _fail_upgrade(env, spec_text("mgmt", worker_cpus=8))
    assert cause.summary == "validations failed: nodes ready"
    assert [e.message for e in cause] == ["node node-2 is not ready, currently in False state"]


def test_upgrade_needs_a_ready_control_plane_and_workers(env: RealEnv) -> None:
    create_mgmt(env)
    cluster = env.management.get_object("cluster.x-k8s.io/v1beta2", "Cluster", "mgmt", "eksa-system")
    assert cluster is not None
    status = dict(cluster["status"])
    status["conditions"] = [{**c, "status": "False", "reason": "NotControlPlaneAvailable"}
                            if c["type"] == "ControlPlaneAvailable" else c for c in status["conditions"]]
    env.management.set_status("cluster.x-k8s.io/v1beta2", "Cluster", "mgmt", "eksa-system", status)
    env.management.set_status("cluster.x-k8s.io/v1beta2", "MachineDeployment", "mgmt-md-0", "eksa-system",
                              {"phase": "Running", "replicas": 2, "readyReplicas": 1})
    cause, _ = _fail_upgrade(env, spec_text("mgmt", worker_cpus=8))
    assert cause.summary == "validations failed: control plane ready, worker nodes ready"
    assert [e.message for e in cause] == ["control plane is not ready",
                                          "1 machine deployment replicas are not ready"]


def test_management_upgrade_from_another_folder_checks_nodes_through_its_kubeconfig(env: RealEnv,
                                                                                    tmp_path: Path) -> None:
    create_mgmt(env)
    kubeconfig = env.workdir / "mgmt" / "mgmt-eks-a-cluster.kubeconfig"
    elsewhere = tmp_path / "elsewhere"
    spec = make_spec(env.plugins, spec_text("mgmt", worker_cpus=8))
    current = make_spec(env.plugins, spec_text("mgmt"))
    result = upgrade_cluster(spec, plugins=env.plugins, workdir=elsewhere, management_kubeconfig=kubeconfig,
                             current_spec=current, installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert "✅ Nodes ready" in result.messages


def test_a_secret_in_a_failing_check_never_reaches_the_report(env: RealEnv) -> None:
    password = 'pa"ss\\word-42'

    class LeakyAddon:
        """An add-on whose validation error quotes a credential (as a careless plugin might)."""

        from eksa_core import hookimpl

        @hookimpl
        def eksa_validate_config(self, config: Any) -> list[Any]:
            from eksa_core.errors import SpecError

            return [SpecError(f"cannot log in with {password}")]

    env.plugins.register(LeakyAddon())
    spec = make_spec(env.plugins, spec_text("mgmt"))
    cause, messages = fail_create(env, spec, options=options(env={**ENV, "TESTPROVIDER_PASSWORD": password}))
    assert cause.summary == "validations failed: validate cluster spec"
    report = next(m for m in messages if m.startswith("❌"))
    assert "cannot log in with *****" in json.loads(report.partition("\t")[2])["error"]
    assert all(password not in m and json.dumps(password)[1:-1] not in m for m in messages)
