"""Tinkerbell (bare metal) CAPI manifests (EKS-A ``GenerateCAPISpecControlPlane`` / ``GenerateCAPISpecWorkers``),
the infrastructure bundle and the kind bootstrap options.

Control plane objects, in apply order: Cluster, KubeadmControlPlane (kube-vip static pod unless the control plane
skips the load balancer), EtcdadmCluster and its TinkerbellMachineTemplate (external etcd only), the control plane
TinkerbellMachineTemplate, TinkerbellCluster, and ``registry-credentials`` when the registry mirror authenticates.
Per worker group: MachineDeployment, TinkerbellMachineTemplate, KubeadmConfigTemplate.

A ``TinkerbellMachineTemplate`` carries the hardware the machines may claim (``hardwareAffinity``: the machine
config's ``hardwareSelector`` as ``matchLabels``, or its ``hardwareAffinity`` terms), how HookOS boots
(``bootOptions``: ``netboot``, or ``iso`` with the ISO URL) and the provisioning workflow as YAML text
(``templateOverride``: the referenced ``TinkerbellTemplateConfig``, else the default workflow of
:mod:`eksa_baremetal.workflow`).

The "local" Tinkerbell IP is the address of the Tinkerbell stack machines reach first (the bootstrap cluster's,
EKS-A's ``tinkerbellIP`` template-builder argument); it is the first metadata URL of the default workflows and
part of ``NO_PROXY``. The Python API (:func:`generate_control_plane`, :func:`generate_workers`) takes it as
``tinkerbell_ip``; the control plane hook reads ``TemplateOptions.extra["tinkerbellIP"]``. Otherwise (and always in
the worker hook, whose contract has no options) :func:`local_tinkerbell_ip` decides: the Cluster's
``anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip`` annotation, else the datacenter's ``tinkerbellIP`` (what EKS
Anywhere's cluster controller passes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core.capi import (
    KubeadmFlavor,
    KubeVip,
    NodeGroupSettings,
    RegistryMirror,
    capi_cluster,
    control_plane_template_name,
    etcd_template_name,
    etcdadm_cluster,
    kube_vip_manifest,
    kubeadm_config_template,
    kubeadm_config_template_name,
    kubeadm_control_plane,
    kubeadm_images,
    machine_deployment,
    metadata,
    no_proxy_list,
    registry_credentials_secret,
    worker_machine_template_name,
)
from eksa_core.capi.constants import BOTTLEROCKET, SUDO_ALL
from eksa_core.errors import SpecError
from eksa_core.provider import BootstrapOptions, InfrastructureBundle, TemplateOptions, hookimpl, unstructure

from .models import (
    DATACENTER_KIND,
    MACHINE_KIND,
    TEMPLATE_KIND,
    TinkerbellDatacenterConfig,
    TinkerbellMachineConfig,
    TinkerbellTemplateConfig,
)
from .workflow import default_workflow, workflow_text

if TYPE_CHECKING:
    from eksa_core.models.cluster import Cluster, WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "BOOTSTRAP_IP_ANNOTATION",
    "BOOTSTRAP_PORTS",
    "INFRA_API_VERSION",
    "ISO_PORT",
    "MACHINE_TEMPLATE_KIND",
    "TINKERBELL_FLAVOR",
    "boot_options",
    "eksa_bootstrap_options",
    "eksa_generate_control_plane",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "generate_control_plane",
    "generate_workers",
    "hardware_affinity",
    "local_tinkerbell_ip",
    "machine_template",
    "template_override",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"
MACHINE_TEMPLATE_KIND = "TinkerbellMachineTemplate"
CLUSTER_KIND = "TinkerbellCluster"

BOOTSTRAP_IP_ANNOTATION = "anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip"
"""Cluster annotation holding the IP of the bootstrap (kind) cluster's Tinkerbell stack during a create."""

ISO_PORT = 7171
"""Port smee serves iPXE and the HookOS ISO on."""

