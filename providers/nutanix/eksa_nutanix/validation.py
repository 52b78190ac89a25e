"""Defaults, static validation and Prism Central (live) validation of the Nutanix kinds.

* :func:`set_datacenter_defaults` / :func:`set_machine_config_defaults` — EKS-A's ``SetDefaults``.
* :func:`datacenter_errors` / :func:`machine_config_errors` — EKS-A's ``Validate()`` of each kind, every problem
  as a :class:`~eksa_core.errors.SpecError` with kind, name and field.
* :func:`validate_datacenter` — EKS-A's ``Validator.ValidateDatacenterConfig``: endpoint/port, credentialRef,
  trust bundle, ``ccmExcludeNodeIPs``, then Prism Central: credentials (``/users/me``) and every failure domain's
  cluster and subnets.
* :func:`validate_machine_config` — the machine checks against Prism Central (cluster, subnet, image and its
  Kubernetes version, project, categories).
* The hooks ``eksa_set_defaults``, ``eksa_validate_config``, ``eksa_setup_and_validate_{create,upgrade,delete}``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.models.base import Ref, UserConfiguration

from .client import (
    NutanixSettings,
    PrismClient,
    PrismError,
    entity_name,
    find_cluster_uuid,
    find_image,
    find_project_uuid,
    find_subnet_uuid,
)
from .models import (
    BOOT_TYPES,
    DEFAULT_CREDENTIALS_NAME,
    DEFAULT_MEMORY_SIZE,
    DEFAULT_PORT,
    DEFAULT_SYSTEM_DISK_SIZE,
    DEFAULT_USER,
    DEFAULT_VCPU_SOCKETS,
    DEFAULT_VCPUS_PER_SOCKET,
    GPU_DEVICE_ID,
    GPU_NAME,
    GPU_TYPES,
    IDENTIFIER_NAME,
    IDENTIFIER_TYPES,
    IDENTIFIER_UUID,
    OS_FAMILIES,
    NutanixDatacenterConfig,
    NutanixMachineConfig,
    NutanixResourceIdentifier,
)
from .quantity import InvalidQuantity, parse_quantity

if TYPE_CHECKING:
    from eksa_core.models.cluster import Cluster
    from eksa_core.provider import ClusterConfig, HookContext, Spec

__all__ = [
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "INSECURE_WARNING",
    "client_from_env",
    "datacenter_errors",
    "machine_config_errors",
    "set_datacenter_defaults",
    "set_machine_config_defaults",
    "validate_ccm_exclude_node_ips",
    "validate_datacenter",
    "validate_machine_config",
]

log = logging.getLogger("eksa.nutanix")

ENV_USERNAME = "EKSA_NUTANIX_USERNAME"
ENV_PASSWORD = "EKSA_NUTANIX_PASSWORD"
INSECURE_WARNING = ("Warning: Skipping TLS validation for insecure connection to Nutanix Prism Central; "
                    "this is not recommended for production use")

MIN_VCPU_SOCKETS = 1
MIN_VCPUS_PER_SOCKET = 1
MIN_MEMORY_MIB = 2048
MIN_DISK_GIB = 20

_DC = NutanixDatacenterConfig.KIND
_MC = NutanixMachineConfig.KIND
_FAILURE_DOMAIN_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


# ---------------------------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------------------------


def set_datacenter_defaults(dc: NutanixDatacenterConfig) -> None:
    """Port 9440 and ``credentialRef {kind: Secret, name: nutanix-credentials}`` when absent."""
    if not dc.spec.port:
        dc.spec.port = DEFAULT_PORT
    if dc.spec.credential_ref is None:
        dc.spec.credential_ref = Ref(kind="Secret", name=DEFAULT_CREDENTIALS_NAME)


def set_machine_config_defaults(mc: NutanixMachineConfig) -> None:
    """User ``eksa`` with an empty key placeholder (filled by SSH key generation), osFamily ``ubuntu``, boot type
    ``legacy`` and the generated sizes (1 vCPU per socket, 2 sockets, 4Gi memory, 40Gi disk) when absent."""
    spec = mc.spec
    if not spec.users:
        spec.users = [UserConfiguration(name=DEFAULT_USER, ssh_authorized_keys=[""])]
    first = spec.users[0]
    if not first.name:
        first.name = DEFAULT_USER
    if not first.ssh_authorized_keys:
        first.ssh_authorized_keys = [""]
    if not spec.os_family:
        spec.os_family = "ubuntu"
    if not spec.boot_type:
        spec.boot_type = "legacy"
    if spec.vcpus_per_socket is None:
        spec.vcpus_per_socket = DEFAULT_VCPUS_PER_SOCKET
    if spec.vcpu_sockets is None:
        spec.vcpu_sockets = DEFAULT_VCPU_SOCKETS
    if spec.memory_size is None:
        spec.memory_size = DEFAULT_MEMORY_SIZE
    if spec.system_disk_size is None:
        spec.system_disk_size = DEFAULT_SYSTEM_DISK_SIZE


@hookimpl
def eksa_set_defaults(config: ClusterConfig) -> None:
    """Default every Nutanix datacenter and machine config of the spec."""
    for dc in config.of_kind(NutanixDatacenterConfig):
        set_datacenter_defaults(dc)
    for mc in config.of_kind(NutanixMachineConfig):
        set_machine_config_defaults(mc)


# ---------------------------------------------------------------------------------------------------------------
# Static validation
# ---------------------------------------------------------------------------------------------------------------


def _identifier_problem(ident: NutanixResourceIdentifier | None, resource: str, owner: str) -> str | None:
    ident = ident or NutanixResourceIdentifier()
    if ident.type not in IDENTIFIER_TYPES:
        return f"invalid identifier type for {resource}: {ident.type or ''}"
    if ident.type == IDENTIFIER_NAME and not ident.name:
        return f"missing {resource} name: {owner}"
    if ident.type == IDENTIFIER_UUID and not ident.uuid:
        return f"missing {resource} UUID: {owner}"
    return None


def trust_bundle_problem(bundle: str) -> str | None:
    """Why a PEM trust bundle is not usable (``None`` when every block is a parseable X.509 certificate)."""
    blocks = _PEM.findall(bundle)
    if not blocks:
        return "could not find a PEM block in the certificate"
    for label, body in blocks:
        if label != "CERTIFICATE":
            return f"x509: PEM block of type {label} is not a certificate"
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            return "x509: malformed base64 in PEM block"
        import ssl  # loaded when a trust bundle is checked, not with the plugin

        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=der)
        except ssl.SSLError as exc:
            return f"x509: malformed certificate ({exc.reason or exc})"
    return None


def validate_ccm_exclude_node_ips(values: list[str]) -> list[tuple[int, str]]:
    """Problems of ``ccmExcludeNodeIPs`` entries (an IP, a CIDR or an ``a-b`` range): ``(index, message)``."""
    out: list[tuple[int, str]] = []
    for index, entry in enumerate(values):
        if "/" in entry:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                out.append((index, f"invalid CIDR {entry}"))
        elif "-" in entry:
            parts = entry.split("-")
            if len(parts) != 2:
                out.append((index, f"invalid IP range {entry}"))
                continue
            try:
                start, end = ipaddress.ip_address(parts[0].strip()), ipaddress.ip_address(parts[1].strip())
            except ValueError:
                out.append((index, f"invalid IP range {entry}"))
                continue
            if start.version != end.version:
                out.append((index, f"invalid IP range {entry}"))
            elif int(start) > int(end):
                out.append((index, f"start IP address {start} is greater than end IP address {end}"))
        else:
            try:
                ipaddress.ip_address(entry.strip())
            except ValueError:
                out.append((index, f"invalid IP address {entry}"))
    return out


def datacenter_errors(dc: NutanixDatacenterConfig) -> list[SpecError]:
    """EKS-A's ``NutanixDatacenterConfig.Validate()``: every problem of the document."""
    spec = dc.spec
    errors: list[SpecError] = []

    def err(message: str, field: str) -> None:
        errors.append(SpecError(message, kind=_DC, name=dc.name, field=field))

    if not spec.endpoint:
        err("NutanixDatacenterConfig endpoint is not set or is empty", "spec.endpoint")
    if not spec.port:
        err("NutanixDatacenterConfig port is not set or is empty", "spec.port")
    elif not 1 <= spec.port <= 65535:
        err(f"nutanix prism central port {spec.port} out of range", "spec.port")
    if spec.additional_trust_bundle:
        problem = trust_bundle_problem(spec.additional_trust_bundle)
        if problem:
            err(f"NutanixDatacenterConfig additionalTrustBundle is not valid: {problem}", "spec.additionalTrustBundle")
    ref = spec.credential_ref
    if ref is not None:
        if ref.kind != "Secret":
            err(f"NutanixDatacenterConfig credentialRef Kind ({ref.kind or ''}) is not a secret",
                "spec.credentialRef.kind")
        if not ref.name:
            err("NutanixDatacenterConfig credentialRef name is not set or is empty", "spec.credentialRef.name")
    owner = f"{dc.namespace or 'default'}/{dc.name}"
    names: set[str] = set()
    for i, fd in enumerate(dc.failure_domains()):
        path = f"spec.failureDomains[{i}]"
        if not fd.name:
            err(f"NutanixDatacenterConfig.Spec.FailureDomains.Name: missing failure domain name: {owner}",
                f"{path}.name")
        elif fd.name in names:
            err(f"NutanixDatacenterConfig.Spec.FailureDomains.Name: duplicate failure domain name {fd.name}: "
                f"{owner}", f"{path}.name")
        names.add(fd.name or "")
        problem = _identifier_problem(fd.cluster, "cluster", owner)
        if problem:
            err(f"NutanixDatacenterConfig.Spec.FailureDomains.Cluster: {problem}", f"{path}.cluster")
        if not fd.subnets:
            err(f"NutanixDatacenterConfig.Spec.FailureDomains.Subnets: missing subnets: {owner}", f"{path}.subnets")
        for j, subnet in enumerate(fd.subnets or []):
            problem = _identifier_problem(subnet, "subnet", owner)
            if problem:
                err(f"NutanixDatacenterConfig.Spec.FailureDomains.Subnets: {problem}", f"{path}.subnets[{j}]")
    for index, message in validate_ccm_exclude_node_ips(list(spec.ccm_exclude_node_ips or [])):
        err(message, f"spec.ccmExcludeNodeIPs[{index}]")
    return errors


