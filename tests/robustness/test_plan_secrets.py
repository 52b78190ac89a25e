"""Proxy credentials never stand in clear in a plan: ``generated/plan/*.yaml`` stays readable (0644, what the
workflow would apply, for review) with the password of every URL carrying one masked."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from eksa_core.cli import main
from eksa_core.plugins import Plugins

SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: dev
spec:
  kubernetesVersion: "1.31"
  controlPlaneConfiguration:
    count: 1
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
  datacenterRef:
    kind: DockerDatacenterConfig
    name: dev
  proxyConfiguration:
    httpProxy: http://proxyuser:Pr0xy-Passw0rd@proxy.example:3128
    httpsProxy: http://proxyuser:x9@proxy.example:3129
    noProxy: [localhost]
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: DockerDatacenterConfig
metadata:
  name: dev
spec: {}
"""


def docker_plugins() -> Plugins:
    pytest.importorskip("eksa_docker", reason="the Docker provider (providers/docker) is not installed")
    from eksa_docker import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-docker")
    return plugins


def test_proxy_passwords_are_masked_in_plans_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EKSA_RELEASE_MANIFEST", raising=False)
    Path("dev.yaml").write_text(SPEC)
    out, err = io.StringIO(), io.StringIO()
    code = main(["create", "cluster", "-f", "dev.yaml", "--dry-run", "--release-manifest", "bundled"],
                plugins=docker_plugins(), stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    plan = Path("dev/generated/plan")
    texts = {p.name: p.read_text() for p in plan.glob("*.yaml")}
    init = texts["workload-cluster-init.yaml"]
    assert "http://proxyuser:*****@proxy.example:3128" in init  # the proxy is shown, its password is not
    assert "http://proxyuser:*****@proxy.example:3129" in init
    for name, text in texts.items():
        assert "Pr0xy-Passw0rd" not in text and ":x9@" not in text, name
    assert stat.S_IMODE((plan / "workload-cluster-init.yaml").stat().st_mode) == 0o644
    assert "Pr0xy-Passw0rd" not in out.getvalue() + err.getvalue()
