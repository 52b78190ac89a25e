"""CloudStack kinds: strict parsing and round trip, defaults (legacy zones → availability zones), every static
rule both ways, immutability."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eksa_cloudstack import plugin
from eksa_cloudstack.models import CloudStackDatacenterConfig, CloudStackMachineConfig
from eksa_cloudstack.validation import (
    datacenter_errors,
    datacenter_update_errors,
    machine_config_errors,
    machine_config_update_errors,
    set_machine_config_defaults,
)
from eksa_cloudstack_testlib import DC, MC

from eksa_core.convert import structure, unstructure
from eksa_core.errors import SpecErrors
from eksa_core.plugins import Plugins
from eksa_core.spec import parse_cluster_config


def _dc(edit: Callable[[dict[str, Any]], None] | None = None) -> CloudStackDatacenterConfig:
    data = copy.deepcopy(DC)
    if edit:
        edit(data["spec"])
    return structure(data, CloudStackDatacenterConfig)


def _mc(edit: Callable[[dict[str, Any]], None] | None = None) -> CloudStackMachineConfig:
    data = copy.deepcopy(MC)
    if edit:
        edit(data["spec"])
    return structure(data, CloudStackMachineConfig)


def test_round_trip_keeps_wire_names() -> None:
    assert unstructure(_dc()) == DC
    mc = _mc()
    assert mc.spec.disk_offering.custom_size_in_gb == 10
    assert unstructure(mc) == MC
    assert mc.os_family() == "redhat"


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(SpecErrors) as info:
        structure({**MC, "spec": {**MC["spec"], "osImage": "x"}}, CloudStackMachineConfig)
    assert [e.field for e in info.value] == ["spec.osImage"]


def _plugins() -> Plugins:
    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-cloudstack")
    return plugins


def test_fixture_specs_parse_default_and_validate(cloudstack_conformance: Path) -> None:
    plugins = _plugins()
    hooks = plugins.provider("cloudstack")
    for rel in ("cloudstack/cluster_main.yaml", "cloudstack/cluster_main_multiple_worker_node_groups.yaml",
                "api/cluster_1_20_cloudstack.yaml"):
        config = parse_cluster_config((cloudstack_conformance / rel).read_text(), registry=plugins.registry)
        hooks.eksa_set_defaults(config=config)
        errors = [e for group in hooks.eksa_validate_config(config=config) for e in group]
        assert errors == [], (rel, errors)


def test_legacy_zones_become_availability_zones() -> None:
    legacy = {**DC, "spec": {"domain": "d1", "account": "admin", "managementApiEndpoint": "https://cs:8080/api",
                             "zones": [{"name": "z1", "network": {"name": "n1"}}, {"id": "z2id", "network":
                                                                                   {"id": "n2"}}]}}
    plugins = _plugins()
    config = parse_cluster_config("---\n" + _yaml(legacy), registry=plugins.registry)
    plugins.provider("cloudstack").eksa_set_defaults(config=config)
    dc = config.of_kind(CloudStackDatacenterConfig)[0]
    assert unstructure(dc)["spec"] == {"availabilityZones": [
        {"name": "default-az-0", "credentialsRef": "global", "zone": {"name": "z1", "network": {"name": "n1"}},
         "domain": "d1", "account": "admin", "managementApiEndpoint": "https://cs:8080/api"},
        {"name": "default-az-1", "credentialsRef": "global", "zone": {"id": "z2id", "network": {"id": "n2"}},
         "domain": "d1", "account": "admin", "managementApiEndpoint": "https://cs:8080/api"}]}
    assert datacenter_errors(dc) == []


def _yaml(data: dict[str, Any]) -> str:
    import json
    return json.dumps(data)  # JSON is YAML


def test_machine_user_defaults() -> None:
    mc = _mc(lambda s: s.pop("users"))
    set_machine_config_defaults(mc)
    assert unstructure(mc)["spec"]["users"] == [{"name": "capc", "sshAuthorizedKeys": [""]}]


DC_RULES = [
    (lambda s: s.update(availabilityZones=[]), "availabilityZones must not be empty", "spec.availabilityZones"),
    (lambda s: s["availabilityZones"].append(copy.deepcopy(s["availabilityZones"][0])),
     "availabilityZone names must be unique. Duplicate name: az-1", "spec.availabilityZones[1].name"),
    (lambda s: s["availabilityZones"][0].update(name="-bad name"), "availabilityZone name -bad name is invalid",
     "spec.availabilityZones[0].name"),
    (lambda s: s["availabilityZones"][0]["zone"].update(network={}), "zone network is not set or is empty",
     "spec.availabilityZones[0].zone.network"),
    (lambda s: s["availabilityZones"][0]["zone"].pop("name"), "zone is not set or is empty",
     "spec.availabilityZones[0].zone"),
    (lambda s: s["availabilityZones"][0].update(managementApiEndpoint="ftp//x"),
     "checking management api endpoint", "spec.availabilityZones[0].managementApiEndpoint"),
    (lambda s: s["availabilityZones"][0].update(managementApiEndpoint=""),
     "managementApiEndpoint is not set or is empty", "spec.availabilityZones[0].managementApiEndpoint"),
    (lambda s: s.update(account="admin"), "account must be empty", "spec.account"),
]


@pytest.mark.parametrize(("edit", "message", "field"), DC_RULES)
def test_datacenter_rules(edit: Callable[[dict[str, Any]], None], message: str, field: str) -> None:
    errors = datacenter_errors(_dc(edit))
    assert len(errors) == 1, errors
    assert errors[0].message.startswith(message)
    assert (errors[0].kind, errors[0].name, errors[0].field) == ("CloudStackDatacenterConfig", "dc", field)


MC_RULES = [
    (lambda s: s.update(computeOffering={}),
     "computeOffering is not set for CloudStackMachineConfig mc. Default computeOffering is not supported in "
     "CloudStack, please provide a computeOffering name or ID", "spec.computeOffering"),
    (lambda s: s.pop("template"),
     "template is not set for CloudStackMachineConfig mc. Default template is not supported in CloudStack, please "
     "provide a template name or ID", "spec.template"),
    (lambda s: s.update(affinity="anti"), "affinity and affinityGroupIds cannot be set at the same time",
     "spec.affinity"),
    (lambda s: (s.pop("affinityGroupIds"), s.update(affinity="sideways")),
     'invalid affinity type sideways for CloudStackMachineConfig mc. Please provide "pro", "anti" or "no"',
     "spec.affinity"),
    (lambda s: s["diskOffering"].update(mountPath="data"),
     "machine config mc validation failed: mountPath: data invalid, must be non-empty and starts with /",
     "spec.diskOffering.mountPath"),
    (lambda s: s["diskOffering"].update(device=""), "machine config mc validation failed: device:  invalid, "
     "empty device", "spec.diskOffering.device"),
    (lambda s: s["diskOffering"].update(filesystem=""), "machine config mc validation failed: filesystem",
     "spec.diskOffering.filesystem"),
    (lambda s: s["diskOffering"].update(label=""), "machine config mc validation failed: label",
     "spec.diskOffering.label"),
    (lambda s: s["diskOffering"].update(customSizeInGB=-1), "machine config mc validation failed: customSizeInGB",
     "spec.diskOffering.customSizeInGB"),
    (lambda s: s["diskOffering"].pop("name"), "machine config mc validation failed: id or name",
     "spec.diskOffering"),
    (lambda s: s.update(symlinks={"var/log": "/data/log"}), "machine config mc validation failed: symlinks: "
     "var/log:/data/log invalid, key must start with /", "spec.symlinks[var/log]"),
    (lambda s: s.update(symlinks={"/var/log": "/data/l*g"}), "machine config mc validation failed: symlinks",
     "spec.symlinks[/var/log]"),
    (lambda s: s.update(users=[]), "users is not set for CloudStackMachineConfig mc", "spec.users"),
]


@pytest.mark.parametrize(("edit", "message", "field"), MC_RULES)
def test_machine_config_rules(edit: Callable[[dict[str, Any]], None], message: str, field: str) -> None:
    assert machine_config_errors(_mc()) == []
    errors = machine_config_errors(_mc(edit))
    assert len(errors) == 1, errors
    assert errors[0].message.startswith(message)
    assert (errors[0].kind, errors[0].name, errors[0].field) == ("CloudStackMachineConfig", "mc", field)


def test_immutability() -> None:
    old, new = _dc(), _dc(lambda s: s["availabilityZones"][0].update(domain="other"))
    assert [e.message for e in datacenter_update_errors(old, new)] == ["availabilityZone az-1 is immutable"]
    added = _dc(lambda s: s["availabilityZones"].append({**s["availabilityZones"][0], "name": "az-2"}))
    assert datacenter_update_errors(old, added) == []
    replaced = _dc(lambda s: s["availabilityZones"][0].update(name="az-9"))
    assert datacenter_update_errors(old, replaced)[0].message.startswith("at least one availabilityZone")
    changed = _mc(lambda s: s.update(affinityGroupIds=["g-2"]))
    assert [e.field for e in machine_config_update_errors(_mc(), changed)] == ["spec.affinityGroupIds"]
    assert machine_config_update_errors(_mc(), _mc()) == []
