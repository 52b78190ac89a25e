"""CloudStack renderer: every public cloudstack render case of the conformance suite, plus targeted rules."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from eksa_cloudstack import models as M
from eksa_cloudstack import templates as T

from eksa_core.conformance.cases import Case, case_environment, load_case_file
from eksa_core.conformance.compare import compare_manifests
from eksa_core.conformance.runner import build_case_spec, run_case
from eksa_core.context import HookContext
from eksa_core.errors import SpecError
from eksa_core.plugins import TemplateOptions, default_plugins
from eksa_core.spec import Spec
from eksa_core.testing import conformance_dir
from eksa_core.yamlio import load_documents

CONFORMANCE = conformance_dir(__file__) or Path(__file__).parent / "no-conformance-fixtures"
CASES = CONFORMANCE / "cases.yaml"
_RENDER_KINDS = ("render-control-plane", "render-workers")


def _cases() -> list[Case]:
    if not CASES.exists():
        return []
    return [c for c in load_case_file(CASES).cases if c.provider == "cloudstack" and c.kind in _RENDER_KINDS]


def _case(case_id: str) -> Case:
    for c in _cases():
        if c.id == case_id:
            return c
    pytest.skip(f"conformance case {case_id} not available")


def _spec(case_id: str, *, mutations: bool = True, input_file: str | None = None) -> Spec:
    case = _case(case_id)
    case = Case(id=case.id, provider=case.provider, kind=case.kind, operation=case.operation,
                base_dir=case.base_dir, raw=copy.deepcopy(case.raw))
    if not mutations:
        case.raw.pop("mutations", None)
    if input_file is not None:
        case.raw["input"] = input_file
    spec, _ = build_case_spec(case, default_plugins())
    return spec


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


# -- conformance ----------------------------------------------------------------------------------------------

# EKS-A builds the worker CloudStackMachineTemplate in Go and its test passes no name map, so the expected file has
# no ``metadata.name`` at all (Go omits the empty name), where the Go-template objects show ``name:`` (null, a
# wildcard for the comparer). The renderer always names objects; this case is compared with that name filled in.
_NAME_OMITTED_BY_EKSA = {"cloudstack-kct-main"}


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.id)
def test_public_render_case(case: Case) -> None:
    if case.id not in _NAME_OMITTED_BY_EKSA:
        result = run_case(case, default_plugins())
        assert result.status == "PASS", result.line()
        return
    with case_environment(case) as env:
        spec, _ = build_case_spec(case, default_plugins())
        objects = T.generate_workers(spec, case.params.get("workloadTemplateNames"),
                                     case.params.get("kubeadmconfigTemplateNames"), env=env)
    expected = [d.data for d in load_documents((case.base_dir / case.raw["expected"]).read_text()) if d.data]
    for doc in expected:
        doc.setdefault("metadata", {}).setdefault("name", None)
    assert compare_manifests(expected, objects) == []


# -- control plane rules --------------------------------------------------------------------------------------


def test_external_etcd_objects_and_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(T.KUBE_VIP_DISABLED_ENV, raising=False)
    spec = _spec("cloudstack-kcp-main", mutations=False)
    objects = T.generate_control_plane(spec, TemplateOptions())
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Cluster", "test"), ("CloudStackCluster", "test"), ("KubeadmControlPlane", "test"),
        ("CloudStackMachineTemplate", "test-control-plane-1"), ("EtcdadmCluster", "test-etcd"),
        ("CloudStackMachineTemplate", "test-etcd-1")]
    cluster = objects[0]
    assert cluster["spec"]["managedExternalEtcdRef"]["name"] == "test-etcd"
    etcd = objects[4]["spec"]
    assert etcd["replicas"] == 3
    assert etcd["infrastructureTemplate"] == {"apiVersion": T.INFRA_API_VERSION, "kind": "CloudStackMachineTemplate",
                                              "name": "test-etcd-1"}
    cfg = etcd["etcdadmConfigSpec"]
    assert cfg["format"] == "cloud-config"
    assert cfg["cloudInitConfig"]["version"] == "3.4.16"
    pre = cfg["preEtcdadmCommands"]
    assert pre[0] == "swapoff -a"
    assert pre[-2].startswith('echo "type=83" | sfdisk /dev/vdb && mkfs -t ext4 /dev/vdb1')
    assert pre[-1] == T.symlink_command("/var/lib/", "/data-small/var/lib", style="etcd")
    assert objects[5]["metadata"]["annotations"]["symlinks.cloudstack.anywhere.eks.amazonaws.com/v1alpha1"] == (
        "/var/lib/:/data-small/var/lib")
    kcp = objects[2]["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["etcd"]
    assert "external" in kcp and "local" not in kcp


def test_template_names_from_options() -> None:
    spec = _spec("cloudstack-kcp-main", mutations=False)
    objects = T.generate_control_plane(spec, TemplateOptions(control_plane_template_name="cp-7",
                                                             etcd_template_name="etcd-3"), env={})
    kcp = _by_kind(objects, "KubeadmControlPlane")[0]
    assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] == "cp-7"
    assert _by_kind(objects, "EtcdadmCluster")[0]["spec"]["infrastructureTemplate"]["name"] == "etcd-3"
    assert {o["metadata"]["name"] for o in _by_kind(objects, "CloudStackMachineTemplate")} == {"cp-7", "etcd-3"}


def test_kube_vip_disabled_by_env() -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")

    def paths(objs: list[dict[str, Any]]) -> list[str]:
        return [f["path"] for f in _by_kind(objs, "KubeadmControlPlane")[0]["spec"]["kubeadmConfigSpec"]["files"]]

    assert "/etc/kubernetes/manifests/kube-vip.yaml" in paths(T.generate_control_plane(spec, env={}))
    disabled = T.generate_control_plane(spec, env={T.KUBE_VIP_DISABLED_ENV: "true"})
    assert "/etc/kubernetes/manifests/kube-vip.yaml" not in paths(disabled)
    # Only the exact value "true" turns the feature on, like EKS-A's feature flags.
    assert "/etc/kubernetes/manifests/kube-vip.yaml" in paths(
        T.generate_control_plane(spec, env={T.KUBE_VIP_DISABLED_ENV: "1"}))


@pytest.mark.parametrize(("host", "expected"), [
    ("1.2.3.4", ("1.2.3.4", 6443)),
    ("1.2.3.4:6444", ("1.2.3.4", 6444)),
    ("cp.example.com:443", ("cp.example.com", 443)),
    ("[fd00::1]:6443", ("fd00::1", 6443)),
])
def test_endpoint_host_and_port(host: str, expected: tuple[str, int]) -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    cp = spec.cluster.spec.control_plane_configuration
    assert cp is not None and cp.endpoint is not None
    cp.endpoint.host = host
    assert T.control_plane_host_port(spec.cluster) == expected
    objects = T.generate_control_plane(spec, env={})
    endpoint = {"host": expected[0], "port": expected[1]}
    assert objects[0]["spec"]["controlPlaneEndpoint"] == endpoint
    assert objects[1]["spec"]["controlPlaneEndpoint"] == endpoint


@pytest.mark.parametrize(("host", "message"), [
    ("1.2.3.4:0", "host 1.2.3.4:0 has an invalid port"),
    ("1.2.3.4:70000", "host 1.2.3.4:70000 has an invalid port"),
    ("1.2.3.4:http", "host 1.2.3.4:http has an invalid port"),
    ("fd00::1", "host fd00::1 is invalid"),
])
def test_bad_endpoint_is_a_located_spec_error(host: str, message: str) -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    cp = spec.cluster.spec.control_plane_configuration
    assert cp is not None and cp.endpoint is not None
    cp.endpoint.host = host
    with pytest.raises(SpecError) as err:
        T.generate_control_plane(spec, env={})
    assert message in str(err.value)
    assert err.value.field == "spec.controlPlaneConfiguration.endpoint.host"
    assert err.value.kind == "Cluster"


def test_failure_domains_one_per_availability_zone() -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    dc = spec.datacenter()
    assert isinstance(dc, M.CloudStackDatacenterConfig)
    az = dc.availability_zones()[0]
    second = M.CloudStackAvailabilityZone(
        name="az-2", credentials_ref="other", domain="d2", account="a2",
        management_api_endpoint="https://cs2.example.com:8443/client/api",
        zone=M.CloudStackZone(id="z-2", name=None, network=M.CloudStackResourceIdentifier(id="n-2", name=None)))
    dc.spec.availability_zones = [az, second]
    cs_cluster = T.generate_control_plane(spec, env={})[1]
    assert cs_cluster["apiVersion"] == "infrastructure.cluster.x-k8s.io/v1beta3"
    assert cs_cluster["spec"]["failureDomains"] == [
        {"name": "default-az-0", "zone": {"id": None, "name": "zone1", "network": {"id": None, "name": "net1"}},
         "domain": "domain1", "account": "admin", "acsEndpoint": {"name": "global", "namespace": "eksa-system"}},
        {"name": "az-2", "zone": {"id": "z-2", "name": None, "network": {"id": "n-2", "name": None}},
         "domain": "d2", "account": "a2", "acsEndpoint": {"name": "other", "namespace": "eksa-system"}},
    ]
    assert T.management_api_hosts(dc) == ["127.16.0.1", "cs2.example.com"]


def test_legacy_datacenter_form_gives_default_zones() -> None:
    # cluster_main_multiple_worker_node_groups.yaml uses the legacy top-level zones/domain/account fields.
    spec = _spec("cloudstack-kcp-admission-exclusion", mutations=False)
    dc = spec.datacenter()
    assert isinstance(dc, M.CloudStackDatacenterConfig) and dc.spec.zones
    domains = T.generate_control_plane(spec, env={})[1]["spec"]["failureDomains"]
    assert domains == [{"name": "default-az-0",
                        "zone": {"id": None, "name": "zone1", "network": {"id": None, "name": "net1"}},
                        "domain": "domain1", "account": "admin",
                        "acsEndpoint": {"name": "global", "namespace": "eksa-system"}}]
    assert dc.spec.zones and not dc.spec.availability_zones  # the spec itself is not changed


def test_control_plane_taints_labels_and_proxy() -> None:
    from eksa_core.models.cluster import ProxyConfiguration, Taint

    spec = _spec("cloudstack-kcp-certsans-domain-name")
    cluster = spec.cluster
    cp = cluster.spec.control_plane_configuration
    assert cp is not None
    cp.taints = [Taint(key="k", value="v", effect="NoSchedule")]
    cp.labels = {"b": "2", "a": "1"}
    cluster.spec.proxy_configuration = ProxyConfiguration(http_proxy="http://proxy:3128",
                                                          https_proxy="https://proxy:3128", no_proxy=["10.0.0.0/8"])
    kcp = _by_kind(T.generate_control_plane(spec, env={}), "KubeadmControlPlane")[0]
    cfg = kcp["spec"]["kubeadmConfigSpec"]
    reg = cfg["initConfiguration"]["nodeRegistration"]
    assert reg["taints"] == [{"key": "k", "value": "v", "effect": "NoSchedule"}]
    assert reg["kubeletExtraArgs"][0] == {"name": "provider-id",
                                          "value": "cloudstack:///'{{ ds.meta_data.instance_id }}'"}
    assert reg["kubeletExtraArgs"][-1] == {"name": "node-labels", "value": "a=1,b=2"}
    proxy = next(f for f in cfg["files"] if f["path"].endswith("http-proxy.conf"))
    assert ('Environment="NO_PROXY=192.168.0.0/16,10.96.0.0/12,10.0.0.0/8,localhost,127.0.0.1,.svc,'
            '127.16.0.1,0.0.0.0"') in proxy["content"]
    assert cfg["preKubeadmCommands"][:3] == ["swapoff -a", "sudo systemctl daemon-reload",
                                              "sudo systemctl restart containerd"]


def test_control_plane_without_taints_has_no_taints_key() -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    kcp = _by_kind(T.generate_control_plane(spec, env={}), "KubeadmControlPlane")[0]
    assert "taints" not in kcp["spec"]["kubeadmConfigSpec"]["initConfiguration"]["nodeRegistration"]
    assert "taints" not in kcp["spec"]["kubeadmConfigSpec"]["joinConfiguration"]["nodeRegistration"]


# -- machine templates ----------------------------------------------------------------------------------------


def test_machine_template_fields() -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    machine = spec.config.machine_config("test", "CloudStackMachineConfig")
    assert isinstance(machine, M.CloudStackMachineConfig)
    m = machine.spec
    m.affinity = "anti"
    m.user_custom_details = {"foo": "bar"}
    m.template = M.CloudStackResourceIdentifier(id="tmpl-id", name=None)
    assert m.disk_offering is not None
    m.disk_offering.custom_size_in_gb = 20
    m.disk_offering.id = "disk-id"
    m.symlinks = {"/b": "/data/b", "/a": "/data/a"}
    tmpl = T.machine_template("name-1", machine)
    assert tmpl["apiVersion"] == "infrastructure.cluster.x-k8s.io/v1beta3"
    assert tmpl["metadata"]["name"] == "name-1" and tmpl["metadata"]["namespace"] == "eksa-system"
    assert tmpl["metadata"]["annotations"]["symlinks.cloudstack.anywhere.eks.amazonaws.com/v1alpha1"] == (
        "/a:/data/a,/b:/data/b")
    assert tmpl["spec"]["template"]["spec"] == {
        "affinity": "anti",
        "affinityGroupIDs": ["control-plane-anti-affinity"],
        "details": {"foo": "bar"},
        "diskOffering": {"customSizeInGB": 20, "device": "/dev/vdb", "filesystem": "ext4", "id": "disk-id",
                         "label": "data_disk", "mountPath": "/data-small", "name": "Small"},
        "offering": {"name": "m4-large"},
        "sshKey": "",
        "template": {"id": "tmpl-id"},
    }


def test_machine_template_without_disk_or_symlinks_has_no_annotations_or_disk() -> None:
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    machine = spec.config.machine_config("test", "CloudStackMachineConfig")
    assert isinstance(machine, M.CloudStackMachineConfig)
    machine.spec.disk_offering = None
    machine.spec.symlinks = None
    tmpl = T.machine_template("x", machine)
    assert "annotations" not in tmpl["metadata"]
    assert "diskOffering" not in tmpl["spec"]["template"]["spec"]
    kcp = _by_kind(T.generate_control_plane(spec, env={}), "KubeadmControlPlane")[0]["spec"]["kubeadmConfigSpec"]
    assert "diskSetup" not in kcp and "mounts" not in kcp
    assert not any(c.startswith("if [ ! -L") for c in kcp["preKubeadmCommands"])


# -- workers --------------------------------------------------------------------------------------------------


def test_workers_per_group_names_versions_and_taints() -> None:
    spec = _spec("cloudstack-kcp-admission-exclusion", mutations=False)
    objects = T.generate_workers(spec, {"md-0": "mt-0-5"}, {"md-1": "kct-1-2"}, env={})
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("KubeadmConfigTemplate", "test-md-0-1"), ("MachineDeployment", "test-md-0"),
        ("CloudStackMachineTemplate", "mt-0-5"),
        ("KubeadmConfigTemplate", "kct-1-2"), ("MachineDeployment", "test-md-1"),
        ("CloudStackMachineTemplate", "test-md-1-1")]
    md1 = objects[4]["spec"]
    assert md1["replicas"] == 2
    assert md1["template"]["spec"]["bootstrap"]["configRef"]["name"] == "kct-1-2"
    assert md1["template"]["spec"]["infrastructureRef"] == {
        "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "CloudStackMachineTemplate", "name": "test-md-1-1"}
    reg = objects[0]["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]
    assert reg["taints"] == [{"key": "key2", "value": "val2", "effect": "PreferNoSchedule"}]
    assert [a["name"] for a in reg["kubeletExtraArgs"]] == ["provider-id", "read-only-port", "anonymous-auth",
                                                           "tls-cipher-suites"]


def test_worker_symlinks_sorted_and_disk_setup() -> None:
    spec = _spec("cloudstack-kct-main", mutations=False)
    kct = T.generate_workers(spec, env={})[0]["spec"]["template"]["spec"]
    assert kct["preKubeadmCommands"][-2:] == [
        T.symlink_command("/var/log/containers", "/data-small/var/log/containers", style="worker"),
        T.symlink_command("/var/log/pods", "/data-small/var/log/pods", style="worker")]
    assert kct["diskSetup"]["partitions"] == [{"device": "/dev/vdb", "layout": True, "overwrite": False,
                                               "tableType": "gpt"}]
    assert kct["mounts"] == [["LABEL=data_disk", "/data-small"]]
    assert kct["joinConfiguration"]["nodeRegistration"]["taints"] == []


def test_symlink_command_wordings() -> None:
    cp = T.symlink_command("/x", "/d/x")
    assert cp.endswith('  else echo "/x already symlnk";\nfi')
    assert T.symlink_command("/x", "/d/x", style="worker").endswith('  else echo "/x already symlnk" ;\nfi')
    assert T.symlink_command("/x", "/d/x", style="etcd").endswith('  else\n    echo "/x already symlnk" ;\nfi')
    assert cp.startswith("if [ ! -L /x ] ;\n  then\n    mv /x /x-$(tr -dc A-Za-z0-9 < /dev/urandom | head -c 10) ;\n"
                         "    mkdir -p /d/x && ln -s /d/x /x ;\n")


# -- clusterctl / bootstrap -----------------------------------------------------------------------------------


def test_infrastructure_bundle_and_bootstrap_options() -> None:
    from eksa_core.models.cluster import ProxyConfiguration

    spec = _spec("cloudstack-kcp-certsans-domain-name")
    bundle = T.eksa_infrastructure_bundle(spec)
    assert bundle is not None
    assert bundle.folder_name == "infrastructure-cloudstack/v0.4.0-alpha+e3b0c44/"
    assert bundle.manifests == ("<placeholder>", "<placeholder>")
    assert T.bootstrap_options(spec).env == {}
    spec.cluster.spec.proxy_configuration = ProxyConfiguration(http_proxy="http://p:1", https_proxy="http://p:2",
                                                               no_proxy=["10.0.0.0/8"])
    assert T.bootstrap_options(spec).env == {"HTTP_PROXY": "http://p:1", "HTTPS_PROXY": "http://p:2",
                                             "NO_PROXY": "10.0.0.0/8,0.0.0.0,127.16.0.1"}


def test_hooks_through_the_plugin_manager() -> None:
    plugins = default_plugins()
    hooks = plugins.provider("cloudstack")
    spec = _spec("cloudstack-kcp-certsans-domain-name")
    context = HookContext(cluster_dir=Path("."), env={}, dry_run=True)
    objects = hooks.generate_control_plane(spec, TemplateOptions(), context)
    assert objects is not None and objects[1]["kind"] == "CloudStackCluster"
    workers = hooks.generate_workers(spec, None, None, None, context)
    assert workers == []  # the spec has no worker groups


def test_provider_contract_template_shape_and_no_secret_leaks() -> None:
    import base64

    from eksa_core.testing import check_no_secret_leaks, check_templates

    plugins = default_plugins()
    spec = _spec("cloudstack-kcp-main", mutations=False)  # external etcd and a worker group
    objects = check_templates(plugins, "cloudstack", spec)
    assert {o["kind"] for o in objects} >= {"Cluster", "CloudStackCluster", "KubeadmControlPlane", "EtcdadmCluster",
                                            "CloudStackMachineTemplate", "KubeadmConfigTemplate", "MachineDeployment"}
    ini = "[Global]\napi-key = sekrit-api-key\nsecret-key = sekrit-secret-key\napi-url = http://127.16.0.1:8080/client/api\n"
    env = {"EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(ini.encode()).decode()}
    check_no_secret_leaks(plugins, "cloudstack", spec, env)
