"""Validation hooks of the vSphere provider: defaults, static checks, live checks before create / upgrade /
delete, and immutable fields on upgrade.

* :func:`eksa_set_defaults` fills what needs no vCenter (full network path, insecure mode, machine size, OS,
  default users, disk size).
* :func:`eksa_validate_config` checks the documents without contacting anything, with EKS Anywhere's messages;
  every error names the kind, the object and the field.
* :func:`eksa_setup_and_validate_create` / ``_upgrade`` / ``_delete`` check credentials, then (create, upgrade)
  run the live checks of :mod:`eksa_vsphere.live` against vCenter, generate the SSH key when a machine config has
  none (create) and check that the control plane IP is free (create). In a dry run nothing is contacted or
  written: the checks that would run are recorded with :meth:`~eksa_core.context.HookContext.record`.
* :func:`eksa_validate_new_spec` rejects changes to immutable fields on upgrade.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl, write_file_atomic
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.models.base import UserConfiguration

from . import live
from .models import (
    BOTTLEROCKET,
    CLONE_MODES,
    OS_FAMILIES,
    REDHAT,
    UBUNTU,
    VSphereDatacenterConfig,
    VSphereMachineConfig,
)
from .settings import timeout_of

if TYPE_CHECKING:
    from eksa_core.provider import ClusterConfig, HookContext, Spec

__all__ = [
    "DEFAULT_DISK_GIB",
    "DEFAULT_MEMORY_MIB",
    "DEFAULT_NUM_CPUS",
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "ETCD_MIN_MEMORY_MIB",
    "INSECURE_WARNING",
    "MIN_DISK_GIB",
    "MIN_MEMORY_MIB",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "SKIP_IP_CHECK_ANNOTATION",
    "check_credentials",
    "control_plane_ip_in_use",
    "default_user",
    "eksa_set_defaults",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_delete",
    "eksa_setup_and_validate_upgrade",
    "eksa_validate_config",
    "eksa_validate_new_spec",
    "ensure_ssh_keys",
    "machine_group_refs",
    "set_datacenter_defaults",
    "set_machine_config_defaults",
    "validate_config",
    "validate_control_plane_ip",
    "validate_datacenter",
    "validate_new_spec",
]

log = logging.getLogger("eksa.vsphere")

ENV_USERNAME = live.ENV_USERNAME
ENV_PASSWORD = live.ENV_PASSWORD
ENV_CP_USERNAME = "EKSA_VSPHERE_CP_USERNAME"
ENV_CP_PASSWORD = "EKSA_VSPHERE_CP_PASSWORD"

DEFAULT_MEMORY_MIB = 8192
MIN_MEMORY_MIB = 2048
ETCD_MIN_MEMORY_MIB = 8192
DEFAULT_NUM_CPUS = 2
DEFAULT_DISK_GIB = 25
MIN_DISK_GIB = 20

INSECURE_WARNING = "Warning: VSphereDatacenterConfig configured in insecure mode"
SKIP_IP_CHECK_ANNOTATION = "anywhere.eks.amazonaws.com/skip-ip-check"
PRIVATE_KEY_FILE = "eks-a-id_rsa"
PUBLIC_KEY_FILE = "eks-a-id_rsa.pub"

DC_KIND = VSphereDatacenterConfig.KIND
MC_KIND = VSphereMachineConfig.KIND

CONTROL_PLANE = "control-plane"
ETCD = "etcd"
WORKERS = "workers"


# ------------------------------------------------------------------------------------------------ helpers


def _is_vsphere(config: ClusterConfig) -> bool:
    return config.has_cluster() and config.cluster.datacenter_kind() == DC_KIND


def _datacenter(config: ClusterConfig) -> VSphereDatacenterConfig | None:
    dc = config.datacenter()
    return dc if isinstance(dc, VSphereDatacenterConfig) else None


def _machine_configs(config: ClusterConfig) -> list[VSphereMachineConfig]:
    return [o for o in config.objects if isinstance(o, VSphereMachineConfig)]


def machine_group_refs(cluster: Any) -> list[tuple[str, str | None, str | None, str]]:
    """The machine groups of ``cluster``: ``(role, group name, machine config name, ref field path)``.

    ``role`` is ``control-plane``, ``etcd`` or ``workers`` (group name set for workers only), in the order control
    plane, etcd, worker groups.
    """
    spec = cluster.spec
    out: list[tuple[str, str | None, str | None, str]] = []
    cp = spec.control_plane_configuration
    cp_ref = cp.machine_group_ref if cp is not None else None
    out.append((CONTROL_PLANE, None, cp_ref.name if cp_ref else None,
                "spec.controlPlaneConfiguration.machineGroupRef.name"))
    etcd = spec.external_etcd_configuration
    if etcd is not None:
        ref = etcd.machine_group_ref
        out.append((ETCD, None, ref.name if ref else None, "spec.externalEtcdConfiguration.machineGroupRef.name"))
    for i, group in enumerate(spec.worker_node_group_configurations or []):
        ref = group.machine_group_ref
        out.append((WORKERS, group.name, ref.name if ref else None,
                    f"spec.workerNodeGroupConfigurations[{i}].machineGroupRef.name"))
    return out


def _etcd_machine_config_name(cluster: Any) -> str | None:
    etcd = cluster.spec.external_etcd_configuration
    ref = etcd.machine_group_ref if etcd is not None else None
    return ref.name if ref is not None else None


def default_user(os_family: str) -> str:
    """The default node user of an OS family: ``ec2-user`` for Bottlerocket, ``capv`` for Ubuntu and RedHat."""
    return "ec2-user" if os_family == BOTTLEROCKET else "capv"


def _full_path(folder_type: str, path: str | None, datacenter: str | None) -> str | None:
    """``name`` -> ``/<dc>/<folder_type>/name``; absolute paths (and empty values) are kept."""
    if not path or path.startswith("/") or not datacenter:
        return path
    return f"/{datacenter.strip('/')}/{folder_type}/{path}"


def _warn(config: ClusterConfig, message: str, obj: Any, field: str | None = None) -> None:
    log.warning("%s", message)
    config.warnings.append(
        config.locate(SpecError(message, warning=True, kind=obj.kind, name=obj.name, field=field), obj)
    )


# ------------------------------------------------------------------------------------------------ defaults


def set_datacenter_defaults(config: ClusterConfig, dc: VSphereDatacenterConfig) -> None:
    """Full network path (``/<dc>/network/<name>``, also for failure domains) and insecure mode."""
    spec = dc.spec
    spec.network = _full_path("network", spec.network, spec.datacenter)
    for fd in spec.failure_domains or []:
        fd.network = _full_path("network", fd.network, spec.datacenter)
    if spec.insecure:
        spec.thumbprint = ""
        _warn(config, INSECURE_WARNING, dc, "spec.insecure")


def set_machine_config_defaults(config: ClusterConfig, mc: VSphereMachineConfig, *, etcd: bool = False) -> None:
    """Size, OS family, users and disk defaults of one machine config (those that need no vCenter)."""
    spec = mc.spec
    if not spec.memory_mib or spec.memory_mib <= 0:
        log.info("VSphereMachineConfig %s memoryMiB is not set or is empty. Defaulting to %d.", mc.name,
                 DEFAULT_MEMORY_MIB)
        spec.memory_mib = DEFAULT_MEMORY_MIB
    if spec.memory_mib < MIN_MEMORY_MIB:
        _warn(config, f"Warning: VSphereMachineConfig MemoryMiB for {mc.name} should not be less than "
                      f"{MIN_MEMORY_MIB}. Defaulting to {MIN_MEMORY_MIB}", mc, "spec.memoryMiB")
        spec.memory_mib = MIN_MEMORY_MIB
    if etcd and spec.memory_mib < ETCD_MIN_MEMORY_MIB:
        _warn(config, f"Warning: VSphereMachineConfig MemoryMiB for etcd machines should not be less than "
                      f"{ETCD_MIN_MEMORY_MIB}. Defaulting to {ETCD_MIN_MEMORY_MIB}", mc, "spec.memoryMiB")
        spec.memory_mib = ETCD_MIN_MEMORY_MIB
    if not spec.num_cpus or spec.num_cpus <= 0:
        log.info("VSphereMachineConfig %s numCPUs is not set or is empty. Defaulting to %d.", mc.name,
                 DEFAULT_NUM_CPUS)
        spec.num_cpus = DEFAULT_NUM_CPUS
    if not spec.os_family:
        _warn(config, "Warning: OSFamily not specified in machine config specification. Defaulting to "
                      "Bottlerocket.", mc, "spec.osFamily")
        spec.os_family = BOTTLEROCKET
    if not spec.disk_gib or spec.disk_gib <= 0:
        log.info("VSphereMachineConfig %s diskGiB is not set or is empty. Defaulting to %d.", mc.name,
                 DEFAULT_DISK_GIB)
        spec.disk_gib = DEFAULT_DISK_GIB
    elif spec.disk_gib < MIN_DISK_GIB:
        _warn(config, f"Warning: VSphereMachineConfig DiskGiB cannot be less than {MIN_DISK_GIB}. Defaulting to "
                      f"{MIN_DISK_GIB}.", mc, "spec.diskGiB")
        spec.disk_gib = MIN_DISK_GIB
    user = default_user(spec.os_family)
    if not spec.users:
        spec.users = [UserConfiguration(name=user, ssh_authorized_keys=[""])]
    first = spec.users[0]
    if not first.name:
        first.name = user
    if not first.ssh_authorized_keys:
        first.ssh_authorized_keys = [""]


@hookimpl
def eksa_set_defaults(config: ClusterConfig) -> None:
    """vSphere defaults that need no vCenter (see :func:`set_datacenter_defaults`,
    :func:`set_machine_config_defaults`)."""
    if config.has_cluster() and not _is_vsphere(config):
        return
    for dc in config.of_kind(DC_KIND):
        set_datacenter_defaults(config, dc)
    etcd_name = _etcd_machine_config_name(config.cluster) if config.has_cluster() else None
    for mc in _machine_configs(config):
        set_machine_config_defaults(config, mc, etcd=mc.name == etcd_name)


# ------------------------------------------------------------------------------------------------ static checks


def _err(message: str, obj: Any, field: str | None) -> SpecError:
    return SpecError(message, kind=obj.kind, name=obj.name, field=field)


def validate_datacenter(dc: VSphereDatacenterConfig, cluster: Any = None) -> list[SpecError]:
    """Static checks of a ``VSphereDatacenterConfig`` (server, datacenter, network, failure domains) and, given the
    cluster, of the failure domains its worker groups name."""
    spec = dc.spec
    errors: list[SpecError] = []
    if not spec.server:
        errors.append(_err("VSphereDatacenterConfig server is not set or is empty", dc, "spec.server"))
    if not spec.datacenter:
        errors.append(_err("VSphereDatacenterConfig datacenter is not set or is empty", dc, "spec.datacenter"))
    if not spec.network:
        errors.append(_err("VSphereDatacenterConfig VM network is not set or is empty", dc, "spec.network"))
    names: set[str] = set()
    for i, fd in enumerate(spec.failure_domains or []):
        where = f"spec.failureDomains[{i}]"
        label = fd.name or str(i)
        for attr, wire in (("name", "name"), ("compute_cluster", "computeCluster"),
                           ("resource_pool", "resourcePool"), ("datastore", "datastore"), ("folder", "folder"),
                           ("network", "network")):
            if not getattr(fd, attr):
                errors.append(_err(f"{wire} is not set or is empty in the FailureDomain: {label}", dc,
                                   f"{where}.{wire}"))
        if fd.name:
            if fd.name in names:
                errors.append(_err(f"failure domain name {fd.name} is not unique", dc, f"{where}.name"))
            names.add(fd.name)
    groups = cluster.spec.worker_node_group_configurations if cluster is not None else None
    for i, group in enumerate(groups or []):
        domains = group.failure_domains or []
        where = f"spec.workerNodeGroupConfigurations[{i}].failureDomains"
        if len(domains) > 1:
            errors.append(SpecError(f"multiple failure domains provided in the worker node group: {group.name}",
                                    kind=cluster.kind, name=cluster.name, field=where))
        for j, domain in enumerate(domains):
            if domain not in names:
                errors.append(SpecError(f"provided invalid failure domain {domain} in the worker node group: "
                                        f"{group.name}", kind=cluster.kind, name=cluster.name,
                                        field=f"{where}[{j}]"))
    return errors


def _validate_machine_config(mc: VSphereMachineConfig, roles: set[str]) -> list[SpecError]:
    spec = mc.spec
    errors: list[SpecError] = []
    if not spec.datastore:
        errors.append(_err(f"VSphereMachineConfig {mc.name} datastore is not set or is empty", mc, "spec.datastore"))
    if not spec.resource_pool:
        errors.append(_err(f"VSphereMachineConfig {mc.name} VM resourcePool is not set or is empty", mc,
                           "spec.resourcePool"))
    os_family = spec.os_family or ""
    if os_family not in OS_FAMILIES:
        errors.append(_err(f"osFamily: {os_family} is not supported, please use one of the following: "
                           f"{BOTTLEROCKET}, {UBUNTU}, {REDHAT}", mc, "spec.osFamily"))
    elif os_family != BOTTLEROCKET and not spec.template:
        # Bottlerocket templates are imported when missing; other OS families must name theirs.
        errors.append(_err("template field is required", mc, "spec.template"))
    if spec.clone_mode and spec.clone_mode not in CLONE_MODES:
        errors.append(_err(f"cloneMode {spec.clone_mode} is not supported, please use one of the following: "
                           f"{', '.join(CLONE_MODES)}", mc, "spec.cloneMode"))
    users = spec.users or []
    if os_family == BOTTLEROCKET and users and users[0].name != "ec2-user":
        errors.append(_err(f"users[0].name {users[0].name} is invalid. Please use 'ec2-user' for Bottlerocket",
                           mc, "spec.users[0].name"))
    if len(users) > 1:
        errors.append(_err("only one user is supported", mc, "spec.users"))
    if spec.networks and roles & {CONTROL_PLANE, ETCD}:
        errors.append(_err(f"networks field is not supported for control plane machine config '{mc.name}', it is "
                           "only supported for worker node groups", mc, "spec.networks"))
    host_os = spec.host_os_configuration
    if host_os is not None and host_os.bottlerocket_configuration is not None and os_family != BOTTLEROCKET:
        errors.append(_err('BottlerocketConfiguration can only be used with osFamily: "bottlerocket"', mc,
                           "spec.hostOSConfiguration.bottlerocketConfiguration"))
    for attr, wire in (("memory_mib", "memoryMiB"), ("num_cpus", "numCPUs"), ("disk_gib", "diskGiB")):
        value = getattr(spec, attr)
        if value is not None and value < 0:
            errors.append(_err(f"VSphereMachineConfig {mc.name} {wire} must not be negative", mc, f"spec.{wire}"))
    return errors


_ROLE_LABEL = {CONTROL_PLANE: "control plane", ETCD: "etcd machines", WORKERS: "worker nodes"}


def validate_config(config: ClusterConfig) -> list[SpecError]:
    """Every static problem of a vSphere spec (datacenter, machine configs, refs, OS family, endpoint), each
    located with kind, name and field. Empty when the config is not a vSphere spec."""
    if not config.has_cluster():
        # a file of vSphere objects only: check each on its own
        errors = [e for dc in config.of_kind(DC_KIND) for e in validate_datacenter(dc)]
        return errors + [e for mc in _machine_configs(config) for e in _validate_machine_config(mc, set())]
    if not _is_vsphere(config):
        return []
    cluster = config.cluster
    errors = []
    dc = _datacenter(config)
    if dc is not None:
        errors += validate_datacenter(dc, cluster)

    used: dict[str, VSphereMachineConfig] = {}
    roles: dict[str, set[str]] = {}
    for role, _group, ref, field in machine_group_refs(cluster):
        if not ref:
            continue  # the core reports a missing machineGroupRef
        mc = config.get(MC_KIND, ref)
        if not isinstance(mc, VSphereMachineConfig):
            errors.append(SpecError(f"cannot find {MC_KIND} {ref} for {_ROLE_LABEL[role]}", kind=cluster.kind,
                                    name=cluster.name, field=field))
            continue
        used.setdefault(ref, mc)
        roles.setdefault(ref, set()).add(role)
    for name, mc in used.items():
        errors += _validate_machine_config(mc, roles[name])

    families = [(mc, mc.spec.os_family or "") for mc in used.values()]
    if families and any(family != families[0][1] for _, family in families):
        first = families[0][1]
        for mc, family in families:
            if family != first:
                errors.append(_err(f"all {MC_KIND}s must have the same osFamily specified", mc, "spec.osFamily"))
                break

    cp = cluster.spec.control_plane_configuration
    host = cp.endpoint.host if cp is not None and cp.endpoint is not None else None
    if host:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            errors.append(SpecError(f"cluster controlPlaneConfiguration.Endpoint.Host is invalid: {host}",
                                    kind=cluster.kind, name=cluster.name,
                                    field="spec.controlPlaneConfiguration.endpoint.host"))
    return errors


@hookimpl
def eksa_validate_config(config: ClusterConfig) -> list[SpecError]:
    """Static validation of the vSphere documents (see :func:`validate_config`), located in the file."""
    return [config.locate(e) for e in validate_config(config)]


# ------------------------------------------------------------------------------------------------ live checks


def check_credentials(env: Mapping[str, str]) -> None:
    """Raise EKS-A's "<KEY> is not set or is empty" for missing vSphere credentials (username first)."""
    errors = [SpecError(f"{key} is not set or is empty", field=key) for key in (ENV_USERNAME, ENV_PASSWORD)
              if not env.get(key)]
    if errors:
        raise SpecErrors(errors, summary="vSphere credentials are missing")


