"""Setup and validation of bare metal (Tinkerbell) creates and upgrades: the checks that need the hardware
catalogue, the local machine, the network or the management cluster (EKS Anywhere's
``SetupAndValidateCreateCluster`` / ``SetupAndValidateUpgradeCluster``).

Create (:func:`setup_and_validate_create`), every problem reported at once where the checks are independent:

1. external etcd is refused ("external etcd configuration is unsupported");
2. the hardware CSV (``context.call_options.hardware_csv``, EKS-A's ``--hardware-csv``) is required for a management
   cluster ("required flag \\"hardware-csv\\" not set"), must exist ("hardware config file <f> does not exist") and
   is read with every static machine assertion (each problem located at its file, line and column);
3. a workload cluster's catalogue also holds the management cluster's unprovisioned ``Hardware``, and its
   ``tinkerbellIP`` must be the management cluster's (read from the management cluster named by
   ``context.management_kubeconfig``);
4. minimum hardware per selector and one selector per machine (:func:`eksa_baremetal.validation.hardware_errors`);
5. management cluster: the local ports of the bootstrap Tinkerbell stack (80, 42113, 7172) are free (not checked
   when resuming a create, whose own bootstrap stack may hold them);
6. unless ``skip_ip_check``: the control plane endpoint is not in use, and for a management cluster neither is
   ``tinkerbellIP`` (a TCP dial with a 500 ms timeout; a connection, a refusal or a reset all mean a host answers).

Upgrade (:func:`setup_and_validate_upgrade`): external etcd refused; the catalogue is the cluster's Hardware read
from the management cluster plus an optional CSV; only unprovisioned hardware (no
``v1alpha1.tinkerbell.org/ownerName`` label) is available; unless every group upgrades in place, a rolling upgrade
needs ``maxSurge`` (default 1) spare machines per rolled group ("for rolling upgrade, minimum hardware count not
met for selector ..."), a scale up needs the added count, and scaling while rolling is refused ("cannot perform
scale up or down during rolling upgrades"). A workload cluster's new hardware is applied to the management cluster
and its BMCs waited for.

In a dry run nothing is contacted: the CSV is still read and checked (a local file), and the network and cluster
checks are recorded with ``context.record`` instead.

Tuning through the call's :class:`~eksa_baremetal.settings.TinkerbellSettings` (SDK users; tests point them at
127.0.0.1): ``local_ports`` (ports to find free), ``local_host`` (where to look, default 127.0.0.1),
``ip_check_port`` (default 80), ``dialer`` (a :data:`Dialer`), ``bmc_timeout`` (seconds).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from eksa_core import hookimpl
from eksa_core.errors import EksaError, SpecError, SpecErrors

from .hardware import (
    HARDWARE_NAMESPACE,
    OWNER_NAME_LABEL,
    Catalogue,
    Machine,
    hardware_manifests,
    selector_string,
)
from .models import DATACENTER_KIND, MACHINE_KIND, TinkerbellDatacenterConfig, TinkerbellMachineConfig
from .settings import settings_of

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, KubeClient, Spec

__all__ = [
    "DIAL_TIMEOUT",
    "EKSA_API_VERSION",
    "HARDWARE_API_VERSION",
    "IP_CHECK_PORT",
    "LOCAL_PORTS",
    "Dialer",
    "SetupOptions",
    "cluster_hardware",
    "eksa_setup_and_validate_create",
    "eksa_setup_and_validate_upgrade",
    "generate_hardware",
    "ip_in_use",
    "load_catalogue",
    "local_ip",
    "machine_from_hardware",
    "management_client",
    "ports_in_use",
    "rolling_upgrade_errors",
    "setup_and_validate_create",
    "setup_and_validate_upgrade",
    "tcp_dial",
]

log = logging.getLogger("eksa.tinkerbell")

LOCAL_PORTS: tuple[int, ...] = (80, 42113, 7172)
"""Ports the bootstrap Tinkerbell stack binds on the local machine (smee HTTP, tink-server gRPC, metadata)."""

IP_CHECK_PORT = 80
"""Port dialled to find out whether an IP is in use."""

DIAL_TIMEOUT = 0.5
"""Seconds a dial may take before the IP counts as free."""

HARDWARE_API_VERSION = "tinkerbell.org/v1alpha1"
EKSA_API_VERSION = "anywhere.eks.amazonaws.com/v1alpha1"

Dialer = Callable[[str, int, float], None]
"""``dial(host, port, timeout)``: connect and close, or raise :class:`OSError` (``TimeoutError``,
``ConnectionRefusedError``...)."""


# ---------------------------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------------------------


def tcp_dial(host: str, port: int, timeout: float) -> None:
    """Open a TCP connection to ``host:port`` within ``timeout`` seconds and close it (raises on failure)."""
    with socket.create_connection((host, port), timeout=timeout):
        pass


@attrs.define
class SetupOptions:
    """What the setup checks take from the call context: its typed options and the
    :class:`~eksa_baremetal.settings.TinkerbellSettings` (see the module docstring)."""

    hardware_csv: str | None = None
    management_kubeconfig: Path | None = None
    skip_ip_check: bool = False
    local_ports: tuple[int, ...] = LOCAL_PORTS
    local_host: str = "127.0.0.1"
    ip_check_port: int = IP_CHECK_PORT
    dial: Dialer = tcp_dial
    bmc_timeout: float = 300.0

    @classmethod
    def from_context(cls, context: HookContext) -> SetupOptions:
        """Read the options of a hook context."""
        tuned = settings_of(context)
        typed = context.call_options
        return cls(
            hardware_csv=str(typed.hardware_csv) if typed.hardware_csv else None,
            management_kubeconfig=context.management_kubeconfig,
            skip_ip_check=typed.skip_ip_check,
            local_ports=LOCAL_PORTS if tuned.local_ports is None else tuned.local_ports,
            local_host=tuned.local_host or "127.0.0.1",
            ip_check_port=int(tuned.ip_check_port or IP_CHECK_PORT),
            dial=tuned.dialer or tcp_dial,
            bmc_timeout=float(tuned.bmc_timeout or 300.0),
        )


# ---------------------------------------------------------------------------------------------------------------
# Network checks
# ---------------------------------------------------------------------------------------------------------------

_ANSWERED = (errno.ECONNREFUSED, errno.ECONNRESET)


def ip_in_use(ip: str, *, port: int = IP_CHECK_PORT, timeout: float = DIAL_TIMEOUT, dial: Dialer = tcp_dial) -> bool:
    """Whether a host answers on ``ip``: a TCP dial to ``ip:port`` connects, is refused or is reset. A timeout
    (or an unreachable network) means the IP is free."""
    try:
        dial(ip, port, timeout)
    except OSError as exc:
        return isinstance(exc, ConnectionRefusedError | ConnectionResetError) or exc.errno in _ANSWERED
    return True


def ports_in_use(ports: Iterable[int], host: str = "127.0.0.1") -> list[int]:
    """The ``ports`` that something already uses on ``host``: a listener accepts a connection, or binding the port
    fails with "address in use"."""
    busy: list[int] = []
    for port in ports:
        if _port_busy(host, port):
            busy.append(port)
    return busy


def _port_busy(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=DIAL_TIMEOUT):
            return True
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _format_ports(ports: Sequence[int]) -> str:
    return "[" + " ".join(str(p) for p in ports) + "]"


def local_ip() -> str:
    """The first IPv4 address of this machine that is not a loopback address (what EKS Anywhere uses as the
    bootstrap IP when ``--tinkerbell-bootstrap-ip`` is not given)."""
    candidates: list[str] = []
    try:
        import fcntl
        import struct

        for _index, name in socket.if_nameindex():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
                except OSError:
                    continue
                candidates.append(socket.inet_ntoa(packed[20:24]))
    except (ImportError, OSError):
        pass
    with contextlib.suppress(OSError):
        candidates += [str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    for ip in candidates:
        if not ip.startswith("127."):
            return ip
    raise EksaError("cannot determine the local IP address for the bootstrap Tinkerbell stack; pass the "
                    "tinkerbell_bootstrap_ip option (--tinkerbell-bootstrap-ip)")


# ---------------------------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------------------------


def load_catalogue(path: str | Path | None) -> Catalogue:
    """The catalogue of a hardware CSV, every static machine assertion applied (raises :class:`SpecErrors`
    with each problem located at the file, line and column). ``None`` gives an empty catalogue."""
    if path is None:
        return Catalogue()
    return Catalogue.from_csv_file(path)


def machine_from_hardware(obj: Mapping[str, Any]) -> Machine:
    """A :class:`Machine` record of a ``Hardware`` object read from a cluster (BMC credentials are not read:
    they stay in the cluster's Secrets)."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    interfaces = spec.get("interfaces") or [{}]
    dhcp = (interfaces[0] or {}).get("dhcp") or {}
    ip = dhcp.get("ip") or {}
    disks = spec.get("disks") or [{}]
    return Machine(
        hostname=str(meta.get("name") or ""),
        ip_address=str(ip.get("address") or ""),
        netmask=str(ip.get("netmask") or ""),
        gateway=str(ip.get("gateway") or ""),
        nameservers=[str(n) for n in dhcp.get("name_servers") or []],
        mac_address=str(dhcp.get("mac") or ""),
        disk=str((disks[0] or {}).get("device") or ""),
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        vlan_id=str(dhcp.get("vlan_id") or ""),
    )


def cluster_hardware(kube: KubeClient, *, unprovisioned_only: bool = False) -> list[Machine]:
    """The ``Hardware`` of a cluster (namespace ``eksa-system``) as machine records; with ``unprovisioned_only``
    only hardware without the owner label (``!v1alpha1.tinkerbell.org/ownerName``)."""
    selector = f"!{OWNER_NAME_LABEL}" if unprovisioned_only else None
    items = kube.list(HARDWARE_API_VERSION, "Hardware", HARDWARE_NAMESPACE, label_selector=selector)
    return [machine_from_hardware(item) for item in items]


def management_client(context: HookContext, options: SetupOptions, spec: Spec) -> KubeClient | None:
    """A client of the management cluster: ``management_kubeconfig`` when given, else (a management cluster) the
    cluster's own kubeconfig ``<cluster>/<cluster>-eks-a-cluster.kubeconfig`` when it exists."""
    from eksa_core.provider import ClusterHandle

    path = options.management_kubeconfig
    if path is None and spec.cluster.is_self_managed():
        own = context.cluster_dir / f"{spec.name}-eks-a-cluster.kubeconfig"
        path = own if own.is_file() else None
    if path is None:
        return None
    return context.kube(ClusterHandle(spec.cluster.management_cluster_name, path))


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _datacenter(spec: Spec) -> TinkerbellDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, TinkerbellDatacenterConfig):
        raise SpecError(f"{DATACENTER_KIND} not found in the cluster spec", kind=DATACENTER_KIND)
    return dc


