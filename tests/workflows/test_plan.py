"""Dry runs: the plan of a workflow, with no cluster or infrastructure contacted."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from eksa_testprovider import recorder

from eksa_core.testing.apiserver_double import FaultInjectionAPIServer, InjectedFailure
from eksa_core.workflows import Plan, create_cluster, plan_create, plan_delete, plan_upgrade

from .harness import ENV, FakeKindBootstrapper, make_plugins, make_spec, options, spec_text
from .test_create import MANAGEMENT_TASKS


class Fail500OnEveryRequestFaultInjection(FaultInjectionAPIServer):
    """Fault injection: the double answers 500 to every request and records that one came, proving a dry run
    sends none (a request would be both recorded and failed)."""

    def __init__(self) -> None:
        super().__init__()
        self.before_request = lambda info: InjectedFailure(status=500, message="dry run contacted a cluster")


def test_create_plan_touches_nothing(tmp_path: Path) -> None:
    plugins = make_plugins()
    spec = make_spec(plugins, spec_text("mgmt"))
    with Fail500OnEveryRequestFaultInjection() as double:
        kubeconfig = double.write_kubeconfig(tmp_path / "refusing.kubeconfig")
        bootstrapper = FakeKindBootstrapper(double)
        plan = plan_create(spec, plugins=plugins, workdir=tmp_path / "work", bootstrapper=bootstrapper,
                           management_kubeconfig=kubeconfig, options=options())
        assert double.requests == []
    assert bootstrapper.created == []
    assert isinstance(plan, Plan)
    assert plan.workflow == "create-management"
    ran = [s.task for s in plan.steps if not any(a["action"] == "skip" for a in s.actions)]
    assert ran == MANAGEMENT_TASKS
    init = plan.step("workload-cluster-init")
    assert init.messages[:2] == ["Creating new management cluster", "Creating EKS-A namespace"]
    actions = [a["action"] for a in init.actions]
    assert "apply" in actions and "wait-for-condition" in actions and "clusterctl-init" in actions
    waits = [a["condition"] for a in init.actions if a["action"] == "wait-for-condition"]
    assert waits == ["ControlPlaneAvailable", "WorkersAvailable", "Available"]
    # the whole budget, every time (nothing waited): plans do not depend on how fast they were made
    assert {a["timeout"] for a in init.actions if a["action"] == "wait-for-condition"} == {60}
    # the manifests it would apply are written to generated/plan/, Secrets redacted
    plan_file = tmp_path / "work" / "mgmt" / "generated" / "plan" / "workload-cluster-init.yaml"
    assert plan_file in plan.manifest_files()
    objects = list(yaml.safe_load_all(plan_file.read_text()))
    assert [o["kind"] for o in objects] == ["Cluster", "TestCluster", "TestMachineTemplate", "KubeadmControlPlane",
                                             "Secret", "KubeadmConfigTemplate", "MachineDeployment",
                                             "TestMachineTemplate"]
    assert all(o["metadata"]["namespace"] == "eksa-system" for o in objects)
    assert next(o for o in objects if o["kind"] == "Secret")["stringData"] == {"cloud.conf": "*****"}
    # hooks were called in dry-run mode; the provider's own dry-run record is part of the plan
    assert all(c.dry_run in (True, None) for c in recorder.CALLS)
    setup = plan.step("setup-validate")
    assert {"action": "hook-action", "hook": "eksa_setup_and_validate_create", "hookAction": "check-endpoint",
            "endpoint": "https://infra.example:8443"} in setup.actions
    # nothing but the plan was written
    written = sorted(str(p.relative_to(tmp_path / "work")) for p in (tmp_path / "work").rglob("*") if p.is_file())
    assert all(p.startswith("mgmt/generated/plan/") for p in written), written


def test_plan_serialises_without_secrets(tmp_path: Path) -> None:
    plugins = make_plugins()
    spec = make_spec(plugins, spec_text("mgmt"))
    plan = create_cluster(spec, plugins=plugins, workdir=tmp_path, dry_run=True, options=options())
    assert isinstance(plan, Plan)
    data = json.loads(plan.to_json())
    assert data["workflow"] == "create-management" and data["steps"][0]["task"] == "setup-validate"
    assert yaml.safe_load(plan.to_yaml()) == data
    text = plan.to_text()
    assert "capi-management-move" in text and "Moving the cluster management components" in text
    for rendered in (plan.to_json(), plan.to_yaml(), text, *(p.read_text() for p in plan.manifest_files())):
        assert ENV["TESTPROVIDER_PASSWORD"] not in rendered
        assert ENV["TESTPROVIDER_USERNAME"] not in rendered
    install = plan.step("install-capi-components-bootstrap")
    init = next(a for a in install.actions if a["action"] == "clusterctl-init")
    assert init["env_keys"] == ["EXP_CLUSTER_RESOURCE_SET", "TESTPROVIDER_ENDPOINT", "TESTPROVIDER_PASSWORD",
                                "TESTPROVIDER_USERNAME"]


def test_workload_create_plan(tmp_path: Path) -> None:
    plugins = make_plugins()
    spec = make_spec(plugins, spec_text("w01", management="mgmt"))
    with Fail500OnEveryRequestFaultInjection() as double:
        kubeconfig = double.write_kubeconfig(tmp_path / "mgmt.kubeconfig")
        plan = plan_create(spec, plugins=plugins, workdir=tmp_path, management_kubeconfig=kubeconfig,
                           options=options())
        assert double.requests == []
    assert plan.task_names == ["setup-validate-create", "create-workload-cluster", "gitops-manager-install",
                               "write-cluster-config"]
    assert plan.step("write-cluster-config").messages == ["Writing cluster config file", "🎉 Cluster created!"]


def test_upgrade_and_delete_plans(tmp_path: Path) -> None:
    plugins = make_plugins()
    current = make_spec(plugins, spec_text("mgmt"))
    spec = make_spec(plugins, spec_text("mgmt", worker_cpus=8))
    with Fail500OnEveryRequestFaultInjection() as double:
        plan = plan_upgrade(spec, plugins=plugins, workdir=tmp_path, current_spec=current, options=options())
        delete = plan_delete(spec, plugins=plugins, workdir=tmp_path, options=options(),
                             bootstrapper=FakeKindBootstrapper(double))
        assert double.requests == []
    assert plan.workflow == "upgrade-management"
    assert plan.step("upgrade-core-components").messages == ["Upgrading core components"]
    assert plan.step("upgrade-workload-cluster").messages == ["Upgrading management cluster"]
    assert delete.task_names == ["setup-and-validate-delete", "bootstrap-cluster-for-delete-init",
                                 "install-capi-components-bootstrap-for-delete", "capi-management-move-for-delete",
                                 "eksa-components-bootstrap-install-delete-task", "delete-management-cluster",
                                 "clean-up-git-repo", "kind-cluster-delete"]
    assert any(a["action"] == "move" for a in delete.step("capi-management-move-for-delete").actions)


def test_plan_files_are_exactly_the_rendered_manifests_with_only_secret_data_masked(tmp_path: Path) -> None:
    """Only secret values are masked: flags such as ``EXP_CLUSTER_RESOURCE_SET=true`` of the provider's
    clusterctl environment stay readable in the plan, which equals what would be applied but for Secret data."""
    from eksa_core.testing import patched_env, render

    plugins = make_plugins()
    spec = make_spec(plugins, spec_text("mgmt"))
    plan = create_cluster(spec, plugins=plugins, workdir=tmp_path / "work", dry_run=True, options=options())
    assert isinstance(plan, Plan)
    plan_file = tmp_path / "work" / "mgmt" / "generated" / "plan" / "workload-cluster-init.yaml"
    assert plan_file in plan.manifest_files()
    written = list(yaml.safe_load_all(plan_file.read_text()))
    with patched_env(ENV):
        control_plane, workers = render(plugins.provider("testprovider"), spec)
    expected = []
    for obj in control_plane + workers:
        if obj["kind"] == "Secret":
            obj = {**obj, **{k: dict.fromkeys(obj[k], "*****") for k in ("data", "stringData") if k in obj}}
        expected.append(obj)
    assert written == json.loads(json.dumps(expected))
    text = plan_file.read_text()
    assert "endpoint: https://infra.example:8443" in text  # TESTPROVIDER_ENDPOINT of the clusterctl environment
    assert text.count("*****") == sum(len(o.get("data") or {}) + len(o.get("stringData") or {})
                                      for o in written if o["kind"] == "Secret")


def test_redactor_masks_secret_values_inside_strings_and_never_flags() -> None:
    from eksa_core.workflows.context import Redactor

    redact = Redactor()
    redact.add_env_map({"EXP_CLUSTER_RESOURCE_SET": "true", "NUTANIX_USER": "admin",
                        "NUTANIX_ENDPOINT": "prism.example.com", "NUTANIX_PASSWORD": "Prism-Secret-9"})
    redact.add_manifests([{"kind": "Secret", "stringData": {"verify-ssl": "true", "port": "9440",
                                                            "key": "api-key-1234"}}])
    data = {"readOnly": True, "flag": "true", "port": "9440", "path": "/etc/kubernetes/admin.conf",
            "endpoint": "prism.example.com", "conf": "password = Prism-Secret-9\nkey = api-key-1234\n"}
    assert redact.redact_data(data) == {**data, "conf": "password = *****\nkey = *****\n"}
    assert redact("NUTANIX_PASSWORD=Prism-Secret-9 EXP_CLUSTER_RESOURCE_SET=true") == \
        "NUTANIX_PASSWORD=***** EXP_CLUSTER_RESOURCE_SET=true"