def _quantity(text: str | int | None, label: str, field: str, errors: list[SpecError], mc: NutanixMachineConfig) -> Any:
    try:
        return parse_quantity(str(text) if text is not None else "0")
    except InvalidQuantity as exc:
        errors.append(SpecError(f"NutanixMachineConfig: invalid {label} {text}: {exc}", kind=_MC, name=mc.name,
                                field=field))
        return None


def machine_config_errors(mc: NutanixMachineConfig) -> list[SpecError]:
    """EKS-A's ``NutanixMachineConfig.Validate()``: every problem of the document."""
    spec = mc.spec
    errors: list[SpecError] = []

    def err(message: str, field: str) -> None:
        errors.append(SpecError(message, kind=_MC, name=mc.name, field=field))

    for resource, ident in (("subnet", spec.subnet), ("cluster", spec.cluster), ("image", spec.image)):
        problem = _identifier_problem(ident, resource, mc.name)
        if problem:
            err(f"NutanixMachineConfig: {problem}", f"spec.{resource}")
    if spec.project is not None:
        problem = _identifier_problem(spec.project, "project", mc.name)
        if problem:
            err(f"NutanixMachineConfig: {problem}", "spec.project")
    if (spec.vcpu_sockets or 0) < MIN_VCPU_SOCKETS:
        err(f"NutanixMachineConfig: vcpu sockets must be greater than or equal to {MIN_VCPU_SOCKETS}",
            "spec.vcpuSockets")
    if (spec.vcpus_per_socket or 0) < MIN_VCPUS_PER_SOCKET:
        err(f"NutanixMachineConfig: vcpu per socket must be greater than or equal to {MIN_VCPUS_PER_SOCKET}",
            "spec.vcpusPerSocket")
    memory = _quantity(spec.memory_size, "memorySize", "spec.memorySize", errors, mc)
    if memory is not None and memory < MIN_MEMORY_MIB * 2**20:
        err(f"NutanixMachineConfig: memory size must be greater than or equal to {MIN_MEMORY_MIB}Mi",
            "spec.memorySize")
    disk = _quantity(spec.system_disk_size, "systemDiskSize", "spec.systemDiskSize", errors, mc)
    if disk is not None and disk < MIN_DISK_GIB * 2**30:
        err(f"NutanixMachineConfig: system disk size must be greater than or equal to {MIN_DISK_GIB}Gi",
            "spec.systemDiskSize")
    if spec.os_family not in OS_FAMILIES:
        err(f"NutanixMachineConfig: unsupported spec.osFamily ({spec.os_family or ''}); Please use one of the "
            f"following: {', '.join(OS_FAMILIES)}", "spec.osFamily")
    if not spec.users:
        err(f"NutanixMachineConfig: missing spec.Users: {mc.name}", "spec.users")
    elif not spec.users[0].name:
        err(f"NutanixMachineConfig: missing spec.Users[0].Name: {mc.name}", "spec.users[0].name")
    if spec.boot_type and spec.boot_type not in BOOT_TYPES:
        err(f"NutanixMachineConfig: boot type {spec.boot_type} is not supported; valid boot types are: "
            f"{', '.join(BOOT_TYPES)}", "spec.bootType")
    for i, gpu in enumerate(spec.gpus or []):
        path = f"spec.gpus[{i}]"
        if not gpu.type:
            err("NutanixMachineConfig: missing GPU type", f"{path}.type")
        elif gpu.type not in GPU_TYPES:
            err(f'NutanixMachineConfig: invalid GPU identifier type: {gpu.type}; valid types are: '
                f'"{GPU_DEVICE_ID}" and "{GPU_NAME}"', f"{path}.type")
        elif gpu.type == GPU_DEVICE_ID and gpu.device_id is None:
            err("NutanixMachineConfig: missing GPU device ID", f"{path}.deviceID")
        elif gpu.type == GPU_NAME and not gpu.name:
            err("NutanixMachineConfig: missing GPU name", f"{path}.name")
    for i, category in enumerate(spec.additional_categories or []):
        if not category.key:
            err("NutanixMachineConfig: missing category key", f"spec.additionalCategories[{i}].key")
        if not category.value:
            err("NutanixMachineConfig: missing category value", f"spec.additionalCategories[{i}].value")
    return errors


