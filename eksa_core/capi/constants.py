"""Constants of the Cluster API objects EKS Anywhere renders (API versions, namespace, node paths)."""

from __future__ import annotations

__all__ = [
    "ADDONS_API_VERSION",
    "ADMISSION_EXCLUSION_ENV",
    "ADMISSION_EXCLUSION_FILE",
    "AUDIT_LOG_DIR",
    "AUDIT_POLICY_FILE",
    "AUTOSCALER_MAX_ANNOTATION",
    "AUTOSCALER_MIN_ANNOTATION",
    "BOOTSTRAP_API_GROUP",
    "BOOTSTRAP_API_VERSION",
    "BOTTLEROCKET",
    "CLOUD_CONFIG",
    "CLUSTER_API_GROUP",
    "CLUSTER_API_VERSION",
    "CLUSTER_NAME_LABEL",
    "CONTAINERD_SOCKET",
    "CONTROLPLANE_API_GROUP",
    "CONTROLPLANE_API_VERSION",
    "CONTROL_PLANE_LABEL",
    "CONTROL_PLANE_TAINT_KEY",
    "DEFAULT_CORE_REGISTRY",
    "EKSA_SYSTEM_NAMESPACE",
    "ETCDADM_API_GROUP",
    "ETCDADM_API_VERSION",
    "INFRASTRUCTURE_API_GROUP",
    "KUBELET_PATCHES_DIR",
    "MOVE_LABEL",
    "SECURE_CIPHER_SUITES",
    "SUDO_ALL",
]

EKSA_SYSTEM_NAMESPACE = "eksa-system"
"""Every generated CAPI object lives in this namespace."""

CLUSTER_API_GROUP = "cluster.x-k8s.io"
CLUSTER_API_VERSION = "cluster.x-k8s.io/v1beta2"
CONTROLPLANE_API_GROUP = "controlplane.cluster.x-k8s.io"
CONTROLPLANE_API_VERSION = "controlplane.cluster.x-k8s.io/v1beta2"
BOOTSTRAP_API_GROUP = "bootstrap.cluster.x-k8s.io"
BOOTSTRAP_API_VERSION = "bootstrap.cluster.x-k8s.io/v1beta2"
ETCDADM_API_GROUP = "etcdcluster.cluster.x-k8s.io"
ETCDADM_API_VERSION = "etcdcluster.cluster.x-k8s.io/v1beta1"
ADDONS_API_VERSION = "addons.cluster.x-k8s.io/v1beta2"
INFRASTRUCTURE_API_GROUP = "infrastructure.cluster.x-k8s.io"

CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name"
MOVE_LABEL = "clusterctl.cluster.x-k8s.io/move"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
CONTROL_PLANE_TAINT_KEY = "node-role.kubernetes.io/control-plane"
AUTOSCALER_MIN_ANNOTATION = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"
AUTOSCALER_MAX_ANNOTATION = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"

CLOUD_CONFIG = "cloud-config"
"""Bootstrap format of Ubuntu / RHEL nodes."""
BOTTLEROCKET = "bottlerocket"
"""Bootstrap format (and OS family) of Bottlerocket nodes."""

CONTAINERD_SOCKET = "/var/run/containerd/containerd.sock"
KUBELET_PATCHES_DIR = "/etc/kubernetes/patches"
AUDIT_POLICY_FILE = "/etc/kubernetes/audit-policy.yaml"
AUDIT_LOG_DIR = "/var/log/kubernetes"
ADMISSION_EXCLUSION_FILE = "/etc/kubernetes/admission-plugin-exclusion-rules.json"
ADMISSION_EXCLUSION_ENV = "EKS_PATCH_EXCLUSION_RULES_FILE"
SUDO_ALL = "ALL=(ALL) NOPASSWD:ALL"
DEFAULT_CORE_REGISTRY = "public.ecr.aws"
"""The registry EKS Anywhere's own images come from (mirrored when a registry mirror has no OCI namespaces)."""

SECURE_CIPHER_SUITES = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
"""The TLS cipher suites EKS Anywhere pins on the API server, controller manager, scheduler, kubelet and etcd."""
