"""EKS Anywhere defaults of the core kinds, then the selected provider's defaults.

Two stages, as in EKS Anywhere:

* ``"api"`` is what the API types default themselves (``Cluster.SetDefaults`` and the identity/GitOps kinds):
  registry mirror port and CA, worker group name and count, legacy ``cni:`` converted to ``cniConfig``,
  etcd-encryption KMS settings, AWSIamConfig partition, FluxConfig/GitOpsConfig settings.
* ``"cli"`` adds what the CLI fills in before validating a spec file: namespace ``default`` on every EKS-A
  object, machine health check timeouts and ``maxUnhealthy``.

Then the ``eksa_set_defaults`` hook runs on the provider that ``Cluster.spec.datacenterRef.kind`` selects and on
every non-provider plugin. Every default only fills what is absent, so defaulting twice changes nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from .errors import SpecError
from .models.base import EksaObject
from .models.cluster import (
    KMS,
    CiliumConfig,
    Cluster,
    CNIConfig,
    KindnetdConfig,
    MachineHealthCheck,
)
from .models.gitops import AWSIamConfig, FluxConfig, GitOpsConfig

if TYPE_CHECKING:
    from .plugins import Plugins
    from .spec import ClusterConfig

__all__ = [
    "DEFAULT_CLI_NAMESPACE",
    "DEFAULT_FLUX_BRANCH",
    "DEFAULT_FLUX_SYSTEM_NAMESPACE",
    "DEFAULT_NODE_STARTUP_TIMEOUT",
    "DEFAULT_SSH_KEY_ALGORITHM",
    "DEFAULT_UNHEALTHY_MACHINE_TIMEOUT",
    "REGISTRY_MIRROR_CA_ENV",
    "Stage",
    "set_awsiam_defaults",
    "set_cluster_api_defaults",
    "set_cluster_cli_defaults",
    "set_defaults",
    "set_fluxconfig_defaults",
    "set_gitopsconfig_defaults",
]

log = logging.getLogger("eksa.defaults")

Stage = Literal["api", "cli"]

DEFAULT_CLI_NAMESPACE = "default"
DEFAULT_REGISTRY_MIRROR_PORT = "443"
REGISTRY_MIRROR_CA_ENV = "EKSA_REGISTRY_MIRROR_CA"
DEFAULT_NODE_STARTUP_TIMEOUT = "10m0s"
DEFAULT_UNHEALTHY_MACHINE_TIMEOUT = "5m0s"
DEFAULT_CP_MAX_UNHEALTHY = "100%"
DEFAULT_WORKER_MAX_UNHEALTHY = "40%"
DEFAULT_KMS_CACHE_SIZE = 1000
DEFAULT_KMS_TIMEOUT = "3s"
DEFAULT_FLUX_SYSTEM_NAMESPACE = "flux-system"
DEFAULT_FLUX_BRANCH = "main"
DEFAULT_SSH_KEY_ALGORITHM = "ecdsa"
DEFAULT_AWS_PARTITION = "aws"

_LEGACY_CNI_CILIUM = ("cilium", "cilium-enterprise")
_LEGACY_CNI_KINDNETD = "kindnetd"


def set_defaults(
    config: ClusterConfig,
    *,
    plugins: Plugins | None = None,
    stage: Stage = "cli",
    env: Mapping[str, str] | None = None,
) -> list[SpecError]:
    """Apply EKS Anywhere's defaults to every document of ``config``, in place.

    :param plugins: where the provider is found (default: the installed plugins).
    :param stage: ``"api"`` for the API types' own defaults only, ``"cli"`` (default) to add the CLI's.
    :param env: environment (``EKSA_REGISTRY_MIRROR_CA``); default ``os.environ``.
    :return: warnings (``SpecError`` with ``warning=True``), located in the file.
    """
    if stage not in ("api", "cli"):
        raise ValueError(f"unknown defaults stage {stage!r} (expected 'api' or 'cli')")
    environ: Mapping[str, str] = os.environ if env is None else env
    warnings: list[SpecError] = []
    clusters: list[Cluster] = config.of_kind(Cluster)
    for each in clusters:
        warnings += [config.locate(w, each) for w in set_cluster_api_defaults(each, env=environ)]
    cluster = clusters[0] if clusters else None
    for obj in config.objects:
        if isinstance(obj, AWSIamConfig):
            set_awsiam_defaults(obj)
        elif isinstance(obj, FluxConfig):
            set_fluxconfig_defaults(obj, cluster)
        elif isinstance(obj, GitOpsConfig):
            set_gitopsconfig_defaults(obj, cluster)
    if plugins is None:
        from .plugins import default_plugins

        plugins = default_plugins()
    if stage == "cli":
        for obj in config.objects:
            _set_namespace(obj)
        for each in clusters:
            provider = plugins.find_for_datacenter_kind(each.datacenter_kind())
            set_cluster_cli_defaults(each, node_startup_timeout=(
                provider.info.traits.node_startup_timeout if provider is not None else None))
    kind = cluster.datacenter_kind() if cluster is not None else ""
    plugins.hooks_for_kind(kind).set_defaults(config)
    return warnings


# -- Cluster ------------------------------------------------------------------------------------------------------


def set_cluster_api_defaults(cluster: Cluster, *, env: Mapping[str, str] | None = None) -> list[SpecError]:
    """``Cluster.SetDefaults``: registry mirror, worker groups, CNI, etcd encryption (in that order).

    :return: warnings (e.g. an unreadable ``EKSA_REGISTRY_MIRROR_CA`` file), with ``kind``/``name``/``field``.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    warnings: list[SpecError] = []
    spec = cluster.spec

    mirror = spec.registry_mirror_configuration
    if mirror is not None:
        if not mirror.port:
            mirror.port = DEFAULT_REGISTRY_MIRROR_PORT
        ca_file = environ.get(REGISTRY_MIRROR_CA_ENV, "")
        if not mirror.ca_cert_content and ca_file:
            try:
                with open(ca_file, encoding="utf-8") as fh:
                    mirror.ca_cert_content = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                warnings.append(SpecError(
                    f"Warning: cannot read the registry mirror CA file named by {REGISTRY_MIRROR_CA_ENV}: "
                    f"{exc.strerror if isinstance(exc, OSError) else exc}",
                    kind=cluster.kind, name=cluster.name, field="spec.registryMirrorConfiguration.caCertContent",
                    warning=True))

    groups = spec.worker_node_group_configurations or []
    if groups and not groups[0].name:
        log.debug("First worker node group name not specified. Defaulting name to md-0.")
        groups[0].name = "md-0"
    for group in groups:
        if group.count is None:
            autoscaling = group.autoscaling_configuration
            group.count = (autoscaling.min_count or 0) if autoscaling is not None else 1

    network = spec.cluster_network
    if network is not None and network.cni_config is None:
        cni_config = CNIConfig()
        if network.cni in _LEGACY_CNI_CILIUM:
            cni_config.cilium = CiliumConfig()
        elif network.cni == _LEGACY_CNI_KINDNETD:
            cni_config.kindnetd = KindnetdConfig()
        network.cni_config = cni_config
        network.cni = None

    for encryption in spec.etcd_encryption or []:
        for provider in encryption.providers or []:
            kms = provider.kms
            if kms is None:
                continue
            _default_kms(kms)
    return warnings


