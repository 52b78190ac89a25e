"""The provider contract kit (eksa_core.testing) run against the Snow provider itself.

The Snow credentials are files: the AWS credentials file of the devices and their CA bundles, written at import
into a temporary folder removed when the interpreter exits.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract

DEVICES = ("192.168.1.10", "192.168.1.11")
ACCESS_KEY_ID = "AKIDCONTRACT00000001"
SECRET_ACCESS_KEY = "Contract/SnowSecretKey+7x9Q2wLk4ZrT1bNf"

# The bundled release snapshot (EKS Anywhere v0.26.1) covers Kubernetes 1.30-1.36.
VALID = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: edge-1
  namespace: default
spec:
  kubernetesVersion: "1.36"
  controlPlaneConfiguration:
    count: 3
    endpoint:
      host: 10.20.0.5
    machineGroupRef:
      kind: SnowMachineConfig
      name: edge-1-cp
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef:
      kind: SnowMachineConfig
      name: edge-1-workers
    labels:
      tier: edge
  datacenterRef:
    kind: SnowDatacenterConfig
    name: edge-1
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowDatacenterConfig
metadata:
  name: edge-1
  namespace: default
spec:
  identityRef:
    kind: Secret
    name: edge-1-snow-credentials
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata:
  name: edge-1-cp
  namespace: default
spec:
  amiID: ami-0a1b2c3d4e5f60718
  instanceType: sbe-c.xlarge
  sshKeyName: edge-ops
  devices:
  - 192.168.1.10
  - 192.168.1.11
  osFamily: bottlerocket
  physicalNetworkConnector: QSFP
  containersVolume:
    size: 25
  nonRootVolumes:
  - deviceName: /dev/sdc
    size: 10
    type: sbp1
  network:
    directNetworkInterfaces:
    - index: 1
      primary: true
      vlanID: 20
      ipPoolRef:
        kind: SnowIPPool
        name: edge-1-pool
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowMachineConfig
metadata:
  name: edge-1-workers
  namespace: default
spec:
  amiID: ami-0a1b2c3d4e5f60718
  instanceType: sbe-c.large
  sshKeyName: edge-ops
  devices:
  - 192.168.1.11
  osFamily: bottlerocket
  physicalNetworkConnector: SFP_PLUS
  containersVolume:
    size: 40
  network:
    directNetworkInterfaces:
    - index: 1
      primary: true
      dhcp: true
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: SnowIPPool
metadata:
  name: edge-1-pool
  namespace: default
spec:
  pools:
  - ipStart: 10.20.0.20
    ipEnd: 10.20.0.40
    subnet: 10.20.0.0/24
    gateway: 10.20.0.1
"""

# An unsupported instance type on the control plane machines, a Bottlerocket containers volume below 25Gi on the
# workers and an IP pool ending outside its subnet.
INVALID = VALID.replace("instanceType: sbe-c.xlarge", "instanceType: m5.xlarge").replace(
    "containersVolume:\n    size: 40", "containersVolume:\n    size: 20").replace(
    "ipEnd: 10.20.0.40", "ipEnd: 10.20.1.40")

_FILES = tempfile.TemporaryDirectory(prefix="eksa-snow-contract-")
CREDENTIALS_FILE = Path(_FILES.name) / "credentials"
CREDENTIALS_FILE.write_text("".join(
    f"[{ip}]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\nregion = snow\n\n"
    for ip in DEVICES))
CA_BUNDLES_FILE = Path(_FILES.name) / "ca-bundles"
CA_BUNDLES_FILE.write_text("-----BEGIN CERTIFICATE-----\nMIIBcontractDeviceCertificate\n-----END CERTIFICATE-----\n")


class TestSnowContract(ProviderContract):
    provider_name = "snow"
    distribution = "eksa-provider-snow"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {
        ("SnowMachineConfig", "spec.instanceType"),
        ("SnowMachineConfig", "spec.containersVolume.size"),
        ("SnowIPPool", "spec.pools[0].ipEnd"),
    }
    env = {"EKSA_AWS_CREDENTIALS_FILE": str(CREDENTIALS_FILE), "EKSA_AWS_CA_BUNDLES_FILE": str(CA_BUNDLES_FILE)}
    secrets = (ACCESS_KEY_ID, SECRET_ACCESS_KEY)  # inside the credentials file
    release_manifest = BUNDLED_RELEASE_MANIFEST
