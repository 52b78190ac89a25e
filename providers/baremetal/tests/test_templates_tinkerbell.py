"""Tinkerbell renderer: every public tinkerbell render case of the conformance suite, plus targeted rules no public
case shows (Bottlerocket / Red Hat workflows, external etcd, proxy, registry mirror, affinity terms, ISO URLs,
custom templates, hooks)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from eksa_baremetal import templates as T
from eksa_baremetal import workflow as W

from eksa_core.conformance import run_case
from eksa_core.conformance.cases import case_environment, load_case_file
from eksa_core.conformance.compare import compare_manifests
from eksa_core.defaults import set_defaults
from eksa_core.plugins import Plugins, TemplateOptions, default_plugins
from eksa_core.releases import build_spec_from_files
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing import conformance_dir
from eksa_core.yamlio import load_documents, to_plain

CONFORMANCE = conformance_dir(__file__) or Path(__file__).parent / "no-conformance-fixtures"
CASES = CONFORMANCE / "cases.yaml"
RELEASES = [CONFORMANCE / "releases" / f for f in ("releases.yaml", "bundles.yaml", "kubernetes-1-21-eks-4.yaml")]
KEY = "ssh-rsa AAAAB3NzaC1yc2E test@example.com"


def _render_cases() -> list[Any]:
    if not CASES.exists():
        return []
    return [c for c in load_case_file(CASES).cases
            if c.provider == "tinkerbell" and c.kind in ("render-control-plane", "render-workers")]


def _ids(cases: list[Any]) -> list[str]:
    return [c.id for c in cases]


# -- conformance ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _render_cases(), ids=_ids(_render_cases()))
def test_render_case_with_builder_arguments(case: Any) -> None:
    """Every public render case through the Python API, with the case's ``tinkerbellIP`` builder argument handed
    to both the control plane and the worker renderer, as EKS-A's template builder gets it."""
    from eksa_core.conformance.runner import build_case_spec

    with case_environment(case) as env:
        spec, extra = build_case_spec(case, default_plugins())
        ip = extra.get("tinkerbellIP")
        params = case.params
        if case.kind == "render-control-plane":
            opts = dict(params.get("buildOptions") or {})
            objects = T.generate_control_plane(spec, TemplateOptions(
                control_plane_template_name=opts.pop("controlPlaneTemplateName", None),
                etcd_template_name=opts.pop("etcdTemplateName", None), extra=opts), tinkerbell_ip=ip, env=env)
        else:
            objects = T.generate_workers(spec, params.get("workloadTemplateNames"),
                                         params.get("kubeadmconfigTemplateNames"), tinkerbell_ip=ip, env=env)
    expected = (case.base_dir / str(case.get("expected"))).read_text()
    assert compare_manifests(expected, objects, mode=str(case.get("compare") or "exact")) == []


_CP_CASES = [c for c in _render_cases() if c.kind == "render-control-plane"]


@pytest.mark.parametrize("case", _CP_CASES, ids=_ids(_CP_CASES))
def test_control_plane_cases_through_the_runner(case: Any) -> None:
    """The control plane hook gets ``tinkerbellIP`` from ``TemplateOptions.extra`` through the real runner."""
    result = run_case(case)
    assert result.status == "PASS", result.detail


# -- spec helpers ---------------------------------------------------------------------------------------------


def _spec(cluster_extra: str = "", *, dc_extra: str = "", cp_mc: str = "", worker_mc: str = "",
          extra_docs: str = "", annotations: str = "", workers: bool = True) -> Spec:
    worker_groups = """
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef: {kind: TinkerbellMachineConfig, name: wk}
""" if workers else ""
    text = f"""
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: bm
{annotations}
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 3
    endpoint: {{host: 10.0.0.10}}
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: cp}}
  datacenterRef: {{kind: TinkerbellDatacenterConfig, name: bm}}
  kubernetesVersion: "1.21"
{worker_groups}{cluster_extra}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellDatacenterConfig
metadata: {{name: bm}}
spec:
  tinkerbellIP: 10.0.0.20
  osImageURL: https://images.example/ubuntu-1-21.gz
{dc_extra}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: cp}}
spec:
  hardwareSelector: {{type: cp}}
  osFamily: ubuntu
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
{cp_mc}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: wk}}
spec:
  osFamily: ubuntu
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
{worker_mc}
{extra_docs}
"""
    plugins = default_plugins()
    config = parse_cluster_config(text, registry=plugins.registry, strict=False)
    set_defaults(config, plugins=Plugins(), stage="api")
    spec = build_spec_from_files(config, RELEASES, cli_version="v0.19.0-dev+latest")
    spec.plugins = plugins
    return spec


