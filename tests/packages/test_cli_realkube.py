"""The package commands of ``eksa`` on the real control plane: each one creates, reads, changes or removes the
custom resources EKS Anywhere's commands do, with its flags, outputs and errors."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from eksa_core.cli import main
from eksa_core.kube import KubeClient
from eksa_core.testing.controlplane import ControlPlane

from .bundles import bundle

API = "packages.eks.amazonaws.com/v1alpha1"

SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: {name}
spec:
  kubernetesVersion: "1.33"
  controlPlaneConfiguration:
    count: 1
    machineGroupRef:
      kind: DockerMachineConfig
      name: {name}
  datacenterRef:
    kind: DockerDatacenterConfig
    name: {name}
  clusterNetwork:
    cniConfig:
      cilium: {{}}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
  workerNodeGroupConfigurations:
  - count: 1
    name: md-0
    machineGroupRef:
      kind: DockerMachineConfig
      name: {name}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: DockerDatacenterConfig
metadata:
  name: {name}
spec: {{}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: DockerMachineConfig
metadata:
  name: {name}
spec: {{}}
"""


def eksa(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def setup(control_plane: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    monkeypatch.chdir(tmp_path)
    name = f"p{uuid.uuid4().hex[:8]}"
    kubeconfig = str(control_plane.kubeconfig)
    yield name, kubeconfig
    with KubeClient(kubeconfig) as kube:
        kube.delete("v1", "Namespace", f"eksa-packages-{name}", ignore_not_found=True)
        kube.delete(API, "PackageBundleController", name, "eksa-packages", ignore_not_found=True)


@pytest.mark.realkube
def test_every_package_command_round_trips_its_custom_resources(setup: tuple[str, str], tmp_path: Path) -> None:
    name, kubeconfig = setup
    Path("cluster.yaml").write_text(SPEC.format(name=name))
    code, out, err = eksa("install", "packagecontroller", "-f", "cluster.yaml", "--kubeconfig", kubeconfig,
                          "--release-manifest", "bundled")
    assert code == 0, err
    assert "Installing EKS-A curated packages controller on management cluster" in out
    with KubeClient(kubeconfig) as kube:
        pbc = kube.get(API, "PackageBundleController", name, "eksa-packages")
        # the registries come from the bundle's package controller image (public.ecr.aws/eks-anywhere/...)
        assert pbc["spec"]["defaultRegistry"] == "public.ecr.aws/eks-anywhere"
        # the bundles the controller would pull from its registry; the CLI test puts two there itself
        for doc in (bundle("v1-33-2001", ["2.10.0", "2.11.1"]), bundle("v1-33-2002", ["2.12.0"])):
            kube.apply(doc)
        pbc["spec"]["activeBundle"] = "v1-33-2001"
        kube.apply({"apiVersion": API, "kind": "PackageBundleController",
                    "metadata": {"name": name, "namespace": "eksa-packages"}, "spec": pbc["spec"]})

    common = ["--cluster", name, "--kubeconfig", kubeconfig]
    code, out, err = eksa("list", "packages", *common)
    assert code == 0, err
    assert out.splitlines()[:3] == ["Package             Version(s)", "-------             ----------",
                                    "harbor              2.10.0, 2.11.1"]

    code, out, err = eksa("generate", "packages", "harbor", *common)
    assert code == 0, err
    generated = yaml.safe_load(out)
    assert generated["metadata"] == {"name": "generated-harbor", "namespace": f"eksa-packages-{name}"}
    Path("packages.yaml").write_text(out)

    code, out, err = eksa("install", "package", "harbor", "--package-name", "my-harbor",
                          "--set", "harborAdminPassword=pw", *common)
    assert (code, out) == (0, "packages.packages.eks.amazonaws.com/my-harbor created\n"), err

    code, out, err = eksa("apply", "package", "-f", "packages.yaml", "--kubeconfig", kubeconfig)
    assert (code, out) == (0, "packages.packages.eks.amazonaws.com/generated-harbor created\n"), err

    code, out, err = eksa("get", "packages", *common)
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["NAME", "PACKAGE", "STATE", "CURRENTVERSION", "TARGETVERSION", "DETAIL"]
    assert sorted(r[:2] for r in rows[1:]) == [["generated-harbor", "harbor"], ["my-harbor", "harbor"]]
    code, out, err = eksa("get", "packages", "my-harbor", "-o", "json", *common)
    assert code == 0, err
    items = json.loads(out)["items"]
    assert [(i["metadata"]["name"], yaml.safe_load(i["spec"]["config"])) for i in items] == [
        ("my-harbor", {"harborAdminPassword": "pw"})]

    code, out, err = eksa("describe", "packages", "my-harbor", *common)
    assert code == 0, err
    assert "Name:         my-harbor" in out and "packageName: harbor" in out

    code, out, err = eksa("upgrade", "packages", "--bundle-version", "v1-33-2002", *common)
    assert (code, out) == (0, f"packagebundlecontroller.packages.eks.amazonaws.com/{name} configured\n"), err
    with KubeClient(kubeconfig) as kube:
        assert kube.get(API, "PackageBundleController", name, "eksa-packages")["spec"]["activeBundle"] == (
            "v1-33-2002")

    code, out, err = eksa("delete", "package", "my-harbor", "generated-harbor", *common)
    assert code == 0, err
    assert out.splitlines() == ['packages.packages.eks.amazonaws.com "my-harbor" deleted',
                                'packages.packages.eks.amazonaws.com "generated-harbor" deleted']
    code, out, err = eksa("get", "packages", *common)
    assert (code, out) == (0, f"No resources found in eksa-packages-{name} namespace.\n")

    # EKS-A's errors
    code, out, err = eksa("describe", "packages", *common)
    assert code != 0 and "no resources found" in err
    code, out, err = eksa("install", "package", *common)
    assert code != 0 and "The name of the package to install must be specified as an argument" in err
    code, out, err = eksa("generate", "packages", "nginx", *common)
    assert code != 0 and 'unknown package "nginx"' in err
    code, out, err = eksa("list", "packages", "--kubeconfig", kubeconfig)
    assert code != 0 and 'required flag(s) "cluster" not set' in err
    code, out, err = eksa("list", "packages", "--registry", "public.ecr.aws/other", *common)
    assert code != 0 and "--registry is not supported by eksa" in err
    code, out, err = eksa("list", "packages", "--cluster", "no-such-cluster", "--kubeconfig", kubeconfig)
    assert code != 0 and "package bundle controller no-such-cluster not found" in err
