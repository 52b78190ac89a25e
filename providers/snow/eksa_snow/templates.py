"""Snow CAPI manifests (CAPAS), built in code as EKS Anywhere does (no YAML template), and the infrastructure bundle.

Control plane objects, in apply order: Cluster, ``AWSSnowCluster``, KubeadmControlPlane, the control plane
``AWSSnowMachineTemplate``, the ``EtcdadmCluster`` and its ``AWSSnowMachineTemplate`` (external etcd only), the
CAPAS credentials Secret ``<cluster>-snow-credentials`` (keys ``credentials`` and ``ca-bundle``), and one
``AWSSnowIPPool`` per ``SnowIPPool`` a machine config of the cluster references. Per worker group:
KubeadmConfigTemplate, MachineDeployment, ``AWSSnowMachineTemplate``.

Machine template spec from the machine config: ``iamInstanceProfile``
``control-plane.cluster-api-provider-aws.sigs.k8s.io``, ``instanceType``, ``sshKeyName``, ``ami.id``, ``devices``,
``containersVolume``, ``nonRootVolumes``, ``physicalNetworkConnectorType``, ``network.directNetworkInterfaces``
(``ipPoolRef`` -> ``AWSSnowIPPool``), ``osFamily`` and, for Bottlerocket, ``imageLookupBaseOS: bottlerocket``.

Node bootstrap: every kubelet gets ``provider-id: aws-snow:////'{{ ds.meta_data.instance_id }}'``. Ubuntu nodes run
``/etc/eks/bootstrap.sh`` before kubeadm; Ubuntu control planes run ``/etc/eks/bootstrap-after.sh <kube-vip image>
<endpoint>`` after it (the AMI's scripts set kube-vip up). Bottlerocket control planes carry the kube-vip static
pod and, on every Bottlerocket node, the ``bottlerocket-bootstrap-snow`` custom bootstrap container.

The credentials Secret is read from the files named by ``EKSA_AWS_CREDENTIALS_FILE`` /
``EKSA_AWS_CA_BUNDLES_FILE`` of the call context's environment (``context.env``; ``options.extra["env"]`` when a
caller renders without a context).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.capi import (
    KubeadmFlavor,
    KubeadmImages,
    KubeVip,
    NodeGroupSettings,
    RegistryMirror,
    WorkerGroupParts,
    b64,
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
    secret,
)
from eksa_core.capi.constants import BOTTLEROCKET, MOVE_LABEL, SECURE_CIPHER_SUITES
from eksa_core.errors import SpecError
from eksa_core.models import UserConfiguration
from eksa_core.provider import InfrastructureBundle, TemplateOptions, unstructure

from .credentials import read_credentials
from .models import IP_POOL_KIND, MACHINE_KIND, SnowDatacenterConfig, SnowIPPool, SnowMachineConfig

if TYPE_CHECKING:
    from eksa_core.models.cluster import Cluster, WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "BOOTSTRAP_AFTER_SCRIPT",
    "BOOTSTRAP_SCRIPT",
    "IAM_INSTANCE_PROFILE",
    "INFRA_API_VERSION",
    "PROVIDER_ID",
    "capas_credentials_secret",
    "eksa_generate_control_plane",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "generate_control_plane",
    "generate_workers",
    "ip_pool",
    "machine_template",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"
IAM_INSTANCE_PROFILE = "control-plane.cluster-api-provider-aws.sigs.k8s.io"
PROVIDER_ID = "aws-snow:////'{{ ds.meta_data.instance_id }}'"
BOOTSTRAP_SCRIPT = "/etc/eks/bootstrap.sh"
BOOTSTRAP_AFTER_SCRIPT = "/etc/eks/bootstrap-after.sh"
_SECURE = {"profiling": "false", "tls-cipher-suites": SECURE_CIPHER_SUITES}
_MACHINE_TEMPLATE = "AWSSnowMachineTemplate"


# -- helpers --------------------------------------------------------------------------------------------------


def _datacenter(spec: Spec) -> SnowDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, SnowDatacenterConfig):
        raise SpecError("SnowDatacenterConfig not found in the cluster spec", kind="SnowDatacenterConfig")
    return dc


def _machine(spec: Spec, name: str | None) -> SnowMachineConfig:
    mc = spec.config.machine_config(name, MACHINE_KIND)
    if not isinstance(mc, SnowMachineConfig):
        raise SpecError(f"SnowMachineConfig {name} not found in the cluster spec", kind=MACHINE_KIND, name=name)
    return mc


def _bottlerocket(mc: SnowMachineConfig) -> bool:
    return (mc.spec.os_family or "") == BOTTLEROCKET


def _endpoint(cluster: Cluster) -> str:
    cp = cluster.spec.control_plane_configuration
    return (cp.endpoint.host if cp and cp.endpoint else None) or ""


def _flavor(cluster: Cluster, mc: SnowMachineConfig, *, control_plane: bool, kube_vip_image: str) -> KubeadmFlavor:
    """Snow's kubeadm parts: provider id on every kubelet, the AMI's bootstrap scripts on Ubuntu."""
    ubuntu = not _bottlerocket(mc)
    post: tuple[str, ...] = ()
    if ubuntu and control_plane:
        post = (f"{BOOTSTRAP_AFTER_SCRIPT} {kube_vip_image} {_endpoint(cluster)}",)
    return KubeadmFlavor(
        apiserver_spec_args=_SECURE,
        controller_manager_spec_args=_SECURE,
        scheduler_args=_SECURE,
        kubelet_args=(("provider-id", PROVIDER_ID),),
        secure_kubelet=True,
        pre_commands=(BOOTSTRAP_SCRIPT,) if ubuntu else (),
        post_commands=post,
        proxy_endpoints=tuple(x for x in (_endpoint(cluster),) if x),
    )


def _users(mc: SnowMachineConfig) -> list[UserConfiguration]:
    """No kubeadm users: Snow instances are reached with the device key pair (``sshKeyName``)."""
    return []


def _settings(mc: SnowMachineConfig, **kw: Any) -> NodeGroupSettings:
    return NodeGroupSettings(os_family=mc.spec.os_family or "", users=_users(mc),
                             host_os=mc.spec.host_os_configuration, **kw)


def _plain(value: Any) -> Any:
    return unstructure(value) if value is not None else None


def _bootstrap_container(spec: Spec, kubernetes_version: str | None = None) -> list[dict[str, Any]]:
    image = spec.versions_bundle(kubernetes_version).snow.bottlerocket_bootstrap_snow
    if not image.uri:
        return []
    return [{"name": "bottlerocket-bootstrap-snow", "imageRepository": image.repository, "imageTag": image.tag,
             "mode": "always"}]


def _add_bottlerocket_containers(section: dict[str, Any], containers: list[dict[str, Any]]) -> None:
    if containers:
        section["bottlerocketCustomBootstrapContainers"] = containers


# -- objects --------------------------------------------------------------------------------------------------


def machine_template(name: str | None, mc: SnowMachineConfig) -> dict[str, Any]:
    """An ``AWSSnowMachineTemplate`` from a machine config."""
    m = mc.spec
    dnis = []
    for dni in (m.network.direct_network_interfaces if m.network else None) or []:
        item: dict[str, Any] = {"index": dni.index, "vlanID": dni.vlan_id, "dhcp": dni.dhcp or None,
                                "primary": dni.primary or None}
        if dni.ip_pool_ref is not None and dni.ip_pool_ref.name:
            item["ipPool"] = {"kind": "AWSSnowIPPool", "name": dni.ip_pool_ref.name}
        dnis.append({k: v for k, v in item.items() if v is not None})
    tspec: dict[str, Any] = {
        "ami": {"id": m.ami_id or None},
        "cloudInit": {"insecureSkipSecretsManager": True},
        "devices": list(m.devices or []),
        "iamInstanceProfile": IAM_INSTANCE_PROFILE,
        "instanceType": m.instance_type,
        "physicalNetworkConnectorType": m.physical_network_connector,
        "sshKeyName": m.ssh_key_name,
    }
    if m.containers_volume is not None:
        tspec["containersVolume"] = _plain(m.containers_volume)
    if m.non_root_volumes:
        tspec["nonRootVolumes"] = [_plain(v) for v in m.non_root_volumes]
    if dnis:
        tspec["network"] = {"directNetworkInterfaces": dnis}
    tspec["osFamily"] = m.os_family
    if _bottlerocket(mc):
        tspec["imageLookupBaseOS"] = BOTTLEROCKET
    return {"apiVersion": INFRA_API_VERSION, "kind": _MACHINE_TEMPLATE, "metadata": metadata(name),
            "spec": {"template": {"spec": tspec}}}


def ip_pool(pool: SnowIPPool) -> dict[str, Any]:
    """The ``AWSSnowIPPool`` of a ``SnowIPPool`` (same name, in ``eksa-system``)."""
    pools = [{"ipStart": p.ip_start, "ipEnd": p.ip_end, "subnet": p.subnet, "gateway": p.gateway}
             for p in pool.spec.pools or []]
    return {"apiVersion": INFRA_API_VERSION, "kind": "AWSSnowIPPool", "metadata": metadata(pool.name),
            "spec": {"pools": pools}}


def capas_credentials_secret(cluster_name: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``<cluster>-snow-credentials`` for CAPAS: ``credentials`` and ``ca-bundle`` hold the base64 text of each
    file (so the serialised values are encoded twice, as EKS Anywhere writes them); moved with the cluster."""
    creds = read_credentials(env)
    texts = {"credentials": b64(creds.credentials.decode("utf-8", "replace")),
             "ca-bundle": b64(creds.ca_bundles.decode("utf-8", "replace"))}
    return secret(f"{cluster_name}-snow-credentials", labels={MOVE_LABEL: "true"}, secret_type="Opaque",
                  data={k: b64(v) for k, v in texts.items()})


