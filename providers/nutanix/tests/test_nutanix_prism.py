"""The Prism Central v3 client and the live validations, against the local Prism Central double."""

from __future__ import annotations

import copy
import datetime
import logging
from pathlib import Path
from typing import Any

import pytest
from eksa_nutanix.client import (
    NutanixSettings,
    PrismClient,
    PrismError,
    PrismNotFound,
    find_cluster_uuid,
    find_image,
    find_subnet_uuid,
)
from eksa_nutanix.models import NutanixDatacenterConfig, NutanixMachineConfig, NutanixResourceIdentifier
from eksa_nutanix.validation import (
    INSECURE_WARNING,
    client_from_env,
    eksa_setup_and_validate_create,
    validate_datacenter,
    validate_machine_config,
)
from eksa_nutanix_testlib import DC, MC, PASSWORD, USERNAME

from eksa_core.context import HookContext
from eksa_core.convert import structure
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.models.cluster import Cluster
from eksa_core.spec import ClusterConfig, Spec
from eksa_core.testing.prism_double import PrismCentralDouble

CLUSTER = {
    "kind": "Cluster",
    "metadata": {"name": "c1"},
    "spec": {
        "kubernetesVersion": "1.30",
        "controlPlaneConfiguration": {"count": 1, "endpoint": {"host": "10.0.0.5"},
                                      "machineGroupRef": {"kind": "NutanixMachineConfig", "name": "mc"}},
        "workerNodeGroupConfigurations": [{"name": "md-0", "count": 1,
                                           "machineGroupRef": {"kind": "NutanixMachineConfig", "name": "mc"}}],
        "datacenterRef": {"kind": "NutanixDatacenterConfig", "name": "dc"},
    },
}


def _dc(**spec: Any) -> NutanixDatacenterConfig:
    data = copy.deepcopy(DC)
    data["spec"].pop("additionalTrustBundle")
    data["spec"]["failureDomains"] = [{"name": "fd-1", "cluster": {"type": "name", "name": "pe-2"},
                                       "subnets": [{"type": "name", "name": "vlan-1"},
                                                   {"type": "uuid", "uuid": "33333333-3333-3333-3333-333333333333"}],
                                       "workerMachineGroups": ["md-0"]}]
    data["spec"].update(spec)
    return structure(data, NutanixDatacenterConfig)


def _cluster() -> Cluster:
    return structure(copy.deepcopy(CLUSTER), Cluster)


def _mc(**spec: Any) -> NutanixMachineConfig:
    data = copy.deepcopy(MC)
    data["spec"].update({"cluster": {"type": "name", "name": "pe-1"}, "subnet": {"type": "name", "name": "vlan-1"},
                         "image": {"type": "name", "name": "ubuntu-2204-kube-v1.30.2"},
                         "project": {"type": "name", "name": "team-a"},
                         "additionalCategories": [{"key": "AppType", "value": "Kubernetes"}], "gpus": None})
    data["spec"].update(spec)
    data["spec"] = {k: v for k, v in data["spec"].items() if v is not None}
    return structure(data, NutanixMachineConfig)


# -- client ---------------------------------------------------------------------------------------------------


def test_list_filters_and_excludes_nothing_by_itself(client: PrismClient) -> None:
    names = sorted(e["spec"]["name"] for e in client.list_all_clusters())
    assert names == ["pc", "pe-1", "pe-2"]
    assert [e["metadata"]["uuid"] for e in client.list_all_subnets("name==vlan-2")] == [
        "33333333-3333-3333-3333-333333333333"]


def test_list_follows_pagination(prism: PrismCentralDouble, client: PrismClient) -> None:
    for i in range(1203):
        prism.add_image(f"bulk-{i}")
    before = client.round_trips
    images = client.list_all_images()
    assert len(images) == 1205
    assert client.round_trips - before == 3
    bodies = [body for method, path, body in prism.requests if path.endswith("/images/list")]
    assert [b["offset"] for b in bodies] == [0, 500, 1000]


def test_get_by_uuid_and_not_found(client: PrismClient) -> None:
    assert client.get_cluster("11111111-1111-1111-1111-111111111111")["spec"]["name"] == "pe-1"
    with pytest.raises(PrismNotFound) as info:
        client.get_subnet("nope")
    assert info.value.status == 404 and "does not exist" in str(info.value)


