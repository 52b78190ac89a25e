"""Live validation of a CloudStack spec against the CloudStack API (EKS-A's ``Validator`` on ``cmk``).

Per availability zone, with the client of its credentials profile (:mod:`eksa_cloudstack.client`):

* the domain (``listDomains`` by the last path element, ``listall``; the one whose ``path`` is ``ROOT/<domain>``),
  the account in that domain (``listAccounts``), the zone by id or name (``listZones``) and the network in the zone
  (``listNetworks``; a name must be unique) — then ``✅ Datacenter validated``;
* per machine config: the template (``listTemplates templatefilter=all listall=true``; its name must contain the
  Kubernetes version of every machine group using the config), the compute offering (``listServiceOfferings``),
  the disk offering (``listDiskOfferings``; a customized offering needs ``customSizeInGB`` > 0, a fixed one must
  not have it) and the affinity group ids (``listAffinityGroups``) — then ``✅ Validated cluster Machine Configs``;
* the control plane endpoint must not answer (``endpoint <host> is already in use``; skipped with the
  ``skip_ip_check`` option or the ``anywhere.eks.amazonaws.com/skip-ip-check`` annotation);
* with a management cluster kubeconfig (``context.management_kubeconfig``): a new workload cluster's
  machine and datacenter configs must not exist there yet, an upgrade's renamed control plane / etcd machine config
  must not exist, and the credentials profiles must equal the Secrets already installed.

Read from the call context: ``skip_ip_check`` (its typed options), the management cluster
(``context.management_kubeconfig``) and the ``client_factory`` of its
:class:`~eksa_cloudstack.settings.CloudStackSettings` (a :data:`ClientFactory`, e.g. to set timeouts or a custom
``requests.Session``).

Unlike EKS-A, which stops at the first failure, every failure is collected into one
:class:`~eksa_core.errors.SpecErrors`, each located at the field it is about. In a dry run nothing is contacted: the
checks that would run are recorded.
"""

from __future__ import annotations

import base64
import binascii
import logging
import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import attrs

from eksa_core.errors import SpecError, SpecErrors
from eksa_core.provider import ClusterHandle, HookContext

from .client import CloudStackAPIError, CloudStackAuthError, CloudStackClient, CloudStackConnectionError
from .credentials import SECRET_NAMESPACE, CloudStackCredentials, CloudStackProfile, credentials_from_env
from .models import (
    CloudStackAvailabilityZone,
    CloudStackDatacenterConfig,
    CloudStackMachineConfig,
    CloudStackResourceIdentifier,
    CloudStackZone,
)
from .settings import CloudStackSettings
from .templates import control_plane_host_port

if TYPE_CHECKING:
    from eksa_core.provider import Spec

__all__ = [
    "EKSA_API_VERSION",
    "SKIP_IP_CHECK_ANNOTATION",
    "ClientFactory",
    "ResolvedZone",
    "endpoint_in_use",
    "existing_objects_errors",
    "kubernetes_versions_by_machine_config",
    "machine_config_name_errors",
    "run_setup_and_validate",
    "run_setup_and_validate_delete",
    "secrets_unchanged_errors",
    "template_matches_kubernetes_version",
    "validate_datacenter",
    "validate_endpoint_uniqueness",
    "validate_machine_configs",
]

logger = logging.getLogger("eksa.cloudstack")

SKIP_IP_CHECK_ANNOTATION = "anywhere.eks.amazonaws.com/skip-ip-check"
EKSA_API_VERSION = "anywhere.eks.amazonaws.com/v1alpha1"
ROOT_DOMAIN = "ROOT"
_DC = CloudStackDatacenterConfig.KIND
_MC = CloudStackMachineConfig.KIND
_ENDPOINT_FIELD = "spec.controlPlaneConfiguration.endpoint.host"

ClientFactory = Callable[[CloudStackProfile], CloudStackClient]
"""Builds the API client of a credentials profile (default :meth:`CloudStackClient.from_profile`)."""

Dial = Callable[[str, int, float], bool]


# ---------------------------------------------------------------------------------------------------------------
# Formatting as EKS-A does (Go's %s of its structs)
# ---------------------------------------------------------------------------------------------------------------