needs_releases = pytest.mark.skipif(not all(p.exists() for p in RELEASES), reason="conformance release data missing")


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def _workflow(template: dict[str, Any]) -> dict[str, Any]:
    docs = load_documents(template["spec"]["template"]["spec"]["templateOverride"])
    return to_plain(docs[0].data)


def _actions(template: dict[str, Any]) -> list[dict[str, Any]]:
    return _workflow(template)["tasks"][0]["actions"]


# -- workflows ------------------------------------------------------------------------------------------------


def test_default_workflow_ubuntu_shape() -> None:
    wf = W.workflow_data(W.default_workflow("c1", "ubuntu", "https://img", "1.1.1.1", "2.2.2.2"))
    assert (wf["version"], wf["name"], wf["id"], wf["global_timeout"]) == ("0.1", "c1", "", 6000)
    task = wf["tasks"][0]
    assert task["worker"] == "{{.device_1}}"
    assert [a["name"] for a in task["actions"]] == [
        "stream image to disk", "write netplan config", "disable cloud-init network capabilities",
        "add cloud-init config", "add cloud-init ds config", "reboot"]
    assert "formatPartition ( index .Hardware.Disks 0 ) 2" in task["actions"][1]["environment"]["DEST_DISK"]
    assert "metadata_urls: [http://1.1.1.1:7172,http://2.2.2.2:7172]" in task["actions"][3]["environment"]["CONTENTS"]


def test_default_workflow_bottlerocket_uses_partition_12_and_user_data_urls() -> None:
    wf = W.workflow_data(W.default_workflow("c1", "bottlerocket", "https://img", "1.1.1.1", "2.2.2.2"))
    actions = wf["tasks"][0]["actions"]
    assert [a["name"] for a in actions] == ["stream image to disk", "write Bottlerocket bootconfig",
                                            "write Bottlerocket user data", "write netplan config", "reboot"]
    assert all("Disks 0 ) 12" in a["environment"]["DEST_DISK"] for a in actions[1:4])
    assert actions[1]["environment"]["BOOTCONFIG_CONTENTS"] == "kernel {}"
    assert actions[2]["environment"]["HEGEL_URLS"] == "http://1.1.1.1:7172,http://2.2.2.2:7172"
    assert actions[3]["environment"]["DEST_PATH"] == "/net.toml"
    assert actions[3]["environment"]["STATIC_BOTTLEROCKET"] == "true"


def test_default_workflow_redhat_network_manager_and_quoted_urls() -> None:
    wf = W.workflow_data(W.default_workflow("c1", "redhat", "https://img", "1.1.1.1", "2.2.2.2"))
    actions = wf["tasks"][0]["actions"]
    assert actions[1]["name"] == "write network manager config"
    assert actions[1]["environment"]["DEST_PATH"].startswith("/etc/NetworkManager/system-connections/")
    assert "Disks 0 ) 1 }}" in actions[1]["environment"]["DEST_DISK"]
    assert "['http://1.1.1.1:7172','http://2.2.2.2:7172']" in actions[3]["environment"]["CONTENTS"]


def test_empty_template_serialises_like_tinkerbell() -> None:
    from eksa_baremetal.models import Workflow

    assert W.workflow_data(Workflow()) == {"global_timeout": 0, "id": "", "name": "", "tasks": None, "version": ""}


def test_workflow_text_rewrites_public_ecr_to_mirror() -> None:
    from eksa_baremetal.models import Action, Task, Workflow

    wf = Workflow(version="0.1", name="x", tasks=[Task(name="x", worker="w", actions=[
        Action(name="a", image="public.ecr.aws/tinkerbell/actions/reboot:v1", timeout=9)])])
    text = W.workflow_text(wf, registry_mirror="mirror.local:443/v2/ns")
    assert "public.ecr.aws" not in text and "mirror.local:443/v2/ns/tinkerbell/actions/reboot:v1" in text


# -- control plane / workers ----------------------------------------------------------------------------------


