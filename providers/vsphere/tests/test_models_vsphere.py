"""The vSphere kinds read and write EKS Anywhere's documents unchanged (every fixture of the conformance data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eksa_vsphere.models import VSphereDatacenterConfig, VSphereMachineConfig
from ruamel.yaml import YAML

from eksa_core.convert import structure, unstructure
from eksa_core.errors import SpecErrors
from eksa_core.models.hostos import HostOSConfiguration
from eksa_core.testing import conformance_dir

CONFORMANCE = conformance_dir(__file__) or Path(__file__).parent / "no-conformance-fixtures"
KINDS: dict[str, type[Any]] = {"VSphereDatacenterConfig": VSphereDatacenterConfig,
                               "VSphereMachineConfig": VSphereMachineConfig}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    out = []
    files = sorted((CONFORMANCE / "vsphere").glob("cluster_*.yaml")) + sorted((CONFORMANCE / "api").glob("*.yaml"))
    for path in files:
        try:
            docs = list(YAML(typ="safe").load_all(path.read_text()))
        except Exception:  # deliberately broken YAML fixtures
            continue
        for i, doc in enumerate(docs):
            if isinstance(doc, dict) and doc.get("kind") in KINDS and "idont" not in str(doc.get("spec")):
                out.append((f"{path.name}#{i}", doc))
    return out


DOCS = _documents()


@pytest.mark.skipif(not DOCS, reason="conformance data not available")
@pytest.mark.parametrize(("where", "doc"), DOCS, ids=[w for w, _ in DOCS])
def test_fixture_documents_round_trip(where: str, doc: dict[str, Any]) -> None:
    obj = structure(doc, KINDS[doc["kind"]])
    assert unstructure(obj) == doc


def test_wire_names() -> None:
    doc = {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
        "kind": "VSphereMachineConfig",
        "metadata": {"name": "m"},
        "spec": {
            "diskGiB": 30, "numCPUs": 4, "memoryMiB": 16384, "osFamily": "bottlerocket", "cloneMode": "fullClone",
            "storagePolicyName": "gold", "networks": ["/DC0/network/a"], "tags": ["urn:vmomi:InventoryServiceTag:x"],
            "hostOSConfiguration": {
                "ntpConfiguration": {"servers": ["time.example"]},
                "bottlerocketConfiguration": {
                    "kubernetes": {"maxPods": 50, "allowedUnsafeSysctls": ["net.core.somaxconn"],
                                   "clusterDNSIPs": ["10.96.0.10"]},
                    "kernel": {"sysctlSettings": {"vm.max_map_count": "262144"}},
                    "boot": {"bootKernelParameters": {"console": ["tty0"]}},
                },
                "certBundles": [{"name": "ca", "data": "-----BEGIN CERTIFICATE-----"}],
            },
        },
    }
    obj = structure(doc, VSphereMachineConfig)
    assert (obj.spec.disk_gib, obj.spec.num_cpus, obj.spec.memory_mib) == (30, 4, 16384)
    assert isinstance(obj.spec.host_os_configuration, HostOSConfiguration)
    assert obj.os_family() == "bottlerocket"
    assert unstructure(obj) == doc


def test_unknown_fields_and_bad_types_are_located() -> None:
    doc = {"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "VSphereDatacenterConfig",
           "metadata": {"name": "d"},
           "spec": {"idont": "x", "insecure": "yes", "failureDomains": [{"name": "fd", "zone": "z"}]}}
    with pytest.raises(SpecErrors) as exc:
        structure(doc, VSphereDatacenterConfig)
    fields = sorted(e.field or "" for e in exc.value)
    assert fields == ["spec.failureDomains[0].zone", "spec.idont", "spec.insecure"]
