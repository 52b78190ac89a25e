"""Move a Cluster API cluster's objects from one management cluster to another (``clusterctl move``).

:func:`move` discovers the object graph of one cluster in one namespace of the source, pauses the Cluster,
copies the objects to the target in dependency order (owners first, ownerReferences pointing at the new
owners' uids, ``status`` restored through the status subresource where the kind has one), deletes them from
the source (dependents first, finalizers removed) and finally unpauses the Cluster in the target.

The move is idempotent, so running it again after an interruption at any point finishes the job:

* objects are written to the target with server-side apply, so objects already there are updated, not
  duplicated, and owner uids are looked up in the target by owner kind and name (never carried over);
* the objects to delete from the source are the union of the graph still found in the source and the graph
  found in the target (the copy is complete before any deletion starts), so objects that became unreachable in
  the source because something they hung from was already deleted are still deleted;
* when the copy is complete the target's Cluster is annotated ``move.eksa-core.dev/copied``; from then on a
  re-run skips the copy (the source objects are being changed by the deletion: finalizers removed), and the
  annotation is removed together with the unpause at the very end;
* the Cluster itself is deleted from the source last; once it is gone the copy phase is skipped too.

Kinds are listed as ``(apiVersion, kind)`` but matched by group: a kind the server does not serve in the listed
version is found in the version it does serve (Cluster API ``v1beta1`` or ``v1beta2``), so the graph, the owner
uids and the "already copied" check work whichever Cluster API version the clusters run.
"""

from __future__ import annotations

import contextlib
import copy
import heapq
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .client import KubeClient, ResourceInfo, split_api_version
from .errors import KubeNotFoundError

__all__ = [
    "CLUSTER_NAME_LABEL",
    "DEFAULT_MOVE_KINDS",
    "DELETE_FOR_MOVE_ANNOTATION",
    "MOVE_COPIED_ANNOTATION",
    "MoveResult",
    "ObjectKey",
    "discover_cluster_objects",
    "move",
    "move_kinds",
]

log = logging.getLogger(__name__)

CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name"
#: Set on the target's Cluster once every object has been copied; removed when the move finishes.
MOVE_COPIED_ANNOTATION = "move.eksa-core.dev/copied"
#: Set on source objects right before they are deleted, as clusterctl does, so controllers skip deletion
#: logic.
DELETE_FOR_MOVE_ANNOTATION = "clusterctl.cluster.x-k8s.io/delete-for-move"
CAPI_GROUP = "cluster.x-k8s.io"
EKSA_GROUP = "anywhere.eks.amazonaws.com"

_CAPI = "cluster.x-k8s.io/v1beta1"
_ADDONS = "addons.cluster.x-k8s.io/v1beta1"
_BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta1"
_CONTROLPLANE = "controlplane.cluster.x-k8s.io/v1beta1"
_ETCD = "etcdcluster.cluster.x-k8s.io/v1beta1"
_EKSA = "anywhere.eks.amazonaws.com/v1alpha1"

_CAPI_KINDS: tuple[tuple[str, str], ...] = (
    # Cluster API core and add-ons
    (_CAPI, "Cluster"),
    (_CAPI, "MachineDeployment"),
    (_CAPI, "MachineSet"),
    (_CAPI, "Machine"),
    (_CAPI, "MachineHealthCheck"),
    (_CAPI, "MachinePool"),
    (_ADDONS, "ClusterResourceSet"),
    (_ADDONS, "ClusterResourceSetBinding"),
    # bootstrap (kubeadm and etcdadm), control plane (kubeadm), etcd (etcdadm)
    (_BOOTSTRAP, "KubeadmConfig"),
    (_BOOTSTRAP, "KubeadmConfigTemplate"),
    (_BOOTSTRAP, "EtcdadmConfig"),
    (_CONTROLPLANE, "KubeadmControlPlane"),
    (_CONTROLPLANE, "KubeadmControlPlaneTemplate"),
    (_ETCD, "EtcdadmCluster"),
)
_EKSA_CLUSTER: tuple[tuple[str, str], ...] = ((_EKSA, "Cluster"),)
_EKSA_KINDS: tuple[tuple[str, str], ...] = (
    (_EKSA, "GitOpsConfig"),
    (_EKSA, "FluxConfig"),
    (_EKSA, "OIDCConfig"),
    (_EKSA, "AWSIamConfig"),
)
_CORE_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
)