def _default_kms(kms: KMS) -> None:
    if kms.cachesize is None:
        kms.cachesize = DEFAULT_KMS_CACHE_SIZE
    if not kms.timeout:
        kms.timeout = DEFAULT_KMS_TIMEOUT


def set_cluster_cli_defaults(cluster: Cluster, *, node_startup_timeout: str | None = None) -> None:
    """The CLI's Cluster defaults: namespace and machine health checks (timeouts, ``maxUnhealthy``).

    :param node_startup_timeout: the provider's default node startup timeout
        (:attr:`~eksa_core.contract.ProviderTraits.node_startup_timeout`), else :data:`DEFAULT_NODE_STARTUP_TIMEOUT`.
    """
    _set_namespace(cluster)
    spec = cluster.spec
    top_max_unhealthy_set = spec.machine_health_check is not None and spec.machine_health_check.max_unhealthy \
        is not None
    mhc = spec.machine_health_check
    if mhc is None:
        mhc = spec.machine_health_check = MachineHealthCheck()
    if not mhc.node_startup_timeout:
        mhc.node_startup_timeout = node_startup_timeout or DEFAULT_NODE_STARTUP_TIMEOUT
    if not mhc.unhealthy_machine_timeout:
        mhc.unhealthy_machine_timeout = DEFAULT_UNHEALTHY_MACHINE_TIMEOUT
    if mhc.max_unhealthy is None:
        mhc.max_unhealthy = DEFAULT_CP_MAX_UNHEALTHY

    cp = spec.control_plane_configuration
    if cp is not None:
        if cp.machine_health_check is None:
            cp.machine_health_check = MachineHealthCheck()
        if cp.machine_health_check.max_unhealthy is None:
            cp.machine_health_check.max_unhealthy = mhc.max_unhealthy if top_max_unhealthy_set \
                else DEFAULT_CP_MAX_UNHEALTHY
    for group in spec.worker_node_group_configurations or []:
        if group.machine_health_check is None:
            group.machine_health_check = MachineHealthCheck()
        if group.machine_health_check.max_unhealthy is None:
            group.machine_health_check.max_unhealthy = mhc.max_unhealthy if top_max_unhealthy_set \
                else DEFAULT_WORKER_MAX_UNHEALTHY


