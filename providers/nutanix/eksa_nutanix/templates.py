"""Nutanix CAPI manifests (CAPX): EKS-A's ``GenerateCAPISpecControlPlane``, ``GenerateCAPISpecWorkers`` and
``GenerateCAPISpecSecret``, the credentials Secrets, the clusterctl environment and the infrastructure bundle.

Control plane objects, in apply order: ``NutanixCluster``, ConfigMap ``<cluster>-trust-bundle`` (with an
``additionalTrustBundle``), ``Cluster``, ``KubeadmControlPlane`` (Nutanix kube-vip static pod in its files), the
control plane ``NutanixMachineTemplate``, ``EtcdadmCluster`` and its ``NutanixMachineTemplate`` (external etcd),
Secret ``registry-credentials`` (authenticated registry mirror), ConfigMap ``<cluster>-nutanix-ccm`` (the Nutanix
cloud controller manager), ClusterResourceSet ``<cluster>-nutanix-ccm-crs`` and Secret
``<cluster>-nutanix-ccm-secret`` (the CCM's Prism Central login). Per worker group: a ``MachineDeployment`` and a
``NutanixMachineTemplate`` (one pair per failure domain that lists the group), and its ``KubeadmConfigTemplate``.

CAPX reads the Prism Central login from Secret ``capx-<cluster>`` (:func:`capx_secret`). Credentials come from
``EKSA_NUTANIX_USERNAME`` / ``EKSA_NUTANIX_PASSWORD``; they end up in Secrets only, never in errors or logs.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from eksa_core import hookimpl
from eksa_core.capi import (
    KubeadmFlavor,
    KubeVip,
    NodeGroupSettings,
    RegistryMirror,
    b64,
    capi_cluster,
    control_plane_template_name,
    etcd_template_name,
    etcdadm_cluster,
    kubeadm_config_template,
    kubeadm_config_template_name,
    kubeadm_control_plane,
    kubeadm_images,
    kubeadm_users,
    machine_deployment,
    machine_deployment_name,
    metadata,
    no_proxy_list,
    registry_credentials_secret,
    secret,
    to_yaml,
    worker_machine_template_name,
)
from eksa_core.capi.constants import (
    ADDONS_API_VERSION,
    CLOUD_CONFIG,
    CLUSTER_NAME_LABEL,
    CONTROL_PLANE_LABEL,
    EKSA_SYSTEM_NAMESPACE,
)
from eksa_core.errors import SpecError
from eksa_core.provider import BootstrapOptions, InfrastructureBundle, TemplateOptions

from .models import (
    DEFAULT_CREDENTIALS_NAME,
    DEFAULT_PORT,
    GPU_DEVICE_ID,
    IDENTIFIER_UUID,
    NutanixDatacenterConfig,
    NutanixDatacenterFailureDomain,
    NutanixGPUIdentifier,
    NutanixMachineConfig,
    NutanixResourceIdentifier,
)
from .validation import ENV_PASSWORD, ENV_USERNAME

if TYPE_CHECKING:
    from eksa_core.models.cluster import Cluster, WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "INFRA_API_VERSION",
    "NUTANIX_FLAVOR",
    "NutanixCredentials",
    "capx_secret",
    "capx_secret_name",
    "ccm_secret",
    "credentials_from_env",
    "eksa_bootstrap_options",
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_secrets",
    "env_map",
    "expand_ip_list",
    "generate_control_plane",
    "generate_secret_objects",
    "generate_workers",
    "kube_vip_pod",
    "machine_template",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta1"
"""API version of ``NutanixCluster`` and ``NutanixMachineTemplate``."""

_HOSTNAME = "{{ ds.meta_data.hostname }}"
_CP_PRE_COMMANDS = (
    f'hostnamectl set-hostname "{_HOSTNAME}"',
    'echo "::1         ipv6-localhost ipv6-loopback" >/etc/hosts',
    'echo "127.0.0.1   localhost" >>/etc/hosts',
    f'echo "127.0.0.1   {_HOSTNAME}" >> /etc/hosts',
)
_WORKER_PRE_COMMANDS = (f'hostnamectl set-hostname "{_HOSTNAME}"',)
_ETCD_PRE_COMMANDS = (
    f'hostname "{_HOSTNAME}"',
    'echo "::1         ipv6-localhost ipv6-loopback" >/etc/hosts',
    'echo "127.0.0.1   localhost" >>/etc/hosts',
    f'echo "127.0.0.1   {_HOSTNAME}" >>/etc/hosts',
    f'echo "{_HOSTNAME}" >/etc/hostname',
)
_EXTERNAL_CLOUD = (("cloud-provider", "external"),)
_EVICTION_HARD = (("eviction-hard", "nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%"),)

NUTANIX_FLAVOR = KubeadmFlavor(
    apiserver_args=_EXTERNAL_CLOUD,
    controller_manager_args=(*_EXTERNAL_CLOUD, ("enable-hostpath-provisioner", "true")),
    kubelet_args=_EXTERNAL_CLOUD,
    secure_kubelet=True,
    flag_kubelet_args={"init": _EVICTION_HARD, "worker": _EVICTION_HARD},
    cert_sans=("localhost", "127.0.0.1", "0.0.0.0"),
    node_name=_HOSTNAME,
    init_node_name=False,
    pre_commands=_CP_PRE_COMMANDS,
    worker_pre_commands=_WORKER_PRE_COMMANDS,
    etcd_pre_commands=_ETCD_PRE_COMMANDS,
    post_commands=("echo export KUBECONFIG=/etc/kubernetes/admin.conf >> /root/.bashrc",),
    empty_taints=False,
    init_cri_socket=False,
    worker_cri_socket=False,
    include_format=False,
    etcd_cipher_suites=False,
    render_scheduler=False,
    user_lock_password=False,
)
"""The fixed kubeadm parts of Nutanix nodes: external cloud provider (the Nutanix CCM), hostname from cloud-init
metadata, kubelet eviction thresholds, no default control plane taint."""

_CCM_CREDS_SECRET = "nutanix-creds"
_CA_BUNDLE_CONFIGMAP = "user-ca-bundle"
_KUBE_SYSTEM = "kube-system"


# -- credentials ----------------------------------------------------------------------------------------------


@attrs.frozen
class NutanixCredentials:
    """Prism Central basic-auth credentials (the password is kept out of ``repr``)."""

    username: str
    password: str = attrs.field(repr=False)

    def entries(self) -> list[dict[str, Any]]:
        """The credentials list CAPX and the Nutanix CCM read (one ``basic_auth`` entry)."""
        return [{"type": "basic_auth", "data": {
            "prismCentral": {"username": self.username, "password": self.password},
            "prismElements": None,
        }}]

    def compact_json(self) -> str:
        """:meth:`entries` as compact JSON, escaped like Go's ``encoding/json``."""
        return _go_json(json.dumps(self.entries(), separators=(",", ":"), ensure_ascii=False))

    def pretty_json(self) -> str:
        """:meth:`entries` as indented JSON (the CCM secret)."""
        return _go_json(json.dumps(self.entries(), indent=2, ensure_ascii=False))