def _skip_validations(context: HookContext) -> set[str]:
    return {name.strip() for value in context.call_options.skip_validations for name in value.split(",")
            if name.strip()}


def _eksd_release_name(spec: Spec) -> str | None:
    release = spec.eksd_releases.get(spec.cluster.spec.kubernetes_version or "")
    name = getattr(release, "name", None) or getattr(getattr(release, "metadata", None), "name", None)
    return str(name) if name else None


def _used_machine_configs(spec: Spec) -> dict[str, VSphereMachineConfig]:
    out: dict[str, VSphereMachineConfig] = {}
    for _role, _group, ref, _field in machine_group_refs(spec.cluster):
        mc = spec.config.get(MC_KIND, ref) if ref else None
        if isinstance(mc, VSphereMachineConfig):
            out.setdefault(mc.name, mc)
    return out


def _run_live_checks(spec: Spec, context: HookContext, *, timeout: float = 30.0) -> None:
    dc = _datacenter(spec.config)
    if dc is None:
        raise SpecErrors([SpecError(f"yamlop content is invalid or does not contain kind {DC_KIND}", kind=DC_KIND)])

    def report(result: live.CheckResult) -> None:
        if result.ok:
            context.log.info("✅ %s", result.message)
        elif result.skipped:
            context.log.debug("%s: %s", result.name, result.message)

    results = live.validate_vcenter(
        dc,
        list(_used_machine_configs(spec).values()) or _machine_configs(spec.config),
        spec.cluster,
        env=context.env,
        eksd_release_name=_eksd_release_name(spec),
        skip=_skip_validations(context),
        timeout=timeout_of(context, timeout),
        on_result=report,
    )
    try:
        live.raise_for_failures(results, datacenter_name=dc.name)
    except SpecErrors as exc:
        raise SpecErrors([spec.config.locate(e) for e in exc], summary=exc.summary) from None


