"""Command-line flag sets of the control plane components and the kubelet.

Cluster API v1beta2 writes component flags as ordered lists of ``{name, value}``. EKS Anywhere renders each
component's flags as a fixed prefix (flags every node of the provider gets, in a fixed order), then the flags
derived from the spec sorted by name (a later source overrides an earlier one with the same name), then the node
labels. :func:`arg_list` builds that list from those groups, one entry per flag name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .constants import SECURE_CIPHER_SUITES

if TYPE_CHECKING:
    from ..models.cluster import ClusterNetwork, EtcdEncryption, PodIAMConfig

__all__ = [
    "AUDIT_ARGS",
    "ENCRYPTION_CONFIG_FILE",
    "IAM_AUTHENTICATOR_KUBECONFIG",
    "apiserver_spec_args",
    "arg_list",
    "aws_iam_args",
    "etcd_encryption_args",
    "node_cidr_mask_args",
    "node_labels_args",
    "oidc_args",
    "pod_iam_args",
    "resolv_conf_args",
    "secure_kubelet_args",
    "secure_tls_args",
]

Args = dict[str, str]

AUDIT_ARGS: tuple[tuple[str, str], ...] = (
    ("audit-policy-file", "/etc/kubernetes/audit-policy.yaml"),
    ("audit-log-path", "/var/log/kubernetes/api-audit.log"),
    ("audit-log-maxage", "30"),
    ("audit-log-maxbackup", "10"),
    ("audit-log-maxsize", "512"),
)
"""API server audit flags (fixed order)."""

IAM_AUTHENTICATOR_KUBECONFIG = "/etc/kubernetes/aws-iam-authenticator/kubeconfig.yaml"
ENCRYPTION_CONFIG_FILE = "/etc/kubernetes/enc/encryption-config.yaml"


def arg_list(
    prefix: Iterable[tuple[str, str]] = (),
    sorted_args: Mapping[str, str] | None = None,
    suffix: Iterable[tuple[str, str]] = (),
) -> list[dict[str, str]]:
    """``[{name, value}]``: ``prefix`` in order, then ``sorted_args`` by name, then ``suffix`` in order.

    Every flag appears once (Cluster API v1beta2 rejects repeated names): a flag given again by a later source
    (e.g. ``apiServerExtraArgs`` overriding a built-in audit flag) keeps the place of its first appearance and
    takes the later source's value.
    """
    sorted_args = sorted_args or {}
    merged: dict[str, str] = {}
    for k, v in (*prefix, *((k, sorted_args[k]) for k in sorted(sorted_args)), *suffix):
        merged[k] = v
    return [{"name": k, "value": v} for k, v in merged.items()]


def secure_tls_args() -> Args:
    """``tls-cipher-suites`` pinned to the secure suites."""
    return {"tls-cipher-suites": SECURE_CIPHER_SUITES}


def secure_kubelet_args() -> list[tuple[str, str]]:
    """Kubelet hardening flags (read-only port off, anonymous auth off), in EKS-A's order."""
    return [("read-only-port", "0"), ("anonymous-auth", "false")]


def resolv_conf_args(network: ClusterNetwork | None) -> Args:
    """``resolv-conf`` from ``clusterNetwork.dns.resolvConf.path`` (empty when unset)."""
    path = network.dns.resolv_conf.path if network and network.dns and network.dns.resolv_conf else None
    return {"resolv-conf": path} if path else {}


def node_cidr_mask_args(network: ClusterNetwork | None) -> Args:
    """Controller manager ``node-cidr-mask-size`` from ``clusterNetwork.nodes.cidrMaskSize``."""
    size = network.nodes.cidr_mask_size if network and network.nodes else None
    return {"node-cidr-mask-size": str(size)} if size else {}


def node_labels_args(labels: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """Kubelet ``node-labels`` (``k=v`` joined by commas, keys sorted); empty when there are no labels."""
    if not labels:
        return []
    return [("node-labels", ",".join(f"{k}={labels[k]}" for k in sorted(labels)))]


def oidc_args(oidc: Any | None) -> Args:
    """API server ``oidc-*`` flags from an ``OIDCConfig`` (empty fields left out)."""
    if oidc is None:
        return {}
    spec = oidc.spec
    out: Args = {}

    def put(key: str, value: str | None) -> None:
        if value:
            out[key] = value

    put("oidc-client-id", spec.client_id)
    put("oidc-groups-claim", spec.groups_claim)
    put("oidc-groups-prefix", spec.groups_prefix)
    put("oidc-issuer-url", spec.issuer_url)
    claims = spec.required_claims or []
    if claims:
        put("oidc-required-claim", f"{claims[0].claim}={claims[0].value}")
    put("oidc-username-claim", spec.username_claim)
    put("oidc-username-prefix", spec.username_prefix)
    return out


def aws_iam_args(aws_iam: Any | None) -> Args:
    """``authentication-token-webhook-config-file`` when the cluster uses AWS IAM Authenticator."""
    if aws_iam is None:
        return {}
    return {"authentication-token-webhook-config-file": IAM_AUTHENTICATOR_KUBECONFIG}


def pod_iam_args(pod_iam: PodIAMConfig | None) -> Args:
    """``service-account-issuer`` for IAM roles for pods."""
    if pod_iam is None or not pod_iam.service_account_issuer:
        return {}
    return {"service-account-issuer": pod_iam.service_account_issuer}


def etcd_encryption_args(encryption: list[EtcdEncryption] | None) -> Args:
    """``encryption-provider-config`` when etcd encryption is configured."""
    if not encryption:
        return {}
    return {"encryption-provider-config": ENCRYPTION_CONFIG_FILE}


def apiserver_spec_args(
    *,
    oidc: Any | None = None,
    aws_iam: Any | None = None,
    pod_iam: PodIAMConfig | None = None,
    etcd_encryption: list[EtcdEncryption] | None = None,
    user_args: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> Args:
    """The spec-derived API server flags: OIDC, AWS IAM, pod IAM, etcd encryption, provider ``extra`` flags, then
    ``controlPlaneConfiguration.apiServerExtraArgs`` (which override everything else)."""
    out: Args = {}
    out.update(oidc_args(oidc))
    out.update(aws_iam_args(aws_iam))
    out.update(pod_iam_args(pod_iam))
    out.update(etcd_encryption_args(etcd_encryption))
    out.update(extra or {})
    out.update({k: str(v) for k, v in (user_args or {}).items()})
    return out
