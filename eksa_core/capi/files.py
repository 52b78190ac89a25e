"""Node files and commands shared by the kubeadm-based providers: kubelet configuration patch, kube-vip static
pod, containerd proxy drop-in, registry mirror configuration, AWS IAM Authenticator kubeconfig, etcd encryption
configuration and the admission-exclusion rules."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .args import ENCRYPTION_CONFIG_FILE
from .constants import (
    ADMISSION_EXCLUSION_FILE,
    DEFAULT_CORE_REGISTRY,
    KUBELET_PATCHES_DIR,
    SECURE_CIPHER_SUITES,
)
from .render import to_yaml

if TYPE_CHECKING:
    from ..models.cluster import Cluster, EtcdEncryption

__all__ = [
    "IAM_CA_SECRET_SUFFIX",
    "KUBELET_PATCH_FILE",
    "RegistryMirror",
    "admission_exclusion_file",
    "aws_iam_files",
    "containerd_restart_commands",
    "encryption_config",
    "encryption_config_file",
    "kube_vip_manifest",
    "kubelet_config_patch_file",
    "no_proxy_list",
    "node_file",
    "proxy_file",
    "registry_mirror_files",
]

KUBELET_PATCH_FILE = f"{KUBELET_PATCHES_DIR}/kubeletconfiguration0+strategic.yaml"
IAM_CA_SECRET_SUFFIX = "-aws-iam-authenticator-ca"


def node_file(path: str, content: str, *, permissions: str | None = None, owner: str = "root:root") -> dict[str, Any]:
    """A kubeadm ``files[]`` entry."""
    out: dict[str, Any] = {"content": content, "owner": owner}
    if permissions:
        out["permissions"] = permissions
    out["path"] = path
    return out


# -- kubelet configuration ------------------------------------------------------------------------------------


def kubelet_config_patch_file(kubelet_configuration: Mapping[str, Any], resolv_conf: str | None) -> dict[str, Any]:
    """The strategic-merge patch kubeadm applies to the kubelet configuration: the spec's
    ``kubeletConfiguration`` plus ``resolvConf`` and the secure ``tlsCipherSuites``."""
    data = dict(kubelet_configuration)
    if resolv_conf:
        data["resolvConf"] = resolv_conf
    data["tlsCipherSuites"] = [SECURE_CIPHER_SUITES]
    return node_file(KUBELET_PATCH_FILE, to_yaml(data) + "\n", permissions="0644")


# -- kube-vip -------------------------------------------------------------------------------------------------


def kube_vip_manifest(address: str, image: str, *, admin_conf: str = "/etc/kubernetes/admin.conf",
                      port: int = 6443, extra_env: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """The kube-vip static pod that holds the control plane VIP ``address`` (ARP mode, leader election)."""
    env = [
        ("vip_arp", "true"),
        ("port", str(port)),
        ("vip_cidr", "32"),
        ("cp_enable", "true"),
        ("cp_namespace", "kube-system"),
        ("vip_ddns", "false"),
        ("vip_leaderelection", "true"),
        ("vip_leaseduration", "15"),
        ("vip_renewdeadline", "10"),
        ("vip_retryperiod", "2"),
        ("address", address),
        *extra_env,
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"creationTimestamp": None, "name": "kube-vip", "namespace": "kube-system"},
        "spec": {
            "containers": [{
                "args": ["manager"],
                "env": [{"name": k, "value": v} for k, v in env],
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "name": "kube-vip",
                "resources": {},
                "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}},
                "volumeMounts": [{"mountPath": "/etc/kubernetes/admin.conf", "name": "kubeconfig"}],
            }],
            "hostNetwork": True,
            "volumes": [{"hostPath": {"path": admin_conf}, "name": "kubeconfig"}],
        },
        "status": {},
    }


# -- proxy ----------------------------------------------------------------------------------------------------


def no_proxy_list(cluster: Cluster, extra: Sequence[str | None] = ()) -> list[str]:
    """``NO_PROXY`` entries: pod and service CIDRs, the spec's ``noProxy``, localhost, ``.svc``, then the
    provider's endpoints (``extra``: infrastructure API endpoint, control plane endpoint...)."""
    net = cluster.spec.cluster_network
    proxy = cluster.spec.proxy_configuration
    out: list[str] = []
    if net and net.pods:
        out += list(net.pods.cidr_blocks or [])
    if net and net.services:
        out += list(net.services.cidr_blocks or [])
    out += list((proxy.no_proxy if proxy else None) or [])
    out += ["localhost", "127.0.0.1", ".svc"]
    out += [e for e in extra if e]
    return out


def proxy_file(http_proxy: str, https_proxy: str, no_proxy: Sequence[str]) -> dict[str, Any]:
    """The containerd systemd drop-in setting ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY``."""
    content = (
        "[Service]\n"
        f'Environment="HTTP_PROXY={http_proxy}"\n'
        f'Environment="HTTPS_PROXY={https_proxy}"\n'
        f'Environment="NO_PROXY={",".join(no_proxy)}"\n'
    )
    return node_file("/etc/systemd/system/containerd.service.d/http-proxy.conf", content)


