"""Kubeconfig handling of Docker clusters (EKS Anywhere's Docker ``UpdateKubeConfig``).

A CAPD cluster's API server is reached through its HAProxy load balancer container ``<cluster>-lb``, which
publishes port 6443 on a random host port. The kubeconfig Cluster API writes points at the container network;
:func:`update_kubeconfig` rewrites every ``server:`` of the cluster to ``https://127.0.0.1:<host port>`` so that
it works from the host (Docker Desktop, rootless Docker), as EKS Anywhere does.
"""

from __future__ import annotations

import re

from eksa_core import hookimpl

from .machines import DockerEngine

__all__ = ["eksa_update_kubeconfig", "rewrite_kubeconfig_server", "update_kubeconfig"]

_SERVER = re.compile(r"^(?P<indent>\s*server:\s*)(?P<quote>['\"]?)(?P<url>https?://[^\s'\"]+)(?P=quote)\s*$",
                     re.MULTILINE)


def rewrite_kubeconfig_server(content: str, port: str | int, host: str = "127.0.0.1") -> str:
    """``content`` with every cluster ``server:`` URL replaced by ``https://<host>:<port>`` (comments, order
    and every other line kept)."""
    port_text = str(port)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"invalid port {port!r}")

    def replace(match: re.Match[str]) -> str:
        return f"{match.group('indent')}https://{host}:{port_text}"

    return _SERVER.sub(replace, content)


def update_kubeconfig(content: str, cluster_name: str, engine: DockerEngine | None = None) -> str:
    """Point the kubeconfig of ``cluster_name`` at its load balancer's published host port."""
    engine = engine or DockerEngine()
    return rewrite_kubeconfig_server(content, engine.load_balancer_port(cluster_name))


@hookimpl
def eksa_update_kubeconfig(kubeconfig: str, cluster_name: str) -> str:
    """The kubeconfig pointed at the cluster's load balancer port on this host (EKS-A ``UpdateKubeConfig``)."""
    return update_kubeconfig(kubeconfig, cluster_name)
