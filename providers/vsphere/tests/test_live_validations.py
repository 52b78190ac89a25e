"""Live vSphere validations against VMware's simulator: every check passes and fails with EKS-A's messages."""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable
from typing import Any

import pytest
from eksa_vsphere.client import RoundTrips
from eksa_vsphere.live import (
    PRIVILEGE_CHECK,
    CheckResult,
    VSphereValidationError,
    raise_for_failures,
    validate_vcenter,
)
from eksa_vsphere_testlib import (
    BR_TEMPLATE,
    DEFAULT_INVENTORY,
    EKSD_RELEASE,
    PASSWORD,
    FailureDomain,
    Spec,
    VcsimServer,
)

EKSA_ORDER = [
    "vsphere-credentials",
    "vsphere-connection",
    "vsphere-authentication",
    "vsphere-thumbprint",
    "vsphere-datacenter",
    "vsphere-network",
    "vsphere-machine-networks",
    "vsphere-failure-domains",
    "vsphere-machine-configs",
    "vsphere-os-family",
    "vsphere-control-plane-endpoint",
]


def run(spec: Spec, env: dict[str, str], **kwargs: Any) -> dict[str, CheckResult]:
    """Run the validations; results by check name. Also asserts no password leaks into any text."""
    results = validate_vcenter(spec.datacenter, spec.machines, spec.cluster, env=env, **kwargs)
    names = [r.name for r in results]
    assert len(names) == len(set(names)), names
    for r in results:
        assert PASSWORD not in r.message and PASSWORD not in r.remediation, r
    return {r.name: r for r in results}


def failures(results: dict[str, CheckResult]) -> dict[str, str]:
    """Failed checks: name -> message."""
    return {n: r.message for n, r in results.items() if r.failed}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _inventory(**changes: Any) -> dict[str, Any]:
    inv = copy.deepcopy(DEFAULT_INVENTORY)
    inv.update(changes)
    return inv


# ------------------------------------------------------------------------------ everything passes


def test_valid_spec_passes_every_check_in_eksa_order(
    vcsim: VcsimServer, make_spec: Callable[..., Spec]
) -> None:
    results = run(make_spec(vcsim), vcsim.env, eksd_release_name=EKSD_RELEASE)
    assert failures(results) == {}
    assert [n for n in results if n in EKSA_ORDER] == EKSA_ORDER
    assert list(results)[-1] == PRIVILEGE_CHECK
    assert results["vsphere-connection"].message == "Connected to server"
    assert results["vsphere-authentication"].message == "Authenticated to vSphere"
    assert results["vsphere-datacenter"].message == "Datacenter validated"
    assert results["vsphere-network"].message == "Network validated"
    assert results["vsphere-machine-networks"].message == "Machine config networks validated"
    assert results["vsphere-datastore[c1-cp]"].message == "Datastore validated"
    assert results["vsphere-folder[c1-etcd]"].message == "Folder validated"
    assert results["vsphere-resource-pool[c1-md-0]"].message == "Resource pool validated"
    assert results["vsphere-template[c1-cp]"].message == "Control plane and Workload templates validated"
    assert results["vsphere-machine-tags"].message == "Machine config tags validated"
    assert results[PRIVILEGE_CHECK].message == f"{vcsim.username} user vSphere privileges validated"
    assert results["vsphere-thumbprint"].skipped  # plain http: no certificate
    raise_for_failures(results.values())  # no error


def test_round_trips_do_not_grow_with_machine_configs(
    vcsim: VcsimServer, make_spec: Callable[..., Spec]
) -> None:
    small, large = RoundTrips(), RoundTrips()
    run(make_spec(vcsim, etcd=False, workers=1), vcsim.env, round_trips=small)
    run(make_spec(vcsim, etcd=True, workers=5), vcsim.env, round_trips=large)
    assert small.soap_total == large.soap_total
    assert large.soap["RetrievePropertiesEx"] == 2  # inventory + templates
    assert large.soap["FetchUserPrivilegeOnEntities"] == 1


# ------------------------------------------------------------------------------ credentials / connection