def _locate(spec: Spec, errors: Iterable[SpecError]) -> list[SpecError]:
    out = []
    for e in errors:
        if e.file is None and e.kind is not None:
            obj = spec.config.get(e.kind, e.name) if e.name else None
            out.append(spec.config.locate(e, obj))
        else:
            out.append(e)
    return out


def _raise(spec: Spec, errors: list[SpecError], summary: str) -> None:
    SpecErrors.raise_if_any(_locate(spec, errors), summary=summary)


def _external_etcd_errors(spec: Spec) -> list[SpecError]:
    if spec.cluster.spec.external_etcd_configuration is None:
        return []
    return [SpecError("external etcd configuration is unsupported", kind="Cluster", name=spec.name,
                      field="spec.externalEtcdConfiguration")]


def _read_csv(options: SetupOptions, *, required: bool) -> tuple[Catalogue, list[SpecError]]:
    if not options.hardware_csv:
        if required:
            return Catalogue(), [SpecError('required flag "hardware-csv" not set')]
        return Catalogue(), []
    try:
        return load_catalogue(options.hardware_csv), []
    except SpecErrors as exc:
        return Catalogue(), list(exc.errors)


def _endpoint_host(spec: Spec) -> str:
    cp = spec.cluster.spec.control_plane_configuration
    return (cp.endpoint.host if cp and cp.endpoint else None) or ""


