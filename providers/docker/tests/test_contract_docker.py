"""The provider contract kit (eksa_core.testing) run against the Docker provider itself."""

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
  externalEtcdConfiguration:
    count: 1
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
  datacenterRef:
    kind: DockerDatacenterConfig
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
kind: DockerDatacenterConfig
metadata:
  name: dev
spec: {}
"""
INVALID = VALID.replace("    count: 1\n  externalEtcdConfiguration:",
                        "    count: 1\n    endpoint:\n      host: 10.0.0.1\n  externalEtcdConfiguration:")


class TestDockerContract(ProviderContract):
    provider_name = "docker"
    distribution = "eksa-provider-docker"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {("Cluster", "spec.controlPlaneConfiguration.endpoint.host")}
    env = {"GITHUB_TOKEN": "ghp_contractSecret123"}
    release_manifest = BUNDLED_RELEASE_MANIFEST
