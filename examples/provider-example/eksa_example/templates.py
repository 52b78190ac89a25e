"""Template hooks: the cluster's Cluster API objects, built with the core's kubeadm builders; the provider adds
only its infrastructure cluster, its machine templates and its credentials Secret.

Credentials come from the call context's environment (``context.env["EXAMPLE_TOKEN"]``), never from
``os.environ``; they go into Secrets only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eksa_core import SpecError, hookimpl
from eksa_core.capi import (
    KubeadmFlavor,
    NodeGroupSettings,
    WorkerGroupParts,
    b64,
    capi_cluster,
    control_plane_template_name,
    kubeadm_control_plane,
    kubeadm_images,
    kubeadm_workers,
    metadata,
    secret,
)
from eksa_core.provider import InfrastructureBundle, TemplateOptions

from . import __version__
from .models import ExampleDatacenterConfig, ExampleMachineConfig
from .provider import INFRA_API_VERSION

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eksa_core.models.cluster import WorkerNodeGroupConfiguration
    from eksa_core.provider import HookContext, Spec

__all__ = ["TOKEN_ENV", "eksa_env_map", "eksa_generate_control_plane", "eksa_generate_secrets",
           "eksa_generate_workers", "eksa_infrastructure_bundle", "generate_control_plane", "generate_workers"]

TOKEN_ENV = "EXAMPLE_TOKEN"
"""The environment variable holding the Example Cloud API token."""

_FLAVOR = KubeadmFlavor(kubelet_args=(("provider-id", "example://{{ ds.meta_data.instance_id }}"),))


def _datacenter(spec: Spec) -> ExampleDatacenterConfig:
    dc = spec.datacenter()
    assert isinstance(dc, ExampleDatacenterConfig)
    return dc


def _machine(spec: Spec, name: str | None) -> ExampleMachineConfig:
    machine = spec.config.machine_config(name, ExampleMachineConfig.KIND)
    if not isinstance(machine, ExampleMachineConfig):
        raise SpecError(f"ExampleMachineConfig {name} not found", kind=ExampleMachineConfig.KIND, name=name)
    return machine


def _credentials_name(cluster_name: str) -> str:
    return f"{cluster_name}-example-credentials"


def machine_template(name: str, machine: ExampleMachineConfig, zone: str | None) -> dict[str, Any]:
    """An ``ExampleMachineTemplate`` of one machine config."""
    return {"apiVersion": INFRA_API_VERSION, "kind": "ExampleMachineTemplate", "metadata": metadata(name),
            "spec": {"template": {"spec": {"cpus": machine.spec.cpus, "memoryMiB": machine.spec.memory_mi_b,
                                           "image": machine.spec.image, "zone": zone}}}}


def _node(machine: ExampleMachineConfig, *, taints: Any = None, labels: Any = None,
          kubelet_configuration: Any = None) -> NodeGroupSettings:
    return NodeGroupSettings(os_family="ubuntu", users=tuple(machine.spec.users or ()), taints=taints,
                             labels=labels, kubelet_configuration=kubelet_configuration)


def generate_control_plane(spec: Spec, options: TemplateOptions, env: Mapping[str, str]) -> list[dict[str, Any]]:
    """Cluster, ExampleCluster, the control plane's ExampleMachineTemplate, KubeadmControlPlane and the
    credentials Secret the ExampleCluster names."""
    cluster, dc = spec.cluster, _datacenter(spec)
    name = cluster.name
    cp = cluster.spec.control_plane_configuration
    machine = _machine(spec, cp.machine_group_ref.name if cp and cp.machine_group_ref else None)
    template = options.control_plane_template_name or control_plane_template_name(name)
    host = cp.endpoint.host if cp and cp.endpoint else None
    return [
        capi_cluster(cluster, "ExampleCluster", external_etcd=False),
        {"apiVersion": INFRA_API_VERSION, "kind": "ExampleCluster", "metadata": metadata(name),
         "spec": {"controlPlaneEndpoint": {"host": host, "port": 6443}, "endpoint": dc.spec.endpoint,
                  "zone": dc.spec.zone, "identityRef": {"kind": "Secret", "name": _credentials_name(name)}}},
        machine_template(template, machine, dc.spec.zone),
        kubeadm_control_plane(
            cluster, flavor=_FLAVOR, images=kubeadm_images(spec),
            node=_node(machine, taints=cp.taints if cp else None, labels=cp.labels if cp else None,
                       kubelet_configuration=cp.kubelet_configuration if cp else None),
            machine_template_kind="ExampleMachineTemplate", machine_template_name=template, external_etcd=False,
            env=env, default_taint=True),
        secret(_credentials_name(name), data={"token": b64(env.get(TOKEN_ENV))}),
    ]


def generate_workers(spec: Spec, machine_template_names: Mapping[str, str] | None,
                     kubeadm_config_template_names: Mapping[str, str] | None,
                     env: Mapping[str, str]) -> list[dict[str, Any]]:
    """For each worker group: its KubeadmConfigTemplate, MachineDeployment and ExampleMachineTemplate: the core's
    :func:`~eksa_core.capi.workers.kubeadm_workers`, given what is the provider's own for a group."""
    dc = _datacenter(spec)

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        machine = _machine(spec, group.machine_group_ref.name if group.machine_group_ref else None)
        return WorkerGroupParts(
            flavor=_FLAVOR,
            node=_node(machine, taints=group.taints, labels=group.labels,
                       kubelet_configuration=group.kubelet_configuration),
            machine_template_kind="ExampleMachineTemplate",
            machine_template=lambda name: machine_template(name, machine, dc.spec.zone),
        )

    return kubeadm_workers(spec, parts, machine_template_names=machine_template_names,
                           kubeadm_config_template_names=kubeadm_config_template_names, env=env)


@hookimpl
def eksa_generate_control_plane(spec: Spec, options: TemplateOptions,
                                context: HookContext) -> list[dict[str, Any]]:
    """See :func:`generate_control_plane` (credentials from ``context.env``)."""
    return generate_control_plane(spec, options, context.env)


@hookimpl
def eksa_generate_workers(spec: Spec, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None,
                          context: HookContext) -> list[dict[str, Any]]:
    """See :func:`generate_workers`."""
    return generate_workers(spec, machine_template_names, kubeadm_config_template_names, context.env)


@hookimpl
def eksa_generate_secrets(spec: Spec, context: HookContext) -> list[dict[str, Any]]:
    """The controller's login: ``example-credentials`` in ``eksa-system``."""
    return [secret("example-credentials", data={"token": b64(context.env.get(TOKEN_ENV))})]


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str]:
    """clusterctl's environment: ``EXAMPLE_TOKEN`` (required)."""
    token = context.env.get(TOKEN_ENV)
    if not token:
        raise SpecError(f"warning required env not set {TOKEN_ENV}")
    return {TOKEN_ENV: token}


@hookimpl
def eksa_infrastructure_bundle(spec: Spec) -> InfrastructureBundle:
    """The example provider ships its components itself (no section of the EKS Anywhere release)."""
    return InfrastructureBundle(folder_name=f"infrastructure-example/v{__version__}/", manifests=())
