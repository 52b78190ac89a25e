"""The provider contract kit (eksa_core.testing) run against the Nutanix provider itself."""

from __future__ import annotations

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract, build_spec, check_entry_point, check_templates

# The bundled release snapshot (EKS Anywhere v0.26.1) covers Kubernetes 1.30-1.36.
VALID = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: prod-ntnx
  namespace: default
spec:
  kubernetesVersion: "1.36"
  controlPlaneConfiguration:
    count: 3
    endpoint:
      host: 10.40.12.5
    machineGroupRef:
      kind: NutanixMachineConfig
      name: prod-ntnx-cp
  externalEtcdConfiguration:
    count: 3
    machineGroupRef:
      kind: NutanixMachineConfig
      name: prod-ntnx-etcd
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef:
      kind: NutanixMachineConfig
      name: prod-ntnx-workers
  - name: md-1
    count: 1
    machineGroupRef:
      kind: NutanixMachineConfig
      name: prod-ntnx-workers
  datacenterRef:
    kind: NutanixDatacenterConfig
    name: prod-ntnx
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: NutanixDatacenterConfig
metadata:
  name: prod-ntnx
  namespace: default
spec:
  endpoint: pc.dc1.example.net
  port: 9440
  insecure: false
  credentialRef:
    kind: Secret
    name: nutanix-credentials
  ccmExcludeNodeIPs:
  - 10.40.12.5
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: NutanixMachineConfig
metadata:
  name: prod-ntnx-cp
  namespace: default
spec:
  osFamily: ubuntu
  users:
  - name: eksa
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net
  vcpusPerSocket: 1
  vcpuSockets: 4
  memorySize: 8Gi
  systemDiskSize: 40Gi
  image:
    type: name
    name: ubuntu-2004-kube-v1.36
  cluster:
    type: name
    name: pe-cluster-a
  subnet:
    type: name
    name: vlan-120
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: NutanixMachineConfig
metadata:
  name: prod-ntnx-etcd
  namespace: default
spec:
  osFamily: ubuntu
  users:
  - name: eksa
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net
  vcpusPerSocket: 1
  vcpuSockets: 2
  memorySize: 4Gi
  systemDiskSize: 40Gi
  image:
    type: name
    name: ubuntu-2004-kube-v1.36
  cluster:
    type: name
    name: pe-cluster-a
  subnet:
    type: name
    name: vlan-120
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: NutanixMachineConfig
metadata:
  name: prod-ntnx-workers
  namespace: default
spec:
  osFamily: ubuntu
  users:
  - name: eksa
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net
  vcpusPerSocket: 2
  vcpuSockets: 4
  memorySize: 16Gi
  systemDiskSize: 100Gi
  image:
    type: uuid
    uuid: 2d6e3c5a-8d0f-4f52-9d3b-7a1c4e9b0f11
  cluster:
    type: name
    name: pe-cluster-a
  subnet:
    type: name
    name: vlan-120
  project:
    type: name
    name: platform
  additionalCategories:
  - key: environment
    value: production
"""

# Port out of range on the datacenter, too little memory and an image identified by uuid without a uuid on the
# control plane machines.
INVALID = VALID.replace("  port: 9440\n", "  port: 99440\n").replace(
    "  vcpuSockets: 4\n  memorySize: 8Gi\n", "  vcpuSockets: 4\n  memorySize: 1Gi\n", 1).replace(
    "  image:\n    type: name\n    name: ubuntu-2004-kube-v1.36\n", "  image:\n    type: uuid\n", 1)

CREDENTIALS = {"EKSA_NUTANIX_USERNAME": "svc-eksa-contract", "EKSA_NUTANIX_PASSWORD": "Contract-Prism-Secret-9"}


class TestNutanixContract(ProviderContract):
    provider_name = "nutanix"
    distribution = "eksa-provider-nutanix"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {
        ("NutanixDatacenterConfig", "spec.port"),
        ("NutanixMachineConfig", "spec.memorySize"),
        ("NutanixMachineConfig", "spec.image"),
    }
    env = CREDENTIALS
    release_manifest = BUNDLED_RELEASE_MANIFEST


# The workers spread over two Prism Element clusters: md-0 over both failure domains, md-1 in the second only.
FAILURE_DOMAINS = VALID.replace("  ccmExcludeNodeIPs:\n", """\
  failureDomains:
  - name: pe-a
    cluster:
      type: name
      name: pe-cluster-a
    subnets:
    - type: name
      name: vlan-120
    workerMachineGroups: [md-0]
  - name: pe-b
    cluster:
      type: name
      name: pe-cluster-b
    subnets:
    - type: name
      name: vlan-220
    workerMachineGroups: [md-0, md-1]
  ccmExcludeNodeIPs:
""")
# A failure domain without a name, and one without subnets.
FAILURE_DOMAINS_INVALID = FAILURE_DOMAINS.replace("  - name: pe-a\n", "  - name: \"\"\n").replace(
    "    subnets:\n    - type: name\n      name: vlan-220\n", "    subnets: []\n")


class TestNutanixFailureDomainsContract(TestNutanixContract):
    valid_spec = FAILURE_DOMAINS
    invalid_spec = FAILURE_DOMAINS_INVALID
    invalid_fields = {
        ("NutanixDatacenterConfig", "spec.failureDomains[0].name"),
        ("NutanixDatacenterConfig", "spec.failureDomains[1].subnets"),
    }


def test_failure_domains_split_the_worker_groups() -> None:
    plugins = check_entry_point("nutanix", "eksa-provider-nutanix")
    spec = build_spec(plugins, FAILURE_DOMAINS, env=CREDENTIALS, release_manifest=BUNDLED_RELEASE_MANIFEST)
    objects = check_templates(plugins, "nutanix", spec, CREDENTIALS)
    deployments = {o["metadata"]["name"]: o["spec"]["template"]["spec"]["infrastructureRef"]["name"]
                   for o in objects if o["kind"] == "MachineDeployment"}
    assert deployments == {
        "prod-ntnx-md-0-pe-a": "prod-ntnx-md-0-1-pe-a",
        "prod-ntnx-md-0-pe-b": "prod-ntnx-md-0-1-pe-b",
        "prod-ntnx-md-1-pe-b": "prod-ntnx-md-1-1-pe-b",
    }
