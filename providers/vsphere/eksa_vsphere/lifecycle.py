"""Lifecycle hooks of the vSphere provider: install the credentials secrets the EKS Anywhere controller and CAPV
read (``vsphere-credentials`` and ``eksa-license`` in ``eksa-system``) on the bootstrap cluster before Cluster API
is installed, and on the management cluster when secrets are refreshed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.capi import b64, secret
from eksa_core.capi.constants import MOVE_LABEL

from .models import VSphereDatacenterConfig
from .templates import eksa_generate_secrets
from .validation import check_credentials

if TYPE_CHECKING:
    from eksa_core.provider import ClusterHandle, HookContext, Spec

__all__ = [
    "EKSA_SYSTEM_NAMESPACE",
    "LICENSE_SECRET",
    "apply_secrets",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_update_secrets",
    "license_secret",
]

EKSA_SYSTEM_NAMESPACE = "eksa-system"
LICENSE_SECRET = "eksa-license"
ENV_LICENSE = "EKSA_LICENSE"


def license_secret(spec: Spec, env: Mapping[str, str]) -> dict[str, Any]:
    """The ``eksa-license`` Secret (``license``: the cluster's ``licenseToken``, else ``EKSA_LICENSE``, else "")
    in ``eksa-system``, labelled for ``clusterctl move``."""
    token = spec.cluster.spec.license_token or env.get(ENV_LICENSE) or ""
    return secret(LICENSE_SECRET, labels={MOVE_LABEL: "true"}, data={"license": b64(token)})


def _secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]]:
    """``vsphere-credentials`` (from the template hook: one source for what CAPV and the controller read) and
    ``eksa-license``. Raises EKS-A's "<KEY> is not set or is empty" when the credentials are missing."""
    check_credentials(context.env)
    return [*(eksa_generate_secrets(spec, context) or []), license_secret(spec, context.env)]


def apply_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Apply the credentials secrets to ``cluster`` (only recorded, by name, in a dry run)."""
    if isinstance(spec.datacenter(), VSphereDatacenterConfig):
        context.apply(cluster, _secrets(spec, context), action="apply-secrets")


@hookimpl
def eksa_update_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Install or refresh ``vsphere-credentials`` and ``eksa-license`` on ``cluster`` (EKS-A ``UpdateSecrets``)."""
    apply_secrets(spec, cluster, context)


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Before Cluster API is installed on the bootstrap cluster: the same secrets (EKS-A calls ``UpdateSecrets``)."""
    apply_secrets(spec, cluster, context)
