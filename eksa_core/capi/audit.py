"""The API server audit policy EKS Anywhere installs when the spec gives none (``auditPolicyContent``)."""

from __future__ import annotations

from typing import Any

__all__ = ["default_audit_policy"]

_CORE = ""
_KNOWN_GROUPS = [
    _CORE,
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "extensions",
    "metrics.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "scheduling.k8s.io",
    "settings.k8s.io",
    "storage.k8s.io",
]
_NO_RECEIVED = ["RequestReceived"]


def _core(*resources: str) -> dict[str, Any]:
    return {"group": _CORE, "resources": list(resources)}


def _audit_api_version(kubernetes_version: str | None) -> str:
    """``audit.k8s.io/v1beta1`` up to Kubernetes 1.23 (removed in 1.24), ``audit.k8s.io/v1`` after."""
    try:
        major, minor = (int(p) for p in (kubernetes_version or "").split(".")[:2])
    except ValueError:
        return "audit.k8s.io/v1"
    return "audit.k8s.io/v1beta1" if (major, minor) < (1, 24) else "audit.k8s.io/v1"


def default_audit_policy(kubernetes_version: str | None = None) -> dict[str, Any]:
    """The default audit ``Policy`` as data.

    Rule by rule: aws-auth ConfigMap changes at RequestResponse; high-volume, low-risk reads (kube-proxy watches,
    node self-reads, leader-election endpoint traffic, namespace reads by the API server, HPA metrics, health and
    version URLs, events) dropped; node status writes and namespace deletions at Request; secrets, ConfigMaps and
    token reviews at Metadata only; service-account token requests at Request; reads of known groups at Request,
    everything else of known groups at RequestResponse, anything else at Metadata.
    """
    rules: list[dict[str, Any]] = [
        {"level": "RequestResponse", "namespaces": ["kube-system"], "verbs": ["update", "patch", "delete"],
         "resources": [{"group": _CORE, "resources": ["configmaps"], "resourceNames": ["aws-auth"]}],
         "omitStages": _NO_RECEIVED},
        {"level": "None", "users": ["system:kube-proxy"], "verbs": ["watch"],
         "resources": [_core("endpoints", "services", "services/status")]},
        {"level": "None", "users": ["kubelet"], "verbs": ["get"], "resources": [_core("nodes", "nodes/status")]},
        {"level": "None", "userGroups": ["system:nodes"], "verbs": ["get"],
         "resources": [_core("nodes", "nodes/status")]},
        {"level": "None",
         "users": ["system:kube-controller-manager", "system:kube-scheduler",
                   "system:serviceaccount:kube-system:endpoint-controller"],
         "verbs": ["get", "update"], "namespaces": ["kube-system"], "resources": [_core("endpoints")]},
        {"level": "None", "users": ["system:apiserver"], "verbs": ["get"],
         "resources": [_core("namespaces", "namespaces/status", "namespaces/finalize")]},
        {"level": "None", "users": ["system:kube-controller-manager"], "verbs": ["get", "list"],
         "resources": [{"group": "metrics.k8s.io"}]},
        {"level": "None", "nonResourceURLs": ["/healthz*", "/version", "/swagger*"]},
        {"level": "None", "resources": [_core("events")]},
        {"level": "Request",
         "users": ["kubelet", "system:node-problem-detector",
                   "system:serviceaccount:kube-system:node-problem-detector"],
         "verbs": ["update", "patch"], "resources": [_core("nodes/status", "pods/status")],
         "omitStages": _NO_RECEIVED},
        {"level": "Request", "userGroups": ["system:nodes"], "verbs": ["update", "patch"],
         "resources": [_core("nodes/status", "pods/status")], "omitStages": _NO_RECEIVED},
        {"level": "Request", "users": ["system:serviceaccount:kube-system:namespace-controller"],
         "verbs": ["deletecollection"], "omitStages": _NO_RECEIVED},
        {"level": "Metadata",
         "resources": [_core("secrets", "configmaps"),
                       {"group": "authentication.k8s.io", "resources": ["tokenreviews"]}],
         "omitStages": _NO_RECEIVED},
        {"level": "Request", "resources": [_core("serviceaccounts/token")]},
        {"level": "Request", "verbs": ["get", "list", "watch"],
         "resources": [{"group": g} for g in _KNOWN_GROUPS], "omitStages": _NO_RECEIVED},
        {"level": "RequestResponse", "resources": [{"group": g} for g in _KNOWN_GROUPS],
         "omitStages": _NO_RECEIVED},
        {"level": "Metadata", "omitStages": _NO_RECEIVED},
    ]
    # fresh lists per call: callers may mutate the result
    for rule in rules:
        if "omitStages" in rule:
            rule["omitStages"] = list(rule["omitStages"])
    return {"apiVersion": _audit_api_version(kubernetes_version), "kind": "Policy", "rules": rules}
