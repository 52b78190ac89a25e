"""The provider contract kit (eksa_core.testing) run against the CloudStack provider itself."""

from __future__ import annotations

import base64

import pytest

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract, check_entry_point, check_static_validation

API_URL = "https://cloudstack.dc1.example.net:8080/client/api"
API_KEY = "Contract-ApiKey-3f9c1e"
SECRET_KEY = "Contract-SecretKey-8b27d4"

# The bundled release snapshot (EKS Anywhere v0.26.1) covers Kubernetes 1.30-1.36.
VALID = f"""\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: cs-prod
  namespace: default
spec:
  kubernetesVersion: "1.36"
  controlPlaneConfiguration:
    count: 3
    endpoint:
      host: 172.16.20.10
    machineGroupRef:
      kind: CloudStackMachineConfig
      name: cs-prod-cp
  externalEtcdConfiguration:
    count: 3
    machineGroupRef:
      kind: CloudStackMachineConfig
      name: cs-prod-etcd
  workerNodeGroupConfigurations:
  - name: md-0
    count: 3
    machineGroupRef:
      kind: CloudStackMachineConfig
      name: cs-prod-workers
  datacenterRef:
    kind: CloudStackDatacenterConfig
    name: cs-prod
  clusterNetwork:
    cniConfig:
      cilium: {{}}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackDatacenterConfig
metadata:
  name: cs-prod
  namespace: default
spec:
  availabilityZones:
  - name: az-1
    credentialsRef: global
    account: platform
    domain: ROOT/platform
    managementApiEndpoint: {API_URL}
    zone:
      name: zone-a
      network:
        name: guest-net-a
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackMachineConfig
metadata:
  name: cs-prod-cp
  namespace: default
spec:
  computeOffering:
    name: m4-large
  template:
    name: rhel-8-kube-v1.36
  users:
  - name: capc
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net
  affinityGroupIds:
  - control-plane-anti-affinity
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackMachineConfig
metadata:
  name: cs-prod-etcd
  namespace: default
spec:
  computeOffering:
    name: m4-medium
  template:
    name: rhel-8-kube-v1.36
  users:
  - name: capc
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net
  affinity: anti
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackMachineConfig
metadata:
  name: cs-prod-workers
  namespace: default
spec:
  computeOffering:
    name: m4-xlarge
  template:
    name: rhel-8-kube-v1.36
  diskOffering:
    name: Small
    mountPath: /data-small
    device: /dev/vdb
    filesystem: ext4
    label: data_disk
  symlinks:
    /var/log/pods: /data-small/var/log/pods
  users:
  - name: capc
    sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net
  userCustomDetails:
    team: platform
"""

# A management endpoint that is not a URL, a control plane machine config without a template and a data disk
# mounted at a relative path.
INVALID = VALID.replace(f"managementApiEndpoint: {API_URL}", "managementApiEndpoint: cloudstack-dc1").replace(
    "  template:\n    name: rhel-8-kube-v1.36\n  users:", "  users:", 1).replace(
    "mountPath: /data-small", "mountPath: data-small")

INI = f"""\
[Global]
api-key = {API_KEY}
secret-key = {SECRET_KEY}
api-url = {API_URL}
verify-ssl = true
"""


class TestCloudStackContract(ProviderContract):
    provider_name = "cloudstack"
    distribution = "eksa-provider-cloudstack"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {
        ("CloudStackDatacenterConfig", "spec.availabilityZones[0].managementApiEndpoint"),
        ("CloudStackMachineConfig", "spec.template"),
        ("CloudStackMachineConfig", "spec.diskOffering.mountPath"),
    }
    env = {"EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(INI.encode()).decode()}
    secrets = (API_KEY, SECRET_KEY)  # inside the encoded INI file
    release_manifest = BUNDLED_RELEASE_MANIFEST


@pytest.mark.parametrize(("old", "new", "field"), [
    # a symlink is a map entry: its key (slashes, dots) is a subscript, not a dotted path segment
    ("    /var/log/pods: /data-small/var/log/pods", "    var/log/pods: /data-small/var/log/pods",
     "spec.symlinks[var/log/pods]"),
    ("    /var/log/pods: /data-small/var/log/pods", "    /var/log/pods.d: /data-small/var/log/p*ds",
     "spec.symlinks[/var/log/pods.d]"),
    # a data disk without id or name is located at the disk offering itself
    ("  diskOffering:\n    name: Small\n", "  diskOffering:\n", "spec.diskOffering"),
])
def test_machine_config_errors_have_field_paths(old: str, new: str, field: str) -> None:
    plugins = check_entry_point("cloudstack", "eksa-provider-cloudstack")
    assert old in VALID
    errors = check_static_validation(plugins, "cloudstack", VALID.replace(old, new, 1),
                                     {("CloudStackMachineConfig", field)})
    assert [e.name for e in errors] == ["cs-prod-workers"]
