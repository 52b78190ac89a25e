# ruff: noqa: E501  (a table of cases: one case per entry reads better than wrapped lines)
"""The Cluster content rules (reference 3.4): each with an input that breaks it, the exact message and field."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest_helpers import cluster_problems, errors_of, warnings_of

TB = "TinkerbellDatacenterConfig"
DK = "DockerDatacenterConfig"
SN = "SnowDatacenterConfig"
VS = "VSphereDatacenterConfig"


def setp(path: str, value: Any):
    """A mutator setting ``path`` (dotted, ``[i]`` for list items) in the Cluster spec; ``value=DELETE`` removes."""

    def mutate(spec: dict[str, Any]) -> None:
        node: Any = spec
        parts: list[Any] = []
        for piece in path.split("."):
            if "[" in piece:
                head, idx = piece[:-1].split("[")
                parts += [head, int(idx)]
            else:
                parts.append(piece)
        for part in parts[:-1]:
            if isinstance(part, str) and isinstance(node, dict) and part not in node:
                node[part] = {}
            node = node[part]
        if value is DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value

    return mutate


DELETE = object()


def chain(*mutators):
    def mutate(spec: dict[str, Any]) -> None:
        for m in mutators:
            m(spec)

    return mutate


W0 = "workerNodeGroupConfigurations[0]"

FAILING = [
    # (id, datacenter kind, mutation, message, field)
    ("endpoint", VS, setp("controlPlaneConfiguration.endpoint", DELETE),
     "cluster controlPlaneConfiguration.Endpoint.Host is not set or is empty",
     "spec.controlPlaneConfiguration.endpoint.host"),
    ("tb-external-etcd", TB, setp("externalEtcdConfiguration", {"count": 3, "machineGroupRef": {"kind": "X", "name": "e"}}),
     "tinkerbell external etcd configuration is unsupported", "spec.externalEtcdConfiguration"),
    ("cp-ref", VS, setp("controlPlaneConfiguration.machineGroupRef", DELETE),
     "must specify machineGroupRef control plane machines", "spec.controlPlaneConfiguration.machineGroupRef"),
    ("worker-ref", VS, setp(f"{W0}.machineGroupRef", DELETE), "must specify machineGroupRef for worker nodes",
     f"spec.{W0}.machineGroupRef"),
    ("etcd-ref", VS, setp("externalEtcdConfiguration", {"count": 3}), "must specify machineGroupRef for etcd machines",
     "spec.externalEtcdConfiguration.machineGroupRef"),
    ("cp-zero", VS, setp("controlPlaneConfiguration.count", 0), "control plane node count must be positive",
     "spec.controlPlaneConfiguration.count"),
    ("cp-even", VS, setp("controlPlaneConfiguration.count", 4),
     "control plane node count cannot be an even number when using stacked etcd topology",
     "spec.controlPlaneConfiguration.count"),
    ("no-workers", VS, setp("workerNodeGroupConfigurations", []),
     "WorkerNodeGroupConfigs cannot be empty for VSphereDatacenterConfig", "spec.workerNodeGroupConfigurations"),
    ("worker-name", VS, chain(setp("workerNodeGroupConfigurations", [
        {"name": "md-0", "count": 1, "machineGroupRef": {"kind": "M", "name": "m"}},
        {"count": 1, "machineGroupRef": {"kind": "M", "name": "m"}}])),
     "must specify name for worker nodes", "spec.workerNodeGroupConfigurations[1].name"),
    ("worker-unique", VS, setp("workerNodeGroupConfigurations", [
        {"name": "md-0", "count": 1, "machineGroupRef": {"kind": "M", "name": "m"}},
        {"name": "md-0", "count": 1, "machineGroupRef": {"kind": "M", "name": "m"}}]),
     "worker node group names must be unique", "spec.workerNodeGroupConfigurations[1].name"),
    ("worker-labels", VS, setp(f"{W0}.labels", {"bad key!": "v"}), "labels for worker node group md-0 not valid",
     f"spec.{W0}.labels"),
    ("worker-label-value", VS, setp(f"{W0}.labels", {"ok": "-bad-"}), "labels for worker node group md-0 not valid",
     f"spec.{W0}.labels"),
    ("all-tainted", VS, setp(f"{W0}.taints", [{"key": "k", "value": "v", "effect": "NoSchedule"}]),
     "at least one WorkerNodeGroupConfiguration must not have NoExecute and/or NoSchedule taints",
     "spec.workerNodeGroupConfigurations"),
    ("cp-taint-no-workers", TB, chain(setp("workerNodeGroupConfigurations", DELETE),
                                      setp("controlPlaneConfiguration.taints", [{"key": "k", "effect": "NoSchedule"}])),
     "cannot taint control plane when there is no worker node", "spec.controlPlaneConfiguration.taints"),
    ("no-workers-121", TB, chain(setp("workerNodeGroupConfigurations", DELETE), setp("kubernetesVersion", "1.21")),
     "Empty workerNodeGroupConfigs is not supported for kube version <= 1.21", "spec.workerNodeGroupConfigurations"),
    ("negative-count", VS, setp(f"{W0}.count", -1),
     "validating autoscaling configuration: worker node count must be zero or greater if autoscaling is not enabled",
     f"spec.{W0}.count"),
    ("as-min-negative", VS, setp(f"{W0}.autoscalingConfiguration", {"minCount": -1, "maxCount": 3}),
     "validating autoscaling configuration: min count must be non negative",
     f"spec.{W0}.autoscalingConfiguration.minCount"),
    ("as-min-gt-max", VS, setp(f"{W0}.autoscalingConfiguration", {"minCount": 4, "maxCount": 3}),
     "validating autoscaling configuration: min count must be no greater than max count",
     f"spec.{W0}.autoscalingConfiguration.minCount"),
    ("as-min-gt-count", VS, setp(f"{W0}.autoscalingConfiguration", {"minCount": 3, "maxCount": 5}),
     "validating autoscaling configuration: min count must be less than or equal to count",
     f"spec.{W0}.autoscalingConfiguration.minCount"),
    ("as-max-lt-count", VS, setp(f"{W0}.autoscalingConfiguration", {"minCount": 1, "maxCount": 1}),
     "validating autoscaling configuration: max count must be greater than or equal to count",
     f"spec.{W0}.autoscalingConfiguration.maxCount"),
    ("kindnetd-non-docker", VS, setp("clusterNetwork.cniConfig", {"kindnetd": {}}),
     "kindnetd is only supported on Docker provider for development and testing. For all other providers please "
     "use Cilium CNI", "spec.clusterNetwork.cniConfig.kindnetd"),
    ("legacy-kindnetd-non-docker", VS, chain(setp("clusterNetwork.cniConfig", DELETE), setp("clusterNetwork.cni", "kindnetd")),
     "kindnetd is only supported on Docker provider", "spec.clusterNetwork.cniConfig.kindnetd"),
    ("no-pods", VS, setp("clusterNetwork.pods", DELETE), "pods CIDR block not specified or empty",
     "spec.clusterNetwork.pods.cidrBlocks"),
    ("no-services", VS, setp("clusterNetwork.services.cidrBlocks", []), "services CIDR block not specified or empty",
     "spec.clusterNetwork.services.cidrBlocks"),
    ("multi-pods", VS, setp("clusterNetwork.pods.cidrBlocks", ["192.168.0.0/16", "10.0.0.0/16"]),
     "multiple CIDR blocks for Pods are not yet supported", "spec.clusterNetwork.pods.cidrBlocks"),
    ("multi-services", VS, setp("clusterNetwork.services.cidrBlocks", ["10.96.0.0/12", "10.0.0.0/16"]),
     "multiple CIDR blocks for Services are not yet supported", "spec.clusterNetwork.services.cidrBlocks"),
    ("bad-pods", VS, setp("clusterNetwork.pods.cidrBlocks", ["192.168.0.0"]),
     "invalid CIDR block format for Pods: {[192.168.0.0]}. Please specify a valid CIDR block for pod subnet",
     "spec.clusterNetwork.pods.cidrBlocks[0]"),
    ("bad-services", VS, setp("clusterNetwork.services.cidrBlocks", ["10.96.0.0/40"]),
     "invalid CIDR block for Services: {[10.96.0.0/40]}", "spec.clusterNetwork.services.cidrBlocks[0]"),
    ("snow-endpoint-in-pods", SN, setp("controlPlaneConfiguration.endpoint.host", "192.168.1.1"),
     "control plane endpoint 192.168.1.1 conflicts with pods CIDR block 192.168.0.0/16",
     "spec.controlPlaneConfiguration.endpoint.host"),
    ("snow-endpoint-in-services", SN, setp("controlPlaneConfiguration.endpoint.host", "10.96.0.5"),
     "control plane endpoint 10.96.0.5 conflicts with services CIDR block 10.96.0.0/12",
     "spec.controlPlaneConfiguration.endpoint.host"),
    ("node-mask-small", VS, setp("clusterNetwork.nodes", {"cidrMaskSize": 16}),
     "the size of pod subnet with mask 16 is smaller than or equal to the size of node subnet with mask 16",
     "spec.clusterNetwork.nodes.cidrMaskSize"),
    ("node-mask-diff", VS, setp("clusterNetwork.pods.cidrBlocks", ["10.0.0.0/7"]),
     "pod subnet mask (7) and node-mask (24) difference is greater than 16", "spec.clusterNetwork.nodes.cidrMaskSize"),
    ("cni-both", VS, setp("clusterNetwork.cni", "cilium"),
     "invalid format for cni plugin: both old and new formats used, use only the CNIConfig field",
     "spec.clusterNetwork.cni"),
    ("cni-none", VS, setp("clusterNetwork.cniConfig", DELETE), "validating cniConfig: no cni plugin specified",
     "spec.clusterNetwork.cniConfig"),
    ("cni-unknown-legacy", VS, chain(setp("clusterNetwork.cniConfig", DELETE), setp("clusterNetwork.cni", "calico")),
     "validating cniConfig: no cni plugin specified", "spec.clusterNetwork.cniConfig"),
    ("cni-two", DK, setp("clusterNetwork.cniConfig", {"cilium": {}, "kindnetd": {}}),
     "validating cniConfig: cannot specify more than one cni plugins", "spec.clusterNetwork.cniConfig"),
    ("cilium-policy", VS, setp("clusterNetwork.cniConfig.cilium", {"policyEnforcementMode": "sometimes"}),
     'validating cniConfig: cilium policyEnforcementMode "sometimes" not supported', "spec.clusterNetwork.cniConfig"),
    ("cilium-direct", VS, setp("clusterNetwork.cniConfig.cilium", {"routingMode": "direct"}),
     "direct routing mode requires IPv4NativeRoutingCIDR to be set", "spec.clusterNetwork.cniConfig"),
    ("cilium-skip-upgrade", VS, setp("clusterNetwork.cniConfig.cilium", {"skipUpgrade": True, "routingMode": "overlay"}),
     "when using skipUpgrade, other cilium fields must not be set", "spec.clusterNetwork.cniConfig"),
    ("gitops-kind", VS, setp("gitOpsRef", {"kind": "ArgoConfig", "name": "x"}),
     "only GitOpsConfig or FluxConfig Kind are supported at this time", "spec.gitOpsRef.kind"),
    ("gitops-name", VS, setp("gitOpsRef", {"kind": "FluxConfig"}),
     "GitOpsRef name can't be empty; specify a valid GitOpsConfig name", "spec.gitOpsRef.name"),
    ("etcd-zero", VS, setp("externalEtcdConfiguration", {"machineGroupRef": {"kind": "M", "name": "e"}}),
     "no value set for etcd replicas", "spec.externalEtcdConfiguration.count"),
    ("etcd-negative", VS, setp("externalEtcdConfiguration", {"count": -3, "machineGroupRef": {"kind": "M", "name": "e"}}),
     "etcd replicas cannot be a negative number", "spec.externalEtcdConfiguration.count"),
    ("etcd-even", VS, setp("externalEtcdConfiguration", {"count": 2, "machineGroupRef": {"kind": "M", "name": "e"}}),
     "external etcd count cannot be an even number", "spec.externalEtcdConfiguration.count"),
    ("idp-null", VS, setp("identityProviderRefs", [None]), "kind:  for identityProviderRef is not supported",
     "spec.identityProviderRefs[0]"),
    ("idp-kind", VS, setp("identityProviderRefs", [{"kind": "LDAPConfig", "name": "x"}]),
     "kind: LDAPConfig for identityProviderRef is not supported", "spec.identityProviderRefs[0].kind"),
    ("idp-name", VS, setp("identityProviderRefs", [{"kind": "OIDCConfig"}]),
     "specify a valid name for identityProviderRef", "spec.identityProviderRefs[0].name"),
    ("proxy-http-missing", VS, setp("proxyConfiguration", {"httpsProxy": "1.2.3.4:3128"}),
     "no value set for httpProxy", "spec.proxyConfiguration.httpProxy"),
    ("proxy-https-missing", VS, setp("proxyConfiguration", {"httpProxy": "1.2.3.4:3128"}),
     "no value set for httpsProxy", "spec.proxyConfiguration.httpsProxy"),
    ("proxy-numeric-host", VS, setp("proxyConfiguration", {"httpProxy": "0.0.0.1234:1", "httpsProxy": "1.2.3.4:1"}),
     "proxy endpoint 0.0.0.1234 is invalid", "spec.proxyConfiguration.httpProxy"),
    ("proxy-no-port", VS, setp("proxyConfiguration", {"httpProxy": "http://proxy.local", "httpsProxy": "1.2.3.4:1"}),
     "proxy endpoint proxy.local is invalid (address proxy.local: missing port in address)",
     "spec.proxyConfiguration.httpProxy"),
    ("proxy-bad-port", VS, setp("proxyConfiguration", {"httpProxy": "1.2.3.4:99999", "httpsProxy": "1.2.3.4:1"}),
     "proxy port 99999 is invalid, please provide a valid proxy port", "spec.proxyConfiguration.httpProxy"),
    ("proxy-bad-uri", VS, setp("proxyConfiguration", {"httpProxy": "http://a b:1", "httpsProxy": "1.2.3.4:1"}),
     "proxy http://a b:1 is invalid, please provide a valid URI", "spec.proxyConfiguration.httpProxy"),
    ("mirror-endpoint", VS, setp("registryMirrorConfiguration", {"port": "443"}),
     "no value set for RegistryMirrorConfiguration.Endpoint", "spec.registryMirrorConfiguration.endpoint"),
    ("mirror-port", VS, setp("registryMirrorConfiguration", {"endpoint": "1.2.3.4", "port": "0"}),
     "registry mirror port 0 is invalid, please provide a valid port", "spec.registryMirrorConfiguration.port"),
    ("mirror-oci-empty", VS, setp("registryMirrorConfiguration", {"endpoint": "1.2.3.4", "ociNamespaces": [
        {"registry": "", "namespace": "x"}]}),
     "registry can't be set to empty in OCINamespaces", "spec.registryMirrorConfiguration.ociNamespaces[0].registry"),
    ("mirror-two-curated", VS, setp("registryMirrorConfiguration", {"endpoint": "1.2.3.4", "ociNamespaces": [
        {"registry": "783794618700.dkr.ecr.us-west-2.amazonaws.com", "namespace": "a"},
        {"registry": "783794618700.dkr.ecr.us-east-1.amazonaws.com", "namespace": "b"}]}),
     "only one registry mirror for curated packages is suppported",
     "spec.registryMirrorConfiguration.ociNamespaces[1].registry"),
    ("pod-iam", VS, setp("podIamConfig", {}), "ServiceAccount Issuer can't be empty while configuring IAM roles for pods",
     "spec.podIamConfig.serviceAccountIssuer"),
    ("cp-rollout-type", VS, setp("controlPlaneConfiguration.upgradeRolloutStrategy", {"type": "Recreate"}),
     "ControlPlaneConfiguration: only 'RollingUpdate' and 'InPlace' are supported for upgrade rollout strategy type",
     "spec.controlPlaneConfiguration.upgradeRolloutStrategy.type"),
    ("cp-inplace-vsphere", VS, setp("controlPlaneConfiguration.upgradeRolloutStrategy", {"type": "InPlace"}),
     "ControlPlaneConfiguration: 'InPlace' upgrade rollout strategy type is only supported on Bare Metal",
     "spec.controlPlaneConfiguration.upgradeRolloutStrategy.type"),
    ("cp-inplace-rolling", TB, setp("controlPlaneConfiguration.upgradeRolloutStrategy",
                                    {"type": "InPlace", "rollingUpdate": {"maxSurge": 1}}),
     "ControlPlaneConfiguration: UpgradeRolloutStrategy.RollingUpdate field should be empty when Type is InPlace",
     "spec.controlPlaneConfiguration.upgradeRolloutStrategy.rollingUpdate"),
    ("cp-inplace-external-etcd", TB, chain(
        setp("controlPlaneConfiguration.upgradeRolloutStrategy", {"type": "InPlace"}),
        setp("externalEtcdConfiguration", {"count": 3, "machineGroupRef": {"kind": "M", "name": "e"}})),
     "'InPlace' upgrade rollout strategy type is only supported with stacked etcd",
     "spec.controlPlaneConfiguration.upgradeRolloutStrategy.type"),
    ("cp-surge-negative", VS, setp("controlPlaneConfiguration.upgradeRolloutStrategy",
                                   {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": -1}}),
     "ControlPlaneConfiguration: maxSurge for control plane cannot be a negative value",
     "spec.controlPlaneConfiguration.upgradeRolloutStrategy.rollingUpdate.maxSurge"),
    ("cp-surge-2", VS, setp("controlPlaneConfiguration.upgradeRolloutStrategy",
                            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2}}),
     "ControlPlaneConfiguration: maxSurge for control plane must be 0 or 1",
     "spec.controlPlaneConfiguration.upgradeRolloutStrategy.rollingUpdate.maxSurge"),
    ("md-rollout-type", VS, setp(f"{W0}.upgradeRolloutStrategy", {"type": "Blue"}),
     "WorkerNodeGroupConfiguration: only 'RollingUpdate' and 'InPlace' are supported", f"spec.{W0}.upgradeRolloutStrategy.type"),
    ("md-rolling-missing", VS, setp(f"{W0}.upgradeRolloutStrategy", {"type": "RollingUpdate"}),
     "WorkerNodeGroupConfiguration: UpgradeRolloutStrategy.RollingUpdate field is required",
     f"spec.{W0}.upgradeRolloutStrategy.rollingUpdate"),
    ("md-rolling-negative", VS, setp(f"{W0}.upgradeRolloutStrategy",
                                     {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": -1, "maxUnavailable": 1}}),
     "WorkerNodeGroupConfiguration: maxSurge and maxUnavailable values cannot be negative",
     f"spec.{W0}.upgradeRolloutStrategy.rollingUpdate"),
    ("md-rolling-zero", VS, setp(f"{W0}.upgradeRolloutStrategy",
                                 {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     "maxSurge and maxUnavailable cannot both be 0", f"spec.{W0}.upgradeRolloutStrategy.rollingUpdate"),
    ("md-inplace-vsphere", VS, setp(f"{W0}.upgradeRolloutStrategy", {"type": "InPlace"}),
     "WorkerNodeGroupConfiguration: 'InPlace' upgrade rollout strategy type is only supported on Bare Metal",
     f"spec.{W0}.upgradeRolloutStrategy.type"),
    ("packages-controller", VS, chain(setp("managementCluster.name", "mgmt"),
                                      setp("packages", {"controller": {"tag": "v1"}})),
     "packages: controller should not be specified for a workload cluster", "spec.packages.controller"),
    ("packages-cronjob", VS, chain(setp("managementCluster.name", "mgmt"), setp("packages", {"cronjob": {"tag": "v1"}})),
     "packages: cronjob should not be specified for a workload cluster", "spec.packages.cronjob"),
    ("bundles-and-version", VS, chain(setp("eksaVersion", "v0.19.0"), setp("bundlesRef", {"name": "b", "namespace": "n"})),
     "cannot pass both bundlesRef and eksaVersion. New clusters should use eksaVersion instead of bundlesRef",
     "spec.eksaVersion"),
    ("eksa-semver", VS, setp("eksaVersion", "0.19"), "eksaVersion is not a valid semver", "spec.eksaVersion"),
    ("cert-sans", VS, setp("controlPlaneConfiguration.certSANs", ["ok.example.com", "bad_name!", "10.0.0.1", "-x"]),
     "invalid ControlPlaneConfiguration.CertSANs; must be an IP or domain name: [bad_name! -x]",
     "spec.controlPlaneConfiguration.certSans"),
    ("api-extra-args", VS, setp("controlPlaneConfiguration.apiServerExtraArgs", {"audit-log-maxage": "30"}),
     "configuring APIServerExtraArgs is not supported. Set env var API_SERVER_EXTRA_ARGS_ENABLED to enable",
     "spec.controlPlaneConfiguration.apiServerExtraArgs"),
    ("kubelet-provider-id", VS, setp("controlPlaneConfiguration.kubeletConfiguration", {"providerID": "x"}),
     "can not override providerID or cloudProvider (set by EKS Anywhere)",
     "spec.controlPlaneConfiguration.kubeletConfiguration"),
    ("worker-kubelet-provider-id", VS, setp(f"{W0}.kubeletConfiguration", {"providerID": "x", "maxPods": 20}),
     "can not override providerID or cloudProvider (set by EKS Anywhere)", f"spec.{W0}.kubeletConfiguration"),
    ("audit-policy", VS, setp("controlPlaneConfiguration.auditPolicyContent", "rules: [\n  - level: Metadata\n"),
     "invalid auditPolicyContent: not valid YAML", "spec.controlPlaneConfiguration.auditPolicyContent"),
    ("cp-labels", VS, setp("controlPlaneConfiguration.labels", {"a/b/c": "x"}), "labels for control plane not valid",
     "spec.controlPlaneConfiguration.labels"),
    ("name-regex", VS, None, "failed to validate cluster config name: 1bad is not a valid cluster name, cluster "
     "names must start with lowercase/uppercase letters and can include numbers and dashes. For instance "
     "'testCluster-123' is a valid name but '123testCluster' is not. ", "metadata.name"),
    ("mhc-duration", VS, setp("machineHealthCheck", {"nodeStartupTimeout": "ten minutes"}),
     "machineHealthCheck: nodeStartupTimeout ten minutes is not a valid duration",
     "spec.machineHealthCheck.nodeStartupTimeout"),
    ("mhc-year", VS, setp("machineHealthCheck", {"unhealthyMachineTimeout": "8761h"}),
     "machineHealthCheck: unhealthyMachineTimeout 8761h must not be greater than 1 year",
     "spec.machineHealthCheck.unhealthyMachineTimeout"),
    ("mhc-max-unhealthy", VS, setp("machineHealthCheck", {"maxUnhealthy": "120%"}),
     "machineHealthCheck: maxUnhealthy 120% must be a number of machines or a percentage",
     "spec.machineHealthCheck.maxUnhealthy"),
    ("k8s-version", VS, setp("kubernetesVersion", "1.99"), "unsupported kubernetesVersion 1.99",
     "spec.kubernetesVersion"),
    ("worker-version-greater", VS, setp(f"{W0}.kubernetesVersion", "1.31"),
     "worker node group md-0 kubernetesVersion 1.31 cannot be greater than the cluster kubernetesVersion 1.30",
     f"spec.{W0}.kubernetesVersion"),
    ("worker-version-skew", VS, setp(f"{W0}.kubernetesVersion", "1.27"),
     "cluster level minor version must be within 2 versions greater than worker node group version: 1.27",
     f"spec.{W0}.kubernetesVersion"),
    ("etcd-encryption-provider", TB, setp("etcdEncryption", [{"providers": [{"kms": {
        "name": "k", "socketListenAddress": "unix:///var/run/kmsplugin/socket.sock"}}], "resources": ["secrets"]}]),
     "etcdEncryption is not supported for the provider of TinkerbellDatacenterConfig", "spec.etcdEncryption"),
    ("etcd-encryption-kms", VS, setp("etcdEncryption", [{"providers": [{"kms": {"name": "k"}}],
                                                         "resources": ["secrets"]}]),
     "etcdEncryption: kms socketListenAddress is required", "spec.etcdEncryption[0].providers[0].kms.socketListenAddress"),
]


@pytest.mark.parametrize(("dc_kind", "mutate", "message", "field"), [c[1:] for c in FAILING],
                         ids=[c[0] for c in FAILING])
def test_rule_fails_with_eksa_message_and_field(dc_kind, mutate, message, field) -> None:
    if mutate is None:  # the cluster name rule: rename instead of mutating the spec
        found = _renamed("1bad")
    else:
        found = cluster_problems(mutate, dc_kind=dc_kind)
    matching = [e for e in found if message in e.message and not e.warning]
    assert matching, f"expected {message!r}, got {errors_of(found)}"
    assert matching[0].field == field
    assert matching[0].kind == "Cluster"
    assert matching[0].file == "c.yaml" and matching[0].document == 0 and matching[0].line is not None


def _renamed(name: str):
    from eksa_core.spec import parse_cluster_config
    from eksa_core.validation import validate_cluster

    from .specs import cluster_doc, to_yaml

    doc = cluster_doc(name)
    config = parse_cluster_config(to_yaml([doc]), file="c.yaml")
    return [config.locate(e, config.cluster) for e in validate_cluster(config.cluster, env={})]


def test_name_length_rule() -> None:
    found = _renamed("a" * 36)
    assert errors_of(found) == [f"failed to validate cluster config name: number of characters in {'a' * 36} should "
                                "be less than 36"]
    assert errors_of(_renamed("a" * 35)) == []


PASSING = [
    ("docker-no-endpoint-no-refs", DK, chain(setp("controlPlaneConfiguration.endpoint", DELETE),
                                             setp("controlPlaneConfiguration.machineGroupRef", DELETE),
                                             setp("controlPlaneConfiguration.count", 1),
                                             setp("clusterNetwork.cniConfig", {"kindnetd": {}}))),
    ("external-etcd-even-cp", VS, chain(setp("controlPlaneConfiguration.count", 2),
                                        setp("externalEtcdConfiguration", {"count": 3, "machineGroupRef": {"kind": "M", "name": "e"}}))),
    ("workload-all-tainted", VS, chain(setp("managementCluster.name", "mgmt"),
                                       setp(f"{W0}.taints", [{"key": "k", "effect": "NoExecute"}]))),
    ("prefer-no-schedule", VS, setp(f"{W0}.taints", [{"key": "k", "effect": "PreferNoSchedule"}])),
    ("autoscaling-ok", VS, setp(f"{W0}.autoscalingConfiguration", {"minCount": 1, "maxCount": 5})),
    ("zero-workers", VS, setp(f"{W0}.count", 0)),
    ("valid-labels", VS, setp(f"{W0}.labels", {"example.com/role": "db", "tier": ""})),
    ("proxy-ok", VS, setp("proxyConfiguration", {"httpProxy": "http://proxy.corp.example:3128",
                                                 "httpsProxy": "[fd00::1]:3128", "noProxy": ["localhost"]})),
    ("mirror-ok", VS, setp("registryMirrorConfiguration", {"endpoint": "harbor.local", "ociNamespaces": [
        {"registry": "public.ecr.aws", "namespace": "eks-anywhere"},
        {"registry": "783794618700.dkr.ecr.us-west-2.amazonaws.com", "namespace": "curated"}]})),
    ("cilium-direct-ok", VS, setp("clusterNetwork.cniConfig.cilium", {"routingMode": "direct",
                                                                    "ipv4NativeRoutingCIDR": "10.0.0.0/8"})),
    ("cilium-modes", VS, setp("clusterNetwork.cniConfig.cilium", {"policyEnforcementMode": "always"})),
    ("node-mask", VS, setp("clusterNetwork.nodes", {"cidrMaskSize": 20})),
    ("tb-inplace", TB, chain(setp("controlPlaneConfiguration.upgradeRolloutStrategy", {"type": "InPlace"}),
                             setp(f"{W0}.upgradeRolloutStrategy", {"type": "InPlace"}))),
    ("rolling-ok", VS, chain(setp("controlPlaneConfiguration.upgradeRolloutStrategy",
                                  {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}),
                             setp(f"{W0}.upgradeRolloutStrategy",
                                  {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))),
    ("packages-self-managed", VS, setp("packages", {"controller": {"tag": "v1"}, "cronjob": {"tag": "v1"}})),
    ("eksa-version", VS, setp("eksaVersion", "v0.19.0-dev+build.1")),
    ("cert-sans-ok", VS, setp("controlPlaneConfiguration.certSANs", ["api.example.com", "10.1.2.3", "fd00::1"])),
    ("pod-iam-ok", VS, setp("podIamConfig", {"serviceAccountIssuer": "https://oidc.example.com"})),
    ("audit-ok", VS, setp("controlPlaneConfiguration.auditPolicyContent",
                          "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n")),
    ("kubelet-ok", VS, setp("controlPlaneConfiguration.kubeletConfiguration", {"maxPods": 50})),
    ("mhc-ok", VS, setp("machineHealthCheck", {"nodeStartupTimeout": "1h30m", "unhealthyMachineTimeout": "5m0s",
                                               "maxUnhealthy": 2})),
    ("worker-version-ok", VS, setp(f"{W0}.kubernetesVersion", "1.28")),
    ("etcd-encryption-ok", VS, setp("etcdEncryption", [{"providers": [{"kms": {
        "name": "k", "socketListenAddress": "unix:///var/run/kmsplugin/socket.sock"}}], "resources": ["secrets"]}])),
    ("legacy-cilium", VS, chain(setp("clusterNetwork.cniConfig", DELETE), setp("clusterNetwork.cni", "cilium"))),
]


@pytest.mark.parametrize(("dc_kind", "mutate"), [c[1:] for c in PASSING], ids=[c[0] for c in PASSING])
def test_valid_variants_have_no_errors(dc_kind, mutate) -> None:
    assert errors_of(cluster_problems(mutate, dc_kind=dc_kind)) == []


def test_api_server_extra_args_enabled_by_env_but_oidc_flags_forbidden_with_oidc() -> None:
    mutate = setp("controlPlaneConfiguration.apiServerExtraArgs", {"audit-log-maxage": "30"})
    assert errors_of(cluster_problems(mutate, dc_kind=VS, env={"API_SERVER_EXTRA_ARGS_ENABLED": "true"})) == []
    with_oidc = chain(setp("controlPlaneConfiguration.apiServerExtraArgs", {"oidc-issuer-url": "https://x"}),
                      setp("identityProviderRefs", [{"kind": "OIDCConfig", "name": "o"}]))
    found = errors_of(cluster_problems(with_oidc, dc_kind=VS, env={"API_SERVER_EXTRA_ARGS_ENABLED": "true"}))
    assert found == ["the following flags cannot be set in apiServerExtraArgs when an OIDCConfig is specified in "
                     "identityProviderRefs: oidc-issuer-url"]


def test_warnings_do_not_count_as_errors() -> None:
    found = cluster_problems(setp("controlPlaneConfiguration.count", 1), dc_kind=VS)
    assert errors_of(found) == []
    assert warnings_of(found) == ["Warning: The recommended number of control plane nodes is 3 or 5"]
    etcd = setp("externalEtcdConfiguration", {"count": 1, "machineGroupRef": {"kind": "M", "name": "e"}})
    assert warnings_of(cluster_problems(etcd, dc_kind=VS)) == [
        "Warning: The recommended number of external etcd nodes is 3 or 5"]
    assert warnings_of(cluster_problems(setp("controlPlaneConfiguration.count", 1), dc_kind=DK)) == []


def test_tinkerbell_allows_no_workers_with_a_warning() -> None:
    found = cluster_problems(setp("workerNodeGroupConfigurations", DELETE), dc_kind=TB)
    assert errors_of(found) == []
    assert warnings_of(found) == ["Warning: No configurations provided for worker node groups, pods will be scheduled "
                                  "on control-plane nodes"]


def test_every_problem_is_reported_in_one_pass() -> None:
    mutate = chain(setp("controlPlaneConfiguration.count", 4), setp("clusterNetwork.pods", DELETE),
                   setp("proxyConfiguration", {}), setp("podIamConfig", {}), setp("eksaVersion", "x"))
    found = errors_of(cluster_problems(mutate, dc_kind=VS))
    assert found == [
        "control plane node count cannot be an even number when using stacked etcd topology",
        "pods CIDR block not specified or empty",
        "no value set for httpProxy",
        "no value set for httpsProxy",
        "ServiceAccount Issuer can't be empty while configuring IAM roles for pods",
        "eksaVersion is not a valid semver",
    ]
