"""attrs models of the ``anywhere.eks.amazonaws.com/v1alpha1`` kinds that belong to the core.

Provider kinds (``VSphereDatacenterConfig``, ``TinkerbellMachineConfig``...) live in their provider packages and
join the kind registry when the provider plugin is registered.
"""

from __future__ import annotations

from .base import (
    API_VERSION,
    DatacenterConfigObject,
    EksaObject,
    MachineConfigObject,
    ObjectMeta,
    Ref,
    UserConfiguration,
)
from .cluster import (
    AutoscalingConfiguration,
    CIDRBlocks,
    CiliumConfig,
    Cluster,
    ClusterNetwork,
    ClusterSpec,
    CNIConfig,
    ControlPlaneConfiguration,
    ControlPlaneRollingUpdate,
    ControlPlaneUpgradeRolloutStrategy,
    Endpoint,
    EtcdEncryption,
    ExternalEtcdConfiguration,
    KindnetdConfig,
    MachineHealthCheck,
    ManagementCluster,
    OCINamespace,
    PackageConfiguration,
    PodIAMConfig,
    ProxyConfiguration,
    RegistryMirrorConfiguration,
    Taint,
    WorkerNodeGroupConfiguration,
    WorkerRollingUpdate,
    WorkerUpgradeRolloutStrategy,
)
from .gitops import AWSIamConfig, FluxConfig, GitOpsConfig, OIDCConfig
from .legacy import AWSDatacenterConfig

CORE_KINDS: tuple[type[EksaObject], ...] = (
    Cluster,
    FluxConfig,
    GitOpsConfig,
    OIDCConfig,
    AWSIamConfig,
    AWSDatacenterConfig,
)
"""Kinds the core registers itself."""

__all__ = [
    "API_VERSION",
    "CORE_KINDS",
    "AWSDatacenterConfig",
    "AWSIamConfig",
    "AutoscalingConfiguration",
    "CIDRBlocks",
    "CNIConfig",
    "CiliumConfig",
    "Cluster",
    "ClusterNetwork",
    "ClusterSpec",
    "ControlPlaneConfiguration",
    "ControlPlaneRollingUpdate",
    "ControlPlaneUpgradeRolloutStrategy",
    "DatacenterConfigObject",
    "EksaObject",
    "Endpoint",
    "EtcdEncryption",
    "ExternalEtcdConfiguration",
    "FluxConfig",
    "GitOpsConfig",
    "KindnetdConfig",
    "MachineConfigObject",
    "MachineHealthCheck",
    "ManagementCluster",
    "OCINamespace",
    "OIDCConfig",
    "ObjectMeta",
    "PackageConfiguration",
    "PodIAMConfig",
    "ProxyConfiguration",
    "Ref",
    "RegistryMirrorConfiguration",
    "Taint",
    "UserConfiguration",
    "WorkerNodeGroupConfiguration",
    "WorkerRollingUpdate",
    "WorkerUpgradeRolloutStrategy",
]
