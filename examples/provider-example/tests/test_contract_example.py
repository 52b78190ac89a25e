"""The contract kit (eksa_core.testing) run against the example provider, installed through its entry point,
plus the provider's own rules."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from eksa_core.context import HookContext
from eksa_core.errors import SpecError
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract, build_spec, check_entry_point, check_templates

VALID = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
  kubernetesVersion: "1.33"
  controlPlaneConfiguration:
    count: 3
    endpoint:
      host: 10.20.0.10
    machineGroupRef:
      kind: ExampleMachineConfig
      name: demo-cp
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef:
      kind: ExampleMachineConfig
      name: demo-md
  datacenterRef:
    kind: ExampleDatacenterConfig
    name: demo
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: ExampleDatacenterConfig
metadata:
  name: demo
spec:
  endpoint: https://api.example-cloud.test
  zone: zone-b
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: ExampleMachineConfig
metadata:
  name: demo-cp
spec:
  cpus: 4
  memoryMiB: 8192
  image: ubuntu-2204-kube-1-21
  users:
  - name: ec2-user
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmYp2+BNBkCXbJ4mY6z8m9Ufk4cN8ZbCOxPk7vIFqk7
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: ExampleMachineConfig
metadata:
  name: demo-md
spec:
  cpus: 2
  memoryMiB: 4096
  image: ubuntu-2204-kube-1-21
  users:
  - name: ec2-user
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmYp2+BNBkCXbJ4mY6z8m9Ufk4cN8ZbCOxPk7vIFqk7
"""
INVALID = VALID.replace("endpoint: https://api.example-cloud.test", "endpoint: http://api.example-cloud.test") \
    .replace("  cpus: 2\n", "  cpus: 0\n")
TOKEN = {"EXAMPLE_TOKEN": "example-contract-token-1234"}


class TestExampleContract(ProviderContract):
    provider_name = "example"
    distribution = "eksa-provider-example"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {("ExampleDatacenterConfig", "spec.endpoint"), ("ExampleMachineConfig", "spec.cpus")}
    env = TOKEN
    release_manifest = BUNDLED_RELEASE_MANIFEST


def test_the_credentials_secret_carries_the_token_of_the_call_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXAMPLE_TOKEN", raising=False)
    plugins = check_entry_point("example", "eksa-provider-example")
    spec = build_spec(plugins, VALID, env=TOKEN, release_manifest=BUNDLED_RELEASE_MANIFEST)
    objects = check_templates(plugins, "example", spec, TOKEN)
    (secret,) = [o for o in objects if o["kind"] == "Secret"]
    assert secret["metadata"]["name"] == "demo-example-credentials"
    assert base64.b64decode(secret["data"]["token"]).decode() == TOKEN["EXAMPLE_TOKEN"]
    (cluster,) = [o for o in objects if o["kind"] == "ExampleCluster"]
    assert cluster["spec"]["zone"] == "zone-b" and cluster["spec"]["identityRef"]["name"] == secret["metadata"]["name"]
    templates = {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in objects
                 if o["kind"] == "ExampleMachineTemplate"}
    assert templates == {
        "demo-control-plane-1": {"cpus": 4, "memoryMiB": 8192, "image": "ubuntu-2204-kube-1-21", "zone": "zone-b"},
        "demo-md-0-1": {"cpus": 2, "memoryMiB": 4096, "image": "ubuntu-2204-kube-1-21", "zone": "zone-b"},
    }


def test_defaults_and_the_core_rules_from_the_registration() -> None:
    plugins = check_entry_point("example", "eksa-provider-example")
    text = VALID.replace("  zone: zone-b\n", "").replace("  memoryMiB: 4096\n", "")
    spec = build_spec(plugins, text, env=TOKEN)
    dc = spec.datacenter()
    assert dc is not None and dc.spec.zone == "zone-a"  # type: ignore[attr-defined]
    assert spec.config.machine_config("demo-md").spec.memory_mi_b == 8192  # type: ignore[union-attr]
    hooks = plugins.provider("example")
    assert hooks.info.label == "Example Cloud"
    with pytest.raises(SpecError, match="EXAMPLE_TOKEN"):
        hooks.env_map(spec, HookContext(cluster_dir=Path("."), env={}))
    assert hooks.env_map(spec, HookContext(cluster_dir=Path("."), env=TOKEN)) == TOKEN


def test_machines_roll_when_their_config_changes() -> None:
    plugins = check_entry_point("example", "eksa-provider-example")
    current = build_spec(plugins, VALID, env=TOKEN)
    bigger = build_spec(plugins, VALID.replace("  cpus: 2\n", "  cpus: 8\n"), env=TOKEN)
    hooks = plugins.provider("example")
    assert hooks.needs_new_machine_templates(current, bigger, "workers", "md-0") is True
    assert hooks.needs_new_machine_templates(current, bigger, "control-plane", None) is False
    configs = hooks.machine_configs(current)
    assert [m.name for m in configs] == ["demo-cp", "demo-md"]
    assert configs[0].metadata.annotations == {"anywhere.eks.amazonaws.com/control-plane": "true"}
    assert current.config.machine_config("demo-cp").metadata.annotations is None  # type: ignore[union-attr]