def _record_plan(spec: Spec, context: HookContext, operation: str, checks: Iterable[str]) -> None:
    dc = _datacenter(spec.config)
    context.record(
        "vsphere-validate",
        operation=operation,
        server=dc.spec.server if dc is not None else None,
        datacenter=dc.spec.datacenter if dc is not None else None,
        checks=list(checks),
        skipped=sorted(_skip_validations(context)),
    )


# -- control plane IP ------------------------------------------------------------------------------------


def control_plane_ip_in_use(host: str, port: int = 80, timeout: float = 0.5) -> bool:
    """EKS-A's "is this IP taken" probe: a TCP dial to ``host:port``. An answer of any kind (accepted, refused or
    reset) means a machine owns the address; only a timeout or an unreachable network means it is free."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    except TimeoutError:
        return False
    except OSError as exc:
        return exc.errno in (errno.ECONNREFUSED, errno.ECONNRESET)


def validate_control_plane_ip(spec: Spec, context: HookContext, *, port: int = 80, timeout: float = 0.5) -> None:
    """Fail when the control plane endpoint answers (see :func:`control_plane_ip_in_use`).

    Skipped with ``context.call_options.skip_ip_check`` or the cluster annotation
    ``anywhere.eks.amazonaws.com/skip-ip-check`` (logs "Skipping check for whether control plane ip is in use").
    """
    cluster = spec.cluster
    annotations = cluster.metadata.annotations or {}
    if context.call_options.skip_ip_check or SKIP_IP_CHECK_ANNOTATION in annotations:
        context.log.info("Skipping check for whether control plane ip is in use")
        return
    cp = cluster.spec.control_plane_configuration
    host = cp.endpoint.host if cp is not None and cp.endpoint is not None else None
    if not host:
        return
    if control_plane_ip_in_use(host, port=port, timeout=timeout):
        raise SpecErrors([spec.config.locate(SpecError(
            f"cluster controlPlaneConfiguration.Endpoint.Host {host} is already in use, control plane IP must be "
            "unique", kind=cluster.kind, name=cluster.name, field="spec.controlPlaneConfiguration.endpoint.host"))],
            summary="control plane IP check failed")


# -- SSH keys --------------------------------------------------------------------------------------------


def _needs_key(mc: VSphereMachineConfig) -> bool:
    users = mc.spec.users or []
    if not users:
        return True
    keys = users[0].ssh_authorized_keys or []
    return not keys or not keys[0]


def _write_private(path: Path, data: bytes) -> None:
    """Mode 0600 whatever the umask or an existing file's mode; atomic; a symlink replaced, never followed."""
    write_file_atomic(path, data)