@hookimpl
def eksa_validate_config(config: ClusterConfig) -> list[SpecError]:
    """Static validation of every Nutanix document."""
    errors: list[SpecError] = []
    for dc in config.of_kind(NutanixDatacenterConfig):
        errors += datacenter_errors(dc)
    for mc in config.of_kind(NutanixMachineConfig):
        errors += machine_config_errors(mc)
    return errors


# ---------------------------------------------------------------------------------------------------------------
# Prism Central (live) validation
# ---------------------------------------------------------------------------------------------------------------


def validate_datacenter(dc: NutanixDatacenterConfig, cluster: Cluster, client: PrismClient) -> None:
    """EKS-A's ``ValidateDatacenterConfig``. Raises :class:`SpecErrors` listing every problem.

    Checks that need nothing but the documents come first and stop the validation before Prism Central is
    contacted; then the credentials (``GetCurrentLoggedInUser``) and each failure domain's cluster and subnets.
    """
    spec = dc.spec
    errors: list[SpecError] = []

    def err(message: str, field: str | None) -> None:
        errors.append(SpecError(message, kind=_DC, name=dc.name, field=field))

    if spec.insecure:
        log.warning(INSECURE_WARNING)
    if not spec.endpoint:
        err("nutanix prism central endpoint must be provided", "spec.endpoint")
    port = spec.port or 0
    if not 1 <= port <= 65535:
        err(f"nutanix prism central port {port} out of range", "spec.port")
    ref = spec.credential_ref
    if ref is None:
        err("credentialRef must be provided", "spec.credentialRef")
    elif ref.kind != "Secret":
        err("credentialRef kind must be Secret", "spec.credentialRef.kind")
    elif not ref.name:
        err("credentialRef name must be provided", "spec.credentialRef.name")
    if spec.additional_trust_bundle:
        problem = trust_bundle_problem(spec.additional_trust_bundle)
        if problem:
            err(f"NutanixDatacenterConfig additionalTrustBundle is not valid: {problem}", "spec.additionalTrustBundle")
    groups = {g.name for g in cluster.worker_groups()}
    for i, fd in enumerate(dc.failure_domains()):
        if not _FAILURE_DOMAIN_NAME.match(fd.name or ""):
            err("failure domain name should contains only small letters, digits, and hyphens. "
                "It should start with small letter or digit", f"spec.failureDomains[{i}].name")
        for j, group in enumerate(fd.worker_machine_groups or []):
            if group not in groups:
                err(f"worker machine group {group} not found in the cluster worker node group definitions",
                    f"spec.failureDomains[{i}].workerMachineGroups[{j}]")
    for index, message in validate_ccm_exclude_node_ips(list(spec.ccm_exclude_node_ips or [])):
        err(message, f"spec.ccmExcludeNodeIPs[{index}]")
    SpecErrors.raise_if_any(errors, summary="NutanixDatacenterConfig validation failed")

    try:
        client.get_current_logged_in_user()
    except PrismError as exc:
        err(f"failed to validate the Nutanix credentials: {exc}", "spec.credentialRef")
        SpecErrors.raise_if_any(errors, summary="NutanixDatacenterConfig validation failed")

    for i, fd in enumerate(dc.failure_domains()):
        path = f"spec.failureDomains[{i}]"
        try:
            cluster_uuid = find_cluster_uuid(client, fd.cluster or NutanixResourceIdentifier())
        except PrismError as exc:
            err(str(exc), f"{path}.cluster")
            continue
        for j, subnet in enumerate(fd.subnets or []):
            try:
                find_subnet_uuid(client, subnet, cluster_uuid)
            except PrismError as exc:
                err(str(exc), f"{path}.subnets[{j}]")
    SpecErrors.raise_if_any(errors, summary="NutanixDatacenterConfig validation failed")


