"""The controller as a management cluster runs it: Namespace, ServiceAccount, least-privilege RBAC, Deployment.

:func:`controller_manifests` renders them with the controller image of the release bundle
(``VersionsBundle.eksa.clusterController``). The RBAC grants exactly what :mod:`.reconcile`, :mod:`.watch` and
:mod:`.leader` do:

* EKS Anywhere kinds: read and watch every registered kind; update Clusters, their ``status`` and
  ``finalizers``; delete the datacenter and machine configs of a deleted cluster;
* Cluster API kinds the providers render (core, kubeadm bootstrap and control plane, etcdadm, the
  infrastructure group): the verbs of server-side apply, watch and delete;
* Secrets and ConfigMaps only in ``eksa-system`` (a Role): the provider's secrets and the spec last reconciled;
* the leader Lease only in ``eksa-system`` (a Role); Events anywhere (create, patch).

The health and metrics server stays on 127.0.0.1, so the probes run inside the container (exec).
"""

from __future__ import annotations

from typing import Any

from ..crds import plural
from ..plugins import Plugins
from .reconcile import SYSTEM_NAMESPACE

__all__ = ["CONTROLLER_NAME", "controller_image", "controller_manifests"]

CONTROLLER_NAME = "eksa-controller-manager"

JSONObject = dict[str, Any]

_PROBE = (
    "import sys,urllib.request;"
    "sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080{path}',timeout=3).status==200 else 1)"
)


def controller_image(spec: Any) -> str:
    """The controller image of ``spec``'s versions bundle (``eksa.clusterController.uri``)."""
    bundle = spec.versions_bundle()
    image = getattr(getattr(bundle, "eksa", None), "cluster_controller", None)
    uri = getattr(image, "uri", None)
    if not uri:
        from ..errors import ReleaseError

        raise ReleaseError("the versions bundle names no eksa.clusterController image")
    return str(uri)


def _rules(plugins: Plugins) -> list[JSONObject]:
    kinds = sorted(plural(k) for k in plugins.registry.kinds())
    configs = sorted(plural(i.kind) for i in plugins.registry if i.is_datacenter or i.is_machine_config)
    apply_verbs = ["get", "list", "watch", "create", "patch", "update", "delete"]
    return [
        {"apiGroups": ["anywhere.eks.amazonaws.com"], "resources": kinds, "verbs": ["get", "list", "watch"]},
        {
            "apiGroups": ["anywhere.eks.amazonaws.com"],
            "resources": ["clusters"],
            "verbs": ["patch", "update", "delete"],
        },
        {
            "apiGroups": ["anywhere.eks.amazonaws.com"],
            "resources": ["clusters/status", "clusters/finalizers"],
            "verbs": ["get", "patch", "update"],
        },
        {"apiGroups": ["anywhere.eks.amazonaws.com"], "resources": configs, "verbs": ["delete"]},
        {
            "apiGroups": ["cluster.x-k8s.io"],
            "resources": ["clusters", "machinedeployments", "machinehealthchecks"],
            "verbs": apply_verbs,
        },
        {"apiGroups": ["controlplane.cluster.x-k8s.io"], "resources": ["kubeadmcontrolplanes"], "verbs": apply_verbs},
        {
            "apiGroups": ["bootstrap.cluster.x-k8s.io"],
            "resources": ["kubeadmconfigtemplates", "etcdadmconfigs"],
            "verbs": apply_verbs,
        },
        {"apiGroups": ["etcdcluster.cluster.x-k8s.io"], "resources": ["etcdadmclusters"], "verbs": apply_verbs},
        {"apiGroups": ["infrastructure.cluster.x-k8s.io"], "resources": ["*"], "verbs": apply_verbs},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
    ]


def controller_manifests(
    image: str, plugins: Plugins, *, replicas: int = 1, release_manifest: str | None = None
) -> list[JSONObject]:
    """The objects that run the controller in ``eksa-system``, in apply order."""
    labels = {"app.kubernetes.io/name": CONTROLLER_NAME, "app.kubernetes.io/part-of": "eks-anywhere"}
    meta = {"name": CONTROLLER_NAME, "namespace": SYSTEM_NAMESPACE, "labels": labels}
    args = ["controller", "--leader-elect", "--metrics-bind-address", "127.0.0.1:8080"]
    if release_manifest:
        args += ["--release-manifest", release_manifest]
    probe = {
        "exec": {"command": ["python", "-c", _PROBE.format(path="/healthz")]},
        "periodSeconds": 20,
        "initialDelaySeconds": 15,
    }
    ready = {
        "exec": {"command": ["python", "-c", _PROBE.format(path="/readyz")]},
        "periodSeconds": 10,
        "initialDelaySeconds": 5,
    }
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SYSTEM_NAMESPACE}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": dict(meta)},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": CONTROLLER_NAME, "labels": labels},
            "rules": _rules(plugins),
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": CONTROLLER_NAME, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": CONTROLLER_NAME},
            "subjects": [{"kind": "ServiceAccount", "name": CONTROLLER_NAME, "namespace": SYSTEM_NAMESPACE}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": dict(meta),
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["secrets", "configmaps"],
                    "verbs": ["get", "list", "watch", "create", "patch", "update", "delete"],
                },
                {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": dict(meta),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": CONTROLLER_NAME},
            "subjects": [{"kind": "ServiceAccount", "name": CONTROLLER_NAME, "namespace": SYSTEM_NAMESPACE}],
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": dict(meta),
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app.kubernetes.io/name": CONTROLLER_NAME}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": CONTROLLER_NAME,
                        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                        "containers": [
                            {
                                "name": "manager",
                                "image": image,
                                "command": ["eksa"],
                                "args": args,
                                "livenessProbe": probe,
                                "readinessProbe": ready,
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"memory": "512Mi"},
                                },
                                "securityContext": {
                                    "allowPrivilegeEscalation": False,
                                    "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]},
                                },
                                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                            }
                        ],
                        "volumes": [{"name": "tmp", "emptyDir": {}}],
                    },
                },
            },
        },
    ]