def test_missing_credentials(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    results = run(make_spec(vcsim), {"EKSA_VSPHERE_PASSWORD": ""})
    assert results["vsphere-credentials"].message == (
        "EKSA_VSPHERE_USERNAME is not set or is empty; EKSA_VSPHERE_PASSWORD is not set or is empty"
    )
    assert results["vsphere-connection"].ok
    assert results["vsphere-authentication"].skipped
    assert results["vsphere-datacenter"].skipped
    # checks that need no vCenter still run
    assert results["vsphere-os-family"].ok


def test_unreachable_server(make_spec: Callable[..., Spec]) -> None:
    server = f"http://127.0.0.1:{_free_port()}/sdk"
    env = {"EKSA_VSPHERE_USERNAME": "u", "EKSA_VSPHERE_PASSWORD": PASSWORD}
    results = run(make_spec(server), env, timeout=5)
    msg = results["vsphere-connection"].message
    assert msg.startswith(f"failed validating connection to vCenter: failed to reach server {server}: ")
    assert results["vsphere-authentication"].skipped
    assert results[PRIVILEGE_CHECK].skipped
    with pytest.raises(Exception) as err:
        raise_for_failures(results.values())
    assert "failed to reach server" in str(err.value)


def test_wrong_password(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    env = {"EKSA_VSPHERE_USERNAME": vcsim.username, "EKSA_VSPHERE_PASSWORD": PASSWORD + "-wrong"}
    results = run(make_spec(vcsim), env)
    msg = results["vsphere-authentication"].message
    assert msg.startswith("failed validating credentials for vCenter: vSphere authentication failed: ")
    assert PASSWORD + "-wrong" not in msg
    assert results["vsphere-datacenter"].skipped


# ------------------------------------------------------------------------------ thumbprint


@pytest.fixture
def tls_vcsim(start_vcsim: Callable[..., VcsimServer]) -> VcsimServer:
    """A vcsim serving https with a self-signed certificate."""
    return start_vcsim(tls=True)


def test_thumbprint_required_for_self_signed(tls_vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    results = run(make_spec(tls_vcsim), tls_vcsim.env)
    assert results["vsphere-thumbprint"].message == (
        "thumbprint is required for secure mode with self-signed certificates"
    )
    assert tls_vcsim.thumbprint in results["vsphere-thumbprint"].remediation  # type: ignore[operator]
    assert results["vsphere-authentication"].skipped  # no password sent to an untrusted server


def test_thumbprint_mismatch(tls_vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(tls_vcsim)
    spec.datacenter.spec.thumbprint = "AB:" * 19 + "AB"
    results = run(spec, tls_vcsim.env)
    assert results["vsphere-thumbprint"].message == (
        f"thumbprint mismatch detected, expected: {'AB:' * 19}AB, actual: {tls_vcsim.thumbprint}"
    )


def test_thumbprint_match_and_insecure(tls_vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(tls_vcsim)
    spec.datacenter.spec.thumbprint = str(tls_vcsim.thumbprint).lower()
    results = run(spec, tls_vcsim.env, eksd_release_name=EKSD_RELEASE)
    assert results["vsphere-thumbprint"].message == "Thumbprint validated"
    assert failures(results) == {}

    spec = make_spec(tls_vcsim)
    spec.datacenter.spec.insecure = True
    results = run(spec, tls_vcsim.env)
    assert results["vsphere-thumbprint"].skipped
    assert failures(results) == {}


# ------------------------------------------------------------------------------ datacenter / networks / FDs


def test_datacenter_not_found(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.datacenter.spec.datacenter = "DC9"
    results = run(spec, vcsim.env)
    assert results["vsphere-datacenter"].message == "datacenter DC9 not found"
    assert results["vsphere-network"].skipped
    assert results["vsphere-datastore[c1-cp]"].skipped


def test_network_not_found_and_relative_name(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.datacenter.spec.network = "Nope"
    assert run(spec, vcsim.env)["vsphere-network"].message == "network /DC0/network/Nope not found"
    spec.datacenter.spec.network = "VM Network"
    assert run(spec, vcsim.env)["vsphere-network"].ok


def test_machine_networks(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.machine("c1-md-0").networks = ["VM Network", "/DC0/network/DC0_DVPG0"]
    assert run(spec, vcsim.env)["vsphere-machine-networks"].ok

    spec.machine("c1-md-0").networks = ["VM Network", "missing-net"]
    spec.machine("c1-cp").networks = ["VM Network"]
    msg = run(spec, vcsim.env)["vsphere-machine-networks"].message
    assert "networks field is not supported for control plane machine config 'c1-cp'" in msg
    assert "network /DC0/network/missing-net not found" in msg


def test_failure_domains(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.datacenter.spec.failure_domains = [
        FailureDomain(
            "fd-1",
            compute_cluster="/DC0/host/DC0_C0",
            resource_pool="/DC0/host/DC0_C0/Resources",
            datastore="LocalDS_0",
            folder="/DC0/vm/eksa",
            network="VM Network",
        )
    ]
    assert run(spec, vcsim.env)["vsphere-failure-domains"].ok
    spec.datacenter.spec.failure_domains[0].datastore = "LocalDS_9"
    assert run(spec, vcsim.env)["vsphere-failure-domains"].message == (
        "provided invalid failure domain fd-1: datastore 'LocalDS_9' not found"
    )


# ------------------------------------------------------------------------------ machine configs


def test_missing_machine_config_reference(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    del spec.machines["c1-etcd"]
    spec.cluster.spec.control_plane_configuration.machine_group_ref.name = "nope"
    msg = run(spec, vcsim.env)["vsphere-machine-configs"].message
    assert "cannot find VSphereMachineConfig nope for control plane" in msg
    assert "cannot find VSphereMachineConfig c1-etcd for etcd machines" in msg


def test_os_family_must_match(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.machine("c1-md-0").os_family = "bottlerocket"
    spec.machine("c1-md-0").template = BR_TEMPLATE
    results = run(spec, vcsim.env)
    assert (
        results["vsphere-os-family"].message
        == "all VSphereMachineConfigs must have the same osFamily specified"
    )
    assert results["vsphere-template[c1-md-0]"].ok  # the BR template itself is fine


def test_endpoint_must_be_an_ip(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.cluster.spec.control_plane_configuration.endpoint.host = "cp.example"
    assert run(spec, vcsim.env)["vsphere-control-plane-endpoint"].message == (
        "cluster controlPlaneConfiguration.Endpoint.Host is invalid: cp.example"
    )


def test_datastore_folder_and_pool_not_found(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.machine("c1-cp").datastore = "/DC0/datastore/Missing"
    spec.machine("c1-etcd").folder = "/DC0/vm/missing-folder"
    spec.machine("c1-md-0").resource_pool = "/DC0/host/DC0_C0/Resources/missing-rp"
    fails = failures(run(spec, vcsim.env))
    assert (
        fails["vsphere-datastore[c1-cp]"]
        == "failed to get datastore: datastore '/DC0/datastore/Missing' not found"
    )
    assert (
        fails["vsphere-folder[c1-etcd]"] == "failed to get folder: folder '/DC0/vm/missing-folder' not found"
    )
    assert (
        fails["vsphere-resource-pool[c1-md-0]"]
        == "resource pool '/DC0/host/DC0_C0/Resources/missing-rp' not found"
    )
    assert set(fails) == {
        "vsphere-datastore[c1-cp]",
        "vsphere-folder[c1-etcd]",
        "vsphere-resource-pool[c1-md-0]",
    }


def test_relative_placement_paths_resolve(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    for name in spec.machines:
        spec.machine(name).datastore = "LocalDS_0"
        spec.machine(name).folder = "eksa"
        spec.machine(name).resource_pool = "*/Resources"
    assert failures(run(spec, vcsim.env)) == {}


# ------------------------------------------------------------------------------ templates and tags


def test_template_not_found(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.machine("c1-cp").template = "/DC0/vm/Templates/nope"
    expected = "template /DC0/vm/Templates/nope not found. Has the template been imported?"
    assert failures(run(spec, vcsim.env)) == {"vsphere-template[c1-cp]": expected}


def test_vm_is_not_a_template(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.machine("c1-cp").template = "/DC0/vm/DC0_H0_VM0"
    assert (
        run(spec, vcsim.env)["vsphere-template[c1-cp]"].message
        == "/DC0/vm/DC0_H0_VM0 is a VM, not a template"
    )


def test_template_missing_tags(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    results = run(spec, vcsim.env, eksd_release_name="kubernetes-1-29-eks-1")
    tpl = spec.machine("c1-cp").template
    assert results["vsphere-template[c1-cp]"].message == (
        f"template {tpl} is missing tag eksdRelease:kubernetes-1-29-eks-1"
    )


def test_bottlerocket_template_tags_and_disks(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    for name in spec.machines:
        spec.machine(name).os_family = "bottlerocket"
        spec.machine(name).template = BR_TEMPLATE
    assert failures(run(spec, vcsim.env, eksd_release_name=EKSD_RELEASE)) == {}

    tpl = spec.machine("c1-cp").template = spec.machine("c1-etcd").template = (
        "/DC0/vm/Templates/ubuntu-2204-kube-v1-28"
    )
    results = run(spec, vcsim.env, eksd_release_name=EKSD_RELEASE)
    msg = results["vsphere-template[c1-cp]"].message
    assert f"template {tpl} is missing tag os:bottlerocket" in msg
    assert f"template {tpl} has unsupported disks for bottlerocket" in msg and "found 20 GiB" in msg


def test_machine_tags_exist(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.machine("c1-md-0").tags = [vcsim.tags["eksa:team-a"]]
    assert run(spec, vcsim.env)["vsphere-machine-tags"].ok
    bogus = "urn:vmomi:InventoryServiceTag:00000000-0000-0000-0000-000000000000:GLOBAL"
    spec.machine("c1-md-0").tags = [vcsim.tags["eksa:team-a"], bogus]
    msg = run(spec, vcsim.env)["vsphere-machine-tags"].message
    assert msg.startswith(
        f"tag ({bogus}) does not exist in vSphere. please provide a valid tag id in the urn format"
    )


# ------------------------------------------------------------------------------ capacity


def test_datastore_space(start_vcsim: Callable[..., VcsimServer], make_spec: Callable[..., Spec]) -> None:
    # 3 cp x 25 + 3 etcd x 20 + 2 workers x 25 = 185 GiB needed
    server = start_vcsim(_inventory(datastores=[{"name": "LocalDS_0", "free_gib": 185}]))
    spec = make_spec(server)
    assert run(spec, server.env)["vsphere-datastore-capacity"].ok
    spec.machine("c1-md-0").disk_gib = 26
    result = run(spec, server.env)["vsphere-datastore-capacity"]
    assert result.message == (
        "not enough space in datastore /DC0/datastore/LocalDS_0 for given diskGiB and count for respective "
        "machine groups"
    )
    assert "need 187 GiB" in result.remediation


def test_resource_pool_memory(
    start_vcsim: Callable[..., VcsimServer], make_spec: Callable[..., Spec]
) -> None:
    # 3 cp x 8192 + 3 etcd x 8192 + 2 workers x 4096 = 57344 MiB needed
    pools = [{"path": "/DC0/host/DC0_C0/Resources", "memory_limit_mib": 60000, "memory_usage_mib": 2656}]
    server = start_vcsim(_inventory(pools=pools))
    spec = make_spec(server)
    assert run(spec, server.env)["vsphere-resource-pool-memory"].ok
    spec.machine("c1-md-0").memory_mib = 4097
    result = run(spec, server.env)["vsphere-resource-pool-memory"]
    assert result.message == (
        "not enough memory available in resource pool /DC0/host/DC0_C0/Resources for given memoryMiB "
        "and count for respective machine groups"
    )
    # an unlimited pool (-1) never fails
    server = start_vcsim(_inventory(pools=[{"path": "/DC0/host/DC0_C0/Resources", "memory_limit_mib": -1}]))
    spec = make_spec(server)
    spec.machine("c1-md-0").memory_mib = 10**7
    assert run(spec, server.env)["vsphere-resource-pool-memory"].ok


# ------------------------------------------------------------------------------ privileges


def test_missing_privileges(start_vcsim: Callable[..., VcsimServer], make_spec: Callable[..., Spec]) -> None:
    missing = ["VirtualMachine.Provisioning.DeployTemplate", "Datastore.AllocateSpace"]
    server = start_vcsim(_inventory(missing_privileges=missing))
    spec = make_spec(server)
    results = run(spec, server.env)
    result = results[PRIVILEGE_CHECK]
    assert result.message == (
        f"validating vsphere user privileges: user {server.username} missing vSphere permissions, "
        "please refer to https://anywhere.eks.amazonaws.com/docs/getting-started/vsphere/"
        "vsphere-preparation/ for required permissions or use -v 3 for full missing permissions"
    )
    assert "/DC0/datastore/LocalDS_0: Datastore.AllocateSpace" in result.remediation
    assert "VirtualMachine.Provisioning.DeployTemplate" in result.remediation
    assert list(failures(results)) == [PRIVILEGE_CHECK]

    skipped = run(spec, server.env, skip=[PRIVILEGE_CHECK])[PRIVILEGE_CHECK]
    assert skipped.skipped and not skipped.failed


# ------------------------------------------------------------------------------ aggregation


def test_all_failures_aggregated_into_one_error(vcsim: VcsimServer, make_spec: Callable[..., Spec]) -> None:
    spec = make_spec(vcsim)
    spec.datacenter.spec.network = "Nope"
    spec.machine("c1-cp").datastore = "/DC0/datastore/Missing"
    spec.cluster.spec.control_plane_configuration.endpoint.host = "bad"
    with pytest.raises(Exception) as err:
        validate_vcenter(spec.datacenter, spec.machines, spec.cluster, env=vcsim.env, raise_on_failure=True)
    failed = err.value.failures  # type: ignore[attr-defined]
    assert [f.name for f in failed] == [
        "vsphere-network",
        "vsphere-control-plane-endpoint",
        "vsphere-datastore[c1-cp]",
    ]
    text = str(err.value)
    try:
        from eksa_core.errors import SpecErrors
    except ImportError:  # the core's typed errors not present: the provider's own error type
        assert isinstance(err.value, VSphereValidationError)
    else:
        assert isinstance(err.value, SpecErrors)
        located = {(e.kind, e.name, e.field) for e in err.value}
        assert ("VSphereMachineConfig", "c1-cp", "spec.datastore") in located
        assert ("VSphereDatacenterConfig", "c1", "spec.network") in located
    assert "network /DC0/network/Nope not found" in text
    assert "failed to get datastore" in text
    assert PASSWORD not in text


def test_local_error_type() -> None:
    err = VSphereValidationError([CheckResult("x", False, "boom")])
    assert str(err) == "boom" and err.failures[0].name == "x"