def _kube_version_in(name: str, version: str) -> bool:
    variants = {version, version.replace(".", "-"), version.replace(".", "_"), version.replace(".", "")}
    return any(v and v in name for v in variants)


def validate_machine_config(mc: NutanixMachineConfig, client: PrismClient, kubernetes_version: str | None,
                            *, control_plane: bool = False) -> list[SpecError]:
    """Resolve a machine config's cluster, subnet, image, project and categories on Prism Central.

    The image name must contain the Kubernetes version (``1.30``, ``1-30``, ``1_30`` or ``130``). GPUs on a
    control plane machine are rejected.
    """
    spec = mc.spec
    errors: list[SpecError] = []

    def err(message: str, field: str) -> None:
        errors.append(SpecError(message, kind=_MC, name=mc.name, field=field))

    if control_plane and spec.gpus:
        err("GPUs are not supported for control plane machine", "spec.gpus")
    cluster_uuid = ""
    try:
        cluster_uuid = find_cluster_uuid(client, spec.cluster or NutanixResourceIdentifier())
    except PrismError as exc:
        err(str(exc), "spec.cluster")
    if cluster_uuid:
        try:
            find_subnet_uuid(client, spec.subnet or NutanixResourceIdentifier(), cluster_uuid)
        except PrismError as exc:
            err(str(exc), "spec.subnet")
    try:
        image = find_image(client, spec.image or NutanixResourceIdentifier())
    except PrismError as exc:
        err(str(exc), "spec.image")
    else:
        name = entity_name(image)
        if kubernetes_version and not _kube_version_in(name, kubernetes_version):
            err(f"missing kube version from the machine config template name: template={name}, "
                f"version={kubernetes_version}", "spec.image")
    if spec.project is not None:
        try:
            find_project_uuid(client, spec.project)
        except PrismError as exc:
            err(str(exc), "spec.project")
    for i, category in enumerate(spec.additional_categories or []):
        try:
            client.get_category_value(category.key or "", category.value or "")
        except PrismError as exc:
            err(f'failed to find category value "{category.value}" for category "{category.key}": {exc}',
                f"spec.additionalCategories[{i}]")
    return errors


