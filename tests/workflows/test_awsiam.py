"""The AWS IAM Authenticator kubeconfig ``<cluster>/<cluster>-aws.kubeconfig``: written by create (management
and workload) when the spec has an AWSIamConfig, added/removed on upgrade, never holding a credential."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from eksa_core.context import ClusterHandle
from eksa_core.testing.cni import StandInCNIRenderer
from eksa_core.workflows import Plan, Result, WorkflowContext, WorkflowOptions, create_cluster, plan_create
from eksa_core.workflows.common import WriteClusterConfigTask
from eksa_core.workflows.upgrade import CLUSTER_UPGRADED

from .harness import ENV, make_plugins, make_spec
from .harness import spec_text as base_spec_text
from .realharness import RealClusterAPIInstaller, RealEnv, options, seed_management_cluster

IAM = """\
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: AWSIamConfig
metadata:
  name: aws-iam
  namespace: default
spec:
  awsRegion: us-west-2
  backendMode:
  - EKSConfigMap
  partition: aws
  mapRoles:
  - roleARN: arn:aws:iam::111122223333:role/admin
    username: admin
    groups:
    - system:masters
"""


def spec_text(name: str = "mgmt", *, iam: bool = True, **kwargs: Any) -> str:
    text = base_spec_text(name, **kwargs)
    if not iam:
        return text
    text = text.replace("  managementCluster:", "  identityProviderRefs:\n  - kind: AWSIamConfig\n    name: aws-iam\n"
                        "  managementCluster:", 1)
    return text + IAM


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_management_create_writes_the_aws_iam_kubeconfig(env: RealEnv) -> None:
    result = create_cluster(make_spec(env.plugins, spec_text("mgmt")), plugins=env.plugins, workdir=env.workdir,
                            bootstrapper=env.bootstrapper, installer=env.installer, options=options())
    assert isinstance(result, Result)
    messages = result.messages
    assert messages[messages.index("Writing cluster config file") + 1] == "Generating the aws iam kubeconfig file"
    path = env.workdir / "mgmt" / "mgmt-aws.kubeconfig"
    config = _read(path)
    admin = _read(env.workdir / "mgmt" / "mgmt-eks-a-cluster.kubeconfig")
    # the cluster's server and CA, as in the admin kubeconfig
    admin_cluster = admin["clusters"][0]["cluster"]
    assert config["clusters"] == [{"name": "mgmt", "cluster": {
        "server": admin_cluster["server"], "certificate-authority-data": admin_cluster["certificate-authority-data"]}}]
    [user] = config["users"]
    assert user["user"] == {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                                     "command": "aws-iam-authenticator", "args": ["token", "-i", "mgmt"]}}
    assert config["current-context"] == "mgmt-aws"
    text = path.read_text()
    credentials = [v for u in admin["users"] for v in u["user"].values() if isinstance(v, str)]
    assert credentials and not [v for v in credentials if v in text]
    assert "token:" not in text and "client-key" not in text
    assert path.stat().st_mode & 0o077 == 0


def test_workload_create_uses_the_authenticator_cluster_id_and_the_ca(env: RealEnv) -> None:
    seed_management_cluster(env.management)
    env.management.put_object({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": "aws-iam-authenticator", "namespace": "kube-system"},
                               "data": {"config.yaml": "clusterID: 5f1b3c0e-0000-4000-8000-000000000001\n"}})
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    result = create_cluster(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                            workdir=env.workdir, management_kubeconfig=kubeconfig, installer=env.installer,
                            options=options())
    assert isinstance(result, Result)
    assert result.messages[-3:] == ["Writing cluster config file",
                                    "Generating AWS IAM kubeconfig file for new workload cluster",
                                    "🎉 Cluster created!"]
    config = _read(env.workdir / "w01" / "w01-aws.kubeconfig")
    assert config["users"][0]["user"]["exec"]["args"] == ["token", "-i", "5f1b3c0e-0000-4000-8000-000000000001"]


def test_no_iam_no_file(env: RealEnv) -> None:
    create_cluster(make_spec(env.plugins, spec_text("mgmt", iam=False)), plugins=env.plugins, workdir=env.workdir,
                   bootstrapper=env.bootstrapper, installer=env.installer, options=options())
    assert not (env.workdir / "mgmt" / "mgmt-aws.kubeconfig").exists()


def test_plan_records_the_file(tmp_path: Path) -> None:
    plugins = make_plugins()
    plan = plan_create(make_spec(plugins, spec_text("mgmt")), plugins=plugins, workdir=tmp_path, options=options())
    assert isinstance(plan, Plan)
    step = plan.step("write-cluster-config")
    assert "Generating the aws iam kubeconfig file" in step.messages
    assert {"action": "write-file", "path": str(tmp_path / "mgmt" / "mgmt-aws.kubeconfig"), "mode": "0600",
            "source": "aws-iam-authenticator kubeconfig"} in step.actions
    assert not (tmp_path / "mgmt" / "mgmt-aws.kubeconfig").exists()


def _write_task_context(env: RealEnv, new: str, old: str) -> WorkflowContext:
    plugins = env.plugins
    spec, current = make_spec(plugins, new), make_spec(plugins, old)
    folder = env.workdir / "mgmt"
    folder.mkdir(parents=True)
    env.management.write_kubeconfig(folder / "mgmt-eks-a-cluster.kubeconfig")
    ctx = WorkflowContext(spec=spec, plugins=plugins, provider=plugins.for_datacenter_kind("TestDatacenterConfig"),
                          workdir=env.workdir, bootstrapper=None, installer=RealClusterAPIInstaller(env.clusters),
                          options=WorkflowOptions(env=dict(ENV), cni_renderer=StandInCNIRenderer()),
                          current_spec=current)
    ctx.management_cluster = ClusterHandle("mgmt", folder / "mgmt-eks-a-cluster.kubeconfig")
    messages: list[str] = []
    ctx.bind_events("upgrade-management", lambda event: messages.append(event.message or ""))
    ctx.cache["messages"] = messages
    return ctx


def test_upgrade_adding_iam_writes_the_file(env: RealEnv) -> None:
    ctx = _write_task_context(env, spec_text("mgmt"), spec_text("mgmt", iam=False))
    WriteClusterConfigTask(success_message=CLUSTER_UPGRADED, workflow="upgrade-management").run(ctx)
    assert ctx.cache["messages"] == [
        "Writing cluster config file",
        "Generating AWS IAM kubeconfig file for management cluster upgrade (AWS IAM added)",
        CLUSTER_UPGRADED]
    assert ctx.aws_kubeconfig_path.is_file()


def test_upgrade_removing_iam_removes_the_file(env: RealEnv) -> None:
    ctx = _write_task_context(env, spec_text("mgmt", iam=False), spec_text("mgmt"))
    ctx.aws_kubeconfig_path.write_text("apiVersion: v1\n")
    WriteClusterConfigTask(success_message=CLUSTER_UPGRADED, workflow="upgrade-workload").run(ctx)
    assert ctx.cache["messages"] == [
        "Writing cluster config file",
        "Cleaning up AWS IAM kubeconfig file (AWS IAM removed during workload cluster upgrade)",
        CLUSTER_UPGRADED]
    assert not ctx.aws_kubeconfig_path.exists()


def test_upgrade_keeping_iam_says_nothing(env: RealEnv) -> None:
    ctx = _write_task_context(env, spec_text("mgmt"), spec_text("mgmt"))
    WriteClusterConfigTask(success_message=CLUSTER_UPGRADED, workflow="upgrade-management").run(ctx)
    assert ctx.cache["messages"] == ["Writing cluster config file", CLUSTER_UPGRADED]