def _resuming(spec: Spec, context: HookContext) -> bool:
    """Whether this run continues an interrupted one (the call context says so): the setup checks run again
    then."""
    return context.resuming


def _network_errors(spec: Spec, context: HookContext, options: SetupOptions, *, management: bool) -> list[SpecError]:
    """Local ports (management clusters) and IPs in use (unless ``skip_ip_check``)."""
    out: list[SpecError] = []
    dc = _datacenter(spec)
    if management:
        if context.dry_run:
            context.record("check-local-ports", ports=list(options.local_ports))
        elif _resuming(spec, context):
            context.log.info("Resuming a create: the local ports may be held by its own bootstrap Tinkerbell "
                             "stack, not checked")
        else:
            busy = ports_in_use(options.local_ports, options.local_host)
            if busy:
                out.append(SpecError(f"localhost ports {_format_ports(busy)} are already in use, please ensure "
                                     f"these ports are available"))
    if options.skip_ip_check:
        context.log.info("Skipping check for whether control plane ip is in use")
        return out
    checks: list[tuple[str, str, str]] = []
    host = _endpoint_host(spec)
    if host:
        checks.append((host, f"control plane endpoint ip in use: {host}", "spec.controlPlaneConfiguration.endpoint"
                                                                           ".host"))
    tip = dc.spec.tinkerbell_ip or ""
    if management and tip:
        checks.append((tip, f"tinkerbellIP <{tip}> is already in use, please provide a unique IP",
                       "spec.tinkerbellIP"))
    for ip, message, field in checks:
        if context.dry_run:
            context.record("check-ip-in-use", ip=ip, port=options.ip_check_port)
            continue
        if ip_in_use(ip, port=options.ip_check_port, dial=options.dial):
            if field == "spec.tinkerbellIP":
                out.append(SpecError(message, kind=DATACENTER_KIND, name=dc.name, field=field))
            else:
                out.append(SpecError(message, kind="Cluster", name=spec.name, field=field))
    return out


