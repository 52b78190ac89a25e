"""KubeadmControlPlane and KubeadmConfigTemplate builders shared by the kubeadm-based providers.

A provider describes its fixed parts with a :class:`KubeadmFlavor` (flags every node gets, node name, boot
commands, kube-vip) and hands over the spec, the images of the Kubernetes version (:class:`KubeadmImages`) and
the machine settings of each node group (:class:`NodeGroupSettings`). Everything that follows from the spec –
audit policy, identity flags, etcd encryption, proxy, registry mirror, taints, labels, kubelet configuration,
Bottlerocket settings, NTP, certificate bundles – is decided here, once for all providers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from . import args as a
from .audit import default_audit_policy
from .constants import (
    ADMISSION_EXCLUSION_ENV,
    ADMISSION_EXCLUSION_FILE,
    AUDIT_LOG_DIR,
    AUDIT_POLICY_FILE,
    BOOTSTRAP_API_VERSION,
    BOTTLEROCKET,
    CLOUD_CONFIG,
    CONTAINERD_SOCKET,
    CONTROL_PLANE_LABEL,
    CONTROL_PLANE_TAINT_KEY,
    CONTROLPLANE_API_VERSION,
    INFRASTRUCTURE_API_GROUP,
    KUBELET_PATCHES_DIR,
    SECURE_CIPHER_SUITES,
    SUDO_ALL,
)
from .files import (
    RegistryMirror,
    admission_exclusion_file,
    aws_iam_files,
    aws_iam_volumes,
    containerd_restart_commands,
    encryption_config_file,
    encryption_volumes,
    kube_vip_manifest,
    kubelet_config_patch_file,
    no_proxy_list,
    node_file,
    proxy_file,
    registry_mirror_files,
)
from .objects import metadata
from .render import to_yaml

if TYPE_CHECKING:
    from ..models.base import UserConfiguration
    from ..models.cluster import Cluster, Taint
    from ..models.hostos import HostOSConfiguration

__all__ = [
    "BR_PKI_DIR",
    "KubeVip",
    "KubeadmFlavor",
    "KubeadmImages",
    "NodeGroupSettings",
    "default_control_plane_taints",
    "kubeadm_config_template",
    "kubeadm_control_plane",
    "kubeadm_users",
    "node_taints",
    "strip_ssh_key_comment",
]

BR_PKI_DIR = "/var/lib/kubeadm/pki"
_BR_BASE = "/var/lib/kubeadm"


@attrs.frozen(kw_only=True)
class KubeadmImages:
    """Images and versions of one Kubernetes version (from the versions bundle and its EKS-D release)."""

    kubernetes_repository: str
    kubernetes_version: str
    etcd_repository: str
    etcd_tag: str
    coredns_repository: str
    coredns_tag: str
    pause_repository: str = ""
    pause_tag: str = ""
    bottlerocket_bootstrap_repository: str = ""
    bottlerocket_bootstrap_tag: str = ""


@attrs.frozen(kw_only=True)
class KubeVip:
    """The kube-vip static pod of the control plane: VIP ``address`` and ``image``."""

    address: str
    image: str
    manifest: Mapping[str, Any] | None = None
    """A provider's own static pod manifest (``None``: the shared :func:`kube_vip_manifest`)."""