def containerd_restart_commands(*, mirror: bool, proxy: bool) -> list[str]:
    """preKubeadmCommands that apply the containerd files (cloud-config nodes only)."""
    out: list[str] = []
    if mirror:
        out.append("cat /etc/containerd/config_append.toml >> /etc/containerd/config.toml")
    if mirror or proxy:
        out += ["sudo systemctl daemon-reload", "sudo systemctl restart containerd"]
    return out


# -- registry mirror ------------------------------------------------------------------------------------------


def _api_endpoint(mirror: str) -> str:
    """``host:port/ns`` -> ``host:port/v2/ns`` (``host:port`` -> ``host:port/v2``): the registry API path."""
    host, sep, rest = mirror.partition("/")
    return f"{host}/v2/{rest}" if sep and rest else f"{host}/v2"


@attrs.frozen
class RegistryMirror:
    """The registry mirror of a cluster, as the node configuration needs it.

    :ivar base: ``endpoint:port``.
    :ivar mirrors: upstream registry -> mirror (``base`` or ``base/<namespace>``), sorted by upstream.
    """

    base: str
    mirrors: tuple[tuple[str, str], ...]
    ca_cert: str | None = None
    insecure_skip_verify: bool = False
    username: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_cluster(cls, cluster: Cluster, env: Mapping[str, str] | None = None) -> RegistryMirror | None:
        """The mirror of ``cluster`` (``None`` without ``registryMirrorConfiguration``). Credentials come from
        ``REGISTRY_USERNAME``/``REGISTRY_PASSWORD`` of ``env`` (default ``os.environ``) when ``authenticate``."""
        rm = cluster.spec.registry_mirror_configuration
        if rm is None or not rm.endpoint:
            return None
        env = os.environ if env is None else env
        base = f"{rm.endpoint}:{rm.port or '443'}"
        mapping: dict[str, str] = {}
        for ns in rm.oci_namespaces or []:
            if not ns.registry:
                continue
            mapping[ns.registry] = f"{base}/{ns.namespace}" if ns.namespace else base
        if not mapping:
            mapping[DEFAULT_CORE_REGISTRY] = base
        username = password = None
        if rm.authenticate:
            username = env.get("REGISTRY_USERNAME", "")
            password = env.get("REGISTRY_PASSWORD", "")
        return cls(
            base=base,
            mirrors=tuple(sorted(mapping.items())),
            ca_cert=rm.ca_cert_content or None,
            insecure_skip_verify=bool(rm.insecure_skip_verify),
            username=username,
            password=password,
        )

    @property
    def authenticate(self) -> bool:
        """Whether the nodes authenticate to the mirror."""
        return self.username is not None

    @property
    def ca_path(self) -> str:
        """Where the mirror's CA certificate is written on the nodes."""
        return f"/etc/containerd/certs.d/{self.base}/ca.crt"

    def core_mirror(self) -> str:
        """The mirror of EKS Anywhere's own registry as an API endpoint (Bottlerocket ``registryMirror.endpoint``)."""
        return _api_endpoint(dict(self.mirrors).get(DEFAULT_CORE_REGISTRY, self.base))

    def api_mirrors(self) -> list[tuple[str, str]]:
        """upstream -> mirror API endpoint, sorted by upstream."""
        return [(orig, _api_endpoint(m)) for orig, m in self.mirrors]

    def auth_header(self) -> str:
        """``Basic <base64(user:password)>``."""
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"


def _hosts_toml(mirror: RegistryMirror, server: str, host: str) -> str:
    url = f"https://{host}"
    lines = [f'server = "https://{server}"', "", f'[host."{url}"]', '  capabilities = ["pull", "resolve"]',
             "  override_path = true"]
    if mirror.ca_cert:
        lines.append(f'  ca = "{mirror.ca_path}"')
    if mirror.insecure_skip_verify:
        lines.append("  skip_verify = true")
    if mirror.authenticate:
        lines += [f'  [host."{url}".header]', f'    authorization = "{mirror.auth_header()}"']
    return "\n".join(lines) + "\n"


def registry_mirror_files(mirror: RegistryMirror) -> list[dict[str, Any]]:
    """containerd files of a mirror: CA certificate, ``config_append.toml`` (``config_path`` to ``certs.d``),
    ``hosts.toml`` of the mirror itself and of every mirrored registry."""
    files: list[dict[str, Any]] = []
    if mirror.ca_cert:
        ca = mirror.ca_cert if mirror.ca_cert.endswith("\n") else mirror.ca_cert + "\n"
        files.append(node_file(mirror.ca_path, ca))
    files.append(node_file(
        "/etc/containerd/config_append.toml",
        '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n',
    ))
    files.append(node_file(f"/etc/containerd/certs.d/{mirror.base}/hosts.toml",
                           _hosts_toml(mirror, mirror.base, _api_endpoint(mirror.base))))
    for orig, api in mirror.api_mirrors():
        if orig == mirror.base:
            continue
        files.append(node_file(f"/etc/containerd/certs.d/{orig}/hosts.toml", _hosts_toml(mirror, orig, api)))
    return files