def _snow_cluster(cluster: Cluster) -> dict[str, Any]:
    return {
        "apiVersion": INFRA_API_VERSION,
        "kind": "AWSSnowCluster",
        "metadata": metadata(cluster.name),
        "spec": {
            "controlPlaneEndpoint": {"host": _endpoint(cluster), "port": 6443},
            "identityRef": {"kind": "Secret", "name": f"{cluster.name}-snow-credentials"},
            "region": "snow",
        },
    }


def _referenced_pools(spec: Spec) -> list[SnowIPPool]:
    names: list[str] = []
    cluster = spec.cluster
    cp = cluster.spec.control_plane_configuration
    etcd = cluster.spec.external_etcd_configuration
    refs = [cp.machine_group_ref if cp else None, etcd.machine_group_ref if etcd else None,
            *(g.machine_group_ref for g in cluster.worker_groups())]
    for ref in refs:
        mc = spec.config.get(MACHINE_KIND, ref.name) if ref is not None else None
        if not isinstance(mc, SnowMachineConfig) or mc.spec.network is None:
            continue
        for dni in mc.spec.network.direct_network_interfaces or []:
            if dni.ip_pool_ref is not None and dni.ip_pool_ref.name and dni.ip_pool_ref.name not in names:
                names.append(dni.ip_pool_ref.name)
    out = []
    for name in names:
        pool = spec.config.get(IP_POOL_KIND, name)
        if not isinstance(pool, SnowIPPool):
            raise SpecError(f"SnowIPPool {name} not found in the cluster spec", kind=IP_POOL_KIND, name=name)
        out.append(pool)
    return out




