"""Static validation of a cluster spec: EKS Anywhere's rules for the core kinds, references between documents,
then the selected provider's rules. Nothing here contacts a network or an API.

:func:`validate` returns every problem of a spec in one pass (errors and ``warning=True`` warnings), each located
in the file (document, kind/name, field, line). The rules follow EKS Anywhere's order and wording
(``pkg/api/v1alpha1/cluster.go``); where EKS Anywhere stops at the first failure, eksa goes on and reports the
rest too. :func:`validate_update` checks what an upgrade may not change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from . import netutil
from .contract import ProviderInfo, ProviderTraits
from .errors import ErrorCode, SpecError
from .models.base import EksaObject, Ref
from .models.cluster import (
    CILIUM_POLICY_MODES,
    CILIUM_ROUTING_MODES,
    Cluster,
    MachineHealthCheck,
    Taint,
    WorkerNodeGroupConfiguration,
)
from .models.gitops import AWSIamConfig, FluxConfig, GitOpsConfig, OIDCConfig

if TYPE_CHECKING:
    from .plugins import Plugins
    from .spec import ClusterConfig

__all__ = [
    "API_SERVER_EXTRA_ARGS_ENV",
    "SKIP_EKSA_VERSION_SKEW_ANNOTATION",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "validate",
    "validate_awsiam_config",
    "validate_cluster",
    "validate_fluxconfig",
    "validate_gitopsconfig",
    "validate_oidc_config",
    "validate_references",
    "validate_update",
]

API_SERVER_EXTRA_ARGS_ENV = "API_SERVER_EXTRA_ARGS_ENABLED"
SKIP_EKSA_VERSION_SKEW_ANNOTATION = "anywhere.eks.amazonaws.com/skip-eksa-version-skew-check"

SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = tuple(f"1.{minor}" for minor in range(18, 37))
"""The ``kubernetesVersion`` values of the ``Cluster`` kind."""

_CLUSTER_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]+$")
_CURATED_PACKAGES_REGISTRY = re.compile(r"783794618700\.dkr\.ecr\..*\.amazonaws\.com")
_REPOSITORY_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_CILIUM_POLICY_MODES = CILIUM_POLICY_MODES
_CILIUM_ROUTING_MODES = CILIUM_ROUTING_MODES
_SSH_KEY_ALGORITHMS = ("rsa", "ecdsa", "ed25519")
_TAINT_EFFECTS_BLOCKING = ("NoSchedule", "NoExecute")
_AWSIAM_MOUNTED_FILE = "MountedFile"
_AWSIAM_EKS_CONFIGMAP = "EKSConfigMap"

_Check = Callable[["_Rules"], None]


# ---------------------------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------------------------


def validate(
    config: ClusterConfig,
    *,
    plugins: Plugins | None = None,
    env: Mapping[str, str] | None = None,
) -> list[SpecError]:
    """Every problem of a (defaulted) spec: errors, and warnings marked ``warning=True``.

    Runs, in order: the Cluster rules (:func:`validate_cluster`), references between documents
    (:func:`validate_references`), the identity and GitOps kinds' own rules, then the ``eksa_validate_config``
    hook of the provider the Cluster's ``datacenterRef.kind`` selects (and of non-provider plugins). Every error
    is located with :meth:`ClusterConfig.locate`.
    """
    if plugins is None:
        from .plugins import default_plugins

        plugins = default_plugins()
    if not config.has_cluster():
        return [SpecError("yamlop content is invalid or does not contain kind Cluster", code=ErrorCode.MISSING_KIND,
                          kind="Cluster", file=config.file)]
    cluster = config.cluster
    found: list[SpecError] = []
    found += [config.locate(e, cluster) for e in validate_cluster(cluster, env=env, plugins=plugins)]
    found += validate_references(config, plugins=plugins)
    for obj in config.objects:
        if isinstance(obj, OIDCConfig):
            found += [config.locate(e, obj) for e in validate_oidc_config(obj)]
        elif isinstance(obj, AWSIamConfig):
            found += [config.locate(e, obj) for e in validate_awsiam_config(obj)]
        elif isinstance(obj, FluxConfig):
            found += [config.locate(e, obj) for e in validate_fluxconfig(obj)]
        elif isinstance(obj, GitOpsConfig):
            found += [config.locate(e, obj) for e in validate_gitopsconfig(obj)]
    kind = cluster.datacenter_kind()
    for err in plugins.hooks_for_kind(kind).validate_config(config):
        found.append(_locate_hook_error(config, err))
    return found


def _locate_hook_error(config: ClusterConfig, err: Any) -> SpecError:
    if not isinstance(err, SpecError):
        err = SpecError(str(err))
    return config.locate(err) if err.kind else config.locate(err, config.datacenter())


# ---------------------------------------------------------------------------------------------------------------
# Cluster rules
# ---------------------------------------------------------------------------------------------------------------


class _Rules:
    """Collects the problems of one Cluster."""

    def __init__(self, cluster: Cluster, env: Mapping[str, str], plugins: Plugins) -> None:
        self.cluster = cluster
        self.spec = cluster.spec
        self.env = env
        self.kind = cluster.datacenter_kind()
        self.errors: list[SpecError] = []
        self.providers = [info for info, _ in plugins.providers.values()]
        self.provider: ProviderInfo | None = next(
            (info for info in self.providers if info.datacenter_kind == self.kind), None)
        #: what the rules need to know about the provider (registration data; defaults when none is installed)
        self.traits = self.provider.traits if self.provider is not None else ProviderTraits()

    def providers_where(self, trait: Callable[[ProviderTraits], bool]) -> str:
        """The display names of the installed providers with ``trait``, for messages ("vSphere and Nutanix")."""
        names = [info.label for info in self.providers if trait(info.traits)]
        if not names:
            return "no installed provider"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def error(self, message: str, field: str | None = None, *, warning: bool = False) -> None:
        self.errors.append(SpecError(message, kind=self.cluster.kind, name=self.cluster.name, field=field,
                                     warning=warning))

    def warn(self, message: str, field: str | None = None) -> None:
        self.error(message, field, warning=True)

    @property
    def stacked_etcd(self) -> bool:
        return self.spec.external_etcd_configuration is None


def validate_cluster(cluster: Cluster, *, env: Mapping[str, str] | None = None,
                     plugins: Plugins | None = None) -> list[SpecError]:
    """EKS Anywhere's content rules of a ``Cluster`` (``ValidateClusterConfigContent``), in its order, without
    looking at other documents. Problems carry ``kind``, ``name`` and ``field``; warnings ``warning=True``.

    :param env: the environment feature flags are read from (``API_SERVER_EXTRA_ARGS_ENABLED``); default
        ``os.environ``.
    :param plugins: the installed plugins: the rules that depend on the provider read its registration
        (:class:`~eksa_core.contract.ProviderTraits`); default: every installed plugin.
    """
    if plugins is None:
        from .plugins import default_plugins

        plugins = default_plugins()
    rules = _Rules(cluster, os.environ if env is None else env, plugins)
    for check in _CLUSTER_CHECKS:
        check(rules)
    return rules.errors


def _check_name(r: _Rules) -> None:
    name = r.cluster.name
    if not _CLUSTER_NAME.match(name):
        r.error(f"failed to validate cluster config name: {name} is not a valid cluster name, cluster names must "
                "start with lowercase/uppercase letters and can include numbers and dashes. For instance "
                "'testCluster-123' is a valid name but '123testCluster' is not. ", "metadata.name")
    if len(name) > 35:
        r.error(f"failed to validate cluster config name: number of characters in {name} should be less than 36",
                "metadata.name")


def _check_kubernetes_version(r: _Rules) -> None:
    version = r.spec.kubernetes_version
    if not version:
        r.error("kubernetesVersion is not set or is empty", "spec.kubernetesVersion")
    elif version not in SUPPORTED_KUBERNETES_VERSIONS:
        r.error(f"unsupported kubernetesVersion {version}; supported versions are "
                f"{', '.join(SUPPORTED_KUBERNETES_VERSIONS)}", "spec.kubernetesVersion")


def _check_endpoint(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    endpoint = cp.endpoint if cp else None
    if (endpoint is None or not endpoint.host) and r.traits.requires_endpoint:
        r.error("cluster controlPlaneConfiguration.Endpoint.Host is not set or is empty",
                "spec.controlPlaneConfiguration.endpoint.host")


def _check_external_etcd_support(r: _Rules) -> None:
    if not r.traits.supports_external_etcd and r.spec.external_etcd_configuration is not None:
        name = r.provider.name if r.provider is not None else r.kind
        r.error(f"{name} external etcd configuration is unsupported", "spec.externalEtcdConfiguration")


def _check_machine_group_refs(r: _Rules) -> None:
    if not r.traits.requires_machine_configs:
        return
    cp = r.spec.control_plane_configuration
    if cp is None or cp.machine_group_ref is None:
        r.error("must specify machineGroupRef control plane machines",
                "spec.controlPlaneConfiguration.machineGroupRef")
    for i, group in enumerate(r.cluster.worker_groups()):
        if group.machine_group_ref is None:
            r.error("must specify machineGroupRef for worker nodes",
                    f"spec.workerNodeGroupConfigurations[{i}].machineGroupRef")
    etcd = r.spec.external_etcd_configuration
    if etcd is not None and etcd.machine_group_ref is None:
        r.error("must specify machineGroupRef for etcd machines", "spec.externalEtcdConfiguration.machineGroupRef")


def _check_control_plane_count(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    count = (cp.count if cp else None) or 0
    field = "spec.controlPlaneConfiguration.count"
    if count <= 0:
        r.error("control plane node count must be positive", field)
        return
    if r.stacked_etcd and count % 2 == 0:
        r.error("control plane node count cannot be an even number when using stacked etcd topology", field)
        return
    if r.traits.recommends_ha_counts and count not in (3, 5):
        r.warn("Warning: The recommended number of control plane nodes is 3 or 5", field)


def _blocking_taints(taints: Iterable[Taint] | None) -> bool:
    return any(t.effect in _TAINT_EFFECTS_BLOCKING for t in taints or [])


def _label_problems(labels: Mapping[str, str] | None) -> list[str]:
    problems: list[str] = []
    for key, value in (labels or {}).items():
        problems += netutil.label_key_errors(str(key))
        problems += netutil.label_value_errors(str(value))
    return problems


def _check_workers(r: _Rules) -> None:
    groups = r.cluster.worker_groups()
    base = "spec.workerNodeGroupConfigurations"
    if not groups:
        if r.traits.allows_no_workers:
            r.warn("Warning: No configurations provided for worker node groups, pods will be scheduled on "
                   "control-plane nodes", base)
        else:
            r.error(f"WorkerNodeGroupConfigs cannot be empty for {r.kind}", base)
    seen: set[str] = set()
    tainted = 0
    for i, group in enumerate(groups):
        path = f"{base}[{i}]"
        if not group.name:
            r.error("must specify name for worker nodes", f"{path}.name")
        _check_autoscaling(r, group, path)
        _check_worker_rollout(r, group, path)
        if group.name and group.name in seen:
            r.error("worker node group names must be unique", f"{path}.name")
        seen.add(group.name or "")
        problems = _label_problems(group.labels)
        if problems:
            r.error(f"labels for worker node group {group.name or ''} not valid: found following errors: "
                    f"{'; '.join(problems)}", f"{path}.labels")
        if _blocking_taints(group.taints):
            tainted += 1
        if group.kubernetes_version is not None and group.kubernetes_version not in SUPPORTED_KUBERNETES_VERSIONS:
            r.error(f"unsupported kubernetesVersion {group.kubernetes_version} for worker node group "
                    f"{group.name or ''}", f"{path}.kubernetesVersion")
        _check_worker_version_skew(r, group, path)
    if groups and tainted == len(groups) and r.cluster.is_self_managed():
        r.error("at least one WorkerNodeGroupConfiguration must not have NoExecute and/or NoSchedule taints", base)
    cp = r.spec.control_plane_configuration
    if not groups and cp is not None and cp.taints:
        r.error("cannot taint control plane when there is no worker node", "spec.controlPlaneConfiguration.taints")
    version = netutil.parse_kube_version(r.spec.kubernetes_version)
    if not groups and version is not None and version <= (1, 21):
        r.error("Empty workerNodeGroupConfigs is not supported for kube version <= 1.21", base)


def _check_worker_version_skew(r: _Rules, group: WorkerNodeGroupConfiguration, path: str) -> None:
    cp_version = netutil.parse_kube_version(r.spec.kubernetes_version)
    worker_version = netutil.parse_kube_version(group.kubernetes_version)
    if cp_version is None or worker_version is None:
        return
    if worker_version > cp_version:
        r.error(f"worker node group {group.name or ''} kubernetesVersion {group.kubernetes_version} cannot be "
                f"greater than the cluster kubernetesVersion {r.spec.kubernetes_version}", f"{path}.kubernetesVersion")
    elif cp_version[0] == worker_version[0] and cp_version[1] - worker_version[1] > 2:
        r.error("cluster level minor version must be within 2 versions greater than worker node group version: "
                f"{group.kubernetes_version}", f"{path}.kubernetesVersion")


def _check_autoscaling(r: _Rules, group: WorkerNodeGroupConfiguration, path: str) -> None:
    prefix = "validating autoscaling configuration: "
    autoscaling = group.autoscaling_configuration
    count = group.count if group.count is not None else 1
    if autoscaling is None:
        if count < 0:
            r.error(prefix + "worker node count must be zero or greater if autoscaling is not enabled",
                    f"{path}.count")
        return
    min_count = autoscaling.min_count or 0
    max_count = autoscaling.max_count or 0
    at = f"{path}.autoscalingConfiguration"
    if count < 0:
        r.error("worker node count must be >= 0", f"{path}.count")
    if min_count < 0:
        r.error(prefix + "min count must be non negative", f"{at}.minCount")
    elif min_count > max_count:
        r.error(prefix + "min count must be no greater than max count", f"{at}.minCount")
    elif min_count > count:
        r.error(prefix + "min count must be less than or equal to count", f"{at}.minCount")
    elif max_count < count:
        r.error(prefix + "max count must be greater than or equal to count", f"{at}.maxCount")


def _check_worker_rollout(r: _Rules, group: WorkerNodeGroupConfiguration, path: str) -> None:
    strategy = group.upgrade_rollout_strategy
    if strategy is None:
        return
    at = f"{path}.upgradeRolloutStrategy"
    if strategy.type not in ("RollingUpdate", "InPlace"):
        r.error("WorkerNodeGroupConfiguration: only 'RollingUpdate' and 'InPlace' are supported for upgrade "
                "rollout strategy type", f"{at}.type")
        return
    if strategy.type == "InPlace":
        if not r.traits.supports_in_place_upgrades:
            r.error("WorkerNodeGroupConfiguration: 'InPlace' upgrade rollout strategy type is only supported on "
                    f"{r.providers_where(lambda t: t.supports_in_place_upgrades)}", f"{at}.type")
        if strategy.rolling_update is not None:
            r.error("WorkerNodeGroupConfiguration: UpgradeRolloutStrategy.RollingUpdate field should be empty when "
                    "Type is InPlace", f"{at}.rollingUpdate")
        return
    rolling = strategy.rolling_update
    if rolling is None:
        r.error("WorkerNodeGroupConfiguration: UpgradeRolloutStrategy.RollingUpdate field is required when Type is "
                "RollingUpdate", f"{at}.rollingUpdate")
        return
    surge, unavailable = rolling.max_surge or 0, rolling.max_unavailable or 0
    if surge < 0 or unavailable < 0:
        r.error("WorkerNodeGroupConfiguration: maxSurge and maxUnavailable values cannot be negative",
                f"{at}.rollingUpdate")
    elif surge == 0 and unavailable == 0:
        r.error("WorkerNodeGroupConfiguration: maxSurge and maxUnavailable not specified or are 0. maxSurge and "
                "maxUnavailable cannot both be 0", f"{at}.rollingUpdate")


def _check_networking(r: _Rules) -> None:
    network = r.spec.cluster_network
    base = "spec.clusterNetwork"
    cni_config = network.cni_config if network else None
    uses_kindnetd = network is not None and (network.cni == "kindnetd" or
                                             (cni_config is not None and cni_config.kindnetd is not None))
    if uses_kindnetd and not r.traits.supports_kindnetd:
        r.error(f"kindnetd is only supported on {r.providers_where(lambda t: t.supports_kindnetd)} provider for "
                "development and testing. For all other providers please use Cilium CNI",
                f"{base}.cniConfig.kindnetd" if cni_config else f"{base}.cni")
    pods = list((network.pods.cidr_blocks if network and network.pods else None) or [])
    services = list((network.services.cidr_blocks if network and network.services else None) or [])
    if not pods:
        r.error("pods CIDR block not specified or empty", f"{base}.pods.cidrBlocks")
    if not services:
        r.error("services CIDR block not specified or empty", f"{base}.services.cidrBlocks")
    if len(pods) > 1:
        r.error("multiple CIDR blocks for Pods are not yet supported", f"{base}.pods.cidrBlocks")
    if len(services) > 1:
        r.error("multiple CIDR blocks for Services are not yet supported", f"{base}.services.cidrBlocks")
    pod_net = netutil.parse_cidr(pods[0]) if pods else None
    service_net = netutil.parse_cidr(services[0]) if services else None
    if pods and pod_net is None:
        r.error(f"invalid CIDR block format for Pods: {_go_blocks(pods)}. Please specify a valid CIDR block for pod "
                "subnet", f"{base}.pods.cidrBlocks[0]")
    if services and service_net is None:
        r.error(f"invalid CIDR block for Services: {_go_blocks(services)}. Please specify a valid CIDR block for "
                "service subnet", f"{base}.services.cidrBlocks[0]")
    if r.traits.endpoint_outside_cluster_networks and pod_net is not None and service_net is not None:
        cp = r.spec.control_plane_configuration
        host = (cp.endpoint.host if cp and cp.endpoint else None) or ""
        field = "spec.controlPlaneConfiguration.endpoint.host"
        if not netutil.is_ip(host):
            if host:
                r.error(f"cluster controlPlaneConfiguration.Endpoint.Host is invalid: {host}", field)
        else:
            import ipaddress

            address = ipaddress.ip_address(host)
            if address.version == pod_net.version and address in pod_net:
                r.error(f"control plane endpoint {host} conflicts with pods CIDR block {pods[0]}", field)
            if address.version == service_net.version and address in service_net:
                r.error(f"control plane endpoint {host} conflicts with services CIDR block {services[0]}", field)
    if pod_net is not None:
        node_mask = 24
        if network is not None and network.nodes is not None and network.nodes.cidr_mask_size is not None:
            node_mask = network.nodes.cidr_mask_size
        pod_mask = pod_net.prefixlen
        field = f"{base}.nodes.cidrMaskSize"
        if pod_mask >= node_mask:
            r.error(f"the size of pod subnet with mask {pod_mask} is smaller than or equal to the size of node subnet "
                    f"with mask {node_mask}", field)
        elif node_mask - pod_mask > 16:
            r.error(f"pod subnet mask ({pod_mask}) and node-mask ({node_mask}) difference is greater than 16", field)
    _check_cni(r)


def _go_blocks(blocks: list[str]) -> str:
    return "{[" + " ".join(blocks) + "]}"


def _check_cni(r: _Rules) -> None:
    network = r.spec.cluster_network
    base = "spec.clusterNetwork"
    if network is not None and network.cni:
        if network.cni_config is not None:
            r.error("invalid format for cni plugin: both old and new formats used, use only the CNIConfig field",
                    f"{base}.cni")
            return
        r.warn("Warning: CNI field is deprecated. Provide CNI information through CNIConfig", f"{base}.cni")
        if network.cni not in ("cilium", "cilium-enterprise", "kindnetd"):
            r.error(f"cni {network.cni} not supported", f"{base}.cni")
        return
    cni = network.cni_config if network else None
    if cni is None:
        r.error("cni not specified", f"{base}.cniConfig")
        return
    problems: list[str] = []
    plugins = 0
    if cni.cilium is not None:
        plugins += 1
        problems += _cilium_problems(cni.cilium)
    if cni.kindnetd is not None:
        plugins += 1
    if plugins == 0:
        problems.append("no cni plugin specified")
    elif plugins > 1:
        problems.append("cannot specify more than one cni plugins")
    if problems:
        joined = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        r.error(f"validating cniConfig: {joined}", f"{base}.cniConfig")


def _cilium_problems(cilium: Any) -> list[str]:
    problems: list[str] = []
    mode = cilium.policy_enforcement_mode
    if mode and mode not in _CILIUM_POLICY_MODES:
        problems.append(f"cilium policyEnforcementMode \"{mode}\" not supported")
    routing = cilium.routing_mode
    if routing and routing not in _CILIUM_ROUTING_MODES:
        problems.append(f"cilium routingMode \"{routing}\" not supported; valid modes are overlay and direct")
    if routing == "direct" and not cilium.ipv4_native_routing_cidr and not cilium.ipv6_native_routing_cidr:
        problems.append("direct routing mode requires IPv4NativeRoutingCIDR to be set")
    if routing != "direct" and (cilium.ipv4_native_routing_cidr or cilium.ipv6_native_routing_cidr):
        problems.append("native routing CIDRs can only be set with direct routing mode")
    for attr, label in (("ipv4_native_routing_cidr", "IPv4NativeRoutingCIDR"),
                        ("ipv6_native_routing_cidr", "IPv6NativeRoutingCIDR")):
        value = getattr(cilium, attr)
        if value and netutil.parse_cidr(value) is None:
            problems.append(f"{label} {value} is not a valid CIDR")
    if cilium.skip_upgrade:
        others = [cilium.policy_enforcement_mode, cilium.egress_masquerade_interfaces, cilium.routing_mode,
                  cilium.ipv4_native_routing_cidr, cilium.ipv6_native_routing_cidr, cilium.helm_values]
        if any(others):
            problems.append("when using skipUpgrade, other cilium fields must not be set")
    return problems


def _check_gitops_ref(r: _Rules) -> None:
    ref = r.spec.git_ops_ref
    if ref is None:
        return
    if ref.kind not in (GitOpsConfig.KIND, FluxConfig.KIND):
        r.error("only GitOpsConfig or FluxConfig Kind are supported at this time", "spec.gitOpsRef.kind")
    elif not ref.name:
        r.error("GitOpsRef name can't be empty; specify a valid GitOpsConfig name", "spec.gitOpsRef.name")


def _check_etcd_count(r: _Rules) -> None:
    etcd = r.spec.external_etcd_configuration
    if etcd is None:
        return
    count = etcd.count or 0
    field = "spec.externalEtcdConfiguration.count"
    if count == 0:
        r.error("no value set for etcd replicas", field)
    elif count < 0:
        r.error("etcd replicas cannot be a negative number", field)
    elif count % 2 == 0:
        r.error("external etcd count cannot be an even number", field)
    elif count not in (3, 5) and r.traits.recommends_ha_counts:
        r.warn("Warning: The recommended number of external etcd nodes is 3 or 5", field)


def _check_identity_refs(r: _Rules) -> None:
    for i, ref in enumerate(r.spec.identity_provider_refs or []):
        kind = (ref.kind if ref else None) or ""
        name = (ref.name if ref else None) or ""
        field = f"spec.identityProviderRefs[{i}]"
        if kind not in (OIDCConfig.KIND, AWSIamConfig.KIND):
            r.error(f"kind: {kind} for identityProviderRef is not supported", f"{field}.kind" if ref else field)
        elif not name:
            r.error("specify a valid name for identityProviderRef", f"{field}.name")


def _proxy_problem(value: str) -> str | None:
    host_port = value
    if value.startswith("http"):
        try:
            _, host_port, _ = netutil.parse_request_uri(value)
        except ValueError:
            return f"proxy {value} is invalid, please provide a valid URI"
    try:
        host, port = netutil.split_host_port(host_port)
    except ValueError as exc:
        return f"proxy endpoint {host_port} is invalid ({exc}), please provide a valid proxy address"
    if not netutil.is_ip(host) and not netutil.is_domain_name(host):
        return f"proxy endpoint {host} is invalid, please provide a valid proxy domain name or ip"
    if not netutil.is_valid_port(port):
        return f"proxy port {port} is invalid, please provide a valid proxy port"
    return None


def _check_proxy(r: _Rules) -> None:
    proxy = r.spec.proxy_configuration
    if proxy is None:
        return
    base = "spec.proxyConfiguration"
    if not proxy.http_proxy:
        r.error("no value set for httpProxy", f"{base}.httpProxy")
    if not proxy.https_proxy:
        r.error("no value set for httpsProxy", f"{base}.httpsProxy")
    for value, field in ((proxy.http_proxy, "httpProxy"), (proxy.https_proxy, "httpsProxy")):
        problem = _proxy_problem(value) if value else None
        if problem:
            r.error(problem, f"{base}.{field}")


def _check_registry_mirror(r: _Rules) -> None:
    mirror = r.spec.registry_mirror_configuration
    if mirror is None:
        return
    base = "spec.registryMirrorConfiguration"
    if not mirror.endpoint:
        r.error("no value set for RegistryMirrorConfiguration.Endpoint", f"{base}.endpoint")
    if not netutil.is_valid_port(mirror.port or ""):
        r.error(f"registry mirror port {mirror.port or ''} is invalid, please provide a valid port", f"{base}.port")
    curated = 0
    for i, namespace in enumerate(mirror.oci_namespaces or []):
        registry = namespace.registry or ""
        if not registry:
            r.error("registry can't be set to empty in OCINamespaces", f"{base}.ociNamespaces[{i}].registry")
        elif _CURATED_PACKAGES_REGISTRY.search(registry):
            curated += 1
            if curated == 2:
                r.error("only one registry mirror for curated packages is suppported",
                        f"{base}.ociNamespaces[{i}].registry")


def _check_pod_iam(r: _Rules) -> None:
    pod_iam = r.spec.pod_iam_config
    if pod_iam is not None and not pod_iam.service_account_issuer:
        r.error("ServiceAccount Issuer can't be empty while configuring IAM roles for pods",
                "spec.podIamConfig.serviceAccountIssuer")


def _check_cert_sans(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    sans = (cp.cert_sans if cp else None) or []
    invalid = [san for san in sans if not netutil.is_ip(san) and not netutil.is_domain_name(san)]
    if invalid:
        r.error(f"invalid ControlPlaneConfiguration.CertSANs; must be an IP or domain name: [{' '.join(invalid)}]",
                "spec.controlPlaneConfiguration.certSans")


def _check_api_server_extra_args(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    args = (cp.api_server_extra_args if cp else None) or {}
    if not args:
        return
    field = "spec.controlPlaneConfiguration.apiServerExtraArgs"
    if r.env.get(API_SERVER_EXTRA_ARGS_ENV, "") != "true":
        r.error(f"configuring APIServerExtraArgs is not supported. Set env var {API_SERVER_EXTRA_ARGS_ENV} to enable",
                field)
    has_oidc = any(ref is not None and ref.kind == OIDCConfig.KIND for ref in r.spec.identity_provider_refs or [])
    oidc_flags = sorted(key for key in args if key.startswith("oidc-"))
    if has_oidc and oidc_flags:
        r.error("the following flags cannot be set in apiServerExtraArgs when an OIDCConfig is specified in "
                f"identityProviderRefs: {', '.join(oidc_flags)}", field)


def _kubelet_problem(config: Mapping[str, Any]) -> str | None:
    if "providerID" in config or "cloudProvider" in config:
        return "can not override providerID or cloudProvider (set by EKS Anywhere)"
    return None


def _check_kubelet_configuration(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    if cp is not None and cp.kubelet_configuration:
        problem = _kubelet_problem(cp.kubelet_configuration)
        if problem:
            r.error(problem, "spec.controlPlaneConfiguration.kubeletConfiguration")
    for i, group in enumerate(r.cluster.worker_groups()):
        if group.kubelet_configuration:
            problem = _kubelet_problem(group.kubelet_configuration)
            if problem:
                r.error(problem, f"spec.workerNodeGroupConfigurations[{i}].kubeletConfiguration")


def _check_audit_policy(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    content = cp.audit_policy_content if cp else None
    if not content:
        return
    try:
        data = YAML(typ="safe", pure=True).load(content)
    except YAMLError as exc:
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        r.error(f"invalid auditPolicyContent: not valid YAML: {problem}",
                "spec.controlPlaneConfiguration.auditPolicyContent")
        return
    if not isinstance(data, dict):
        r.error("invalid auditPolicyContent: the audit policy must be a YAML mapping",
                "spec.controlPlaneConfiguration.auditPolicyContent")


def _check_cp_rollout(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    strategy = cp.upgrade_rollout_strategy if cp else None
    if strategy is None:
        return
    at = "spec.controlPlaneConfiguration.upgradeRolloutStrategy"
    if strategy.type not in ("RollingUpdate", "InPlace"):
        r.error("ControlPlaneConfiguration: only 'RollingUpdate' and 'InPlace' are supported for upgrade rollout "
                "strategy type", f"{at}.type")
        return
    if strategy.type == "InPlace":
        if not r.traits.supports_in_place_upgrades:
            r.error("ControlPlaneConfiguration: 'InPlace' upgrade rollout strategy type is only supported on "
                    f"{r.providers_where(lambda t: t.supports_in_place_upgrades)}", f"{at}.type")
        if strategy.rolling_update is not None:
            r.error("ControlPlaneConfiguration: UpgradeRolloutStrategy.RollingUpdate field should be empty when "
                    "Type is InPlace", f"{at}.rollingUpdate")
        if not r.stacked_etcd:
            r.error("ControlPlaneConfiguration: 'InPlace' upgrade rollout strategy type is only supported with "
                    "stacked etcd", f"{at}.type")
        return
    rolling = strategy.rolling_update
    if rolling is None:
        return
    surge = rolling.max_surge or 0
    if surge < 0:
        r.error("ControlPlaneConfiguration: maxSurge for control plane cannot be a negative value",
                f"{at}.rollingUpdate.maxSurge")
    elif surge > 1:
        r.error("ControlPlaneConfiguration: maxSurge for control plane must be 0 or 1", f"{at}.rollingUpdate.maxSurge")


def _check_cp_labels(r: _Rules) -> None:
    cp = r.spec.control_plane_configuration
    problems = _label_problems(cp.labels if cp else None)
    if problems:
        r.error(f"labels for control plane not valid: found following errors: {'; '.join(problems)}",
                "spec.controlPlaneConfiguration.labels")


def _check_packages(r: _Rules) -> None:
    packages = r.spec.packages
    if packages is None or r.cluster.is_self_managed():
        return
    if packages.controller is not None:
        r.error("packages: controller should not be specified for a workload cluster", "spec.packages.controller")
    if packages.cronjob is not None:
        r.error("packages: cronjob should not be specified for a workload cluster", "spec.packages.cronjob")


def _check_eksa_version(r: _Rules) -> None:
    if r.spec.bundles_ref is not None and r.spec.eksa_version is not None:
        r.error("cannot pass both bundlesRef and eksaVersion. New clusters should use eksaVersion instead of "
                "bundlesRef", "spec.eksaVersion")
    if r.spec.eksa_version is not None and netutil.parse_semver(r.spec.eksa_version) is None:
        r.error("eksaVersion is not a valid semver", "spec.eksaVersion")


def _mhc_problems(mhc: MachineHealthCheck | None, path: str) -> list[tuple[str, str]]:
    if mhc is None:
        return []
    out: list[tuple[str, str]] = []
    for attr, wire in (("node_startup_timeout", "nodeStartupTimeout"),
                       ("unhealthy_machine_timeout", "unhealthyMachineTimeout")):
        value = getattr(mhc, attr)
        if value is None:
            continue
        seconds = netutil.go_duration_seconds(value)
        if seconds is None:
            out.append((f"{wire} {value} is not a valid duration", f"{path}.{wire}"))
        elif seconds < 0:
            out.append((f"{wire} {value} must not be negative", f"{path}.{wire}"))
        elif seconds > netutil.MAX_DURATION_SECONDS:
            out.append((f"{wire} {value} must not be greater than 1 year", f"{path}.{wire}"))
    value = mhc.max_unhealthy
    if isinstance(value, int):
        if value < 0:
            out.append((f"maxUnhealthy {value} must not be negative", f"{path}.maxUnhealthy"))
    elif value is not None:
        match = re.fullmatch(r"(\d+)%", value)
        if not match or int(match[1]) > 100:
            out.append((f"maxUnhealthy {value} must be a number of machines or a percentage between 0% and 100%",
                        f"{path}.maxUnhealthy"))
    return out


def _check_machine_health_checks(r: _Rules) -> None:
    found = _mhc_problems(r.spec.machine_health_check, "spec.machineHealthCheck")
    cp = r.spec.control_plane_configuration
    if cp is not None:
        found += _mhc_problems(cp.machine_health_check, "spec.controlPlaneConfiguration.machineHealthCheck")
    for i, group in enumerate(r.cluster.worker_groups()):
        path = f"spec.workerNodeGroupConfigurations[{i}].machineHealthCheck"
        found += _mhc_problems(group.machine_health_check, path)
    for message, field in found:
        r.error(f"machineHealthCheck: {message}", field)


def _check_etcd_encryption(r: _Rules) -> None:
    encryption = r.spec.etcd_encryption
    if not encryption:
        return
    base = "spec.etcdEncryption"
    if not r.traits.supports_etcd_encryption:
        r.error(f"etcdEncryption is not supported for the provider of {r.kind or '(no datacenterRef)'}; it is "
                f"supported on {r.providers_where(lambda t: t.supports_etcd_encryption)}", base)
        return
    if len(encryption) != 1:
        r.error("etcdEncryption: only one encryption configuration is supported", base)
    for i, item in enumerate(encryption):
        at = f"{base}[{i}]"
        if not item.providers:
            r.error("etcdEncryption: providers cannot be empty", f"{at}.providers")
        if not item.resources:
            r.error("etcdEncryption: resources cannot be empty", f"{at}.resources")
        for j, provider in enumerate(item.providers or []):
            kms = provider.kms
            if kms is None:
                r.error("etcdEncryption: kms provider is required", f"{at}.providers[{j}].kms")
                continue
            if not kms.name:
                r.error("etcdEncryption: kms name is required", f"{at}.providers[{j}].kms.name")
            if not kms.socket_listen_address:
                r.error("etcdEncryption: kms socketListenAddress is required",
                        f"{at}.providers[{j}].kms.socketListenAddress")
            elif not kms.socket_listen_address.startswith("unix://"):
                r.error("etcdEncryption: kms socketListenAddress must be a unix socket (unix:///path)",
                        f"{at}.providers[{j}].kms.socketListenAddress")
            if kms.timeout is not None and netutil.go_duration_seconds(kms.timeout) is None:
                r.error(f"etcdEncryption: kms timeout {kms.timeout} is not a valid duration",
                        f"{at}.providers[{j}].kms.timeout")


_CLUSTER_CHECKS: tuple[_Check, ...] = (
    _check_name,
    _check_kubernetes_version,
    _check_endpoint,
    _check_external_etcd_support,
    _check_machine_group_refs,
    _check_control_plane_count,
    _check_workers,
    _check_networking,
    _check_gitops_ref,
    _check_etcd_count,
    _check_identity_refs,
    _check_proxy,
    _check_registry_mirror,
    _check_pod_iam,
    _check_cert_sans,
    _check_api_server_extra_args,
    _check_kubelet_configuration,
    _check_audit_policy,
    _check_cp_rollout,
    _check_cp_labels,
    _check_packages,
    _check_eksa_version,
    _check_machine_health_checks,
    _check_etcd_encryption,
)


# ---------------------------------------------------------------------------------------------------------------
# References between documents
# ---------------------------------------------------------------------------------------------------------------


def validate_references(config: ClusterConfig, *, plugins: Plugins | None = None) -> list[SpecError]:
    """Check that the Cluster's references name documents of the file, of kinds the right package registered, in
    the Cluster's namespace: ``datacenterRef`` (a kind of an installed provider), ``machineGroupRef`` (the same
    provider's machine kind), ``gitOpsRef`` and ``identityProviderRefs``. Errors are located."""
    if plugins is None:
        from .plugins import default_plugins

        plugins = default_plugins()
    cluster = config.cluster
    out: list[SpecError] = []

    def err(message: str, field: str, code: str = ErrorCode.REFERENCE) -> None:
        out.append(config.locate(SpecError(message, code=code, kind=cluster.kind, name=cluster.name, field=field),
                                 cluster))

    def same_namespace(obj: EksaObject, field: str) -> None:
        if obj.namespace != cluster.namespace:
            err(f"{obj.kind} and Cluster objects must have the same namespace specified", field)

    def resolve(ref: Ref, field: str, what: str) -> EksaObject | None:
        obj = config.get(ref.kind or "", ref.name)
        if obj is None:
            err(f"{ref.kind} {ref.name or ''} named by {what} is not defined in the spec", field)
            return None
        same_namespace(obj, field)
        return obj  # type: ignore[no-any-return]

    dc_ref = cluster.spec.datacenter_ref
    hooks = None
    if dc_ref is None or not dc_ref.kind:
        err("spec.datacenterRef is not set; it must name the datacenter config of an installed provider",
            "spec.datacenterRef")
    else:
        hooks = plugins.find_for_datacenter_kind(dc_ref.kind)
        if hooks is None:
            err(f"no installed provider handles datacenter kind {dc_ref.kind}; install the provider package that "
                "defines it", "spec.datacenterRef.kind", ErrorCode.UNKNOWN_KIND)
        else:
            resolve(dc_ref, "spec.datacenterRef", "datacenterRef")

    if hooks is not None and hooks.info.machine_kind:
        machine_kind = hooks.info.machine_kind
        provider_name = hooks.info.name
        refs: list[tuple[Ref | None, str]] = []
        cp = cluster.spec.control_plane_configuration
        refs.append((cp.machine_group_ref if cp else None, "spec.controlPlaneConfiguration.machineGroupRef"))
        for i, group in enumerate(cluster.worker_groups()):
            refs.append((group.machine_group_ref, f"spec.workerNodeGroupConfigurations[{i}].machineGroupRef"))
        etcd = cluster.spec.external_etcd_configuration
        if etcd is not None:
            refs.append((etcd.machine_group_ref, "spec.externalEtcdConfiguration.machineGroupRef"))
        for ref, field in refs:
            if ref is None:
                continue  # reported by the Cluster rules
            if ref.kind != machine_kind:
                err(f"machineGroupRef kind {ref.kind or '(empty)'} is not supported by provider {provider_name}; "
                    f"use {machine_kind}", f"{field}.kind")
                continue
            resolve(ref, field, "machineGroupRef")

    git_ref = cluster.spec.git_ops_ref
    if git_ref is not None and git_ref.kind in (FluxConfig.KIND, GitOpsConfig.KIND) and git_ref.name:
        resolve(git_ref, "spec.gitOpsRef", "gitOpsRef")

    for i, ref in enumerate(cluster.spec.identity_provider_refs or []):
        if ref is None or ref.kind not in (OIDCConfig.KIND, AWSIamConfig.KIND) or not ref.name:
            continue  # reported by the Cluster rules
        resolve(ref, f"spec.identityProviderRefs[{i}]", "identityProviderRefs")
    return out


