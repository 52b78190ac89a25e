"""Nutanix kinds: strict parsing with EKS-A's wire names, and a faithful round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from eksa_nutanix.models import NutanixDatacenterConfig, NutanixMachineConfig
from eksa_nutanix_testlib import DC, MC

from eksa_core.convert import structure, unstructure
from eksa_core.errors import SpecErrors
from eksa_core.yamlio import load_documents, read_text, to_plain


def test_datacenter_round_trip_keeps_wire_names() -> None:
    dc = structure(DC, NutanixDatacenterConfig)
    assert dc.spec.ccm_exclude_node_ips == ["10.0.0.1", "10.0.0.0/24", "10.0.0.10-10.0.0.20"]
    assert dc.spec.failure_domains[0].worker_machine_groups == ["md-0"]
    assert unstructure(dc) == DC


def test_machine_config_round_trip_keeps_wire_names() -> None:
    mc = structure(MC, NutanixMachineConfig)
    assert mc.spec.gpus[0].device_id == 8757
    assert mc.os_family() == "ubuntu"
    assert unstructure(mc) == MC


@pytest.mark.parametrize(("cls", "doc", "bad"), [
    (NutanixDatacenterConfig, DC, "ccmExcludeIPs"),
    (NutanixMachineConfig, MC, "idont"),
])
def test_unknown_fields_are_errors_naming_the_field(cls: type, doc: dict, bad: str) -> None:
    data = {**doc, "spec": {**doc["spec"], bad: ["x"]}}
    with pytest.raises(SpecErrors) as info:
        structure(data, cls)
    assert [e.field for e in info.value] == [f"spec.{bad}"]
    assert f'unknown field "{bad}"' in str(info.value)


def test_type_errors_name_the_path() -> None:
    data = {**MC, "spec": {**MC["spec"], "vcpuSockets": "2"}}
    with pytest.raises(SpecErrors) as info:
        structure(data, NutanixMachineConfig)
    assert info.value.errors[0].field == "spec.vcpuSockets"


def _drop_none(data: object) -> object:
    if isinstance(data, dict):
        return {k: _drop_none(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_drop_none(v) for v in data]
    return data


def test_every_nutanix_fixture_document_round_trips(nutanix_conformance: Path) -> None:
    seen = 0
    for path in sorted((nutanix_conformance / "nutanix").glob("*.yaml")) + \
            sorted((nutanix_conformance / "api" / "nutanix").glob("*.yaml")):
        for doc in load_documents(read_text(path), file=str(path)):
            data = to_plain(doc.data)
            if not isinstance(data, dict) or data.get("kind") not in ("NutanixDatacenterConfig",
                                                                      "NutanixMachineConfig"):
                continue
            if "idont" in data.get("spec", {}) or "ccmExcludeNodeIps" in data.get("spec", {}):
                continue  # fixtures that are wrong on purpose (or only read by EKS-A's lenient test loader)
            cls = NutanixDatacenterConfig if data["kind"] == "NutanixDatacenterConfig" else NutanixMachineConfig
            assert unstructure(structure(data, cls)) == _drop_none(data), path
            seen += 1
    assert seen > 20
