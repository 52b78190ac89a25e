"""Validation hooks of the in-memory provider (static: nothing is contacted).

* the control plane ``endpoint`` host is required (by the core, as for every provider but Docker) and not used:
  CAPD's in-memory backend opens the endpoint itself on its ``POD_IP`` and Cluster API's kubeconfig Secret names it;
* external etcd is not supported: etcdadm cannot run on simulated machines, so etcd is stacked (the backend
  simulates one etcd member per control plane machine);
* ``startupDuration``, when set, is a Go duration (``500ms``, ``1s``, ``1m30s``).
"""

from __future__ import annotations

import re

from eksa_core import SpecError, SpecErrors, hookimpl
from eksa_core.models import Cluster
from eksa_core.provider import ClusterConfig, HookContext, Spec

from .models import InMemoryDatacenterConfig, InMemoryMachineConfig

__all__ = [
    "DEV_ONLY_WARNING",
    "EXTERNAL_ETCD_NOT_SUPPORTED",
    "eksa_setup_and_validate_create",
    "eksa_validate_config",
    "validate",
]

DEV_ONLY_WARNING = "Warning: The inmemory infrastructure provider is meant for local development and testing only"
EXTERNAL_ETCD_NOT_SUPPORTED = "external etcd is not supported by the inmemory provider (etcd is stacked)"
_GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _is_inmemory(cluster: Cluster) -> bool:
    return cluster.datacenter_kind() == InMemoryDatacenterConfig.KIND


def validate(config: ClusterConfig) -> list[SpecError]:
    """Every static rule of an in-memory spec (see the module docstring)."""
    cluster = config.cluster
    errors: list[SpecError] = []
    if cluster.spec.external_etcd_configuration is not None:
        errors.append(
            SpecError(
                EXTERNAL_ETCD_NOT_SUPPORTED,
                kind=Cluster.KIND,
                name=cluster.name,
                field="spec.externalEtcdConfiguration",
            )
        )
    for obj in config.objects:
        if isinstance(obj, InMemoryMachineConfig) and obj.spec is not None:
            duration = obj.spec.startup_duration
            if duration is not None and not _GO_DURATION.match(duration):
                errors.append(
                    SpecError(
                        f"startupDuration {duration!r} is not a duration such as 500ms, 1s or 1m30s",
                        kind=InMemoryMachineConfig.KIND,
                        name=obj.metadata.name if obj.metadata else None,
                        field="spec.startupDuration",
                    )
                )
    return errors


@hookimpl
def eksa_validate_config(config: ClusterConfig) -> list[SpecError] | None:
    """Static rules of an in-memory spec."""
    if not config.has_cluster() or not _is_inmemory(config.cluster):
        return None
    return validate(config)


@hookimpl
def eksa_setup_and_validate_create(spec: Spec, context: HookContext) -> None:
    """Before a create: the dev-only warning and the static rules again (nothing to contact)."""
    if not _is_inmemory(spec.cluster):
        return
    context.log.info(DEV_ONLY_WARNING)
    errors = [spec.config.locate(e) for e in validate(spec.config)]
    if errors:
        raise SpecErrors(errors, summary="the inmemory provider cannot create this cluster")
