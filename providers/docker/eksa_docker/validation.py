"""Validation hooks of the Docker provider.

Static (no engine contact), :func:`eksa_validate_config`:

* a control plane ``endpoint`` is not allowed: CAPD puts an HAProxy container in front of the API server
  ("specifying endpoint host configuration in Cluster is not supported");
* ``kindnetd`` is allowed (the core rejects it for every other provider).

Before a create, :func:`eksa_setup_and_validate_create` logs EKS Anywhere's warning "Warning: The docker
infrastructure provider is meant for local development and testing only", repeats the endpoint check and checks
the Docker engine (:func:`check_docker_engine`): the client's major version must be at least 20, the engine must
answer, and less than ~6 GB of memory for Docker only gives a warning (at verbosity 3, as EKS Anywhere).
Upgrade and delete need nothing from the provider (as in EKS Anywhere).

Log levels: ``context.log`` records at ``logging.INFO`` are shown always (EKS-A ``V(0)``); ``INFO - n`` is
``V(n)``.
"""

from __future__ import annotations

import logging

from eksa_core import SpecError, SpecErrors, hookimpl
from eksa_core.models import Cluster
from eksa_core.provider import ClusterConfig, HookContext, Spec

from .machines import DockerEngine, DockerError, engine_for
from .models import DockerDatacenterConfig

__all__ = [
    "DEV_ONLY_WARNING",
    "ENDPOINT_NOT_SUPPORTED",
    "MINIMUM_DOCKER_MAJOR_VERSION",
    "RECOMMENDED_MEMORY_BYTES",
    "check_docker_engine",
    "eksa_setup_and_validate_create",
    "eksa_validate_config",
    "validate_control_plane_endpoint",
]

DEV_ONLY_WARNING = "Warning: The docker infrastructure provider is meant for local development and testing only"
ENDPOINT_NOT_SUPPORTED = "specifying endpoint host configuration in Cluster is not supported"
MINIMUM_DOCKER_MAJOR_VERSION = 20
RECOMMENDED_MEMORY_BYTES = 6_200_000_000
MEMORY_WARNING = ("Warning: recommended memory to be allocated for Docker is 6 GB, please be aware that not "
                  "allocating enough memory can cause problems while cluster creation")


def _v(level: int) -> int:
    """Python logging level of EKS-A's ``logger.V(level)``."""
    return logging.INFO - level


def _is_docker(cluster: Cluster) -> bool:
    return cluster.datacenter_kind() == DockerDatacenterConfig.KIND


def validate_control_plane_endpoint(cluster: Cluster) -> list[SpecError]:
    """The endpoint rule: a Docker cluster must not set ``controlPlaneConfiguration.endpoint``."""
    cp = cluster.spec.control_plane_configuration
    if cp is not None and cp.endpoint is not None:
        field = "spec.controlPlaneConfiguration.endpoint.host" if cp.endpoint.host is not None \
            else "spec.controlPlaneConfiguration.endpoint"
        return [SpecError(ENDPOINT_NOT_SUPPORTED, kind=Cluster.KIND, name=cluster.name, field=field)]
    return []


@hookimpl
def eksa_validate_config(config: ClusterConfig) -> list[SpecError] | None:
    """Static rules of a Docker spec (see the module docstring)."""
    if not config.has_cluster() or not _is_docker(config.cluster):
        return None
    return validate_control_plane_endpoint(config.cluster)


def check_docker_engine(engine: DockerEngine, log: logging.Logger) -> None:
    """Check the Docker engine the cluster will run on, as EKS Anywhere does before a create.

    :raises SpecError: the client is older than Docker 20 ("minimum requirements for docker version have not
        been met. Install Docker version 20.x.x or above") or the engine cannot be reached.
    """
    try:
        major = engine.client_major_version()
    except DockerError as exc:
        raise SpecError(f"failed to validate docker: {exc}") from None
    if major < MINIMUM_DOCKER_MAJOR_VERSION:
        raise SpecError("failed to validate docker: minimum requirements for docker version have not been met. "
                        f"Install Docker version {MINIMUM_DOCKER_MAJOR_VERSION}.x.x or above")
    try:
        info = engine.info()
    except DockerError as exc:
        raise SpecError(f"failed to validate docker: {exc}") from None
    memory = info.get("MemTotal")
    if isinstance(memory, int) and not isinstance(memory, bool):
        if memory < RECOMMENDED_MEMORY_BYTES:
            log.log(_v(3), MEMORY_WARNING)
    else:
        log.error("Failed to validate docker memory: error while reading memory allocated to Docker")
    log.log(_v(4), "Docker engine %s (cgroup driver %s, cgroup v%s, %s bytes of memory)",
            info.get("ServerVersion", "?"), info.get("CgroupDriver", "?"), info.get("CgroupVersion", "?"),
            memory if memory is not None else "?")


@hookimpl
def eksa_setup_and_validate_create(spec: Spec, context: HookContext) -> None:
    """Before a create: the dev-only warning, the endpoint rule, the Docker engine checks (not in a dry run)."""
    if not _is_docker(spec.cluster):
        return
    context.log.info(DEV_ONLY_WARNING)
    errors = [spec.config.locate(e) for e in validate_control_plane_endpoint(spec.cluster)]
    if errors:
        raise SpecErrors(errors, summary="the docker provider cannot create this cluster")
    if context.dry_run:
        context.record("check-docker-engine", minimum_major_version=MINIMUM_DOCKER_MAJOR_VERSION)
        return
    try:
        check_docker_engine(engine_for(context), context.log)
    except SpecError as exc:
        raise SpecErrors([exc], summary="the docker provider cannot create this cluster") from None
