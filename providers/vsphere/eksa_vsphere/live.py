"""Live validations of a vSphere cluster spec against vCenter, in EKS Anywhere's order and with its messages.

:func:`validate_vcenter` runs every check of reference section 6.1 that needs vCenter (or runs beside them)
and returns one :class:`CheckResult` per check. Checks that cannot run because an earlier one failed (no
credentials, server unreachable, datacenter missing, ...) come back ``skipped`` with the reason, so a
caller always sees the full list. :func:`raise_for_failures` turns the failures into one typed error.

The spec objects are duck-typed: any object with the attribute names of the provider's attrs models works
(``datacenter_config.spec.server``, ``machine_config.spec.datastore``, ``cluster.spec.
control_plane_configuration.machine_group_ref.name`` ...).

Round trips for a whole run against a vCenter (see :class:`~eksa_vsphere.client.VCenter`): one HTTP GET,
RetrieveServiceContent, Login, one inventory RetrievePropertiesEx, one template RetrievePropertiesEx,
one FetchUserPrivilegeOnEntities, Logout, plus a few REST calls for tags (session, attached tags of all
templates, one GET per distinct tag, one tag list when machine configs carry tags); two TLS handshakes
on https to read and test the certificate.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the vcenter module imports pyVmomi: it loads when a live check first runs
    from eksa_vsphere.client import InventoryObject, RoundTrips, TemplateInfo, VCenter

__all__ = [
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "PRIVILEGE_CHECK",
    "CheckResult",
    "LiveValidator",
    "VSphereValidationError",
    "raise_for_failures",
    "validate_vcenter",
]

ENV_USERNAME = "EKSA_VSPHERE_USERNAME"
ENV_PASSWORD = "EKSA_VSPHERE_PASSWORD"
PRIVILEGE_CHECK = "vsphere-user-privilege"  # the name EKS-A lets users skip

PRIVILEGES_DOC = "https://anywhere.eks.amazonaws.com/docs/getting-started/vsphere/vsphere-preparation/"

DEFAULT_DISK_GIB = 25
DEFAULT_MEMORY_MIB = 8192
GIB = 1024**3

# Privileges the EKS-A user needs, per kind of object they are checked on. A subset of the role EKS
# Anywhere's vSphere preparation guide describes, restricted to what creating a cluster touches.
GLOBAL_PRIVILEGES = ("System.View", "Sessions.ValidateSession")
NETWORK_PRIVILEGES = ("Network.Assign",)
DATASTORE_PRIVILEGES = ("Datastore.AllocateSpace", "Datastore.Browse", "Datastore.FileManagement")
RESOURCE_POOL_PRIVILEGES = ("Resource.AssignVMToPool",)
FOLDER_PRIVILEGES = (
    "Folder.Create",
    "VirtualMachine.Inventory.Create",
    "VirtualMachine.Inventory.CreateFromExisting",
    "VirtualMachine.Inventory.Delete",
    "VirtualMachine.Config.AddNewDisk",
    "VirtualMachine.Config.AdvancedConfig",
    "VirtualMachine.Config.CPUCount",
    "VirtualMachine.Config.DiskExtend",
    "VirtualMachine.Config.EditDevice",
    "VirtualMachine.Config.Memory",
    "VirtualMachine.Config.Settings",
    "VirtualMachine.Interact.PowerOff",
    "VirtualMachine.Interact.PowerOn",
    "VirtualMachine.Provisioning.Clone",
    "VirtualMachine.Provisioning.MarkAsTemplate",
    "VirtualMachine.State.CreateSnapshot",
)
TEMPLATE_PRIVILEGES = (
    "VirtualMachine.Provisioning.Clone",
    "VirtualMachine.Provisioning.CloneTemplate",
    "VirtualMachine.Provisioning.DeployTemplate",
)

# Bottlerocket templates: a 2 GiB + 20 GiB pair of disks, or a single 22 GiB disk (sizes in KiB).
_BR_DISK_LAYOUTS = ((2 * 1024 * 1024, 20 * 1024 * 1024), (22 * 1024 * 1024,))


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one live check.

    ``ok`` is True when the check passed. ``skipped`` checks did not run (``message`` says why) and are
    neither passes nor failures. ``remediation`` tells the user what to do (or lists details).
    """

    name: str
    ok: bool
    message: str
    remediation: str = ""
    skipped: bool = False

    @property
    def failed(self) -> bool:
        """True for a check that ran and did not pass."""
        return not self.ok and not self.skipped