# ---------------------------------------------------------------------------------------------------------------
# Identity and GitOps kinds
# ---------------------------------------------------------------------------------------------------------------


def _obj_error(obj: EksaObject, message: str, field: str | None, *, warning: bool = False) -> SpecError:
    return SpecError(message, kind=obj.kind, name=obj.name, field=field, warning=warning)


def validate_oidc_config(config: OIDCConfig) -> list[SpecError]:
    """``OIDCConfig`` rules: clientId and an https issuerUrl required, at most one required claim."""
    spec = config.spec
    out: list[SpecError] = []
    if not spec.client_id:
        out.append(_obj_error(config, "OIDCConfig clientId is required", "spec.clientId"))
    if len(spec.required_claims or []) > 1:
        out.append(_obj_error(config, "only one OIDConfig RequiredClaim is supported at this time",
                              "spec.requiredClaims"))
    issuer = spec.issuer_url or ""
    if not issuer:
        out.append(_obj_error(config, "OIDCConfig issuerUrl is required", "spec.issuerUrl"))
    else:
        try:
            scheme, _, _ = netutil.parse_request_uri(issuer)
        except ValueError as exc:
            out.append(_obj_error(config, f"OIDCConfig issuerUrl is invalid: parse \"{issuer}\": {exc}",
                                  "spec.issuerUrl"))
        else:
            if scheme != "https":
                out.append(_obj_error(config, "OIDCConfig issuerUrl should have HTTPS scheme", "spec.issuerUrl"))
    return out


