"""Defaults and validation of the CloudStack kinds.

* :func:`set_datacenter_defaults` converts the legacy top-level ``domain`` / ``zones`` / ``account`` /
  ``managementApiEndpoint`` into availability zones ``default-az-<i>`` (``credentialsRef: global``);
  :func:`set_machine_config_defaults` gives machines the user ``capc`` (with an empty key placeholder).
* :func:`datacenter_errors` / :func:`machine_config_errors` are EKS-A's static rules with its messages.
* :func:`validate_credentials` checks the availability zones against the credentials profiles (each
  ``credentialsRef`` names a profile whose ``api-url`` is the zone's ``managementApiEndpoint``).
* :func:`datacenter_update_errors` / :func:`machine_config_update_errors` are the immutability rules of upgrades.
* The setup-and-validate hooks run the live checks of :mod:`eksa_cloudstack.live` against the CloudStack API.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from eksa_core import hookimpl
from eksa_core.errors import SpecError
from eksa_core.models.base import UserConfiguration

from . import live
from .credentials import CloudStackCredentials
from .models import (
    AFFINITY_TYPES,
    DEFAULT_CREDENTIALS_REF,
    DEFAULT_USER,
    CloudStackAvailabilityZone,
    CloudStackDatacenterConfig,
    CloudStackMachineConfig,
)

if TYPE_CHECKING:
    from eksa_core.provider import ClusterConfig, HookContext, Spec

__all__ = [
    "datacenter_errors",
    "datacenter_update_errors",
    "machine_config_errors",
    "machine_config_update_errors",
    "set_datacenter_defaults",
    "set_machine_config_defaults",
    "validate_credentials",
]

_DC = CloudStackDatacenterConfig.KIND
_MC = CloudStackMachineConfig.KIND
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PORTABLE_PATH = re.compile(r"^[A-Za-z0-9/._-]+$")


# ---------------------------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------------------------


def set_datacenter_defaults(dc: CloudStackDatacenterConfig) -> None:
    """Turn the legacy zone fields into availability zones ``default-az-<i>`` and clear them."""
    spec = dc.spec
    if not spec.zones:
        return
    zones = list(spec.availability_zones or [])
    for index, zone in enumerate(spec.zones):
        zones.append(CloudStackAvailabilityZone(
            name=f"default-az-{index}",
            credentials_ref=DEFAULT_CREDENTIALS_REF,
            zone=zone,
            domain=spec.domain,
            account=spec.account,
            management_api_endpoint=spec.management_api_endpoint,
        ))
    spec.availability_zones = zones
    spec.zones = None
    spec.domain = None
    spec.account = None
    spec.management_api_endpoint = None


def set_machine_config_defaults(mc: CloudStackMachineConfig) -> None:
    """User ``capc`` with an empty SSH key placeholder (filled by SSH key generation) when missing."""
    spec = mc.spec
    if not spec.users:
        spec.users = [UserConfiguration(name=DEFAULT_USER, ssh_authorized_keys=[""])]
    if not spec.users[0].name:
        spec.users[0].name = DEFAULT_USER
    if not spec.users[0].ssh_authorized_keys:
        spec.users[0].ssh_authorized_keys = [""]


@hookimpl
def eksa_set_defaults(config: ClusterConfig) -> None:
    """Default every CloudStack datacenter and machine config of the spec."""
    for dc in config.of_kind(CloudStackDatacenterConfig):
        set_datacenter_defaults(dc)
    for mc in config.of_kind(CloudStackMachineConfig):
        set_machine_config_defaults(mc)


# ---------------------------------------------------------------------------------------------------------------
# Static validation
# ---------------------------------------------------------------------------------------------------------------


def _endpoint_problem(url: str | None) -> str | None:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return f"checking management api endpoint: {url or ''} is not a valid url"
    return None


def datacenter_errors(dc: CloudStackDatacenterConfig) -> list[SpecError]:
    """EKS-A's ``CloudStackDatacenterConfig`` field validation (after defaults)."""
    spec = dc.spec
    errors: list[SpecError] = []

    def err(message: str, field: str) -> None:
        errors.append(SpecError(message, kind=_DC, name=dc.name, field=field))

    for value, wire in ((spec.account, "account"), (spec.domain, "domain"),
                        (spec.management_api_endpoint, "managementApiEndpoint"), (spec.zones, "zones")):
        if value:
            err(f"{wire} must be empty", f"spec.{wire}")
    zones = dc.availability_zones()
    if not zones:
        err("availabilityZones must not be empty", "spec.availabilityZones")
    seen: set[str] = set()
    for i, az in enumerate(zones):
        path = f"spec.availabilityZones[{i}]"
        name = az.name or ""
        if name in seen:
            err(f"availabilityZone names must be unique. Duplicate name: {name}", f"{path}.name")
        seen.add(name)
        if not name:
            err("availabilityZone name is not set or is empty", f"{path}.name")
        elif len(name) > 63 or not _LABEL_VALUE.match(name):
            err(f"availabilityZone name {name} is invalid: a valid label must be an empty string or consist of "
                f"alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                f"(at most 63 characters)", f"{path}.name")
        zone = az.zone
        if zone is None or (not zone.id and not zone.name):
            err("zone is not set or is empty", f"{path}.zone")
        if zone is None or zone.network is None or zone.network.is_empty():
            err("zone network is not set or is empty", f"{path}.zone.network")
        if az.management_api_endpoint:
            problem = _endpoint_problem(az.management_api_endpoint)
            if problem:
                err(problem, f"{path}.managementApiEndpoint")
        else:
            err("managementApiEndpoint is not set or is empty", f"{path}.managementApiEndpoint")
    return errors


def machine_config_errors(mc: CloudStackMachineConfig) -> list[SpecError]:
    """EKS-A's ``CloudStackMachineConfig`` validation."""
    spec = mc.spec
    name = mc.name
    errors: list[SpecError] = []

    def err(message: str, field: str) -> None:
        errors.append(SpecError(message, kind=_MC, name=name, field=field))

    if spec.template is None or spec.template.is_empty():
        err(f"template is not set for CloudStackMachineConfig {name}. Default template is not supported in "
            f"CloudStack, please provide a template name or ID", "spec.template")
    if spec.compute_offering is None or spec.compute_offering.is_empty():
        err(f"computeOffering is not set for CloudStackMachineConfig {name}. Default computeOffering is not "
            f"supported in CloudStack, please provide a computeOffering name or ID", "spec.computeOffering")
    if spec.affinity and spec.affinity_group_ids:
        err(f"affinity and affinityGroupIds cannot be set at the same time for CloudStackMachineConfig {name}. "
            f"Please provide either one of them or none", "spec.affinity")
    elif spec.affinity and spec.affinity not in AFFINITY_TYPES:
        err(f'invalid affinity type {spec.affinity} for CloudStackMachineConfig {name}. Please provide "pro", '
            f'"anti" or "no"', "spec.affinity")
    if not spec.users:
        err(f"users is not set for CloudStackMachineConfig {name}, please provide a user", "spec.users")
    elif not spec.users[0].name:
        err(f"users[0].name is not set or is empty for CloudStackMachineConfig {name}", "spec.users[0].name")
    disk = spec.disk_offering
    if disk is not None:
        def bad(field: str, value: object, why: str, path: str | None = None) -> None:
            err(f"machine config {name} validation failed: {field}: {value} invalid, {why}",
                path or f"spec.diskOffering.{field}")

        if disk.id or disk.name:
            if not disk.mount_path or len(disk.mount_path) < 2 or not disk.mount_path.startswith("/"):
                bad("mountPath", disk.mount_path or "", "must be non-empty and starts with /")
            if not disk.filesystem:
                bad("filesystem", "", "empty filesystem")
            if not disk.device:
                bad("device", "", "empty device")
            if not disk.label:
                bad("label", "", "empty label")
        elif disk.mount_path or disk.filesystem or disk.device or disk.label:
            bad("id or name", "", "empty id/name", "spec.diskOffering")  # neither is there to point at
        if disk.custom_size_in_gb is not None and disk.custom_size_in_gb < 0:
            bad("customSizeInGB", disk.custom_size_in_gb, "must be non-negative")
    for key, value in (spec.symlinks or {}).items():
        for part, text in (("key", key), ("value", value)):
            why = None
            if not text.startswith("/"):
                why = f"{part} must start with /"
            elif text.endswith("/") and len(text) > 1 and part == "value":
                why = f"{part} must not end with /"
            elif not _PORTABLE_PATH.match(text):
                why = f"{part} has char not in portable file name set"
            if why:
                err(f"machine config {name} validation failed: symlinks: {key}:{value} invalid, {why}",
                    f"spec.symlinks[{key}]")  # a map key, as a subscript (it holds slashes and dots)
                break
    return errors


@hookimpl
def eksa_validate_config(config: ClusterConfig) -> list[SpecError]:
    """Static validation of every CloudStack document."""
    errors: list[SpecError] = []
    for dc in config.of_kind(CloudStackDatacenterConfig):
        errors += datacenter_errors(dc)
    for mc in config.of_kind(CloudStackMachineConfig):
        errors += machine_config_errors(mc)
    return errors


# ---------------------------------------------------------------------------------------------------------------
# Credentials against the spec, immutability
# ---------------------------------------------------------------------------------------------------------------


def validate_credentials(dc: CloudStackDatacenterConfig, credentials: CloudStackCredentials) -> list[SpecError]:
    """Every availability zone names an existing profile whose ``api-url`` is its ``managementApiEndpoint``."""
    errors: list[SpecError] = []
    for i, az in enumerate(dc.availability_zones()):
        path = f"spec.availabilityZones[{i}]"
        profile = credentials.get(az.credentials_ref)
        if profile is None:
            errors.append(SpecError(
                f"credentialsRef {az.credentials_ref or ''} of availabilityZone {az.name or ''} is not a profile of "
                f"the CloudStack credentials (profiles: {', '.join(credentials.names())})",
                kind=_DC, name=dc.name, field=f"{path}.credentialsRef"))
            continue
        problem = _endpoint_problem(profile.management_url)
        if problem:
            errors.append(SpecError(
                f"CloudStack instance {profile.name}'s managementApiEndpoint {profile.management_url} is invalid: "
                f"{problem}", kind=_DC, name=dc.name, field=f"{path}.credentialsRef"))
        elif profile.management_url != az.management_api_endpoint:
            errors.append(SpecError(
                f"cloudstack secret management url ({profile.management_url}) differs from cluster spec "
                f"management url ({az.management_api_endpoint or ''})",
                kind=_DC, name=dc.name, field=f"{path}.managementApiEndpoint"))
    return errors


def datacenter_update_errors(old: CloudStackDatacenterConfig, new: CloudStackDatacenterConfig) -> list[SpecError]:
    """An availability zone kept across an upgrade may not change, and at least one must be kept."""
    errors: list[SpecError] = []
    new_by_name = {az.name: az for az in new.availability_zones()}
    shared = 0
    for az in old.availability_zones():
        kept = new_by_name.get(az.name)
        if kept is None:
            continue
        shared += 1
        if kept != az:
            errors.append(SpecError(f"availabilityZone {az.name} is immutable", kind=_DC, name=new.name,
                                    field="spec.availabilityZones"))
    if old.availability_zones() and not shared:
        errors.append(SpecError("at least one availabilityZone must be kept when updating availabilityZones",
                                kind=_DC, name=new.name, field="spec.availabilityZones"))
    return errors


def machine_config_update_errors(old: CloudStackMachineConfig, new: CloudStackMachineConfig) -> list[SpecError]:
    """``affinity`` and ``affinityGroupIds`` are immutable."""
    errors: list[SpecError] = []
    if (old.spec.affinity or "") != (new.spec.affinity or ""):
        errors.append(SpecError(f"CloudStackMachineConfig {new.name}: field affinity is immutable", kind=_MC,
                                name=new.name, field="spec.affinity"))
    if list(old.spec.affinity_group_ids or []) != list(new.spec.affinity_group_ids or []):
        errors.append(SpecError(f"CloudStackMachineConfig {new.name}: field affinityGroupIds is immutable",
                                kind=_MC, name=new.name, field="spec.affinityGroupIds"))
    return errors


@hookimpl
def eksa_setup_and_validate_create(spec: Spec, context: HookContext) -> None:
    """Decode the credentials, check the availability zones against them, then check the datacenter, the machine
    configs and the control plane endpoint in CloudStack (see :mod:`eksa_cloudstack.live`)."""
    live.run_setup_and_validate(spec, context, "create")


@hookimpl
def eksa_setup_and_validate_upgrade(spec: Spec, current_spec: Spec, context: HookContext) -> None:
    """As for create (without the endpoint check), plus machine config name uniqueness and, with a management
    cluster kubeconfig, the "secrets unchanged" check."""
    live.run_setup_and_validate(spec, context, "upgrade", current_spec=current_spec)


@hookimpl
def eksa_setup_and_validate_delete(spec: Spec, context: HookContext) -> None:
    """A delete needs readable credentials."""
    live.run_setup_and_validate_delete(spec, context)


@hookimpl
def eksa_validate_new_spec(spec: Spec, current_spec: Spec) -> list[SpecError]:
    """Immutable CloudStack fields of an upgrade."""
    errors: list[SpecError] = []
    old_dc, new_dc = current_spec.datacenter(), spec.datacenter()
    if isinstance(old_dc, CloudStackDatacenterConfig) and isinstance(new_dc, CloudStackDatacenterConfig):
        errors += datacenter_update_errors(old_dc, new_dc)
    for new_mc in spec.config.of_kind(CloudStackMachineConfig):
        old_mc = current_spec.config.get(CloudStackMachineConfig, new_mc.name)
        if isinstance(old_mc, CloudStackMachineConfig):
            errors += machine_config_update_errors(old_mc, new_mc)
    return errors
