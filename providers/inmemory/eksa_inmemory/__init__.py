"""eksa provider for Cluster API's in-memory backend: clusters whose machines exist only in CAPD's memory.

CAPD (the Cluster API Docker provider) carries an in-memory backend since Cluster API v1.10: ``DevCluster`` and
``DevMachine`` objects with ``backend.inMemory`` make it simulate the machines, a control plane endpoint, the
static pods of API server and etcd, a Node per machine and an etcd endpoint, so that Cluster API's kubeadm control
plane and MachineDeployments reach their ready states without any infrastructure. Meant for local development and
tests of the lifecycle against real Cluster API controllers only. The plugin module registered in the
``eksa.providers`` entry-point group is :mod:`eksa_inmemory.plugin`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import (
        InMemoryDatacenterConfig,
        InMemoryDatacenterConfigSpec,
        InMemoryMachineConfig,
        InMemoryMachineConfigSpec,
    )

__version__ = "0.1.0"

__all__ = [
    "InMemoryDatacenterConfig",
    "InMemoryDatacenterConfigSpec",
    "InMemoryMachineConfig",
    "InMemoryMachineConfigSpec",
    "__version__",
]

_LAZY = {
    "InMemoryDatacenterConfig": ".models",
    "InMemoryDatacenterConfigSpec": ".models",
    "InMemoryMachineConfig": ".models",
    "InMemoryMachineConfigSpec": ".models",
}
"""Where each exported name is defined: loaded on first use, so discovering the provider imports none of it."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
