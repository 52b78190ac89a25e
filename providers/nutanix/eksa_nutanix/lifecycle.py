"""Lifecycle hooks of the Nutanix provider: the credentials Secrets CAPX and the EKS Anywhere controller read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eksa_core import hookimpl

from .models import NutanixDatacenterConfig
from .templates import capx_secret_name, eksa_secrets

if TYPE_CHECKING:
    from eksa_core.provider import ClusterHandle, HookContext, Spec

__all__ = ["eksa_pre_capi_install_on_bootstrap", "eksa_update_secrets"]


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Before Cluster API is installed on the bootstrap cluster: the EKS-A controller's credentials Secret (named
    by the datacenter's ``credentialRef``)."""
    if isinstance(spec.datacenter(), NutanixDatacenterConfig):
        capx = capx_secret_name(spec.cluster.name)
        secrets = [s for s in eksa_secrets(spec, context.env) if s["metadata"]["name"] != capx]
        context.apply(cluster, secrets, action="apply-secrets")


@hookimpl
def eksa_update_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Install or refresh ``capx-<cluster>`` and the EKS-A credentials Secret on ``cluster`` (``UpdateSecrets``)."""
    if isinstance(spec.datacenter(), NutanixDatacenterConfig):
        context.apply(cluster, eksa_secrets(spec, context.env), action="apply-secrets")
