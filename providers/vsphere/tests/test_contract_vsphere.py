"""The provider contract kit (eksa_core.testing) run against the vSphere provider itself."""

from __future__ import annotations

from pathlib import Path

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import ProviderContract

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "vsphere-cluster.yaml"
# The bundled release snapshot (EKS Anywhere v0.26.1) covers Kubernetes 1.30-1.36.
VALID = EXAMPLE.read_text()
INVALID = VALID.replace("server: vcenter.example.com", 'server: ""').replace(
    "datastore: /SDDC-Datacenter/datastore/WorkloadDatastore", 'datastore: ""', 1)


class TestVSphereContract(ProviderContract):
    provider_name = "vsphere"
    distribution = "eksa-provider-vsphere"
    valid_spec = VALID
    invalid_spec = INVALID
    invalid_fields = {("VSphereDatacenterConfig", "spec.server"), ("VSphereMachineConfig", "spec.datastore")}
    env = {"EKSA_VSPHERE_USERNAME": "administrator@vsphere.local", "EKSA_VSPHERE_PASSWORD": "Contract-Secret-7"}
    release_manifest = BUNDLED_RELEASE_MANIFEST
