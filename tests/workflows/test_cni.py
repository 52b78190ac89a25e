"""The CNI (eksa_core.cni, eksa_core.workflows.cni): EKS Anywhere's Cilium values, the helm command line and its
secrets, kindnetd's manifest, and where the workflows install it. helm itself runs in tests/realkube/test_cni.py;
here a recording runner stands in for it so each argument can be checked."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core.cni import (
    BundleCNIRenderer,
    CNIRenderError,
    HelmCiliumRenderer,
    HelmFailedError,
    HelmNotFoundError,
    KindnetdRenderer,
    allow_all_policies,
    cilium_chart,
    cilium_values,
    cni_plugin,
)
from eksa_core.kube import KubeClient
from eksa_core.testing.cni import STAND_IN_CONFIGMAP, StandInCNIRenderer
from eksa_core.workflows import Result, WorkflowError, create_cluster
from eksa_core.workflows.ops import _wait_ready

from .cnispec import cilium_spec
from .harness import ENV, make_plugins, make_spec, spec_text
from .realharness import RealEnv, options, seed_management_cluster

PASSWORD = "s3cr3t-mirror-pw"


class RecordingHelm:
    """Stands in for the helm CLI: records each command (argv, stdin, the files it names) and answers with
    ``output`` (or fails with ``fail`` as its stderr)."""

    def __init__(self, output: str = "", fail: str | None = None) -> None:
        self.output = output
        self.fail = fail
        self.calls: list[dict[str, Any]] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        files = {a: Path(a).read_text() for a in argv if a.startswith("/") and Path(a).is_file() and a != argv[0]}
        self.calls.append({"argv": argv, "input": kwargs.get("input"), "env": kwargs.get("env"), "files": files})
        if self.fail is not None:
            return subprocess.CompletedProcess(argv, 1, "", self.fail)
        return subprocess.CompletedProcess(argv, 0, self.output, "")


RENDERED = yaml.safe_dump_all([
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "cilium", "namespace": "kube-system"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cilium-config", "namespace": "kube-system"}},
])


def _renderer(helm: RecordingHelm, tmp_path: Path, env: dict[str, str] | None = None) -> HelmCiliumRenderer:
    exe = tmp_path / "helm"
    exe.write_text("#!/bin/sh\nexit 1\n")
    exe.chmod(0o755)
    return HelmCiliumRenderer(exe, env=env or {"PATH": "/usr/bin"}, runner=helm)


# ------------------------------------------------------------------------------------------------ values


def test_default_values_are_eksa_s_with_the_bundle_images() -> None:
    values = cilium_values(cilium_spec())
    assert values["image"] == {"repository": "public.ecr.aws/eks/cilium/cilium", "tag": "v1.19.4-1",
                               "useDigest": False}
    # the chart adds "-generic" to the operator repository itself
    assert values["operator"]["image"]["repository"] == "public.ecr.aws/eks/cilium/operator"
    assert "replicas" not in values["operator"]
    assert (values["routingMode"], values["tunnelProtocol"]) == ("tunnel", "geneve")
    assert values["ipam"] == {"mode": "kubernetes"} and values["cni"] == {"chainingMode": "portmap"}
    assert "policyEnforcementMode" not in values and "exclusive" not in values["cni"]


def test_settings_direct_routing_and_helm_values_last() -> None:
    spec = cilium_spec(workers=0, cilium={
        "routingMode": "direct", "ipv4NativeRoutingCIDR": "10.0.0.0/8", "policyEnforcementMode": "always",
        "egressMasqueradeInterfaces": "eth0", "cniExclusive": False,
        "helmValues": {"operator": {"prometheus": {"enabled": False}}, "hubble": {"enabled": False}},
    })
    values = cilium_values(spec)
    assert values["routingMode"] == "native" and "tunnelProtocol" not in values
    assert values["ipv4NativeRoutingCIDR"] == "10.0.0.0/8" and values["autoDirectNodeRoutes"] is True
    assert values["policyEnforcementMode"] == "always" and values["egressMasqueradeInterfaces"] == "eth0"
    assert values["cni"]["exclusive"] is False
    # helmValues merged into, not over, eksa's: the operator keeps its image, loses its metrics
    assert values["operator"]["prometheus"] == {"enabled": False} and values["operator"]["image"]["tag"]
    assert values["hubble"] == {"enabled": False}
    assert values["operator"]["replicas"] == 1  # a single node cannot hold two anti-affine operators


def test_chart_and_images_come_through_the_registry_mirror() -> None:
    spec = cilium_spec(mirror={"endpoint": "10.1.2.3", "port": "5000"})
    assert cilium_chart(spec) == ("oci://10.1.2.3:5000/eks/cilium/cilium", "1.19.4-1")
    assert cilium_values(spec)["image"]["repository"] == "10.1.2.3:5000/eks/cilium/cilium"
    spaced = cilium_spec(mirror={"endpoint": "10.1.2.3", "port": "5000", "ociNamespaces": [
        {"registry": "public.ecr.aws", "namespace": "mirror/ecr"}]})
    assert cilium_chart(spaced)[0] == "oci://10.1.2.3:5000/mirror/ecr/eks/cilium/cilium"


def test_plugin_of_the_spec() -> None:
    assert cni_plugin(cilium_spec()) == "cilium"
    assert cni_plugin(cilium_spec(cni={"kindnetd": {}})) == "kindnetd"


# ------------------------------------------------------------------------------------------------ helm


def test_helm_template_command_line_with_the_mirror_ca(tmp_path: Path) -> None:
    helm = RecordingHelm(RENDERED)
    ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    spec = cilium_spec(mirror={"endpoint": "127.0.0.1", "port": "5443", "caCertContent": ca})
    objects = _renderer(helm, tmp_path).render(spec)
    assert [o["kind"] for o in objects] == ["DaemonSet", "ConfigMap"]
    [call] = helm.calls
    argv = call["argv"]
    assert argv[1:4] == ["template", "cilium", "oci://127.0.0.1:5443/eks/cilium/cilium"]
    assert argv[argv.index("--version") + 1] == "1.19.4-1"
    assert argv[argv.index("--namespace") + 1] == "kube-system"
    assert argv[argv.index("--kube-version") + 1] == "1.36"
    assert call["files"][argv[argv.index("--ca-file") + 1]] == ca
    assert yaml.safe_load(call["files"][argv[argv.index("--values") + 1]]) == cilium_values(spec)
    # helm's homes are its own, never the user's
    assert all(call["env"][k].startswith("/") and "eksa-helm-" in call["env"][k]
               for k in ("HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME"))


def test_insecure_mirror_skips_verification(tmp_path: Path) -> None:
    helm = RecordingHelm(RENDERED)
    _renderer(helm, tmp_path).render(cilium_spec(mirror={"endpoint": "127.0.0.1", "port": "5443",
                                                         "insecureSkipVerify": True}))
    assert "--insecure-skip-tls-verify" in helm.calls[0]["argv"] and "--ca-file" not in helm.calls[0]["argv"]


def test_authenticated_mirror_logs_in_with_the_password_on_stdin_only(tmp_path: Path) -> None:
    helm = RecordingHelm(RENDERED)
    env = {"PATH": "/usr/bin", "REGISTRY_USERNAME": "robot", "REGISTRY_PASSWORD": PASSWORD}
    spec = cilium_spec(mirror={"endpoint": "127.0.0.1", "port": "5443", "authenticate": True})
    _renderer(helm, tmp_path, env).render(spec)
    login, template = helm.calls
    assert login["argv"][1:4] == ["registry", "login", "127.0.0.1:5443"] and "--password-stdin" in login["argv"]
    assert login["input"] == PASSWORD
    assert all(PASSWORD not in " ".join(c["argv"]) for c in helm.calls)
    assert login["env"]["HELM_CONFIG_HOME"] == template["env"]["HELM_CONFIG_HOME"]


def test_authenticated_mirror_without_credentials_is_a_clear_error(tmp_path: Path) -> None:
    spec = cilium_spec(mirror={"endpoint": "127.0.0.1", "port": "5443", "authenticate": True})
    with pytest.raises(CNIRenderError, match="REGISTRY_USERNAME / REGISTRY_PASSWORD are not set"):
        _renderer(RecordingHelm(RENDERED), tmp_path).render(spec)


def test_failed_helm_names_the_command_and_masks_the_password(tmp_path: Path) -> None:
    helm = RecordingHelm(fail=f"Error: login to 127.0.0.1:5443 as robot:{PASSWORD} failed: 401")
    env = {"PATH": "/usr/bin", "REGISTRY_USERNAME": "robot", "REGISTRY_PASSWORD": PASSWORD}
    spec = cilium_spec(mirror={"endpoint": "127.0.0.1", "port": "5443", "authenticate": True})
    with pytest.raises(HelmFailedError, match=r"helm registry login failed \(exit 1\)") as caught:
        _renderer(helm, tmp_path, env).render(spec)
    assert PASSWORD not in str(caught.value) and "*****" in str(caught.value)


def test_no_helm_anywhere_says_how_to_name_one(tmp_path: Path) -> None:
    renderer = HelmCiliumRenderer(env={"PATH": str(tmp_path)})
    with pytest.raises(HelmNotFoundError, match="put helm on PATH or name it in EKSA_HELM"):
        renderer.render(cilium_spec())
    named = tmp_path / "my-helm"
    named.write_text("#!/bin/sh\n")
    named.chmod(0o755)
    assert HelmCiliumRenderer(env={"PATH": "/nowhere", "EKSA_HELM": str(named)}).helm_path() == str(named)


def test_output_that_is_not_kubernetes_objects_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CNIRenderError, match="not a Kubernetes object"):
        _renderer(RecordingHelm("- just\n- a list\n"), tmp_path).render(cilium_spec())
    with pytest.raises(CNIRenderError, match="rendered no objects"):
        _renderer(RecordingHelm("---\n"), tmp_path).render(cilium_spec())


def test_policy_enforcement_always_adds_allow_all_policies(tmp_path: Path) -> None:
    objects = _renderer(RecordingHelm(RENDERED), tmp_path).render(
        cilium_spec(cilium={"policyEnforcementMode": "always"}))
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    assert {p["metadata"]["namespace"] for p in policies} >= {"kube-system", "eksa-system"}
    assert all(p["spec"]["ingress"] == [{}] and p["spec"]["egress"] == [{}] for p in policies)
    assert allow_all_policies(["x"])[0] == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}


# ------------------------------------------------------------------------------------------------ kindnetd


def test_kindnetd_manifest_gets_the_pod_cidr() -> None:
    manifest = yaml.safe_dump_all([
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "kindnet", "namespace": "kube-system"},
         "spec": {"template": {"spec": {"containers": [{"name": "kindnet-cni", "env": [
             {"name": "POD_SUBNET", "value": "10.244.0.0/16"}, {"name": "HOST_IP", "value": "x"}]}]}}}},
    ]).encode()
    spec = cilium_spec(cni={"kindnetd": {}})
    spec.versions_bundle().kindnetd.manifest.uri = "https://example.invalid/kindnetd.yaml"
    read: list[str] = []
    objects = KindnetdRenderer(reader=lambda uri: read.append(uri) or manifest).render(spec)
    assert read == ["https://example.invalid/kindnetd.yaml"]
    env = objects[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "POD_SUBNET", "value": "192.168.0.0/16"} in env and len(env) == 2


def test_kindnetd_without_a_manifest_in_the_bundle_is_a_clear_error() -> None:
    spec = cilium_spec(cni={"kindnetd": {}})
    spec.versions_bundle().kindnetd.manifest.uri = ""
    with pytest.raises(CNIRenderError, match=r"names no kindnetd manifest \(kindnetd.manifest.uri\)"):
        BundleCNIRenderer(kindnetd=KindnetdRenderer(reader=lambda uri: b"")).render(spec)


# ------------------------------------------------------------------------------------------- in workflows


class _Kube:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def wait_for_condition(self, api_version: str, kind: str, name: str, namespace: str, condition: str,
                           **_: Any) -> None:
        self.log.append(condition)


def test_the_cni_goes_in_after_the_control_plane_and_before_the_workers() -> None:
    ctx: Any = type("Ctx", (), {"options": options(), "dry_run": False})()
    spec = make_spec(make_plugins(), spec_text("w01", management="mgmt"))
    log: list[str] = []
    _wait_ready(ctx, _Kube(log), spec, "cluster.x-k8s.io/v1beta2", "eksa-system", None,
                after_control_plane=lambda: log.append("CNI"))
    assert log == ["ControlPlaneAvailable", "CNI", "WorkersAvailable", "Available"]
    log.clear()
    _wait_ready(ctx, _Kube(log), spec, "cluster.x-k8s.io/v1beta2", "eksa-system", ["ControlPlaneAvailable"],
                after_control_plane=lambda: log.append("CNI"))
    assert log == ["ControlPlaneAvailable", "CNI"]


def test_workload_create_installs_the_cni_on_the_cluster_its_kubeconfig_reaches(env: RealEnv) -> None:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    seed_management_cluster(env.management)
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    renderer = StandInCNIRenderer()
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                            installer=env.installer, options=options(cni_renderer=renderer))
    assert isinstance(result, Result)
    assert renderer.rendered == ["w01"]
    assert result.messages.index("Installing networking on workload cluster") == \
        result.messages.index("Creating workload cluster") + 1
    workload = KubeClient(str(env.workdir / "w01" / "w01-eks-a-cluster.kubeconfig"))
    stored = workload.get("v1", "ConfigMap", STAND_IN_CONFIGMAP, "kube-system")
    assert stored["data"] == {"plugin": "cilium", "cluster": "w01"}
    workload.delete("v1", "ConfigMap", STAND_IN_CONFIGMAP, "kube-system", ignore_not_found=True)


def test_dry_run_records_the_chart_and_renders_nothing(env: RealEnv) -> None:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    renderer = StandInCNIRenderer()
    plan: Any = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                               installer=env.installer, dry_run=True, options=options(cni_renderer=renderer))
    assert renderer.rendered == []
    actions = [a for step in plan.steps for a in step.actions if a["action"] == "install-cni"]
    # the test provider's spec has no versions bundle of its Kubernetes version: the plugin alone is named
    assert actions == [{"action": "install-cni", "cluster": "w01", "plugin": "cilium"}], actions


def test_a_create_without_helm_stops_in_its_validations_before_any_cluster_exists(env: RealEnv,
                                                                                   tmp_path: Path) -> None:
    kubeconfig = env.management.write_kubeconfig(env.workdir.parent / "mgmt.kubeconfig")
    seed_management_cluster(env.management)
    spec = make_spec(env.plugins, spec_text("w01", management="mgmt"))
    no_helm = {**ENV, "PATH": str(tmp_path)}  # the default renderer: helm looked up on this PATH
    with pytest.raises(WorkflowError) as caught:
        create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                       installer=env.installer, options=options(cni_renderer=None, env=no_helm))
    assert caught.value.task == "setup-validate-create"
    assert "validate helm is available to render the CNI" in str(caught.value.cause)
    assert "helm not found (helm): Cilium is rendered with the helm CLI; put helm on PATH or name it in EKSA_HELM" \
        in str(caught.value.cause)
    assert env.management.get_object("cluster.x-k8s.io/v1beta2", "Cluster", "w01", "eksa-system") is None
    # a dry run renders nothing, so it needs no helm
    plan: Any = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, management_kubeconfig=kubeconfig,
                               installer=env.installer, dry_run=True,
                               options=options(cni_renderer=None, env=no_helm))
    assert not [s for s in plan.steps for m in s.messages if "helm" in m]
