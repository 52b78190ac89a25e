"""CloudStack (CAPC) template hooks: CAPI manifests, credentials Secrets, clusterctl environment, infrastructure
bundle and bootstrap options.

Control plane (EKS-A ``GenerateCAPISpecControlPlane``): Cluster (with the control plane endpoint), CloudStackCluster
(``infrastructure.cluster.x-k8s.io/v1beta3``, one failure domain per availability zone), KubeadmControlPlane
(kube-vip static pod unless ``CLOUDSTACK_KUBE_VIP_DISABLED=true``), the control plane CloudStackMachineTemplate and,
with external etcd, the EtcdadmCluster and its CloudStackMachineTemplate. Per worker group
(``GenerateCAPISpecWorkers``): KubeadmConfigTemplate, MachineDeployment, CloudStackMachineTemplate.

Machine configs map onto the nodes as CAPC expects: ``template``/``computeOffering``/``diskOffering``/
``affinity``/``affinityGroupIds``/``userCustomDetails`` go to the machine template spec; the data disk
(``diskOffering.device``/``filesystem``/``label``/``mountPath``) and ``symlinks`` go to annotations of the template
and to the node bootstrap (cloud-init ``diskSetup``/``mounts`` and symlink commands).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from eksa_core import hookimpl
from eksa_core.capi import (
    KubeadmFlavor,
    KubeVip,
    NodeGroupSettings,
    RegistryMirror,
    WorkerGroupParts,
    capi_cluster,
    control_plane_template_name,
    etcd_template_name,
    etcdadm_cluster,
    kubeadm_control_plane,
    kubeadm_images,
    kubeadm_users,
    kubeadm_workers,
    metadata,
    no_proxy_list,
)
from eksa_core.capi.constants import CLOUD_CONFIG, EKSA_SYSTEM_NAMESPACE, SECURE_CIPHER_SUITES
from eksa_core.errors import SpecError
from eksa_core.provider import BootstrapOptions, InfrastructureBundle, TemplateOptions

from .credentials import CAPC_ENV, ENV, CloudStackCredentials, credentials_from_env, profile_secret
from .models import (
    DEFAULT_CREDENTIALS_REF,
    CloudStackAvailabilityZone,
    CloudStackDatacenterConfig,
    CloudStackMachineConfig,
    CloudStackResourceDiskOffering,
)

if TYPE_CHECKING:
    from eksa_core.models.cluster import Cluster, WorkerNodeGroupConfiguration
    from eksa_core.provider import ClusterHandle, HookContext, Spec

__all__ = [
    "ANNOTATION_SUFFIX",
    "DEFAULT_ENDPOINT_PORT",
    "INFRA_API_VERSION",
    "KUBE_VIP_DISABLED_ENV",
    "MACHINE_TEMPLATE_KIND",
    "availability_zones",
    "bootstrap_options",
    "cloudstack_cluster",
    "control_plane_host_port",
    "credentials_secrets",
    "eksa_bootstrap_options",
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_update_secrets",
    "env_map",
    "generate_control_plane",
    "generate_workers",
    "kube_vip_disabled",
    "machine_template",
    "management_api_hosts",
    "symlink_command",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta3"
"""CAPC API version of CloudStackCluster and CloudStackMachineTemplate."""
MACHINE_TEMPLATE_KIND = "CloudStackMachineTemplate"
ANNOTATION_SUFFIX = "cloudstack.anywhere.eks.amazonaws.com/v1alpha1"
"""Suffix of the machine template annotations that carry the data disk and symlink settings."""
DEFAULT_ENDPOINT_PORT = 6443
"""Port of the control plane endpoint when ``controlPlaneConfiguration.endpoint.host`` has none."""
KUBE_VIP_DISABLED_ENV = "CLOUDSTACK_KUBE_VIP_DISABLED"
"""``true`` turns the kube-vip static pod off (the endpoint is then served by something else)."""

_HOSTNAME = "{{ ds.meta_data.hostname }}"
_PROVIDER_ID = "cloudstack:///'{{ ds.meta_data.instance_id }}'"
_SWAPOFF = "swapoff -a"
_HOSTNAME_COMMANDS = (
    f'hostname "{_HOSTNAME}"',
    'echo "::1         ipv6-localhost ipv6-loopback" >/etc/hosts',
    'echo "127.0.0.1   localhost" >>/etc/hosts',
    f'echo "127.0.0.1   {_HOSTNAME}" >>/etc/hosts',
    f'echo "{_HOSTNAME}" >/etc/hostname',
)
_SECURE = {"profiling": "false", "tls-cipher-suites": SECURE_CIPHER_SUITES}
_EXTERNAL_CLOUD = (("cloud-provider", "external"),)

_BASE_FLAVOR: dict[str, Any] = {
    "apiserver_args": _EXTERNAL_CLOUD,
    "apiserver_spec_args": _SECURE,
    "controller_manager_args": _EXTERNAL_CLOUD,
    "controller_manager_spec_args": _SECURE,
    "scheduler_args": _SECURE,
    "kubelet_args": (("provider-id", _PROVIDER_ID),),
    "secure_kubelet": True,
    "node_name": _HOSTNAME,
    "pre_commands": _HOSTNAME_COMMANDS,
    "etcd_pre_commands": (_SWAPOFF, *_HOSTNAME_COMMANDS),
    "init_cri_socket": True,
    "include_format": True,
}


# -- spec access ----------------------------------------------------------------------------------------------


def _datacenter(spec: Spec) -> CloudStackDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, CloudStackDatacenterConfig):
        raise SpecError("CloudStackDatacenterConfig not found in the cluster spec", kind="CloudStackDatacenterConfig")
    return dc


def _machine(spec: Spec, name: str | None, field_path: str) -> CloudStackMachineConfig:
    mc = spec.config.machine_config(name, "CloudStackMachineConfig")
    if not isinstance(mc, CloudStackMachineConfig):
        raise SpecError(f"CloudStackMachineConfig {name} not found in the cluster spec", kind="Cluster",
                        name=spec.cluster.name, field=field_path)
    return mc


def availability_zones(dc: CloudStackDatacenterConfig) -> list[CloudStackAvailabilityZone]:
    """The availability zones of ``dc``; a datacenter still in the legacy form (top-level ``zones``) gets the zones
    its defaults would produce (``default-az-<i>``, credentials ``global``), without being changed."""
    azs = dc.availability_zones()
    spec = dc.spec
    for index, zone in enumerate(spec.zones or []):
        azs.append(CloudStackAvailabilityZone(
            name=f"default-az-{index}", credentials_ref=DEFAULT_CREDENTIALS_REF, zone=zone, domain=spec.domain,
            account=spec.account, management_api_endpoint=spec.management_api_endpoint))
    return azs


def management_api_hosts(dc: CloudStackDatacenterConfig) -> list[str]:
    """Host names of the availability zones' management API endpoints, in zone order (unparsable ones skipped)."""
    out: list[str] = []
    for az in availability_zones(dc):
        try:
            host = urlsplit(az.management_api_endpoint or "").hostname
        except ValueError:
            host = None
        if host:
            out.append(host)
    return out