def _go_json(text: str) -> str:
    """Apply Go's HTML-safe escaping (``<``, ``>``, ``&``, U+2028, U+2029) to JSON text. Those characters can
    only occur inside JSON strings, so replacing them everywhere is safe."""
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def credentials_from_env(env: Mapping[str, str]) -> NutanixCredentials:
    """Prism Central credentials from ``EKSA_NUTANIX_USERNAME`` / ``EKSA_NUTANIX_PASSWORD``; a missing or empty
    one is a :class:`SpecError` naming the variable (never its value)."""
    values = []
    for key in (ENV_USERNAME, ENV_PASSWORD):
        value = env.get(key)
        if not value:
            raise SpecError(f"{key} is not set or is empty", field=key)
        values.append(str(value))
    return NutanixCredentials(values[0], values[1])


def capx_secret_name(cluster_name: str) -> str:
    """``capx-<cluster>``: the Secret CAPX reads the Prism Central login from."""
    return f"capx-{cluster_name}"


def capx_secret(cluster_name: str, credentials: NutanixCredentials) -> dict[str, Any]:
    """Secret ``capx-<cluster>``: ``data.credentials`` = base64 of the compact credentials JSON."""
    return secret(capx_secret_name(cluster_name), data={"credentials": b64(credentials.compact_json())})


