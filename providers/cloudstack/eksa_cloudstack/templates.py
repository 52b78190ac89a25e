"""Template-side hooks of the CloudStack provider: credentials Secrets and the clusterctl environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.errors import SpecError

from .credentials import CAPC_ENV, ENV, CloudStackCredentials, credentials_from_env, profile_secret

if TYPE_CHECKING:
    from eksa_core.context import ClusterHandle, HookContext
    from eksa_core.spec import Spec

__all__ = [
    "credentials_secrets",
    "eksa_env_map",
    "eksa_generate_secrets",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_update_secrets",
    "env_map",
]


def credentials_secrets(credentials: CloudStackCredentials) -> list[dict[str, Any]]:
    """One Secret per profile in ``eksa-system`` (name = profile name)."""
    return [profile_secret(p) for p in credentials.profiles]


def env_map(env: Mapping[str, str]) -> dict[str, str]:
    """``CLOUDSTACK_B64ENCODED_SECRET`` for clusterctl, copied from ``EKSA_CLOUDSTACK_B64ENCODED_SECRET``."""
    value = env.get(ENV)
    if not value:
        raise SpecError(f"{ENV} is not set or is empty", field=ENV)
    return {CAPC_ENV: value}


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]]:
    """The credentials Secrets of every profile of ``EKSA_CLOUDSTACK_B64ENCODED_SECRET``."""
    return credentials_secrets(credentials_from_env(context.env))


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str]:
    """The clusterctl environment of a CloudStack cluster."""
    return env_map(context.env)


def _apply_missing_secrets(cluster: ClusterHandle, context: HookContext) -> None:
    secrets = credentials_secrets(credentials_from_env(context.env))
    if context.dry_run:
        for secret in secrets:
            context.record("apply-secret", cluster=cluster.name, name=secret["metadata"]["name"],
                           namespace=secret["metadata"]["namespace"])
        return
    kube = context.kube(cluster)
    for secret in secrets:
        meta = secret["metadata"]
        # An existing profile Secret is left alone (it may have been rotated on the cluster).
        if kube.get_or_none("v1", "Secret", meta["name"], meta["namespace"]) is None:
            kube.apply(secret)
            context.record("apply-secret", cluster=cluster.name, name=meta["name"], namespace=meta["namespace"])


@hookimpl
def eksa_update_secrets(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Create the profile Secrets that are missing on ``cluster`` (EKS-A ``UpdateSecrets``)."""
    _apply_missing_secrets(cluster, context)


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Install the profile Secrets on the bootstrap cluster before CAPC starts."""
    context.log.info("Installing secrets on bootstrap cluster")
    _apply_missing_secrets(cluster, context)
