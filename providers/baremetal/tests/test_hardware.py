"""Hardware CSV reading, assertions, catalogue, hardware-count assertions and the Hardware YAML."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from eksa_baremetal.conformance import eksa_conformance_case
from eksa_baremetal.hardware import (
    Catalogue,
    Machine,
    hardware_objects,
    hardware_yaml,
    machine_errors,
    minimum_hardware_errors,
    read_csv,
    read_csv_file,
    single_selector_errors,
)
from eksa_baremetal.validation import hardware_errors

from eksa_core.errors import SpecErrors
from eksa_core.plugins import Plugins
from eksa_core.spec import parse_cluster_config

HEADER = "hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk,vlan_id\n"
ROW = "worker1,192.168.0.10,Admin,s3cr3t-pw,AA:BB:CC:00:00:01,10.10.10.10,255.255.255.0,10.10.10.1,1.1.1.1|8.8.8.8," \
      "type=cp|rack=r1,/dev/sda,\n"


def test_reads_rows_with_multi_values_and_lower_cased_mac() -> None:
    [m] = read_csv(HEADER + ROW)
    assert m.nameservers == ["1.1.1.1", "8.8.8.8"]
    assert m.labels == {"type": "cp", "rack": "r1"}
    assert m.mac_address == "aa:bb:cc:00:00:01"
    assert m.line == 2 and m.has_bmc()
    assert "s3cr3t-pw" not in repr(m)


def test_missing_required_columns_and_header() -> None:
    with pytest.raises(SpecErrors) as info:
        read_csv("hostname,mac\nw,00:00:00:00:00:01\n")
    assert info.value.messages == [
        "missing required columns in csv: ip_address, gateway, nameservers, netmask, disk, labels"]
    with pytest.raises(SpecErrors):
        read_csv("")


def test_optional_columns_read_empty() -> None:
    [m] = read_csv("hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"
                   "w1,00:00:00:00:00:01,10.0.0.2,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda\n")
    assert (m.bmc_ip_address, m.bmc_username, m.bmc_password, m.vlan_id) == ("", "", "", "")
    assert machine_errors([m]) == []


def test_bad_label_is_located() -> None:
    with pytest.raises(SpecErrors) as info:
        read_csv(HEADER + ROW.replace("type=cp|rack=r1", "type"), file="hw.csv")
    [err] = info.value.errors
    assert err.message == "badly formatted label: type" and (err.file, err.line, err.field) == ("hw.csv", 2, "labels")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("10.10.10.10", "", "machine: IPAddress is empty"),
    ("10.10.10.10", "10.10.10", "IPAddress: invalid IP address: 10.10.10"),
    (",10.10.10.1,", ",nope,", "Gateway: invalid IP address: nope"),
    ("1.1.1.1|8.8.8.8", "1.1.1.1|", "machine: Nameservers contains an empty entry"),
    ("AA:BB:CC:00:00:01", "zz", "MACAddress: address zz: invalid MAC address"),
    ("worker1,", "Worker_1,", "invalid hostname: Worker_1: [a lowercase RFC 1123 subdomain"),
    ("/dev/sda", "sda", 'disk must be a valid linux path ("^(/dev/[\\w-]+)+$")'),
    ("type=cp", "-bad=cp", "'-bad': name part must consist of"),
    ("192.168.0.10,Admin", ",Admin", "machine: BMCIPAddress is empty"),
    ("Admin,s3cr3t-pw", "Admin,", "machine: BMCPassword is empty"),
    ("/dev/sda,\n", "/dev/sda,5000\n", "VLANID: must be between 1 and 4094"),
    ("/dev/sda,\n", "/dev/sda,ten\n", "VLANID: must be a string integer"),
])
def test_static_assertions(old: str, new: str, message: str) -> None:
    machines = read_csv(HEADER + ROW.replace(old, new, 1), file="hw.csv")
    errors = machine_errors(machines, file="hw.csv")
    assert any(e.message.startswith(message) for e in errors), [e.message for e in errors]
    assert all("s3cr3t-pw" not in str(e) for e in errors)


def test_valid_row_passes_and_vlan_is_kept() -> None:
    machines = read_csv(HEADER + ROW.replace("/dev/sda,\n", "/dev/sda,42\n"))
    assert machine_errors(machines) == []
    dhcp = hardware_objects(machines[0])[0]["spec"]["interfaces"][0]["dhcp"]
    assert dhcp["vlan_id"] == "42"


def test_duplicates_are_reported() -> None:
    second = ROW.replace("worker1", "worker2").replace("192.168.0.10", "192.168.0.11")
    errors = machine_errors(read_csv(HEADER + ROW + second))
    assert [e.message for e in errors] == ["duplicate IPAddress: 10.10.10.10",
                                           "duplicate MACAddress: aa:bb:cc:00:00:01"]
    third = ROW.replace("10.10.10.10", "10.10.10.11").replace("AA:BB:CC:00:00:01", "aa:bb:cc:00:00:02")
    errors = machine_errors(read_csv(HEADER + ROW + third))
    assert [e.message for e in errors] == ["duplicate Hostname: worker1", "duplicate IPAddress: 192.168.0.10"]


def test_missing_file() -> None:
    with pytest.raises(SpecErrors, match=r"hardware config file /nonexistent\.csv does not exist"):
        read_csv_file("/nonexistent.csv")


def _machine(name: str, **labels: str) -> Machine:
    return Machine(hostname=name, labels=dict(labels))


def test_hardware_count_assertions() -> None:
    catalogue = Catalogue([_machine("a", type="cp"), _machine("b", type="cp"), _machine("c", type="worker"),
                           _machine("d", type="worker", **{"v1alpha1.tinkerbell.org/ownerName": "x"})])
    assert minimum_hardware_errors([({"type": "cp"}, 2), ({"type": "worker"}, 1)], catalogue) == []
    [err] = minimum_hardware_errors([({"type": "cp"}, 1), ({"type": "worker"}, 2)], catalogue)
    assert err.message == "minimum hardware count not met for selector '{\"type\":\"worker\"}': have 1, require 2"
    [err] = minimum_hardware_errors([({"type": "cp"}, 2), ({"type": "cp"}, 1)], catalogue)
    assert "have 2, require 3" in err.message
    overlap = Catalogue([_machine("a", type="cp", rack="r1")])
    [err] = single_selector_errors([{"type": "cp"}, {"rack": "r1"}, {"type": "cp"}], overlap)
    assert err.message == ("hardware must only satisfy 1 selector: hardware name 'a'; selectors "
                           "'{\"type\":\"cp\"}, {\"rack\":\"r1\"}'")


def test_hardware_errors_over_a_spec(plugins: Plugins) -> None:
    from test_models_validate import SPEC

    config = parse_cluster_config(SPEC, registry=plugins.registry)
    ok = Catalogue([_machine("a", type="cp"), _machine("b", type="worker")])
    assert hardware_errors(config, ok) == []
    short = Catalogue([_machine("a", type="cp")])
    assert [e.message for e in hardware_errors(config, short)] == [
        "minimum hardware count not met for selector '{\"type\":\"worker\"}': have 0, require 1"]


def test_affinity_selectors_match_expressions(plugins: Plugins) -> None:
    from eksa_baremetal.models import HardwareAffinity, HardwareAffinityTerm, LabelSelector, LabelSelectorRequirement

    affinity = HardwareAffinity(required=[HardwareAffinityTerm(label_selector=LabelSelector(
        match_expressions=[LabelSelectorRequirement(key="type", operator="In", values=["cp", "any"])]))])
    catalogue = Catalogue([_machine("a", type="cp"), _machine("b", type="worker")])
    assert [m.hostname for m in catalogue.matching(affinity)] == ["a"]


def test_hardware_yaml_matches_expected_bytes(conformance: Path) -> None:
    machines = read_csv_file(conformance / "tinkerbell/hardware/hardware.csv")
    expected = (conformance / "tinkerbell/hardware/expected_hardware_yaml.yaml").read_text()
    assert hardware_yaml(machines) == expected


def test_machine_without_bmc_has_only_hardware() -> None:
    objs = hardware_objects(Machine(hostname="h", ip_address="10.0.0.2", mac_address="00:00:00:00:00:09",
                                    disk="/dev/sda", nameservers=["1.1.1.1"]))
    assert [o["kind"] for o in objs] == ["Hardware"] and "bmcRef" not in objs[0]["spec"]


def test_password_never_logged(caplog: pytest.LogCaptureFixture, conformance: Path) -> None:
    caplog.set_level(logging.DEBUG)
    case: dict[str, Any] = {"input": "tinkerbell/hardware/hardware.csv", "operation": "BuildHardwareYAML"}
    eksa_conformance_case(kind="render-hardware", case=case, inputs={"base_dir": conformance})
    assert "admin" not in caplog.text