@needs_releases
def test_control_plane_object_set_and_defaults() -> None:
    objs = T.generate_control_plane(_spec(), tinkerbell_ip="10.0.0.99", env={})
    assert [o["kind"] for o in objs] == ["Cluster", "KubeadmControlPlane", "TinkerbellMachineTemplate",
                                         "TinkerbellCluster"]
    cluster, kcp, tmt, tc = objs
    assert cluster["spec"]["controlPlaneEndpoint"] == {"host": "10.0.0.10", "port": 6443}
    assert tmt["metadata"]["name"] == "bm-control-plane-1"
    assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] == "bm-control-plane-1"
    assert tmt["apiVersion"] == tc["apiVersion"] == "infrastructure.cluster.x-k8s.io/v1beta1"
    assert tmt["spec"]["template"]["spec"]["hardwareAffinity"] == {
        "required": [{"labelSelector": {"matchLabels": {"type": "cp"}}}]}
    assert tmt["spec"]["template"]["spec"]["bootOptions"] == {"bootMode": "netboot"}
    cloud_init = _actions(tmt)[3]["environment"]["CONTENTS"]
    assert "http://10.0.0.99:7172,http://10.0.0.20:7172" in cloud_init
    reg = kcp["spec"]["kubeadmConfigSpec"]["initConfiguration"]["nodeRegistration"]
    assert "taints" not in reg and "criSocket" not in reg  # workers exist, no control plane taints
    # the SSH key is written as given (first key of the first user)
    assert kcp["spec"]["kubeadmConfigSpec"]["users"][0]["sshAuthorizedKeys"] == [KEY]
    kube_vip = kcp["spec"]["kubeadmConfigSpec"]["files"][0]["content"]
    assert "svc_enable" not in kube_vip  # workers run the service load balancer


@needs_releases
def test_without_workers_control_plane_is_untainted_and_serves_load_balancers() -> None:
    objs = T.generate_control_plane(_spec(workers=False), env={})
    kcs = _by_kind(objs, "KubeadmControlPlane")[0]["spec"]["kubeadmConfigSpec"]
    assert kcs["initConfiguration"]["nodeRegistration"]["taints"] == []
    assert kcs["joinConfiguration"]["nodeRegistration"]["taints"] == []
    assert "svc_enable" in kcs["files"][0]["content"]


@needs_releases
def test_skip_load_balancer_deployment_on_control_plane_drops_kube_vip() -> None:
    spec = _spec()
    cp = spec.cluster.spec.control_plane_configuration
    assert cp is not None
    cp.skip_load_balancer_deployment = True
    files = _by_kind(T.generate_control_plane(spec, env={}), "KubeadmControlPlane")[0]["spec"][
        "kubeadmConfigSpec"]["files"]
    assert not any("kube-vip" in f["path"] for f in files)


@needs_releases
def test_local_ip_defaults_to_bootstrap_annotation_then_datacenter() -> None:
    annotated = _spec(annotations="  annotations:\n    anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip: 10.0.0.5")
    assert T.local_tinkerbell_ip(annotated) == "10.0.0.5"
    assert T.local_tinkerbell_ip(_spec()) == "10.0.0.20"
    assert T.local_tinkerbell_ip(_spec(), "1.1.1.1") == "1.1.1.1"
    objs = T.generate_control_plane(_spec(), TemplateOptions(extra={"tinkerbellIP": "7.7.7.7"}), env={})
    assert "http://7.7.7.7:7172" in _actions(_by_kind(objs, "TinkerbellMachineTemplate")[0])[3]["environment"][
        "CONTENTS"]


@needs_releases
def test_iso_boot_urls() -> None:
    plain = _spec(dc_extra="  isoBoot: true")
    assert T.boot_options(plain.cluster, T._datacenter(plain)) == {
        "bootMode": "iso", "isoURL": "http://10.0.0.20:7171/iso/hook.iso"}
    annotated = _spec(dc_extra="  isoBoot: true",
                      annotations="  annotations:\n    anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip: 10.0.0.5")
    assert T.boot_options(annotated.cluster, T._datacenter(annotated))["isoURL"] == \
        "http://10.0.0.5:7171/iso/hook.iso"
    custom = _spec(dc_extra="  isoBoot: true\n  hookIsoURL: https://mirror.example/hook.iso")
    assert T.boot_options(custom.cluster, T._datacenter(custom))["isoURL"] == "https://mirror.example/hook.iso"