def validate_awsiam_config(config: AWSIamConfig) -> list[SpecError]:
    """``AWSIamConfig`` rules: awsRegion and backendMode required, no ``MountedFile`` backend; a warning when the
    ``EKSConfigMap`` backend has no mapRoles/mapUsers."""
    spec = config.spec
    out: list[SpecError] = []
    if not spec.aws_region:
        out.append(_obj_error(config, "AWSIamConfig AWSRegion is a required field", "spec.awsRegion"))
    if not spec.backend_mode:
        out.append(_obj_error(config, "AWSIamConfig BackendMode is a required field", "spec.backendMode"))
    for i, mode in enumerate(spec.backend_mode or []):
        if mode == _AWSIAM_EKS_CONFIGMAP and not spec.map_roles and not spec.map_users:
            out.append(_obj_error(config, "Warning: AWS IAM Authenticator mapRoles and mapUsers specified in the "
                                  "config are empty while the EKSConfigMap backend mode is used",
                                  f"spec.backendMode[{i}]", warning=True))
        if mode == _AWSIAM_MOUNTED_FILE:
            out.append(_obj_error(config, f"AWSIamConfig BackendMode does not support {_AWSIAM_MOUNTED_FILE} backend",
                                  f"spec.backendMode[{i}]"))
    return out