BOOTSTRAP_PORTS = (42113, 50051, 7172)
"""Host ports the kind bootstrap cluster publishes for the Tinkerbell stack (tink-server gRPC, tink-server,
metadata)."""

_PROVIDER_ID = "PROVIDER_ID"
_NODE_DELETION_TIMEOUT_SECONDS = 30

TINKERBELL_FLAVOR = KubeadmFlavor(
    kubelet_args=(("provider-id", _PROVIDER_ID),),
    secure_kubelet=True,
    empty_taints=False,
    init_cri_socket=False,
    worker_cri_socket=False,
    etcd_cipher_suites=False,
    render_scheduler=False,
)
"""The fixed kubeadm parts of bare metal nodes: the provider ID placeholder CAPT fills in, hardened kubelet."""


# -- spec access ----------------------------------------------------------------------------------------------


def _datacenter(spec: Spec) -> TinkerbellDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, TinkerbellDatacenterConfig):
        raise SpecError(f"{DATACENTER_KIND} not found in the cluster spec", kind=DATACENTER_KIND)
    return dc


def _machine(spec: Spec, name: str | None, role: str) -> TinkerbellMachineConfig:
    mc = spec.config.machine_config(name, MACHINE_KIND)
    if not isinstance(mc, TinkerbellMachineConfig):
        raise SpecError(f"cannot find {MACHINE_KIND} {name} for {role}", kind=MACHINE_KIND, name=name)
    return mc


def _template_config(spec: Spec, mc: TinkerbellMachineConfig) -> TinkerbellTemplateConfig | None:
    ref = mc.spec.template_ref
    if ref is None or not ref.name:
        return None
    obj = spec.config.get(TEMPLATE_KIND, ref.name)
    return obj if isinstance(obj, TinkerbellTemplateConfig) else None


def local_tinkerbell_ip(spec: Spec, tinkerbell_ip: str | None = None) -> str:
    """The local Tinkerbell IP: ``tinkerbell_ip`` when given, else the bootstrap IP the Cluster is annotated with
    during a create (``anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip``), else the datacenter's
    ``tinkerbellIP``."""
    if tinkerbell_ip is not None:
        return tinkerbell_ip
    return _bootstrap_ip(spec.cluster) or _datacenter(spec).spec.tinkerbell_ip or ""



def _endpoint_host(cluster: Cluster) -> str:
    cp = cluster.spec.control_plane_configuration
    return (cp.endpoint.host if cp and cp.endpoint else None) or ""


def _proxy_env(cluster: Cluster, local_ip: str, tinkerbell_ip: str) -> dict[str, str]:
    """Proxy environment of the image streaming action: ``NO_PROXY`` = the cluster's no-proxy list (spec
    ``noProxy``, pod and service CIDRs, control plane endpoint) then both Tinkerbell IPs."""
    proxy = cluster.spec.proxy_configuration
    if proxy is None:
        return {}
    net = cluster.spec.cluster_network
    entries = list(proxy.no_proxy or [])
    entries += list((net.pods.cidr_blocks if net and net.pods else None) or [])
    entries += list((net.services.cidr_blocks if net and net.services else None) or [])
    host = _endpoint_host(cluster)
    if host:
        entries.append(host)
    no_proxy = f"{local_ip},{tinkerbell_ip}"
    if entries:
        no_proxy = ",".join(entries) + "," + no_proxy
    return {"HTTP_PROXY": proxy.http_proxy or "", "HTTPS_PROXY": proxy.https_proxy or "", "NO_PROXY": no_proxy}


# -- machine templates ----------------------------------------------------------------------------------------


