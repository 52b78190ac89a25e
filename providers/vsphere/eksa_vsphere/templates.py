"""vSphere CAPI manifests (EKS-A ``GenerateCAPISpecControlPlane`` / ``GenerateCAPISpecWorkers``), credentials
secrets, clusterctl environment, infrastructure bundle, bootstrap options and failure domains.

Object set of the control plane: Cluster, VSphereCluster, the control plane VSphereMachineTemplate,
KubeadmControlPlane (kube-vip static pod in its files), the CPI ClusterResourceSet, EtcdadmCluster and its
VSphereMachineTemplate (external etcd only), the credentials Secrets and the CPI manifests ConfigMap
(+ ``registry-credentials`` when the registry mirror authenticates). Per worker group: KubeadmConfigTemplate,
MachineDeployment, VSphereMachineTemplate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core.capi import (
    KubeadmFlavor,
    KubeadmImages,
    KubeVip,
    NodeGroupSettings,
    RegistryMirror,
    WorkerGroupParts,
    b64,
    capi_cluster,
    cluster_resource_set,
    control_plane_template_name,
    etcd_template_name,
    etcdadm_cluster,
    kubeadm_control_plane,
    kubeadm_images,
    kubeadm_users,
    kubeadm_workers,
    metadata,
    no_proxy_list,
    registry_credentials_secret,
    secret,
    to_yaml,
)
from eksa_core.capi.constants import BOTTLEROCKET, MOVE_LABEL, SECURE_CIPHER_SUITES
from eksa_core.errors import SpecError
from eksa_core.provider import BootstrapOptions, InfrastructureBundle, TemplateOptions, hookimpl

from .models import VSphereDatacenterConfig, VSphereMachineConfig

if TYPE_CHECKING:
    from eksa_core.models.cluster import Cluster, WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "INFRA_API_VERSION",
    "VSPHERE_FLAVOR",
    "eksa_bootstrap_options",
    "eksa_conformance_case",
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "failure_domain_name",
    "failure_domain_objects",
    "generate_control_plane",
    "generate_workers",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"
_HOSTNAME = "{{ ds.meta_data.hostname }}"
_HOSTNAME_COMMANDS = (
    f'hostname "{_HOSTNAME}"',
    'echo "::1         ipv6-localhost ipv6-loopback" >/etc/hosts',
    'echo "127.0.0.1   localhost" >>/etc/hosts',
    f'echo "127.0.0.1   {_HOSTNAME}" >>/etc/hosts',
    f'echo "{_HOSTNAME}" >/etc/hostname',
)
_SECURE = {"profiling": "false", "tls-cipher-suites": SECURE_CIPHER_SUITES}
_EXTERNAL_CLOUD = (("cloud-provider", "external"),)

VSPHERE_FLAVOR = KubeadmFlavor(
    apiserver_args=_EXTERNAL_CLOUD,
    apiserver_spec_args=_SECURE,
    controller_manager_args=_EXTERNAL_CLOUD,
    controller_manager_spec_args=_SECURE,
    scheduler_args=_SECURE,
    kubelet_args=_EXTERNAL_CLOUD,
    secure_kubelet=True,
    node_name=_HOSTNAME,
    pre_commands=_HOSTNAME_COMMANDS,
    etcd_pre_commands=_HOSTNAME_COMMANDS,
)
"""The fixed kubeadm parts of vSphere nodes: external cloud provider, hostname from cloud-init metadata."""

_USERNAME_ENV = "EKSA_VSPHERE_USERNAME"
_PASSWORD_ENV = "EKSA_VSPHERE_PASSWORD"
_CP_USERNAME_ENV = "EKSA_VSPHERE_CP_USERNAME"
_CP_PASSWORD_ENV = "EKSA_VSPHERE_CP_PASSWORD"


# -- helpers --------------------------------------------------------------------------------------------------


def _datacenter(spec: Spec) -> VSphereDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, VSphereDatacenterConfig):
        raise SpecError("VSphereDatacenterConfig not found in the cluster spec", kind="VSphereDatacenterConfig")
    return dc


def _machine(spec: Spec, name: str | None) -> VSphereMachineConfig:
    mc = spec.config.machine_config(name, "VSphereMachineConfig")
    if not isinstance(mc, VSphereMachineConfig):
        raise SpecError(f"VSphereMachineConfig {name} not found in the cluster spec", kind="VSphereMachineConfig",
                        name=name)
    return mc


def _settings(mc: VSphereMachineConfig, **kw: Any) -> NodeGroupSettings:
    return NodeGroupSettings(os_family=mc.spec.os_family or "", users=list(mc.spec.users or []),
                             host_os=mc.spec.host_os_configuration, **kw)


def _flavor(spec: Spec) -> KubeadmFlavor:
    dc = _datacenter(spec)
    cp = spec.cluster.spec.control_plane_configuration
    host = cp.endpoint.host if cp and cp.endpoint else None
    return KubeadmFlavor(**{**_flavor_fields(VSPHERE_FLAVOR),
                            "proxy_endpoints": tuple(x for x in (dc.spec.server, host) if x)})


def _flavor_fields(flavor: KubeadmFlavor) -> dict[str, Any]:
    import attrs

    return attrs.asdict(flavor, recurse=False)


def machine_template(name: str | None, dc: VSphereDatacenterConfig, mc: VSphereMachineConfig,
                     *, quoted_namespace: bool = False) -> dict[str, Any]:
    """A ``VSphereMachineTemplate`` from a machine config (networks: the machine's own, else the datacenter's)."""
    m, d = mc.spec, dc.spec
    networks: list[str] = list(m.networks or []) or [d.network or ""]
    tspec: dict[str, Any] = {
        "cloneMode": m.clone_mode or None,
        "datacenter": d.datacenter,
        "datastore": m.datastore,
        "diskGiB": m.disk_gib,
        "folder": m.folder,
        "memoryMiB": m.memory_mib,
        "network": {"devices": [{"dhcp4": True, "networkName": n} for n in networks]},
        "numCPUs": m.num_cpus,
        "resourcePool": m.resource_pool,
        "server": d.server,
    }
    if m.storage_policy_name:
        tspec["storagePolicyName"] = m.storage_policy_name
    tspec["template"] = m.template or ""  # required by CAPV: empty, as EKS-A's template prints it
    tspec["thumbprint"] = d.thumbprint or ""
    if m.tags:
        tspec["tagIDs"] = list(m.tags)
    return {"apiVersion": INFRA_API_VERSION, "kind": "VSphereMachineTemplate", "metadata": metadata(name),
            "spec": {"template": {"spec": tspec}}}


def _credentials(env: Mapping[str, str]) -> tuple[str, str, str, str]:
    user = env.get(_USERNAME_ENV, "")
    password = env.get(_PASSWORD_ENV, "")
    return user, password, env.get(_CP_USERNAME_ENV) or user, env.get(_CP_PASSWORD_ENV) or password


def _cpi_manifests(cluster: Cluster, dc: VSphereDatacenterConfig, manager_image: str,
                   cp_taints: list[dict[str, Any]]) -> str:
    """The vSphere cloud provider (CPI) manifests applied by the ClusterResourceSet, as one YAML stream."""
    server, thumbprint = dc.spec.server or "", dc.spec.thumbprint or ""
    conf = {
        "global": {"secretName": "cloud-provider-vsphere-credentials", "secretNamespace": "kube-system",
                   "thumbprint": thumbprint, "insecureFlag": bool(dc.spec.insecure)},
        "vcenter": {server: {"datacenters": [dc.spec.datacenter], "secretName": "cloud-provider-vsphere-credentials",
                             "secretNamespace": "kube-system", "server": server, "thumbprint": thumbprint}},
    }
    ccm_subjects = [{"kind": "ServiceAccount", "name": "cloud-controller-manager", "namespace": "kube-system"},
                    {"kind": "User", "name": "cloud-controller-manager"}]

    def rule(resources: list[str], verbs: list[str], group: str = "") -> dict[str, Any]:
        return {"apiGroups": [group], "resources": resources, "verbs": verbs}

    docs: list[dict[str, Any]] = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "system:cloud-controller-manager"},
         "rules": [
             rule(["events"], ["create", "patch", "update"]),
             rule(["nodes"], ["*"]),
             rule(["nodes/status"], ["patch"]),
             rule(["services"], ["list", "patch", "update", "watch"]),
             rule(["serviceaccounts"], ["create", "get", "list", "watch", "update"]),
             rule(["persistentvolumes"], ["get", "list", "watch", "update"]),
             rule(["endpoints"], ["create", "get", "list", "watch", "update"]),
             rule(["secrets"], ["get", "list", "watch"]),
             rule(["leases"], ["get", "watch", "list", "delete", "update", "create"], "coordination.k8s.io"),
         ]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "system:cloud-controller-manager"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": "system:cloud-controller-manager"},
         "subjects": ccm_subjects},
        {"apiVersion": "v1", "data": {"vsphere.conf": to_yaml(conf)}, "kind": "ConfigMap",
         "metadata": {"name": "vsphere-cloud-config", "namespace": "kube-system"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "servicecatalog.k8s.io:apiserver-authentication-reader", "namespace": "kube-system"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                     "name": "extension-apiserver-authentication-reader"},
         "subjects": ccm_subjects},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"labels": {"component": "cloud-controller-manager"}, "name": "cloud-controller-manager",
                      "namespace": "kube-system"},
         "spec": {"ports": [{"port": 443, "protocol": "TCP", "targetPort": 43001}],
                  "selector": {"component": "cloud-controller-manager"}, "type": "NodePort"}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet",
         "metadata": {"labels": {"k8s-app": "vsphere-cloud-controller-manager"},
                      "name": "vsphere-cloud-controller-manager", "namespace": "kube-system"},
         "spec": {
             "selector": {"matchLabels": {"k8s-app": "vsphere-cloud-controller-manager"}},
             "template": {
                 "metadata": {"labels": {"k8s-app": "vsphere-cloud-controller-manager"}},
                 "spec": {
                     "containers": [{
                         "args": ["--v=2", "--cloud-provider=vsphere", "--cloud-config=/etc/cloud/vsphere.conf"],
                         "image": manager_image,
                         "name": "vsphere-cloud-controller-manager",
                         "resources": {"requests": {"cpu": "200m"}},
                         "volumeMounts": [{"mountPath": "/etc/cloud", "name": "vsphere-config-volume",
                                           "readOnly": True}],
                     }],
                     "hostNetwork": True,
                     "serviceAccountName": "cloud-controller-manager",
                     "tolerations": [
                         {"effect": "NoSchedule", "key": "node.cloudprovider.kubernetes.io/uninitialized",
                          "value": "true"},
                         {"effect": "NoSchedule", "key": "node-role.kubernetes.io/master"},
                         {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
                         {"effect": "NoSchedule", "key": "node.kubernetes.io/not-ready"},
                         *cp_taints,
                     ],
                     "volumes": [{"configMap": {"name": "vsphere-cloud-config"}, "name": "vsphere-config-volume"}],
                 },
             },
             "updateStrategy": {"type": "RollingUpdate"},
         }},
    ]
    return "".join("---\n" + to_yaml(d) for d in docs)


def _cp_taints_for_tolerations(cluster: Cluster) -> list[dict[str, Any]]:
    from eksa_core.capi.kubeadm import default_control_plane_taints, node_taints

    cp = cluster.spec.control_plane_configuration
    taints = cp.taints if cp else None
    return default_control_plane_taints() if taints is None else node_taints(taints)




# -- control plane --------------------------------------------------------------------------------------------


def generate_control_plane(spec: Spec, options: TemplateOptions | None = None,
                           env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The control plane objects of a vSphere cluster, in apply order."""
    options = options or TemplateOptions()
    env = {} if env is None else env
    cluster = spec.cluster
    name = cluster.name
    dc = _datacenter(spec)
    cpc = cluster.spec.control_plane_configuration
    cp_mc = _machine(spec, cpc.machine_group_ref.name if cpc and cpc.machine_group_ref else None)
    etcd_cfg = cluster.spec.external_etcd_configuration
    external_etcd = etcd_cfg is not None
    bundle = spec.versions_bundle()
    images = kubeadm_images(spec)
    cp_name = options.control_plane_template_name or control_plane_template_name(name)
    etcd_name = options.etcd_template_name or etcd_template_name(name)
    oidc, aws_iam = spec.config.oidc_config(), spec.config.aws_iam_config()
    host = cpc.endpoint.host if cpc and cpc.endpoint else None

    objects: list[dict[str, Any]] = [capi_cluster(cluster, "VSphereCluster", external_etcd=external_etcd)]
    objects.append({
        "apiVersion": INFRA_API_VERSION,
        "kind": "VSphereCluster",
        "metadata": metadata(name),
        "spec": {
            "controlPlaneEndpoint": {"host": host, "port": 6443},
            "identityRef": {"kind": "Secret", "name": f"{name}-vsphere-credentials"},
            "server": dc.spec.server,
            "thumbprint": dc.spec.thumbprint or "",
        },
    })
    # where the workers may go (EKS-A's controller applies these before the machines; MDs name them)
    objects += failure_domain_objects(spec)
    objects.append(machine_template(cp_name, dc, cp_mc))
    cp_node = _settings(cp_mc, taints=cpc.taints if cpc else None, labels=cpc.labels if cpc else None,
                        kubelet_configuration=cpc.kubelet_configuration if cpc else None)
    objects.append(kubeadm_control_plane(
        cluster, flavor=_flavor(spec), images=images, node=cp_node, machine_template_kind="VSphereMachineTemplate",
        machine_template_name=cp_name, external_etcd=external_etcd,
        kube_vip=KubeVip(address=host or "", image=bundle.vsphere.kube_vip.uri),
        oidc=oidc, aws_iam=aws_iam, env=env, default_taint=True,
    ))
    objects.append(cluster_resource_set(f"{name}-cpi", name, [
        ("Secret", f"{name}-cloud-controller-manager"),
        ("Secret", f"{name}-cloud-provider-vsphere-credentials"),
        ("ConfigMap", f"{name}-cpi-manifests"),
    ]))
    if etcd_cfg is not None:
        etcd_mc = _machine(spec, etcd_cfg.machine_group_ref.name if etcd_cfg.machine_group_ref else None)
        objects.append(_etcdadm(spec, etcd_mc, images, etcd_name, env))
        objects.append(machine_template(etcd_name, dc, etcd_mc))
    user, password, cp_user, cp_password = _credentials(env)
    objects.append(secret(f"{name}-vsphere-credentials", labels={MOVE_LABEL: "true"},
                          data={"username": b64(user), "password": b64(password)}))
    objects.append(secret(f"{name}-cloud-controller-manager", secret_type="addons.cluster.x-k8s.io/resource-set",
                          string_data={"data": to_yaml({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {
                              "name": "cloud-controller-manager", "namespace": "kube-system"}})}))
    server = dc.spec.server or ""
    cpi_secret = {"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "cloud-provider-vsphere-credentials", "namespace": "kube-system"},
                  "data": {f"{server}.password": b64(cp_password), f"{server}.username": b64(cp_user)},
                  "type": "Opaque"}
    objects.append(secret(f"{name}-cloud-provider-vsphere-credentials",
                          secret_type="addons.cluster.x-k8s.io/resource-set",
                          string_data={"data": to_yaml(cpi_secret)}))
    objects.append({
        "apiVersion": "v1",
        "data": {"data": _cpi_manifests(cluster, dc, bundle.vsphere.manager.uri, _cp_taints_for_tolerations(cluster))},
        "kind": "ConfigMap",
        "metadata": metadata(f"{name}-cpi-manifests"),
    })
    mirror = RegistryMirror.from_cluster(cluster, env)
    if mirror is not None and mirror.authenticate:
        objects.append(registry_credentials_secret(mirror.username, mirror.password))
    return objects


