"""``eksa`` end to end with the test provider (no kind, no clusterctl): a workload cluster created against a
management cluster with ``--kubeconfig``, upgraded in a dry run, deleted by name; errors are one ``Error:`` line
and an exit code, never a traceback below ``-v 4``.

On the real control planes (:mod:`tests.workflows.realharness`): the session's ``second_control_plane`` is the
management cluster, with EKS Anywhere's and Cluster API's real CRDs. No Cluster API controller runs, so the CLI is
given the harness's client factory (``main(kube_factory=...)``, the CLI's public seam for the workflows' clients):
its clients let the simulated controllers write what Cluster API would when a workflow reads a ``Cluster``, on a
fake clock (no real sleeping). The management cluster without EKS Anywhere's CRDs is a control plane of its own
(:func:`plain_management`), since the shared ones keep the CRDs installed."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from eksa_testprovider import recorder

from eksa_core.cli import main
from eksa_core.kube import KubeClient
from eksa_core.testing.cni import StandInCNIRenderer
from eksa_core.testing.controlplane import ControlPlane
from tests.workflows.harness import ENV
from tests.workflows.harness import spec_text as harness_spec_text
from tests.workflows.realharness import (
    RealCluster,
    RealEnv,
    kube_factory,
    new_real_env,
    plain_cluster,
    seed_management_cluster,
)

pytestmark = pytest.mark.realkube

#: The bundled release snapshot covers Kubernetes 1.30 to 1.36: the newest.
VERSION = "1.36"


def spec_text(name: str, **kwargs: object) -> str:
    return harness_spec_text(name, **kwargs).replace('kubernetesVersion: "1.30"',  # type: ignore[arg-type]
                                                     f'kubernetesVersion: "{VERSION}"')


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, control_plane: ControlPlane,
        second_control_plane: ControlPlane) -> Iterator[RealEnv]:
    """The real bootstrap and management clusters (wiped clean), the current directory a fresh one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EKSA_RELEASE_MANIFEST", raising=False)
    monkeypatch.delenv("CHECKPOINT_ENABLED", raising=False)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    recorder.reset()
    yield from new_real_env(tmp_path, control_plane, second_control_plane)
    recorder.reset()


@pytest.fixture(scope="module")
def plain_management(control_plane: ControlPlane) -> Iterator[RealCluster]:
    """A real control plane of its own with Cluster API's CRDs and not EKS Anywhere's: a Kubernetes cluster that
    is not an EKS Anywhere management cluster (the shared planes keep EKS Anywhere's CRDs once installed). It
    depends on ``control_plane`` for the ``realkube`` marking and the same skip (or CI failure) reason."""
    yield from plain_cluster("eksa-test-plain")


