"""Nutanix defaults and static validation: every rule, both ways, with EKS-A's messages and located errors."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eksa_nutanix import plugin
from eksa_nutanix.models import NutanixDatacenterConfig, NutanixMachineConfig
from eksa_nutanix.validation import (
    datacenter_errors,
    machine_config_errors,
    set_datacenter_defaults,
    set_machine_config_defaults,
    trust_bundle_problem,
    validate_ccm_exclude_node_ips,
)
from eksa_nutanix_testlib import DC, MC

from eksa_core.convert import structure, unstructure
from eksa_core.plugins import Plugins
from eksa_core.spec import parse_cluster_config

CERT = """-----BEGIN CERTIFICATE-----
MIIBdjCCAR2gAwIBAgIUJ6n2oUnJ4Rj+1kYlrjS3Mw1k8rowCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGcHJpc20xMB4XDTI0MDEwMTAwMDAwMFoXDTM0MDEwMTAwMDAw
MFowETEPMA0GA1UEAwwGcHJpc20xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
-----END CERTIFICATE-----
"""


def _dc(edit: Callable[[dict[str, Any]], None] | None = None) -> NutanixDatacenterConfig:
    data = copy.deepcopy(DC)
    data["spec"].pop("additionalTrustBundle")
    if edit:
        edit(data["spec"])
    return structure(data, NutanixDatacenterConfig)


def _mc(edit: Callable[[dict[str, Any]], None] | None = None) -> NutanixMachineConfig:
    data = copy.deepcopy(MC)
    if edit:
        edit(data["spec"])
    return structure(data, NutanixMachineConfig)


def test_valid_documents_have_no_errors() -> None:
    assert datacenter_errors(_dc()) == []
    assert machine_config_errors(_mc()) == []


DC_RULES = [
    (lambda s: s.update(endpoint=""), "NutanixDatacenterConfig endpoint is not set or is empty", "spec.endpoint"),
    (lambda s: s.pop("port"), "NutanixDatacenterConfig port is not set or is empty", "spec.port"),
    (lambda s: s.update(port=70000), "nutanix prism central port 70000 out of range", "spec.port"),
    (lambda s: s.update(additionalTrustBundle="garbage"),
     "NutanixDatacenterConfig additionalTrustBundle is not valid: could not find a PEM block in the certificate",
     "spec.additionalTrustBundle"),
    (lambda s: s.update(additionalTrustBundle="-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                              "-----END CERTIFICATE REQUEST-----\n"),
     "NutanixDatacenterConfig additionalTrustBundle is not valid", "spec.additionalTrustBundle"),
    (lambda s: s.update(credentialRef={"kind": "ConfigMap", "name": "x"}),
     "NutanixDatacenterConfig credentialRef Kind (ConfigMap) is not a secret", "spec.credentialRef.kind"),
    (lambda s: s.update(credentialRef={"kind": "Secret", "name": ""}),
     "NutanixDatacenterConfig credentialRef name is not set or is empty", "spec.credentialRef.name"),
    (lambda s: s["failureDomains"][0]["subnets"].append({"type": "uuid", "uuid": ""}),
     "NutanixDatacenterConfig.Spec.FailureDomains.Subnets: missing subnet UUID: default/dc",
     "spec.failureDomains[0].subnets[1]"),
    (lambda s: s["failureDomains"][0]["cluster"].update(name=""),
     "NutanixDatacenterConfig.Spec.FailureDomains.Cluster: missing cluster name: default/dc",
     "spec.failureDomains[0].cluster"),
    (lambda s: s["failureDomains"][0]["cluster"].update(type="id"),
     "NutanixDatacenterConfig.Spec.FailureDomains.Cluster: invalid identifier type for cluster: id",
     "spec.failureDomains[0].cluster"),
    (lambda s: s["failureDomains"][0].update(name=""),
     "NutanixDatacenterConfig.Spec.FailureDomains.Name: missing failure domain name: default/dc",
     "spec.failureDomains[0].name"),
    (lambda s: s["failureDomains"].append(copy.deepcopy(s["failureDomains"][0])),
     "duplicate failure domain name fd-1", "spec.failureDomains[1].name"),
    (lambda s: s["failureDomains"][0].update(subnets=[]),
     "NutanixDatacenterConfig.Spec.FailureDomains.Subnets: missing subnets", "spec.failureDomains[0].subnets"),
    (lambda s: s["ccmExcludeNodeIPs"].append("10.0.0.300"), "invalid IP address 10.0.0.300",
     "spec.ccmExcludeNodeIPs[3]"),
]


@pytest.mark.parametrize(("edit", "message", "field"), DC_RULES)
def test_datacenter_rules(edit: Callable[[dict[str, Any]], None], message: str, field: str) -> None:
    errors = datacenter_errors(_dc(edit))
    assert len(errors) == 1, errors
    assert message in errors[0].message
    assert (errors[0].kind, errors[0].name, errors[0].field) == ("NutanixDatacenterConfig", "dc", field)


def test_datacenter_collects_every_problem() -> None:
    errors = datacenter_errors(_dc(lambda s: s.update(endpoint="", port=0, credentialRef={"kind": "X", "name": ""})))
    assert len(errors) == 4


MC_RULES = [
    (lambda s: s["subnet"].update(name=""), "NutanixMachineConfig: missing subnet name: mc", "spec.subnet"),
    (lambda s: s["cluster"].update(uuid=None), "NutanixMachineConfig: missing cluster UUID: mc", "spec.cluster"),
    (lambda s: s["image"].update(type="tag"), "NutanixMachineConfig: invalid identifier type for image: tag",
     "spec.image"),
    (lambda s: s.pop("image"), "NutanixMachineConfig: invalid identifier type for image: ", "spec.image"),
    (lambda s: s["project"].update(name=""), "NutanixMachineConfig: missing project name: mc", "spec.project"),
    (lambda s: s.update(vcpuSockets=0), "NutanixMachineConfig: vcpu sockets must be greater than or equal to 1",
     "spec.vcpuSockets"),
    (lambda s: s.update(vcpusPerSocket=0),
     "NutanixMachineConfig: vcpu per socket must be greater than or equal to 1", "spec.vcpusPerSocket"),
    (lambda s: s.update(memorySize="2047Mi"),
     "NutanixMachineConfig: memory size must be greater than or equal to 2048Mi", "spec.memorySize"),
    (lambda s: s.update(memorySize="lots"), "NutanixMachineConfig: invalid memorySize lots", "spec.memorySize"),
    (lambda s: s.update(systemDiskSize="19Gi"),
     "NutanixMachineConfig: system disk size must be greater than or equal to 20Gi", "spec.systemDiskSize"),
    (lambda s: s.update(osFamily="bottlerocket"),
     "NutanixMachineConfig: unsupported spec.osFamily (bottlerocket); Please use one of the following: ubuntu, "
     "redhat", "spec.osFamily"),
    (lambda s: s.update(users=[]), "NutanixMachineConfig: missing spec.Users: mc", "spec.users"),
    (lambda s: s.update(bootType="bios"), "NutanixMachineConfig: boot type bios is not supported",
     "spec.bootType"),
    (lambda s: s["gpus"].append({"name": "x"}), "NutanixMachineConfig: missing GPU type", "spec.gpus[2].type"),
    (lambda s: s["gpus"].append({"type": "vendor"}), "NutanixMachineConfig: invalid GPU identifier type: vendor",
     "spec.gpus[2].type"),
    (lambda s: s["gpus"].append({"type": "deviceID"}), "NutanixMachineConfig: missing GPU device ID",
     "spec.gpus[2].deviceID"),
    (lambda s: s["gpus"].append({"type": "name"}), "NutanixMachineConfig: missing GPU name",
     "spec.gpus[2].name"),
    (lambda s: s["additionalCategories"].append({"key": "", "value": "v"}),
     "NutanixMachineConfig: missing category key", "spec.additionalCategories[1].key"),
    (lambda s: s["additionalCategories"].append({"key": "k", "value": ""}),
     "NutanixMachineConfig: missing category value", "spec.additionalCategories[1].value"),
]


@pytest.mark.parametrize(("edit", "message", "field"), MC_RULES)
def test_machine_config_rules(edit: Callable[[dict[str, Any]], None], message: str, field: str) -> None:
    errors = machine_config_errors(_mc(edit))
    assert len(errors) == 1, errors
    assert errors[0].message.startswith(message)
    assert (errors[0].kind, errors[0].name, errors[0].field) == ("NutanixMachineConfig", "mc", field)


def test_minimums_are_inclusive() -> None:
    mc = _mc(lambda s: s.update(memorySize="2Gi", systemDiskSize="20480Mi", vcpuSockets=1, vcpusPerSocket=1))
    assert machine_config_errors(mc) == []


@pytest.mark.parametrize(("values", "problems"), [
    (["10.0.0.1", "fd00::1", "10.0.0.0/8", "10.0.0.1-10.0.0.1"], []),
    (["10.100.0.0//16"], [(0, "invalid CIDR 10.100.0.0//16")]),
    (["1.1.1.1-2.2.2.2-3.3.3.3"], [(0, "invalid IP range 1.1.1.1-2.2.2.2-3.3.3.3")]),
    (["1.1.1.1-fd00::1"], [(0, "invalid IP range 1.1.1.1-fd00::1")]),
    (["1.1.1.x-1.1.1.9"], [(0, "invalid IP range 1.1.1.x-1.1.1.9")]),
    (["192.179.1.1-10.1.1.1"], [(0, "start IP address 192.179.1.1 is greater than end IP address 10.1.1.1")]),
])
def test_ccm_exclude_node_ips(values: list[str], problems: list[tuple[int, str]]) -> None:
    assert validate_ccm_exclude_node_ips(values) == problems


def test_trust_bundle_accepts_a_real_certificate(nutanix_conformance: Path) -> None:
    dc = parse_cluster_config((nutanix_conformance / "api/nutanix/datacenterconfig-valid-trustbundle.yaml")
                              .read_text(), registry=_plugins().registry).of_kind(NutanixDatacenterConfig)[0]
    assert trust_bundle_problem(dc.spec.additional_trust_bundle) is None
    assert trust_bundle_problem(CERT) is not None  # truncated DER


def test_defaults_fill_users_sizes_and_boot_type() -> None:
    mc = structure({"kind": "NutanixMachineConfig", "metadata": {"name": "m"}, "spec": {}}, NutanixMachineConfig)
    set_machine_config_defaults(mc)
    assert unstructure(mc)["spec"] == {
        "osFamily": "ubuntu", "users": [{"name": "eksa", "sshAuthorizedKeys": [""]}], "vcpusPerSocket": 1,
        "vcpuSockets": 2, "memorySize": "4Gi", "systemDiskSize": "40Gi", "bootType": "legacy"}


def test_defaults_keep_what_is_given() -> None:
    mc = _mc(lambda s: s.update(users=[{"name": "", "sshAuthorizedKeys": ["k"]}]))
    set_machine_config_defaults(mc)
    assert unstructure(mc)["spec"]["users"] == [{"name": "eksa", "sshAuthorizedKeys": ["k"]}]
    assert mc.spec.boot_type == "uefi" and mc.spec.vcpu_sockets == 2


def test_datacenter_defaults() -> None:
    dc = _dc(lambda s: (s.pop("port"), s.pop("credentialRef")))
    set_datacenter_defaults(dc)
    assert dc.spec.port == 9440
    assert (dc.spec.credential_ref.kind, dc.spec.credential_ref.name) == ("Secret", "nutanix-credentials")


def _plugins() -> Plugins:
    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-nutanix")
    return plugins


def test_hooks_run_through_the_plugin_manager(nutanix_conformance: Path) -> None:
    plugins = _plugins()
    text = (nutanix_conformance / "api/nutanix/invalid-machineconfig-addtional-categories-key.yaml").read_text()
    config = parse_cluster_config(text, registry=plugins.registry)
    hooks = plugins.for_datacenter_kind("NutanixDatacenterConfig")
    hooks.eksa_set_defaults(config=config)
    errors = [e for group in hooks.eksa_validate_config(config=config) for e in group]
    assert [e.message for e in errors] == ["NutanixMachineConfig: missing category key"]
    located = config.locate(errors[0])
    assert located.document == 1 and located.line is not None