def _management_tinkerbell_ip(kube: KubeClient, spec: Spec) -> str | None:
    """The ``tinkerbellIP`` of the management cluster's datacenter config (``None`` when it cannot be found)."""
    cluster = spec.cluster
    namespace = cluster.namespace or "default"
    mgmt = kube.get_or_none(EKSA_API_VERSION, "Cluster", cluster.management_cluster_name, namespace)
    if mgmt is None:
        return None
    ref = (mgmt.get("spec") or {}).get("datacenterRef") or {}
    if ref.get("kind") not in (None, DATACENTER_KIND) or not ref.get("name"):
        return None
    dc = kube.get_or_none(EKSA_API_VERSION, DATACENTER_KIND, ref["name"], namespace)
    if dc is None:
        return None
    return (dc.get("spec") or {}).get("tinkerbellIP")


def _apply_hardware(kube: KubeClient | None, context: HookContext, cluster_name: str,
                    machines: Sequence[Machine]) -> None:
    """Apply the objects of ``machines`` (Hardware, rufio Machine, BMC Secret) and record their names only."""
    if not machines:
        return
    objects = hardware_manifests(machines)
    context.record("apply-hardware", cluster=cluster_name, hardware=[m.hostname for m in machines],
                   bmc=[f"bmc-{m.hostname}" for m in machines if m.has_bmc()])
    if context.dry_run or kube is None:
        return
    kube.create_namespace(HARDWARE_NAMESPACE)
    kube.apply(objects)


# ---------------------------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------------------------