def _etcdadm(spec: Spec, mc: VSphereMachineConfig, images: KubeadmImages, template_name: str,
             env: Mapping[str, str]) -> dict[str, Any]:
    cluster = spec.cluster
    etcd = cluster.spec.external_etcd_configuration
    distro = spec.eksd_release().kube_distro()
    bundle = spec.versions_bundle()
    br = (mc.spec.os_family or "") == BOTTLEROCKET
    proxy_cfg = cluster.spec.proxy_configuration
    proxy = None
    if proxy_cfg is not None:
        flavor = _flavor(spec)
        proxy = {"httpProxy": proxy_cfg.http_proxy, "httpsProxy": proxy_cfg.https_proxy,
                 "noProxy": no_proxy_list(cluster, flavor.proxy_endpoints)}
    mirror = RegistryMirror.from_cluster(cluster, env)
    mirror_cfg = None
    if mirror is not None:
        mirror_cfg = {"endpoint": mirror.core_mirror()}
        if mirror.ca_cert:
            mirror_cfg["caCert"] = mirror.ca_cert
    ntp_servers = (mc.spec.host_os_configuration.ntp_configuration.servers
                   if mc.spec.host_os_configuration and mc.spec.host_os_configuration.ntp_configuration else None)
    return etcdadm_cluster(
        cluster,
        replicas=etcd.count if etcd and etcd.count is not None else 1,
        bootstrap_format=BOTTLEROCKET if br else "cloud-config",
        users=kubeadm_users(list(mc.spec.users or [])),
        machine_template_api_version=INFRA_API_VERSION,
        machine_template_kind="VSphereMachineTemplate",
        machine_template_name=template_name,
        cloud_init=None if br else {"version": distro.etcd_version, "installDir": "/usr/bin",
                                    "etcdReleaseURL": distro.etcd_url},
        bottlerocket={"etcdImage": distro.etcd.uri,
                      "bootstrapImage": bundle.bottlerocket_host_containers.kubeadm_bootstrap.uri,
                      "pauseImage": distro.pause.uri} if br else None,
        pre_commands=() if br else VSPHERE_FLAVOR.etcd_pre_commands,
        proxy=proxy,
        registry_mirror=mirror_cfg,
        ntp={"enabled": True, "servers": list(ntp_servers)} if ntp_servers else None,
    )