def ccm_secret(cluster_name: str, credentials: NutanixCredentials) -> dict[str, Any]:
    """Secret ``<cluster>-nutanix-ccm-secret`` (a ClusterResourceSet resource) holding the workload cluster's
    ``kube-system/nutanix-creds`` Secret with the pretty-printed credentials JSON."""
    inner = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": _CCM_CREDS_SECRET, "namespace": _KUBE_SYSTEM},
        "stringData": {"credentials": credentials.pretty_json()},
    }
    return secret(f"{cluster_name}-nutanix-ccm-secret", string_data={"nutanix-ccm-secret.yaml": to_yaml(inner)},
                  secret_type="addons.cluster.x-k8s.io/resource-set")


# -- helpers --------------------------------------------------------------------------------------------------


def _datacenter(spec: Spec) -> NutanixDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, NutanixDatacenterConfig):
        raise SpecError("yamlop content is invalid or does not contain kind NutanixDatacenterConfig",
                        kind=NutanixDatacenterConfig.KIND)
    return dc


def _machine(spec: Spec, name: str | None) -> NutanixMachineConfig:
    mc = spec.config.machine_config(name, NutanixMachineConfig.KIND)
    if not isinstance(mc, NutanixMachineConfig):
        raise SpecError(f"NutanixMachineConfig {name} not found in the cluster spec", kind=NutanixMachineConfig.KIND,
                        name=name)
    return mc


def _identifier(ident: NutanixResourceIdentifier | None) -> dict[str, Any] | None:
    """``{type, name}`` or ``{type, uuid}``."""
    if ident is None:
        return None
    if ident.type == IDENTIFIER_UUID:
        return {"type": ident.type, "uuid": ident.uuid}
    return {"type": ident.type, "name": ident.name}


def _gpu(gpu: NutanixGPUIdentifier) -> dict[str, Any]:
    if gpu.type == GPU_DEVICE_ID:
        return {"type": gpu.type, "deviceID": gpu.device_id}
    return {"type": gpu.type, "name": gpu.name}


def _endpoint_host(cluster: Cluster) -> str:
    cp = cluster.spec.control_plane_configuration
    return (cp.endpoint.host if cp and cp.endpoint else None) or ""


def _flavor(spec: Spec) -> KubeadmFlavor:
    dc = _datacenter(spec)
    endpoints = tuple(x for x in (dc.spec.endpoint, _endpoint_host(spec.cluster)) if x)
    return attrs.evolve(NUTANIX_FLAVOR, proxy_endpoints=endpoints)




def _trust_bundle(dc: NutanixDatacenterConfig) -> str | None:
    """The additional trust bundle as a YAML ``|`` block keeps it: one trailing newline."""
    bundle = dc.spec.additional_trust_bundle
    if not bundle or not bundle.strip():
        return None
    return bundle.rstrip("\n") + "\n"


def _registry_credentials(cluster: Cluster, env: Mapping[str, str]) -> dict[str, Any] | None:
    """Secret ``registry-credentials`` when the registry mirror authenticates; like EKS-A, each of
    ``REGISTRY_USERNAME`` / ``REGISTRY_PASSWORD`` must be set (an empty value is taken as it is)."""
    mirror = RegistryMirror.from_cluster(cluster, env)
    if mirror is None or not mirror.authenticate:
        return None
    for key in ("REGISTRY_USERNAME", "REGISTRY_PASSWORD"):
        if key not in env:
            raise SpecError(f"please set {key} env var", field=key)
    return registry_credentials_secret(mirror.username, mirror.password, encoded=True)


def expand_ip_list(values: Sequence[str]) -> list[str]:
    """Expand ``ccmExcludeNodeIPs`` entries into single addresses: an IP stays as it is, ``a-b`` becomes every
    address from ``a`` to ``b``, a CIDR every address of the network. Entries that are none of those (rejected by
    validation) are left out."""
    out: list[str] = []
    for raw in values:
        out += list(_expand_one(raw.strip()))
    return out


def _expand_one(value: str) -> Iterator[str]:
    if not value:
        return
    if "/" in value:
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return
        yield from (str(ip) for ip in net)
        return
    if "-" in value:
        first, _, last = value.partition("-")
        try:
            start, end = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
        except ValueError:
            return
        if start.version != end.version:
            return
        for n in range(int(start), int(end) + 1):
            yield str(ipaddress.ip_address(n) if start.version == 4 else ipaddress.IPv6Address(n))
        return
    try:
        yield str(ipaddress.ip_address(value))
    except ValueError:
        return


# -- objects --------------------------------------------------------------------------------------------------