def test_current_user_and_bad_credentials(prism: PrismCentralDouble) -> None:
    with PrismClient(prism.url, username=USERNAME, password=PASSWORD) as good:
        assert good.get_current_logged_in_user()["status"]["name"] == USERNAME
    with PrismClient(prism.url, username=USERNAME, password="wrong-Pa55") as bad, \
            pytest.raises(PrismError) as info:
        bad.get_current_logged_in_user()
    assert info.value.status == 401
    assert "wrong-Pa55" not in str(info.value) and "wrong-Pa55" not in repr(bad)


def test_unreachable_prism_is_a_prism_error() -> None:
    double = PrismCentralDouble().start()
    url = double.url
    double.stop()
    with PrismClient(url, username="a", password="b", timeout=5) as client, pytest.raises(PrismError) as info:
        client.get_current_logged_in_user()
    assert "failed to reach Prism Central" in str(info.value)


def test_resolution_helpers(client: PrismClient) -> None:
    assert find_cluster_uuid(client, NutanixResourceIdentifier.by_name("pe-1")) == \
        "11111111-1111-1111-1111-111111111111"
    with pytest.raises(PrismError, match='failed to find cluster by name "pc"'):
        find_cluster_uuid(client, NutanixResourceIdentifier.by_name("pc"))  # Prism Central is not a PE cluster
    with pytest.raises(PrismError, match="failed to find cluster with uuid nope"):
        find_cluster_uuid(client, NutanixResourceIdentifier.by_uuid("nope"))
    # vlan-1 exists on both clusters: by name it is resolved within the failure domain's cluster.
    assert find_subnet_uuid(client, NutanixResourceIdentifier.by_name("vlan-1"),
                            "22222222-2222-2222-2222-222222222222").endswith("332")
    with pytest.raises(PrismError, match=r'found more than one \(2\) subnet with name "vlan-1"'):
        find_subnet_uuid(client, NutanixResourceIdentifier.by_name("vlan-1"), "")
    with pytest.raises(PrismError, match='failed to find image by name "missing"'):
        find_image(client, NutanixResourceIdentifier.by_name("missing"))


# -- TLS --------------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_prism(tmp_path: Path) -> Any:
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "prism-test-ca")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    (tmp_path / "cert.pem").write_text(pem)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    with PrismCentralDouble(username=USERNAME, password=PASSWORD, certfile=str(tmp_path / "cert.pem"),
                            keyfile=str(tmp_path / "key.pem")) as double:
        yield double, pem


def test_tls_is_verified_with_the_additional_trust_bundle(tls_prism: Any) -> None:
    double, pem = tls_prism
    assert double.url.startswith("https://")
    with PrismClient(double.url, username=USERNAME, password=PASSWORD) as untrusted, \
            pytest.raises(PrismError, match="TLS verification failed"):
        untrusted.get_current_logged_in_user()
    with PrismClient(double.url, username=USERNAME, password=PASSWORD, additional_trust_bundle=pem) as trusted:
        assert trusted.get_current_logged_in_user()["status"]["name"] == USERNAME
    with PrismClient(double.url, username=USERNAME, password=PASSWORD, insecure=True) as insecure:
        assert insecure.get_current_logged_in_user()["status"]["name"] == USERNAME


# -- validate_datacenter ------------------------------------------------------------------------------------------


def test_valid_datacenter_with_failure_domains(client: PrismClient) -> None:
    validate_datacenter(_dc(), _cluster(), client)


def test_static_problems_stop_before_prism_is_contacted(prism: PrismCentralDouble, client: PrismClient) -> None:
    dc = _dc(port=0, credentialRef=None, ccmExcludeNodeIPs=["1.2.3.4/40"])
    dc.spec.failure_domains[0].name = "FD_1"
    dc.spec.failure_domains[0].worker_machine_groups = ["md-9"]
    with pytest.raises(SpecErrors) as info:
        validate_datacenter(dc, _cluster(), client)
    assert info.value.messages == [
        "nutanix prism central port 0 out of range",
        "credentialRef must be provided",
        "failure domain name should contains only small letters, digits, and hyphens. It should start with small "
        "letter or digit",
        "worker machine group md-9 not found in the cluster worker node group definitions",
        "invalid CIDR 1.2.3.4/40",
    ]
    assert prism.requests == []


