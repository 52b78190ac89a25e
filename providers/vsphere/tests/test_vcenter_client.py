"""VCenter (pyvmomi client) against VMware's simulator: lookups, templates, tags, privileges, TLS, cleanup."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from eksa_vsphere.client import (
    AuthenticationError,
    ConnectionFailed,
    RoundTrips,
    VCenter,
    normalize_thumbprint,
    parse_server,
    sha1_thumbprint,
)
from eksa_vsphere_testlib import BR_TEMPLATE, PASSWORD, UBUNTU_TEMPLATE, USERNAME, VcsimServer


@pytest.fixture
def vc(vcsim: VcsimServer) -> Iterator[VCenter]:
    """A logged-in client on the shared simulator."""
    client = VCenter(vcsim.server)
    client.login(vcsim.username, vcsim.password)
    yield client
    client.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_parse_server_forms() -> None:
    assert parse_server("vcenter.example") == ("https", "vcenter.example", 443, "/sdk")
    assert parse_server("10.0.0.5:8443") == ("https", "10.0.0.5", 8443, "/sdk")
    assert parse_server("http://127.0.0.1:8989/sdk") == ("http", "127.0.0.1", 8989, "/sdk")
    with pytest.raises(ValueError):
        parse_server("ftp://x")


def test_sha1_thumbprint_format() -> None:
    tp = sha1_thumbprint(b"abc")
    assert tp == "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"
    assert normalize_thumbprint(tp) == "a9993e364706816aba3e25717850c26c9cd0d89d"


def test_inventory_is_one_property_collector_call(vc: VCenter) -> None:
    before = vc.round_trips.soap["RetrievePropertiesEx"]
    inv = vc.inventory()
    assert vc.round_trips.soap["RetrievePropertiesEx"] == before + 1
    for path in (
        "/DC0",
        "/DC0/network/VM Network",
        "/DC0/datastore/LocalDS_0",
        "/DC0/host/DC0_C0/Resources",
        "/DC0/vm",
        UBUNTU_TEMPLATE,
    ):
        assert path in inv.by_path, path
    # lookups after the snapshot cost nothing
    vc.find("Datastore", "LocalDS_0", "DC0")
    vc.find_many([("Network", "VM Network"), ("Folder", "Templates")], "DC0")
    assert vc.round_trips.soap["RetrievePropertiesEx"] == before + 1


def test_find_absolute_relative_and_glob(vc: VCenter) -> None:
    dc = vc.find_datacenter("DC0")
    assert dc is not None and dc.path == "/DC0"
    assert vc.find_datacenter("/DC0") == dc
    assert vc.find_datacenter("DC9") is None
    assert vc.find("Datastore", "LocalDS_0", dc).path == "/DC0/datastore/LocalDS_0"  # type: ignore[union-attr]
    assert vc.find("Network", "VM Network", dc).path == "/DC0/network/VM Network"  # type: ignore[union-attr]
    assert vc.find("Folder", "Templates", dc).path == "/DC0/vm/Templates"  # type: ignore[union-attr]
    assert vc.find("ResourcePool", "*/Resources", dc).path == "/DC0/host/DC0_C0/Resources"  # type: ignore[union-attr]
    assert vc.find("ResourcePool", "DC0_C0/Resources", dc) is not None
    # kind matters: a datastore path is not a folder
    assert vc.find("Folder", "/DC0/datastore/LocalDS_0", dc) is None
    assert vc.find("Datastore", "/DC0/datastore/Nope", dc) is None


def test_capacity_properties_come_with_the_inventory(vc: VCenter) -> None:
    ds = vc.find("Datastore", "/DC0/datastore/LocalDS_0")
    pool = vc.find("ResourcePool", "/DC0/host/DC0_C0/Resources")
    assert ds is not None and pool is not None
    assert VCenter.datastore_free_bytes(ds) == 1000 * 1024**3
    assert VCenter.pool_available_memory_mib(pool) == 262144


def test_template_info_disks_and_snapshot_in_one_call(vc: VCenter) -> None:
    objs = [vc.find("VirtualMachine", p) for p in (UBUNTU_TEMPLATE, BR_TEMPLATE, "/DC0/vm/DC0_H0_VM0")]
    before = vc.round_trips.soap["RetrievePropertiesEx"]
    info = vc.template_info([o for o in objs if o is not None])
    assert vc.round_trips.soap["RetrievePropertiesEx"] == before + 1
    ubuntu, br, vm = info[UBUNTU_TEMPLATE], info[BR_TEMPLATE], info["/DC0/vm/DC0_H0_VM0"]
    assert ubuntu.is_template and ubuntu.has_snapshot and ubuntu.disk_sizes_gib == (20.0,)
    assert br.is_template and not br.has_snapshot and br.disk_sizes_gib == (2.0, 20.0)
    assert not vm.is_template


def test_attached_tags_by_rest(vc: VCenter, vcsim: VcsimServer) -> None:
    ubuntu = vc.find("VirtualMachine", UBUNTU_TEMPLATE)
    br = vc.find("VirtualMachine", BR_TEMPLATE)
    assert ubuntu is not None and br is not None
    tags = vc.attached_tags([ubuntu, br])
    assert tags[ubuntu.moid] == ["eksdRelease:kubernetes-1-28-eks-5", "os:ubuntu"]
    assert tags[br.moid] == ["eksdRelease:kubernetes-1-28-eks-5", "os:bottlerocket"]
    assert vc.round_trips.rest["tag-association.list-attached-tags-on-objects"] == 1
    assert set(vcsim.tags.values()) <= vc.existing_tag_ids()
    assert vc.tag_names(["urn:vmomi:InventoryServiceTag:nope:GLOBAL"]) == {
        "urn:vmomi:InventoryServiceTag:nope:GLOBAL": None
    }


def test_user_privileges_in_one_call(start_vcsim: Callable[..., VcsimServer]) -> None:
    server = start_vcsim({"missing_privileges": ["Datastore.AllocateSpace"]})
    with VCenter(server.server) as vc:
        vc.login(server.username, server.password)
        ds = vc.find("Datastore", "/DC0/datastore/LocalDS_0")
        pool = vc.find("ResourcePool", "/DC0/host/DC0_C0/Resources")
        assert ds is not None and pool is not None
        privs = vc.user_privileges([vc.root_folder(), ds, pool])
        assert vc.round_trips.soap["FetchUserPrivilegeOnEntities"] == 1
        assert "Datastore.AllocateSpace" not in privs[ds.moid]
        assert {"System.View", "Resource.AssignVMToPool"} <= privs[pool.moid]


def test_wrong_password_is_an_authentication_error_without_the_password(vcsim: VcsimServer) -> None:
    vc = VCenter(vcsim.server)
    with pytest.raises(AuthenticationError) as err:
        vc.login(vcsim.username, "wrong-" + PASSWORD)
    assert PASSWORD not in str(err.value)
    assert not vc.connected
    assert PASSWORD not in repr(vc)


def test_unreachable_server() -> None:
    vc = VCenter(f"http://127.0.0.1:{_free_port()}/sdk", timeout=5)
    with pytest.raises(ConnectionFailed):
        vc.check_reachable()


def test_tls_certificate_and_thumbprint_pinning(start_vcsim: Callable[..., VcsimServer]) -> None:
    server = start_vcsim(tls=True)
    assert server.server.startswith("https://") and server.thumbprint
    probe = VCenter(server.server, thumbprint=server.thumbprint)
    cert = probe.certificate()
    assert cert.thumbprint == server.thumbprint and not cert.trusted
    probe.login(server.username, server.password)
    assert probe.find_datacenter("DC0") is not None
    probe.close()

    wrong = "00:" * 19 + "00"
    pinned_wrong = VCenter(server.server, thumbprint=wrong)
    with pytest.raises(ConnectionFailed):
        pinned_wrong.login(server.username, server.password)

    with VCenter(server.server, insecure=True) as insecure:
        insecure.login(server.username, server.password)
        assert insecure.connected


CLEANUP_INVENTORY = {
    "folders": ["/DC0/vm/eksa", "/DC0/vm/other"],
    "machines": [
        {"name": "c1-cp-abcde", "folder": "/DC0/vm/eksa", "power_on": True, "tags": ["eksa:c1"]},
        {"name": "c1-md-0-fghij", "folder": "/DC0/vm/eksa", "tags": ["eksa:c1"]},
        {"name": "c1-etcd-klmno", "folder": "/DC0/vm/eksa", "power_on": True},
        {"name": "c10-cp-zzzzz", "folder": "/DC0/vm/eksa", "power_on": True, "tags": ["eksa:c10"]},
        {"name": "c1-template", "folder": "/DC0/vm/eksa", "template": True},
        {"name": "c1-not-ours", "folder": "/DC0/vm/other", "power_on": True},
        {"name": "unrelated", "folder": "/DC0/vm/eksa"},
    ],
}


def _vm_names(vc: VCenter) -> set[str]:
    return {o.name for o in vc.inventory(refresh=True).of_kind("VirtualMachine")}


def test_cleanup_destroys_only_the_clusters_vms(start_vcsim: Callable[..., VcsimServer]) -> None:
    server = start_vcsim(CLEANUP_INVENTORY)
    with VCenter(server.server) as vc:
        vc.login(server.username, server.password)
        before = _vm_names(vc)
        vms = vc.list_vms(name_prefix="c1-", folders=["eksa"], datacenter="DC0")
        assert [v.name for v in vms] == ["c1-cp-abcde", "c1-etcd-klmno", "c1-md-0-fghij"]
        assert {v.name: v.power_state for v in vms}["c1-cp-abcde"] == "poweredOn"
        assert vc.destroy_vms(vms) == ["c1-cp-abcde", "c1-etcd-klmno", "c1-md-0-fghij"]
        after = _vm_names(vc)
        assert before - after == {"c1-cp-abcde", "c1-etcd-klmno", "c1-md-0-fghij"}
        assert {"c10-cp-zzzzz", "c1-template", "c1-not-ours", "unrelated"} <= after


def test_cleanup_by_tag_and_refusals(start_vcsim: Callable[..., VcsimServer]) -> None:
    server = start_vcsim(CLEANUP_INVENTORY)
    with VCenter(server.server) as vc:
        vc.login(server.username, server.password)
        tagged = vc.list_vms(name_prefix="c1-", tag_id=server.tags["eksa:c1"])
        assert [v.name for v in tagged] == ["c1-cp-abcde", "c1-md-0-fghij"]
        with pytest.raises(ValueError):
            vc.list_vms(name_prefix="")
        template = vc.find("VirtualMachine", "/DC0/vm/eksa/c1-template")
        assert template is not None
        from eksa_vsphere.client import VMInfo

        with pytest.raises(ValueError):
            vc.destroy_vms([VMInfo(template.moid, template.name, template.path, "poweredOff", True)])
        vc.destroy_vms(tagged)
        assert {"c1-cp-abcde", "c1-md-0-fghij"}.isdisjoint(_vm_names(vc))
        assert "c1-etcd-klmno" in _vm_names(vc)


def test_round_trips_are_counted_by_method(vcsim: VcsimServer) -> None:
    counter = RoundTrips()
    with VCenter(vcsim.server, round_trips=counter) as vc:
        vc.check_reachable()
        vc.login(USERNAME if vcsim.username == USERNAME else vcsim.username, vcsim.password)
        vc.inventory()
    assert counter.http == 1
    assert counter.soap["RetrieveServiceContent"] == 1
    assert counter.soap["Login"] == 1
    assert counter.soap["RetrievePropertiesEx"] == 1
    assert counter.soap["Logout"] == 1
    assert counter.total == counter.soap_total + counter.rest_total + counter.http == 5


def test_inventory_shaped_by_model_flags(start_vcsim: Callable[..., VcsimServer]) -> None:
    """Datacenters in folders, child pools and extra datastores: paths resolve, still one inventory call."""
    inventory = {"machines": [{"name": "tpl", "template": True, "disks_gib": [1]}]}  # in DC0's vm folder
    server = start_vcsim(inventory, flags={"folder": 2, "dc": 2, "pool": 2, "ds": 2})
    with VCenter(server.server) as vc:
        vc.login(server.username, server.password)
        dc0 = vc.find_datacenter("DC0")
        dc1 = vc.find_datacenter("DC1")
        assert dc0 is not None and dc0.path == "/F0/DC0"
        assert dc1 is not None and dc1.path == "/F1/DC1"
        # the model puts each datacenter's datastores in a sub-folder named after the datacenter's folder
        assert vc.find("Datastore", "F0/LocalDS_1", dc0).path == "/F0/DC0/datastore/F0/LocalDS_1"  # type: ignore[union-attr]
        assert vc.find("Datastore", "*/LocalDS_1", dc1).path == "/F1/DC1/datastore/F1/LocalDS_1"  # type: ignore[union-attr]
        assert vc.find("Datastore", "LocalDS_1", dc0) is None  # like govc, no recursive search by bare name
        pool = vc.find("ResourcePool", "DC0_C0_RP2", dc0)
        assert pool is not None and pool.path == "/F0/DC0/host/F0/DC0_C0/Resources/DC0_C0_RP2"
        assert vc.find("VirtualMachine", "tpl", dc0).path == "/F0/DC0/vm/tpl"  # type: ignore[union-attr]
        assert vc.find("VirtualMachine", "tpl", dc1) is None
        assert vc.round_trips.soap["RetrievePropertiesEx"] == 1