# git check-ref-format rules for a branch name
_BAD_BRANCH = re.compile(r"(\.\.|@\{|//|[\x00-\x20\x7f~^:?*\[\\])")


def _valid_branch(name: str) -> bool:
    if name == "@" or name.startswith("/") or name.endswith("/") or name.endswith(".") or name.endswith(".lock"):
        return False
    if name.startswith("-") or _BAD_BRANCH.search(name):
        return False
    return not any(part.startswith(".") or part.endswith(".lock") for part in name.split("/"))


def _branch_errors(obj: EksaObject, branch: str | None, field: str) -> list[SpecError]:
    if branch and not _valid_branch(branch):
        return [_obj_error(obj, f"{branch} is not a valid git branch name, please check with the git documentation "
                           "for valid git branch names", field)]
    return []


def validate_fluxconfig(config: FluxConfig) -> list[SpecError]:
    """``FluxConfig`` rules: exactly one of ``git`` / ``github``, their required fields, a valid branch name."""
    spec = config.spec
    out: list[SpecError] = []
    if spec.git is not None and spec.github is not None:
        out.append(_obj_error(config, "must specify only one provider", "spec"))
    elif spec.git is None and spec.github is None:
        out.append(_obj_error(config, "must specify a provider. Valid options are git and github", "spec"))
    if spec.github is not None:
        gh = spec.github
        if not gh.owner:
            out.append(_obj_error(config, "'owner' is not set or empty in githubProviderConfig; owner is a required "
                                  "field", "spec.github.owner"))
        if not gh.repository:
            out.append(_obj_error(config, "'repository' is not set or empty in githubProviderConfig; repository is a "
                                  "required field", "spec.github.repository"))
        elif not _REPOSITORY_NAME.match(gh.repository):
            out.append(_obj_error(config, f"{gh.repository} is not a valid git repository name, name can contain "
                                  "only letters, digits, '_', '-' and '.'", "spec.github.repository"))
    if spec.git is not None:
        git = spec.git
        if not git.repository_url:
            out.append(_obj_error(config, "'repositoryUrl' is not set or empty in gitProviderConfig; repositoryUrl "
                                  "is a required field", "spec.git.repositoryUrl"))
        if git.ssh_key_algorithm and git.ssh_key_algorithm not in _SSH_KEY_ALGORITHMS:
            out.append(_obj_error(config, "'sshKeyAlgorithm' does not have a valid value in gitProviderConfig; "
                                  f"sshKeyAlgorithm must be amongst {', '.join(_SSH_KEY_ALGORITHMS)}",
                                  "spec.git.sshKeyAlgorithm"))
    out += _branch_errors(config, spec.branch, "spec.branch")
    return out