def kube_vip_pod(address: str, image: str) -> dict[str, Any]:
    """The kube-vip static pod of Nutanix control plane nodes: ARP mode with leader election, services and load
    balancing off, ``SYS_TIME`` capability, admin kubeconfig mounted ``FileOrCreate``."""
    env = [
        ("vip_arp", "true"),
        ("address", address),
        ("port", "6443"),
        ("vip_cidr", "32"),
        ("cp_enable", "true"),
        ("cp_namespace", "kube-system"),
        ("vip_ddns", "false"),
        ("vip_leaderelection", "true"),
        ("vip_leaseduration", "15"),
        ("vip_renewdeadline", "10"),
        ("vip_retryperiod", "2"),
        ("svc_enable", "false"),
        ("lb_enable", "false"),
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"creationTimestamp": None, "name": "kube-vip", "namespace": "kube-system"},
        "spec": {
            "containers": [{
                "name": "kube-vip",
                "image": image or None,
                "imagePullPolicy": "IfNotPresent",
                "args": ["manager"],
                "env": [{"name": k, "value": v} for k, v in env],
                "securityContext": {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME", "NET_RAW"]}},
                "volumeMounts": [{"mountPath": "/etc/kubernetes/admin.conf", "name": "kubeconfig"}],
                "resources": {},
            }],
            "hostNetwork": True,
            "volumes": [{"name": "kubeconfig",
                         "hostPath": {"type": "FileOrCreate", "path": "/etc/kubernetes/admin.conf"}}],
        },
        "status": {},
    }


def nutanix_cluster(cluster: Cluster, dc: NutanixDatacenterConfig) -> dict[str, Any]:
    """The ``NutanixCluster``: failure domains (all eligible for the control plane), Prism Central endpoint,
    trust bundle ConfigMap reference, CAPX credentials Secret, control plane endpoint."""
    name = cluster.name
    prism: dict[str, Any] = {
        "address": dc.spec.endpoint,
        "port": dc.spec.port if dc.spec.port is not None else DEFAULT_PORT,
        "insecure": bool(dc.spec.insecure),
    }
    if _trust_bundle(dc) is not None:
        prism["additionalTrustBundle"] = {"kind": "ConfigMap", "name": f"{name}-trust-bundle",
                                          "namespace": EKSA_SYSTEM_NAMESPACE}
    prism["credentialRef"] = {"name": capx_secret_name(name), "kind": "Secret"}
    fds = [{
        "name": fd.name,
        "cluster": _identifier(fd.cluster),
        "subnets": [_identifier(s) for s in fd.subnets or []],
        "controlPlane": True,
    } for fd in dc.failure_domains()]
    return {
        "apiVersion": INFRA_API_VERSION,
        "kind": "NutanixCluster",
        "metadata": metadata(name),
        "spec": {
            "failureDomains": fds,
            "prismCentral": prism,
            "controlPlaneEndpoint": {"host": _endpoint_host(cluster), "port": 6443},
        },
    }


def machine_template(name: str | None, cluster_name: str, mc: NutanixMachineConfig, *, gpus: bool = False,
                     failure_domain: NutanixDatacenterFailureDomain | None = None) -> dict[str, Any]:
    """A ``NutanixMachineTemplate`` from a machine config. ``gpus``: render the machine's GPUs (workers only).
    With a ``failure_domain``, its Prism Element cluster and subnets replace the machine config's."""
    m = mc.spec
    tspec: dict[str, Any] = {
        "providerID": f"nutanix://{cluster_name}-m1",
        "vcpusPerSocket": m.vcpus_per_socket,
        "vcpuSockets": m.vcpu_sockets,
        "memorySize": m.memory_size,
        "systemDiskSize": m.system_disk_size,
        "image": _identifier(m.image),
    }
    if failure_domain is not None:
        tspec["cluster"] = _identifier(failure_domain.cluster)
        tspec["subnet"] = [_identifier(s) for s in failure_domain.subnets or []]
    else:
        tspec["cluster"] = _identifier(m.cluster)
        tspec["subnet"] = [_identifier(m.subnet)] if m.subnet is not None else []
    if m.project is not None:
        tspec["project"] = _identifier(m.project)
    if m.additional_categories:
        tspec["additionalCategories"] = [{"key": c.key, "value": c.value} for c in m.additional_categories]
    if gpus and m.gpus:
        tspec["gpus"] = [_gpu(g) for g in m.gpus]
    if m.boot_type:
        tspec["bootType"] = m.boot_type
    return {"apiVersion": INFRA_API_VERSION, "kind": "NutanixMachineTemplate", "metadata": metadata(name),
            "spec": {"template": {"spec": tspec}}}


