"""The ``Cluster`` kind."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ..convert import IntOrStr, field
from .base import EksaObject, Ref

__all__ = [
    "KMS",
    "AutoscalingConfiguration",
    "BundlesRef",
    "CNIConfig",
    "CiliumConfig",
    "Cluster",
    "ClusterNetwork",
    "ClusterSpec",
    "ControlPlaneConfiguration",
    "ControlPlaneRollingUpdate",
    "ControlPlaneUpgradeRolloutStrategy",
    "Endpoint",
    "EtcdEncryption",
    "ExternalEtcdConfiguration",
    "MachineHealthCheck",
    "ManagementCluster",
    "OCINamespace",
    "PackageConfiguration",
    "PodIAMConfig",
    "ProxyConfiguration",
    "RegistryMirrorConfiguration",
    "Taint",
    "WorkerNodeGroupConfiguration",
    "WorkerRollingUpdate",
    "WorkerUpgradeRolloutStrategy",
]


UPGRADE_ROLLOUT_TYPES = ("RollingUpdate", "InPlace")
"""The upgrade rollout strategies EKS Anywhere knows."""
CILIUM_POLICY_MODES = ("default", "always", "never")
"""Cilium's policy enforcement modes."""
CILIUM_ROUTING_MODES = ("overlay", "direct")
"""Cilium's routing modes."""


@attrs.define
class Endpoint:
    """Control plane endpoint: the VIP the API server is reached on."""

    host: str | None = field(required=True)


@attrs.define
class Taint:
    """A Kubernetes node taint."""

    key: str | None = field(required=True)
    value: str | None = field()
    effect: str | None = field(required=True)
    time_added: str | None = field()


@attrs.define
class MachineHealthCheck:
    """Machine health check timeouts (Go durations such as ``10m0s``) and ``maxUnhealthy``."""

    node_startup_timeout: str | None = field()
    unhealthy_machine_timeout: str | None = field()
    max_unhealthy: IntOrStr | None = field()


@attrs.define
class ControlPlaneRollingUpdate:
    max_surge: int | None = field()


@attrs.define
class ControlPlaneUpgradeRolloutStrategy:
    """``RollingUpdate`` (default) or ``InPlace`` (bare metal only)."""

    type: str | None = field(enum=UPGRADE_ROLLOUT_TYPES)
    rolling_update: ControlPlaneRollingUpdate | None = field()


@attrs.define
class WorkerRollingUpdate:
    max_surge: int | None = field()
    max_unavailable: int | None = field()


@attrs.define
class WorkerUpgradeRolloutStrategy:
    type: str | None = field(enum=UPGRADE_ROLLOUT_TYPES)
    rolling_update: WorkerRollingUpdate | None = field()


@attrs.define
class ControlPlaneConfiguration:
    """``spec.controlPlaneConfiguration``."""

    count: int | None = field()
    endpoint: Endpoint | None = field()
    machine_group_ref: Ref | None = field()
    taints: list[Taint] | None = field()
    labels: dict[str, str] | None = field()
    upgrade_rollout_strategy: ControlPlaneUpgradeRolloutStrategy | None = field()
    skip_load_balancer_deployment: bool | None = field()
    cert_sans: list[str] | None = field(wire="certSans", aliases=("certSANs",))
    machine_health_check: MachineHealthCheck | None = field()
    api_server_extra_args: dict[str, str] | None = field()
    kubelet_configuration: dict[str, Any] | None = field()
    audit_policy_content: str | None = field()
    skip_admission_for_system_resources: bool | None = field()


@attrs.define
class AutoscalingConfiguration:
    min_count: int | None = field()
    max_count: int | None = field()


@attrs.define
class WorkerNodeGroupConfiguration:
    """One entry of ``spec.workerNodeGroupConfigurations``."""

    name: str | None = field()
    count: int | None = field()
    autoscaling_configuration: AutoscalingConfiguration | None = field()
    machine_group_ref: Ref | None = field()
    taints: list[Taint] | None = field()
    labels: dict[str, str] | None = field()
    upgrade_rollout_strategy: WorkerUpgradeRolloutStrategy | None = field()
    kubernetes_version: str | None = field()
    machine_health_check: MachineHealthCheck | None = field()
    kubelet_configuration: dict[str, Any] | None = field()
    failure_domains: list[str] | None = field()


@attrs.define
class CIDRBlocks:
    cidr_blocks: list[str] | None = field()


@attrs.define
class CiliumConfig:
    """Cilium settings; ``cilium: {}`` means EKS Anywhere's defaults."""

    policy_enforcement_mode: str | None = field(enum=CILIUM_POLICY_MODES)
    egress_masquerade_interfaces: str | None = field()
    skip_upgrade: bool | None = field()
    routing_mode: str | None = field(enum=CILIUM_ROUTING_MODES)
    ipv4_native_routing_cidr: str | None = field(wire="ipv4NativeRoutingCIDR")
    ipv6_native_routing_cidr: str | None = field(wire="ipv6NativeRoutingCIDR")
    cni_exclusive: bool | None = field(doc="Whether Cilium removes other CNI configuration files (default true).")
    helm_values: Any = field(doc="Helm values for Cilium: any JSON value (EKS Anywhere types it apiextensions JSON)")


@attrs.define
class KindnetdConfig:
    pass