def validate_gitopsconfig(config: GitOpsConfig) -> list[SpecError]:
    """Legacy ``GitOpsConfig`` rules: ``spec.flux.github`` owner and repository required, valid branch name."""
    flux = config.spec.flux
    github = flux.github if flux is not None else None
    out: list[SpecError] = []
    if github is None or not github.owner:
        out.append(_obj_error(config, "'owner' is not set or empty in gitOps.flux; owner is a required field",
                              "spec.flux.github.owner"))
    if github is None or not github.repository:
        out.append(_obj_error(config, "'repository' is not set or empty in gitOps.flux; repository is a required "
                              "field", "spec.flux.github.repository"))
    if github is not None:
        out += _branch_errors(config, github.branch, "spec.flux.github.branch")
    return out


# ---------------------------------------------------------------------------------------------------------------
# Upgrades
# ---------------------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    from .convert import unstructure

    return unstructure(value) if value is not None else None


def _cni_plugin(cluster: Cluster) -> str:
    network = cluster.spec.cluster_network
    if network is None:
        return ""
    if network.cni_config is not None:
        if network.cni_config.cilium is not None:
            return "cilium"
        if network.cni_config.kindnetd is not None:
            return "kindnetd"
        return ""
    return "cilium" if network.cni in ("cilium", "cilium-enterprise") else (network.cni or "")