class VSphereValidationError(Exception):
    """All failed live checks, collected in one pass."""

    def __init__(self, failures: list[CheckResult]) -> None:
        self.failures = failures
        super().__init__("\n".join(f.message for f in failures))


_CHECK_FIELDS = {
    "vsphere-connection": ("VSphereDatacenterConfig", "spec.server"),
    "vsphere-thumbprint": ("VSphereDatacenterConfig", "spec.thumbprint"),
    "vsphere-datacenter": ("VSphereDatacenterConfig", "spec.datacenter"),
    "vsphere-network": ("VSphereDatacenterConfig", "spec.network"),
    "vsphere-failure-domains": ("VSphereDatacenterConfig", "spec.failureDomains"),
    "vsphere-control-plane-endpoint": ("Cluster", "spec.controlPlaneConfiguration.endpoint.host"),
    "vsphere-datastore": ("VSphereMachineConfig", "spec.datastore"),
    "vsphere-folder": ("VSphereMachineConfig", "spec.folder"),
    "vsphere-resource-pool": ("VSphereMachineConfig", "spec.resourcePool"),
    "vsphere-template": ("VSphereMachineConfig", "spec.template"),
}


def _spec_error(result: CheckResult, datacenter_name: str | None) -> Any:
    from eksa_core.errors import SpecError  # type: ignore[import-not-found]

    base, _, rest = result.name.partition("[")
    kind, fld = _CHECK_FIELDS.get(base, (None, None))
    name = rest.rstrip("]") or (datacenter_name if kind == "VSphereDatacenterConfig" else None)
    return SpecError(result.message, kind=kind, name=name, field=fld)


def raise_for_failures(results: Iterable[CheckResult], *, datacenter_name: str | None = None) -> None:
    """Raise one typed error for all failed checks; do nothing when none failed.

    Raises ``eksa_core.errors.SpecErrors`` (one ``SpecError`` per failure, located at the kind/name/field the
    check is about) when the core is importable, else :class:`VSphereValidationError`. Either way the error
    has ``failures`` (the failed :class:`CheckResult` objects).
    """
    failures = [r for r in results if r.failed]
    if not failures:
        return
    error: Exception = VSphereValidationError(failures)
    try:
        from eksa_core.errors import SpecErrors  # type: ignore[import-not-found]

        error = SpecErrors(
            [_spec_error(f, datacenter_name) for f in failures], summary="vSphere validation failed"
        )
        error.failures = failures  # type: ignore[attr-defined]
    except ImportError:
        pass
    raise error


# ---------------------------------------------------------------------------------------------- helpers


def _get(obj: Any, *names: str) -> Any:
    """Follow attributes, returning None at the first missing or None link."""
    for name in names:
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


def _ref_name(group: Any) -> str | None:
    name = _get(group, "machine_group_ref", "name")
    return str(name) if name else None


def _count(group: Any) -> int:
    count = _get(group, "count")
    return int(count) if count is not None else 1


@dataclass(frozen=True)
class _Group:
    role: str  # "control plane" | "etcd" | "worker"
    label: str  # for messages
    ref: str | None
    count: int


def _groups(cluster: Any) -> list[_Group]:
    spec = _get(cluster, "spec")
    out = []
    cp = _get(spec, "control_plane_configuration")
    out.append(_Group("control plane", "control plane", _ref_name(cp), _count(cp)))
    etcd = _get(spec, "external_etcd_configuration")
    if etcd is not None:
        out.append(_Group("etcd", "etcd machines", _ref_name(etcd), _count(etcd)))
    for wg in _get(spec, "worker_node_group_configurations") or []:
        out.append(_Group("worker", "worker nodes", _ref_name(wg), _count(wg)))
    return out


def _by_name(machine_configs: Mapping[str, Any] | Iterable[Any]) -> dict[str, Any]:
    if isinstance(machine_configs, Mapping):
        return dict(machine_configs)
    return {str(_get(mc, "metadata", "name")): mc for mc in machine_configs}