# -- AWS IAM Authenticator ------------------------------------------------------------------------------------


def aws_iam_files(cluster_name: str, base_dir: str = "/var/lib/kubeadm") -> list[dict[str, Any]]:
    """The API server's token webhook kubeconfig and the authenticator's CA pair (from the
    ``<cluster>-aws-iam-authenticator-ca`` Secret)."""
    kubeconfig = {
        "clusters": [{"name": "aws-iam-authenticator", "cluster": {
            "certificate-authority": "/var/aws-iam-authenticator/cert.pem",
            "server": "https://localhost:21362/authenticate"}}],
        "users": [{"name": "apiserver"}],
        "current-context": "webhook",
        "contexts": [{"name": "webhook", "context": {"cluster": "aws-iam-authenticator", "user": "apiserver"}}],
    }
    secret = f"{cluster_name}{IAM_CA_SECRET_SUFFIX}"
    out: list[dict[str, Any]] = [{"content": to_yaml(kubeconfig), "permissions": "0640", "owner": "root:root",
            "path": f"{base_dir}/aws-iam-authenticator/kubeconfig.yaml"}]
    for key in ("cert.pem", "key.pem"):
        out.append({"contentFrom": {"secret": {"name": secret, "key": key}}, "permissions": "0640",
                    "owner": "root:root", "path": f"{base_dir}/aws-iam-authenticator/pki/{key}"})
    return out


def aws_iam_volumes(base_dir: str = "/var/lib/kubeadm") -> list[dict[str, Any]]:
    """API server volumes of the authenticator's kubeconfig and certificates."""
    return [
        {"hostPath": f"{base_dir}/aws-iam-authenticator/", "mountPath": "/etc/kubernetes/aws-iam-authenticator/",
         "name": "authconfig", "readOnly": False},
        {"hostPath": f"{base_dir}/aws-iam-authenticator/pki/", "mountPath": "/var/aws-iam-authenticator/",
         "name": "awsiamcert", "readOnly": False},
    ]


# -- etcd encryption ------------------------------------------------------------------------------------------


def encryption_config(encryption: Sequence[EtcdEncryption]) -> dict[str, Any]:
    """The API server ``EncryptionConfiguration``: per entry its KMS providers then ``identity`` (so data
    written before encryption stays readable)."""
    resources = []
    for entry in encryption:
        providers: list[dict[str, Any]] = []
        for p in entry.providers or []:
            if p.kms is None:
                continue
            providers.append({"kms": {
                "apiVersion": "v1",
                "cachesize": p.kms.cachesize if p.kms.cachesize is not None else 1000,
                "endpoint": p.kms.socket_listen_address,
                "name": p.kms.name,
                "timeout": p.kms.timeout or "3s",
            }})
        providers.append({"identity": {}})
        resources.append({"providers": providers, "resources": list(entry.resources or [])})
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration", "resources": resources}


def encryption_config_file(encryption: Sequence[EtcdEncryption]) -> dict[str, Any]:
    """``files[]`` entry of the encryption configuration."""
    return node_file(ENCRYPTION_CONFIG_FILE, to_yaml(encryption_config(encryption)))


def encryption_volumes() -> list[dict[str, Any]]:
    """API server volumes of the encryption configuration and the KMS plugin sockets."""
    return [
        {"hostPath": ENCRYPTION_CONFIG_FILE, "mountPath": ENCRYPTION_CONFIG_FILE, "name": "encryption-config",
         "pathType": "File", "readOnly": False},
        {"hostPath": "/var/run/kmsplugin/", "mountPath": "/var/run/kmsplugin/", "name": "kms-plugin",
         "readOnly": False},
    ]


# -- admission exclusion --------------------------------------------------------------------------------------

_EXCLUDED_NAMESPACES = ("kube-system", "eksa-system", "eksa-packages", "flux-system", "cert-manager",
                        "capi-system", "capi-kubeadm-bootstrap-system", "capi-kubeadm-control-plane-system",
                        "etcdadm-bootstrap-provider-system", "etcdadm-controller-system")


def admission_exclusion_file() -> dict[str, Any]:
    """Rules that exempt the cluster's system components from admission webhooks
    (``skipAdmissionForSystemResources``)."""
    rules = {"rules": [{"namespace": ns, "excludedFromAdmission": True} for ns in _EXCLUDED_NAMESPACES]}
    return node_file(ADMISSION_EXCLUSION_FILE, json.dumps(rules, indent=2) + "\n")