def template_override(spec: Spec, mc: TinkerbellMachineConfig, *, tinkerbell_ip: str | None = None,
                      env: Mapping[str, str] | None = None) -> str:
    """The workflow text of a machine group: its ``TinkerbellTemplateConfig`` (``templateRef``) or the default
    workflow for its OS family, image (machine config ``osImageURL``, else the datacenter's) and Tinkerbell IPs;
    ``public.ecr.aws`` rewritten to the registry mirror when there is one."""
    cluster = spec.cluster
    dc = _datacenter(spec)
    local_ip = local_tinkerbell_ip(spec, tinkerbell_ip)
    config = _template_config(spec, mc)
    if config is not None:
        workflow = config.spec.template
    else:
        image = mc.spec.os_image_url or dc.spec.os_image_url or ""
        workflow = default_workflow(cluster.name, mc.spec.os_family, image, local_ip, dc.spec.tinkerbell_ip or "",
                                    _proxy_env(cluster, local_ip, dc.spec.tinkerbell_ip or ""))
    mirror = RegistryMirror.from_cluster(cluster, env)
    return workflow_text(workflow, registry_mirror=mirror.core_mirror() if mirror is not None else None)


def hardware_affinity(mc: TinkerbellMachineConfig) -> dict[str, Any]:
    """``hardwareAffinity`` of a machine template: the ``hardwareSelector`` as one required ``matchLabels`` term
    (``null`` labels when the selector is empty), or the machine config's own ``hardwareAffinity`` terms."""
    affinity = mc.spec.hardware_affinity
    if not mc.spec.hardware_selector and affinity is not None and (affinity.required or affinity.preferred):
        data = unstructure(affinity)
        return {k: v for k, v in data.items() if v}
    labels = dict(mc.spec.hardware_selector) if mc.spec.hardware_selector else None
    return {"required": [{"labelSelector": {"matchLabels": labels}}]}


def _bootstrap_ip(cluster: Cluster) -> str | None:
    annotations = cluster.metadata.annotations if cluster.metadata else None
    return (annotations or {}).get(BOOTSTRAP_IP_ANNOTATION) or None


def boot_options(cluster: Cluster, dc: TinkerbellDatacenterConfig) -> dict[str, Any]:
    """``bootOptions``: ``netboot``, or with ``isoBoot`` ``iso`` and the HookOS ISO URL – ``hookIsoURL`` when set,
    else ``http://<ip>:7171/iso/hook.iso`` served by smee on the bootstrap IP (Cluster annotation
    ``anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip``) or the datacenter's ``tinkerbellIP``."""
    if not dc.spec.iso_boot:
        return {"bootMode": "netboot"}
    url = dc.spec.hook_iso_url or None
    if not url:
        ip = _bootstrap_ip(cluster) or dc.spec.tinkerbell_ip or ""
        url = f"http://{ip}:{ISO_PORT}/iso/hook.iso"
    return {"bootMode": "iso", "isoURL": url}