def _ref_target(config: ClusterConfig, ref: Ref | None) -> EksaObject | None:
    return config.get(ref.kind or "", ref.name) if ref is not None else None


def validate_update(old_config: ClusterConfig, new_config: ClusterConfig) -> list[SpecError]:
    """What an upgrade from ``old_config`` to ``new_config`` may not change (EKS Anywhere's "validate immutable
    fields" preflight and the Cluster update webhook), plus the Kubernetes and eksaVersion skew rules.

    Provider fields are checked by the provider's ``eksa_validate_new_spec`` hook (it needs the full specs).
    Errors are located in ``new_config``.
    """
    old, new = old_config.cluster, new_config.cluster
    out: list[SpecError] = []

    def err(message: str, field: str | None, obj: EksaObject | None = None) -> None:
        target = obj or new
        out.append(new_config.locate(SpecError(message, kind=target.kind, name=target.name, field=field), target))

    if old.name != new.name:
        err(f"cluster name is immutable. previous name {old.name}, new name {new.name}", "metadata.name")
    if (old.namespace or "default") != (new.namespace or "default"):
        err("cluster namespace is immutable", "metadata.namespace")
    old_dc, new_dc = old.spec.datacenter_ref, new.spec.datacenter_ref
    if (old_dc.kind if old_dc else None) != (new_dc.kind if new_dc else None):
        err("spec.dataCenterRef.kind is immutable", "spec.datacenterRef.kind")
    if (old_dc.name if old_dc else None) != (new_dc.name if new_dc else None):
        err("spec.dataCenterRef.name is immutable", "spec.datacenterRef.name")
    old_cp, new_cp = old.spec.control_plane_configuration, new.spec.control_plane_configuration
    old_host = old_cp.endpoint.host if old_cp and old_cp.endpoint else None
    new_host = new_cp.endpoint.host if new_cp and new_cp.endpoint else None
    if (old_host or "") != (new_host or ""):
        err("spec.controlPlaneConfiguration.endpoint is immutable", "spec.controlPlaneConfiguration.endpoint")
    old_net, new_net = old.spec.cluster_network, new.spec.cluster_network
    for attr, label, wire in (("pods", "Pods", "pods"), ("services", "Services", "services"), ("dns", "DNS", "dns"),
                              ("nodes", "Nodes", "nodes")):
        if _plain(getattr(old_net, attr, None)) != _plain(getattr(new_net, attr, None)):
            err(f"spec.clusterNetwork.{label} is immutable", f"spec.clusterNetwork.{wire}")
    if _cni_plugin(old) != _cni_plugin(new):
        err("spec.clusterNetwork.CNI/CNIConfig is immutable", "spec.clusterNetwork.cniConfig")
    if _plain(old.spec.proxy_configuration) != _plain(new.spec.proxy_configuration):
        err("spec.proxyConfiguration is immutable", "spec.proxyConfiguration")
    if (old.spec.external_etcd_configuration is None) != (new.spec.external_etcd_configuration is None):
        err("adding or removing external etcd during upgrade is not supported", "spec.externalEtcdConfiguration")
    if old.is_self_managed() != new.is_self_managed():
        err("management flag is immutable", "spec.managementCluster")
    elif old.management_cluster_name != new.management_cluster_name:
        err("management cluster name is immutable", "spec.managementCluster.name")

    out += _identity_update_errors(old_config, new_config)
    out += _gitops_update_errors(old_config, new_config)

    if old.spec.eksa_version and not new.spec.eksa_version:
        err("spec.eksaVersion cannot be removed once it is set", "spec.eksaVersion")
    if old.spec.bundles_ref is not None and new.spec.bundles_ref is None and not new.spec.eksa_version:
        err("spec.bundlesRef cannot be removed once it is set", "spec.bundlesRef")

    old_version = netutil.parse_kube_version(old.spec.kubernetes_version)
    new_version = netutil.parse_kube_version(new.spec.kubernetes_version)
    if old_version and new_version:
        message = _kube_skew(old.spec.kubernetes_version or "", new.spec.kubernetes_version or "", old_version,
                             new_version)
        if message:
            err(message, "spec.kubernetesVersion")
    old_groups = {g.name: g for g in old.worker_groups() if g.name}
    for i, group in enumerate(new.worker_groups()):
        before = old_groups.get(group.name or "")
        if before is None:
            continue
        old_wv = before.kubernetes_version or old.spec.kubernetes_version or ""
        new_wv = group.kubernetes_version or new.spec.kubernetes_version or ""
        parsed_old, parsed_new = netutil.parse_kube_version(old_wv), netutil.parse_kube_version(new_wv)
        if parsed_old and parsed_new:
            message = _kube_skew(old_wv, new_wv, parsed_old, parsed_new)
            if message:
                err(f"worker node group {group.name}: {message}",
                    f"spec.workerNodeGroupConfigurations[{i}].kubernetesVersion")

    skip = (new.metadata.annotations or {}).get(SKIP_EKSA_VERSION_SKEW_ANNOTATION) == "true"
    old_eksa = netutil.parse_semver(old.spec.eksa_version or "")
    new_eksa = netutil.parse_semver(new.spec.eksa_version or "")
    if old_eksa and new_eksa and not skip:
        if new_eksa[:3] < old_eksa[:3]:
            err(f"cannot downgrade eksaVersion from {old.spec.eksa_version} to {new.spec.eksa_version}",
                "spec.eksaVersion")
        elif new_eksa[0] != old_eksa[0] or new_eksa[1] - old_eksa[1] > 1:
            err(f"cannot upgrade eksaVersion from {old.spec.eksa_version} to {new.spec.eksa_version}: only +1 minor "
                "version skew is supported", "spec.eksaVersion")
    return out