# -- workers --------------------------------------------------------------------------------------------------


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None = None,
                     kubeadm_config_template_names: Mapping[str, str] | None = None,
                     env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group: KubeadmConfigTemplate, MachineDeployment, VSphereMachineTemplate (the core's
    :func:`~eksa_core.capi.workers.kubeadm_workers` with the vSphere machine template). Groups missing from a name
    map get the initial ``<cluster>-<group>-1`` names."""
    dc = _datacenter(spec)
    flavor = _flavor(spec)

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        mc = _machine(spec, group.machine_group_ref.name if group.machine_group_ref else None)
        return WorkerGroupParts(
            flavor=flavor,
            node=_settings(mc, taints=group.taints, labels=group.labels,
                           kubelet_configuration=group.kubelet_configuration),
            machine_template_kind="VSphereMachineTemplate",
            machine_template=lambda name: machine_template(name, dc, mc),
            # EKS-A places a group in the first of its failure domains
            failure_domain=failure_domain_name(spec, group.failure_domains[0]) if group.failure_domains else None,
        )

    return kubeadm_workers(spec, parts, machine_template_names=machine_template_names,
                           kubeadm_config_template_names=kubeadm_config_template_names, env=env)


# -- failure domains ------------------------------------------------------------------------------------------


def failure_domain_name(spec: Spec, failure_domain: str) -> str:
    """The name of the ``VSphereFailureDomain``/``VSphereDeploymentZone`` of a datacenter failure domain, which
    worker MachineDeployments name as their ``failureDomain``: ``<cluster>-<datacenter config>-<domain>``."""
    return f"{spec.cluster.name}-{_datacenter(spec).name}-{failure_domain}"


def failure_domain_objects(spec: Spec, template_names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """``VSphereFailureDomain`` + ``VSphereDeploymentZone`` per datacenter failure domain
    (EKS-A ``GenerateVsphereFailureDomainsSpec``). With ``template_names`` (failure domain -> object name) only
    the named ones are rendered; without, all of them, named by :func:`failure_domain_name`."""
    dc = _datacenter(spec)
    cluster = spec.cluster
    out: list[dict[str, Any]] = []
    for fd in dc.spec.failure_domains or []:
        fd_name = fd.name or ""
        if template_names is not None:
            if fd_name not in template_names:
                continue
            name = template_names[fd_name]
        else:
            name = failure_domain_name(spec, fd_name)
        out.append({
            "apiVersion": INFRA_API_VERSION,
            "kind": "VSphereFailureDomain",
            "metadata": {"name": name},
            "spec": {
                "region": {"name": dc.spec.datacenter, "type": "Datacenter", "tagCategory": "k8s-region"},
                # empty values are printed empty, as EKS-A's template does (CAPV requires the fields)
                "zone": {"name": fd.compute_cluster or "", "type": "ComputeCluster", "tagCategory": "k8s-zone"},
                "topology": {"datacenter": dc.spec.datacenter, "computeCluster": fd.compute_cluster or "",
                             "datastore": fd.datastore or "", "networks": [fd.network or ""]},
            },
        })
        out.append({
            "apiVersion": INFRA_API_VERSION,
            "kind": "VSphereDeploymentZone",
            "metadata": {"name": name, "labels": {
                "infrastructure.cluster.x-k8s.io/cluster-name": cluster.name,
                "infrastructure.cluster.x-k8s.io/vsphere-datacenter-config-name": dc.name}},
            "spec": {"server": dc.spec.server, "failureDomain": name,
                     "placementConstraint": {"resourcePool": fd.resource_pool or "", "folder": fd.folder or ""}},
        })
    return out


# -- hooks ----------------------------------------------------------------------------------------------------


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """vSphere control plane objects (see :func:`generate_control_plane`)."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    return generate_control_plane(spec, options, env=context.env)


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          context: HookContext) -> list[dict[str, Any]] | None:
    """vSphere worker objects (see :func:`generate_workers`)."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, env=context.env)


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]] | None:
    """``vsphere-credentials`` in ``eksa-system`` (the controller's vCenter login, moved with the cluster)."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    user, password, cp_user, cp_password = _credentials(context.env)
    data = {"username": b64(user), "password": b64(password),
            "usernameCP": b64(cp_user), "passwordCP": b64(cp_password)}
    return [secret("vsphere-credentials", labels={MOVE_LABEL: "true"}, data=data)]


_REQUIRED_ENV = ("VSPHERE_USERNAME", "VSPHERE_PASSWORD", "EXP_CLUSTER_RESOURCE_SET")


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str] | None:
    """``VSPHERE_USERNAME``, ``VSPHERE_PASSWORD`` (from ``EKSA_VSPHERE_USERNAME/PASSWORD`` when not set
    directly) and ``EXP_CLUSTER_RESOURCE_SET=true``; a missing one is "warning required env not set <KEY>"."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    env = context.env
    derived = {
        "VSPHERE_USERNAME": env.get("VSPHERE_USERNAME") or env.get(_USERNAME_ENV, ""),
        "VSPHERE_PASSWORD": env.get("VSPHERE_PASSWORD") or env.get(_PASSWORD_ENV, ""),
        "EXP_CLUSTER_RESOURCE_SET": env.get("EXP_CLUSTER_RESOURCE_SET") or "true",
    }
    for key in _REQUIRED_ENV:
        if not derived[key]:
            raise SpecError(f"warning required env not set {key}")
    return derived


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """``infrastructure-vsphere/<version>/`` with components, metadata and the cluster template."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    vs = spec.versions_bundle().vsphere
    manifests = tuple(m.uri for m in (vs.components, vs.metadata, vs.cluster_template) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-vsphere/{vs.version}/", manifests=manifests)


@hookimpl
def eksa_bootstrap_options(spec: Spec) -> BootstrapOptions | None:
    """Proxy environment of the kind cluster: ``NO_PROXY`` = spec noProxy + control plane endpoint + vCenter."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    cluster = spec.cluster
    proxy = cluster.spec.proxy_configuration
    if proxy is None:
        return BootstrapOptions()
    cp = cluster.spec.control_plane_configuration
    no_proxy = list(proxy.no_proxy or [])
    no_proxy += [x for x in ((cp.endpoint.host if cp and cp.endpoint else None), _datacenter(spec).spec.server) if x]
    return BootstrapOptions(env={"HTTP_PROXY": proxy.http_proxy or "", "HTTPS_PROXY": proxy.https_proxy or "",
                                 "NO_PROXY": ",".join(no_proxy)})


@hookimpl
def eksa_conformance_case(kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """``render-failure-domains``: :func:`failure_domain_objects` with the case's ``templateNames``."""
    if kind != "render-failure-domains":
        return None
    spec = inputs.get("spec")
    if spec is None or not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return None
    names = (case.get("params") or {}).get("templateNames")
    return failure_domain_objects(spec, names)
