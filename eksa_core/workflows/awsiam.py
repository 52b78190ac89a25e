"""The AWS IAM Authenticator kubeconfig ``<cluster>/<cluster>-aws.kubeconfig`` of a cluster with an
``AWSIamConfig``.

It is aws-iam-authenticator's client kubeconfig: the cluster's API endpoint and CA (read from the cluster's
admin kubeconfig, or from its ``<cluster>-kubeconfig`` Secret on the management cluster) and a user that gets
its token from the exec plugin ``aws-iam-authenticator token -i <cluster-id>``. It holds no secret: no client
certificate, key or token of the admin kubeconfig is copied.

The cluster ID is the ``clusterID`` of the authenticator's configuration (ConfigMap ``aws-iam-authenticator``
in ``kube-system``, key ``config.yaml``) when the cluster has one, else the cluster name (aws-iam-authenticator's
usual ID).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import EksaError
from ..models import AWSIamConfig
from .ops import SYSTEM_NAMESPACE

if TYPE_CHECKING:
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = ["aws_iam_config", "aws_iam_kubeconfig", "write_aws_iam_kubeconfig"]

AUTHENTICATOR_CONFIGMAP = "aws-iam-authenticator"
AUTHENTICATOR_NAMESPACE = "kube-system"
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


def aws_iam_config(spec: Spec | None) -> AWSIamConfig | None:
    """The ``AWSIamConfig`` of ``spec``: the one its Cluster's ``identityProviderRefs`` names, else any."""
    if spec is None:
        return None
    configs = [o for o in spec.config.objects if isinstance(o, AWSIamConfig)]
    refs = [r for r in spec.cluster.spec.identity_provider_refs or [] if r is not None and r.kind == "AWSIamConfig"]
    for ref in refs:
        for config in configs:
            if config.name == ref.name:
                return config
    return configs[0] if configs else None


def aws_iam_kubeconfig(cluster_name: str, server: str, ca_data: str | None, cluster_id: str) -> dict[str, Any]:
    """aws-iam-authenticator's kubeconfig for ``cluster_name`` (plain data, no credentials)."""
    cluster: dict[str, Any] = {"server": server}
    if ca_data:
        cluster["certificate-authority-data"] = ca_data
    user = f"{cluster_name}-aws"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "contexts": [{"name": user, "context": {"cluster": cluster_name, "user": user}}],
        "current-context": user,
        "users": [{"name": user, "user": {"exec": {
            "apiVersion": EXEC_API_VERSION,
            "command": "aws-iam-authenticator",
            "args": ["token", "-i", cluster_id],
        }}}],
    }


def _endpoint(admin_kubeconfig: str) -> tuple[str, str | None]:
    data = yaml.safe_load(admin_kubeconfig) or {}
    context_name = data.get("current-context")
    contexts = {c.get("name"): c.get("context") or {} for c in data.get("contexts") or []}
    clusters = {c.get("name"): c.get("cluster") or {} for c in data.get("clusters") or []}
    wanted = contexts.get(context_name, {}).get("cluster")
    cluster = clusters.get(wanted) or next(iter(clusters.values()), None)
    if not cluster or not cluster.get("server"):
        raise EksaError("the cluster's kubeconfig names no API server")
    return str(cluster["server"]), cluster.get("certificate-authority-data")


def _admin_kubeconfig(ctx: WorkflowContext) -> str:
    if ctx.kubeconfig_path.is_file():
        return ctx.kubeconfig_path.read_text()
    management = ctx.management_cluster
    if management is not None and management.kubeconfig is not None:
        secret = ctx.kube(management).get_or_none("v1", "Secret", f"{ctx.cluster_name}-kubeconfig",
                                                  SYSTEM_NAMESPACE)
        value = ((secret or {}).get("data") or {}).get("value")
        if value:
            return base64.b64decode(value).decode()
    raise EksaError(f"cannot generate the AWS IAM kubeconfig: the kubeconfig of cluster {ctx.cluster_name} is "
                    f"neither at {ctx.kubeconfig_path} nor on its management cluster")


def _cluster_id(ctx: WorkflowContext) -> str:
    if ctx.kubeconfig_path.is_file():
        from ..context import ClusterHandle

        kube = ctx.kube(ClusterHandle(ctx.cluster_name, ctx.kubeconfig_path))
        found = kube.get_or_none("v1", "ConfigMap", AUTHENTICATOR_CONFIGMAP, AUTHENTICATOR_NAMESPACE)
        config = yaml.safe_load(((found or {}).get("data") or {}).get("config.yaml") or "") or {}
        if isinstance(config, dict) and config.get("clusterID"):
            return str(config["clusterID"])
    return ctx.cluster_name


def write_aws_iam_kubeconfig(ctx: WorkflowContext) -> None:
    """Write ``<cluster>/<cluster>-aws.kubeconfig`` (a dry run records it)."""
    path = ctx.aws_kubeconfig_path
    if ctx.dry_run:
        ctx.record("write-file", path=str(path), mode="0600", source="aws-iam-authenticator kubeconfig")
        return
    server, ca_data = _endpoint(_admin_kubeconfig(ctx))
    config = aws_iam_kubeconfig(ctx.cluster_name, server, ca_data, _cluster_id(ctx))
    ctx.write_file(path, yaml.safe_dump(config, sort_keys=False), private=True)