def _kib(sizes: Iterable[int]) -> str:
    return ", ".join(f"{s / (1024 * 1024):g} GiB" for s in sizes) or "no disks"


class LiveValidator:
    """Runs the live checks once; keeps the vCenter session and round-trip counts for inspection."""

    def __init__(
        self,
        datacenter_config: Any,
        machine_configs: Mapping[str, Any] | Iterable[Any],
        cluster: Any,
        *,
        env: Mapping[str, str] | None = None,
        eksd_release_name: str | None = None,
        skip: Collection[str] = (),
        timeout: float = 30.0,
        round_trips: RoundTrips | None = None,
        on_result: Callable[[CheckResult], None] | None = None,
    ) -> None:
        from eksa_vsphere.client import RoundTrips

        self.dc_config = datacenter_config
        self.machine_configs = _by_name(machine_configs)
        self.cluster = cluster
        self.env = {} if env is None else env
        self.eksd_release_name = eksd_release_name
        self.skip = set(skip)
        self.timeout = timeout
        self.round_trips = round_trips if round_trips is not None else RoundTrips()
        self.on_result = on_result
        self.results: list[CheckResult] = []
        self.vc: VCenter | None = None
        self._password = ""

    # ------------------------------------------------------------------ recording

    def _add(self, name: str, ok: bool, message: str, remediation: str = "", skipped: bool = False) -> bool:
        if self._password and len(self._password) >= 3:
            message = message.replace(self._password, "****")
            remediation = remediation.replace(self._password, "****")
        result = CheckResult(name, ok, message, remediation, skipped)
        self.results.append(result)
        if self.on_result is not None:
            self.on_result(result)
        return ok

    def _skip(self, name: str, reason: str) -> None:
        self._add(name, False, f"skipped: {reason}", skipped=True)

    # ------------------------------------------------------------------ run

    def run(self) -> list[CheckResult]:
        """Run every check in EKS-A's order and return the results."""
        self.results = []
        try:
            self._run()
        finally:
            if self.vc is not None:
                self.vc.close()
        return self.results

    def _run(self) -> None:
        spec = _get(self.dc_config, "spec")
        username = str(self.env.get(ENV_USERNAME) or "")
        self._password = str(self.env.get(ENV_PASSWORD) or "")
        missing = [k for k, v in ((ENV_USERNAME, username), (ENV_PASSWORD, self._password)) if not v]
        creds_ok = self._add(
            "vsphere-credentials",
            not missing,
            "; ".join(f"{k} is not set or is empty" for k in missing) or "vSphere credentials set",
            f"export {' and '.join(missing)}" if missing else "",
        )

        server = str(_get(spec, "server") or "")
        insecure = bool(_get(spec, "insecure"))
        thumbprint = str(_get(spec, "thumbprint") or "") or None
        reached = self._check_connection(server, thumbprint, insecure)
        cert_error = self._certificate_error(thumbprint, insecure) if reached else None
        logged_in = False
        if not reached:
            self._skip("vsphere-authentication", "vCenter not reached")
        elif not creds_ok:
            self._skip("vsphere-authentication", "vSphere credentials are not set")
        elif cert_error is not None:
            self._skip("vsphere-authentication", "server certificate not trusted, see the thumbprint check")
        else:
            logged_in = self._check_authentication(username, self._password)
        self._check_thumbprint(reached, cert_error, thumbprint, insecure)

        dc = self._check_datacenter(logged_in, str(_get(spec, "datacenter") or ""))
        self._check_network(dc, str(_get(spec, "network") or ""))
        self._check_machine_networks(dc)
        self._check_failure_domains(dc)

        groups = _groups(self.cluster)
        used = self._check_machine_config_refs(groups)
        self._check_os_family(used)
        self._check_endpoint()
        placements = self._check_placements(dc, used)
        self._check_templates(dc, used)
        self._check_machine_tags(dc, used)
        self._check_capacity(dc, groups, placements)
        self._check_privileges(dc, username, used, placements)

    # ------------------------------------------------------------------ 1-3 connection, credentials, cert

    def _check_connection(self, server: str, thumbprint: str | None, insecure: bool) -> bool:
        from eksa_vsphere.client import ConnectionFailed, VCenter

        name = "vsphere-connection"
        prefix = "failed validating connection to vCenter: failed to reach server"
        if not server:
            return self._add(name, False, f"{prefix} : VSphereDatacenterConfig server is not set or is empty")
        try:
            self.vc = VCenter(
                server,
                thumbprint=thumbprint,
                insecure=insecure,
                timeout=self.timeout,
                round_trips=self.round_trips,
            )
            self.vc.check_reachable()
        except (ValueError, ConnectionFailed) as exc:
            self.vc = None
            return self._add(
                name, False, f"{prefix} {server}: {exc}", "check the server address and that vCenter is up"
            )
        return self._add(name, True, "Connected to server")

    def _certificate_error(self, thumbprint: str | None, insecure: bool) -> str | None:
        """EKS-A's thumbprint rules; None when the certificate is acceptable (or not checked)."""
        from eksa_vsphere.client import VCenterError, normalize_thumbprint

        vc = self.vc
        if vc is None or insecure or not vc.uses_tls:
            return None
        try:
            cert = vc.certificate()
        except VCenterError as exc:
            return f"failed to read the server certificate: {exc}"
        if cert.trusted:
            return None  # a certificate the system trusts: EKS-A ignores the thumbprint
        if not thumbprint:
            return "thumbprint is required for secure mode with self-signed certificates"
        if normalize_thumbprint(thumbprint) != normalize_thumbprint(cert.thumbprint):
            return f"thumbprint mismatch detected, expected: {thumbprint}, actual: {cert.thumbprint}"
        return None

    def _check_authentication(self, username: str, password: str) -> bool:
        from eksa_vsphere.client import AuthenticationError, ConnectionFailed

        name = "vsphere-authentication"
        assert self.vc is not None
        try:
            self.vc.login(username, password)
        except (AuthenticationError, ConnectionFailed) as exc:
            return self._add(
                name,
                False,
                f"failed validating credentials for vCenter: vSphere authentication failed: {exc}",
                f"check {ENV_USERNAME} and {ENV_PASSWORD}",
            )
        return self._add(name, True, "Authenticated to vSphere")

    def _check_thumbprint(
        self, reached: bool, error: str | None, thumbprint: str | None, insecure: bool
    ) -> None:
        name = "vsphere-thumbprint"
        vc = self.vc
        if not reached or vc is None:
            self._skip(name, "vCenter not reached")
        elif insecure:
            self._skip(name, "insecure mode, the server certificate is not verified")
        elif not vc.uses_tls:
            self._skip(name, "server uses plain http, there is no certificate")
        elif error is not None:
            actual = vc.certificate_info.thumbprint if vc.certificate_info is not None else ""
            self._add(name, False, error, f"set spec.thumbprint to {actual}" if actual else "")
        elif vc.certificate_info is not None and vc.certificate_info.trusted and not thumbprint:
            self._add(name, True, "Certificate trusted by the system")
        else:
            self._add(name, True, "Thumbprint validated")

    # ------------------------------------------------------------------ 4-7 datacenter, networks, FDs

    def _check_datacenter(self, logged_in: bool, datacenter: str) -> InventoryObject | None:
        name = "vsphere-datacenter"
        if not logged_in or self.vc is None:
            self._skip(name, "not logged in to vCenter")
            return None
        if not datacenter:
            self._add(name, False, "VSphereDatacenterConfig datacenter is not set or is empty")
            return None
        dc = self.vc.find_datacenter(datacenter)
        if dc is None:
            self._add(name, False, f"datacenter {datacenter} not found", "check spec.datacenter")
            return None
        self._add(name, True, "Datacenter validated")
        return dc

    def _network_path(self, dc: InventoryObject, network: str) -> str:
        return network if network.startswith("/") else f"{dc.path}/network/{network}"

    def _check_network(self, dc: InventoryObject | None, network: str) -> None:
        name = "vsphere-network"
        if dc is None or self.vc is None:
            self._skip(name, "datacenter not validated")
            return
        if not network:
            self._add(name, False, "VSphereDatacenterConfig VM network is not set or is empty")
            return
        path = self._network_path(dc, network)
        if self.vc.find("Network", path, dc) is None:
            self._add(name, False, f"network {path} not found", "check spec.network")
        else:
            self._add(name, True, "Network validated")

    def _check_machine_networks(self, dc: InventoryObject | None) -> None:
        name = "vsphere-machine-networks"
        worker_refs = {g.ref for g in _groups(self.cluster) if g.role == "worker"}
        other_refs = {g.ref for g in _groups(self.cluster) if g.role != "worker"}
        errors = []
        for ref in sorted(r for r in other_refs if r):
            mc = self.machine_configs.get(ref)
            if mc is not None and _get(mc, "spec", "networks"):
                errors.append(
                    f"networks field is not supported for control plane machine config '{ref}', "
                    "it is only supported for worker node groups"
                )
        wanted = [
            n
            for ref in sorted(r for r in worker_refs if r and r not in other_refs)
            for n in (_get(self.machine_configs.get(ref), "spec", "networks") or [])
        ]
        if wanted and (dc is None or self.vc is None):
            if errors:
                self._add(name, False, "; ".join(errors))
            else:
                self._skip(name, "datacenter not validated")
            return
        for net in wanted:
            assert dc is not None and self.vc is not None
            path = self._network_path(dc, str(net))
            if self.vc.find("Network", path, dc) is None:
                errors.append(f"network {path} not found")
        if errors:
            self._add(name, False, "; ".join(errors), "fix spec.networks of the machine configs")
        else:
            self._add(name, True, "Machine config networks validated")

    def _check_failure_domains(self, dc: InventoryObject | None) -> None:
        name = "vsphere-failure-domains"
        domains = list(_get(self.dc_config, "spec", "failure_domains") or [])
        if not domains:
            self._skip(name, "no failure domains configured")
            return
        if dc is None or self.vc is None:
            self._skip(name, "datacenter not validated")
            return
        errors = []
        fields = (
            ("compute_cluster", "ComputeResource", "compute cluster"),
            ("resource_pool", "ResourcePool", "resource pool"),
            ("datastore", "Datastore", "datastore"),
            ("folder", "Folder", "folder"),
            ("network", "Network", "network"),
        )
        for fd in domains:
            fd_name = _get(fd, "name")
            for attr, kind, label in fields:
                value = _get(fd, attr)
                if not value:
                    continue
                path = self._network_path(dc, str(value)) if kind == "Network" else str(value)
                if self.vc.find(kind, path, dc) is None:
                    errors.append(f"provided invalid failure domain {fd_name}: {label} '{value}' not found")
        if errors:
            self._add(name, False, "; ".join(errors), "fix spec.failureDomains")
        else:
            self._add(name, True, "Failure domains validated")

    # ------------------------------------------------------------------ 9 machine configs

    def _check_machine_config_refs(self, groups: list[_Group]) -> dict[str, Any]:
        name = "vsphere-machine-configs"
        errors = []
        used: dict[str, Any] = {}
        for g in groups:
            mc = self.machine_configs.get(g.ref) if g.ref else None
            if mc is None:
                errors.append(
                    f"cannot find VSphereMachineConfig {g.ref or ''} for {g.label}".replace("  ", " ")
                )
            elif g.ref not in used:
                used[g.ref] = mc  # type: ignore[index]
        if errors:
            self._add(
                name, False, "; ".join(dict.fromkeys(errors)), "add the referenced VSphereMachineConfigs"
            )
        else:
            self._add(name, True, "Machine config references validated")
        return used

    def _check_os_family(self, used: Mapping[str, Any]) -> None:
        name = "vsphere-os-family"
        families = {str(_get(mc, "spec", "os_family") or "") for mc in used.values()}
        if len(families) > 1:
            self._add(name, False, "all VSphereMachineConfigs must have the same osFamily specified")
        else:
            self._add(name, True, "Machine config osFamily validated")

    def _check_endpoint(self) -> None:
        name = "vsphere-control-plane-endpoint"
        host = _get(self.cluster, "spec", "control_plane_configuration", "endpoint", "host")
        try:
            ipaddress.ip_address(str(host or ""))
        except ValueError:
            self._add(
                name, False, f"cluster controlPlaneConfiguration.Endpoint.Host is invalid: {host or ''}"
            )
        else:
            self._add(name, True, "Control plane endpoint validated")

    def _check_placements(
        self, dc: InventoryObject | None, used: Mapping[str, Any]
    ) -> dict[str, dict[str, InventoryObject]]:
        """Datastore, folder and resource pool of each machine config; returns what was found."""
        found: dict[str, dict[str, InventoryObject]] = {}
        checks = (
            ("datastore", "Datastore", "Datastore validated"),
            ("folder", "Folder", "Folder validated"),
            ("resource_pool", "ResourcePool", "Resource pool validated"),
        )
        for mc_name, mc in used.items():
            found[mc_name] = {}
            for attr, kind, passed in checks:
                check = f"vsphere-{attr.replace('_', '-')}[{mc_name}]"
                value = str(_get(mc, "spec", attr) or "")
                if not value:
                    if attr == "folder":
                        self._skip(check, "no folder set, VMs go to the datacenter's vm folder")
                    else:
                        label = "datastore" if attr == "datastore" else "VM resourcePool"
                        self._add(
                            check, False, f"VSphereMachineConfig {mc_name} {label} is not set or is empty"
                        )
                    continue
                if dc is None or self.vc is None:
                    self._skip(check, "datacenter not validated")
                    continue
                obj = self.vc.find(kind, value, dc)
                if obj is not None:
                    found[mc_name][attr] = obj
                    self._add(check, True, passed)
                elif attr == "datastore":
                    self._add(check, False, f"failed to get datastore: datastore '{value}' not found")
                elif attr == "folder":
                    self._add(check, False, f"failed to get folder: folder '{value}' not found")
                else:
                    self._add(check, False, f"resource pool '{value}' not found")
        return found

    def _check_templates(self, dc: InventoryObject | None, used: Mapping[str, Any]) -> None:
        from eksa_vsphere.client import VCenterError

        vc = self.vc
        located: dict[str, InventoryObject] = {}
        pending: list[tuple[str, str, str]] = []  # (check, mc name, template path)
        for mc_name, mc in used.items():
            check = f"vsphere-template[{mc_name}]"
            template = str(_get(mc, "spec", "template") or "")
            if not template:
                self._add(check, False, "template field is required")
            elif dc is None or vc is None:
                self._skip(check, "datacenter not validated")
            else:
                pending.append((check, mc_name, template))
        if not pending or vc is None:
            return
        for _, _, template in pending:
            obj = vc.find("VirtualMachine", template, dc)
            if obj is not None:
                located[template] = obj
        infos = vc.template_info(list({o.moid: o for o in located.values()}.values()))
        tags: dict[str, list[str]] | None = None
        tags_error = ""
        try:
            tags = vc.attached_tags(list({o.moid: o for o in located.values()}.values()))
        except VCenterError as exc:
            tags_error = str(exc)
        for check, mc_name, template in pending:
            mc = used[mc_name]
            obj = located.get(template)
            info = infos.get(obj.path) if obj is not None else None
            if obj is None or info is None:
                self._add(
                    check,
                    False,
                    f"template {template} not found. Has the template been imported?",
                    "import the OVA and mark it as a template, or fix spec.template",
                )
                continue
            if not info.is_template:
                self._add(check, False, f"{template} is a VM, not a template", "mark the VM as a template")
                continue
            errors = self._template_errors(
                template, mc, info, tags.get(obj.moid) if tags is not None else None
            )
            if errors:
                self._add(check, False, "; ".join(errors), "tag the template or fix spec.template")
            elif tags is None:
                self._add(check, True, f"Template validated (tags not checked: {tags_error})")
            else:
                self._add(check, True, "Control plane and Workload templates validated")

    def _template_errors(
        self, template: str, mc: Any, info: TemplateInfo, tags: list[str] | None
    ) -> list[str]:
        errors = []
        os_family = str(_get(mc, "spec", "os_family") or "")
        if tags is not None:
            wanted = [f"os:{os_family}"] if os_family else []
            if self.eksd_release_name:
                wanted.append(f"eksdRelease:{self.eksd_release_name}")
            errors += [f"template {template} is missing tag {t}" for t in wanted if t not in tags]
        if os_family == "bottlerocket" and info.disk_sizes_kib not in _BR_DISK_LAYOUTS:
            errors.append(
                f"template {template} has unsupported disks for bottlerocket: expected 2 GiB and 20 GiB "
                f"disks or a single 22 GiB disk, found {_kib(info.disk_sizes_kib)}"
            )
        return errors

    def _check_machine_tags(self, dc: InventoryObject | None, used: Mapping[str, Any]) -> None:
        from eksa_vsphere.client import VCenterError

        name = "vsphere-machine-tags"
        wanted = sorted({str(t) for mc in used.values() for t in (_get(mc, "spec", "tags") or [])})
        if not wanted:
            self._add(name, True, "Machine config tags validated")
            return
        if dc is None or self.vc is None:
            self._skip(name, "datacenter not validated")
            return
        try:
            existing = self.vc.existing_tag_ids()
        except VCenterError as exc:
            self._skip(name, f"tagging API not available: {exc}")
            return
        missing = [t for t in wanted if t not in existing]
        if missing:
            self._add(
                name,
                False,
                "; ".join(
                    f"tag ({t}) does not exist in vSphere. please provide a valid tag id in the urn format "
                    "(example: urn:vmomi:InventoryServiceTag:8e0ce079-0675-47d6-8665-16ada4e6dabd:GLOBAL)"
                    for t in missing
                ),
            )
        else:
            self._add(name, True, "Machine config tags validated")

    # ------------------------------------------------------------------ 10 capacity

    def _check_capacity(
        self, dc: InventoryObject | None, groups: list[_Group], placements: Mapping[str, Mapping[str, Any]]
    ) -> None:
        from eksa_vsphere.client import VCenter

        ds_name, pool_name = "vsphere-datastore-capacity", "vsphere-resource-pool-memory"
        if dc is None or self.vc is None:
            self._skip(ds_name, "datacenter not validated")
            self._skip(pool_name, "datacenter not validated")
            return
        need_disk: dict[str, float] = defaultdict(float)
        need_mem: dict[str, int] = defaultdict(int)
        label: dict[str, str] = {}
        objs: dict[str, InventoryObject] = {}
        for g in groups:
            mc = self.machine_configs.get(g.ref) if g.ref else None
            where = placements.get(g.ref or "", {})
            if mc is None:
                continue
            ds, pool = where.get("datastore"), where.get("resource_pool")
            if ds is not None:
                need_disk[ds.moid] += float(_get(mc, "spec", "disk_gib") or DEFAULT_DISK_GIB) * g.count
                label.setdefault(ds.moid, str(_get(mc, "spec", "datastore")))
                objs[ds.moid] = ds
            if pool is not None:
                need_mem[pool.moid] += int(_get(mc, "spec", "memory_mib") or DEFAULT_MEMORY_MIB) * g.count
                label.setdefault(pool.moid, str(_get(mc, "spec", "resource_pool")))
                objs[pool.moid] = pool
        free_gib = {m: VCenter.datastore_free_bytes(objs[m]) / GIB for m in need_disk}
        disk_errors = [
            f"not enough space in datastore {label[m]} for given diskGiB and count for respective "
            "machine groups"
            for m, need in need_disk.items()
            if free_gib[m] < need
        ]
        if disk_errors:
            detail = ", ".join(
                f"{label[m]}: need {need_disk[m]:g} GiB, free {free_gib[m]:.1f} GiB" for m in need_disk
            )
            self._add(ds_name, False, "; ".join(disk_errors), detail)
        elif need_disk:
            self._add(ds_name, True, "Datastore capacity validated")
        else:
            self._skip(ds_name, "no datastore validated")
        mem_errors = []
        details = []
        for m, need in need_mem.items():
            available = VCenter.pool_available_memory_mib(objs[m])
            if available is not None and available < need:
                mem_errors.append(
                    f"not enough memory available in resource pool {label[m]} for given memoryMiB and count "
                    "for respective machine groups"
                )
                details.append(f"{label[m]}: need {need} MiB, available {available} MiB")
        if mem_errors:
            self._add(pool_name, False, "; ".join(mem_errors), ", ".join(details))
        elif need_mem:
            self._add(pool_name, True, "Resource pool memory validated")
        else:
            self._skip(pool_name, "no resource pool validated")

    # ------------------------------------------------------------------ 12 privileges

    def _check_privileges(
        self,
        dc: InventoryObject | None,
        username: str,
        used: Mapping[str, Any],
        placements: Mapping[str, Mapping[str, InventoryObject]],
    ) -> None:
        name = PRIVILEGE_CHECK
        if name in self.skip:
            self._skip(name, f"validation {name} skipped on request")
            return
        vc = self.vc
        if dc is None or vc is None:
            self._skip(name, "datacenter not validated")
            return
        wanted: dict[str, tuple[InventoryObject, set[str]]] = {}

        def want(obj: InventoryObject | None, privs: Iterable[str]) -> None:
            if obj is not None:
                wanted.setdefault(obj.moid, (obj, set()))[1].update(privs)

        want(vc.root_folder(), GLOBAL_PRIVILEGES)
        spec = _get(self.dc_config, "spec")
        network = str(_get(spec, "network") or "")
        if network:
            want(vc.find("Network", self._network_path(dc, network), dc), NETWORK_PRIVILEGES)
        for mc_name, mc in used.items():
            where = placements.get(mc_name, {})
            want(where.get("datastore"), DATASTORE_PRIVILEGES)
            want(where.get("resource_pool"), RESOURCE_POOL_PRIVILEGES)
            folder = where.get("folder") or vc.find("Folder", "vm", dc)
            want(folder, FOLDER_PRIVILEGES)
            template = str(_get(mc, "spec", "template") or "")
            if template:
                want(vc.find("VirtualMachine", template, dc), TEMPLATE_PRIVILEGES)
        try:
            held = vc.user_privileges([obj for obj, _ in wanted.values()], username)
        except Exception as exc:  # any SOAP fault is a failed check
            self._add(name, False, f"validating vsphere user privileges: {type(exc).__name__}: {exc}")
            return
        missing = []
        for moid, (obj, privs) in sorted(wanted.items(), key=lambda kv: kv[1][0].path):
            lacking = sorted(privs - held.get(moid, set()))
            if lacking:
                missing.append(f"{obj.path or '/'}: {', '.join(lacking)}")
        if missing:
            self._add(
                name,
                False,
                f"validating vsphere user privileges: user {username} missing vSphere permissions, please "
                f"refer to {PRIVILEGES_DOC} for required permissions or use -v 3 for full missing "
                "permissions",
                "missing: " + "; ".join(missing),
            )
        else:
            self._add(name, True, f"{username} user vSphere privileges validated")


