"""The provider contract kit (eksa_core.testing) run against the bare metal (Tinkerbell) provider itself.

Tinkerbell needs no credentials in the environment (BMC credentials come from the hardware file, not the
environment), so ``env`` is empty and the kit skips its secret-leak test.
"""

from __future__ import annotations

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net"

# The bundled release snapshot (EKS Anywhere v0.26.1) covers Kubernetes 1.30-1.36.
VALID = f"""\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: metal-1
  namespace: default
spec:
  kubernetesVersion: "1.36"
  controlPlaneConfiguration:
    count: 3
    endpoint:
      host: 10.80.0.10
    machineGroupRef:
      kind: TinkerbellMachineConfig
      name: metal-1-cp
    upgradeRolloutStrategy:
      type: RollingUpdate
      rollingUpdate:
        maxSurge: 1
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef:
      kind: TinkerbellMachineConfig
      name: metal-1-workers
  datacenterRef:
    kind: TinkerbellDatacenterConfig
    name: metal-1
  clusterNetwork:
    cniConfig:
      cilium: {{}}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellDatacenterConfig
metadata:
  name: metal-1
  namespace: default
spec:
  tinkerbellIP: 10.80.0.11
  osImageURL: https://images.example.net/ubuntu-2004-kube-1-36.gz
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata:
  name: metal-1-cp
  namespace: default
spec:
  hardwareSelector:
    type: cp
  osFamily: ubuntu
  users:
  - name: ec2-user
    sshAuthorizedKeys:
    - {SSH_KEY}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata:
  name: metal-1-workers
  namespace: default
spec:
  hardwareSelector:
    type: worker
  osFamily: ubuntu
  users:
  - name: ec2-user
    sshAuthorizedKeys:
    - {SSH_KEY}
"""

# A Tinkerbell IP that is not an IP, and worker machines selecting hardware by two labels.
INVALID = VALID.replace("tinkerbellIP: 10.80.0.11", "tinkerbellIP: tink.example.net").replace(
    "  hardwareSelector:\n    type: worker\n", "  hardwareSelector:\n    type: worker\n    rack: r2\n")


class TestTinkerbellContract(ProviderContract):
    provider_name = "tinkerbell"
    distribution = "eksa-provider-baremetal"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {
        ("TinkerbellDatacenterConfig", "spec.tinkerbellIP"),
        ("TinkerbellMachineConfig", "spec.hardwareSelector"),
    }
    release_manifest = BUNDLED_RELEASE_MANIFEST