@attrs.frozen(kw_only=True)
class KubeadmFlavor:
    """The provider's fixed parts of the kubeadm configuration.

    :ivar apiserver_args: API server flags before the audit flags (``cloud-provider``...).
    :ivar apiserver_spec_args: extra API server flags merged with the spec-derived ones (e.g. ``profiling``).
    :ivar controller_manager_args: fixed controller manager flags (before the sorted ones).
    :ivar controller_manager_spec_args: sorted controller manager flags (e.g. ``profiling``, cipher suites).
    :ivar scheduler_args: sorted scheduler flags.
    :ivar kubelet_args: fixed kubelet flags.
    :ivar secure_kubelet: add ``read-only-port=0`` / ``anonymous-auth=false`` when the kubelet is configured by
        flags (no ``kubeletConfiguration``, or Bottlerocket).
    :ivar cert_sans: API server certificate SANs always present (before the spec's ``certSans``).
    :ivar node_name: kubeadm ``nodeRegistration.name`` (``None``: left to kubeadm).
    :ivar pre_commands: preKubeadmCommands of cloud-config nodes after the containerd commands.
    :ivar etcd_pre_commands: preEtcdadmCommands of cloud-config etcd nodes.
    :ivar empty_taints: render ``taints: []`` when a node group has no taints.
    :ivar init_cri_socket: set ``criSocket`` in the initConfiguration too.
    :ivar include_format: write the bootstrap ``format`` (``cloud-config`` / ``bottlerocket``).
    :ivar proxy_endpoints: provider endpoints appended to ``NO_PROXY`` (infrastructure API, control plane VIP).
    :ivar flag_kubelet_args: per node role (``init``, ``join`` = control plane join, ``worker``), fixed kubelet
        flags used when the kubelet is configured by flags, in place of the hardening flags of ``secure_kubelet``.
    :ivar etcd_cipher_suites: pin ``cipher-suites`` on stacked (local) etcd.
    :ivar render_scheduler: render the ``scheduler`` section of the clusterConfiguration.
    :ivar init_node_name: set ``node_name`` in the initConfiguration too (not only when joining).
    :ivar worker_cri_socket: set ``criSocket`` in the workers' joinConfiguration.
    :ivar worker_pre_commands: preKubeadmCommands of cloud-config workers after the containerd commands
        (``None``: ``pre_commands``).
    :ivar post_commands: postKubeadmCommands of the control plane.
    :ivar user_lock_password: render ``lockPassword`` with this value on kubeadm users (``None``: left out).
    """

    apiserver_args: tuple[tuple[str, str], ...] = ()
    apiserver_spec_args: Mapping[str, str] = attrs.field(factory=dict)
    controller_manager_args: tuple[tuple[str, str], ...] = ()
    controller_manager_spec_args: Mapping[str, str] = attrs.field(factory=dict)
    scheduler_args: Mapping[str, str] = attrs.field(factory=dict)
    kubelet_args: tuple[tuple[str, str], ...] = ()
    secure_kubelet: bool = True
    cert_sans: tuple[str, ...] = ()
    node_name: str | None = None
    pre_commands: tuple[str, ...] = ()
    etcd_pre_commands: tuple[str, ...] = ()
    empty_taints: bool = True
    init_cri_socket: bool = True
    include_format: bool = True
    proxy_endpoints: tuple[str, ...] = ()
    flag_kubelet_args: Mapping[str, tuple[tuple[str, str], ...]] = attrs.field(factory=dict)
    etcd_cipher_suites: bool = True
    render_scheduler: bool = True
    init_node_name: bool = True
    worker_cri_socket: bool = True
    worker_pre_commands: tuple[str, ...] | None = None
    post_commands: tuple[str, ...] = ()
    user_lock_password: bool | None = None


@attrs.frozen(kw_only=True)
class NodeGroupSettings:
    """The machine settings of one node group (control plane, etcd or a worker group)."""

    os_family: str = ""
    users: Sequence[UserConfiguration] = ()
    host_os: HostOSConfiguration | None = None
    taints: Sequence[Taint] | None = None
    labels: Mapping[str, str] | None = None
    kubelet_configuration: Mapping[str, Any] | None = None

    @property
    def bottlerocket(self) -> bool:
        """Whether the nodes run Bottlerocket."""
        return self.os_family == BOTTLEROCKET

    @property
    def format(self) -> str:
        """Bootstrap data format: ``bottlerocket`` or ``cloud-config``."""
        return BOTTLEROCKET if self.bottlerocket else CLOUD_CONFIG


# -- small pieces ---------------------------------------------------------------------------------------------


def default_control_plane_taints() -> list[dict[str, Any]]:
    """``node-role.kubernetes.io/control-plane:NoSchedule``."""
    return [{"key": CONTROL_PLANE_TAINT_KEY, "value": None, "effect": "NoSchedule"}]


def node_taints(taints: Sequence[Taint] | None) -> list[dict[str, Any]]:
    """Taints as kubeadm wants them (empty value rendered empty; ``timeAdded`` only when set)."""
    out = []
    for t in taints or []:
        item: dict[str, Any] = {"key": t.key, "value": t.value or None, "effect": t.effect}
        if t.time_added:
            item["timeAdded"] = t.time_added
        out.append(item)
    return out


def strip_ssh_key_comment(key: str) -> str:
    """``ssh-rsa AAAA... user@host`` -> ``ssh-rsa AAAA...`` (options-free keys; others are kept as they are)."""
    parts = key.split()
    return " ".join(parts[:2]) if len(parts) > 2 and parts[0].startswith(("ssh-", "ecdsa-", "sk-")) else key.strip()


