"""The default kubeadm worker rendering: one ``KubeadmConfigTemplate``, ``MachineDeployment`` and infrastructure
machine template per worker group, in that order.

Every provider whose worker groups are plain kubeadm node groups renders them the same way: the group's Kubernetes
version and images, the names the upgrade kept (or the initial ``<cluster>-<group>-1``), a kubeadm config template
from the provider's :class:`~eksa_core.capi.kubeadm.KubeadmFlavor` and node settings, and a MachineDeployment
pointing at both. :func:`kubeadm_workers` does that loop; a provider supplies only what is its own for a group
(:class:`WorkerGroupParts`): its flavor and node settings, its machine template (kind and builder), a failure
domain, and any change to the rendered config template (extra bootstrap commands, Bottlerocket containers)::

    def parts(index: int, group: WorkerNodeGroupConfiguration) -> WorkerGroupParts:
        mc = my_machine_config(spec, group)
        return WorkerGroupParts(flavor=FLAVOR, node=NodeGroupSettings(os_family=mc.spec.os_family or ""),
                                machine_template_kind="AcmeMachineTemplate",
                                machine_template=lambda name: acme_machine_template(name, mc))

    objects = kubeadm_workers(spec, parts, machine_template_names=names, env=context.env)

A provider whose groups render differently (one MachineDeployment per failure domain, another order) keeps its
own loop over the same builders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .images import kubeadm_images
from .kubeadm import KubeadmFlavor, NodeGroupSettings, kubeadm_config_template
from .naming import kubeadm_config_template_name, worker_machine_template_name
from .objects import machine_deployment

if TYPE_CHECKING:
    from ..models.cluster import WorkerNodeGroupConfiguration
    from ..spec import Spec

__all__ = ["WorkerGroupParts", "kubeadm_workers"]


@attrs.frozen
class WorkerGroupParts:
    """What a provider supplies for one worker group to :func:`kubeadm_workers`.

    :ivar flavor: the provider's fixed kubeadm configuration for the group.
    :ivar node: the group's machine settings (OS family, users, taints, labels, kubelet configuration...).
    :ivar machine_template_kind: the kind of the provider's machine template (``AcmeMachineTemplate``).
    :ivar machine_template: builds that machine template given its name.
    :ivar failure_domain: the MachineDeployment's ``failureDomain`` (``None``: left out).
    :ivar customize_config: changes the rendered ``KubeadmConfigTemplate`` in place (``None``: nothing).
    """

    flavor: KubeadmFlavor
    node: NodeGroupSettings
    machine_template_kind: str
    machine_template: Callable[[str], dict[str, Any]]
    failure_domain: str | None = None
    customize_config: Callable[[dict[str, Any]], None] | None = None


def kubeadm_workers(spec: Spec, parts: Callable[[int, WorkerNodeGroupConfiguration], WorkerGroupParts], *,
                    machine_template_names: Mapping[str, str] | None = None,
                    kubeadm_config_template_names: Mapping[str, str] | None = None,
                    env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For each worker group of the spec's cluster (``parts`` gets its index and configuration): its
    KubeadmConfigTemplate, MachineDeployment and machine template. A group missing from a name map gets the
    initial ``<cluster>-<group>-1`` names."""
    cluster = spec.cluster
    out: list[dict[str, Any]] = []
    for index, group in enumerate(cluster.worker_groups()):
        own = parts(index, group)
        gname = group.name or ""
        version = group.kubernetes_version or cluster.spec.kubernetes_version
        images = kubeadm_images(spec, version)
        mt_name = (machine_template_names or {}).get(gname) or worker_machine_template_name(cluster.name, gname)
        kct_name = ((kubeadm_config_template_names or {}).get(gname)
                    or kubeadm_config_template_name(cluster.name, gname))
        config = kubeadm_config_template(cluster, name=kct_name, flavor=own.flavor, images=images, node=own.node,
                                         env={} if env is None else env)
        if own.customize_config is not None:
            own.customize_config(config)
        out.append(config)
        out.append(machine_deployment(cluster, group, version=images.kubernetes_version,
                                      machine_template_kind=own.machine_template_kind, machine_template_name=mt_name,
                                      kubeadm_config_template_name=kct_name, failure_domain=own.failure_domain))
        out.append(own.machine_template(mt_name))
    return out