def client_from_env(dc: NutanixDatacenterConfig, env: Mapping[str, str]) -> PrismClient:
    """A :class:`PrismClient` for ``dc`` with the credentials of ``EKSA_NUTANIX_USERNAME`` /
    ``EKSA_NUTANIX_PASSWORD``."""
    missing = [key for key in (ENV_USERNAME, ENV_PASSWORD) if not env.get(key)]
    if missing:
        raise SpecErrors([SpecError(f"{key} is not set or is empty") for key in missing],
                         summary="Nutanix credentials are missing")
    return PrismClient(dc.spec.endpoint or "", dc.spec.port or DEFAULT_PORT, username=env[ENV_USERNAME],
                       password=env[ENV_PASSWORD], additional_trust_bundle=dc.spec.additional_trust_bundle,
                       insecure=bool(dc.spec.insecure))


def _datacenter_of(spec: Spec) -> NutanixDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, NutanixDatacenterConfig):
        raise SpecError("yamlop content is invalid or does not contain kind NutanixDatacenterConfig", kind=_DC)
    return dc


def _given_client(context: HookContext) -> PrismClient | None:
    """The Prism client of the context's :class:`~eksa_nutanix.client.NutanixSettings`, if the caller gave one."""
    settings = context.settings(NutanixSettings)
    return settings.prism_client if settings is not None else None