def control_plane_host_port(cluster: Cluster) -> tuple[str, int]:
    """``controlPlaneConfiguration.endpoint.host`` split into host and port (``host`` or ``host:port``; port
    6443 when absent). A malformed host or a port outside 1-65535 is a :class:`SpecError`."""
    cp = cluster.spec.control_plane_configuration
    raw = (cp.endpoint.host if cp and cp.endpoint else None) or ""
    field_path = "spec.controlPlaneConfiguration.endpoint.host"

    def bad(message: str) -> SpecError:
        return SpecError(message, kind="Cluster", name=cluster.name, field=field_path)

    host, port = _split_host_port(raw)
    if host is None:
        raise bad(f"host {raw} is invalid: address {raw}: too many colons in address")
    if port is None:
        return host, DEFAULT_ENDPOINT_PORT
    if not port.isdigit() or not 0 < int(port) <= 65535:
        raise bad(f"host {raw} has an invalid port")
    return host, int(port)


def _split_host_port(raw: str) -> tuple[str | None, str | None]:
    """Go's ``net.SplitHostPort`` reduced to what matters here: ``(host, port)``, ``(raw, None)`` when the port is
    missing, ``(None, None)`` when the address is malformed."""
    if raw.startswith("["):
        end = raw.find("]")
        if end < 0:
            return None, None
        rest = raw[end + 1:]
        if not rest:
            return raw, None
        return (raw[1:end], rest[1:]) if rest.startswith(":") else (None, None)
    colons = raw.count(":")
    if colons == 0:
        return raw, None
    if colons > 1:
        return None, None
    host, _, port = raw.partition(":")
    return host, port


