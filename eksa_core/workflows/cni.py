"""The workflow step installing a cluster's CNI (EKS Anywhere's "Installing networking on workload cluster").

EKS Anywhere installs the CNI once the new cluster's control plane answers and before it waits for the workers:
a real node only becomes Ready once a CNI runs on it, so waiting for the workers first would never end. The create
and upgrade workflows call :func:`install_cni` from that point of their apply-and-wait (``after_control_plane``).
The objects come from the run's :class:`~eksa_core.cni.CNIRenderer` (``WorkflowOptions.cni_renderer``, default
:class:`~eksa_core.cni.BundleCNIRenderer`: Cilium's chart rendered by helm, or kindnetd's manifest) and are
server-side applied to the workload cluster with eksa's field manager, so applying them again (a resumed or
re-run create, an upgrade) changes only what differs.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from ..cni import BundleCNIRenderer, CNIError, CNIRenderer, HelmCiliumRenderer, cilium_chart, cilium_config, cni_plugin
from ..context import ClusterHandle
from ..errors import ReleaseError
from .ops import FIELD_MANAGER

if TYPE_CHECKING:
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = ["CNI_MESSAGE", "CNI_UPGRADE_MESSAGE", "HELM_VALIDATION", "check_helm", "cni_renderer", "install_cni",
           "needs_helm", "skips_cni_upgrade"]

CNI_MESSAGE = "Installing networking on workload cluster"
CNI_UPGRADE_MESSAGE = "Upgrading networking on workload cluster"
HELM_VALIDATION = "validate helm is available to render the CNI"


def cni_renderer(ctx: WorkflowContext) -> CNIRenderer:
    """The run's renderer: ``WorkflowOptions.cni_renderer``, else a :class:`~eksa_core.cni.BundleCNIRenderer`
    whose helm runs in the run's environment."""
    if ctx.options.cni_renderer is not None:
        return ctx.options.cni_renderer
    renderer = ctx.cache.get("cni-renderer")
    if renderer is None:
        renderer = BundleCNIRenderer(cilium=HelmCiliumRenderer(env=ctx.hook_context.env))
        ctx.cache["cni-renderer"] = renderer
    return renderer  # type: ignore[no-any-return]


def needs_helm(ctx: WorkflowContext, *, upgrading: bool = False) -> bool:
    """Whether this run will render Cilium with helm: a real run (a dry run renders nothing), the default
    renderer, a Cilium spec, a provider whose clusters host a CNI, and on upgrade no ``skipUpgrade``."""
    return (not ctx.dry_run and ctx.options.cni_renderer is None and cni_plugin(ctx.spec) == "cilium"
            and ctx.provider.info.traits.installs_cni and not (upgrading and skips_cni_upgrade(ctx.spec)))


def check_helm(ctx: WorkflowContext) -> None:
    """Raise :class:`~eksa_core.cni.HelmNotFoundError` when helm cannot be found: a create learns it before any
    cluster exists, not once the new control plane is up."""
    HelmCiliumRenderer(env=ctx.hook_context.env).helm_path()


def skips_cni_upgrade(spec: Spec) -> bool:
    """Whether the spec asks EKS Anywhere to leave Cilium alone on upgrade (``cilium.skipUpgrade: true``)."""
    config = cilium_config(spec)
    return bool(config is not None and config.skip_upgrade)


def install_cni(ctx: WorkflowContext, cluster: ClusterHandle, spec: Spec, *, message: str = CNI_MESSAGE,
                level: int = 0) -> None:
    """Render the CNI ``spec`` names and apply it to ``cluster`` (the workload cluster itself), telling the user
    ``message`` (at verbosity ``level``).

    Nothing happens when the spec names no CNI. When the provider's clusters cannot host one
    (``ProviderTraits.installs_cni`` false, as the in-memory development provider's API server), a warning says
    so and the step records that it was skipped. In a dry run nothing is rendered (rendering pulls the chart):
    the plan records the plugin, and for Cilium the chart and version that would be rendered.
    """
    plugin = cni_plugin(spec)
    if plugin is None:
        return
    info = ctx.provider.info
    if not info.traits.installs_cni:
        ctx.info(f"Warning: the {info.name} provider's clusters cannot host a CNI: {plugin} is not installed on "
                 f"cluster {spec.name}")
        ctx.record("install-cni", cluster=cluster.name, plugin=plugin, skipped="provider")
        return
    ctx.info(message, level)
    if ctx.dry_run:
        details: dict[str, Any] = {"plugin": plugin}
        if plugin == "cilium":
            # no bundle loaded for the plan: the plugin alone is shown
            with contextlib.suppress(ReleaseError, CNIError):
                details["chart"], details["version"] = cilium_chart(spec)
        ctx.record("install-cni", cluster=cluster.name, **details)
        return
    objects = cni_renderer(ctx).render(spec)
    ctx.redact.add_manifests(objects)
    if not objects:
        return
    kube = ctx.kube(cluster)
    objects = _keeping_live_secrets(kube, objects)
    kube.apply(objects, field_manager=FIELD_MANAGER, force=True)
    ctx.record("install-cni", cluster=cluster.name, plugin=plugin, objects=len(objects))


def _keeping_live_secrets(kube: Any, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``objects`` without the Secrets the cluster already holds. Helm makes Cilium's CA and Hubble's server
    certificate afresh on every render: applying them again (a resumed create, an upgrade) would replace the
    certificates the running agents use for no change of the spec."""
    kept: list[dict[str, Any]] = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1" and kube.get_or_none(
                "v1", "Secret", str(meta.get("name")), str(meta.get("namespace") or "default")) is not None:
            continue
        kept.append(obj)
    return kept