def _kube_skew(old_text: str, new_text: str, old: tuple[int, int], new: tuple[int, int]) -> str | None:
    if new < old:
        return f"kubernetes version downgrade is not supported ({old_text}) -> ({new_text})"
    if new[0] == old[0] and new[1] - old[1] > 1:
        return f"only +1 minor version skew is supported, minor version skew detected {new[1] - old[1]}"
    return None


def _identity_update_errors(old_config: ClusterConfig, new_config: ClusterConfig) -> list[SpecError]:
    old, new = old_config.cluster, new_config.cluster
    out: list[SpecError] = []

    def refs(cluster: Cluster, kind: str) -> list[Ref]:
        return [r for r in cluster.spec.identity_provider_refs or [] if r is not None and r.kind == kind]

    old_iam, new_iam = refs(old, AWSIamConfig.KIND), refs(new, AWSIamConfig.KIND)
    changed = [(r.name) for r in old_iam] != [(r.name) for r in new_iam]
    if not changed and old_iam:
        before = _ref_target(old_config, old_iam[0])
        after = _ref_target(new_config, new_iam[0])
        changed = before is not None and after is not None and _plain(before.spec) != _plain(after.spec)  # type: ignore[attr-defined]
    if changed:
        out.append(new_config.locate(SpecError("aws iam identity provider is immutable", kind=new.kind, name=new.name,
                                               field="spec.identityProviderRefs"), new))
    if new.is_self_managed():
        old_oidc, new_oidc = refs(old, OIDCConfig.KIND), refs(new, OIDCConfig.KIND)
        if old_oidc and new_oidc and old_oidc[0].name == new_oidc[0].name:
            before = _ref_target(old_config, old_oidc[0])
            after = _ref_target(new_config, new_oidc[0])
            if before is not None and after is not None and _plain(before.spec) != _plain(after.spec):  # type: ignore[attr-defined]
                out.append(new_config.locate(SpecError("OIDCConfig spec is immutable on a management cluster",
                                                       kind=after.kind, name=after.name, field="spec"), after))
    return out