def validate_vcenter(
    datacenter_config: Any,
    machine_configs: Mapping[str, Any] | Iterable[Any],
    cluster: Any,
    *,
    env: Mapping[str, str] | None = None,
    eksd_release_name: str | None = None,
    skip: Collection[str] = (),
    timeout: float = 30.0,
    round_trips: RoundTrips | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    raise_on_failure: bool = False,
) -> list[CheckResult]:
    """Run the live vSphere validations of a cluster spec and return one result per check, in order.

    ``env`` supplies ``EKSA_VSPHERE_USERNAME`` / ``EKSA_VSPHERE_PASSWORD`` (default: none; hooks pass ``context.env``).
    ``eksd_release_name`` enables the template ``eksdRelease:<name>`` tag check. ``skip`` may hold
    ``"vsphere-user-privilege"``. ``round_trips`` collects request counts. ``on_result`` sees each result
    as it is produced (e.g. to print ``✅ <message>``). With ``raise_on_failure`` all failures are raised
    together (see :func:`raise_for_failures`) after every check ran.
    """
    validator = LiveValidator(
        datacenter_config,
        machine_configs,
        cluster,
        env=env,
        eksd_release_name=eksd_release_name,
        skip=skip,
        timeout=timeout,
        round_trips=round_trips,
        on_result=on_result,
    )
    results = validator.run()
    if raise_on_failure:
        raise_for_failures(results, datacenter_name=_get(datacenter_config, "metadata", "name"))
    return results
