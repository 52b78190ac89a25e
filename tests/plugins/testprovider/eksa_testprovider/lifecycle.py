"""Lifecycle, add-on and observer hooks of the test provider: each records its call."""

from __future__ import annotations

from typing import Any

from eksa_core import hookimpl

from .recorder import record

__all__ = [
    "EVENTS",
    "eksa_collect_diagnostics",
    "eksa_delete_resources",
    "eksa_install_custom_components",
    "eksa_post_bootstrap_setup",
    "eksa_post_cluster_delete",
    "eksa_post_move",
    "eksa_post_workload_init",
    "eksa_pre_capi_install_on_bootstrap",
    "eksa_pre_core_components_upgrade",
    "eksa_pre_delete",
    "eksa_update_secrets",
    "eksa_workflow_event",
]

#: Every workflow event seen by this plugin.
EVENTS: list[Any] = []


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_pre_capi_install_on_bootstrap", cluster, context)


@hookimpl
def eksa_post_bootstrap_setup(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_post_bootstrap_setup", cluster, context)


@hookimpl
def eksa_update_secrets(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_update_secrets", cluster, context)


@hookimpl
def eksa_post_workload_init(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_post_workload_init", cluster, context)


@hookimpl
def eksa_install_custom_components(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_install_custom_components", cluster, context)


@hookimpl
def eksa_post_move(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_post_move", cluster, context)


@hookimpl
def eksa_pre_core_components_upgrade(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_pre_core_components_upgrade", cluster, context)


@hookimpl
def eksa_pre_delete(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_pre_delete", cluster, context)


@hookimpl
def eksa_delete_resources(spec: Any, context: Any) -> None:
    record("eksa_delete_resources", None, context)


@hookimpl
def eksa_post_cluster_delete(spec: Any, cluster: Any, context: Any) -> None:
    record("eksa_post_cluster_delete", cluster, context)


@hookimpl
def eksa_collect_diagnostics(spec: Any, cluster: Any, role: str, context: Any) -> None:
    record("eksa_collect_diagnostics", cluster, context)


@hookimpl
def eksa_workflow_event(event: Any) -> None:
    EVENTS.append(event)