def _gitops_update_errors(old_config: ClusterConfig, new_config: ClusterConfig) -> list[SpecError]:
    old, new = old_config.cluster, new_config.cluster
    out: list[SpecError] = []
    old_ref, new_ref = old.spec.git_ops_ref, new.spec.git_ops_ref
    if old_ref is not None and not new.is_self_managed() and _plain(old_ref) != _plain(new_ref):
        out.append(new_config.locate(SpecError("once cluster.spec.gitOpsRef is set, it is immutable", kind=new.kind,
                                               name=new.name, field="spec.gitOpsRef"), new))
        return out
    before, after = _ref_target(old_config, old_ref), _ref_target(new_config, new_ref)
    if isinstance(before, GitOpsConfig) and isinstance(after, GitOpsConfig):
        b = before.spec.flux.github if before.spec.flux else None
        a = after.spec.flux.github if after.spec.flux else None
        for attr, wire in (("owner", "owner"), ("repository", "repository"), ("personal", "personal"),
                           ("flux_system_namespace", "fluxSystemNamespace"), ("branch", "branch"),
                           ("cluster_config_path", "clusterConfigPath")):
            if getattr(b, attr, None) != getattr(a, attr, None):
                out.append(new_config.locate(SpecError(f"gitOps spec.flux.github.{wire} is immutable", kind=after.kind,
                                                       name=after.name, field=f"spec.flux.github.{wire}"), after))
    elif isinstance(before, FluxConfig) and isinstance(after, FluxConfig) and new.is_self_managed() \
            and _plain(before.spec) != _plain(after.spec):
        out.append(new_config.locate(SpecError("config is immutable", kind=after.kind, name=after.name, field="spec"),
                                     after))
    return out
