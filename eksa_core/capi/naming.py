"""Object names of a cluster's CAPI objects and the template re-naming rule of upgrades."""

from __future__ import annotations

import re

from ..errors import EksaError

__all__ = [
    "bump_template_name",
    "control_plane_template_name",
    "default_template_name",
    "etcd_cluster_name",
    "etcd_template_name",
    "kcp_health_check_name",
    "kubeadm_config_template_name",
    "machine_deployment_name",
    "next_template_name",
    "template_name_with_fallback",
    "worker_health_check_name",
    "worker_machine_template_name",
]

_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<n>\d+)$")


def control_plane_template_name(cluster: str, n: int = 1) -> str:
    """``<cluster>-control-plane-<n>``."""
    return f"{cluster}-control-plane-{n}"


def etcd_cluster_name(cluster: str) -> str:
    """``<cluster>-etcd`` (the EtcdadmCluster)."""
    return f"{cluster}-etcd"


def etcd_template_name(cluster: str, n: int = 1) -> str:
    """``<cluster>-etcd-<n>``."""
    return f"{cluster}-etcd-{n}"


def machine_deployment_name(cluster: str, group: str) -> str:
    """``<cluster>-<group>``."""
    return f"{cluster}-{group}"


def worker_machine_template_name(cluster: str, group: str, n: int = 1) -> str:
    """``<cluster>-<group>-<n>``."""
    return f"{cluster}-{group}-{n}"


def kubeadm_config_template_name(cluster: str, group: str, n: int = 1) -> str:
    """``<cluster>-<group>-<n>`` (same scheme as the worker machine template)."""
    return f"{cluster}-{group}-{n}"


def kcp_health_check_name(cluster: str) -> str:
    """``<cluster>-kcp-unhealthy``."""
    return f"{cluster}-kcp-unhealthy"


def worker_health_check_name(cluster: str, group: str) -> str:
    """``<cluster>-<group>-worker-unhealthy``."""
    return f"{cluster}-{group}-worker-unhealthy"


def default_template_name(base: str) -> str:
    """The name of a template that has no predecessor: ``<base>-1``."""
    return f"{base}-1"


def bump_template_name(current: str) -> str:
    """``…-<n>`` -> ``…-<n+1>``. A name without a numeric suffix is an error (:class:`EksaError`)."""
    m = _SUFFIX.match(current)
    if not m:
        raise EksaError(f"invalid format for template name {current}: expected a numeric suffix")
    return f"{m.group('base')}-{int(m.group('n')) + 1}"


def next_template_name(current: str | None, changed: bool, base: str) -> str:
    """The template name to render in an upgrade.

    :param current: the name the live object (KCP / MachineDeployment / EtcdadmCluster) references now, ``None``
        for a new cluster or a new group.
    :param changed: whether the newly rendered template ``spec`` differs from the live one.
    :param base: the name without suffix (``<cluster>-control-plane``, ``<cluster>-<group>``...).
    """
    if current is None:
        return default_template_name(base)
    return bump_template_name(current) if changed else current


def template_name_with_fallback(current: str | None, changed: bool, base: str) -> str:
    """Like :func:`next_template_name`, but a legacy current name without a numeric suffix resets to the
    default ``<base>-1`` name instead of failing."""
    if current is not None and not _SUFFIX.match(current):
        return default_template_name(base) if changed else current
    return next_template_name(current, changed, base)