def kubeadm_users(users: Sequence[UserConfiguration], *, lock_password: bool | None = None) -> list[dict[str, Any]]:
    """``users[]``: the first machine user with its SSH keys (comment stripped: ``<type> <key>``) and
    password-less sudo (and ``lockPassword`` when ``lock_password`` is given)."""
    out = []
    for u in list(users)[:1]:
        keys = [strip_ssh_key_comment(k) for k in (u.ssh_authorized_keys or []) if k and k.strip()] or None
        user: dict[str, Any] = {"name": u.name}
        if lock_password is not None:
            user["lockPassword"] = lock_password
        user.update({"sshAuthorizedKeys": keys, "sudo": SUDO_ALL})
        out.append(user)
    return out


def _resolv_conf(cluster: Cluster) -> str | None:
    net = cluster.spec.cluster_network
    return net.dns.resolv_conf.path if net and net.dns and net.dns.resolv_conf else None


def _kubelet_args(cluster: Cluster, flavor: KubeadmFlavor, node: NodeGroupSettings,
                  role: str = "join") -> list[dict[str, str]]:
    """kubelet flags: fixed ones, hardening, then resolv-conf and cipher suites (sorted), then node labels. With a
    ``kubeletConfiguration`` on cloud-config nodes those settings live in the kubelet config patch instead."""
    by_flags = node.bottlerocket or not node.kubelet_configuration
    prefix = list(flavor.kubelet_args)
    sorted_args: dict[str, str] = {}
    if by_flags:
        if role in flavor.flag_kubelet_args:
            prefix += list(flavor.flag_kubelet_args[role])
        elif flavor.secure_kubelet:
            prefix += a.secure_kubelet_args()
        sorted_args.update(a.resolv_conf_args(cluster.spec.cluster_network))
        sorted_args.update(a.secure_tls_args())
    return a.arg_list(prefix, sorted_args, a.node_labels_args(node.labels))


def _bottlerocket_settings(node: NodeGroupSettings) -> dict[str, Any] | None:
    """``bottlerocket`` settings: kubelet configuration and ``hostOSConfiguration.bottlerocketConfiguration``."""
    kubernetes: dict[str, Any] = {k: v for k, v in (node.kubelet_configuration or {}).items()
                                  if k not in ("kind", "apiVersion")}
    out: dict[str, Any] = {}
    brc = node.host_os.bottlerocket_configuration if node.host_os else None
    if brc is not None and brc.kubernetes:
        kubernetes.update(brc.kubernetes)
    if kubernetes:
        out["kubernetes"] = kubernetes
    if brc is not None and brc.kernel and brc.kernel.sysctl_settings:
        out["kernel"] = {"sysctlSettings": {k: str(v) for k, v in brc.kernel.sysctl_settings.items()}}
    if brc is not None and brc.boot and brc.boot.boot_kernel_parameters:
        out["boot"] = {"bootKernelParameters": {k: list(v) for k, v in brc.boot.boot_kernel_parameters.items()}}
    return out or None


def _bottlerocket_node_config(cluster: Cluster, flavor: KubeadmFlavor, images: KubeadmImages,
                              node: NodeGroupSettings, mirror: RegistryMirror | None) -> dict[str, Any]:
    """The Bottlerocket keys of clusterConfiguration / joinConfiguration."""
    out: dict[str, Any] = {
        "pause": {"imageRepository": images.pause_repository, "imageTag": images.pause_tag},
        "bottlerocketBootstrap": {"imageRepository": images.bottlerocket_bootstrap_repository,
                                  "imageTag": images.bottlerocket_bootstrap_tag},
    }
    proxy = cluster.spec.proxy_configuration
    if proxy is not None:
        out["proxy"] = {"httpsProxy": proxy.https_proxy,
                        "noProxy": no_proxy_list(cluster, flavor.proxy_endpoints)}
    if mirror is not None:
        out["registryMirror"] = bottlerocket_registry_mirror(mirror)
    settings = _bottlerocket_settings(node)
    if settings:
        out["bottlerocket"] = settings
    bundles = node.host_os.cert_bundles if node.host_os else None
    if bundles:
        out["certBundles"] = [{"name": b.name, "data": b.data} for b in bundles]
    return out


