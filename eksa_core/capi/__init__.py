"""Shared Cluster API builders.

Small typed functions that build the CAPI objects of an EKS Anywhere cluster as plain dicts, for providers to
assemble in their template hooks:

* :mod:`~eksa_core.capi.objects` – Cluster, MachineDeployment, EtcdadmCluster, MachineHealthCheck,
  ClusterResourceSet, Secrets;
* :mod:`~eksa_core.capi.kubeadm` – KubeadmControlPlane and KubeadmConfigTemplate (kubeadm init/join
  configuration, files, commands, users, Bottlerocket settings), driven by a provider's :class:`KubeadmFlavor`;
* :mod:`~eksa_core.capi.files` – kube-vip, containerd proxy and registry-mirror files, AWS IAM Authenticator and
  etcd encryption configuration;
* :mod:`~eksa_core.capi.args` – component flag sets (OIDC, AWS IAM, pod IAM, etcd encryption, audit...);
* :mod:`~eksa_core.capi.audit` – the default audit policy;
* :mod:`~eksa_core.capi.naming` – object names and the template re-naming rule of upgrades;
* :mod:`~eksa_core.capi.workers` – the default worker rendering (:func:`kubeadm_workers`): a provider supplies
  only its machine template and what else is its own per group (:class:`WorkerGroupParts`);
* :func:`render_yaml` – objects to a multi-document YAML stream.
"""

from __future__ import annotations

from .audit import default_audit_policy
from .constants import EKSA_SYSTEM_NAMESPACE, SECURE_CIPHER_SUITES
from .files import RegistryMirror, kube_vip_manifest, no_proxy_list
from .images import kubeadm_images
from .kubeadm import (
    KubeadmFlavor,
    KubeadmImages,
    KubeVip,
    NodeGroupSettings,
    kubeadm_config_template,
    kubeadm_control_plane,
    kubeadm_users,
    node_taints,
)
from .naming import (
    bump_template_name,
    control_plane_template_name,
    etcd_template_name,
    kubeadm_config_template_name,
    machine_deployment_name,
    next_template_name,
    template_name_with_fallback,
    worker_machine_template_name,
)
from .objects import (
    b64,
    capi_cluster,
    cluster_resource_set,
    etcdadm_cluster,
    machine_deployment,
    machine_health_checks,
    metadata,
    registry_credentials_secret,
    secret,
)
from .render import render_yaml, to_yaml
from .workers import WorkerGroupParts, kubeadm_workers

__all__ = [
    "EKSA_SYSTEM_NAMESPACE",
    "SECURE_CIPHER_SUITES",
    "KubeVip",
    "KubeadmFlavor",
    "KubeadmImages",
    "NodeGroupSettings",
    "RegistryMirror",
    "WorkerGroupParts",
    "b64",
    "bump_template_name",
    "capi_cluster",
    "cluster_resource_set",
    "control_plane_template_name",
    "default_audit_policy",
    "etcd_template_name",
    "etcdadm_cluster",
    "kube_vip_manifest",
    "kubeadm_config_template",
    "kubeadm_config_template_name",
    "kubeadm_control_plane",
    "kubeadm_images",
    "kubeadm_users",
    "kubeadm_workers",
    "machine_deployment",
    "machine_deployment_name",
    "machine_health_checks",
    "metadata",
    "next_template_name",
    "no_proxy_list",
    "node_taints",
    "registry_credentials_secret",
    "render_yaml",
    "secret",
    "template_name_with_fallback",
    "to_yaml",
    "worker_machine_template_name",
]