def _ccm_config(cluster: Cluster, dc: NutanixDatacenterConfig) -> str:
    """``nutanix_config.json`` of the CCM: Prism Central, credentials Secret, trust bundle, topology discovery
    through Prism and the node IPs the CCM ignores (the control plane VIP and ``ccmExcludeNodeIPs``)."""
    prism: dict[str, Any] = {
        "address": dc.spec.endpoint,
        "port": dc.spec.port if dc.spec.port is not None else DEFAULT_PORT,
        "insecure": bool(dc.spec.insecure),
        "credentialRef": {"kind": "secret", "name": _CCM_CREDS_SECRET, "namespace": _KUBE_SYSTEM},
    }
    if _trust_bundle(dc) is not None:
        prism["additionalTrustBundle"] = {"kind": "ConfigMap", "name": _CA_BUNDLE_CONFIGMAP,
                                          "namespace": _KUBE_SYSTEM}
    ignored = [ip for ip in [_endpoint_host(cluster)] if ip] + expand_ip_list(dc.spec.ccm_exclude_node_ips or [])
    config = {
        "prismCentral": prism,
        "enableCustomLabeling": False,
        "topologyDiscovery": {"type": "Prism"},
        "ignoredNodeIPs": ignored,
    }
    return json.dumps(config, indent=2)


def _ccm_manifests(cluster: Cluster, dc: NutanixDatacenterConfig, image: str) -> str:
    """The Nutanix cloud controller manager manifests applied by the ClusterResourceSet, as one YAML stream."""
    docs: list[dict[str, Any]] = []
    bundle = _trust_bundle(dc)
    if bundle is not None:
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": _CA_BUNDLE_CONFIGMAP, "namespace": _KUBE_SYSTEM},
                     "data": {"ca.crt": bundle}})

    def rule(group: str, resource: str, verbs: list[str]) -> dict[str, Any]:
        return {"apiGroups": [group], "resources": [resource], "verbs": verbs}

    labels = {"k8s-app": "nutanix-cloud-controller-manager"}
    docs += [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": "cloud-controller-manager", "namespace": _KUBE_SYSTEM}},
        {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "nutanix-config", "namespace": _KUBE_SYSTEM},
         "data": {"nutanix_config.json": _ccm_config(cluster, dc)}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
                      "name": "system:cloud-controller-manager"},
         "rules": [
             rule("", "secrets", ["get", "list", "watch"]),
             rule("", "configmaps", ["get", "list", "watch"]),
             rule("", "events", ["create", "patch", "update"]),
             rule("", "nodes", ["*"]),
             rule("", "nodes/status", ["patch"]),
             rule("", "serviceaccounts", ["create"]),
             rule("", "endpoints", ["create", "get", "list", "watch", "update"]),
             rule("coordination.k8s.io", "leases", ["get", "list", "watch", "create", "update", "patch", "delete"]),
         ]},
        {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
         "metadata": {"name": "system:cloud-controller-manager"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": "system:cloud-controller-manager"},
         "subjects": [{"kind": "ServiceAccount", "name": "cloud-controller-manager", "namespace": _KUBE_SYSTEM}]},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"labels": dict(labels), "name": "nutanix-cloud-controller-manager", "namespace": _KUBE_SYSTEM},
         "spec": {
             "replicas": 1,
             "selector": {"matchLabels": dict(labels)},
             "strategy": {"type": "Recreate"},
             "template": {
                 "metadata": {"labels": dict(labels)},
                 "spec": {
                     "hostNetwork": True,
                     "priorityClassName": "system-cluster-critical",
                     "nodeSelector": {CONTROL_PLANE_LABEL: ""},
                     "serviceAccountName": "cloud-controller-manager",
                     "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                         {"labelSelector": {"matchLabels": dict(labels)}, "topologyKey": "kubernetes.io/hostname"},
                     ]}},
                     "dnsPolicy": "Default",
                     "tolerations": [
                         {"effect": "NoSchedule", "key": "node-role.kubernetes.io/master", "operator": "Exists"},
                         {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane",
                          "operator": "Exists"},
                         {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
                          "tolerationSeconds": 120},
                         {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
                          "tolerationSeconds": 120},
                         {"effect": "NoSchedule", "key": "node.cloudprovider.kubernetes.io/uninitialized",
                          "operator": "Exists"},
                         {"effect": "NoSchedule", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
                     ],
                     "containers": [{
                         "image": image,
                         "imagePullPolicy": "IfNotPresent",
                         "name": "nutanix-cloud-controller-manager",
                         "env": [{"name": "POD_NAMESPACE",
                                  "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
                         "args": ["--leader-elect=true", "--cloud-config=/etc/cloud/nutanix_config.json"],
                         "resources": {"requests": {"cpu": "100m", "memory": "50Mi"}},
                         "volumeMounts": [{"mountPath": "/etc/cloud", "name": "nutanix-config-volume",
                                           "readOnly": True}],
                     }],
                     "volumes": [{"name": "nutanix-config-volume", "configMap": {"name": "nutanix-config"}}],
                 },
             },
         }},
    ]
    return "".join("---\n" + to_yaml(d) for d in docs)


