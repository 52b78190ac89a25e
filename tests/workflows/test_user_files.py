"""The user's own files survive a workflow: a spec given with ``-f`` under ``<cluster>/generated/`` is not deleted
when a successful create removes that folder, and a user's file the workflow must rewrite is backed up first."""

from __future__ import annotations

import os
import stat

import pytest

from eksa_core.workflows import Result, create_cluster

from .harness import make_spec, spec_text
from .realharness import RealEnv, options


def test_a_spec_under_generated_survives_a_successful_create(env: RealEnv) -> None:
    generated = env.workdir / "mgmt" / "generated"
    spec_file = generated / "mine" / "mgmt.yaml"
    spec_file.parent.mkdir(parents=True)
    spec_file.write_text(spec_text("mgmt"))
    (generated / "leftover.txt").write_text("old run")
    spec = make_spec(env.plugins, spec_file.read_text())
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                            installer=env.installer, options=options(keep_files=[spec_file]))
    assert isinstance(result, Result)
    assert spec_file.read_text() == spec_text("mgmt")
    # everything else of generated/ went, as EKS Anywhere removes it on success
    assert sorted(str(p.relative_to(generated)) for p in generated.rglob("*")) == ["mine", "mine/mgmt.yaml"]


def test_the_users_spec_at_the_cluster_config_path_is_backed_up_before_it_is_rewritten(env: RealEnv) -> None:
    folder = env.workdir / "mgmt"
    folder.mkdir(parents=True)
    spec_file = folder / "mgmt-eks-a-cluster.yaml"
    original = "# my comments\n" + spec_text("mgmt")
    spec_file.write_text(original)
    spec_file.chmod(0o640)
    spec = make_spec(env.plugins, spec_text("mgmt"))  # what is written there differs from the user's file
    create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                   installer=env.installer, options=options(keep_files=[spec_file]))
    assert spec_file.read_text() != original  # the defaulted spec was written there
    assert (folder / "mgmt-eks-a-cluster.yaml.bak").read_text() == original
    assert stat.S_IMODE(spec_file.stat().st_mode) == 0o640


@pytest.mark.parametrize("umask", [0o000, 0o002, 0o022])
def test_kubeconfigs_are_0600_under_any_umask(env: RealEnv, umask: int) -> None:
    old = os.umask(umask)
    try:
        spec = make_spec(env.plugins, spec_text("mgmt"))
        create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                       installer=env.installer, options=options(keep_generated=True))
        kubeconfigs = sorted(env.workdir.rglob("*.kubeconfig"))
        assert env.workdir / "mgmt" / "mgmt-eks-a-cluster.kubeconfig" in kubeconfigs
        for path in kubeconfigs + sorted(env.workdir.rglob("*-checkpoint.yaml")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        os.umask(old)