def _set_namespace(obj: EksaObject) -> None:
    if not obj.metadata.namespace:
        obj.metadata.namespace = DEFAULT_CLI_NAMESPACE


# -- identity and GitOps kinds ------------------------------------------------------------------------------------


def set_awsiam_defaults(config: AWSIamConfig) -> None:
    """``AWSIamConfig.SetDefaults``: partition ``aws``."""
    if not config.spec.partition:
        config.spec.partition = DEFAULT_AWS_PARTITION


def _cluster_config_path(cluster: Cluster | None) -> str | None:
    if cluster is None:
        return None
    name = cluster.management_cluster_name
    return f"clusters/{name}" if name else None


def set_fluxconfig_defaults(config: FluxConfig, cluster: Cluster | None = None) -> None:
    """FluxConfig defaults: ``systemNamespace`` flux-system, ``branch`` main, ``clusterConfigPath``
    ``clusters/<management cluster name>`` (when the cluster is known), ``git.sshKeyAlgorithm`` ecdsa."""
    spec = config.spec
    if not spec.system_namespace:
        spec.system_namespace = DEFAULT_FLUX_SYSTEM_NAMESPACE
    if not spec.branch:
        spec.branch = DEFAULT_FLUX_BRANCH
    if not spec.cluster_config_path:
        spec.cluster_config_path = _cluster_config_path(cluster)
    if spec.git is not None and not spec.git.ssh_key_algorithm:
        spec.git.ssh_key_algorithm = DEFAULT_SSH_KEY_ALGORITHM


def set_gitopsconfig_defaults(config: GitOpsConfig, cluster: Cluster | None = None) -> None:
    """Legacy GitOpsConfig defaults (same values as FluxConfig, on ``spec.flux.github``)."""
    github = config.spec.flux.github if config.spec.flux is not None else None
    if github is None:
        return
    if not github.flux_system_namespace:
        github.flux_system_namespace = DEFAULT_FLUX_SYSTEM_NAMESPACE
    if not github.branch:
        github.branch = DEFAULT_FLUX_BRANCH
    if not github.cluster_config_path:
        github.cluster_config_path = _cluster_config_path(cluster)
