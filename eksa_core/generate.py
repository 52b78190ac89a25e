"""New cluster specs: what ``eksa generate clusterconfig NAME -p PROVIDER`` writes.

:func:`generate_cluster_config` builds the core ``Cluster`` the way EKS Anywhere's generator does (Kubernetes
1.36, Cilium with its defaults, pod CIDR ``192.168.0.0/16``, service CIDR ``10.96.0.0/12``, the cluster managing
itself, one worker group ``md-0``), asks the chosen provider (hook
``eksa_generate_cluster_config``) to set its counts, endpoint and references and to
return its datacenter and machine configs, then applies the caller's options. :func:`to_yaml` writes the
result the way EKS Anywhere prints it: one document per object, keys sorted, ``spec.clusterNetwork.dns``
left out.

Example::

    from eksa_core.generate import generate_cluster_config, to_yaml

    config = generate_cluster_config("dev", "docker", worker_node_group_count=2)
    print(to_yaml(config))

:func:`new_cluster` is the provider-independent part (EKS Anywhere's ``NewClusterGenerate`` with its options);
it is what the ``generate-cluster`` conformance cases exercise.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

from .convert import structure, unstructure
from .errors import ErrorCode, PluginError, SpecError
from .models.base import EksaObject, ObjectMeta, Ref
from .models.cluster import (
    CIDRBlocks,
    CiliumConfig,
    Cluster,
    ClusterNetwork,
    ClusterSpec,
    CNIConfig,
    ControlPlaneConfiguration,
    ControlPlaneUpgradeRolloutStrategy,
    Endpoint,
    ExternalEtcdConfiguration,
    ManagementCluster,
    WorkerNodeGroupConfiguration,
    WorkerUpgradeRolloutStrategy,
)
from .spec import ClusterConfig

if TYPE_CHECKING:
    from .plugins import Plugins

__all__ = [
    "DEFAULT_KUBERNETES_VERSION",
    "DEFAULT_POD_CIDR",
    "DEFAULT_SERVICE_CIDR",
    "DEFAULT_WORKER_NODE_GROUP_NAME",
    "MAX_CLUSTER_NAME_LENGTH",
    "REMOVED_PATHS",
    "cluster_data",
    "generate_cluster_config",
    "new_cluster",
    "new_cluster_from_params",
    "to_yaml",
    "validate_cluster_name",
]

DEFAULT_KUBERNETES_VERSION = "1.36"
"""Kubernetes version of a generated spec."""

DEFAULT_POD_CIDR = "192.168.0.0/16"
DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
DEFAULT_WORKER_NODE_GROUP_NAME = "md-0"
"""Name of the worker group of a generated spec."""

MAX_CLUSTER_NAME_LENGTH = 35
"""Longest accepted cluster name."""

REMOVED_PATHS = ("spec.clusterNetwork.dns",)
"""Paths EKS Anywhere leaves out of a generated Cluster document."""

_CLUSTER_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]+$")


def validate_cluster_name(name: str | None) -> str:
    """Check the cluster name argument as ``eksctl anywhere generate clusterconfig`` does.

    :raises SpecError: "please specify a cluster name" when it is missing or empty, EKS Anywhere's regex and
        length messages when it is not a valid name.
    """
    if name is None or name == "":
        raise SpecError("please specify a cluster name", code=ErrorCode.INVALID, kind="Cluster",
                        field="metadata.name")
    if not _CLUSTER_NAME.match(name):
        raise SpecError(
            f"{name} is not a valid cluster name, cluster names must start with lowercase/uppercase letters and "
            "can include numbers and dashes. For instance 'testCluster-123' is a valid name but '123testCluster' "
            "is not. ",
            kind="Cluster", name=name, field="metadata.name",
        )
    if len(name) > MAX_CLUSTER_NAME_LENGTH:
        raise SpecError(f"number of characters in {name} should be less than {MAX_CLUSTER_NAME_LENGTH + 1}",
                        kind="Cluster", name=name, field="metadata.name")
    return name


def _rollout(value: Any, cls: type[Any], field: str) -> Any:
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, str):
        return cls(type=value)
    if isinstance(value, Mapping):
        return structure(dict(value), cls, path=field)
    raise SpecError(f"invalid upgrade rollout strategy {value!r}", kind="Cluster", field=field)


def new_cluster(
    name: str,
    *,
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION,
    control_plane_count: int | None = None,
    control_plane_endpoint: bool = False,
    external_etcd_count: int | None = None,
    worker_node_group_count: int | None = None,
    worker_node_group_name: str | None = None,
    control_plane_upgrade_rollout_strategy: ControlPlaneUpgradeRolloutStrategy | Mapping[str, Any] | str | None = None,
    worker_upgrade_rollout_strategy: WorkerUpgradeRolloutStrategy | Mapping[str, Any] | str | None = None,
) -> Cluster:
    """The generated ``Cluster`` before any provider touched it (EKS Anywhere's ``NewClusterGenerate``).

    Always present: ``kubernetesVersion``, ``clusterNetwork`` (Cilium defaults, default CIDRs, an empty ``dns``),
    ``managementCluster.name`` = ``name``, an empty ``controlPlaneConfiguration`` and an empty ``datacenterRef``.
    Options (each one of EKS Anywhere's generate options):

    :param control_plane_count: ``controlPlaneConfiguration.count``.
    :param control_plane_endpoint: add ``controlPlaneConfiguration.endpoint.host: ""``.
    :param external_etcd_count: ``externalEtcdConfiguration.count`` (external etcd topology).
    :param worker_node_group_count: creates the worker group list with one group of that many nodes.
    :param worker_node_group_name: name of the first worker group.
    :param control_plane_upgrade_rollout_strategy: ``{type: InPlace}``, ``"RollingUpdate"``, a model...
    :param worker_upgrade_rollout_strategy: the same for the first worker group.
    """
    cp = ControlPlaneConfiguration(count=control_plane_count)
    if control_plane_endpoint:
        cp.endpoint = Endpoint(host="")
    cp.upgrade_rollout_strategy = _rollout(control_plane_upgrade_rollout_strategy, ControlPlaneUpgradeRolloutStrategy,
                                           "spec.controlPlaneConfiguration.upgradeRolloutStrategy")
    spec = ClusterSpec(
        kubernetes_version=kubernetes_version,
        control_plane_configuration=cp,
        datacenter_ref=Ref(),
        cluster_network=ClusterNetwork(
            pods=CIDRBlocks(cidr_blocks=[DEFAULT_POD_CIDR]),
            services=CIDRBlocks(cidr_blocks=[DEFAULT_SERVICE_CIDR]),
            cni_config=CNIConfig(cilium=CiliumConfig()),
            dns=_empty_dns(),
        ),
        management_cluster=ManagementCluster(name=name),
    )
    if external_etcd_count is not None:
        spec.external_etcd_configuration = ExternalEtcdConfiguration(count=external_etcd_count)
    groups: list[WorkerNodeGroupConfiguration] = []
    if worker_node_group_count is not None:
        groups.append(WorkerNodeGroupConfiguration(count=worker_node_group_count))
    if worker_node_group_name is not None:
        if not groups:
            groups.append(WorkerNodeGroupConfiguration())
        groups[0].name = worker_node_group_name
    if worker_upgrade_rollout_strategy is not None:
        if not groups:
            groups.append(WorkerNodeGroupConfiguration())
        groups[0].upgrade_rollout_strategy = _rollout(
            worker_upgrade_rollout_strategy, WorkerUpgradeRolloutStrategy,
            "spec.workerNodeGroupConfigurations[0].upgradeRolloutStrategy")
    if groups:
        spec.worker_node_group_configurations = groups
    return Cluster(metadata=ObjectMeta(name=name), spec=spec)


def _empty_dns() -> Any:
    from .models.cluster import DNS

    return DNS()


_PARAM_OPTIONS = {
    "clusterName": "name",
    "kubernetesVersion": "kubernetes_version",
    "controlPlaneCount": "control_plane_count",
    "controlPlaneEndpoint": "control_plane_endpoint",
    "externalEtcdCount": "external_etcd_count",
    "workerNodeGroupCount": "worker_node_group_count",
    "workerNodeGroupName": "worker_node_group_name",
    "controlPlaneUpgradeRolloutStrategy": "control_plane_upgrade_rollout_strategy",
    "workerNodeGroups[0].upgradeRolloutStrategy": "worker_upgrade_rollout_strategy",
}


def new_cluster_from_params(params: Mapping[str, Any]) -> Cluster:
    """:func:`new_cluster` from the ``params`` of a ``generate-cluster`` conformance case (camelCase names:
    ``clusterName``, ``workerNodeGroupCount``, ``controlPlaneUpgradeRolloutStrategy``,
    ``workerNodeGroups[0].upgradeRolloutStrategy``...). An unknown parameter is a :class:`SpecError`."""
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        option = _PARAM_OPTIONS.get(key)
        if option is None:
            raise SpecError(f"unknown generate parameter {key!r} (known: {', '.join(sorted(_PARAM_OPTIONS))})")
        kwargs[option] = value
    name = kwargs.pop("name", None)
    return new_cluster(validate_cluster_name(name), **kwargs)


def generate_cluster_config(
    name: str,
    provider: str,
    *,
    plugins: Plugins | None = None,
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION,
    **options: Any,
) -> ClusterConfig:
    """A new cluster spec for ``provider``: the Cluster, the provider's datacenter config, its machine configs.

    :param name: the cluster name (checked with :func:`validate_cluster_name`).
    :param provider: a provider name or alias (``docker``, ``vsphere``...).
    :param plugins: where providers come from (default: the installed ones).
    :param kubernetes_version: ``spec.kubernetesVersion`` (default ``1.36``).
    :param options: applied after the provider's choices, so they win: ``control_plane_count``,
        ``external_etcd_count``, ``worker_node_group_count`` (nodes of ``md-0``),
        ``control_plane_upgrade_rollout_strategy``, ``worker_upgrade_rollout_strategy`` (see :func:`new_cluster`).
    :raises SpecError: bad name or option. :raises PluginError: ``"<p> is not a valid provider"``, or the
        provider cannot generate specs.
    """
    validate_cluster_name(name)
    unknown = set(options) - {"control_plane_count", "external_etcd_count", "worker_node_group_count",
                              "control_plane_upgrade_rollout_strategy", "worker_upgrade_rollout_strategy"}
    if unknown:
        raise TypeError(f"generate_cluster_config() got unknown options: {', '.join(sorted(unknown))}")
    if plugins is None:
        from .plugins import default_plugins

        plugins = default_plugins()
    if not provider:
        raise PluginError("please specify a provider with -p/--provider")
    hooks = plugins.provider(provider)
    cluster = new_cluster(name, kubernetes_version=kubernetes_version, worker_node_group_count=1,
                          worker_node_group_name=DEFAULT_WORKER_NODE_GROUP_NAME)
    documents = hooks.generate_cluster_config(name, cluster)
    if documents is None:
        raise PluginError(f"provider {hooks.info.name} does not generate cluster configs")
    _apply_options(cluster, options)
    if cluster.spec.cluster_network is not None:
        cluster.spec.cluster_network.dns = None  # EKS-A strips spec.clusterNetwork.dns from generated files
    config = ClusterConfig()
    config.add(cluster)
    for obj in documents:
        if not isinstance(obj, EksaObject):
            raise PluginError(f"provider {hooks.info.name} generated {type(obj).__name__}, not an EKS-A object")
        config.add(obj)
    return config


def _apply_options(cluster: Cluster, options: Mapping[str, Any]) -> None:
    spec = cluster.spec
    cp = spec.control_plane_configuration or ControlPlaneConfiguration()
    spec.control_plane_configuration = cp
    if options.get("control_plane_count") is not None:
        cp.count = int(options["control_plane_count"])
    if options.get("control_plane_upgrade_rollout_strategy") is not None:
        cp.upgrade_rollout_strategy = _rollout(options["control_plane_upgrade_rollout_strategy"],
                                               ControlPlaneUpgradeRolloutStrategy,
                                               "spec.controlPlaneConfiguration.upgradeRolloutStrategy")
    if options.get("external_etcd_count") is not None:
        etcd = spec.external_etcd_configuration or ExternalEtcdConfiguration()
        etcd.count = int(options["external_etcd_count"])
        spec.external_etcd_configuration = etcd
    groups = spec.worker_node_group_configurations or []
    if groups and options.get("worker_node_group_count") is not None:
        groups[0].count = int(options["worker_node_group_count"])
    if groups and options.get("worker_upgrade_rollout_strategy") is not None:
        groups[0].upgrade_rollout_strategy = _rollout(options["worker_upgrade_rollout_strategy"],
                                                      WorkerUpgradeRolloutStrategy,
                                                      "spec.workerNodeGroupConfigurations[0].upgradeRolloutStrategy")


# -- output -------------------------------------------------------------------------------------------------------


def cluster_data(obj: EksaObject) -> dict[str, Any]:
    """An object as plain data with sorted keys (what Go's ``yaml.Marshal`` of the object gives)."""
    return _sorted(unstructure(obj))  # type: ignore[no-any-return]


def _sorted(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {k: _sorted(data[k]) for k in sorted(data)}
    if isinstance(data, list):
        return [_sorted(v) for v in data]
    return data


def _resolves_to_other_type(value: str, version: tuple[int, int]) -> bool:
    resolver = VersionedResolver(version=version)
    return bool(resolver.resolve(ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str")


class _GoStyleRepresenter(RoundTripRepresenter):
    """Quotes like Go's YAML library: a string that would read back as another type (``"1.36"``, ``""``,
    ``"true"``) is double-quoted; a multi-line string is a literal block."""

    def represent_str(self, data: str) -> Any:
        style = None
        if data == "" or any(_resolves_to_other_type(data, v) for v in ((1, 1), (1, 2))):
            style = '"'
        elif "\n" in data:
            style = "|"
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_GoStyleRepresenter.add_representer(str, _GoStyleRepresenter.represent_str)


def _dump(data: Any) -> str:
    yaml = YAML(typ="rt")
    yaml.Representer = _GoStyleRepresenter
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def to_yaml(config: ClusterConfig) -> str:
    """The documents of a generated spec as EKS Anywhere prints them: each object with sorted keys, followed by
    a blank line and ``---``; ``spec.clusterNetwork.dns`` of the Cluster left out."""
    out: list[str] = []
    for obj in config.objects:
        data = cluster_data(obj)
        if obj.kind == Cluster.KIND:
            for path in REMOVED_PATHS:
                _remove_path(data, path.split("."))
        out.append(_dump(data) + "\n---\n")
    return "".join(out)


def _remove_path(data: Any, parts: list[str]) -> None:
    for part in parts[:-1]:
        if not isinstance(data, dict) or part not in data:
            return
        data = data[part]
    if isinstance(data, dict):
        data.pop(parts[-1], None)