def setup_and_validate_create(spec: Spec, context: HookContext) -> Catalogue:
    """EKS Anywhere's bare metal ``SetupAndValidateCreateCluster`` (see the module docstring).

    :return: the hardware catalogue the cluster is created from (CSV machines, plus the management cluster's
        unprovisioned hardware for a workload cluster).
    :raises SpecErrors: every failed check, located (spec fields, or CSV file, line and column).
    """
    from .validation import hardware_errors

    options = SetupOptions.from_context(context)
    management = spec.cluster.is_self_managed()
    errors = _external_etcd_errors(spec)
    catalogue, csv_errors = _read_csv(options, required=management)
    errors += csv_errors
    _raise(spec, errors, "tinkerbell setup and validation failed")
    dc = _datacenter(spec)

    from_csv = list(catalogue.machines)
    kube: KubeClient | None = None
    if not management:
        if context.dry_run:
            context.record("read-management-hardware", cluster=spec.cluster.management_cluster_name)
        else:
            kube = management_client(context, options, spec)
        if kube is not None:
            mgmt_ip = _management_tinkerbell_ip(kube, spec)
            if mgmt_ip is not None and mgmt_ip != dc.spec.tinkerbell_ip:
                errors.append(SpecError("workload cluster Tinkerbell IP must match managment cluster "
                                        "Tinkerbell IP", kind=DATACENTER_KIND, name=dc.name,
                                        field="spec.tinkerbellIP"))
            catalogue = Catalogue(cluster_hardware(kube, unprovisioned_only=True))
            catalogue.add(from_csv)

    errors += hardware_errors(spec.config, catalogue)
    errors += _network_errors(spec, context, options, management=management)
    _raise(spec, errors, "tinkerbell setup and validation failed")
    if not management and from_csv and (kube is not None or context.dry_run):
        # A workload cluster's machines are provisioned by its management cluster: its new hardware goes there.
        from .bmc import wait_for_bmc

        _apply_hardware(kube, context, spec.cluster.management_cluster_name, from_csv)
        if kube is not None:
            wait_for_bmc(kube, context, timeout=options.bmc_timeout,
                         names=[f"bmc-{m.hostname}" for m in from_csv if m.has_bmc()])
    return catalogue


# ---------------------------------------------------------------------------------------------------------------
# Upgrade
# ---------------------------------------------------------------------------------------------------------------


def _machine_configs(spec: Spec) -> dict[str, TinkerbellMachineConfig]:
    return {m.name: m for m in spec.config.of_kind(MACHINE_KIND)}


def _selector(spec: Spec, ref: Any) -> Any:
    mc = _machine_configs(spec).get(ref.name) if ref is not None else None
    if mc is None:
        return None
    return mc.spec.hardware_selector or mc.spec.hardware_affinity or {}


def _worker_count(group: Any) -> int:
    if group.count is not None:
        return int(group.count)
    if group.autoscaling_configuration is not None:
        return int(group.autoscaling_configuration.min_count or 0)
    return 0


def _in_place(spec: Spec) -> bool:
    cp = spec.cluster.spec.control_plane_configuration
    strategy = cp.upgrade_rollout_strategy if cp is not None else None
    return strategy is not None and (strategy.type or "") == "InPlace"


def rolling_upgrade_errors(current: Spec, new: Spec, catalogue: Catalogue) -> list[SpecError]:
    """The extra-hardware checks of an upgrade (skipped when the cluster upgrades in place).

    A group whose machines are replaced (new machine templates: Kubernetes version, bundle, OS image, selector,
    template...) needs ``maxSurge`` spare machines (control plane ``rollingUpdate.maxSurge``, a worker group's own,
    default 1) and must not change its count at the same time; a group that only scales up needs the added
    machines; a new worker group needs its count.
    """
    from .machines import needs_new_machine_templates

    if _in_place(new):
        return []
    errors: list[SpecError] = []
    rolling: list[tuple[Any, int]] = []
    scaling: list[tuple[Any, int]] = []
    cluster = new.cluster
    old_cp = current.cluster.spec.control_plane_configuration
    cp = cluster.spec.control_plane_configuration
    if cp is not None and (sel := _selector(new, cp.machine_group_ref)) is not None:
        old_count = (old_cp.count if old_cp is not None else None) or 0
        count = cp.count or 0
        if needs_new_machine_templates(current, new, "control-plane", None):
            if count != old_count:
                errors.append(SpecError("cannot perform scale up or down during rolling upgrades", kind="Cluster",
                                        name=new.name, field="spec.controlPlaneConfiguration.count"))
            strategy = cp.upgrade_rollout_strategy
            surge = strategy.rolling_update.max_surge if strategy and strategy.rolling_update else None
            rolling.append((sel, 1 if surge is None else int(surge)))
        elif count > old_count:
            scaling.append((sel, count - old_count))
    old_groups = {g.name: g for g in current.cluster.worker_groups()}
    for i, group in enumerate(cluster.worker_groups()):
        sel = _selector(new, group.machine_group_ref)
        if sel is None:
            continue
        old = old_groups.get(group.name)
        count = _worker_count(group)
        if old is None:
            scaling.append((sel, count))
            continue
        old_count = _worker_count(old)
        if needs_new_machine_templates(current, new, "workers", group.name):
            if count != old_count:
                errors.append(SpecError("cannot perform scale up or down during rolling upgrades", kind="Cluster",
                                        name=new.name, field=f"spec.workerNodeGroupConfigurations[{i}].count"))
            worker_strategy = group.upgrade_rollout_strategy
            surge = (worker_strategy.rolling_update.max_surge
                     if worker_strategy and worker_strategy.rolling_update else None)
            rolling.append((sel, 1 if surge is None else int(surge)))
        elif count > old_count:
            scaling.append((sel, count - old_count))
    if errors:
        return errors
    errors += _count_errors(rolling, catalogue, "for rolling upgrade, ")
    errors += _count_errors(scaling, catalogue, "")
    return errors


