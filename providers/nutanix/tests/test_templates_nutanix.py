"""Nutanix CAPX rendering: every public Nutanix render case of the shared cases file (through the real runner and
the provider's hooks), then rules no public case shows (replica spread over failure domains, credentials JSON
escaping, IP list expansion, missing credentials, secrets, bundle)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from eksa_nutanix import plugin
from eksa_nutanix.models import NutanixDatacenterConfig, NutanixMachineConfig
from eksa_nutanix.templates import (
    NutanixCredentials,
    capx_secret,
    credentials_from_env,
    eksa_bootstrap_options,
    eksa_infrastructure_bundle,
    eksa_secrets,
    expand_ip_list,
    generate_control_plane,
    generate_secret_objects,
    generate_workers,
    machine_template,
)
from eksa_nutanix_testlib import MC, conformance_dir

from eksa_core.conformance import build_case_spec, load_case_file, run_case
from eksa_core.convert import structure
from eksa_core.errors import SpecError
from eksa_core.plugins import Plugins, TemplateOptions
from eksa_core.yamlio import load_documents, to_plain

ENV = {"EKSA_NUTANIX_USERNAME": "admin", "EKSA_NUTANIX_PASSWORD": "s3cr<e>t&pw"}
_RENDER_KINDS = ("render-control-plane", "render-workers", "render-secret")


def _plugins() -> Plugins:
    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-nutanix")
    return plugins


def _render_cases() -> list[Any]:
    base = conformance_dir()
    if base is None:
        return []
    return [c for c in load_case_file(base / "cases.yaml").cases
            if c.provider == "nutanix" and c.kind in _RENDER_KINDS]


CASES = _render_cases()


@pytest.mark.skipif(not CASES, reason="conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_render_case(case: Any) -> None:
    result = run_case(case, _plugins())
    assert result.status == "PASS", result.detail


def test_every_kind_has_public_cases() -> None:
    if not CASES:
        pytest.skip("conformance fixtures not found")
    assert {c.kind for c in CASES} == set(_RENDER_KINDS)


# -- specs for the unit tests ----------------------------------------------------------------------------------


def _spec(case_id: str) -> Any:
    base = conformance_dir()
    if base is None:
        pytest.skip("conformance fixtures not found")
    case = next(c for c in load_case_file(base / "cases.yaml").cases if c.id == case_id)
    spec, _ = build_case_spec(case, _plugins())
    return spec


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def _dc(spec: Any) -> NutanixDatacenterConfig:
    dc = spec.datacenter()
    assert isinstance(dc, NutanixDatacenterConfig)
    return dc


# -- control plane ---------------------------------------------------------------------------------------------


def test_control_plane_object_set_and_template_names() -> None:
    spec = _spec("nutanix-kcp-external-etcd")
    objects = generate_control_plane(spec, TemplateOptions(control_plane_template_name="c-cp-3",
                                                           etcd_template_name="c-etcd-2"), env=ENV)
    assert [o["kind"] for o in objects] == [
        "NutanixCluster", "Cluster", "KubeadmControlPlane", "NutanixMachineTemplate", "EtcdadmCluster",
        "NutanixMachineTemplate", "ConfigMap", "ClusterResourceSet", "Secret"]
    kcp = _by_kind(objects, "KubeadmControlPlane")[0]
    assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] == "c-cp-3"
    etcd = _by_kind(objects, "EtcdadmCluster")[0]
    assert etcd["spec"]["infrastructureTemplate"]["name"] == "c-etcd-2"
    assert {o["metadata"]["name"] for o in _by_kind(objects, "NutanixMachineTemplate")} == {"c-cp-3", "c-etcd-2"}
    assert all(o["metadata"]["namespace"] == "eksa-system" for o in objects)


def test_default_template_names() -> None:
    objects = generate_control_plane(_spec("nutanix-kcp-main"), None, env=ENV)
    names = [o["metadata"]["name"] for o in _by_kind(objects, "NutanixMachineTemplate")]
    assert names == ["eksa-unit-test-control-plane-1"]


def test_control_plane_never_gets_gpus_and_keeps_boot_type() -> None:
    mc = structure(MC, NutanixMachineConfig)
    cp = machine_template("cp", "c", mc)["spec"]["template"]["spec"]
    worker = machine_template("w", "c", mc, gpus=True)["spec"]["template"]["spec"]
    assert "gpus" not in cp and cp["bootType"] == "uefi"
    assert worker["gpus"] == [{"type": "deviceID", "deviceID": 8757}, {"type": "name", "name": "Ampere 40"}]
    assert cp["cluster"] == {"type": "uuid", "uuid": "c-1"}
    assert cp["subnet"] == [{"type": "name", "name": "vlan"}]
    assert cp["project"] == {"type": "name", "name": "p"}
    assert cp["providerID"] == "nutanix://c-m1"


def test_trust_bundle_without_trailing_newline_is_normalised() -> None:
    spec = _spec("nutanix-kcp-main")
    _dc(spec).spec.additional_trust_bundle = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----"
    objects = generate_control_plane(spec, None, env=ENV)
    bundle = next(o for o in objects if o["metadata"]["name"] == "eksa-unit-test-trust-bundle")
    assert bundle["data"]["ca.crt"].endswith("-----END CERTIFICATE-----\n")
    prism = objects[0]["spec"]["prismCentral"]
    assert prism["additionalTrustBundle"]["name"] == "eksa-unit-test-trust-bundle"
    crs = _by_kind(objects, "ClusterResourceSet")[0]
    assert {"kind": "ConfigMap", "name": "user-ca-bundle"} in crs["spec"]["resources"]


def test_ccm_config_ignores_vip_and_excluded_ips() -> None:
    spec = _spec("nutanix-kcp-main")
    _dc(spec).spec.ccm_exclude_node_ips = ["10.0.0.9", "10.0.0.1-10.0.0.2"]
    _dc(spec).spec.insecure = True
    objects = generate_control_plane(spec, None, env=ENV)
    ccm = next(o for o in objects if o["metadata"]["name"] == "eksa-unit-test-nutanix-ccm")
    docs = [to_plain(d.data) for d in load_documents(ccm["data"]["nutanix-ccm.yaml"]) if not d.is_empty]
    config = json.loads(next(d for d in docs if d["metadata"]["name"] == "nutanix-config")["data"]
                        ["nutanix_config.json"])
    assert config["ignoredNodeIPs"] == ["10.199.199.1", "10.0.0.9", "10.0.0.1", "10.0.0.2"]
    assert config["prismCentral"]["insecure"] is True
    assert objects[0]["spec"]["prismCentral"]["insecure"] is True


def test_control_plane_needs_credentials_and_never_shows_them() -> None:
    spec = _spec("nutanix-kcp-main")
    with pytest.raises(SpecError, match="EKSA_NUTANIX_PASSWORD is not set or is empty"):
        generate_control_plane(spec, None, env={"EKSA_NUTANIX_USERNAME": "admin"})


def test_authenticated_mirror_needs_registry_credentials() -> None:
    spec = _spec("nutanix-kcp-registry-mirror")
    with pytest.raises(SpecError, match="please set REGISTRY_USERNAME env var"):
        generate_control_plane(spec, None, env=ENV)
    objects = generate_control_plane(spec, None, env={**ENV, "REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"})
    reg = next(o for o in objects if o["metadata"]["name"] == "registry-credentials")
    assert reg["data"] == {"username": "dQ==", "password": "cA=="}
    assert reg["metadata"]["labels"] == {"clusterctl.cluster.x-k8s.io/move": "true"}


# -- workers ---------------------------------------------------------------------------------------------------


def test_replicas_spread_over_failure_domains_first_ones_take_the_remainder() -> None:
    spec = _spec("nutanix-kct-worker-fds")
    spec.cluster.spec.worker_node_group_configurations[0].count = 5
    objects = generate_workers(spec, None, None, env=ENV)
    mds = _by_kind(objects, "MachineDeployment")
    assert [(m["metadata"]["name"], m["spec"]["replicas"], m["spec"]["template"]["spec"]["failureDomain"])
            for m in mds] == [("eksa-unit-test-eksa-unit-test-pe1", 3, "pe1"),
                              ("eksa-unit-test-eksa-unit-test-pe2", 2, "pe2")]
    assert [m["spec"]["template"]["spec"]["infrastructureRef"]["name"] for m in mds] == [
        "eksa-unit-test-eksa-unit-test-1-pe1", "eksa-unit-test-eksa-unit-test-1-pe2"]
    assert len(_by_kind(objects, "KubeadmConfigTemplate")) == 1
    templates = {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in
                 _by_kind(objects, "NutanixMachineTemplate")}
    assert templates["eksa-unit-test-eksa-unit-test-1-pe2"]["cluster"] == {
        "type": "uuid", "uuid": "4d69ca7d-022f-49d1-a454-74535993bda4"}


def test_group_outside_failure_domains_gets_one_machine_deployment() -> None:
    spec = _spec("nutanix-kct-worker-fds")
    for fd in _dc(spec).failure_domains():
        fd.worker_machine_groups = ["other-group"]
    objects = generate_workers(spec, None, None, env=ENV)
    mds = _by_kind(objects, "MachineDeployment")
    assert [m["metadata"]["name"] for m in mds] == ["eksa-unit-test-eksa-unit-test"]
    assert "failureDomain" not in mds[0]["spec"]["template"]["spec"]
    assert mds[0]["spec"]["replicas"] == 4


def test_worker_kubelet_flags_without_kubelet_configuration() -> None:
    objects = generate_workers(_spec("nutanix-kct-project"), None, None, env=ENV)
    kct = _by_kind(objects, "KubeadmConfigTemplate")[0]["spec"]["template"]["spec"]
    reg = kct["joinConfiguration"]["nodeRegistration"]
    assert [a["name"] for a in reg["kubeletExtraArgs"]] == ["cloud-provider", "eviction-hard", "tls-cipher-suites"]
    assert "criSocket" not in reg and "taints" not in reg
    assert kct["users"][0]["lockPassword"] is False
    assert "format" not in kct


# -- secrets, credentials --------------------------------------------------------------------------------------


def test_credentials_json_is_escaped_like_go_and_password_hidden_from_repr() -> None:
    creds = NutanixCredentials("admin", "a<b>&c")
    assert creds.compact_json() == ('[{"type":"basic_auth","data":{"prismCentral":{"username":"admin",'
                                    '"password":"a\\u003cb\\u003e\\u0026c"},"prismElements":null}}]')
    assert json.loads(creds.pretty_json()) == creds.entries()
    assert "a<b>&c" not in repr(creds)
    secret = capx_secret("c", creds)
    assert secret["metadata"]["name"] == "capx-c"
    assert json.loads(base64.b64decode(secret["data"]["credentials"])) == creds.entries()


def test_missing_credentials_name_the_variable_only() -> None:
    with pytest.raises(SpecError) as info:
        credentials_from_env({"EKSA_NUTANIX_USERNAME": "", "EKSA_NUTANIX_PASSWORD": "hunter2"})
    assert "EKSA_NUTANIX_USERNAME is not set or is empty" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_render_secret_objects() -> None:
    objects = generate_secret_objects(_spec("nutanix-secret-capi"), env=ENV)
    assert [o["metadata"]["name"] for o in objects] == ["capx-eksa-unit-test", "eksa-unit-test-nutanix-ccm-secret"]


def test_update_secrets_capx_and_credential_ref_secret() -> None:
    spec = _spec("nutanix-kcp-main")
    objects = eksa_secrets(spec, ENV)
    assert [o["metadata"]["name"] for o in objects] == ["capx-eksa-unit-test", "nutanix-credentials"]
    assert objects[0]["data"] == objects[1]["data"]
    _dc(spec).spec.credential_ref.name = "capx-eksa-unit-test"  # type: ignore[union-attr]
    with pytest.raises(SpecError) as info:
        eksa_secrets(spec, ENV)
    assert info.value.field == "spec.credentialRef.name"
    assert ENV["EKSA_NUTANIX_PASSWORD"] not in str(info.value)


# -- ip lists ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "expected"), [
    (["10.0.0.1"], ["10.0.0.1"]),
    (["10.0.0.254-10.0.1.1"], ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"]),
    (["10.0.0.8/30"], ["10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11"]),
    (["10.0.0.9/30"], ["10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11"]),
    (["fd00::1-fd00::2"], ["fd00::1", "fd00::2"]),
    (["10.0.0.3-10.0.0.1", "not-an-ip", "", " 10.0.0.7 "], ["10.0.0.7"]),
])
def test_expand_ip_list(values: list[str], expected: list[str]) -> None:
    assert expand_ip_list(values) == expected


# -- bundle, bootstrap, hooks -----------------------------------------------------------------------------------


def test_infrastructure_bundle_and_bootstrap_options() -> None:
    spec = _spec("nutanix-kcp-main")
    bundle = eksa_infrastructure_bundle(spec)
    assert bundle is not None
    nx = spec.versions_bundle().nutanix
    assert bundle.folder_name == f"infrastructure-nutanix/{nx.version}/"
    assert bundle.manifests == tuple(m.uri for m in (nx.components, nx.metadata, nx.cluster_template) if m.uri)
    options = eksa_bootstrap_options(spec)
    assert options is not None and not options.env and not options.extra_mounts


def test_hooks_are_wired_on_the_plugin_module() -> None:
    from eksa_core.context import HookContext

    spec = _spec("nutanix-kcp-main")
    hooks = _plugins().provider("nutanix")
    context = HookContext(cluster_dir=Path("."), env=dict(ENV), dry_run=True)
    cp = hooks.generate_control_plane(spec, TemplateOptions(), context)
    workers = hooks.generate_workers(spec, None, None, TemplateOptions(), context)
    assert cp and cp[0]["kind"] == "NutanixCluster"
    assert workers and {o["kind"] for o in workers} == {"MachineDeployment", "NutanixMachineTemplate",
                                                         "KubeadmConfigTemplate"}
    assert hooks.infrastructure_bundle(spec) is not None


def test_conformance_hook_renders_secrets() -> None:
    spec = _spec("nutanix-secret-capi")
    out = plugin.eksa_conformance_case(kind="render-secret", case={},
                                       inputs={"spec": spec, "base_dir": Path("."), "env": dict(ENV)})
    assert [o["metadata"]["name"] for o in out] == ["capx-eksa-unit-test", "eksa-unit-test-nutanix-ccm-secret"]
    assert plugin.eksa_conformance_case(kind="render-secret", case={}, inputs={"spec": None}) is None


def test_provider_contract_template_shape_and_no_secret_leaks() -> None:
    from eksa_core.testing import check_no_secret_leaks, check_templates

    plugins = _plugins()
    spec = _spec("nutanix-kcp-external-etcd")  # external etcd and a worker group
    objects = check_templates(plugins, "nutanix", spec, ENV)
    assert {o["kind"] for o in objects} >= {"Cluster", "NutanixCluster", "KubeadmControlPlane", "EtcdadmCluster",
                                            "NutanixMachineTemplate", "KubeadmConfigTemplate", "MachineDeployment"}
    check_no_secret_leaks(plugins, "nutanix", spec, {**ENV, "EKSA_NUTANIX_PASSWORD": "contract-secret-1234"})
