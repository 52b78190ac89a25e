"""The bare metal (Tinkerbell) kinds: ``TinkerbellDatacenterConfig``, ``TinkerbellMachineConfig`` and
``TinkerbellTemplateConfig``.

Wire names follow EKS Anywhere exactly, including the Tinkerbell workflow keys of a template
(``global_timeout``, ``on-timeout``, ``on-failure``) that are not camelCase.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models.base import DatacenterConfigObject, EksaObject, MachineConfigObject, Ref, UserConfiguration
from eksa_core.models.hostos import HostOSConfiguration
from eksa_core.provider import field

__all__ = [
    "ALL_KINDS",
    "DATACENTER_KIND",
    "MACHINE_KIND",
    "TEMPLATE_KIND",
    "Action",
    "HardwareAffinity",
    "HardwareAffinityTerm",
    "LabelSelector",
    "LabelSelectorRequirement",
    "Task",
    "TinkerbellDatacenterConfig",
    "TinkerbellDatacenterConfigSpec",
    "TinkerbellMachineConfig",
    "TinkerbellMachineConfigSpec",
    "TinkerbellTemplateConfig",
    "TinkerbellTemplateConfigSpec",
    "WeightedHardwareAffinityTerm",
    "Workflow",
]

DATACENTER_KIND = "TinkerbellDatacenterConfig"
MACHINE_KIND = "TinkerbellMachineConfig"
TEMPLATE_KIND = "TinkerbellTemplateConfig"


# ---------------------------------------------------------------------------------------------------------------
# TinkerbellDatacenterConfig
# ---------------------------------------------------------------------------------------------------------------


@attrs.define
class TinkerbellDatacenterConfigSpec:
    """``TinkerbellDatacenterConfig.spec``.

    :ivar tinkerbell_ip: the IP the Tinkerbell stack (DHCP, iPXE, tink-server, metadata) is served on.
    :ivar os_image_url: OS image every machine streams to disk (overridable per machine config).
    :ivar hook_images_url_path: where HookOS kernel/initramfs are served from (a locally hosted mirror).
    :ivar iso_boot: boot machines from the HookOS ISO through the BMC instead of PXE.
    :ivar hook_iso_url: the HookOS ISO URL (only with ``isoBoot: true``).
    """

    tinkerbell_ip: str | None = field(wire="tinkerbellIP")
    os_image_url: str | None = field(wire="osImageURL")
    hook_images_url_path: str | None = field(wire="hookImagesURLPath")
    skip_load_balancer_deployment: bool | None = field()
    load_balancer_interface: str | None = field()
    iso_boot: bool | None = field()
    hook_iso_url: str | None = field(wire="hookIsoURL")


@attrs.define(kw_only=True)
class TinkerbellDatacenterConfig(DatacenterConfigObject):
    """Where a bare metal cluster's Tinkerbell stack lives."""

    KIND: ClassVar[str] = DATACENTER_KIND
    spec: TinkerbellDatacenterConfigSpec = field(factory=TinkerbellDatacenterConfigSpec)
    status: dict[str, Any] | None = field()


# ---------------------------------------------------------------------------------------------------------------
# TinkerbellMachineConfig
# ---------------------------------------------------------------------------------------------------------------


@attrs.define
class LabelSelectorRequirement:
    """One ``matchExpressions`` entry of a Kubernetes label selector."""

    key: str | None = field()
    operator: str | None = field()
    values: list[str] | None = field()


@attrs.define
class LabelSelector:
    """A Kubernetes ``metav1.LabelSelector``."""

    match_labels: dict[str, str] | None = field()
    match_expressions: list[LabelSelectorRequirement] | None = field()


@attrs.define
class HardwareAffinityTerm:
    """A hardware label selector (``required`` entries and ``preferred[].hardwareAffinityTerm``)."""

    label_selector: LabelSelector | None = field()


@attrs.define
class WeightedHardwareAffinityTerm:
    """A preferred affinity term with a weight between 1 and 100."""

    weight: int | None = field()
    hardware_affinity_term: HardwareAffinityTerm | None = field()


@attrs.define
class HardwareAffinity:
    """``hardwareAffinity``: required and preferred hardware selectors (the richer form of
    ``hardwareSelector``)."""

    required: list[HardwareAffinityTerm] | None = field()
    preferred: list[WeightedHardwareAffinityTerm] | None = field()


@attrs.define
class TinkerbellMachineConfigSpec:
    """``TinkerbellMachineConfig.spec``."""

    hardware_selector: dict[str, str] | None = field()
    hardware_affinity: HardwareAffinity | None = field()
    template_ref: Ref | None = field()
    os_family: str | None = field()
    os_image_url: str | None = field(wire="osImageURL")
    users: list[UserConfiguration] | None = field()
    host_os_configuration: HostOSConfiguration | None = field(wire="hostOSConfiguration")


@attrs.define(kw_only=True)
class TinkerbellMachineConfig(MachineConfigObject):
    """Which hardware a machine group runs on, and the OS it gets."""

    KIND: ClassVar[str] = MACHINE_KIND
    spec: TinkerbellMachineConfigSpec = field(factory=TinkerbellMachineConfigSpec)
    status: dict[str, Any] | None = field()


# ---------------------------------------------------------------------------------------------------------------
# TinkerbellTemplateConfig
# ---------------------------------------------------------------------------------------------------------------


@attrs.define
class Action:
    """One step of a Tinkerbell task: a container image run on the machine being provisioned."""

    name: str | None = field()
    image: str | None = field()
    timeout: int | None = field()
    command: list[str] | None = field()
    on_timeout: list[str] | None = field(wire="on-timeout")
    on_failure: list[str] | None = field(wire="on-failure")
    volumes: list[str] | None = field()
    environment: dict[str, str] | None = field()
    pid: str | None = field()


@attrs.define
class Task:
    """A Tinkerbell task: actions run by one worker (``{{.device_1}}``)."""

    name: str | None = field()
    worker: str | None = field()
    volumes: list[str] | None = field()
    environment: dict[str, str] | None = field()
    actions: list[Action] | None = field()


@attrs.define
class Workflow:
    """A Tinkerbell workflow template (``spec.template``)."""

    version: str | None = field()
    name: str | None = field()
    id: str | None = field()
    global_timeout: int | None = field(wire="global_timeout")
    tasks: list[Task] | None = field()


@attrs.define
class TinkerbellTemplateConfigSpec:
    """``TinkerbellTemplateConfig.spec``."""

    template: Workflow | None = field()


@attrs.define(kw_only=True)
class TinkerbellTemplateConfig(EksaObject):
    """A custom provisioning workflow referenced by a machine config's ``templateRef``."""

    KIND: ClassVar[str] = TEMPLATE_KIND
    spec: TinkerbellTemplateConfigSpec = field(factory=TinkerbellTemplateConfigSpec)
    status: dict[str, Any] | None = field()


ALL_KINDS: tuple[type[EksaObject], ...] = (TinkerbellDatacenterConfig, TinkerbellMachineConfig,
                                           TinkerbellTemplateConfig)
"""Every kind the provider registers."""