def _count_errors(requirements: Iterable[tuple[Any, int]], catalogue: Catalogue, prefix: str) -> list[SpecError]:
    needed: dict[str, tuple[Any, int]] = {}
    for selector, count in requirements:
        key = selector_string(selector)
        needed[key] = (selector, needed.get(key, (selector, 0))[1] + max(count, 0))
    out = []
    for key, (selector, count) in needed.items():
        have = len(catalogue.matching(selector))
        if have < count:
            out.append(SpecError(f"{prefix}minimum hardware count not met for selector '{key}': have {have}, "
                                 f"require {count}"))
    return out


def setup_and_validate_upgrade(spec: Spec, current_spec: Spec, context: HookContext) -> Catalogue:
    """EKS Anywhere's bare metal ``SetupAndValidateUpgradeCluster`` (see the module docstring).

    :return: the catalogue of available (unprovisioned) hardware the upgrade may use.
    :raises SpecErrors: every failed check.
    """
    options = SetupOptions.from_context(context)
    errors = _external_etcd_errors(spec)
    from_csv, csv_errors = _read_csv(options, required=False)
    errors += csv_errors
    _raise(spec, errors, "tinkerbell setup and validation failed")
    catalogue = Catalogue()
    kube: KubeClient | None = None
    if context.dry_run:
        context.record("read-cluster-hardware", cluster=spec.cluster.management_cluster_name)
    else:
        kube = management_client(context, options, spec)
        if kube is not None:
            catalogue.add(cluster_hardware(kube))
    catalogue.add(from_csv.machines)
    available = Catalogue(catalogue.available())
    errors += rolling_upgrade_errors(current_spec, spec, available)
    _raise(spec, errors, "tinkerbell setup and validation failed")
    if from_csv.machines and (kube is not None or context.dry_run):
        from .bmc import wait_for_bmc

        _apply_hardware(kube, context, spec.cluster.management_cluster_name, from_csv.machines)
        if kube is not None:
            wait_for_bmc(kube, context, timeout=options.bmc_timeout,
                         names=[f"bmc-{m.hostname}" for m in from_csv.machines if m.has_bmc()])
    return available


# ---------------------------------------------------------------------------------------------------------------
# eksa generate hardware
# ---------------------------------------------------------------------------------------------------------------


def generate_hardware(hardware_csv: str | Path) -> str:
    """``eksa generate hardware -z <csv>``: the Hardware, rufio Machine and BMC Secret objects of every machine of
    the CSV as multi-document YAML (the CSV is checked first; every problem raised at once, located)."""
    from .hardware import hardware_yaml

    return hardware_yaml(load_catalogue(hardware_csv).machines)


@hookimpl
def eksa_setup_and_validate_create(spec: Any, context: Any) -> None:
    """Bare metal create checks: hardware CSV and catalogue, hardware counts, local ports, IPs in use, the
    management cluster's ``tinkerbellIP`` (see :func:`eksa_baremetal.setup.setup_and_validate_create`)."""
    if not isinstance(spec.datacenter(), TinkerbellDatacenterConfig):
        return
    setup_and_validate_create(spec, context)


@hookimpl
def eksa_setup_and_validate_upgrade(spec: Any, current_spec: Any, context: Any) -> None:
    """Bare metal upgrade checks: the catalogue with the cluster's hardware and the optional CSV, spare hardware
    for rolling upgrades (see :func:`eksa_baremetal.setup.setup_and_validate_upgrade`)."""
    if not isinstance(spec.datacenter(), TinkerbellDatacenterConfig):
        return
    setup_and_validate_upgrade(spec, current_spec, context)