@needs_releases
def test_hardware_affinity_terms_are_rendered() -> None:
    affinity = """
  hardwareAffinity:
    required:
    - labelSelector:
        matchLabels: {rack: r1}
        matchExpressions: [{key: type, operator: In, values: [cp]}]
    preferred:
    - weight: 50
      hardwareAffinityTerm:
        labelSelector: {matchLabels: {disk: ssd}}
"""
    spec = _spec(worker_mc=affinity)
    _, tmt, _ = T.generate_workers(spec, env={})
    assert tmt["spec"]["template"]["spec"]["hardwareAffinity"] == {
        "required": [{"labelSelector": {"matchLabels": {"rack": "r1"},
                                        "matchExpressions": [{"key": "type", "operator": "In", "values": ["cp"]}]}}],
        "preferred": [{"weight": 50, "hardwareAffinityTerm": {"labelSelector": {"matchLabels": {"disk": "ssd"}}}}],
    }


@needs_releases
def test_worker_object_set_names_and_pool_labels() -> None:
    objs = T.generate_workers(_spec(), env={})
    assert [o["kind"] for o in objs] == ["MachineDeployment", "TinkerbellMachineTemplate", "KubeadmConfigTemplate"]
    md, tmt, kct = objs
    assert md["metadata"]["name"] == "bm-md-0" and md["spec"]["replicas"] == 2
    assert md["metadata"]["labels"]["pool"] == "md-0"
    assert md["spec"]["template"]["metadata"]["labels"]["pool"] == "md-0"
    assert tmt["metadata"]["name"] == kct["metadata"]["name"] == "bm-md-0-1"
    assert md["spec"]["template"]["spec"]["deletion"] == {"nodeDeletionTimeoutSeconds": 30}
    # no selector on the worker machine config: the required term has null labels (EKS-A renders it so)
    assert tmt["spec"]["template"]["spec"]["hardwareAffinity"] == {"required": [{"labelSelector": {
        "matchLabels": None}}]}
    assert "criSocket" not in kct["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]


@needs_releases
def test_custom_template_config_is_used_verbatim() -> None:
    tmpl = """
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellTemplateConfig
metadata: {name: custom}
spec:
  template:
    version: "0.1"
    name: custom
    global_timeout: 1200
    tasks:
    - name: custom
      worker: "{{.device_1}}"
      actions:
      - name: only-step
        image: public.ecr.aws/eks-anywhere/tinkerbell/hub/reboot:v1
        timeout: 90
        on-failure: [echo failed]
"""
    spec = _spec(worker_mc="  templateRef: {kind: TinkerbellTemplateConfig, name: custom}", extra_docs=tmpl)
    _, tmt, _ = T.generate_workers(spec, env={})
    wf = _workflow(tmt)
    assert wf["global_timeout"] == 1200 and wf["name"] == "custom" and wf["id"] == ""
    assert wf["tasks"][0]["actions"] == [{"image": "public.ecr.aws/eks-anywhere/tinkerbell/hub/reboot:v1",
                                         "name": "only-step", "on-failure": ["echo failed"], "timeout": 90}]


@needs_releases
def test_bottlerocket_external_etcd_and_image_override() -> None:
    etcd = """
  externalEtcdConfiguration:
    count: 3
    machineGroupRef: {kind: TinkerbellMachineConfig, name: etcd}
"""
    etcd_mc = f"""
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: etcd}}
spec:
  hardwareSelector: {{type: etcd}}
  osFamily: bottlerocket
  osImageURL: https://images.example/bottlerocket.img.gz
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
"""
    spec = _spec(etcd, cp_mc="", extra_docs=etcd_mc)
    spec.config.get("TinkerbellMachineConfig", "cp").spec.os_family = "bottlerocket"  # type: ignore[union-attr]
    objs = T.generate_control_plane(spec, env={})
    assert [o["kind"] for o in objs] == ["Cluster", "KubeadmControlPlane", "EtcdadmCluster",
                                         "TinkerbellMachineTemplate", "TinkerbellMachineTemplate",
                                         "TinkerbellCluster"]
    cluster, kcp, etcdadm, etcd_tmt, cp_tmt, _ = objs
    assert cluster["spec"]["managedExternalEtcdRef"]["name"] == "bm-etcd"
    assert etcdadm["spec"]["replicas"] == 3
    assert etcdadm["spec"]["etcdadmConfigSpec"]["format"] == "bottlerocket"
    assert etcdadm["spec"]["infrastructureTemplate"]["name"] == etcd_tmt["metadata"]["name"] == "bm-etcd-1"
    assert etcd_tmt["spec"]["template"]["spec"]["hardwareAffinity"]["required"][0]["labelSelector"][
        "matchLabels"] == {"type": "etcd"}
    assert _actions(etcd_tmt)[0]["environment"]["IMG_URL"] == "https://images.example/bottlerocket.img.gz"
    assert _actions(cp_tmt)[1]["name"] == "write Bottlerocket bootconfig"
    kcs = kcp["spec"]["kubeadmConfigSpec"]
    assert kcs["format"] == "bottlerocket"
    cc = kcs["clusterConfiguration"]
    assert cc["etcd"]["external"]["endpoints"] == ["https://placeholder:2379"]
    assert cc["scheduler"]["extraVolumes"][0]["hostPath"] == "/var/lib/kubeadm/scheduler.conf"
    assert "/var/lib/kubeadm/admin.conf" in kcs["files"][0]["content"]


@needs_releases
def test_proxy_reaches_workflow_and_containerd() -> None:
    proxy = """
  proxyConfiguration:
    httpProxy: http://proxy:3128
    httpsProxy: http://proxy:3128
    noProxy: [internal.example]
"""
    objs = T.generate_control_plane(_spec(proxy), tinkerbell_ip="10.0.0.99", env={})
    env = _actions(_by_kind(objs, "TinkerbellMachineTemplate")[0])[0]["environment"]
    assert env["HTTP_PROXY"] == env["HTTPS_PROXY"] == "http://proxy:3128"
    assert env["NO_PROXY"] == "internal.example,192.168.0.0/16,10.96.0.0/12,10.0.0.10,10.0.0.99,10.0.0.20"
    files = _by_kind(objs, "KubeadmControlPlane")[0]["spec"]["kubeadmConfigSpec"]["files"]
    dropin = next(f for f in files if f["path"].endswith("http-proxy.conf"))["content"]
    assert "10.0.0.20" in dropin and "10.0.0.99" in dropin and "10.0.0.10" in dropin


@needs_releases
def test_registry_mirror_with_auth_adds_encoded_secret_and_rewrites_images() -> None:
    mirror = """
  registryMirrorConfiguration:
    endpoint: mirror.local
    port: "443"
    authenticate: true
"""
    objs = T.generate_control_plane(_spec(mirror, cp_mc="  osImageURL: https://public.ecr.aws/img.gz"),
                                    env={"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "s3cret"})
    secret = objs[-1]
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "registry-credentials"
    assert base64.b64decode(secret["data"]["password"]).decode() == "s3cret"
    img = _actions(_by_kind(objs, "TinkerbellMachineTemplate")[0])[0]["environment"]["IMG_URL"]
    assert img.startswith("https://mirror.local:443") and img.endswith("/img.gz")


@needs_releases
def test_missing_machine_config_is_a_located_error() -> None:
    from eksa_core.errors import SpecError

    spec = _spec()
    spec.config.remove(spec.config.get("TinkerbellMachineConfig", "wk"))  # type: ignore[arg-type]
    with pytest.raises(SpecError) as err:
        T.generate_workers(spec, env={})
    assert "wk" in str(err.value)


# -- hooks ----------------------------------------------------------------------------------------------------


@needs_releases
def test_hooks_bundle_and_bootstrap_options() -> None:
    spec = _spec("""
  proxyConfiguration:
    httpProxy: http://proxy:3128
    httpsProxy: http://proxy:3128
    noProxy: [internal.example]
""")
    bundle = T.eksa_infrastructure_bundle(spec)
    assert bundle is not None and bundle.folder_name == "infrastructure-tinkerbell/v0.1.0+210860f/"
    assert [Path(m).name for m in bundle.manifests] == ["infrastructure-components.yaml", "metadata.yaml",
                                                         "cluster-template.yaml"]
    opts = T.eksa_bootstrap_options(spec)
    assert opts is not None and opts.extra_port_mappings == (42113, 50051, 7172)
    assert opts.env["NO_PROXY"] == "internal.example,10.0.0.10,10.0.0.20"
    from eksa_core.context import HookContext

    assert T.eksa_generate_workers(spec, None, None, None, HookContext(cluster_dir=Path("."), env={})) is not None


def test_plugin_exposes_template_hooks() -> None:
    from eksa_baremetal import plugin

    for name in ("eksa_generate_control_plane", "eksa_generate_workers", "eksa_infrastructure_bundle",
                 "eksa_bootstrap_options"):
        assert hasattr(plugin, name)