def bottlerocket_registry_mirror(mirror: RegistryMirror) -> dict[str, Any]:
    """Bottlerocket ``registryMirror``: one endpoint for EKS Anywhere's registry, or the per-registry mirror
    list when OCI namespaces are configured; the CA certificate."""
    out: dict[str, Any] = {}
    only_core = [orig for orig, _ in mirror.mirrors] == ["public.ecr.aws"]
    if only_core:
        out["endpoint"] = mirror.core_mirror()
    if mirror.ca_cert:
        out["caCert"] = mirror.ca_cert
    if not only_core:
        out["mirrors"] = [{"registry": orig, "endpoints": [api]} for orig, api in mirror.api_mirrors()]
    return out


def _ntp(node: NodeGroupSettings) -> dict[str, Any] | None:
    servers = node.host_os.ntp_configuration.servers if node.host_os and node.host_os.ntp_configuration else None
    return {"enabled": True, "servers": list(servers)} if servers else None


def _containerd_files(cluster: Cluster, flavor: KubeadmFlavor, node: NodeGroupSettings,
                      mirror: RegistryMirror | None) -> list[dict[str, Any]]:
    """Proxy drop-in and registry-mirror files of cloud-config nodes (Bottlerocket gets settings instead)."""
    if node.bottlerocket:
        return []
    files: list[dict[str, Any]] = []
    proxy = cluster.spec.proxy_configuration
    if proxy is not None:
        files.append(proxy_file(proxy.http_proxy or "", proxy.https_proxy or "",
                                no_proxy_list(cluster, flavor.proxy_endpoints)))
    if mirror is not None:
        files += registry_mirror_files(mirror)
    return files


def _pre_commands(cluster: Cluster, flavor: KubeadmFlavor, node: NodeGroupSettings,
                  mirror: RegistryMirror | None, *, worker: bool = False) -> list[str]:
    own = flavor.pre_commands
    if worker and flavor.worker_pre_commands is not None:
        own = flavor.worker_pre_commands
    if node.bottlerocket:
        return list(own)
    cmds = containerd_restart_commands(mirror=mirror is not None,
                                       proxy=cluster.spec.proxy_configuration is not None)
    return cmds + list(own)


def _node_registration(cluster: Cluster, flavor: KubeadmFlavor, node: NodeGroupSettings,
                       taints: list[dict[str, Any]], *, cri_socket: bool = True, role: str = "join",
                       node_name: bool = True) -> dict[str, Any]:
    reg: dict[str, Any] = {}
    if cri_socket:
        reg["criSocket"] = CONTAINERD_SOCKET
    reg["kubeletExtraArgs"] = _kubelet_args(cluster, flavor, node, role)
    if flavor.node_name is not None and node_name:
        reg["name"] = flavor.node_name
    if taints or flavor.empty_taints:
        reg["taints"] = taints
    return reg


# -- control plane --------------------------------------------------------------------------------------------


def _control_plane_taints(cluster: Cluster, node: NodeGroupSettings, default_taint: bool) -> list[dict[str, Any]]:
    if node.taints is None and default_taint:
        return default_control_plane_taints()
    return node_taints(node.taints)