def machine_template(name: str | None, spec: Spec, mc: TinkerbellMachineConfig, *,
                     tinkerbell_ip: str | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A ``TinkerbellMachineTemplate`` for machine config ``mc``."""
    tspec = {
        "hardwareAffinity": hardware_affinity(mc),
        "bootOptions": boot_options(spec.cluster, _datacenter(spec)),
        "templateOverride": template_override(spec, mc, tinkerbell_ip=tinkerbell_ip, env=env),
    }
    return {"apiVersion": INFRA_API_VERSION, "kind": MACHINE_TEMPLATE_KIND, "metadata": metadata(name),
            "spec": {"template": {"spec": tspec}}}


# -- kubeadm --------------------------------------------------------------------------------------------------


def _settings(mc: TinkerbellMachineConfig, **kw: Any) -> NodeGroupSettings:
    return NodeGroupSettings(os_family=mc.spec.os_family or "", users=list(mc.spec.users or []),
                             host_os=mc.spec.host_os_configuration, **kw)


def _flavor(spec: Spec, local_ip: str, *, bottlerocket: bool = False) -> KubeadmFlavor:
    """:data:`TINKERBELL_FLAVOR` with the ``NO_PROXY`` endpoints (control plane endpoint, both Tinkerbell IPs);
    Bottlerocket control planes keep the scheduler section for its kubeconfig mount."""
    import attrs

    endpoints = (_endpoint_host(spec.cluster), _datacenter(spec).spec.tinkerbell_ip or "", local_ip)
    return attrs.evolve(TINKERBELL_FLAVOR, proxy_endpoints=tuple(endpoints), render_scheduler=bottlerocket)


def _users(mc: TinkerbellMachineConfig) -> list[dict[str, Any]]:
    """``users[]``: the first machine user with its first SSH key, as written in the machine config."""
    users = list(mc.spec.users or [])
    if not users:
        return []
    keys = [k for k in (users[0].ssh_authorized_keys or []) if k][:1]
    return [{"name": users[0].name, "sshAuthorizedKeys": keys or None, "sudo": SUDO_ALL}]


def _kube_minor(version: str | None) -> int:
    try:
        return int(str(version or "").lstrip("v").split(".")[1])
    except (IndexError, ValueError):
        return 0


_SUPER_ADMIN_SED = ("if [ -f /run/kubeadm/kubeadm.yaml ]; then sed -i 's#path: /etc/kubernetes/admin.conf#"
                    "path: /etc/kubernetes/super-admin.conf#' /etc/kubernetes/manifests/kube-vip.yaml; fi")


def _tune_kcp(kcp: dict[str, Any], cluster: Cluster, mc: TinkerbellMachineConfig, kube_vip: bool) -> None:
    """The Tinkerbell specifics of the KubeadmControlPlane (in place)."""
    spec = kcp["spec"]
    kcs = spec["kubeadmConfigSpec"]
    cc = kcs["clusterConfiguration"]
    for component in ("controllerManager", "scheduler"):
        part = cc.get(component)
        if isinstance(part, dict) and not part.get("extraArgs"):
            part.pop("extraArgs", None)
            if not part:
                del cc[component]
    br = (mc.spec.os_family or "") == BOTTLEROCKET
    minor = _kube_minor(cluster.spec.kubernetes_version)
    if minor >= 29:
        cc["featureGates"] = {"EtcdLearnerMode": False}
        if not br and kube_vip:
            kcs.setdefault("preKubeadmCommands", []).append(_SUPER_ADMIN_SED)
    workers = bool(cluster.worker_groups())
    for section in ("initConfiguration", "joinConfiguration"):
        reg = kcs.get(section, {}).get("nodeRegistration")
        if not isinstance(reg, dict):
            continue
        reg.pop("criSocket", None)
        if section == "joinConfiguration":
            reg["ignorePreflightErrors"] = ["DirAvailable--etc-kubernetes-manifests"]
        if not workers:
            reg["taints"] = []
    users = _users(mc)
    if users:
        kcs["users"] = users
    tmpl = spec["machineTemplate"]["spec"]
    tmpl["deletion"] = {"nodeDeletionTimeoutSeconds": _NODE_DELETION_TIMEOUT_SECONDS}
    cp = cluster.spec.control_plane_configuration
    strategy = cp.upgrade_rollout_strategy if cp else None
    if strategy is not None and (strategy.type or "") == "InPlace":
        spec["rollout"] = {"strategy": {"type": "InPlace"}}


def _kube_vip(spec: Spec, dc: TinkerbellDatacenterConfig, os_family: str | None) -> KubeVip | None:
    """kube-vip on the control plane nodes, unless the control plane skips the load balancer. With no worker
    nodes (and the Tinkerbell stack's load balancer not skipped) it also serves LoadBalancer services."""
    cluster = spec.cluster
    cp = cluster.spec.control_plane_configuration
    if cp is not None and cp.skip_load_balancer_deployment:
        return None
    host = _endpoint_host(cluster)
    image = spec.versions_bundle().tinkerbell.kube_vip.uri
    extra: tuple[tuple[str, str], ...] = ()
    if not cluster.worker_groups() and not dc.spec.skip_load_balancer_deployment:
        extra = (("svc_enable", "true"), ("svc_election", "true"))
    admin = "/var/lib/kubeadm/admin.conf" if (os_family or "") == BOTTLEROCKET else "/etc/kubernetes/admin.conf"
    return KubeVip(address=host, image=image,
                   manifest=kube_vip_manifest(host, image, admin_conf=admin, extra_env=extra))


# -- control plane --------------------------------------------------------------------------------------------




def generate_control_plane(spec: Spec, options: TemplateOptions | None = None, *,
                           tinkerbell_ip: str | None = None,
                           env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The control plane objects of a bare metal cluster, in apply order.

    :param tinkerbell_ip: the local Tinkerbell IP (default: ``options.extra["tinkerbellIP"]``, else
        :func:`local_tinkerbell_ip`).
    :param env: environment for registry mirror credentials (default: none; hooks pass ``context.env``).
    """
    options = options or TemplateOptions()
    if tinkerbell_ip is None:
        extra_ip = options.extra.get("tinkerbellIP")
        tinkerbell_ip = str(extra_ip) if extra_ip is not None else None
    env = {} if env is None else env
    cluster = spec.cluster
    name = cluster.name
    dc = _datacenter(spec)
    local_ip = local_tinkerbell_ip(spec, tinkerbell_ip)
    cpc = cluster.spec.control_plane_configuration
    cp_mc = _machine(spec, cpc.machine_group_ref.name if cpc and cpc.machine_group_ref else None, "control plane")
    etcd_cfg = cluster.spec.external_etcd_configuration
    external_etcd = etcd_cfg is not None
    images = kubeadm_images(spec)
    cp_name = options.control_plane_template_name or control_plane_template_name(name)
    etcd_name = options.etcd_template_name or etcd_template_name(name)
    oidc, aws_iam = spec.config.oidc_config(), spec.config.aws_iam_config()
    kube_vip = _kube_vip(spec, dc, cp_mc.spec.os_family)

    capi = capi_cluster(cluster, CLUSTER_KIND, external_etcd=external_etcd)
    capi["spec"]["controlPlaneEndpoint"] = {"host": _endpoint_host(cluster), "port": 6443}
    objects: list[dict[str, Any]] = [capi]
    cp_node = _settings(cp_mc, taints=cpc.taints if cpc else None, labels=cpc.labels if cpc else None,
                        kubelet_configuration=cpc.kubelet_configuration if cpc else None)
    kcp = kubeadm_control_plane(
        cluster, flavor=_flavor(spec, local_ip, bottlerocket=cp_node.bottlerocket), images=images, node=cp_node,
        machine_template_kind=MACHINE_TEMPLATE_KIND, machine_template_name=cp_name, external_etcd=external_etcd,
        kube_vip=kube_vip, oidc=oidc, aws_iam=aws_iam, env=env, default_taint=False,
    )
    _tune_kcp(kcp, cluster, cp_mc, kube_vip is not None)
    objects.append(kcp)
    if etcd_cfg is not None:
        etcd_mc = _machine(spec, etcd_cfg.machine_group_ref.name if etcd_cfg.machine_group_ref else None, "etcd")
        objects.append(_etcdadm(spec, etcd_mc, etcd_name, local_ip, env))
        objects.append(machine_template(etcd_name, spec, etcd_mc, tinkerbell_ip=local_ip, env=env))
    objects.append(machine_template(cp_name, spec, cp_mc, tinkerbell_ip=local_ip, env=env))
    objects.append({
        "apiVersion": INFRA_API_VERSION,
        "kind": CLUSTER_KIND,
        "metadata": metadata(name),
        "spec": {
            "imageLookupFormat": f"--kube-{images.kubernetes_version}.raw.gz",
            "imageLookupBaseRegistry": "/",
        },
    })
    mirror = RegistryMirror.from_cluster(cluster, env)
    if mirror is not None and mirror.authenticate:
        objects.append(registry_credentials_secret(mirror.username, mirror.password, encoded=True))
    return objects


_HOSTNAME = "{{ ds.meta_data.hostname }}"
_ETCD_PRE_COMMANDS = (
    f'hostname "{_HOSTNAME}"',
    'echo "::1         ipv6-localhost ipv6-loopback" >/etc/hosts',
    'echo "127.0.0.1   localhost" >>/etc/hosts',
    f'echo "127.0.0.1   {_HOSTNAME}" >>/etc/hosts',
    f'echo "{_HOSTNAME}" >/etc/hostname',
)


def _etcdadm(spec: Spec, mc: TinkerbellMachineConfig, template_name: str, local_ip: str,
             env: Mapping[str, str]) -> dict[str, Any]:
    cluster = spec.cluster
    etcd = cluster.spec.external_etcd_configuration
    distro = spec.eksd_release().kube_distro()
    bundle = spec.versions_bundle()
    br = (mc.spec.os_family or "") == BOTTLEROCKET
    proxy_cfg = cluster.spec.proxy_configuration
    proxy = None
    if proxy_cfg is not None:
        proxy = {"httpProxy": proxy_cfg.http_proxy, "httpsProxy": proxy_cfg.https_proxy,
                 "noProxy": no_proxy_list(cluster, _flavor(spec, local_ip).proxy_endpoints)}
    mirror = RegistryMirror.from_cluster(cluster, env)
    mirror_cfg = None
    if mirror is not None:
        mirror_cfg = {"endpoint": mirror.core_mirror()}
        if mirror.ca_cert:
            mirror_cfg["caCert"] = mirror.ca_cert
    host_os = mc.spec.host_os_configuration
    ntp_servers = host_os.ntp_configuration.servers if host_os and host_os.ntp_configuration else None
    return etcdadm_cluster(
        cluster,
        replicas=etcd.count if etcd and etcd.count is not None else 1,
        bootstrap_format=BOTTLEROCKET if br else "cloud-config",
        users=_users(mc),
        machine_template_api_version=INFRA_API_VERSION,
        machine_template_kind=MACHINE_TEMPLATE_KIND,
        machine_template_name=template_name,
        cloud_init=None if br else {"version": distro.etcd_version, "installDir": "/usr/bin",
                                    "etcdReleaseURL": distro.etcd_url},
        bottlerocket={"etcdImage": distro.etcd.uri,
                      "bootstrapImage": bundle.bottlerocket_host_containers.kubeadm_bootstrap.uri,
                      "pauseImage": distro.pause.uri} if br else None,
        pre_commands=() if br else _ETCD_PRE_COMMANDS,
        proxy=proxy,
        registry_mirror=mirror_cfg,
        ntp={"enabled": True, "servers": list(ntp_servers)} if ntp_servers else None,
    )


# -- workers --------------------------------------------------------------------------------------------------


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None = None,
                     kubeadm_config_template_names: Mapping[str, str] | None = None, *,
                     tinkerbell_ip: str | None = None,
                     env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group: MachineDeployment, TinkerbellMachineTemplate, KubeadmConfigTemplate. Groups missing
    from a name map get the initial ``<cluster>-<group>-1`` names.

    :param tinkerbell_ip: the local Tinkerbell IP (default: :func:`local_tinkerbell_ip`).
    """
    env = {} if env is None else env
    local_ip = local_tinkerbell_ip(spec, tinkerbell_ip)
    out: list[dict[str, Any]] = []
    for group in spec.cluster.worker_groups():
        out += _worker_group(spec, group, machine_template_names, kubeadm_config_template_names, local_ip, env)
    return out


def _worker_group(spec: Spec, group: WorkerNodeGroupConfiguration, mt_names: Mapping[str, str] | None,
                  kct_names: Mapping[str, str] | None, local_ip: str,
                  env: Mapping[str, str]) -> list[dict[str, Any]]:
    cluster = spec.cluster
    gname = group.name or ""
    mc = _machine(spec, group.machine_group_ref.name if group.machine_group_ref else None,
                  f"worker node group {gname}")
    version = group.kubernetes_version or cluster.spec.kubernetes_version
    images = kubeadm_images(spec, version)
    mt_name = (mt_names or {}).get(gname) or worker_machine_template_name(cluster.name, gname)
    kct_name = (kct_names or {}).get(gname) or kubeadm_config_template_name(cluster.name, gname)
    node = _settings(mc, taints=group.taints, labels=group.labels, kubelet_configuration=group.kubelet_configuration)
    kct = kubeadm_config_template(cluster, name=kct_name, flavor=_flavor(spec, local_ip), images=images, node=node,
                                  env=env)
    kspec = kct["spec"]["template"]["spec"]
    kspec["joinConfiguration"]["nodeRegistration"].pop("criSocket", None)
    users = _users(mc)
    if users:
        kspec["users"] = users
    md = machine_deployment(cluster, group, version=images.kubernetes_version,
                            machine_template_kind=MACHINE_TEMPLATE_KIND, machine_template_name=mt_name,
                            kubeadm_config_template_name=kct_name)
    md["metadata"]["labels"]["pool"] = gname
    md["spec"]["template"]["metadata"]["labels"]["pool"] = gname
    md["spec"]["template"]["spec"]["deletion"] = {"nodeDeletionTimeoutSeconds": _NODE_DELETION_TIMEOUT_SECONDS}
    strategy = group.upgrade_rollout_strategy
    if strategy is not None and (strategy.type or "") == "InPlace":
        md["spec"]["rollout"] = {"strategy": {"type": "InPlace"}}
    return [md, machine_template(mt_name, spec, mc, tinkerbell_ip=local_ip, env=env), kct]


# -- hooks ----------------------------------------------------------------------------------------------------


def _ours(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), TinkerbellDatacenterConfig)


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """Bare metal control plane objects (see :func:`generate_control_plane`); the local Tinkerbell IP comes from
    ``options.extra["tinkerbellIP"]``."""
    if not _ours(spec):
        return None
    return generate_control_plane(spec, options, env=context.env)


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          options: TemplateOptions | None, context: HookContext) -> list[dict[str, Any]] | None:
    """Bare metal worker objects (see :func:`generate_workers`); the local Tinkerbell IP comes from
    ``options.extra["tinkerbellIP"]`` when given, else from :func:`local_tinkerbell_ip`."""
    if not _ours(spec):
        return None
    ip = (options.extra.get("tinkerbellIP") if options is not None else None) or None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, tinkerbell_ip=ip,
                            env=context.env)


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """``infrastructure-tinkerbell/<version>/`` with the CAPT components, metadata and cluster template."""
    if not _ours(spec):
        return None
    tb = spec.versions_bundle().tinkerbell
    manifests = tuple(m.uri for m in (tb.components, tb.metadata, tb.cluster_template) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-tinkerbell/{tb.version}/", manifests=manifests)


@hookimpl
def eksa_bootstrap_options(spec: Spec) -> BootstrapOptions | None:
    """The kind cluster publishes the Tinkerbell ports (42113, 50051, 7172) on the host; with a proxy its
    environment gets ``NO_PROXY`` = spec noProxy + control plane endpoint + ``tinkerbellIP``."""
    if not _ours(spec):
        return None
    cluster = spec.cluster
    proxy = cluster.spec.proxy_configuration
    env: dict[str, str] = {}
    if proxy is not None:
        no_proxy = list(proxy.no_proxy or [])
        no_proxy += [x for x in (_endpoint_host(cluster), _datacenter(spec).spec.tinkerbell_ip) if x]
        env = {"HTTP_PROXY": proxy.http_proxy or "", "HTTPS_PROXY": proxy.https_proxy or "",
               "NO_PROXY": ",".join(no_proxy)}
    return BootstrapOptions(env=env, extra_port_mappings=BOOTSTRAP_PORTS)
