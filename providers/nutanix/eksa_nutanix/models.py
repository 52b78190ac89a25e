"""The Nutanix kinds ``NutanixDatacenterConfig`` and ``NutanixMachineConfig`` (``anywhere.eks.amazonaws.com``).

Wire names follow EKS Anywhere exactly (``vcpusPerSocket``, ``ccmExcludeNodeIPs``, ``deviceID``...). Every attribute
defaults to ``None`` = absent from the document, so a spec dumps back as it was written. Quantities
(``memorySize: 4Gi``) stay strings on the model; :mod:`eksa_nutanix.quantity` compares them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models.base import DatacenterConfigObject, MachineConfigObject, Ref, UserConfiguration
from eksa_core.provider import IntOrStr, field

__all__ = [
    "BOOT_TYPES",
    "DEFAULT_CREDENTIALS_NAME",
    "DEFAULT_PORT",
    "DEFAULT_USER",
    "GPU_TYPES",
    "IDENTIFIER_TYPES",
    "OS_FAMILIES",
    "NutanixCategoryIdentifier",
    "NutanixDatacenterConfig",
    "NutanixDatacenterConfigSpec",
    "NutanixDatacenterFailureDomain",
    "NutanixGPUIdentifier",
    "NutanixMachineConfig",
    "NutanixMachineConfigSpec",
    "NutanixResourceIdentifier",
]

IDENTIFIER_NAME = "name"
IDENTIFIER_UUID = "uuid"
IDENTIFIER_TYPES = (IDENTIFIER_NAME, IDENTIFIER_UUID)
"""Values of ``type`` in a resource identifier."""

GPU_DEVICE_ID = "deviceID"
GPU_NAME = "name"
GPU_TYPES = (GPU_DEVICE_ID, GPU_NAME)
"""Values of ``type`` in a GPU identifier."""

BOOT_LEGACY = "legacy"
BOOT_UEFI = "uefi"
BOOT_TYPES = (BOOT_LEGACY, BOOT_UEFI)

OS_FAMILIES = ("ubuntu", "redhat")
"""OS families a Nutanix machine may run."""

DEFAULT_USER = "eksa"
DEFAULT_PORT = 9440
DEFAULT_CREDENTIALS_NAME = "nutanix-credentials"
"""Name of the Secret holding Prism Central credentials when ``credentialRef`` is not given."""

DEFAULT_VCPUS_PER_SOCKET = 1
DEFAULT_VCPU_SOCKETS = 2
DEFAULT_MEMORY_SIZE = "4Gi"
DEFAULT_SYSTEM_DISK_SIZE = "40Gi"


@attrs.define
class NutanixResourceIdentifier:
    """A Prism Central object named by ``name`` or by ``uuid`` (``type`` says which)."""

    type: str | None = field()
    name: str | None = field()
    uuid: str | None = field()

    @classmethod
    def by_name(cls, name: str) -> NutanixResourceIdentifier:
        """An identifier of type ``name``."""
        return cls(type=IDENTIFIER_NAME, name=name)

    @classmethod
    def by_uuid(cls, uuid: str) -> NutanixResourceIdentifier:
        """An identifier of type ``uuid``."""
        return cls(type=IDENTIFIER_UUID, uuid=uuid)

    def describe(self) -> str:
        """``name=<n>`` / ``uuid=<u>`` for messages."""
        if self.type == IDENTIFIER_UUID:
            return f"uuid={self.uuid or ''}"
        return f"name={self.name or ''}"


@attrs.define
class NutanixCategoryIdentifier:
    """A Prism category ``key: value`` attached to the VMs."""

    key: str | None = field()
    value: str | None = field()


@attrs.define
class NutanixGPUIdentifier:
    """A GPU to attach, by PCI ``deviceID`` or by ``name``."""

    type: str | None = field()
    device_id: int | None = field(wire="deviceID")
    name: str | None = field()


@attrs.define
class NutanixDatacenterFailureDomain:
    """One failure domain: a Prism Element cluster and its subnets, optionally pinned to worker groups."""

    name: str | None = field()
    cluster: NutanixResourceIdentifier | None = field()
    subnets: list[NutanixResourceIdentifier] | None = field()
    worker_machine_groups: list[str] | None = field()


@attrs.define
class NutanixDatacenterConfigSpec:
    """``NutanixDatacenterConfig.spec``."""

    endpoint: str | None = field(doc="Prism Central FQDN or IP")
    port: int | None = field()
    additional_trust_bundle: str | None = field(doc="PEM certificates trusted for Prism Central")
    insecure: bool | None = field()
    credential_ref: Ref | None = field(doc="Secret with the Prism Central credentials")
    failure_domains: list[NutanixDatacenterFailureDomain] | None = field()
    ccm_exclude_node_ips: list[str] | None = field(wire="ccmExcludeNodeIPs", doc="IPs, CIDRs or a-b ranges")


@attrs.define(kw_only=True)
class NutanixDatacenterConfig(DatacenterConfigObject):
    """Where a Nutanix cluster lives: the Prism Central endpoint, its credentials and failure domains."""

    KIND: ClassVar[str] = "NutanixDatacenterConfig"

    spec: NutanixDatacenterConfigSpec = field(factory=NutanixDatacenterConfigSpec)
    status: dict[str, Any] | None = field()

    def failure_domains(self) -> list[NutanixDatacenterFailureDomain]:
        """The failure domains (empty list when none)."""
        return list(self.spec.failure_domains or [])


@attrs.define
class NutanixMachineConfigSpec:
    """``NutanixMachineConfig.spec``."""

    os_family: str | None = field()
    users: list[UserConfiguration] | None = field()
    vcpus_per_socket: int | None = field()
    vcpu_sockets: int | None = field()
    memory_size: IntOrStr | None = field(doc="Kubernetes quantity, e.g. 4Gi (a number is bytes)")
    image: NutanixResourceIdentifier | None = field()
    cluster: NutanixResourceIdentifier | None = field(doc="the Prism Element cluster")
    subnet: NutanixResourceIdentifier | None = field()
    project: NutanixResourceIdentifier | None = field()
    system_disk_size: IntOrStr | None = field(doc="Kubernetes quantity, e.g. 40Gi (a number is bytes)")
    additional_categories: list[NutanixCategoryIdentifier] | None = field()
    gpus: list[NutanixGPUIdentifier] | None = field()
    boot_type: str | None = field()


@attrs.define(kw_only=True)
class NutanixMachineConfig(MachineConfigObject):
    """The VMs of one machine group on Nutanix AHV."""

    KIND: ClassVar[str] = "NutanixMachineConfig"

    spec: NutanixMachineConfigSpec = field(factory=NutanixMachineConfigSpec)
    status: dict[str, Any] | None = field()