def kubeadm_control_plane(
    cluster: Cluster,
    *,
    flavor: KubeadmFlavor,
    images: KubeadmImages,
    node: NodeGroupSettings,
    machine_template_kind: str,
    machine_template_name: str | None,
    external_etcd: bool,
    kube_vip: KubeVip | None = None,
    oidc: Any | None = None,
    aws_iam: Any | None = None,
    env: Mapping[str, str] | None = None,
    default_taint: bool = False,
) -> dict[str, Any]:
    """The ``KubeadmControlPlane`` of ``cluster``."""
    cp = cluster.spec.control_plane_configuration
    br = node.bottlerocket
    mirror = RegistryMirror.from_cluster(cluster, env)
    kube_minor = cluster.spec.kubernetes_version

    # clusterConfiguration ------------------------------------------------------------------------------------
    cc: dict[str, Any] = {"imageRepository": images.kubernetes_repository}
    if external_etcd:
        pki = f"{BR_PKI_DIR}" if br else "/etc/kubernetes/pki"
        cc["etcd"] = {"external": {
            "endpoints": ["https://placeholder:2379"],
            "caFile": f"{pki}/etcd/ca.crt",
            "certFile": f"{pki}/server-etcd-client.crt" if br else f"{pki}/apiserver-etcd-client.crt",
            "keyFile": f"{pki}/apiserver-etcd-client.key",
        }}
    else:
        local: dict[str, Any] = {"imageRepository": images.etcd_repository, "imageTag": images.etcd_tag}
        if flavor.etcd_cipher_suites:
            local["extraArgs"] = a.arg_list((), {"cipher-suites": SECURE_CIPHER_SUITES})
        cc["etcd"] = {"local": local}
    cc["dns"] = {"imageRepository": images.coredns_repository, "imageTag": images.coredns_tag}
    if br:
        cc.update(_bottlerocket_node_config(cluster, flavor, images, node, mirror))

    encryption = cluster.spec.etcd_encryption or None
    api_spec_args = a.apiserver_spec_args(
        oidc=oidc, aws_iam=aws_iam, pod_iam=cluster.spec.pod_iam_config, etcd_encryption=encryption,
        extra=flavor.apiserver_spec_args, user_args=cp.api_server_extra_args if cp else None,
    )
    api: dict[str, Any] = {}
    sans = list(flavor.cert_sans) + list((cp.cert_sans if cp else None) or [])
    if sans:
        api["certSANs"] = sans
    api["extraArgs"] = a.arg_list(tuple(flavor.apiserver_args) + a.AUDIT_ARGS, api_spec_args)
    volumes: list[dict[str, Any]] = [
        {"hostPath": f"{_BR_BASE}/audit-policy.yaml" if br else AUDIT_POLICY_FILE, "mountPath": AUDIT_POLICY_FILE,
         "name": "audit-policy", "pathType": "File", "readOnly": True},
        {"hostPath": AUDIT_LOG_DIR, "mountPath": AUDIT_LOG_DIR, "name": "audit-log-dir",
         "pathType": "DirectoryOrCreate", "readOnly": False},
    ]
    if aws_iam is not None:
        volumes += aws_iam_volumes()
    if encryption:
        volumes += encryption_volumes()
    admission = bool(cp and cp.skip_admission_for_system_resources)
    if admission:
        api["extraEnvs"] = [{"name": ADMISSION_EXCLUSION_ENV, "value": ADMISSION_EXCLUSION_FILE}]
        volumes.append({"name": "admission-exclusion-rules", "hostPath": ADMISSION_EXCLUSION_FILE,
                        "mountPath": ADMISSION_EXCLUSION_FILE, "pathType": "File", "readOnly": True})
    api["extraVolumes"] = volumes
    cc["apiServer"] = api

    cm_sorted = dict(a.node_cidr_mask_args(cluster.spec.cluster_network))
    cm_sorted.update(flavor.controller_manager_spec_args)
    # Cluster API v1beta2 declares extraArgs a list of at least one item: no flags, no field
    cm_args = a.arg_list(flavor.controller_manager_args, cm_sorted)
    sched_args = a.arg_list((), flavor.scheduler_args)
    cm: dict[str, Any] = {"extraArgs": cm_args} if cm_args else {}
    sched: dict[str, Any] = {"extraArgs": sched_args} if sched_args else {}
    if br:
        cm["extraVolumes"] = [{"hostPath": f"{_BR_BASE}/controller-manager.conf",
                               "mountPath": "/etc/kubernetes/controller-manager.conf", "name": "kubeconfig",
                               "pathType": "File", "readOnly": True}]
        sched["extraVolumes"] = [{"hostPath": f"{_BR_BASE}/scheduler.conf",
                                  "mountPath": "/etc/kubernetes/scheduler.conf", "name": "kubeconfig",
                                  "pathType": "File", "readOnly": True}]
    # ... and a component with nothing to set at least one property: an empty one is left out
    if cm:
        cc["controllerManager"] = cm
    if flavor.render_scheduler and sched:
        cc["scheduler"] = sched
    if br:
        cc["certificatesDir"] = BR_PKI_DIR

    # files ---------------------------------------------------------------------------------------------------
    files: list[dict[str, Any]] = []
    patches = bool(node.kubelet_configuration) and not br
    if patches:
        files.append(kubelet_config_patch_file(node.kubelet_configuration or {}, _resolv_conf(cluster)))
    if encryption:
        files.append(encryption_config_file(encryption))
    if kube_vip is not None:
        admin = f"{_BR_BASE}/admin.conf" if br else "/etc/kubernetes/admin.conf"
        manifest = kube_vip.manifest
        if manifest is None:
            manifest = kube_vip_manifest(kube_vip.address, kube_vip.image, admin_conf=admin)
        files.append(node_file("/etc/kubernetes/manifests/kube-vip.yaml", to_yaml(dict(manifest))))
    files += _containerd_files(cluster, flavor, node, mirror)
    if aws_iam is not None:
        files += aws_iam_files(cluster.name)
    audit = (cp.audit_policy_content if cp else None) or _default_audit_policy_yaml(kube_minor)
    files.append(node_file(AUDIT_POLICY_FILE, audit))
    if admission:
        files.append(admission_exclusion_file())

    taints = _control_plane_taints(cluster, node, default_taint)
    init: dict[str, Any] = {}
    join: dict[str, Any] = {}
    if patches:
        init["patches"] = {"directory": KUBELET_PATCHES_DIR}
        join["patches"] = {"directory": KUBELET_PATCHES_DIR}
    init["nodeRegistration"] = _node_registration(cluster, flavor, node, taints, cri_socket=flavor.init_cri_socket,
                                                  role="init", node_name=flavor.init_node_name)
    if br:
        join.update(_bottlerocket_node_config(cluster, flavor, images, node, mirror))
    join["nodeRegistration"] = _node_registration(cluster, flavor, node, taints)

    spec: dict[str, Any] = {"clusterConfiguration": cc, "files": files, "initConfiguration": init,
                            "joinConfiguration": join}
    pre = _pre_commands(cluster, flavor, node, mirror)
    if pre:
        spec["preKubeadmCommands"] = pre
    if flavor.post_commands:
        spec["postKubeadmCommands"] = list(flavor.post_commands)
    users = kubeadm_users(node.users, lock_password=flavor.user_lock_password)
    if users:
        spec["users"] = users
    ntp = _ntp(node)
    if ntp:
        spec["ntp"] = ntp
    if flavor.include_format:
        spec["format"] = node.format

    max_surge = 1
    strategy = cp.upgrade_rollout_strategy if cp else None
    if strategy is not None and strategy.rolling_update is not None and strategy.rolling_update.max_surge is not None:
        max_surge = strategy.rolling_update.max_surge
    return {
        "apiVersion": CONTROLPLANE_API_VERSION,
        "kind": "KubeadmControlPlane",
        "metadata": metadata(cluster.name),
        "spec": {
            "machineTemplate": {
                "metadata": {"labels": {CONTROL_PLANE_LABEL: ""}},
                "spec": {"infrastructureRef": {"apiGroup": INFRASTRUCTURE_API_GROUP, "kind": machine_template_kind,
                                               "name": machine_template_name}},
            },
            "kubeadmConfigSpec": spec,
            "replicas": (cp.count if cp and cp.count is not None else 1),
            "rollout": {"strategy": {"rollingUpdate": {"maxSurge": max_surge}, "type": "RollingUpdate"}},
            "version": images.kubernetes_version,
        },
    }