def _env(options: TemplateOptions | None) -> Mapping[str, str]:
    extra = (options.extra if options is not None else None) or {}
    env = extra.get("env")
    return env if isinstance(env, Mapping) else {}


# -- control plane --------------------------------------------------------------------------------------------


def generate_control_plane(spec: Spec, options: TemplateOptions | None = None, *,
                           env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The control plane objects of a Snow cluster, in apply order (see the module docstring)."""
    options = options or TemplateOptions()
    env = _env(options) if env is None else env
    cluster = spec.cluster
    name = cluster.name
    _datacenter(spec)
    cpc = cluster.spec.control_plane_configuration
    cp_mc = _machine(spec, cpc.machine_group_ref.name if cpc and cpc.machine_group_ref else None)
    etcd_cfg = cluster.spec.external_etcd_configuration
    external_etcd = etcd_cfg is not None
    bundle = spec.versions_bundle()
    images = kubeadm_images(spec)
    cp_name = options.control_plane_template_name or control_plane_template_name(name)
    etcd_name = options.etcd_template_name or etcd_template_name(name)
    kube_vip_image = bundle.snow.kube_vip.uri
    oidc, aws_iam = spec.config.oidc_config(), spec.config.aws_iam_config()
    br = _bottlerocket(cp_mc)

    kcp = kubeadm_control_plane(
        cluster, flavor=_flavor(cluster, cp_mc, control_plane=True, kube_vip_image=kube_vip_image), images=images,
        node=_settings(cp_mc, taints=cpc.taints if cpc else None, labels=cpc.labels if cpc else None,
                       kubelet_configuration=cpc.kubelet_configuration if cpc else None),
        machine_template_kind=_MACHINE_TEMPLATE, machine_template_name=cp_name, external_etcd=external_etcd,
        kube_vip=KubeVip(address=_endpoint(cluster), image=kube_vip_image) if br else None,
        oidc=oidc, aws_iam=aws_iam, env=env, default_taint=True,
    )
    if br:
        containers = _bootstrap_container(spec)
        kcs = kcp["spec"]["kubeadmConfigSpec"]
        _add_bottlerocket_containers(kcs["clusterConfiguration"], containers)
        _add_bottlerocket_containers(kcs["joinConfiguration"], containers)

    objects: list[dict[str, Any]] = [capi_cluster(cluster, "AWSSnowCluster", external_etcd=external_etcd),
                                     _snow_cluster(cluster), kcp, machine_template(cp_name, cp_mc)]
    if etcd_cfg is not None:
        etcd_mc = _machine(spec, etcd_cfg.machine_group_ref.name if etcd_cfg.machine_group_ref else None)
        objects.append(_etcdadm(spec, etcd_mc, images, etcd_name, env))
        objects.append(machine_template(etcd_name, etcd_mc))
    objects.append(capas_credentials_secret(name, env))
    objects += [ip_pool(p) for p in _referenced_pools(spec)]
    return objects


def _etcdadm(spec: Spec, mc: SnowMachineConfig, images: KubeadmImages, template_name: str,
             env: Mapping[str, str]) -> dict[str, Any]:
    cluster = spec.cluster
    etcd = cluster.spec.external_etcd_configuration
    distro = spec.eksd_release().kube_distro()
    bundle = spec.versions_bundle()
    br = _bottlerocket(mc)
    proxy_cfg = cluster.spec.proxy_configuration
    proxy = None
    if proxy_cfg is not None:
        proxy = {"httpProxy": proxy_cfg.http_proxy, "httpsProxy": proxy_cfg.https_proxy,
                 "noProxy": no_proxy_list(cluster, tuple(x for x in (_endpoint(cluster),) if x))}
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
        users=kubeadm_users(_users(mc)),
        machine_template_api_version=INFRA_API_VERSION,
        machine_template_kind=_MACHINE_TEMPLATE,
        machine_template_name=template_name,
        cloud_init=None if br else {"version": distro.etcd_version, "installDir": "/usr/bin",
                                    "etcdReleaseURL": distro.etcd_url},
        bottlerocket={"etcdImage": distro.etcd.uri,
                      "bootstrapImage": bundle.bottlerocket_host_containers.kubeadm_bootstrap.uri,
                      "pauseImage": distro.pause.uri} if br else None,
        pre_commands=() if br else (BOOTSTRAP_SCRIPT,),
        proxy=proxy,
        registry_mirror=mirror_cfg,
        ntp={"enabled": True, "servers": list(ntp_servers)} if ntp_servers else None,
    )


# -- workers --------------------------------------------------------------------------------------------------


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None = None,
                     kubeadm_config_template_names: Mapping[str, str] | None = None,
                     options: TemplateOptions | None = None, *,
                     env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group: KubeadmConfigTemplate (Bottlerocket bootstrap containers where the OS is
    Bottlerocket), MachineDeployment, AWSSnowMachineTemplate (the core's
    :func:`~eksa_core.capi.workers.kubeadm_workers`). Groups missing from a name map get the initial
    ``<cluster>-<group>-1`` names."""
    env = _env(options) if env is None else env
    cluster = spec.cluster
    _datacenter(spec)

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        mc = _machine(spec, group.machine_group_ref.name if group.machine_group_ref else None)
        version = group.kubernetes_version or cluster.spec.kubernetes_version

        def bottlerocket_containers(kct: dict[str, Any]) -> None:
            if _bottlerocket(mc):
                _add_bottlerocket_containers(kct["spec"]["template"]["spec"]["joinConfiguration"],
                                             _bootstrap_container(spec, version))

        node = _settings(mc, taints=group.taints, labels=group.labels,
                         kubelet_configuration=group.kubelet_configuration)
        return WorkerGroupParts(
            flavor=_flavor(cluster, mc, control_plane=False, kube_vip_image=""),
            node=node,
            machine_template_kind=_MACHINE_TEMPLATE,
            machine_template=lambda name: machine_template(name, mc),
            customize_config=bottlerocket_containers,
        )

    return kubeadm_workers(spec, parts, machine_template_names=machine_template_names,
                           kubeadm_config_template_names=kubeadm_config_template_names, env=env)


# -- hooks ----------------------------------------------------------------------------------------------------


def _is_snow(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), SnowDatacenterConfig)


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """Snow control plane objects (see :func:`generate_control_plane`)."""
    if not _is_snow(spec):
        return None
    return generate_control_plane(spec, options, env=context.env)


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          options: TemplateOptions | None, context: HookContext) -> list[dict[str, Any]] | None:
    """Snow worker objects (see :func:`generate_workers`)."""
    if not _is_snow(spec):
        return None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, options, env=context.env)


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """``infrastructure-snow/<version>/`` with the CAPAS components and metadata."""
    if not _is_snow(spec):
        return None
    sn = spec.versions_bundle().snow
    manifests = tuple(m.uri for m in (sn.components, sn.metadata) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-snow/{sn.version}/", manifests=manifests)
