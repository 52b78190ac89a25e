"""Cluster API manifests of in-memory clusters: CAPD's ``DevCluster`` / ``DevMachineTemplate`` with
``backend.inMemory``, and the kubeadm objects EKS Anywhere renders for every provider.

Control plane: Cluster, DevCluster, the control plane DevMachineTemplate, KubeadmControlPlane (stacked etcd).
Per worker group: KubeadmConfigTemplate, MachineDeployment, DevMachineTemplate. The machine templates carry the
provisioning durations the in-memory backend waits for each simulated part of a machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core.capi import (
    KubeadmFlavor,
    NodeGroupSettings,
    WorkerGroupParts,
    capi_cluster,
    control_plane_template_name,
    kubeadm_control_plane,
    kubeadm_images,
    kubeadm_workers,
    metadata,
)
from eksa_core.provider import InfrastructureBundle, TemplateOptions, hookimpl

from .models import DEFAULT_STARTUP_DURATION, InMemoryDatacenterConfig, InMemoryMachineConfig

if TYPE_CHECKING:
    from eksa_core.models.cluster import WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "INFRA_API_VERSION",
    "MACHINE_TEMPLATE_KIND",
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
    "eksa_needs_new_machine_templates",
    "generate_control_plane",
    "generate_workers",
    "machine_template",
]

INFRA_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta2"
PROVIDER_ANNOTATION = "anywhere.eks.amazonaws.com/provider"
"""Set on the DevCluster (``inmemory``): which eksa provider rendered it."""
SKIP_COREDNS_ANNOTATION = "controlplane.cluster.x-k8s.io/skip-coredns"
"""KubeadmControlPlane annotation: KCP does not reconcile the workload cluster's CoreDNS."""
CLUSTER_KIND = "DevCluster"
MACHINE_TEMPLATE_KIND = "DevMachineTemplate"

INMEMORY_FLAVOR = KubeadmFlavor(
    cert_sans=("localhost", "127.0.0.1"),
    node_name=None,
    include_format=False,
    secure_kubelet=False,
)
"""The fixed kubeadm parts: none of substance (the in-memory backend runs no kubeadm); SANs for loopback."""


def _startup_duration(spec: Spec, machine_group: str | None) -> str:
    machines = spec.config.machine_config(machine_group, InMemoryMachineConfig.KIND)
    if isinstance(machines, InMemoryMachineConfig) and machines.spec is not None:
        return machines.spec.startup_duration or DEFAULT_STARTUP_DURATION
    return DEFAULT_STARTUP_DURATION


def machine_template(name: str | None, startup_duration: str = DEFAULT_STARTUP_DURATION) -> dict[str, Any]:
    """A ``DevMachineTemplate`` on the in-memory backend, each simulated part provisioned in ``startup_duration``."""
    provisioning = {"provisioning": {"startupDuration": startup_duration}}
    return {
        "apiVersion": INFRA_API_VERSION,
        "kind": MACHINE_TEMPLATE_KIND,
        "metadata": metadata(name),
        "spec": {
            "template": {
                "spec": {
                    "backend": {
                        "inMemory": {
                            "vm": dict(provisioning),
                            "node": dict(provisioning),
                            "apiServer": dict(provisioning),
                            "etcd": dict(provisioning),
                        }
                    }
                }
            }
        },
    }


def _is_inmemory(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), InMemoryDatacenterConfig)