# -- workers --------------------------------------------------------------------------------------------------


def kubeadm_config_template(
    cluster: Cluster,
    *,
    name: str | None,
    flavor: KubeadmFlavor,
    images: KubeadmImages,
    node: NodeGroupSettings,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``KubeadmConfigTemplate`` of one worker group."""
    br = node.bottlerocket
    mirror = RegistryMirror.from_cluster(cluster, env)
    patches = bool(node.kubelet_configuration) and not br
    join: dict[str, Any] = {}
    if patches:
        join["patches"] = {"directory": KUBELET_PATCHES_DIR}
    if br:
        join.update(_bottlerocket_node_config(cluster, flavor, images, node, mirror))
    join["nodeRegistration"] = _node_registration(cluster, flavor, node, node_taints(node.taints),
                                                  cri_socket=flavor.worker_cri_socket, role="worker")
    spec: dict[str, Any] = {"joinConfiguration": join}
    files: list[dict[str, Any]] = []
    if patches:
        files.append(kubelet_config_patch_file(node.kubelet_configuration or {}, _resolv_conf(cluster)))
    files += _containerd_files(cluster, flavor, node, mirror)
    if files:
        spec["files"] = files
    pre = _pre_commands(cluster, flavor, node, mirror, worker=True)
    if pre:
        spec["preKubeadmCommands"] = pre
    users = kubeadm_users(node.users, lock_password=flavor.user_lock_password)
    if users:
        spec["users"] = users
    ntp = _ntp(node)
    if ntp:
        spec["ntp"] = ntp
    if flavor.include_format:
        spec["format"] = node.format
    return {
        "apiVersion": BOOTSTRAP_API_VERSION,
        "kind": "KubeadmConfigTemplate",
        "metadata": metadata(name),
        "spec": {"template": {"spec": spec}},
    }


@functools.lru_cache(maxsize=32)
def _default_audit_policy_yaml(kube_minor: str | None) -> str:
    """The default audit policy file of a Kubernetes minor version: the same text for every cluster, written once."""
    return to_yaml(default_audit_policy(kube_minor))
