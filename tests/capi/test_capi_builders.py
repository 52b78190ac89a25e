"""Unit tests of the shared CAPI builders, each rule with a spec built in the test."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from eksa_core.capi import (
    KubeadmFlavor,
    KubeadmImages,
    KubeVip,
    NodeGroupSettings,
    RegistryMirror,
    bump_template_name,
    capi_cluster,
    default_audit_policy,
    kubeadm_config_template,
    kubeadm_control_plane,
    machine_deployment,
    machine_health_checks,
    next_template_name,
    render_yaml,
    template_name_with_fallback,
)
from eksa_core.capi.args import apiserver_spec_args, arg_list, node_labels_args
from eksa_core.capi.kubeadm import strip_ssh_key_comment
from eksa_core.convert import structure
from eksa_core.errors import EksaError
from eksa_core.models.base import UserConfiguration
from eksa_core.models.cluster import Cluster
from eksa_core.models.hostos import HostOSConfiguration
from eksa_core.yamlio import load_documents

IMAGES = KubeadmImages(
    kubernetes_repository="repo/kubernetes", kubernetes_version="v1.27.1-eks-1-27-1",
    etcd_repository="repo/etcd-io", etcd_tag="v3.5.9", coredns_repository="repo/coredns", coredns_tag="v1.10.1",
    pause_repository="repo/pause", pause_tag="v1.27.1", bottlerocket_bootstrap_repository="repo/br-bootstrap",
    bottlerocket_bootstrap_tag="v1-27-1",
)
FLAVOR = KubeadmFlavor(
    apiserver_args=(("cloud-provider", "external"),),
    kubelet_args=(("cloud-provider", "external"),),
    node_name="{{ ds.meta_data.hostname }}",
    pre_commands=("hostname x",),
    proxy_endpoints=("vcenter.example", "10.0.0.10"),
)
USERS = [UserConfiguration(name="capv", ssh_authorized_keys=["ssh-rsa AAAAKEY me@laptop"])]


def make_cluster(**spec: Any) -> Cluster:
    base: dict[str, Any] = {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": "c1"},
        "spec": {
            "kubernetesVersion": "1.27",
            "controlPlaneConfiguration": {"count": 3, "endpoint": {"host": "10.0.0.10"}},
            "workerNodeGroupConfigurations": [{"name": "md-0", "count": 2}],
            "clusterNetwork": {"pods": {"cidrBlocks": ["192.168.0.0/16"]},
                               "services": {"cidrBlocks": ["10.96.0.0/12"]}},
        },
    }
    base["spec"].update(spec)
    return structure(base, Cluster)


def kcp(cluster: Cluster, node: NodeGroupSettings | None = None, **kw: Any) -> dict[str, Any]:
    return kubeadm_control_plane(
        cluster, flavor=FLAVOR, images=IMAGES, node=node or NodeGroupSettings(os_family="ubuntu", users=USERS),
        machine_template_kind="VSphereMachineTemplate", machine_template_name="c1-control-plane-1",
        external_etcd=False, kube_vip=KubeVip(address="10.0.0.10", image="kube-vip:v1"), **kw)


def args_of(items: list[dict[str, str]]) -> dict[str, str]:
    return {i["name"]: i["value"] for i in items}


def files_of(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in spec.get("files", [])}


# -- flags ----------------------------------------------------------------------------------------------------


def test_arg_list_keeps_prefix_order_sorts_spec_args_and_ends_with_labels() -> None:
    out = arg_list([("z", "1"), ("a", "2")], {"tls": "x", "resolv": "y"}, node_labels_args({"b": "2", "a": "1"}))
    assert [i["name"] for i in out] == ["z", "a", "resolv", "tls", "node-labels"]
    assert out[-1]["value"] == "a=1,b=2"


def test_arg_list_names_each_flag_once_and_the_later_source_wins() -> None:
    out = arg_list([("audit-log-maxage", "30"), ("profiling", "false")], {"audit-log-maxage": "7", "v": "4"},
                   [("profiling", "true")])
    assert out == [{"name": "audit-log-maxage", "value": "7"}, {"name": "profiling", "value": "true"},
                   {"name": "v", "value": "4"}]


def _arg_lists(obj: Any, path: str = "") -> list[tuple[str, list[dict[str, str]]]]:
    """Every ``...ExtraArgs`` / ``extraArgs`` list anywhere in ``obj`` with its path."""
    found: list[tuple[str, list[dict[str, str]]]] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.lower().endswith("extraargs") and isinstance(value, list):
                found.append((f"{path}.{key}", value))
            else:
                found += _arg_lists(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            found += _arg_lists(item, f"{path}[{i}]")
    return found


def test_user_apiserver_args_overriding_built_in_flags_render_once_with_the_users_value() -> None:
    built_in = args_of(kcp(make_cluster())["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"][
        "extraArgs"])
    assert "audit-log-maxage" in built_in
    override = {name: f"user-{name}" for name in built_in}
    cluster = make_cluster(controlPlaneConfiguration={
        "count": 3, "endpoint": {"host": "10.0.0.10"}, "apiServerExtraArgs": {**override, "v": "4"}})
    obj = kcp(cluster)
    lists = _arg_lists(obj)
    assert lists
    for where, items in lists:
        names = [i["name"] for i in items]
        assert len(names) == len(set(names)), f"{where} repeats a flag: {names}"
    api = obj["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"]["extraArgs"]
    assert args_of(api) == {**override, "v": "4"}
    assert [i["name"] for i in api][: len(built_in)] == list(built_in)


def test_user_apiserver_args_override_derived_ones() -> None:
    args = apiserver_spec_args(extra={"profiling": "false"}, user_args={"profiling": "true", "v": "4"})
    assert args == {"profiling": "true", "v": "4"}


def test_oidc_aws_iam_pod_iam_and_encryption_flags_on_the_api_server() -> None:
    from eksa_core.models.gitops import AWSIamConfig, OIDCConfig

    oidc = structure({"kind": "OIDCConfig", "metadata": {"name": "o"}, "spec": {
        "clientId": "cid", "issuerUrl": "https://issuer", "groupsClaim": "groups",
        "requiredClaims": [{"claim": "aud", "value": "k8s"}], "usernamePrefix": "oidc:"}}, OIDCConfig)
    iam = structure({"kind": "AWSIamConfig", "metadata": {"name": "i"}, "spec": {"awsRegion": "us-west-2"}},
                    AWSIamConfig)
    cluster = make_cluster(podIamConfig={"serviceAccountIssuer": "https://sa"}, etcdEncryption=[
        {"providers": [{"kms": {"name": "k", "socketListenAddress": "unix:///var/run/kmsplugin/s.sock"}}],
         "resources": ["secrets"]}])
    obj = kcp(cluster, oidc=oidc, aws_iam=iam)
    api = obj["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"]
    names = [a["name"] for a in api["extraArgs"]]
    assert names[:6] == ["cloud-provider", "audit-policy-file", "audit-log-path", "audit-log-maxage",
                         "audit-log-maxbackup", "audit-log-maxsize"]
    assert names[6:] == sorted(names[6:])
    args = args_of(api["extraArgs"])
    assert args["oidc-client-id"] == "cid" and args["oidc-issuer-url"] == "https://issuer"
    assert args["oidc-groups-claim"] == "groups" and args["oidc-required-claim"] == "aud=k8s"
    assert args["oidc-username-prefix"] == "oidc:"
    assert args["authentication-token-webhook-config-file"] == "/etc/kubernetes/aws-iam-authenticator/kubeconfig.yaml"
    assert args["service-account-issuer"] == "https://sa"
    assert args["encryption-provider-config"] == "/etc/kubernetes/enc/encryption-config.yaml"
    vols = {v["name"] for v in api["extraVolumes"]}
    assert {"authconfig", "awsiamcert", "encryption-config", "kms-plugin"} <= vols
    files = files_of(obj["spec"]["kubeadmConfigSpec"])
    enc = load_documents(files["/etc/kubernetes/enc/encryption-config.yaml"]["content"])[0].data
    assert enc["resources"][0]["providers"][0]["kms"]["cachesize"] == 1000
    assert enc["resources"][0]["providers"][-1] == {"identity": {}}
    assert files["/var/lib/kubeadm/aws-iam-authenticator/pki/cert.pem"]["contentFrom"]["secret"]["name"] == \
        "c1-aws-iam-authenticator-ca"


# -- control plane --------------------------------------------------------------------------------------------


def test_stacked_etcd_cert_sans_replicas_rollout_and_default_taint() -> None:
    cluster = make_cluster(controlPlaneConfiguration={
        "count": 5, "endpoint": {"host": "10.0.0.10"}, "certSANs": ["api.example.com"],
        "upgradeRolloutStrategy": {"rollingUpdate": {"maxSurge": 0}}})
    obj = kcp(cluster, default_taint=True)
    spec = obj["spec"]
    cc = spec["kubeadmConfigSpec"]["clusterConfiguration"]
    assert cc["etcd"]["local"] == {"imageRepository": "repo/etcd-io", "imageTag": "v3.5.9", "extraArgs": [
        {"name": "cipher-suites", "value": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}]}
    assert cc["apiServer"]["certSANs"] == ["api.example.com"]
    assert spec["replicas"] == 5 and spec["version"] == "v1.27.1-eks-1-27-1"
    assert spec["rollout"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
    taints = spec["kubeadmConfigSpec"]["initConfiguration"]["nodeRegistration"]["taints"]
    assert taints == [{"key": "node-role.kubernetes.io/control-plane", "value": None, "effect": "NoSchedule"}]


def test_explicit_empty_taints_win_over_the_default_and_labels_become_node_labels() -> None:
    cluster = make_cluster(controlPlaneConfiguration={
        "count": 1, "endpoint": {"host": "h"}, "taints": [], "labels": {"tier": "cp"}})
    node = NodeGroupSettings(os_family="ubuntu", taints=[], labels={"tier": "cp"})
    reg = kcp(cluster, node, default_taint=True)["spec"]["kubeadmConfigSpec"]["joinConfiguration"]["nodeRegistration"]
    assert reg["taints"] == []
    assert reg["kubeletExtraArgs"][-1] == {"name": "node-labels", "value": "tier=cp"}


def test_kubelet_configuration_moves_flags_into_a_patch_file() -> None:
    cluster = make_cluster(clusterNetwork={"pods": {"cidrBlocks": ["1.0.0.0/16"]},
                                           "services": {"cidrBlocks": ["2.0.0.0/16"]},
                                           "dns": {"resolvConf": {"path": "/etc/my-resolv.conf"}}})
    plain = kcp(cluster)["spec"]["kubeadmConfigSpec"]
    assert [a["name"] for a in plain["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"]] == [
        "cloud-provider", "read-only-port", "anonymous-auth", "resolv-conf", "tls-cipher-suites"]
    node = NodeGroupSettings(os_family="ubuntu", kubelet_configuration={"maxPods": 50})
    spec = kcp(cluster, node)["spec"]["kubeadmConfigSpec"]
    assert spec["initConfiguration"]["patches"] == {"directory": "/etc/kubernetes/patches"}
    assert [a["name"] for a in spec["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"]] == [
        "cloud-provider"]
    patch = files_of(spec)["/etc/kubernetes/patches/kubeletconfiguration0+strategic.yaml"]
    assert patch["permissions"] == "0644"
    assert load_documents(patch["content"])[0].data == {
        "maxPods": 50, "resolvConf": "/etc/my-resolv.conf",
        "tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]}


def test_audit_policy_default_and_custom_content() -> None:
    spec = kcp(make_cluster())["spec"]["kubeadmConfigSpec"]
    policy = load_documents(files_of(spec)["/etc/kubernetes/audit-policy.yaml"]["content"])[0].data
    assert policy["apiVersion"] == "audit.k8s.io/v1" and policy["kind"] == "Policy"
    assert policy["rules"][-1] == {"level": "Metadata", "omitStages": ["RequestReceived"]}
    assert default_audit_policy("1.21")["apiVersion"] == "audit.k8s.io/v1beta1"
    custom = make_cluster(controlPlaneConfiguration={"count": 1, "endpoint": {"host": "h"},
                                                     "auditPolicyContent": "apiVersion: audit.k8s.io/v1\n"})
    spec = kcp(custom)["spec"]["kubeadmConfigSpec"]
    assert files_of(spec)["/etc/kubernetes/audit-policy.yaml"]["content"] == "apiVersion: audit.k8s.io/v1\n"


def test_admission_exclusion_only_when_asked() -> None:
    spec = kcp(make_cluster())["spec"]["kubeadmConfigSpec"]
    assert "/etc/kubernetes/admission-plugin-exclusion-rules.json" not in files_of(spec)
    assert "extraEnvs" not in spec["clusterConfiguration"]["apiServer"]
    on = make_cluster(controlPlaneConfiguration={"count": 1, "endpoint": {"host": "h"},
                                                 "skipAdmissionForSystemResources": True})
    spec = kcp(on)["spec"]["kubeadmConfigSpec"]
    assert spec["clusterConfiguration"]["apiServer"]["extraEnvs"] == [
        {"name": "EKS_PATCH_EXCLUSION_RULES_FILE", "value": "/etc/kubernetes/admission-plugin-exclusion-rules.json"}]
    assert "/etc/kubernetes/admission-plugin-exclusion-rules.json" in files_of(spec)


def test_proxy_files_no_proxy_and_containerd_restart() -> None:
    cluster = make_cluster(proxyConfiguration={"httpProxy": "http://p:3128", "httpsProxy": "http://p:3129",
                                               "noProxy": ["internal.example"]})
    spec = kcp(cluster)["spec"]["kubeadmConfigSpec"]
    content = files_of(spec)["/etc/systemd/system/containerd.service.d/http-proxy.conf"]["content"]
    assert 'Environment="HTTP_PROXY=http://p:3128"' in content
    assert ('Environment="NO_PROXY=192.168.0.0/16,10.96.0.0/12,internal.example,localhost,127.0.0.1,.svc,'
            'vcenter.example,10.0.0.10"') in content
    assert spec["preKubeadmCommands"][:2] == ["sudo systemctl daemon-reload", "sudo systemctl restart containerd"]


def test_registry_mirror_with_namespaces_auth_and_ca() -> None:
    cluster = make_cluster(registryMirrorConfiguration={
        "endpoint": "1.2.3.4", "port": "5000", "caCertContent": "CERT", "authenticate": True,
        "insecureSkipVerify": True, "ociNamespaces": [{"registry": "public.ecr.aws", "namespace": "eks"}]})
    env = {"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"}
    spec = kcp(cluster, env=env)["spec"]["kubeadmConfigSpec"]
    files = files_of(spec)
    assert files["/etc/containerd/certs.d/1.2.3.4:5000/ca.crt"]["content"] == "CERT\n"
    assert 'config_path = "/etc/containerd/certs.d"' in files["/etc/containerd/config_append.toml"]["content"]
    upstream = files["/etc/containerd/certs.d/public.ecr.aws/hosts.toml"]["content"]
    assert 'server = "https://public.ecr.aws"' in upstream
    assert '[host."https://1.2.3.4:5000/v2/eks"]' in upstream
    assert "skip_verify = true" in upstream
    assert f'authorization = "Basic {base64.b64encode(b"u:p").decode()}"' in upstream
    assert '[host."https://1.2.3.4:5000/v2"]' in files["/etc/containerd/certs.d/1.2.3.4:5000/hosts.toml"]["content"]
    assert spec["preKubeadmCommands"][0] == "cat /etc/containerd/config_append.toml >> /etc/containerd/config.toml"


def test_registry_mirror_without_namespaces_mirrors_the_core_registry() -> None:
    cluster = make_cluster(registryMirrorConfiguration={"endpoint": "mirror.local"})
    mirror = RegistryMirror.from_cluster(cluster, {})
    assert mirror is not None and mirror.mirrors == (("public.ecr.aws", "mirror.local:443"),)
    assert not mirror.authenticate and mirror.core_mirror() == "mirror.local:443/v2"


def test_bottlerocket_control_plane() -> None:
    cluster = make_cluster(proxyConfiguration={"httpProxy": "h", "httpsProxy": "hs", "noProxy": []},
                           registryMirrorConfiguration={"endpoint": "m", "port": "443", "caCertContent": "CA"})
    host_os = structure({"ntpConfiguration": {"servers": ["time.example"]},
                         "bottlerocketConfiguration": {"kubernetes": {"allowedUnsafeSysctls": ["net.x"]},
                                                       "kernel": {"sysctlSettings": {"vm.max_map_count": "262144"}}},
                         "certBundles": [{"name": "ca1", "data": "PEM"}]}, HostOSConfiguration)
    node = NodeGroupSettings(os_family="bottlerocket", users=USERS, host_os=host_os,
                             kubelet_configuration={"kind": "KubeletConfiguration", "maxPods": 20})
    spec = kcp(cluster, node)["spec"]["kubeadmConfigSpec"]
    cc = spec["clusterConfiguration"]
    assert spec["format"] == "bottlerocket" and cc["certificatesDir"] == "/var/lib/kubeadm/pki"
    assert cc["pause"] == {"imageRepository": "repo/pause", "imageTag": "v1.27.1"}
    assert cc["bottlerocket"]["kubernetes"] == {"maxPods": 20, "allowedUnsafeSysctls": ["net.x"]}
    assert cc["bottlerocket"]["kernel"] == {"sysctlSettings": {"vm.max_map_count": "262144"}}
    assert cc["proxy"]["httpsProxy"] == "hs"
    assert cc["registryMirror"] == {"endpoint": "m:443/v2", "caCert": "CA"}
    assert cc["certBundles"] == [{"name": "ca1", "data": "PEM"}]
    assert spec["joinConfiguration"]["bottlerocket"] == cc["bottlerocket"]
    assert "patches" not in spec["joinConfiguration"]
    assert not any(p.startswith("/etc/containerd") for p in files_of(spec))
    assert spec["ntp"] == {"enabled": True, "servers": ["time.example"]}
    kubevip = files_of(spec)["/etc/kubernetes/manifests/kube-vip.yaml"]["content"]
    assert "/var/lib/kubeadm/admin.conf" in kubevip


def test_ssh_key_comment_is_stripped() -> None:
    assert strip_ssh_key_comment("ssh-rsa AAAA me@host") == "ssh-rsa AAAA"
    assert strip_ssh_key_comment("ssh-ed25519 AAAA") == "ssh-ed25519 AAAA"
    users = kcp(make_cluster())["spec"]["kubeadmConfigSpec"]["users"]
    assert users == [{"name": "capv", "sshAuthorizedKeys": ["ssh-rsa AAAAKEY"], "sudo": "ALL=(ALL) NOPASSWD:ALL"}]


# -- workers --------------------------------------------------------------------------------------------------


def test_worker_template_taints_labels_and_machine_deployment() -> None:
    cluster = make_cluster(workerNodeGroupConfigurations=[{
        "name": "md-0", "count": 4, "taints": [{"key": "k", "value": "v", "effect": "PreferNoSchedule"}],
        "labels": {"b": "2", "a": "1"},
        "upgradeRolloutStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 1}},
    }])
    group = cluster.worker_groups()[0]
    kct = kubeadm_config_template(cluster, name="c1-md-0-1", flavor=FLAVOR, images=IMAGES,
                                  node=NodeGroupSettings(taints=group.taints, labels=group.labels))
    reg = kct["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]
    assert reg["taints"] == [{"key": "k", "value": "v", "effect": "PreferNoSchedule"}]
    assert reg["kubeletExtraArgs"][-1] == {"name": "node-labels", "value": "a=1,b=2"}
    md = machine_deployment(cluster, group, version="v1", machine_template_kind="VSphereMachineTemplate",
                            machine_template_name="c1-md-0-1", kubeadm_config_template_name="c1-md-0-1")
    assert md["metadata"]["name"] == "c1-md-0" and md["spec"]["replicas"] == 4
    assert md["spec"]["rollout"]["strategy"] == {"type": "RollingUpdate",
                                                 "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 1}}


def test_autoscaling_annotations_replace_replicas() -> None:
    cluster = make_cluster(workerNodeGroupConfigurations=[
        {"name": "md-0", "count": 3, "autoscalingConfiguration": {"minCount": 3, "maxCount": 5}}])
    md = machine_deployment(cluster, cluster.worker_groups()[0], version="v1", machine_template_kind="X",
                            machine_template_name="a", kubeadm_config_template_name="b")
    assert "replicas" not in md["spec"]
    assert md["metadata"]["annotations"] == {
        "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size": "3",
        "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size": "5"}


# -- other objects --------------------------------------------------------------------------------------------


def test_capi_cluster_external_etcd_ref() -> None:
    cluster = make_cluster(externalEtcdConfiguration={"count": 3})
    obj = capi_cluster(cluster, "VSphereCluster", external_etcd=True)
    assert obj["spec"]["managedExternalEtcdRef"]["name"] == "c1-etcd"
    assert obj["metadata"]["namespace"] == "eksa-system"


def test_machine_health_checks_defaults_and_overrides() -> None:
    cluster = make_cluster(machineHealthCheck={"nodeStartupTimeout": "20m0s"}, workerNodeGroupConfigurations=[
        {"name": "md-0", "count": 1, "machineHealthCheck": {"maxUnhealthy": "60%"}}])
    kcp_mhc, md_mhc = machine_health_checks(cluster)
    assert kcp_mhc["metadata"]["name"] == "c1-kcp-unhealthy"
    assert kcp_mhc["spec"]["checks"]["nodeStartupTimeoutSeconds"] == 1200
    assert kcp_mhc["spec"]["remediation"]["triggerIf"]["unhealthyLessThanOrEqualTo"] == "100%"
    assert md_mhc["metadata"]["name"] == "c1-md-0-worker-unhealthy"
    assert md_mhc["spec"]["remediation"]["triggerIf"]["unhealthyLessThanOrEqualTo"] == "60%"
    assert md_mhc["spec"]["checks"]["unhealthyNodeConditions"][0]["timeoutSeconds"] == 300


# -- naming ---------------------------------------------------------------------------------------------------


def test_template_names() -> None:
    assert next_template_name(None, True, "c1-control-plane") == "c1-control-plane-1"
    assert next_template_name("c1-md-0-3", False, "c1-md-0") == "c1-md-0-3"
    assert next_template_name("c1-md-0-3", True, "c1-md-0") == "c1-md-0-4"
    assert bump_template_name("c1-etcd-9") == "c1-etcd-10"
    with pytest.raises(EksaError):
        bump_template_name("legacy-name")
    assert template_name_with_fallback("legacy-name", True, "c1-md-0") == "c1-md-0-1"
    assert template_name_with_fallback("legacy-name", False, "c1-md-0") == "legacy-name"


def test_render_yaml_round_trips_as_data() -> None:
    objs = [{"a": "line1\nline2\n", "b": None, "c": "0644"}, {"d": [1, 2]}]
    docs = [d.data for d in load_documents(render_yaml(objs))]
    assert docs == objs