def generate_control_plane(
    spec: Spec, options: TemplateOptions | None = None, env: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The control plane objects of an in-memory cluster, in apply order."""
    options = options or TemplateOptions()
    env = {} if env is None else env
    cluster = spec.cluster
    name = cluster.name
    cpc = cluster.spec.control_plane_configuration
    cp_name = options.control_plane_template_name or control_plane_template_name(name)
    cp_ref = cpc.machine_group_ref if cpc else None
    node = NodeGroupSettings(
        taints=cpc.taints if cpc else None,
        labels=cpc.labels if cpc else None,
        kubelet_configuration=cpc.kubelet_configuration if cpc else None,
    )
    kcp = kubeadm_control_plane(
        cluster,
        flavor=INMEMORY_FLAVOR,
        images=kubeadm_images(spec),
        node=node,
        machine_template_kind=MACHINE_TEMPLATE_KIND,
        machine_template_name=cp_name,
        external_etcd=False,
        env=env,
    )
    # The in-memory workload cluster runs no CoreDNS (CAPD stores a placeholder Deployment and ConfigMap) and its
    # API server cannot host KCP's CoreDNS migration (the Corefile ConfigMap update conflicts there, every
    # reconcile fails and KCP never reports its generation observed): KCP is told to leave CoreDNS alone.
    kcp["metadata"].setdefault("annotations", {})[SKIP_COREDNS_ANNOTATION] = ""
    return [
        capi_cluster(cluster, CLUSTER_KIND, external_etcd=False, service_domain="cluster.local"),
        {
            "apiVersion": INFRA_API_VERSION,
            "kind": CLUSTER_KIND,
            # CAPD's in-memory cluster backend (v1.13.7) records its listener in the DevCluster's annotations and
            # panics on a DevCluster that has none (it writes to a nil map): the provider annotates it itself
            "metadata": metadata(name, annotations={PROVIDER_ANNOTATION: "inmemory"}),
            "spec": {"backend": {"inMemory": {}}},
        },
        machine_template(cp_name, _startup_duration(spec, cp_ref.name if cp_ref else None)),
        kcp,
    ]


def generate_workers(
    spec: Spec,
    machine_template_names: Mapping[str, str] | None = None,
    kubeadm_config_template_names: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """For each worker group: KubeadmConfigTemplate, MachineDeployment, DevMachineTemplate (the core's
    :func:`~eksa_core.capi.workers.kubeadm_workers`)."""

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        ref = group.machine_group_ref
        return WorkerGroupParts(
            flavor=INMEMORY_FLAVOR,
            node=NodeGroupSettings(
                taints=group.taints, labels=group.labels, kubelet_configuration=group.kubelet_configuration
            ),
            machine_template_kind=MACHINE_TEMPLATE_KIND,
            machine_template=lambda name: machine_template(name, _startup_duration(spec, ref.name if ref else None)),
        )

    return kubeadm_workers(spec, parts, machine_template_names=machine_template_names,
                           kubeadm_config_template_names=kubeadm_config_template_names, env=env)


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]] | None:
    """In-memory control plane objects (see :func:`generate_control_plane`)."""
    return generate_control_plane(spec, options, env=context.env) if _is_inmemory(spec) else None


@hookimpl
def eksa_generate_workers(
    spec: Spec, machine_template_names: dict[str, str] | None, kubeadm_config_template_names: dict[str, str] | None,
    context: HookContext,
) -> list[dict[str, Any]] | None:
    """In-memory worker objects (see :func:`generate_workers`)."""
    if not _is_inmemory(spec):
        return None
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, env=context.env)


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]] | None:
    """The in-memory backend needs no credentials."""
    return [] if _is_inmemory(spec) else None


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str] | None:
    """No clusterctl environment is needed."""
    return {} if _is_inmemory(spec) else None


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle | None:
    """The in-memory backend is CAPD's: the Docker provider's clusterctl repository of the bundle."""
    if not _is_inmemory(spec):
        return None
    dk = spec.versions_bundle().docker
    manifests = tuple(m.uri for m in (dk.components, dk.metadata, dk.cluster_template) if m.uri)
    return InfrastructureBundle(folder_name=f"infrastructure-docker/{dk.version}/", manifests=manifests)


def _machine_group(spec: Spec, role: str, group: str | None) -> tuple[str | None, str | None]:
    """``(machine config name, Kubernetes version)`` of ``role`` / worker ``group`` in ``spec`` (``None`` names
    when the role or group does not exist)."""
    cluster = spec.cluster
    version = cluster.spec.kubernetes_version
    if role == "control-plane":
        cpc = cluster.spec.control_plane_configuration
        ref = cpc.machine_group_ref if cpc else None
        return (ref.name if ref else None), version
    if role == "workers":
        for g in cluster.worker_groups():
            if g.name == group:
                ref = g.machine_group_ref
                return (ref.name if ref else None), g.kubernetes_version or version
    return None, version


@hookimpl
def eksa_needs_new_machine_templates(current_spec: Spec, new_spec: Spec, role: str, group: str | None) -> bool | None:
    """New machine templates (the machines roll) when the group's Kubernetes version changes, when its machine
    config's ``startupDuration`` changes, or for a new group; never for a replica count. ``None`` for a spec of
    another provider."""
    if not _is_inmemory(new_spec):
        return None
    new_machines, new_version = _machine_group(new_spec, role, group)
    if new_machines is None:
        return False  # the role is gone: nothing to render
    old_machines, old_version = _machine_group(current_spec, role, group)
    if old_machines is None or old_version != new_version:
        return True
    return _startup_duration(current_spec, old_machines) != _startup_duration(new_spec, new_machines)