def eksa(env: RealEnv, *argv: str, factory: Callable[[Path], KubeClient] | None = None) -> tuple[int, str, str]:
    """Run ``eksa`` with the env's plugins and the harness's clients (or ``factory``'s)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=env.plugins, stdout=out, stderr=err, kube_factory=factory or kube_factory(),
                cni_renderer=StandInCNIRenderer())
    return code, out.getvalue(), err.getvalue()


def _management(env: RealEnv) -> Path:
    seed_management_cluster(env.management)
    return env.management.write_kubeconfig(Path("mgmt.kubeconfig"))


def test_create_workload_cluster_upgrade_plan_and_delete_by_name(env: RealEnv) -> None:
    kubeconfig = _management(env)
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt"))

    code, out, err = eksa(env, "create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig))
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("Performing setup and validations")
    assert lines[start:] == [
        "Performing setup and validations",
        "✅ Workload cluster's testprovider Provider setup is valid",
        "✅ Validate cluster spec",
        "✅ Validate --skip-validations names",
        "✅ Validate cluster's eksaVersion matches EKS-A version",
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
    assert sorted(p.name for p in Path("w01").iterdir()) == ["w01-eks-a-cluster.kubeconfig", "w01-eks-a-cluster.yaml"]
    assert not Path("eksa-cli-logs").exists()  # removed on success

    # an upgrade in a dry run prints the plan and changes nothing
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt", worker_cpus=8))
    before = env.management.get_object("cluster.x-k8s.io/v1beta2", "MachineDeployment", "w01-md-0", "eksa-system")
    code, out, err = eksa(env, "upgrade", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig),
                          "--dry-run")
    assert code == 0, err
    assert "Plan: upgrade-workload of cluster w01\n" in out
    assert " 1. setup-validate-upgrade" in out and "says: ✅ Validate immutable fields" in out
    assert "validation (validation=control plane ready, cluster=mgmt)" in out
    assert "says: Upgrading workload cluster components" in out
    assert "🎉 Cluster upgraded!" not in out.replace("says: 🎉 Cluster upgraded!", "")
    after = env.management.get_object("cluster.x-k8s.io/v1beta2", "MachineDeployment", "w01-md-0", "eksa-system")
    assert after == before

    # delete by name reads w01/w01-eks-a-cluster.yaml, deletes, and frees the name
    code, out, err = eksa(env, "delete", "cluster", "w01", "--kubeconfig", str(kubeconfig))
    assert code == 0, err
    assert out.splitlines()[-3:] == ["Performing provider setup and validations", "Deleting workload cluster",
                                     "🎉 Cluster deleted!"]
    assert not [o for o in env.management.list_objects(namespace="eksa-system")
                if o["metadata"]["name"].startswith("w01")]
    assert not Path("w01").exists()
    assert Path("w01.yaml").is_file()

    code, out, err = eksa(env, "create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig))
    assert code == 0, err


def test_delete_with_the_spec_file_keeps_it(env: RealEnv) -> None:
    kubeconfig = _management(env)
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt"))
    assert eksa(env, "create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig))[0] == 0
    spec_file = Path("w01/w01-eks-a-cluster.yaml")
    written = spec_file.read_text()

    code, _, err = eksa(env, "delete", "cluster", "-f", str(spec_file), "--kubeconfig", str(kubeconfig))
    assert code == 0, err
    assert spec_file.read_text() == written  # given with -f: the user's
    assert not Path("w01/w01-eks-a-cluster.kubeconfig").exists()


def test_failed_validations_are_one_error_line_without_traceback(env: RealEnv,
                                                                 plain_management: RealCluster) -> None:
    kubeconfig = plain_management.write_kubeconfig(Path("mgmt.kubeconfig"))  # no EKS Anywhere CRDs
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt"))

    code, out, err = eksa(env, "create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig))
    assert code == 1
    assert "❌ Validation failed\t{\"validation\": \"validate management cluster has eksa crds\"" in out
    error_lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1
    assert error_lines[0].startswith(
        "Error: create-workload failed in task setup-validate-create: validations failed: validate management "
        "cluster has eksa crds: the management cluster mgmt does not have the EKS Anywhere CRDs")
    assert "Traceback" not in err and "Traceback" not in out
    assert plain_management.list_objects("cluster.x-k8s.io/v1beta2", "Cluster") == []
    assert env.management.list_objects("cluster.x-k8s.io/v1beta2", "Cluster") == []


def test_located_validation_errors_are_listed_under_the_error_line(env: RealEnv) -> None:
    kubeconfig = _management(env)
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt"))
    code, _, err = eksa(env, "create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig),
                        "--skip-validations", "vsphere-user-privilege")
    assert code == 0, err

    Path("w02.yaml").write_text(spec_text("w02", management="mgmt").replace(
        "  managementCluster:", "  etcdEncryption:\n  - providers:\n    - kms:\n        name: config\n"
        "        socketListenAddress: unix:///var/run/kmsplugin/socket.sock\n    resources:\n    - secrets\n"
        "  managementCluster:"))
    code, _, err = eksa(env, "create", "cluster", "-f", "w02.yaml", "--kubeconfig", str(kubeconfig))
    assert code == 1
    assert err.startswith("Error: ")
    assert "Traceback" not in err


def test_unreachable_management_cluster_is_one_line(env: RealEnv, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from eksa_core.kube import client

    policy = client.RetryPolicy
    monkeypatch.setattr(client, "RetryPolicy", lambda: policy(attempts=1))  # no back-off sleeps in this test
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(env.management.write_kubeconfig(tmp_path / "m.kubeconfig").read_text()
                    .replace(env.management.url, "https://127.0.0.1:1"))
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt"))
    # the CLI's own clients (no factory given), as a user's run builds them
    out, errs = io.StringIO(), io.StringIO()
    code = main(["create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(dead)], plugins=env.plugins,
                stdout=out, stderr=errs)
    err = errs.getvalue()
    assert code == 1
    assert [line for line in err.splitlines() if line.startswith("Error:")] == [err.splitlines()[0]]
    assert "cannot reach the Kubernetes API server at https://127.0.0.1:1" in err
    assert "Traceback" not in err


def test_traceback_only_from_verbosity_4(env: RealEnv, tmp_path: Path) -> None:
    class Exploding:
        from eksa_core import hookimpl

        @hookimpl
        def eksa_workflow_event(self, event: object) -> None:
            raise RuntimeError("observer bug")  # observers' errors are logged and ignored

    env.plugins.register(Exploding())
    kubeconfig = _management(env)
    Path("w01.yaml").write_text(spec_text("w01", management="mgmt"))
    code, _, err = eksa(env, "create", "cluster", "-f", "w01.yaml", "--kubeconfig", str(kubeconfig))
    assert code == 0, err
    assert "Traceback" not in err

    code, _, err = eksa(env, "delete", "cluster", "nope")
    assert code == 1
    assert err.splitlines()[0] == ("Error: clusterconfig file nope/nope-eks-a-cluster.yaml for cluster: nope not "
                                   "found, please provide the clusterconfig path manually using -f <config-file>")
    assert "Traceback" not in err
