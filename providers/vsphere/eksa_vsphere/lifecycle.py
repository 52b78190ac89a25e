"""Lifecycle hooks of the vSphere provider: install the credentials secrets the EKS Anywhere controller and CAPV
read (``vsphere-credentials`` and ``eksa-license`` in ``eksa-system``) on the bootstrap cluster before Cluster API
is installed, and on the management cluster when secrets are refreshed."""

from __future__ import annotations

import base64
import importlib
import importlib.util
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl

from .models import VSphereDatacenterConfig
from .validate import ENV_CP_PASSWORD, ENV_CP_USERNAME, ENV_PASSWORD, ENV_USERNAME, check_credentials

if TYPE_CHECKING:
    from eksa_core.context import ClusterHandle, HookContext
    from eksa_core.spec import Spec

__all__ = [
    "CREDENTIALS_SECRET",
    "EKSA_SYSTEM_NAMESPACE",
    "LICENSE_SECRET",
    "MOVE_LABEL",
    "apply_secrets",
    "credentials_secrets",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_update_secrets",
]

EKSA_SYSTEM_NAMESPACE = "eksa-system"
CREDENTIALS_SECRET = "vsphere-credentials"
LICENSE_SECRET = "eksa-license"
MOVE_LABEL = "clusterctl.cluster.x-k8s.io/move"
ENV_LICENSE = "EKSA_LICENSE"


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def _secret(name: str, data: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": EKSA_SYSTEM_NAMESPACE, "labels": {MOVE_LABEL: "true"}},
        "type": "Opaque",
        "data": {key: _b64(value) for key, value in data.items()},
    }


def credentials_secrets(spec: Spec, env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ``vsphere-credentials`` Secret (``username``, ``password`` and the cloud-provider ``usernameCP`` /
    ``passwordCP``, which fall back to the main credentials) and the ``eksa-license`` Secret (``license``: the
    cluster's ``licenseToken``, else ``EKSA_LICENSE``), base64-encoded, in ``eksa-system``, labelled for
    ``clusterctl move``. Values come from ``env``; raises EKS-A's "<KEY> is not set or is empty" when the
    credentials are missing."""
    check_credentials(env)
    username, password = env[ENV_USERNAME], env[ENV_PASSWORD]
    license_token = spec.cluster.spec.license_token or env.get(ENV_LICENSE) or ""
    return [
        _secret(CREDENTIALS_SECRET, {
            "username": username,
            "password": password,
            "usernameCP": env.get(ENV_CP_USERNAME) or username,
            "passwordCP": env.get(ENV_CP_PASSWORD) or password,
        }),
        _secret(LICENSE_SECRET, {"license": license_token}),
    ]


def _secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]]:
    """The secrets to apply: the template module's ``vsphere-credentials`` (one source for what the controller
    reads) when it is installed, plus ``eksa-license``; else :func:`credentials_secrets`."""
    own = credentials_secrets(spec, context.env)  # also raises when the credentials are missing
    if importlib.util.find_spec(f"{__package__}.templates") is None:
        return own
    templates = importlib.import_module(f"{__package__}.templates")
    rendered = list(templates.eksa_generate_secrets(spec, context) or [])
    names = {s["metadata"]["name"] for s in rendered}
    return rendered + [s for s in own if s["metadata"]["name"] not in names]


def apply_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Apply the credentials secrets to ``cluster`` (namespace ``eksa-system`` created when missing). In a dry run
    only the Secret names are recorded; the values are never logged or recorded."""
    if not isinstance(spec.datacenter(), VSphereDatacenterConfig):
        return
    secrets = _secrets(spec, context)
    names = [f"{s['metadata']['namespace']}/{s['metadata']['name']}" for s in secrets]
    if context.dry_run:
        context.record("apply-secrets", cluster=cluster.name, secrets=names)
        return
    kube = context.kube(cluster)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": EKSA_SYSTEM_NAMESPACE}}
    kube.apply([namespace, *secrets])
    context.record("apply-secrets", cluster=cluster.name, secrets=names)


@hookimpl
def eksa_update_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Install or refresh ``vsphere-credentials`` and ``eksa-license`` on ``cluster`` (EKS-A ``UpdateSecrets``)."""
    apply_secrets(spec, cluster, context)


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Before Cluster API is installed on the bootstrap cluster: the same secrets (EKS-A calls ``UpdateSecrets``)."""
    apply_secrets(spec, cluster, context)