@attrs.define
class CNIConfig:
    """``clusterNetwork.cniConfig``: exactly one plugin."""

    cilium: CiliumConfig | None = field()
    kindnetd: KindnetdConfig | None = field()


@attrs.define
class ResolvConf:
    path: str | None = field()


@attrs.define
class DNS:
    resolv_conf: ResolvConf | None = field()


@attrs.define
class Nodes:
    cidr_mask_size: int | None = field()


@attrs.define
class ClusterNetwork:
    """``spec.clusterNetwork``."""

    pods: CIDRBlocks | None = field()
    services: CIDRBlocks | None = field()
    cni: str | None = field(doc="deprecated: use cniConfig")
    cni_config: CNIConfig | None = field(wire="cniConfig")
    dns: DNS | None = field()
    nodes: Nodes | None = field()


@attrs.define
class ExternalEtcdConfiguration:
    count: int | None = field()
    machine_group_ref: Ref | None = field()


@attrs.define
class ProxyConfiguration:
    http_proxy: str | None = field()
    https_proxy: str | None = field()
    no_proxy: list[str] | None = field()


@attrs.define
class OCINamespace:
    registry: str | None = field()
    namespace: str | None = field()


@attrs.define
class RegistryMirrorConfiguration:
    endpoint: str | None = field()
    port: str | None = field()
    oci_namespaces: list[OCINamespace] | None = field(wire="ociNamespaces")
    ca_cert_content: str | None = field()
    authenticate: bool | None = field()
    insecure_skip_verify: bool | None = field()


@attrs.define
class ManagementCluster:
    name: str | None = field()


@attrs.define
class PodIAMConfig:
    service_account_issuer: str | None = field()


@attrs.define
class ResourceList:
    cpu: str | None = field()
    memory: str | None = field()


@attrs.define
class ImageResource:
    requests: ResourceList | None = field()
    limits: ResourceList | None = field()


@attrs.define
class PackageControllerConfig:
    repository: str | None = field()
    tag: str | None = field()
    digest: str | None = field()
    disable_webhooks: bool | None = field()
    env: list[str] | None = field()
    resources: ImageResource | None = field()


@attrs.define
class PackageCronJob:
    repository: str | None = field()
    tag: str | None = field()
    digest: str | None = field()
    disable: bool | None = field()


@attrs.define
class PackageConfiguration:
    """``spec.packages`` (curated packages controller)."""

    disable: bool | None = field()
    controller: PackageControllerConfig | None = field()
    cronjob: PackageCronJob | None = field()


@attrs.define
class BundlesRef:
    """Deprecated pointer at a Bundles object; replaced by ``eksaVersion``."""

    api_version: str | None = field()
    name: str | None = field()
    namespace: str | None = field()


@attrs.define
class KMS:
    name: str | None = field()
    socket_listen_address: str | None = field()
    cachesize: int | None = field()
    timeout: str | None = field()


@attrs.define
class EncryptionProvider:
    kms: KMS | None = field()


@attrs.define
class EtcdEncryption:
    providers: list[EncryptionProvider] | None = field()
    resources: list[str] | None = field()


@attrs.define
class ClusterSpec:
    """``Cluster.spec``."""

    kubernetes_version: str | None = field()
    control_plane_configuration: ControlPlaneConfiguration | None = field()
    worker_node_group_configurations: list[WorkerNodeGroupConfiguration] | None = field()
    datacenter_ref: Ref | None = field()
    identity_provider_refs: list[Ref | None] | None = field()
    git_ops_ref: Ref | None = field(wire="gitOpsRef")
    cluster_network: ClusterNetwork | None = field()
    external_etcd_configuration: ExternalEtcdConfiguration | None = field()
    proxy_configuration: ProxyConfiguration | None = field()
    registry_mirror_configuration: RegistryMirrorConfiguration | None = field()
    management_cluster: ManagementCluster | None = field()
    pod_iam_config: PodIAMConfig | None = field(wire="podIamConfig")
    packages: PackageConfiguration | None = field()
    bundles_ref: BundlesRef | None = field()
    eksa_version: str | None = field()
    machine_health_check: MachineHealthCheck | None = field()
    etcd_encryption: list[EtcdEncryption] | None = field()
    license_token: str | None = field()


@attrs.define(kw_only=True)
class Cluster(EksaObject):
    """An EKS Anywhere cluster: the root document of every cluster spec file."""

    KIND: ClassVar[str] = "Cluster"

    spec: ClusterSpec = field(factory=ClusterSpec)
    status: dict[str, Any] | None = field()

    # Convenience views used throughout the core -------------------------------------------------------------

    @property
    def management_cluster_name(self) -> str:
        """The managing cluster's name; this cluster's own name when it manages itself."""
        mc = self.spec.management_cluster
        return (mc.name if mc and mc.name else None) or self.name

    def is_self_managed(self) -> bool:
        """True for a management (self-managed) cluster, false for a workload cluster."""
        mc = self.spec.management_cluster
        return mc is None or not mc.name or mc.name == self.name

    def worker_groups(self) -> list[WorkerNodeGroupConfiguration]:
        """The worker node groups (empty list when none)."""
        return list(self.spec.worker_node_group_configurations or [])

    def datacenter_kind(self) -> str:
        """The kind named by ``spec.datacenterRef`` ("" when unset)."""
        ref = self.spec.datacenter_ref
        return (ref.kind if ref else None) or ""
