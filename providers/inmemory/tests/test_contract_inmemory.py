"""The provider contract kit (eksa_core.testing) run against the in-memory provider itself."""

from __future__ import annotations

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract

VALID = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: dev
spec:
  kubernetesVersion: "1.36"
  controlPlaneConfiguration:
    count: 1
    endpoint:
      host: 127.0.0.1
    machineGroupRef:
      kind: InMemoryMachineConfig
      name: dev-cp
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
    machineGroupRef:
      kind: InMemoryMachineConfig
      name: dev
  datacenterRef:
    kind: InMemoryDatacenterConfig
    name: dev
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: InMemoryDatacenterConfig
metadata:
  name: dev
spec: {}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: InMemoryMachineConfig
metadata:
  name: dev-cp
spec:
  startupDuration: 500ms
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: InMemoryMachineConfig
metadata:
  name: dev
spec: {}
"""
INVALID = VALID.replace(
    "  workerNodeGroupConfigurations:", "  externalEtcdConfiguration:\n    count: 1\n  workerNodeGroupConfigurations:"
).replace("startupDuration: 500ms", "startupDuration: soon")


class TestInMemoryContract(ProviderContract):
    provider_name = "inmemory"
    distribution = "eksa-provider-inmemory"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {
        ("Cluster", "spec.externalEtcdConfiguration"),
        ("InMemoryMachineConfig", "spec.startupDuration"),
    }
    release_manifest = BUNDLED_RELEASE_MANIFEST
