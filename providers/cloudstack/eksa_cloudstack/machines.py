"""Machine hooks of the CloudStack provider: removing a deleted cluster's VMs (EKS-A's ``CleanupVms``).

EKS-A lists VMs by ``keyword=<cluster>`` and destroys every hit, which also catches the VMs of ``<cluster>2`` or of
any cluster whose name contains this one. Here a VM is the cluster's only when

* its name starts with ``<cluster>-``, and
* either a cluster tag names this cluster (``cluster.x-k8s.io/cluster-name`` or ``eksa-cluster-name``), or the rest
  of its name has the shape Cluster API gives this cluster's machines: ``<cluster>-<5 chars>`` (control plane,
  named after the KubeadmControlPlane), ``<cluster>-etcd-<5 chars>`` (etcdadm) or
  ``<cluster>-<worker group>-<hash>-<5 chars>`` (a MachineDeployment of one of the spec's worker groups);
* and no cluster tag names another cluster.

Matching VMs are stopped (``stopVirtualMachine forced=true``) unless already stopped, then destroyed with
``expunge=true`` (a VM destroyed earlier without expunge is expunged); each asynchronous job is awaited with the
client's injectable ``sleep``. Every availability zone is searched with its own credentials profile; a failure on
one VM does not stop the others, and all failures are raised together at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eksa_core import hookimpl
from eksa_core.errors import EksaError

from .client import CloudStackAPIError, CloudStackClient
from .credentials import CloudStackCredentials, credentials_from_env
from .models import CloudStackDatacenterConfig

if TYPE_CHECKING:
    from eksa_core.provider import HookContext, Spec

__all__ = [
    "CLUSTER_TAG_KEYS",
    "CloudStackCleanupError",
    "belongs_to_cluster",
    "cleanup_machines",
    "cluster_vm_pattern",
    "eksa_cleanup_machines",
]

CLUSTER_TAG_KEYS = ("cluster.x-k8s.io/cluster-name", "eksa-cluster-name")
"""VM tag keys whose value names the cluster a VM belongs to."""

_STOPPED_STATES = {"Stopped", "Destroyed", "Expunging", "Error"}


class CloudStackCleanupError(EksaError):
    """Some VMs of the cluster could not be removed. ``failures`` maps VM name to what went wrong."""

    def __init__(self, cluster: str, failures: dict[str, str]) -> None:
        self.cluster = cluster
        self.failures = dict(failures)
        lines = "; ".join(f"{name}: {why}" for name, why in self.failures.items())
        super().__init__(f"failed to clean up {len(failures)} VM(s) of cluster {cluster}: {lines}")


def cluster_vm_pattern(cluster: str, worker_groups: list[str]) -> re.Pattern[str]:
    """The VM names Cluster API gives the machines of ``cluster`` (see the module docstring)."""
    c = re.escape(cluster)
    groups = "|".join(re.escape(g) for g in sorted(worker_groups, key=len, reverse=True) if g)
    alternatives = [r"[a-z0-9]{5}", r"etcd-[a-z0-9]{5}"]
    if groups:
        alternatives.append(rf"(?:{groups})-[a-z0-9]+-[a-z0-9]{{5}}")
    return re.compile(rf"^{c}-(?:{'|'.join(alternatives)})$")


def _cluster_tags(vm: dict[str, Any]) -> set[str]:
    return {str(t.get("value")) for t in vm.get("tags") or [] if t.get("key") in CLUSTER_TAG_KEYS}


def belongs_to_cluster(vm: dict[str, Any], cluster: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``vm`` (an item of ``listVirtualMachines``) is one of ``cluster``'s machines."""
    name = str(vm.get("name") or "")
    if not name.startswith(f"{cluster}-"):
        return False
    tagged = _cluster_tags(vm)
    if tagged:
        return tagged == {cluster}
    return bool(pattern.match(name))


