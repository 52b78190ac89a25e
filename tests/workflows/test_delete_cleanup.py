"""A successful delete leaves the working folder so that the same cluster name can be created again, and never
removes what the user wrote."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eksa_core.workflows import Plan, Result, WorkflowError, create_cluster, delete_cluster, plan_delete

from .harness import make_spec, spec_text
from .realharness import RealEnv, options, seed_management_cluster
from .test_create import create_mgmt


def _create_workload(env: RealEnv) -> Path:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    result = create_cluster(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                            workdir=env.workdir, management_kubeconfig=kubeconfig, installer=env.installer,
                            options=options())
    assert isinstance(result, Result)
    return kubeconfig


def test_workload_delete_removes_the_cluster_folder_and_the_name_can_be_reused(env: RealEnv) -> None:
    seed_management_cluster(env.management)
    kubeconfig = _create_workload(env)
    folder = env.workdir / "w01"
    assert sorted(p.name for p in folder.iterdir()) == ["w01-eks-a-cluster.kubeconfig", "w01-eks-a-cluster.yaml"]

    result = delete_cluster(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                            workdir=env.workdir, management_kubeconfig=kubeconfig, installer=env.installer,
                            options=options())
    assert isinstance(result, Result)
    assert not folder.exists()
    assert result.kubeconfig is None and result.config_file is None

    again = _create_workload(env)  # "old cluster config file exists" would stop it otherwise
    assert again == kubeconfig and (folder / "w01-eks-a-cluster.kubeconfig").is_file()


def test_management_delete_keeps_user_files_and_ssh_keys(env: RealEnv) -> None:
    create_mgmt(env)
    folder = env.workdir / "mgmt"
    (folder / "eks-a-id_rsa").write_text("private key")
    (folder / "eks-a-id_rsa.pub").write_text("ssh-rsa AAAA")
    (folder / "notes.txt").write_text("mine")
    env.controller.active = False  # the delete's bootstrap cluster runs no controller

    result = delete_cluster(make_spec(env.plugins, spec_text("mgmt")), plugins=env.plugins, workdir=env.workdir,
                            bootstrapper=env.bootstrapper, installer=env.installer, options=options())
    assert isinstance(result, Result)
    assert sorted(p.name for p in folder.iterdir()) == ["eks-a-id_rsa", "eks-a-id_rsa.pub", "notes.txt"]

    # the name is free again: the create does not stop at "old cluster config file exists"
    env.controller.active = True
    again = create_mgmt(env)
    assert again.kubeconfig == folder / "mgmt-eks-a-cluster.kubeconfig"


def test_the_users_spec_file_is_never_removed(env: RealEnv) -> None:
    seed_management_cluster(env.management)
    kubeconfig = _create_workload(env)
    spec_file = env.workdir / "w01" / "w01-eks-a-cluster.yaml"
    written = spec_file.read_bytes()

    result = delete_cluster(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                            workdir=env.workdir, management_kubeconfig=kubeconfig, installer=env.installer,
                            options=options(keep_files=[spec_file]))
    assert isinstance(result, Result)
    assert spec_file.read_bytes() == written
    assert not (env.workdir / "w01" / "w01-eks-a-cluster.kubeconfig").exists()


def test_aws_iam_kubeconfig_is_removed_too(env: RealEnv) -> None:
    seed_management_cluster(env.management)
    kubeconfig = _create_workload(env)
    aws = env.workdir / "w01" / "w01-aws.kubeconfig"
    aws.write_text("apiVersion: v1\n")
    delete_cluster(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                   workdir=env.workdir, management_kubeconfig=kubeconfig, installer=env.installer, options=options())
    assert not aws.exists()


def test_failed_delete_keeps_everything(env: RealEnv) -> None:
    seed_management_cluster(env.management)
    kubeconfig = _create_workload(env)
    before = sorted(os.listdir(env.workdir / "w01"))
    os.chmod(kubeconfig, 0o600)
    with pytest.raises(WorkflowError):
        delete_cluster(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                       workdir=env.workdir, management_kubeconfig=env.workdir / "missing.kubeconfig",
                       installer=env.installer, options=options())
    after = sorted(p for p in os.listdir(env.workdir / "w01") if p != "generated")
    assert after == before


def test_delete_plan_lists_the_files_it_would_remove(tmp_path: Path, env: RealEnv) -> None:
    seed_management_cluster(env.management)
    kubeconfig = _create_workload(env)
    spec_file = env.workdir / "w01" / "w01-eks-a-cluster.yaml"
    plan = plan_delete(make_spec(env.plugins, spec_text("w01", management="mgmt")), plugins=env.plugins,
                       workdir=env.workdir, management_kubeconfig=kubeconfig, options=options(keep_files=[spec_file]))
    assert isinstance(plan, Plan)
    actions = plan.step("validate-delete-workload-success").actions
    assert {"action": "remove-file", "path": str(env.workdir / "w01" / "w01-eks-a-cluster.kubeconfig")} in actions
    assert {"action": "keep-file", "path": str(spec_file), "reason": "given by the user"} in actions
    assert spec_file.is_file() and (env.workdir / "w01" / "w01-eks-a-cluster.kubeconfig").is_file()
