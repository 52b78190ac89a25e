"""``eksa generate manifests`` and :func:`eksa_core.batch.generate_manifests`: many specs into one folder per
cluster, every bad file reported, none stopping the others."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from eksa_core.batch import generate_manifests
from eksa_core.cli import main
from eksa_core.errors import SpecErrors
from eksa_core.plugins import Plugins, default_plugins

SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: {name}
spec:
  clusterNetwork:
    cniConfig:
      cilium: {{}}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [{services}]
  controlPlaneConfiguration:
    count: 1
  datacenterRef:
    kind: DockerDatacenterConfig
    name: {name}
  kubernetesVersion: "1.33"
  managementCluster:
    name: {management}
  workerNodeGroupConfigurations:
{workers}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: DockerDatacenterConfig
metadata:
  name: {name}
spec: {{}}
"""


def spec(name: str, *, groups: int = 1, management: str | None = None, services: str = "10.96.0.0/12") -> str:
    workers = "\n".join(f"  - count: 1\n    name: md-{i}" for i in range(groups))
    return SPEC.format(name=name, workers=workers, management=management or name, services=services)


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    found = default_plugins()
    if "docker" not in found.providers:
        pytest.skip("the docker provider is not installed")
    return found


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "a-mgmt.yaml").write_text(spec("mgmt", groups=2))
    (folder / "b-workload.yaml").write_text(spec("team-a", management="mgmt", groups=3))
    (folder / "c-bad.yaml").write_text(spec("team-b", management="mgmt", services="not-a-cidr"))
    (folder / "d-broken.yml").write_text("apiVersion: [\n")
    (folder / "notes.txt").write_text("not a spec")
    return folder


def _kinds(path: Path) -> list[tuple[str, str]]:
    return [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(path.read_text()) if d]


def test_every_good_spec_gets_its_folder_and_every_bad_one_its_error(plugins: Plugins, specs: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen: list[str] = []
    result = generate_manifests([specs, tmp_path / "missing.yaml"], out, plugins=plugins,
                                on_result=lambda r: seen.append(r.file.name))
    assert seen == ["a-mgmt.yaml", "b-workload.yaml", "c-bad.yaml", "d-broken.yml", "missing.yaml"]
    assert not result.ok
    assert [r.cluster for r in result.generated] == ["mgmt", "team-a"]
    assert [r.file.name for r in result.failed] == ["c-bad.yaml", "d-broken.yml", "missing.yaml"]

    bad, broken, missing = result.failed
    assert isinstance(bad.error, SpecErrors)
    (problem,) = list(bad.error)
    assert problem.field == "spec.clusterNetwork.services.cidrBlocks[0]"
    assert problem.file == str(specs / "c-bad.yaml") and problem.line == 12
    assert isinstance(broken.error, SpecErrors)
    assert "does not exist" in str(missing.error)
    assert not (out / "team-b").exists()

    workload = result.generated[1]
    assert workload.folder == out / "team-a"
    assert all(p.is_file() for p in workload.written)
    manifests = [p for p in workload.written if p.parent.name == "plan"]
    objects = [kind for p in manifests for kind in _kinds(p)]
    assert ("KubeadmControlPlane", "team-a") in objects
    assert {name for kind, name in objects if kind == "MachineDeployment"} == {f"team-a-md-{i}" for i in range(3)}
    plan = yaml.safe_load((out / "team-a" / "plan.yaml").read_text())
    assert plan["cluster"] == "team-a" and plan["workflow"].startswith("create")
    defaulted = yaml.safe_load_all((out / "team-a" / "team-a-eks-a-cluster.yaml").read_text())
    cluster = next(d for d in defaulted if d and d["kind"] == "Cluster")
    assert cluster["spec"]["managementCluster"]["name"] == "mgmt"
    assert [g["name"] for g in cluster["spec"]["workerNodeGroupConfigurations"]] == ["md-0", "md-1", "md-2"]


def test_a_cluster_name_defined_twice_fails_the_second_file(plugins: Plugins, tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(spec("same"))
    (tmp_path / "two.yaml").write_text(spec("same", groups=2))
    result = generate_manifests([tmp_path / "one.yaml", tmp_path / "two.yaml"], tmp_path / "out", plugins=plugins)
    assert [r.ok for r in result.results] == [True, False]
    assert "also defined in" in str(result.results[1].error)


def test_regenerating_leaves_no_stale_files(plugins: Plugins, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(spec("fleet-1"))
    out = tmp_path / "out"
    stale = out / "fleet-1" / "generated" / "plan" / "old.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("kind: Stale\n")
    assert generate_manifests([path], out, plugins=plugins).ok
    assert not stale.exists()
    assert (out / "fleet-1" / "plan.yaml").is_file()


def test_the_command_reports_each_bad_file_and_exits_non_zero(plugins: Plugins, specs: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["generate", "manifests", "-o", str(tmp_path / "out"), str(specs)], plugins=plugins, stdout=out,
                stderr=err)
    assert code == 1
    errors = err.getvalue()
    assert "c-bad.yaml" in errors and "spec.clusterNetwork.services.cidrBlocks[0]" in errors
    assert "d-broken.yml" in errors
    assert "2 clusters generated" in out.getvalue() + errors
    assert (tmp_path / "out" / "mgmt" / "plan.yaml").is_file()


def test_the_command_succeeds_when_every_file_does(plugins: Plugins, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(spec("fleet-x"))
    code = main(["generate", "manifests", "-o", str(tmp_path / "out"), "-f", str(tmp_path / "x.yaml")],
                plugins=plugins, stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    assert (tmp_path / "out" / "fleet-x" / "fleet-x-eks-a-cluster.yaml").is_file()


def test_the_command_needs_spec_files(plugins: Plugins, tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["generate", "manifests", "-o", str(tmp_path)], plugins=plugins, stdout=io.StringIO(),
                stderr=err) == 2
    assert "spec files" in err.getvalue()