def _ccm_resource_set(cluster_name: str, trust_bundle: bool) -> dict[str, Any]:
    resources = [{"kind": "ConfigMap", "name": f"{cluster_name}-nutanix-ccm"},
                 {"kind": "Secret", "name": f"{cluster_name}-nutanix-ccm-secret"}]
    if trust_bundle:
        resources.append({"kind": "ConfigMap", "name": _CA_BUNDLE_CONFIGMAP})
    return {
        "apiVersion": ADDONS_API_VERSION,
        "kind": "ClusterResourceSet",
        "metadata": metadata(f"{cluster_name}-nutanix-ccm-crs"),
        "spec": {
            "clusterSelector": {"matchLabels": {CLUSTER_NAME_LABEL: cluster_name}},
            "resources": resources,
            "strategy": "Reconcile",
        },
    }


# -- control plane --------------------------------------------------------------------------------------------


def generate_control_plane(spec: Spec, options: TemplateOptions | None = None,
                           env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The control plane objects of a Nutanix cluster, in apply order (see the module docstring)."""
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
    host = _endpoint_host(cluster)
    credentials = credentials_from_env(env)
    trust_bundle = _trust_bundle(dc)

    objects: list[dict[str, Any]] = [nutanix_cluster(cluster, dc)]
    if trust_bundle is not None:
        objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(f"{name}-trust-bundle"),
                        "data": {"ca.crt": trust_bundle}})
    objects.append(capi_cluster(cluster, "NutanixCluster", external_etcd=external_etcd,
                                service_domain="cluster.local"))
    cp_node = NodeGroupSettings(
        os_family=cp_mc.spec.os_family or "", users=list(cp_mc.spec.users or []),
        taints=cpc.taints if cpc else None, labels=cpc.labels if cpc else None,
        kubelet_configuration=cpc.kubelet_configuration if cpc else None,
    )
    kube_vip_image = bundle.nutanix.kube_vip.uri
    objects.append(kubeadm_control_plane(
        cluster, flavor=_flavor(spec), images=images, node=cp_node, machine_template_kind="NutanixMachineTemplate",
        machine_template_name=cp_name, external_etcd=external_etcd,
        kube_vip=KubeVip(address=host, image=kube_vip_image, manifest=kube_vip_pod(host, kube_vip_image)),
        oidc=oidc, aws_iam=aws_iam, env=env, default_taint=False,
    ))
    objects.append(machine_template(cp_name, name, cp_mc))
    if etcd_cfg is not None:
        etcd_mc = _machine(spec, etcd_cfg.machine_group_ref.name if etcd_cfg.machine_group_ref else None)
        objects.append(_etcdadm(spec, etcd_mc, etcd_name, env))
        objects.append(machine_template(etcd_name, name, etcd_mc))
    registry = _registry_credentials(cluster, env)
    if registry is not None:
        objects.append(registry)
    objects.append({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(f"{name}-nutanix-ccm"),
        "data": {"nutanix-ccm.yaml": _ccm_manifests(cluster, dc, bundle.nutanix.cloud_provider.uri)},
    })
    objects.append(_ccm_resource_set(name, trust_bundle is not None))
    objects.append(ccm_secret(name, credentials))
    return objects


def _etcdadm(spec: Spec, mc: NutanixMachineConfig, template_name: str, env: Mapping[str, str]) -> dict[str, Any]:
    cluster = spec.cluster
    etcd = cluster.spec.external_etcd_configuration
    distro = spec.eksd_release().kube_distro()
    proxy_cfg = cluster.spec.proxy_configuration
    proxy = None
    if proxy_cfg is not None:
        proxy = {"httpProxy": proxy_cfg.http_proxy, "httpsProxy": proxy_cfg.https_proxy,
                 "noProxy": no_proxy_list(cluster, _flavor(spec).proxy_endpoints)}
    mirror = RegistryMirror.from_cluster(cluster, env)
    mirror_cfg = None
    if mirror is not None:
        mirror_cfg = {"endpoint": mirror.core_mirror()}
        if mirror.ca_cert:
            mirror_cfg["caCert"] = mirror.ca_cert
    return etcdadm_cluster(
        cluster,
        replicas=etcd.count if etcd and etcd.count is not None else 1,
        bootstrap_format=CLOUD_CONFIG,
        users=kubeadm_users(list(mc.spec.users or [])),
        machine_template_api_version=INFRA_API_VERSION,
        machine_template_kind="NutanixMachineTemplate",
        machine_template_name=template_name,
        cloud_init={"version": distro.etcd_version, "installDir": "/usr/bin", "etcdReleaseURL": distro.etcd_url},
        pre_commands=NUTANIX_FLAVOR.etcd_pre_commands,
        proxy=proxy,
        registry_mirror=mirror_cfg,
    )


# -- workers --------------------------------------------------------------------------------------------------


def _group_failure_domains(dc: NutanixDatacenterConfig, group: str) -> list[NutanixDatacenterFailureDomain]:
    """The datacenter failure domains whose ``workerMachineGroups`` list ``group``."""
    return [fd for fd in dc.failure_domains() if group in (fd.worker_machine_groups or [])]


def _spread(count: int, parts: int) -> list[int]:
    """``count`` replicas over ``parts`` failure domains: equal shares, the first ones take the remainder."""
    each, rest = divmod(count, parts)
    return [each + (1 if i < rest else 0) for i in range(parts)]


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None = None,
                     kubeadm_config_template_names: Mapping[str, str] | None = None,
                     env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group: its MachineDeployment(s) and NutanixMachineTemplate(s), then its
    KubeadmConfigTemplate. Groups listed in failure domains get one MachineDeployment ``<cluster>-<group>-<fd>``
    and one machine template ``<template>-<fd>`` per failure domain, replicas spread over them. Groups missing
    from a name map get the initial ``<cluster>-<group>-1`` names."""
    env = {} if env is None else env
    cluster = spec.cluster
    dc = _datacenter(spec)
    flavor = _flavor(spec)
    out: list[dict[str, Any]] = []
    for group in cluster.worker_groups():
        out += _worker_group(spec, cluster, dc, flavor, group, machine_template_names,
                             kubeadm_config_template_names, env)
    return out


def _worker_group(spec: Spec, cluster: Cluster, dc: NutanixDatacenterConfig, flavor: KubeadmFlavor,
                  group: WorkerNodeGroupConfiguration, mt_names: Mapping[str, str] | None,
                  kct_names: Mapping[str, str] | None, env: Mapping[str, str]) -> list[dict[str, Any]]:
    gname = group.name or ""
    mc = _machine(spec, group.machine_group_ref.name if group.machine_group_ref else None)
    version = group.kubernetes_version or cluster.spec.kubernetes_version
    images = kubeadm_images(spec, version)
    mt_name = (mt_names or {}).get(gname) or worker_machine_template_name(cluster.name, gname)
    kct_name = (kct_names or {}).get(gname) or kubeadm_config_template_name(cluster.name, gname)
    node = NodeGroupSettings(os_family=mc.spec.os_family or "", users=list(mc.spec.users or []),
                             taints=group.taints, labels=group.labels,
                             kubelet_configuration=group.kubelet_configuration)
    out: list[dict[str, Any]] = []
    fds = _group_failure_domains(dc, gname)
    if not fds:
        out.append(machine_deployment(cluster, group, version=images.kubernetes_version,
                                      machine_template_kind="NutanixMachineTemplate", machine_template_name=mt_name,
                                      kubeadm_config_template_name=kct_name))
        out.append(machine_template(mt_name, cluster.name, mc, gpus=True))
    else:
        counts = _spread(group.count if group.count is not None else 1, len(fds))
        for fd, replicas in zip(fds, counts):
            fd_name = fd.name or ""
            fd_mt = f"{mt_name}-{fd_name}"
            out.append(machine_deployment(
                cluster, attrs.evolve(group, count=replicas), version=images.kubernetes_version,
                machine_template_kind="NutanixMachineTemplate", machine_template_name=fd_mt,
                kubeadm_config_template_name=kct_name,
                name=f"{machine_deployment_name(cluster.name, gname)}-{fd_name}", failure_domain=fd_name,
            ))
            out.append(machine_template(fd_mt, cluster.name, mc, gpus=True, failure_domain=fd))
    out.append(kubeadm_config_template(cluster, name=kct_name, flavor=flavor, images=images, node=node, env=env))
    return out


# -- secrets --------------------------------------------------------------------------------------------------


def generate_secret_objects(spec: Spec, env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """EKS-A's ``GenerateCAPISpecSecret``: Secret ``capx-<cluster>`` and the CCM Secret."""
    env = {} if env is None else env
    _datacenter(spec)
    credentials = credentials_from_env(env)
    name = spec.cluster.name
    return [capx_secret(name, credentials), ccm_secret(name, credentials)]


def eksa_secrets(spec: Spec, env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The Secrets ``UpdateSecrets`` installs: ``capx-<cluster>`` (CAPX) and the EKS-A controller's credentials
    Secret named by the datacenter's ``credentialRef`` (default ``nutanix-credentials``), both in
    ``eksa-system``. The two names must differ."""
    dc = _datacenter(spec)
    credentials = credentials_from_env(env)
    name = spec.cluster.name
    ref_name = (dc.spec.credential_ref.name if dc.spec.credential_ref else None) or DEFAULT_CREDENTIALS_NAME
    if ref_name == capx_secret_name(name):
        raise SpecError(f"NutanixDatacenterConfig credentialRef name {ref_name} must differ from the CAPX "
                        f"credentials Secret name {capx_secret_name(name)}", kind=NutanixDatacenterConfig.KIND,
                        name=dc.name, field="spec.credentialRef.name")
    return [capx_secret(name, credentials),
            secret(ref_name, data={"credentials": b64(credentials.compact_json())})]


# -- environment ----------------------------------------------------------------------------------------------


def env_map(dc: NutanixDatacenterConfig, env: Mapping[str, str]) -> dict[str, str]:
    """``NUTANIX_ENDPOINT``, ``NUTANIX_USER``, ``NUTANIX_PASSWORD`` and
    ``EXP_CLUSTER_RESOURCE_SET`` for clusterctl, from ``EKSA_NUTANIX_USERNAME`` / ``EKSA_NUTANIX_PASSWORD``."""
    credentials = credentials_from_env(env)
    return {
        "NUTANIX_USER": credentials.username,
        "NUTANIX_PASSWORD": credentials.password,
        "NUTANIX_ENDPOINT": dc.spec.endpoint or "",
        "EXP_CLUSTER_RESOURCE_SET": "true",
    }


# -- hooks ----------------------------------------------------------------------------------------------------


def _is_nutanix(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), NutanixDatacenterConfig)


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """Nutanix control plane objects (see :func:`generate_control_plane`)."""
    if not _is_nutanix(spec):
        return None
    return generate_control_plane(spec, options, env=context.env)


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          context: HookContext) -> list[dict[str, Any]] | None:
    """Nutanix worker objects (see :func:`generate_workers`)."""
    if not _is_nutanix(spec):
        return None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, env=context.env)


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]] | None:
    """``capx-<cluster>`` and the EKS-A credentials Secret (see :func:`eksa_secrets`)."""
    if not _is_nutanix(spec):
        return None
    return eksa_secrets(spec, context.env)


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str]:
    """The clusterctl environment of a Nutanix cluster."""
    return env_map(_datacenter(spec), context.env)


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """``infrastructure-nutanix/<version>/`` with components, metadata and the cluster template."""
    if not _is_nutanix(spec):
        return None
    nx = spec.versions_bundle().nutanix
    manifests = tuple(m.uri for m in (nx.components, nx.metadata, nx.cluster_template) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-nutanix/{nx.version}/", manifests=manifests)


@hookimpl
def eksa_bootstrap_options(spec: Spec) -> BootstrapOptions | None:
    """Nutanix asks nothing of the kind bootstrap cluster."""
    if not _is_nutanix(spec):
        return None
    return BootstrapOptions()