#: Kinds searched for the cluster's objects, as ``(apiVersion, kind)``: those of Cluster API, kubeadm, etcdadm,
#: the core EKS Anywhere kinds and Secrets/ConfigMaps. No infrastructure provider's kinds: a provider declares
#: them in its registration (``ProviderInfo.movable_kinds`` and ``kinds``) and :func:`move_kinds` adds them. The
#: order breaks ties when sorting the objects to create (owners always come before their dependents). Kinds the
#: source does not serve are skipped.
DEFAULT_MOVE_KINDS: tuple[tuple[str, str], ...] = _CAPI_KINDS + _EKSA_CLUSTER + _EKSA_KINDS + _CORE_KINDS


def move_kinds(infrastructure: Iterable[tuple[str, str]] = (),
               eksa: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """:data:`DEFAULT_MOVE_KINDS` with a provider's kinds: its Cluster API ``infrastructure`` kinds after the
    Cluster API, bootstrap, control plane and etcd kinds, its EKS Anywhere kinds (``eksa``: datacenter and
    machine configs...) right after the EKS Anywhere Cluster; a kind listed twice (by group) is kept once."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for api_version, kind in (*_CAPI_KINDS, *infrastructure, *_EKSA_CLUSTER, *eksa, *_EKSA_KINDS, *_CORE_KINDS):
        key = (split_api_version(api_version)[0], kind)
        if key not in seen:
            seen.add(key)
            out.append((api_version, kind))
    return out


#: Secrets and ConfigMaps named ``<cluster>-<suffix>`` belong to the cluster (certificates, kubeconfig, ...).
CLUSTER_SECRET_SUFFIXES: tuple[str, ...] = (
    "kubeconfig",
    "ca",
    "etcd",
    "proxy",
    "sa",
    "apiserver-etcd-client",
)

_SERVER_FIELDS = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


@dataclass(frozen=True, order=True)
class ObjectKey:
    """Identity of an object across servers: API group (not version), kind, namespace and name."""

    group: str
    kind: str
    namespace: str
    name: str

    @property
    def kind_name(self) -> str:
        """``Kind.group`` (``Kind`` for the core group), as ``kubectl`` names resource types."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def __str__(self) -> str:
        return f"{self.kind_name} {self.namespace}/{self.name}"


@dataclass
class MoveResult:
    """What a :func:`move` did.

    Attributes:
        objects: every object of the cluster's graph, in creation order (owners first).
        api_versions: the apiVersion of each object.
        copied: objects written to the target during this run.
        deleted: objects deleted from the source during this run.
    """

    namespace: str
    cluster_name: str
    objects: list[ObjectKey] = field(default_factory=list)
    api_versions: dict[ObjectKey, str] = field(default_factory=dict)
    copied: int = 0
    deleted: int = 0

    @property
    def by_kind(self) -> dict[str, int]:
        """Number of objects moved per ``Kind.group``."""
        counts: dict[str, int] = {}
        for key in self.objects:
            counts[key.kind_name] = counts.get(key.kind_name, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def total(self) -> int:
        """Number of objects in the moved graph."""
        return len(self.objects)


@dataclass
class _Node:
    key: ObjectKey
    obj: dict[str, Any]
    info: ResourceInfo
    rank: int


def _key_of(obj: Mapping[str, Any], namespace: str) -> ObjectKey:
    group, _ = split_api_version(str(obj.get("apiVersion", "")))
    meta = obj.get("metadata") or {}
    return ObjectKey(
        group, str(obj.get("kind", "")), str(meta.get("namespace") or namespace), str(meta.get("name"))
    )


def _spec_refs(value: Any) -> Iterable[tuple[str | None, str, str]]:
    """``(group or None, kind, name)`` of every object reference found under an object's ``spec``."""
    if isinstance(value, Mapping):
        kind, name = value.get("kind"), value.get("name")
        if isinstance(kind, str) and isinstance(name, str) and kind and name:
            api_version = value.get("apiVersion")
            group = split_api_version(api_version)[0] if isinstance(api_version, str) else None
            yield group, kind, name
        for key, item in value.items():
            if isinstance(key, str) and key.endswith("SecretName") and isinstance(item, str) and item:
                yield "", "Secret", item
            else:
                yield from _spec_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _spec_refs(item)


class _Versions:
    """Resolves ``apiVersion``/``kind`` to the version a server serves the kind in (one discovery per server).

    A kind is looked up in the versions of its group the server serves, the server's preferred version first
    (``cluster.x-k8s.io/v1beta2`` on a Cluster API v1.13 server, whatever version was asked for).
    """

    def __init__(self, client: KubeClient) -> None:
        self._client = client
        self._group_versions: list[str] | None = None
        self._resolved: dict[tuple[str, str], str | None] = {}

    def served(self, api_version: str, kind: str) -> str | None:
        """The served ``apiVersion`` of ``kind`` in the group of ``api_version``, ``None`` when not served."""
        key = (api_version, kind)
        if key not in self._resolved:
            self._resolved[key] = self._lookup(api_version, kind)
        return self._resolved[key]

    def _lookup(self, api_version: str, kind: str) -> str | None:
        group, _ = split_api_version(api_version)
        if self._group_versions is None:
            try:
                self._group_versions = self._client.server_groups()
            except KubeNotFoundError:
                self._group_versions = []
        # the server's preferred version first: objects are read and written in it, so nothing is lost to a
        # conversion (Cluster API v1.13 serves v1beta1 but stores v1beta2)
        for candidate in self._group_versions:
            if split_api_version(candidate)[0] == group and self._client.has_kind(candidate, kind):
                return candidate
        if self._client.has_kind(api_version, kind):
            return api_version
        return None


def _discover(
    client: KubeClient,
    namespace: str,
    cluster_name: str,
    kinds: Sequence[tuple[str, str]],
    versions: _Versions | None = None,
) -> list[_Node]:
    """The cluster's object graph in ``client``, in creation order; empty when the Cluster does not exist."""
    versions = versions or _Versions(client)
    candidates: dict[ObjectKey, _Node] = {}
    for rank, (wanted, kind) in enumerate(kinds):
        api_version = versions.served(wanted, kind)
        if api_version is None:
            continue
        try:
            info = client.resource(api_version, kind)
        except KubeNotFoundError:
            continue
        if not info.namespaced:
            log.debug("move: skipping cluster-scoped kind %s", kind)
            continue
        for obj in client.list(api_version, kind, namespace):
            key = _key_of(obj, namespace)
            candidates.setdefault(key, _Node(key, obj, info, rank))
    root = ObjectKey(CAPI_GROUP, "Cluster", namespace, cluster_name)
    if root not in candidates:
        return []

    names = {f"{cluster_name}-{suffix}" for suffix in CLUSTER_SECRET_SUFFIXES}
    included: set[ObjectKey] = {root}
    for key, node in candidates.items():
        labels = (node.obj.get("metadata") or {}).get("labels") or {}
        labelled = labels.get(CLUSTER_NAME_LABEL) == cluster_name
        named = key.group == "" and key.kind in ("Secret", "ConfigMap") and key.name in names
        eksa_cluster = key.group == EKSA_GROUP and key.kind == "Cluster" and key.name == cluster_name
        if labelled or named or eksa_cluster:
            included.add(key)

    by_uid = {str((n.obj.get("metadata") or {}).get("uid")): k for k, n in candidates.items()}
    by_kind_name: dict[tuple[str, str], list[ObjectKey]] = {}
    for key in candidates:
        by_kind_name.setdefault((key.kind, key.name), []).append(key)

    changed = True
    while changed:
        changed = False
        included_uids = {str((candidates[k].obj.get("metadata") or {}).get("uid")) for k in included}
        for key, node in candidates.items():
            if key in included:
                continue
            owners = (node.obj.get("metadata") or {}).get("ownerReferences") or []
            if any(str(ref.get("uid")) in included_uids for ref in owners if isinstance(ref, Mapping)):
                included.add(key)
                changed = True
        for key in sorted(included):  # a copy: the loop adds to the set
            for group, kind, name in _spec_refs(candidates[key].obj.get("spec")):
                for target in by_kind_name.get((kind, name), ()):
                    if target not in included and (group is None or group == target.group):
                        included.add(target)
                        changed = True

    # topological order: owners before dependents; ties by kind rank then name
    dependents: dict[ObjectKey, set[ObjectKey]] = {k: set() for k in included}
    pending: dict[ObjectKey, int] = dict.fromkeys(included, 0)
    for key in included:
        for ref in (candidates[key].obj.get("metadata") or {}).get("ownerReferences") or []:
            owner = by_uid.get(str(ref.get("uid"))) if isinstance(ref, Mapping) else None
            if owner is not None and owner in included and owner != key and key not in dependents[owner]:
                dependents[owner].add(key)
                pending[key] += 1

    def sort_key(k: ObjectKey) -> tuple[int, str, str, str]:
        return (candidates[k].rank, k.group, k.kind, k.name)

    ready = [(sort_key(k), k) for k, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order: list[ObjectKey] = []
    while ready:
        _, key = heapq.heappop(ready)
        order.append(key)
        for dep in dependents[key]:
            pending[dep] -= 1
            if pending[dep] == 0:
                heapq.heappush(ready, (sort_key(dep), dep))
    if len(order) < len(included):  # ownership cycle: keep going in a stable order
        order.extend(sorted((k for k in included if k not in set(order)), key=sort_key))
    return [candidates[k] for k in order]


def discover_cluster_objects(
    client: KubeClient,
    *,
    namespace: str,
    cluster_name: str,
    kinds: Sequence[tuple[str, str]] = DEFAULT_MOVE_KINDS,
) -> list[dict[str, Any]]:
    """The objects :func:`move` would move, in creation order (owners first); empty if the Cluster is absent.

    The graph is the ``cluster.x-k8s.io`` Cluster, the EKS Anywhere Cluster of the same name, objects labelled
    ``cluster.x-k8s.io/cluster-name=<cluster>``, Secrets/ConfigMaps named ``<cluster>-kubeconfig``, ``-ca``,
    ``-etcd``, ``-proxy``, ``-sa``, and, transitively, everything owned (ownerReferences) by or referenced
    from the ``spec`` (``{kind, name}`` references, ``*SecretName`` fields) of an object in the graph.
    """
    return [copy.deepcopy(node.obj) for node in _discover(client, namespace, cluster_name, kinds)]


def _target_uid(
    target: KubeClient,
    ref: Mapping[str, Any],
    namespace: str,
    uids: dict[ObjectKey, str | None],
    versions: _Versions,
) -> str | None:
    group, _ = split_api_version(str(ref.get("apiVersion", "")))
    key = ObjectKey(group, str(ref.get("kind", "")), namespace, str(ref.get("name", "")))
    if key not in uids:
        api_version = versions.served(str(ref.get("apiVersion")), key.kind)
        try:
            found = (
                target.get_or_none(api_version, key.kind, key.name, namespace) if api_version is not None else None
            )
        except KubeNotFoundError:
            found = None
        uids[key] = str(found["metadata"]["uid"]) if found else None
    return uids[key]


def _copy_object(
    target: KubeClient,
    node: _Node,
    namespace: str,
    uids: dict[ObjectKey, str | None],
    field_manager: str,
    versions: _Versions,
    step: Callable[[str], None],
) -> None:
    obj = copy.deepcopy(node.obj)
    meta = obj.setdefault("metadata", {})
    for server_field in _SERVER_FIELDS:
        meta.pop(server_field, None)
    annotations = {
        k: v
        for k, v in (meta.get("annotations") or {}).items()
        if k not in (DELETE_FOR_MOVE_ANNOTATION, MOVE_COPIED_ANNOTATION)
    }
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    owner_refs = []
    for ref in meta.get("ownerReferences") or []:
        uid = _target_uid(target, ref, namespace, uids, versions)
        if uid is not None:  # an owner that is not in the target would get the copy garbage-collected
            owner_refs.append({**ref, "uid": uid})
    if owner_refs:
        meta["ownerReferences"] = owner_refs
    else:
        meta.pop("ownerReferences", None)
    info = target.resource(str(obj["apiVersion"]), str(obj["kind"]))
    status = obj.pop("status", None) if info.has_status else None
    step(f"copy {node.key.kind} {node.key.name}")
    applied = target.apply(obj, field_manager=field_manager, force=True)[0]
    uids[node.key] = str(applied["metadata"]["uid"])
    if status:
        step(f"copy the status of {node.key.kind} {node.key.name}")
        target.patch_merge(
            str(obj["apiVersion"]),
            node.key.kind,
            node.key.name,
            {"status": status},
            namespace,
            subresource="status",
        )


def _delete_from_source(source: KubeClient, api_version: str, key: ObjectKey,
                        step: Callable[[str], None]) -> bool:
    found = source.get_or_none(api_version, key.kind, key.name, key.namespace)
    if found is None:
        return False
    patch = {"metadata": {"finalizers": None, "annotations": {DELETE_FOR_MOVE_ANNOTATION: ""}}}
    step(f"release {key.kind} {key.name} in the source")
    try:
        source.patch_merge(api_version, key.kind, key.name, patch, key.namespace)
    except KubeNotFoundError:  # it went away meanwhile (or its finalizers were all that kept it)
        return True
    step(f"delete {key.kind} {key.name} from the source")
    source.delete(api_version, key.kind, key.name, key.namespace, ignore_not_found=True)
    # A controller still running on the source may have put its finalizer back between the release and the
    # delete (Cluster API's reconcilers ensure their finalizer before they look at the paused Cluster); now that
    # the object is being deleted no finalizer can be added any more, so releasing it once again lets it go.
    left = source.get_or_none(api_version, key.kind, key.name, key.namespace)
    if left is not None and (left.get("metadata") or {}).get("finalizers"):
        step(f"release {key.kind} {key.name} in the source again (a finalizer came back)")
        with contextlib.suppress(KubeNotFoundError):
            source.patch_merge(api_version, key.kind, key.name, {"metadata": {"finalizers": None}}, key.namespace)
    return True


def move(
    source: KubeClient,
    target: KubeClient,
    *,
    namespace: str,
    cluster_name: str,
    kinds: Sequence[tuple[str, str]] = DEFAULT_MOVE_KINDS,
    field_manager: str = "eks-a-cli",
    on_step: Callable[[str], None] | None = None,
) -> MoveResult:
    """Move the Cluster API objects of ``cluster_name`` in ``namespace`` from ``source`` to ``target``.

    Steps: pause the Cluster in the source (``spec.paused: true``); create the namespace in the target; copy
    the objects owners first (server-side apply, ownerReferences rewritten to the target's uids, ``status``
    restored); delete them from the source dependents first (finalizers removed); unpause the Cluster in the
    target. Re-running after an interruption at any point completes the move (see the module docstring).

    ``on_step`` is called with a description before every write to either cluster (each one is a point where the
    move may be interrupted); tests use it to stop a move at each of them.

    Raises :class:`KubeNotFoundError` when the Cluster exists in neither the source nor the target.
    """
    step: Callable[[str], None] = on_step or (lambda _: None)
    result = MoveResult(namespace=namespace, cluster_name=cluster_name)
    root_key = ObjectKey(CAPI_GROUP, "Cluster", namespace, cluster_name)
    source_versions, target_versions = _Versions(source), _Versions(target)
    source_graph = _discover(source, namespace, cluster_name, kinds, source_versions)
    # the version the target serves the Cluster kind in (v1beta1 or v1beta2), whatever the kinds list says
    wanted = next((v for v, k in kinds if k == "Cluster" and split_api_version(v)[0] == CAPI_GROUP), _CAPI)
    target_cluster_version = target_versions.served(wanted, "Cluster")
    target_root = (
        target.get_or_none(target_cluster_version, "Cluster", cluster_name, namespace)
        if target_cluster_version is not None
        else None
    )
    copied_before = bool(
        ((target_root or {}).get("metadata") or {}).get("annotations", {}).get(MOVE_COPIED_ANNOTATION)
    )
    if source_graph and not copied_before:
        root = next(node for node in source_graph if node.key == root_key)
        log.info("Moving %d objects of cluster %s/%s", len(source_graph), namespace, cluster_name)
        step(f"pause Cluster {cluster_name} in the source")
        root.obj = source.patch_merge(
            str(root.obj["apiVersion"]), "Cluster", cluster_name, {"spec": {"paused": True}}, namespace
        )
        step(f"create namespace {namespace} in the target")
        target.create_namespace(namespace)
        uids: dict[ObjectKey, str | None] = {}
        for node in source_graph:
            _copy_object(target, node, namespace, uids, field_manager, target_versions, step)
            result.copied += 1
        step(f"mark Cluster {cluster_name} copied in the target")
        target.annotate(
            str(root.obj["apiVersion"]), "Cluster", cluster_name, {MOVE_COPIED_ANNOTATION: "true"}, namespace
        )

    target_graph = _discover(target, namespace, cluster_name, kinds, target_versions)
    if not target_graph:
        raise KubeNotFoundError(
            f"Cluster {namespace}/{cluster_name} ({CAPI_GROUP}) was found neither in the source "
            "nor in the target",
            kind="Cluster",
            name=cluster_name,
            namespace=namespace,
        )
    api_versions = {node.key: str(node.obj.get("apiVersion")) for node in target_graph}
    target_keys = [node.key for node in target_graph]
    only_in_source = [node.key for node in source_graph if node.key not in api_versions]
    for node in source_graph:
        api_versions.setdefault(node.key, str(node.obj.get("apiVersion")))
    deletion_order = list(reversed(only_in_source)) + list(reversed(target_keys))
    for key in deletion_order:
        if _delete_from_source(source, api_versions[key], key, step):
            result.deleted += 1

    step(f"unpause Cluster {cluster_name} in the target")
    target.patch_merge(
        api_versions[root_key],
        "Cluster",
        cluster_name,
        {"metadata": {"annotations": {MOVE_COPIED_ANNOTATION: None}}, "spec": {"paused": False}},
        namespace,
    )
    result.objects = target_keys
    result.api_versions = {key: api_versions[key] for key in target_keys}
    log.info(
        "Moved cluster %s/%s: %d objects (%d copied, %d deleted from the source in this run)",
        namespace,
        cluster_name,
        result.total,
        result.copied,
        result.deleted,
    )
    return result