def _go_ident(ident: CloudStackResourceIdentifier | Any | None) -> str:
    if ident is None:
        return "{ }"
    return f"{{{getattr(ident, 'id', None) or ''} {getattr(ident, 'name', None) or ''}}}"


def _go_zone(zone: CloudStackZone | None) -> str:
    if zone is None:
        return "{  { }}"
    return f"{{{zone.id or ''} {zone.name or ''} {_go_ident(zone.network)}}}"


# ---------------------------------------------------------------------------------------------------------------
# Datacenter
# ---------------------------------------------------------------------------------------------------------------


@attrs.define
class ResolvedZone:
    """One availability zone as found in CloudStack: its client and the ids later checks need.

    ``usable`` is false when the zone's endpoint could not be reached or refused the credentials; ``zone_id`` /
    ``domain_id`` are ``None`` when that part was not found.
    """

    index: int
    az: CloudStackAvailabilityZone
    client: CloudStackClient | None
    zone_id: str | None = None
    domain_id: str | None = None
    usable: bool = True
    datacenter: str | None = None

    @property
    def field(self) -> str:
        """``spec.availabilityZones[<i>]``."""
        return f"spec.availabilityZones[{self.index}]"


class _ZoneFailed(Exception):
    """The zone's endpoint cannot be used any more (unreachable or unauthorised)."""