def test_bad_credentials_are_reported(prism: PrismCentralDouble) -> None:
    prism.logged_in_user_ok = False
    with PrismClient(prism.url, username=USERNAME, password=PASSWORD) as client, \
            pytest.raises(SpecErrors) as info:
        validate_datacenter(_dc(), _cluster(), client)
    assert "failed to validate the Nutanix credentials" in info.value.messages[0]
    assert PASSWORD not in str(info.value)


def test_failure_domain_resources_must_exist(client: PrismClient) -> None:
    dc = _dc()
    dc.spec.failure_domains[0].subnets = [NutanixResourceIdentifier.by_name("vlan-2"),
                                          NutanixResourceIdentifier.by_uuid("missing-uuid")]
    dc.spec.failure_domains[0].cluster = NutanixResourceIdentifier.by_name("pe-1")
    with pytest.raises(SpecErrors) as info:
        validate_datacenter(dc, _cluster(), client)
    messages = info.value.messages
    assert messages[0] == 'failed to find subnet by name "vlan-2"'  # vlan-2 is on pe-2, not pe-1
    assert messages[1].startswith("failed to find subnet with uuid missing-uuid")
    assert [e.field for e in info.value] == ["spec.failureDomains[0].subnets[0]", "spec.failureDomains[0].subnets[1]"]


def test_insecure_logs_the_warning(client: PrismClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="eksa.nutanix"):
        validate_datacenter(_dc(insecure=True), _cluster(), client)
    assert INSECURE_WARNING in caplog.text


# -- machine configs and the create hook ---------------------------------------------------------------------------


def test_machine_config_resolves_on_prism(client: PrismClient) -> None:
    assert validate_machine_config(_mc(), client, "1.30") == []


def test_machine_config_problems(client: PrismClient) -> None:
    mc = _mc(cluster={"type": "name", "name": "pe-2"}, subnet={"type": "name", "name": "nope"},
             image={"type": "uuid", "uuid": "44444444-4444-4444-4444-444444444442"},
             project={"type": "uuid", "uuid": "nope"},
             additionalCategories=[{"key": "AppType", "value": "Other"}],
             gpus=[{"type": "name", "name": "A40"}])
    errors = validate_machine_config(mc, client, "1.30", control_plane=True)
    assert [e.field for e in errors] == ["spec.gpus", "spec.subnet", "spec.image", "spec.project",
                                         "spec.additionalCategories[0]"]
    assert errors[2].message == ("missing kube version from the machine config template name: "
                                 "template=ubuntu-2204-kube-v1.29.0, version=1.30")


def _spec(prism: PrismCentralDouble, **dc_spec: Any) -> Spec:
    config = ClusterConfig()
    config.add(_cluster())
    config.add(_dc(endpoint="127.0.0.1", **dc_spec))
    config.add(_mc())
    return Spec(config=config)


def test_setup_and_validate_create_with_env_credentials(prism: PrismCentralDouble, tmp_path: Path) -> None:
    spec = _spec(prism)
    env = {"EKSA_NUTANIX_USERNAME": USERNAME, "EKSA_NUTANIX_PASSWORD": PASSWORD}
    dc = spec.datacenter()
    assert isinstance(dc, NutanixDatacenterConfig)
    real = client_from_env(dc, env)
    assert real.base_url == "https://127.0.0.1:9440/api/nutanix/v3"
    client = PrismClient(prism.url, username=env["EKSA_NUTANIX_USERNAME"], password=env["EKSA_NUTANIX_PASSWORD"])
    context = HookContext(cluster_dir=tmp_path, env=env, options={"settings": [NutanixSettings(prism_client=client)]})
    eksa_setup_and_validate_create(spec=spec, context=context)
    spec.cluster.spec.control_plane_configuration.endpoint.host = "not-an-ip"
    with pytest.raises(SpecErrors, match=r"cluster controlPlaneConfiguration\.Endpoint\.Host is invalid: not-an-ip"):
        eksa_setup_and_validate_create(spec=spec, context=context)


def test_missing_credentials_env() -> None:
    with pytest.raises(SpecErrors) as info:
        client_from_env(_dc(), {"EKSA_NUTANIX_USERNAME": "u"})
    assert info.value.messages == ["EKSA_NUTANIX_PASSWORD is not set or is empty"]
    assert isinstance(info.value.errors[0], SpecError)