def _client(spec: Spec, context: HookContext) -> PrismClient:
    given = _given_client(context)
    if given is not None:
        return given
    return client_from_env(_datacenter_of(spec), context.env)


def _cluster_spec_errors(cluster: Cluster) -> list[SpecError]:
    errors: list[SpecError] = []
    cp = cluster.spec.control_plane_configuration
    if (cp and cp.upgrade_rollout_strategy) or any(g.upgrade_rollout_strategy for g in cluster.worker_groups()):
        errors.append(SpecError("upgrade rollout strategy customization is not supported for nutanix provider",
                                kind="Cluster", name=cluster.name, field="spec.controlPlaneConfiguration"
                                ".upgradeRolloutStrategy"))
    host = cp.endpoint.host if cp and cp.endpoint else None
    try:
        ipaddress.ip_address(host or "")
    except ValueError:
        errors.append(SpecError(f"cluster controlPlaneConfiguration.Endpoint.Host is invalid: {host or ''}",
                                kind="Cluster", name=cluster.name,
                                field="spec.controlPlaneConfiguration.endpoint.host"))
    return errors


def _validate_spec(spec: Spec, context: HookContext) -> None:
    cluster = spec.cluster
    SpecErrors.raise_if_any(_cluster_spec_errors(cluster), summary="Nutanix cluster spec validation failed")
    dc = _datacenter_of(spec)
    if context.dry_run:  # a dry run contacts nothing: Prism Central checks are planned, not made
        context.record("validate-prism-central", endpoint=dc.spec.endpoint or "",
                       machine_configs=sorted({mc.name for mc in spec.config.of_kind(NutanixMachineConfig)}))
        return
    client = _client(spec, context)
    validate_datacenter(dc, cluster, client)
    errors: list[SpecError] = []
    cp = cluster.spec.control_plane_configuration
    cp_ref = cp.machine_group_ref.name if cp and cp.machine_group_ref else None
    checked: set[str] = set()
    refs: list[tuple[str | None, str | None, bool]] = [(cp_ref, cluster.spec.kubernetes_version, True)]
    etcd = cluster.spec.external_etcd_configuration
    if etcd and etcd.machine_group_ref:
        refs.append((etcd.machine_group_ref.name, cluster.spec.kubernetes_version, False))
    for group in cluster.worker_groups():
        ref = group.machine_group_ref.name if group.machine_group_ref else None
        refs.append((ref, group.kubernetes_version or cluster.spec.kubernetes_version, False))
    for name, version, is_cp in refs:
        mc = spec.config.get(NutanixMachineConfig, name)
        if mc is None:
            errors.append(SpecError(f"cannot find NutanixMachineConfig {name or ''}", kind=_MC, name=name))
            continue
        key = f"{name}/{version}/{is_cp}"
        if key in checked:
            continue
        checked.add(key)
        errors += validate_machine_config(mc, client, version, control_plane=is_cp)
    SpecErrors.raise_if_any(errors, summary="NutanixMachineConfig validation failed")


@hookimpl
def eksa_setup_and_validate_create(spec: Spec, context: HookContext) -> None:
    """Check the spec against Prism Central before a create (EKS-A ``SetupAndValidateCreateCluster``)."""
    log.info("ValidateClusterSpec for Nutanix datacenter")
    _validate_spec(spec, context)


@hookimpl
def eksa_setup_and_validate_upgrade(spec: Spec, current_spec: Spec, context: HookContext) -> None:
    """Check the new spec against Prism Central before an upgrade."""
    _validate_spec(spec, context)


@hookimpl
def eksa_setup_and_validate_delete(spec: Spec, context: HookContext) -> None:
    """A delete needs the Prism Central credentials and no rollout customisation."""
    SpecErrors.raise_if_any(
        [e for e in _cluster_spec_errors(spec.cluster) if "rollout" in e.message],
        summary="Nutanix cluster spec validation failed")
    if _given_client(context) is None:
        client_from_env(_datacenter_of(spec), context.env).close()