def _call(rz: ResolvedZone, errors: list[SpecError], what: str, kind: str, name: str, field: str,
          fn: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    """Run one API call; API failures become ``getting <what> info - <error>`` at ``field``. An endpoint that is
    unreachable or refuses the keys makes the zone unusable (reported once, at the zone)."""
    try:
        return fn()
    except (CloudStackConnectionError, CloudStackAuthError) as exc:
        rz.usable = False
        where = "credentialsRef" if isinstance(exc, CloudStackAuthError) else "managementApiEndpoint"
        errors.append(SpecError(f"getting {what} info - {exc}", kind=_DC, name=_dc_name(rz),
                                field=f"{rz.field}.{where}"))
        raise _ZoneFailed() from None
    except CloudStackAPIError as exc:
        errors.append(SpecError(f"getting {what} info - {exc}", kind=kind, name=name, field=field))
        return None


def _dc_name(rz: ResolvedZone) -> str | None:
    return rz.datacenter


def _resolve_domain(rz: ResolvedZone, dc: CloudStackDatacenterConfig, errors: list[SpecError]) -> None:
    client, az = rz.client, rz.az
    assert client is not None
    domain = az.domain or ""
    field = f"{rz.field}.domain"
    if not domain:
        return
    name = domain.split("/")[-1]
    found = _call(rz, errors, "domain", _DC, dc.name, field, lambda: client.list_domains(name))
    if found is None:
        return
    if not found:
        errors.append(SpecError(f"domain {domain} not found", kind=_DC, name=dc.name, field=field))
        return
    path = ROOT_DOMAIN if domain == ROOT_DOMAIN else f"{ROOT_DOMAIN}/{domain}"
    match = next((d for d in found if d.get("path") == path), None)
    if match is None:
        errors.append(SpecError(f"domain(s) found for domain name {domain}, but not found a domain with domain "
                                f"path {path}", kind=_DC, name=dc.name, field=field))
        return
    rz.domain_id = str(match.get("id"))


def _check_account(rz: ResolvedZone, dc: CloudStackDatacenterConfig, errors: list[SpecError]) -> None:
    client, az = rz.client, rz.az
    assert client is not None
    if not az.account or rz.domain_id is None:
        return
    field = f"{rz.field}.account"
    domain_id = rz.domain_id
    found = _call(rz, errors, "accounts", _DC, dc.name, field,
                  lambda: client.list_accounts(az.account or "", domainid=domain_id))
    if found is None:
        return
    if len(found) > 1:
        errors.append(SpecError(f"duplicate account {az.account} found", kind=_DC, name=dc.name, field=field))
    elif not found:
        errors.append(SpecError(f"account {az.account} not found", kind=_DC, name=dc.name, field=field))


def _resolve_zone(rz: ResolvedZone, dc: CloudStackDatacenterConfig, errors: list[SpecError]) -> None:
    client, zone = rz.client, rz.az.zone
    assert client is not None
    if zone is None or (not zone.id and not zone.name):
        return  # static validation reports it
    field = f"{rz.field}.zone.{'id' if zone.id else 'name'}"
    found = _call(rz, errors, "zones", _DC, dc.name, field,
                  lambda: client.list_zones(id=zone.id) if zone.id else client.list_zones(name=zone.name))
    if found is None:
        return
    if len(found) > 1:
        errors.append(SpecError(f"duplicate zone {_go_zone(zone)} found", kind=_DC, name=dc.name, field=field))
    elif not found:
        errors.append(SpecError(f"zone {_go_zone(zone)} not found", kind=_DC, name=dc.name, field=field))
    else:
        rz.zone_id = str(found[0].get("id"))


def _check_network(rz: ResolvedZone, dc: CloudStackDatacenterConfig, errors: list[SpecError]) -> None:
    client, zone = rz.client, rz.az.zone
    assert client is not None
    network = zone.network if zone is not None else None
    if rz.zone_id is None or network is None or network.is_empty():
        return
    field = f"{rz.field}.zone.network"
    zone_id, domain_id = rz.zone_id, rz.domain_id
    found = _call(rz, errors, "network", _DC, dc.name, field,
                  lambda: client.list_networks(zoneid=zone_id, id=network.id or None, domainid=domain_id,
                                               account=rz.az.account or None))
    if found is None:
        return
    if network.id:
        found = [n for n in found if str(n.get("id")) == network.id]
    if network.name:
        found = [n for n in found if n.get("name") == network.name]
    if len(found) > 1:
        errors.append(SpecError(f"duplicate network {_go_ident(network)} found", kind=_DC, name=dc.name,
                                field=field))
    elif not found:
        errors.append(SpecError(f"network {_go_ident(network)} not found in zoneRef {zone_id}", kind=_DC,
                                name=dc.name, field=field))


def validate_datacenter(dc: CloudStackDatacenterConfig, credentials: CloudStackCredentials,
                        client_factory: ClientFactory = CloudStackClient.from_profile,
                        ) -> tuple[list[ResolvedZone], list[SpecError]]:
    """Check every availability zone of ``dc`` in CloudStack (domain, account, zone, network).

    :return: the zones as resolved (for the machine config checks) and every problem found. Zones whose
        ``credentialsRef`` names no profile are left out (the credentials check reports them).
    """
    zones: list[ResolvedZone] = []
    errors: list[SpecError] = []
    clients: dict[str, CloudStackClient] = {}
    for index, az in enumerate(dc.availability_zones()):
        profile = credentials.get(az.credentials_ref)
        if profile is None:
            continue
        if profile.name not in clients:
            clients[profile.name] = client_factory(profile)
        rz = ResolvedZone(index=index, az=az, client=clients[profile.name], datacenter=dc.name)
        zones.append(rz)
        try:
            _resolve_domain(rz, dc, errors)
            _check_account(rz, dc, errors)
            _resolve_zone(rz, dc, errors)
            _check_network(rz, dc, errors)
        except _ZoneFailed:
            continue
    return zones, errors


# ---------------------------------------------------------------------------------------------------------------
# Machine configs
# ---------------------------------------------------------------------------------------------------------------


def template_matches_kubernetes_version(template_name: str, kubernetes_version: str) -> bool:
    """EKS-A's rule: with ``-``, ``.`` and ``_`` removed from the template name, it contains the version without
    its dots (``rhel-8-kube-1-28`` and ``kubernetes_1.28`` both match ``1.28``)."""
    squashed = template_name.replace("-", "").replace(".", "").replace("_", "")
    return kubernetes_version.replace(".", "") in squashed


def kubernetes_versions_by_machine_config(spec: Spec) -> dict[str, list[str]]:
    """Machine config name -> the Kubernetes versions of the machine groups using it (control plane and etcd run
    the cluster's version; a worker group its own ``kubernetesVersion`` when set)."""
    cluster = spec.cluster
    version = cluster.spec.kubernetes_version or ""
    out: dict[str, list[str]] = {}

    def add(name: str | None, v: str) -> None:
        if name and v and v not in out.setdefault(name, []):
            out[name].append(v)

    cp = cluster.spec.control_plane_configuration
    add(cp.machine_group_ref.name if cp and cp.machine_group_ref else None, version)
    etcd = cluster.spec.external_etcd_configuration
    add(etcd.machine_group_ref.name if etcd and etcd.machine_group_ref else None, version)
    for group in cluster.worker_groups():
        add(group.machine_group_ref.name if group.machine_group_ref else None, group.kubernetes_version or version)
    return out


def _mc_error(mc: CloudStackMachineConfig, message: str, field: str) -> SpecError:
    return SpecError(f"machine config {mc.name} validation failed: {message}", kind=_MC, name=mc.name, field=field)


def _lookup_one(rz: ResolvedZone, mc: CloudStackMachineConfig, errors: list[SpecError], what: str, field: str,
                fn: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    try:
        return fn()
    except (CloudStackConnectionError, CloudStackAuthError) as exc:
        rz.usable = False
        errors.append(SpecError(f"getting {what} info - {exc}", kind=_DC, name=_dc_name(rz),
                                field=f"{rz.field}.managementApiEndpoint"))
        raise _ZoneFailed() from None
    except CloudStackAPIError as exc:
        errors.append(_mc_error(mc, f"getting {what} info - {exc}", field))
        return None


def _check_machine_in_zone(rz: ResolvedZone, mc: CloudStackMachineConfig, errors: list[SpecError]) -> str | None:
    """The checks of one machine config in one zone; returns the template name found (``None`` if not found)."""
    client = rz.client
    assert client is not None
    spec = mc.spec
    zone_id, domain_id, account = rz.zone_id, rz.domain_id, rz.az.account or None
    template_name: str | None = None

    template = spec.template
    if template is not None and not template.is_empty():
        field = f"spec.template.{'id' if template.id else 'name'}"
        found = _lookup_one(rz, mc, errors, "templates", field, lambda: client.list_templates(
            zoneid=zone_id, id=template.id or None, name=template.name, domainid=domain_id, account=account))
        if found is not None:
            if template.name and not template.id:
                found = [t for t in found if t.get("name") == template.name]
            if len(found) > 1:
                errors.append(_mc_error(mc, f"validating template: duplicate templates {_go_ident(template)} found",
                                        field))
            elif not found:
                errors.append(_mc_error(mc, f"validating template: template {_go_ident(template)} not found",
                                        field))
            else:
                template_name = str(found[0].get("name") or "")

    offering = spec.compute_offering
    if offering is not None and not offering.is_empty():
        field = f"spec.computeOffering.{'id' if offering.id else 'name'}"
        found = _lookup_one(rz, mc, errors, "service offerings", field, lambda: client.list_service_offerings(
            zoneid=zone_id, id=offering.id or None, name=offering.name))
        if found is not None:
            if len(found) > 1:
                errors.append(_mc_error(mc, f"validating service offering: duplicate service offering "
                                            f"{_go_ident(offering)} found", field))
            elif not found:
                errors.append(_mc_error(mc, f"validating service offering: service offering {_go_ident(offering)} "
                                            f"not found", field))

    disk = spec.disk_offering
    if disk is not None and (disk.id or disk.name):
        field = f"spec.diskOffering.{'id' if disk.id else 'name'}"
        found = _lookup_one(rz, mc, errors, "disk offerings", field, lambda: client.list_disk_offerings(
            zoneid=zone_id, id=disk.id or None, name=disk.name))
        if found is not None:
            ident = f"{disk.id or ''}/{disk.name or ''}"
            size = disk.custom_size_in_gb or 0
            if len(found) > 1:
                errors.append(_mc_error(mc, f"validating disk offering: duplicate disk offering ID/Name {ident} "
                                            f"found", field))
            elif not found:
                errors.append(_mc_error(mc, f"validating disk offering: disk offering ID/Name {ident} not found",
                                        field))
            elif _truthy(found[0].get("iscustomized")) and size <= 0:
                errors.append(_mc_error(mc, f"validating disk offering: disk offering size {size} <= 0 for "
                                            f"customized disk offering", "spec.diskOffering.customSizeInGB"))
            elif not _truthy(found[0].get("iscustomized")) and size > 0:
                errors.append(_mc_error(mc, f"validating disk offering: disk offering size {size} > 0 for "
                                            f"non-customized disk offering", "spec.diskOffering.customSizeInGB"))

    for j, group_id in enumerate(spec.affinity_group_ids or []):
        field = f"spec.affinityGroupIds[{j}]"
        found = _lookup_one(rz, mc, errors, "affinity group", field, _affinity_lookup(client, group_id, domain_id,
                                                                                      account))
        if found is None:
            continue
        if len(found) > 1:
            errors.append(_mc_error(mc, f"validating affinity group ids: duplicate affinity group {group_id} found",
                                    field))
        elif not found:
            errors.append(_mc_error(mc, f"validating affinity group ids: affinity group {group_id} not found",
                                    field))
    return template_name


def _affinity_lookup(client: CloudStackClient, group_id: str, domain_id: str | None,
                     account: str | None) -> Callable[[], list[dict[str, Any]]]:
    return lambda: client.list_affinity_groups(id=group_id, domainid=domain_id, account=account)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def validate_machine_configs(spec: Spec, zones: Iterable[ResolvedZone]) -> list[SpecError]:
    """Check every CloudStack machine config of ``spec`` in every resolved zone (template, offerings, affinity
    groups), and that its template name carries the Kubernetes version of each machine group using it."""
    errors: list[SpecError] = []
    versions = kubernetes_versions_by_machine_config(spec)
    usable = [rz for rz in zones if rz.usable and rz.zone_id is not None and rz.client is not None]
    for mc in spec.config.of_kind(CloudStackMachineConfig):
        found_name: str | None = None
        for rz in usable:
            if not rz.usable:
                continue
            try:
                found_name = _check_machine_in_zone(rz, mc, errors) or found_name
            except _ZoneFailed:
                continue
        template = mc.spec.template
        name = (template.name if template is not None else None) or found_name
        if not name:
            continue
        for version in versions.get(mc.name, []):
            if not template_matches_kubernetes_version(name, version):
                errors.append(_mc_error(
                    mc, f"invalid template: cluster kubernetes version is {version} but template for machineconfig "
                        f"{mc.name} is {name}. If the kubernetes version is correct, update the template name to "
                        f"include the kubernetes version, e.g. kubernetes-{version.replace('.', '-')}-eks",
                    "spec.template.name" if template is not None and template.name else "spec.template.id"))
    return errors


# ---------------------------------------------------------------------------------------------------------------
# Control plane endpoint
# ---------------------------------------------------------------------------------------------------------------


def endpoint_in_use(host: str, port: int, timeout: float = 0.5) -> bool:
    """EKS-A's ``IsPortInUse``: a TCP connection to ``host:port`` within ``timeout`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def validate_endpoint_uniqueness(spec: Spec, context: HookContext, *, dial: Dial | None = None) -> list[SpecError]:
    """``endpoint <host> is already in use`` when something answers on the control plane endpoint (port 6443
    unless the host names one). Skipped by ``skip_ip_check`` or the skip-ip-check annotation."""
    cluster = spec.cluster
    annotations = cluster.metadata.annotations or {}
    if context.call_options.skip_ip_check or SKIP_IP_CHECK_ANNOTATION in annotations:
        context.log.info("Skipping check for whether control plane ip is in use")
        return []
    cp = cluster.spec.control_plane_configuration
    raw = (cp.endpoint.host if cp is not None and cp.endpoint is not None else None) or ""
    if not raw:
        return []
    try:
        host, port = control_plane_host_port(cluster)
    except SpecError as exc:
        return [exc]
    if (dial or endpoint_in_use)(host, port, 0.5):
        return [SpecError(f"endpoint <{raw}> is already in use", kind=cluster.kind, name=cluster.name,
                          field=_ENDPOINT_FIELD)]
    return []


# ---------------------------------------------------------------------------------------------------------------
# Checks against the management cluster
# ---------------------------------------------------------------------------------------------------------------


def _management_handle(context: HookContext) -> ClusterHandle | None:
    if context.management_cluster is not None:
        return context.management_cluster if context.management_cluster.kubeconfig is not None else None
    kubeconfig = context.management_kubeconfig
    return ClusterHandle("management", kubeconfig) if kubeconfig is not None else None


def _namespace(obj: Any, spec: Spec) -> str:
    return obj.metadata.namespace or spec.cluster.metadata.namespace or "default"


def existing_objects_errors(spec: Spec, kube: Any) -> list[SpecError]:
    """A new workload cluster's CloudStack machine configs and datacenter config must not exist yet in the
    management cluster ("CloudStackMachineConfig <n> already exists", "CloudStackDatacenter <n> already
    exists")."""
    errors: list[SpecError] = []
    for mc in spec.config.of_kind(CloudStackMachineConfig):
        if kube.get_or_none(EKSA_API_VERSION, _MC, mc.name, _namespace(mc, spec)) is not None:
            errors.append(SpecError(f"CloudStackMachineConfig {mc.name} already exists", kind=_MC, name=mc.name,
                                    field="metadata.name"))
    for dc in spec.config.of_kind(CloudStackDatacenterConfig):
        if kube.get_or_none(EKSA_API_VERSION, _DC, dc.name, _namespace(dc, spec)) is not None:
            errors.append(SpecError(f"CloudStackDatacenter {dc.name} already exists", kind=_DC, name=dc.name,
                                    field="metadata.name"))
    return errors


def machine_config_name_errors(spec: Spec, current_spec: Spec, exists: Callable[[str], bool]) -> list[SpecError]:
    """An upgrade that points the control plane or the external etcd at another machine config must not pick a
    name that already exists ("machineconfig <n> already exists"); ``exists`` answers for a name."""
    errors: list[SpecError] = []
    new, old = spec.cluster.spec, current_spec.cluster.spec
    pairs = []
    if new.control_plane_configuration and old.control_plane_configuration:
        pairs.append((new.control_plane_configuration.machine_group_ref,
                      old.control_plane_configuration.machine_group_ref,
                      "spec.controlPlaneConfiguration.machineGroupRef.name"))
    if new.external_etcd_configuration and old.external_etcd_configuration:
        pairs.append((new.external_etcd_configuration.machine_group_ref,
                      old.external_etcd_configuration.machine_group_ref,
                      "spec.externalEtcdConfiguration.machineGroupRef.name"))
    for new_ref, old_ref, field in pairs:
        name = new_ref.name if new_ref else None
        if name and (old_ref.name if old_ref else None) != name and exists(name):
            errors.append(SpecError(f"machineconfig {name} already exists", kind=spec.cluster.kind,
                                    name=spec.cluster.name, field=field))
    return errors


def _secret_value(secret: dict[str, Any], key: str) -> str | None:
    string_data = secret.get("stringData") or {}
    if key in string_data:
        return str(string_data[key])
    data = secret.get("data") or {}
    if key not in data:
        return None
    try:
        return base64.b64decode(data[key]).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def secrets_unchanged_errors(credentials: CloudStackCredentials, kube: Any,
                             namespace: str = SECRET_NAMESPACE) -> list[SpecError]:
    """Every profile whose Secret is already installed must equal it ("profile '<p>' is different from the
    secret"); profiles without a Secret are new and allowed."""
    errors: list[SpecError] = []
    for profile in credentials.profiles:
        secret = kube.get_or_none("v1", "Secret", profile.name, namespace)
        if secret is None:
            continue
        wanted = {"api-key": profile.api_key, "secret-key": profile.secret_key,
                  "api-url": profile.management_url, "verify-ssl": profile.verify_ssl}
        if any(_secret_value(secret, k) != v for k, v in wanted.items()):
            errors.append(SpecError(f"profile '{profile.name}' is different from the secret",
                                    field="EKSA_CLOUDSTACK_B64ENCODED_SECRET"))
    return errors


# ---------------------------------------------------------------------------------------------------------------
# The setup-and-validate hooks' body
# ---------------------------------------------------------------------------------------------------------------

_CHECKS = ("credentials", "domain", "account", "zone", "network", "template", "kubernetes-version-in-template",
           "compute-offering", "disk-offering", "affinity-groups")


def _datacenter(spec: Spec) -> CloudStackDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, CloudStackDatacenterConfig):
        raise SpecError(f"yamlop content is invalid or does not contain kind {_DC}", kind=_DC)
    return dc


def _record(spec: Spec, context: HookContext, operation: str, dc: CloudStackDatacenterConfig,
            credentials: CloudStackCredentials, checks: list[str]) -> None:
    zones = []
    for az in dc.availability_zones():
        profile = credentials.get(az.credentials_ref)
        zones.append({"name": az.name, "credentialsRef": az.credentials_ref,
                      "endpoint": profile.management_url if profile else az.management_api_endpoint})
    context.record("cloudstack-validate", operation=operation, cluster=spec.name, availabilityZones=zones,
                   checks=checks)


def run_setup_and_validate(spec: Spec, context: HookContext, operation: str, *, current_spec: Spec | None = None,
                           client_factory: ClientFactory | None = None, dial: Dial | None = None) -> None:
    """What the create / upgrade setup hooks do: credentials, datacenter, machine configs, endpoint (create) and
    the management cluster checks; raise one :class:`SpecErrors` with every failure, located in the spec.

    :param operation: ``create`` or ``upgrade``.
    """
    from .validation import validate_credentials

    dc = _datacenter(spec)
    credentials = credentials_from_env(context.env)
    errors: list[SpecError] = list(validate_credentials(dc, credentials))
    management = _management_handle(context)
    workload = not spec.cluster.is_self_managed()

    if context.dry_run:
        checks = list(_CHECKS)
        if operation == "create":
            checks.append("control-plane-endpoint")
            if workload and management is not None:
                checks.append("existing-machine-configs")
        else:
            checks.append("machine-config-names")
            if management is not None:
                checks.append("secrets-unchanged")
        _record(spec, context, operation, dc, credentials, checks)
        _raise(spec, errors)
        return

    tuned = context.settings(CloudStackSettings)
    factory = client_factory or (tuned.client_factory if tuned is not None else None) or CloudStackClient.from_profile
    zones, dc_errors = validate_datacenter(dc, credentials, factory)
    errors += dc_errors
    if not errors:
        context.log.info("✅ Datacenter validated")
    mc_errors = validate_machine_configs(spec, zones)
    errors += mc_errors
    if not mc_errors and not any(not rz.usable for rz in zones):
        context.log.info("✅ Validated cluster Machine Configs")

    kube = None
    if management is not None:
        kube = context.kube(management)
    if operation == "create":
        errors += validate_endpoint_uniqueness(spec, context, dial=dial)
        if workload and kube is not None:
            errors += existing_objects_errors(spec, kube)
    elif current_spec is not None:
        if kube is not None:
            namespace = spec.cluster.metadata.namespace or "default"
            errors += machine_config_name_errors(
                spec, current_spec,
                lambda n: kube.get_or_none(EKSA_API_VERSION, _MC, n, namespace) is not None)
            errors += secrets_unchanged_errors(credentials, kube)
        else:
            known = {mc.name for mc in current_spec.config.of_kind(CloudStackMachineConfig)}
            errors += machine_config_name_errors(spec, current_spec, lambda n: n in known)
    _raise(spec, errors)


def _raise(spec: Spec, errors: list[SpecError]) -> None:
    if errors:
        raise SpecErrors([spec.config.locate(e) for e in errors], summary="CloudStack validation failed")


def run_setup_and_validate_delete(spec: Spec, context: HookContext) -> None:
    """A delete needs readable credentials (EKS-A parses the INI and checks nothing else)."""
    credentials = credentials_from_env(context.env)
    if context.dry_run:
        context.record("cloudstack-validate", operation="delete", cluster=spec.name,
                       profiles=credentials.names(), checks=["credentials"])