def kube_vip_disabled(env: Mapping[str, str]) -> bool:
    """Whether ``CLOUDSTACK_KUBE_VIP_DISABLED`` is ``true`` (EKS-A feature flag semantics: exactly ``true``)."""
    return env.get(KUBE_VIP_DISABLED_ENV) == "true"


def _flavor(spec: Spec, *, empty_taints: bool) -> KubeadmFlavor:
    dc = _datacenter(spec)
    cp = spec.cluster.spec.control_plane_configuration
    raw_host = cp.endpoint.host if cp and cp.endpoint else None
    endpoints = (*management_api_hosts(dc), *((raw_host,) if raw_host else ()))
    return KubeadmFlavor(**_BASE_FLAVOR, empty_taints=empty_taints, proxy_endpoints=endpoints)


# -- machine templates ----------------------------------------------------------------------------------------


def _disk_offering_provided(disk: CloudStackResourceDiskOffering | None) -> bool:
    return disk is not None and bool(disk.id or disk.name)


def _annotations(mc: CloudStackMachineConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    disk = mc.spec.disk_offering
    if disk is not None:
        out[f"device.diskoffering.{ANNOTATION_SUFFIX}"] = disk.device or ""
        out[f"filesystem.diskoffering.{ANNOTATION_SUFFIX}"] = disk.filesystem or ""
        out[f"label.diskoffering.{ANNOTATION_SUFFIX}"] = disk.label or ""
        out[f"mountpath.diskoffering.{ANNOTATION_SUFFIX}"] = disk.mount_path or ""
    links = mc.spec.symlinks
    if links is not None:
        out[f"symlinks.{ANNOTATION_SUFFIX}"] = ",".join(sorted(f"{k}:{v}" for k, v in links.items()))
    return out


def _identifier(ident: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ident is not None and ident.id:
        out["id"] = ident.id
    if ident is not None and ident.name:
        out["name"] = ident.name
    return out


def machine_template(name: str | None, mc: CloudStackMachineConfig) -> dict[str, Any]:
    """The ``CloudStackMachineTemplate`` of a machine config: offering, template, data disk, affinity, details
    (``userCustomDetails``); disk and symlink settings also as annotations. ``sshKey`` is always empty (SSH keys
    reach the nodes through the kubeadm users)."""
    m = mc.spec
    tspec: dict[str, Any] = {}
    if m.affinity:
        tspec["affinity"] = m.affinity
    if m.affinity_group_ids:
        tspec["affinityGroupIDs"] = list(m.affinity_group_ids)
    if m.user_custom_details:
        tspec["details"] = dict(m.user_custom_details)
    disk = m.disk_offering
    if disk is not None:
        tspec["diskOffering"] = {
            "customSizeInGB": disk.custom_size_in_gb or 0,
            "device": disk.device or "",
            "filesystem": disk.filesystem or "",
            **({"id": disk.id} if disk.id else {}),
            "label": disk.label or "",
            "mountPath": disk.mount_path or "",
            **({"name": disk.name} if disk.name else {}),
        }
    tspec["offering"] = _identifier(m.compute_offering)
    tspec["sshKey"] = ""
    tspec["template"] = _identifier(m.template)
    return {
        "apiVersion": INFRA_API_VERSION,
        "kind": MACHINE_TEMPLATE_KIND,
        "metadata": metadata(name, annotations=_annotations(mc)),
        "spec": {"template": {"spec": tspec}},
    }


# -- node bootstrap pieces ------------------------------------------------------------------------------------


def symlink_command(link: str, target: str, *, style: str = "control-plane") -> str:
    """The shell command that moves ``link`` aside and points it at ``target`` (on the data disk), unless it is a
    symlink already. ``style`` picks EKS-A's wording of each template: ``control-plane``, ``worker`` or ``etcd``."""
    head = (f"if [ ! -L {link} ] ;\n"
            "  then\n"
            f"    mv {link} {link}-$(tr -dc A-Za-z0-9 < /dev/urandom | head -c 10) ;\n"
            f"    mkdir -p {target} && ln -s {target} {link} ;\n")
    if style == "worker":
        tail = f'  else echo "{link} already symlnk" ;\nfi'
    elif style == "etcd":
        tail = f'  else\n    echo "{link} already symlnk" ;\nfi'
    else:
        tail = f'  else echo "{link} already symlnk";\nfi'
    return head + tail


def _symlink_commands(mc: CloudStackMachineConfig, style: str) -> list[str]:
    links = mc.spec.symlinks or {}
    return [symlink_command(k, links[k], style=style) for k in sorted(links)]


def _disk_setup(disk: CloudStackResourceDiskOffering) -> dict[str, Any]:
    """cloud-init ``diskSetup`` (one GPT partition on the device, formatted with the label) and ``mounts``."""
    return {
        "diskSetup": {
            "filesystems": [{"device": f"{disk.device or ''}1", "overwrite": False,
                             "extraOpts": ["-E", "lazy_itable_init=1,lazy_journal_init=1"],
                             "filesystem": disk.filesystem or "", "label": disk.label or ""}],
            "partitions": [{"device": disk.device or "", "layout": True, "overwrite": False, "tableType": "gpt"}],
        },
        "mounts": [[f"LABEL={disk.label or ''}", disk.mount_path or ""]],
    }


def _etcd_disk_command(disk: CloudStackResourceDiskOffering) -> str:
    """etcdadm has no ``diskSetup``: partition, format, mount the data disk by command."""
    device, fs, path = disk.device or "", disk.filesystem or "", disk.mount_path or ""
    return (f'echo "type=83" | sfdisk {device} && mkfs -t {fs} {device}1 && mkdir -p {path} && '
            f"echo {device}1 {path} {fs} defaults 0 2 >> /etc/fstab && mount {path}")


def _node_bootstrap(config_spec: dict[str, Any], mc: CloudStackMachineConfig, style: str) -> None:
    """Adds ``swapoff -a`` (first), the symlink commands (last), ``diskSetup`` and ``mounts`` to a
    kubeadmConfigSpec built by the shared builders (key order kept: extras right after preKubeadmCommands)."""
    pre = [_SWAPOFF, *config_spec.get("preKubeadmCommands", []), *_symlink_commands(mc, style)]
    extras: dict[str, Any] = {"preKubeadmCommands": pre}
    disk = mc.spec.disk_offering
    if disk is not None and _disk_offering_provided(disk):
        extras.update(_disk_setup(disk))
    rebuilt: dict[str, Any] = {}
    placed = False
    for key, value in config_spec.items():
        if key in ("users", "ntp", "format") and not placed:
            rebuilt.update(extras)
            placed = True
        if key != "preKubeadmCommands":
            rebuilt[key] = value
    if not placed:
        rebuilt.update(extras)
    config_spec.clear()
    config_spec.update(rebuilt)


def _settings(mc: CloudStackMachineConfig, **kw: Any) -> NodeGroupSettings:
    return NodeGroupSettings(os_family="", users=list(mc.spec.users or []), **kw)




# -- control plane --------------------------------------------------------------------------------------------


def cloudstack_cluster(cluster: Cluster, dc: CloudStackDatacenterConfig) -> dict[str, Any]:
    """The ``CloudStackCluster``: control plane endpoint and one failure domain per availability zone (zone and
    network by id and name, domain, account, and the credentials Secret ``acsEndpoint`` of its profile)."""
    host, port = control_plane_host_port(cluster)
    domains = []
    for az in availability_zones(dc):
        zone = az.zone
        network = zone.network if zone else None
        domains.append({
            "name": az.name or None,
            "zone": {
                "id": (zone.id if zone else None) or None,
                "name": (zone.name if zone else None) or None,
                "network": {"id": (network.id if network else None) or None,
                            "name": (network.name if network else None) or None},
            },
            "domain": az.domain or None,
            "account": az.account or None,
            "acsEndpoint": {"name": az.credentials_ref or None, "namespace": EKSA_SYSTEM_NAMESPACE},
        })
    return {
        "apiVersion": INFRA_API_VERSION,
        "kind": "CloudStackCluster",
        "metadata": metadata(cluster.name),
        "spec": {"controlPlaneEndpoint": {"host": host, "port": port}, "failureDomains": domains},
    }


def generate_control_plane(spec: Spec, options: TemplateOptions | None = None,
                           env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The control plane objects of a CloudStack cluster, in apply order."""
    options = options or TemplateOptions()
    env = {} if env is None else env
    cluster = spec.cluster
    name = cluster.name
    dc = _datacenter(spec)
    cpc = cluster.spec.control_plane_configuration
    cp_mc = _machine(spec, cpc.machine_group_ref.name if cpc and cpc.machine_group_ref else None,
                     "spec.controlPlaneConfiguration.machineGroupRef.name")
    etcd_cfg = cluster.spec.external_etcd_configuration
    external_etcd = etcd_cfg is not None
    images = kubeadm_images(spec)
    host, port = control_plane_host_port(cluster)
    cp_name = options.control_plane_template_name or control_plane_template_name(name)
    etcd_name = options.etcd_template_name or etcd_template_name(name)
    oidc, aws_iam = spec.config.oidc_config(), spec.config.aws_iam_config()

    capi = capi_cluster(cluster, "CloudStackCluster", external_etcd=external_etcd)
    cspec = capi["spec"]
    capi["spec"] = {"clusterNetwork": cspec.pop("clusterNetwork"),
                    "controlPlaneEndpoint": {"host": host, "port": port}, **cspec}

    kube_vip = None
    if not kube_vip_disabled(env):
        kube_vip = KubeVip(address=host, image=spec.versions_bundle().cloud_stack.kube_vip.uri)
    node = _settings(cp_mc, taints=cpc.taints if cpc else None, labels=cpc.labels if cpc else None,
                     kubelet_configuration=cpc.kubelet_configuration if cpc else None)
    kcp = kubeadm_control_plane(
        cluster, flavor=_flavor(spec, empty_taints=False), images=images, node=node,
        machine_template_kind=MACHINE_TEMPLATE_KIND, machine_template_name=cp_name, external_etcd=external_etcd,
        kube_vip=kube_vip, oidc=oidc, aws_iam=aws_iam, env=env, default_taint=False,
    )
    _node_bootstrap(kcp["spec"]["kubeadmConfigSpec"], cp_mc, "control-plane")

    objects: list[dict[str, Any]] = [capi, cloudstack_cluster(cluster, dc), kcp, machine_template(cp_name, cp_mc)]
    if etcd_cfg is not None:
        etcd_mc = _machine(spec, etcd_cfg.machine_group_ref.name if etcd_cfg.machine_group_ref else None,
                           "spec.externalEtcdConfiguration.machineGroupRef.name")
        objects.append(_etcdadm(spec, etcd_mc, etcd_name, env))
        objects.append(machine_template(etcd_name, etcd_mc))
    return objects


def _etcdadm(spec: Spec, mc: CloudStackMachineConfig, template_name: str, env: Mapping[str, str]) -> dict[str, Any]:
    cluster = spec.cluster
    etcd = cluster.spec.external_etcd_configuration
    distro = spec.eksd_release().kube_distro()
    proxy_cfg = cluster.spec.proxy_configuration
    proxy = None
    if proxy_cfg is not None:
        proxy = {"httpProxy": proxy_cfg.http_proxy, "httpsProxy": proxy_cfg.https_proxy,
                 "noProxy": no_proxy_list(cluster, _flavor(spec, empty_taints=False).proxy_endpoints)}
    mirror = RegistryMirror.from_cluster(cluster, env)
    mirror_cfg = None
    if mirror is not None:
        mirror_cfg = {"endpoint": mirror.core_mirror()}
        if mirror.ca_cert:
            mirror_cfg["caCert"] = mirror.ca_cert
    pre = list(_BASE_FLAVOR["etcd_pre_commands"])
    disk = mc.spec.disk_offering
    if disk is not None and _disk_offering_provided(disk):
        pre.append(_etcd_disk_command(disk))
    pre += _symlink_commands(mc, "etcd")
    return etcdadm_cluster(
        cluster,
        replicas=etcd.count if etcd and etcd.count is not None else 1,
        bootstrap_format=CLOUD_CONFIG,
        users=kubeadm_users(list(mc.spec.users or [])),
        machine_template_api_version=INFRA_API_VERSION,
        machine_template_kind=MACHINE_TEMPLATE_KIND,
        machine_template_name=template_name,
        cloud_init={"version": distro.etcd_version, "installDir": "/usr/bin", "etcdReleaseURL": distro.etcd_url},
        pre_commands=pre,
        proxy=proxy,
        registry_mirror=mirror_cfg,
    )


# -- workers --------------------------------------------------------------------------------------------------


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None = None,
                     kubeadm_config_template_names: Mapping[str, str] | None = None,
                     env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group: KubeadmConfigTemplate (with the CloudStack node bootstrap), MachineDeployment,
    CloudStackMachineTemplate (the core's :func:`~eksa_core.capi.workers.kubeadm_workers`). Groups missing from a
    name map get the initial ``<cluster>-<group>-1`` names."""
    flavor = _flavor(spec, empty_taints=True)

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        mc = _machine(spec, group.machine_group_ref.name if group.machine_group_ref else None,
                      f"spec.workerNodeGroupConfigurations[{index}].machineGroupRef.name")
        return WorkerGroupParts(
            flavor=flavor,
            node=_settings(mc, taints=group.taints, labels=group.labels,
                           kubelet_configuration=group.kubelet_configuration),
            machine_template_kind=MACHINE_TEMPLATE_KIND,
            machine_template=lambda name: machine_template(name, mc),
            customize_config=lambda kct: _node_bootstrap(kct["spec"]["template"]["spec"], mc, "worker"),
        )

    return kubeadm_workers(spec, parts, machine_template_names=machine_template_names,
                           kubeadm_config_template_names=kubeadm_config_template_names, env=env)


# -- bootstrap / clusterctl -----------------------------------------------------------------------------------


def bootstrap_options(spec: Spec) -> BootstrapOptions:
    """Proxy environment of the kind cluster: ``NO_PROXY`` = spec ``noProxy`` + control plane endpoint + the
    management API endpoint hosts."""
    cluster = spec.cluster
    proxy = cluster.spec.proxy_configuration
    if proxy is None:
        return BootstrapOptions()
    cp = cluster.spec.control_plane_configuration
    no_proxy = list(proxy.no_proxy or [])
    host = cp.endpoint.host if cp and cp.endpoint else None
    if host:
        no_proxy.append(host)
    no_proxy += management_api_hosts(_datacenter(spec))
    return BootstrapOptions(env={"HTTP_PROXY": proxy.http_proxy or "", "HTTPS_PROXY": proxy.https_proxy or "",
                                 "NO_PROXY": ",".join(no_proxy)})


# -- hooks ----------------------------------------------------------------------------------------------------


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """CloudStack control plane objects (see :func:`generate_control_plane`)."""
    if not isinstance(spec.datacenter(), CloudStackDatacenterConfig):
        return None
    return generate_control_plane(spec, options, env=context.env)


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          context: HookContext) -> list[dict[str, Any]] | None:
    """CloudStack worker objects (see :func:`generate_workers`)."""
    if not isinstance(spec.datacenter(), CloudStackDatacenterConfig):
        return None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, env=context.env)


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """``infrastructure-cloudstack/<version>/`` with the CAPC components and metadata."""
    if not isinstance(spec.datacenter(), CloudStackDatacenterConfig):
        return None
    cs = spec.versions_bundle().cloud_stack
    manifests = tuple(m.uri for m in (cs.components, cs.metadata) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-cloudstack/{cs.version}/", manifests=manifests)


@hookimpl
def eksa_bootstrap_options(spec: Spec) -> BootstrapOptions | None:
    """Proxy environment of the kind bootstrap cluster (see :func:`bootstrap_options`)."""
    if not isinstance(spec.datacenter(), CloudStackDatacenterConfig):
        return None
    return bootstrap_options(spec)


# -- credentials ----------------------------------------------------------------------------------------------


def credentials_secrets(credentials: CloudStackCredentials) -> list[dict[str, Any]]:
    """One Secret per profile in ``eksa-system`` (name = profile name)."""
    return [profile_secret(p) for p in credentials.profiles]


def env_map(env: Mapping[str, str]) -> dict[str, str]:
    """``CLOUDSTACK_B64ENCODED_SECRET`` for clusterctl, copied from ``EKSA_CLOUDSTACK_B64ENCODED_SECRET``."""
    value = env.get(ENV)
    if not value:
        raise SpecError(f"{ENV} is not set or is empty", field=ENV)
    return {CAPC_ENV: value}


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]]:
    """The credentials Secrets of every profile of ``EKSA_CLOUDSTACK_B64ENCODED_SECRET``."""
    return credentials_secrets(credentials_from_env(context.env))


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str]:
    """The clusterctl environment of a CloudStack cluster."""
    return env_map(context.env)


def _apply_missing_secrets(cluster: ClusterHandle, context: HookContext) -> None:
    secrets = credentials_secrets(credentials_from_env(context.env))
    if context.dry_run:
        for secret in secrets:
            context.record("apply-secret", cluster=cluster.name, name=secret["metadata"]["name"],
                           namespace=secret["metadata"]["namespace"])
        return
    kube = context.kube(cluster)
    for secret in secrets:
        meta = secret["metadata"]
        # An existing profile Secret is left alone (it may have been rotated on the cluster).
        if kube.get_or_none("v1", "Secret", meta["name"], meta["namespace"]) is None:
            kube.apply(secret)
            context.record("apply-secret", cluster=cluster.name, name=meta["name"], namespace=meta["namespace"])


@hookimpl
def eksa_update_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Create the profile Secrets that are missing on ``cluster`` (EKS-A ``UpdateSecrets``)."""
    _apply_missing_secrets(cluster, context)


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Install the profile Secrets on the bootstrap cluster before CAPC starts."""
    context.log.info("Installing secrets on bootstrap cluster")
    _apply_missing_secrets(cluster, context)