def _zone_scope(client: CloudStackClient, az: Any) -> dict[str, str] | None:
    """``zoneid`` (and ``domainid``/``account``) to list an availability zone's VMs; ``None`` if the zone is
    gone."""
    zone = az.zone
    if zone is None:
        return None
    if zone.id:
        scope = {"zoneid": zone.id}
    else:
        found = client.list_zones(name=zone.name)
        if len(found) != 1:
            return None
        scope = {"zoneid": str(found[0]["id"])}
    if az.domain:
        path = "ROOT" if az.domain == "ROOT" else f"ROOT/{az.domain}"
        domain = next((d for d in client.list_domains(az.domain.split("/")[-1]) if d.get("path") == path), None)
        if domain is not None:
            scope["domainid"] = str(domain["id"])
            if az.account:
                scope["account"] = az.account
    return scope


def cleanup_machines(spec: Spec, context: HookContext, *,
                     client_factory: Callable[..., CloudStackClient] | None = None,
                     sleep: Callable[[float], None] | None = None,
                     credentials: CloudStackCredentials | None = None) -> list[str]:
    """Stop and expunge the VMs of ``spec``'s cluster in every availability zone; return the removed VM names.

    :param client_factory: builds a client from a profile (default :meth:`CloudStackClient.from_profile`); it is
        given ``sleep=`` when ``sleep`` is set.
    :param sleep: how to wait between polls of asynchronous jobs (tests pass a recorder).
    :raises CloudStackCleanupError: some VMs (or a zone's listing) failed; the others were still removed.
    """
    dc = spec.datacenter()
    if not isinstance(dc, CloudStackDatacenterConfig):
        return []
    cluster = spec.name
    pattern = cluster_vm_pattern(cluster, [g.name or "" for g in spec.cluster.worker_groups()])
    if context.dry_run:
        context.record("cloudstack-cleanup-machines", cluster=cluster,
                       availabilityZones=[az.name for az in dc.availability_zones()], namePattern=pattern.pattern)
        return []
    credentials = credentials or credentials_from_env(context.env)
    factory = client_factory or CloudStackClient.from_profile
    kwargs = {"sleep": sleep} if sleep is not None else {}
    clients: dict[str, CloudStackClient] = {}
    failures: dict[str, str] = {}
    removed: list[str] = []
    seen: set[tuple[str, str]] = set()
    for az in dc.availability_zones():
        profile = credentials.get(az.credentials_ref)
        if profile is None:
            failures[f"availabilityZone {az.name}"] = f"no credentials profile {az.credentials_ref}"
            continue
        client = clients.get(profile.name) or clients.setdefault(profile.name, factory(profile, **kwargs))
        try:
            scope = _zone_scope(client, az)
            if scope is None:
                context.log.info("availability zone %s: zone not found, no VMs to clean up", az.name)
                continue
            vms = client.list_virtual_machines(keyword=cluster, listall=True, zoneid=scope.get("zoneid"),
                                               domainid=scope.get("domainid"), account=scope.get("account"))
        except CloudStackAPIError as exc:
            failures[f"availabilityZone {az.name}"] = str(exc)
            continue
        for vm in vms:
            key = (profile.management_url, str(vm.get("id")))
            if key in seen or not belongs_to_cluster(vm, cluster, pattern):
                continue
            seen.add(key)
            name = str(vm.get("name"))
            try:
                if vm.get("state") == "Destroyed":
                    client.expunge_virtual_machine(str(vm["id"]))
                else:
                    if vm.get("state") not in _STOPPED_STATES:
                        client.stop_virtual_machine(str(vm["id"]), forced=True)
                    client.destroy_virtual_machine(str(vm["id"]), expunge=True)
            except CloudStackAPIError as exc:
                failures[name] = str(exc)
                continue
            context.log.info("Deleted VM %s", name)
            removed.append(name)
    if failures:
        raise CloudStackCleanupError(cluster, failures)
    return removed


@hookimpl
def eksa_cleanup_machines(spec: Spec, context: HookContext) -> None:
    """Stop and expunge the deleted cluster's VMs (only this cluster's: see :func:`belongs_to_cluster`)."""
    cleanup_machines(spec, context)