def _generate_keypair() -> tuple[bytes, str]:
    """A new RSA 4096 key: (OpenSSH private key bytes, ``ssh-rsa ...`` public key)."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        return _generate_with_ssh_keygen()
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, public.decode()


def _generate_with_ssh_keygen() -> tuple[bytes, str]:
    with tempfile.TemporaryDirectory(prefix="eksa-keygen-") as tmp:
        path = Path(tmp) / "key"
        subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "4096", "-N", "", "-f", str(path)],
                       check=True, capture_output=True)
        return path.read_bytes(), path.with_suffix(".pub").read_text().strip()


def ensure_ssh_keys(spec: Spec, context: HookContext,
                    generate: Callable[[], tuple[bytes, str]] = _generate_keypair) -> Path | None:
    """Give every machine config whose first user has no SSH key the key in ``<cluster_dir>/eks-a-id_rsa.pub``.

    The key pair is generated once (files ``eks-a-id_rsa`` and ``eks-a-id_rsa.pub``, mode 0600) and reused when
    both files already exist (a resumed create). Returns the private key path, ``None`` when no config needed a
    key. The private key is never logged.
    """
    needing = [mc for mc in _machine_configs(spec.config) if _needs_key(mc)]
    if not needing:
        return None
    directory = Path(context.cluster_dir)
    private_path = directory / PRIVATE_KEY_FILE
    public_path = directory / PUBLIC_KEY_FILE
    if context.dry_run:
        context.record("generate-ssh-key", path=str(private_path),
                       machine_configs=[mc.name for mc in needing])
        return None
    if private_path.is_file() and public_path.is_file():
        public = public_path.read_text().strip()
    else:
        directory.mkdir(parents=True, exist_ok=True)
        private, public = generate()
        _write_private(private_path, private)
        _write_private(public_path, (public + "\n").encode())
        del private
        username = (needing[0].spec.users or [UserConfiguration(name=default_user(needing[0].os_family()))])[0].name
        context.log.info("Private key saved to %s. Use 'ssh -i %s %s@<Node-IP-Address>' to login to your cluster "
                         "node", private_path, private_path, username)
    for mc in needing:
        if not mc.spec.users:
            mc.spec.users = [UserConfiguration(name=default_user(mc.os_family()), ssh_authorized_keys=[public])]
        else:
            mc.spec.users[0].ssh_authorized_keys = [public, *(mc.spec.users[0].ssh_authorized_keys or [])[1:]]
    return private_path


# -- the hooks -------------------------------------------------------------------------------------------

_LIVE_CHECKS = ("vsphere-connection", "vsphere-authentication", "vsphere-thumbprint", "vsphere-datacenter",
                "vsphere-network", "vsphere-machine-networks", "vsphere-failure-domains", "vsphere-machine-configs",
                "vsphere-os-family", "vsphere-control-plane-endpoint", "vsphere-datastore", "vsphere-folder",
                "vsphere-resource-pool", "vsphere-template", "vsphere-machine-tags", "vsphere-datastore-capacity",
                "vsphere-resource-pool-memory", live.PRIVILEGE_CHECK)


@hookimpl
def eksa_setup_and_validate_create(spec: Spec, context: HookContext) -> None:
    """Before a create: credentials, live vCenter checks, SSH key generation, control plane IP check."""
    if not _is_vsphere(spec.config):
        return
    check_credentials(context.env)
    if context.dry_run:
        skip = _skip_validations(context)
        _record_plan(spec, context, "create", [c for c in _LIVE_CHECKS if c not in skip] + ["control-plane-ip"])
        ensure_ssh_keys(spec, context)
        return
    _run_live_checks(spec, context)
    ensure_ssh_keys(spec, context)
    validate_control_plane_ip(spec, context, port=context.call_options.ip_check_port)


def _machine_config_name_changes(spec: Spec, current_spec: Spec) -> list[SpecError]:
    """A control plane or etcd machine config renamed on upgrade must not take the name of a config the running
    cluster already has ("machineconfig <n> already exists")."""
    errors: list[SpecError] = []
    current_names = {mc.name for mc in _machine_configs(current_spec.config)}
    new_refs = {role: (ref, field) for role, _g, ref, field in machine_group_refs(spec.cluster)
                if role in (CONTROL_PLANE, ETCD)}
    old_refs = {role: ref for role, _g, ref, _f in machine_group_refs(current_spec.cluster)
                if role in (CONTROL_PLANE, ETCD)}
    for role, (ref, field) in new_refs.items():
        if ref and role in old_refs and old_refs[role] != ref and ref in current_names:
            errors.append(spec.config.locate(SpecError(f"machineconfig {ref} already exists", kind=spec.cluster.kind,
                                                       name=spec.cluster.name, field=field)))
    return errors


@hookimpl
def eksa_setup_and_validate_upgrade(spec: Spec, current_spec: Spec, context: HookContext) -> None:
    """Before an upgrade: credentials, machine config name uniqueness, live vCenter checks on the new spec."""
    if not _is_vsphere(spec.config):
        return
    check_credentials(context.env)
    errors = _machine_config_name_changes(spec, current_spec)
    if errors:
        raise SpecErrors(errors, summary="vSphere upgrade validation failed")
    if context.dry_run:
        skip = _skip_validations(context)
        _record_plan(spec, context, "upgrade", [c for c in _LIVE_CHECKS if c not in skip])
        return
    _run_live_checks(spec, context)


@hookimpl
def eksa_setup_and_validate_delete(spec: Spec, context: HookContext) -> None:
    """Before a delete: only the credentials are needed (EKS-A checks the environment, nothing more)."""
    if not _is_vsphere(spec.config):
        return
    check_credentials(context.env)
    if context.dry_run:
        _record_plan(spec, context, "delete", ["vsphere-credentials"])


# ------------------------------------------------------------------------------------------------ immutability


def validate_new_spec(spec: Spec, current_spec: Spec) -> list[SpecError]:
    """Immutable vSphere fields: datacenter ``server``, ``datacenter``, ``network``; per machine config present in
    both specs ``storagePolicyName`` and ``osFamily``."""
    errors: list[SpecError] = []
    new_dc, old_dc = _datacenter(spec.config), _datacenter(current_spec.config)
    if new_dc is not None and old_dc is not None:
        for attr in ("server", "datacenter", "network"):
            old, new = getattr(old_dc.spec, attr), getattr(new_dc.spec, attr)
            if (old or "") != (new or ""):
                errors.append(spec.config.locate(_err(
                    f"spec.{attr} is immutable. Previous value {old or ''}, new value {new or ''}", new_dc,
                    f"spec.{attr}")))
    old_mcs = {mc.name: mc for mc in _machine_configs(current_spec.config)}
    for mc in _machine_configs(spec.config):
        old_mc = old_mcs.get(mc.name)
        if old_mc is None:
            continue
        for attr, wire in (("storage_policy_name", "storagePolicyName"), ("os_family", "osFamily")):
            old, new = getattr(old_mc.spec, attr) or "", getattr(mc.spec, attr) or ""
            if old != new:
                errors.append(spec.config.locate(_err(
                    f"spec.{wire} is immutable. Previous value {old}, new value {new}", mc, f"spec.{wire}")))
    return errors


@hookimpl
def eksa_validate_new_spec(spec: Spec, current_spec: Spec) -> list[SpecError]:
    """Reject changes to immutable vSphere fields (see :func:`validate_new_spec`)."""
    if not _is_vsphere(spec.config):
        return []
    return validate_new_spec(spec, current_spec)
