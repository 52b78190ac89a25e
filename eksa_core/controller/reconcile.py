"""One reconcile of one EKS Anywhere ``Cluster``, through the code the CLI runs.

:meth:`Reconciler.reconcile` is level-triggered and idempotent: it reads everything it needs from the API server
each time (the Cluster, the objects it references, the spec it last reconciled, the live Cluster API objects), so
a restart at any point converges. The steps:

1. gone -> nothing; ``deletionTimestamp`` -> :meth:`Reconciler.delete` (Cluster API objects first, then the
   provider's resources, then the finalizer goes); paused (``anywhere.eks.amazonaws.com/paused: "true"``) ->
   nothing at all is written, even when deleted, unless ``anywhere.eks.amazonaws.com/allow-delete-when-paused:
   "true"`` is set too (EKS Anywhere's rule);
2. the finalizer is added (a resourceVersion conflict is retried on a fresh read);
3. the spec is parsed from the live objects with the kind registry, then defaulted and validated exactly as
   :func:`eksa_core.loading.prepare_config` does for the CLI; a rejected spec, an uninstalled provider, a missing
   referenced object or release data that does not cover it becomes ``status.failureMessage`` /
   ``failureReason`` and a ``Ready=False`` condition (nothing is applied);
4. against the spec last reconciled (kept in a ConfigMap of ``eksa-system``): the core's immutable-field and
   version-skew rules (:func:`eksa_core.validation.validate_update`) and the provider's ``validate_new_spec``;
   a refused edit gets the failure status and a Warning Event and nothing is applied;
5. the provider's template hooks render the Cluster API objects (machine template names kept from the live
   objects and incremented only where the provider says machines must roll, as the CLI's upgrade does) and its
   secrets; objects the server already holds as rendered are not sent again, the rest are server-side applied
   with the field manager :data:`FIELD_MANAGER`;
6. the status is read back from the Cluster API objects (:mod:`.status`) and written only when it changed.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..context import ClusterHandle
from ..errors import EksaError, PluginError, ReleaseError, SpecError, SpecErrors
from ..kube import KubeClient, KubeConflictError, KubeError, KubeNotFoundError
from ..loading import prepare_config
from ..plugins import Plugins, ProviderHooks
from ..spec import ClusterConfig, Spec, parse_cluster_config
from ..validation import validate_update
from ..yamlio import dump_plain_all
from .status import READY, cluster_conditions, merge_conditions

__all__ = [
    "ALLOW_DELETE_WHEN_PAUSED_ANNOTATION",
    "EKSA_API_VERSION",
    "FIELD_MANAGER",
    "FINALIZER",
    "PAUSED_ANNOTATION",
    "ReconcileResult",
    "Reconciler",
    "WriteCounter",
]

log = logging.getLogger("eksa.controller")

EKSA_API_VERSION = "anywhere.eks.amazonaws.com/v1alpha1"
FIELD_MANAGER = "eksa-controller"
"""The field manager of everything the controller applies."""
FINALIZER = "clusters.anywhere.eks.amazonaws.com/finalizer"
"""EKS Anywhere's Cluster finalizer."""
PAUSED_ANNOTATION = "anywhere.eks.amazonaws.com/paused"
ALLOW_DELETE_WHEN_PAUSED_ANNOTATION = "anywhere.eks.amazonaws.com/allow-delete-when-paused"
"""With ``"true"`` beside the paused annotation, a deleted Cluster is still torn down (the CLI's management delete
sets both on the copy it deletes from the bootstrap cluster); without it a paused Cluster is left alone, deleted
or not."""
SYSTEM_NAMESPACE = "eksa-system"
SPEC_CONFIGMAP_SUFFIX = "eksa-reconciled-spec"
CAPI_API_VERSION = "cluster.x-k8s.io/v1beta2"

JSONObject = dict[str, Any]

_YAML_LOCK = threading.RLock()
"""Spec loading and the providers' template hooks are not thread-safe (YAML emitters and parsers with state):
workers take turns for them; the API requests of a reconcile run at once."""


@attrs.define
class ReconcileResult:
    """What one reconcile decided: ``requeue_after`` seconds (``None``: only on the next event or resync)."""

    requeue_after: float | None = None
    outcome: str = "ok"


@attrs.define
class WriteCounter:
    """Counts the write requests the controller sends (apply, patch, create, delete), by verb."""

    counts: dict[str, int] = attrs.field(factory=dict)

    def add(self, verb: str, n: int = 1) -> None:
        self.counts[verb] = self.counts.get(verb, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class _Refused(Exception):
    """The spec cannot be reconciled: ``reason`` and ``message`` go to the status."""

    def __init__(self, reason: str, message: str, *, event: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.event = event


def _errors_text(exc: SpecErrors | SpecError) -> str:
    errors = list(exc) if isinstance(exc, SpecErrors) else [exc]
    return "; ".join(str(e) for e in errors if not getattr(e, "warning", False)) or str(exc)


def contains(live: Any, desired: Any) -> bool:
    """Whether ``live`` already holds every value of ``desired`` (maps: a subset; lists: the same length, each
    item contained; scalars: equal)."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(k in live and contains(live[k], v) for k, v in desired.items())
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(live) == len(desired)
            and all(contains(a, b) for a, b in zip(live, desired, strict=True))
        )
    return bool(live == desired)


def _secret_as_data(obj: Mapping[str, Any]) -> JSONObject:
    """A Secret's ``stringData`` as the base64 ``data`` the server stores."""
    out = dict(obj)
    string_data = out.pop("stringData", None) or {}
    data = dict(out.get("data") or {})
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    if data:
        out["data"] = data
    return out


class Reconciler:
    """Reconciles EKS Anywhere Clusters of one management cluster.

    :param kube: client of the management cluster. :param plugins: the installed providers.
    :param release_manifest: the release manifest (path, URL or loaded :class:`~eksa_core.releases.Release`) the
        specs' versions are looked up in. :param env: the environment credentials are read from (never logged).
    """

    def __init__(
        self,
        kube: KubeClient,
        plugins: Plugins,
        *,
        release_manifest: Any,
        fetcher: Any = None,
        env: Mapping[str, str] | None = None,
        workdir: Path | None = None,
        writes: WriteCounter | None = None,
        not_ready_requeue: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kube = kube
        self.plugins = plugins
        self.fetcher = fetcher
        self.env = dict(env or {})
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="eksa-controller-"))
        self.writes = writes or WriteCounter()
        self.not_ready_requeue = not_ready_requeue
        self.clock = clock
        self._release_source = release_manifest
        self._release: Any = None

    # -- release data -------------------------------------------------------------------------------------

    def _release_manifest(self) -> Any:
        if self._release is None:
            from ..releases import Release, load_release_manifest

            source = self._release_source
            self._release = (
                source if isinstance(source, Release) else load_release_manifest(source, fetcher=self.fetcher)
            )
        return self._release

    def _build_spec(self, config: ClusterConfig) -> Spec:
        from ..releases import build_spec

        return build_spec(config, release_manifest=self._release_manifest(), fetcher=self.fetcher, plugins=self.plugins)

    # -- writes (counted) ---------------------------------------------------------------------------------

    def _apply(self, objects: Sequence[Mapping[str, Any]]) -> None:
        if objects:
            self.kube.apply(list(objects), field_manager=FIELD_MANAGER, force=True)
            self.writes.add("apply", len(objects))

    def _patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Mapping[str, Any],
        namespace: str | None,
        *,
        subresource: str | None = None,
    ) -> JSONObject:
        result = self.kube.patch_merge(api_version, kind, name, patch, namespace, subresource=subresource)
        self.writes.add("patch")
        return result

    # -- entry point ----------------------------------------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> ReconcileResult:
        """Reconcile the EKS Anywhere Cluster ``namespace/name`` once."""
        obj = self.kube.get_or_none(EKSA_API_VERSION, "Cluster", name, namespace)
        if obj is None:
            return ReconcileResult(outcome="gone")
        meta = obj.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        paused = str(annotations.get(PAUSED_ANNOTATION, "")).lower() == "true"
        if meta.get("deletionTimestamp") and (
                not paused or str(annotations.get(ALLOW_DELETE_WHEN_PAUSED_ANNOTATION, "")).lower() == "true"):
            return self.delete(obj)
        if paused:
            # deleted or not: the CLI pauses a cluster while it moves it, and a paused copy being deleted (say from
            # a bootstrap cluster the CLI is done with) must not take down the machines the moved objects manage
            log.info("cluster %s/%s is paused: not reconciled", namespace, name)
            return ReconcileResult(outcome="paused")
        if FINALIZER not in (meta.get("finalizers") or []):
            obj = self._add_finalizer(namespace, name)
        try:
            self._provider(obj)
            documents = self._documents(obj)
            with _YAML_LOCK:
                spec, hooks, current = self._load(obj, documents)
                objects, secrets = self._render(spec, hooks, current)
        except _Refused as refused:
            self._refuse(obj, refused)
            return ReconcileResult(outcome="refused")
        self._apply_changed([*secrets, *objects])
        self._save_spec(obj, spec)
        ready = self._update_status(obj, spec, objects)
        return ReconcileResult(None if ready else self.not_ready_requeue, "ready" if ready else "progressing")

    # -- finalizer ------------------------------------------------------------------------------------------

    def _add_finalizer(self, namespace: str, name: str) -> JSONObject:
        for _ in range(10):
            obj = self.kube.get(EKSA_API_VERSION, "Cluster", name, namespace)
            meta = obj.get("metadata") or {}
            finalizers = list(meta.get("finalizers") or [])
            if FINALIZER in finalizers:
                return obj
            try:
                return self._patch(
                    EKSA_API_VERSION,
                    "Cluster",
                    name,
                    {
                        "metadata": {
                            "finalizers": [*finalizers, FINALIZER],
                            "resourceVersion": meta.get("resourceVersion"),
                        }
                    },
                    namespace,
                )
            except KubeConflictError:
                log.info("conflict adding the finalizer to %s/%s: read again", namespace, name)
        raise KubeError(f"could not add the finalizer to cluster {namespace}/{name}: conflicts did not stop")

    def _remove_finalizer(self, obj: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        name, namespace = meta["name"], meta.get("namespace")
        for _ in range(10):
            live = self.kube.get_or_none(EKSA_API_VERSION, "Cluster", name, namespace)
            if live is None:
                return
            live_meta = live.get("metadata") or {}
            finalizers = [f for f in live_meta.get("finalizers") or [] if f != FINALIZER]
            if len(finalizers) == len(live_meta.get("finalizers") or []):
                return
            try:
                self._patch(
                    EKSA_API_VERSION,
                    "Cluster",
                    name,
                    {"metadata": {"finalizers": finalizers, "resourceVersion": live_meta.get("resourceVersion")}},
                    namespace,
                )
                return
            except KubeConflictError:
                continue
            except KubeNotFoundError:
                return

    # -- spec -----------------------------------------------------------------------------------------------

    def _referenced(self, cluster: Mapping[str, Any]) -> list[tuple[str, str]]:
        spec = cluster.get("spec") or {}
        refs: list[tuple[str, str]] = []

        def add(ref: Any) -> None:
            if isinstance(ref, Mapping) and ref.get("kind") and ref.get("name"):
                key = (str(ref["kind"]), str(ref["name"]))
                if key not in refs:
                    refs.append(key)

        add(spec.get("datacenterRef"))
        add((spec.get("controlPlaneConfiguration") or {}).get("machineGroupRef"))
        add((spec.get("externalEtcdConfiguration") or {}).get("machineGroupRef"))
        for group in spec.get("workerNodeGroupConfigurations") or []:
            add((group or {}).get("machineGroupRef"))
        for ref in spec.get("identityProviderRefs") or []:
            add(ref)
        add(spec.get("gitOpsRef"))
        return refs

    def _documents(self, cluster: Mapping[str, Any]) -> list[JSONObject]:
        """The Cluster and the objects it references, as a spec file would hold them (no server fields)."""
        namespace = (cluster.get("metadata") or {}).get("namespace")
        out = [cluster]
        for kind, name in self._referenced(cluster):
            if kind not in self.plugins.registry:
                raise _Refused("ProviderNotInstalled", f"{kind} {name}: no installed plugin registers kind {kind}")
            try:
                found = self.kube.get(EKSA_API_VERSION, kind, name, namespace)
            except KubeNotFoundError:
                raise _Refused(
                    "MissingReference",
                    f"{kind} {name} referenced by the cluster does not exist in namespace {namespace}",
                ) from None
            out.append(found)
        docs = []
        for obj in out:
            doc = {k: copy.deepcopy(v) for k, v in obj.items() if k != "status"}
            meta = doc.get("metadata") or {}
            doc["metadata"] = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if k in meta}
            docs.append(doc)
        return docs

    def _config(self, docs: Sequence[Mapping[str, Any]]) -> ClusterConfig:
        try:
            with _YAML_LOCK:
                config = parse_cluster_config(dump_plain_all(docs), registry=self.plugins.registry)
            return prepare_config(config, plugins=self.plugins, env=self.env)
        except (SpecErrors, SpecError) as exc:
            raise _Refused("InvalidSpec", _errors_text(exc)) from None

    def _spec(self, docs: Sequence[Mapping[str, Any]]) -> Spec:
        config = self._config(docs)
        try:
            return self._build_spec(config)
        except ReleaseError as exc:
            raise _Refused("ReleaseDataMissing", str(exc)) from None
        except (SpecErrors, SpecError) as exc:
            raise _Refused("InvalidSpec", _errors_text(exc)) from None

    def _provider(self, obj: Mapping[str, Any]) -> ProviderHooks:
        kind = str(((obj.get("spec") or {}).get("datacenterRef") or {}).get("kind") or "")
        hooks = self.plugins.find_for_datacenter_kind(kind)
        if hooks is None:
            raise _Refused(
                "ProviderNotInstalled",
                f"no installed provider handles datacenter kind "
                f"{kind or '(none)'}; install the provider package that "
                "defines it in the controller's image",
            )
        return hooks

    def _load(
        self, obj: Mapping[str, Any], documents: Sequence[Mapping[str, Any]]
    ) -> tuple[Spec, ProviderHooks, Spec | None]:
        hooks = self._provider(obj)
        spec = self._spec(documents)
        current = self._load_saved_spec(obj)
        if current is not None:
            problems = [e for e in validate_update(current.config, spec.config) if not e.warning]
            problems += [e for e in hooks.validate_new_spec(spec, current) if not e.warning]
            if problems:
                raise _Refused("ImmutableFieldChanged", "; ".join(str(p) for p in problems), event=True)
        return spec, hooks, current

    # -- the spec last reconciled ---------------------------------------------------------------------------

    @staticmethod
    def _spec_configmap_name(obj: Mapping[str, Any]) -> str:
        meta = obj.get("metadata") or {}
        return f"{meta.get('namespace') or 'default'}.{meta['name']}.{SPEC_CONFIGMAP_SUFFIX}"

    def _load_saved_spec(self, obj: Mapping[str, Any]) -> Spec | None:
        found = self.kube.get_or_none("v1", "ConfigMap", self._spec_configmap_name(obj), SYSTEM_NAMESPACE)
        text = ((found or {}).get("data") or {}).get("spec.yaml")
        if not text:
            return None
        try:
            with _YAML_LOCK:
                parsed = parse_cluster_config(text, registry=self.plugins.registry)
            config = prepare_config(parsed, plugins=self.plugins, env=self.env)
            return self._build_spec(config)
        except (EksaError, SpecErrors) as exc:  # the saved spec no longer loads: treat the cluster as new
            log.warning(
                "the spec last reconciled for %s does not load (%s): not compared",
                obj["metadata"]["name"],
                type(exc).__name__,
            )
            return None

    def _save_spec(self, obj: Mapping[str, Any], spec: Spec) -> None:
        from ..convert import unstructure

        docs = []
        for item in spec.config.objects:
            data = unstructure(item)
            data.pop("status", None)
            meta = data.get("metadata") or {}
            data["metadata"] = {k: meta[k] for k in ("name", "namespace") if k in meta}
            docs.append(data)
        with _YAML_LOCK:
            text = dump_plain_all(docs)
        meta = obj.get("metadata") or {}
        configmap = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": self._spec_configmap_name(obj),
                "namespace": SYSTEM_NAMESPACE,
                "labels": {"anywhere.eks.amazonaws.com/cluster-name": str(meta["name"])[:63]},
            },
            "data": {"spec.yaml": text},
        }
        self._apply_changed([configmap])

    # -- render and apply -----------------------------------------------------------------------------------

    def _workflow_context(self, spec: Spec, hooks: ProviderHooks, current: Spec | None) -> Any:
        from ..workflows.capi import ManifestInstaller
        from ..workflows.context import WorkflowContext, WorkflowOptions

        kube = self.kube
        options = WorkflowOptions(env=self.env, kube_factory=lambda _path: kube)
        ctx = WorkflowContext(
            spec=spec,
            plugins=self.plugins,
            provider=hooks,
            workdir=self.workdir,
            bootstrapper=None,
            installer=ManifestInstaller({}),
            options=options,
            current_spec=current,
        )
        ctx.management_cluster = self._handle()
        return ctx

    def _handle(self) -> ClusterHandle:
        return ClusterHandle("management", Path(self.kube.kubeconfig or "in-cluster"))

    def _render(
        self, spec: Spec, hooks: ProviderHooks, current: Spec | None
    ) -> tuple[list[JSONObject], list[JSONObject]]:
        from ..workflows.ops import render_manifests, upgrade_template_names

        ctx = self._workflow_context(spec, hooks, current)
        try:
            objects = render_manifests(ctx, spec)
            if current is not None:
                names = upgrade_template_names(ctx, self._handle(), current, spec, objects)
                objects = render_manifests(ctx, spec, **names)
            secrets = [dict(s) for s in hooks.generate_secrets(spec, ctx.hook_context)]
        except (PluginError, SpecError, SpecErrors) as exc:
            raise _Refused("RenderFailed", _errors_text(exc) if isinstance(exc, SpecErrors) else str(exc)) from None
        return objects, secrets

    def _live(self, obj: Mapping[str, Any]) -> JSONObject | None:
        meta = obj.get("metadata") or {}
        try:
            return self.kube.get_or_none(
                str(obj["apiVersion"]), str(obj["kind"]), str(meta["name"]), meta.get("namespace") or "default"
            )
        except KubeError:
            return None

    def _apply_changed(self, objects: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Apply the objects the server does not hold as they are; return those."""
        changed: list[Mapping[str, Any]] = []
        for obj in objects:
            live = self._live(obj)
            desired = _secret_as_data(obj) if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1" else obj
            if live is not None and contains(live, {k: v for k, v in desired.items() if k != "status"}):
                continue
            changed.append(obj)
        self._apply(changed)
        return changed

    # -- status ---------------------------------------------------------------------------------------------

    def _write_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        old = obj.get("status") or {}
        merged = dict(status)
        merged["conditions"] = merge_conditions(old.get("conditions"), status.get("conditions") or [])
        comparable = {k: v for k, v in merged.items()}
        if _same_status(old, comparable):
            return
        patch = {"status": {**{k: None for k in old if k not in merged}, **merged}}
        with contextlib.suppress(KubeNotFoundError):  # deleted meanwhile
            self._patch(
                EKSA_API_VERSION, "Cluster", str(meta["name"]), patch, meta.get("namespace"), subresource="status"
            )

    def _refuse(self, obj: Mapping[str, Any], refused: _Refused) -> None:
        meta = obj.get("metadata") or {}
        log.warning(
            "cluster %s/%s not reconciled: %s: %s",
            meta.get("namespace"),
            meta.get("name"),
            refused.reason,
            refused.message,
        )
        old = obj.get("status") or {}
        conditions = [c for c in old.get("conditions") or [] if c.get("type") != READY]
        conditions.append(
            {
                "type": READY,
                "status": "False",
                "severity": "Error",
                "reason": refused.reason,
                "message": refused.message,
            }
        )
        status = {k: v for k, v in old.items() if k not in ("failureMessage", "failureReason", "conditions")}
        status.update({"failureMessage": refused.message, "failureReason": refused.reason, "conditions": conditions})
        if refused.event and not _same_status(
            old, {**status, "conditions": merge_conditions(old.get("conditions"), conditions)}
        ):
            self._event(obj, refused.reason, refused.message)
        self._write_status(obj, status)

    def _event(self, obj: Mapping[str, Any], reason: str, message: str) -> None:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{meta['name']}.", "namespace": namespace},
            "involvedObject": {
                "apiVersion": EKSA_API_VERSION,
                "kind": "Cluster",
                "name": meta["name"],
                "namespace": namespace,
                "uid": meta.get("uid"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "reason": reason,
            "message": message[:1024],
            "type": "Warning",
            "source": {"component": FIELD_MANAGER},
            "firstTimestamp": _timestamp(),
            "lastTimestamp": _timestamp(),
            "count": 1,
        }
        try:
            self.kube.create(event)
            self.writes.add("create")
        except KubeError as exc:
            log.warning("could not record an Event for %s: %s", meta["name"], exc)

    def _update_status(self, obj: Mapping[str, Any], spec: Spec, objects: Sequence[Mapping[str, Any]]) -> bool:
        def find(kind: str, name: str | None = None) -> Mapping[str, Any] | None:
            for o in objects:
                if o.get("kind") == kind and (name is None or (o.get("metadata") or {}).get("name") == name):
                    return o
            return None

        capi = find("Cluster")
        capi_live = self._live(capi) if capi is not None else None
        cp_ref = find("KubeadmControlPlane")
        cp_live = self._live(cp_ref) if cp_ref is not None else None
        mds: dict[str, Mapping[str, Any] | None] = {}
        for group in spec.cluster.worker_groups():
            rendered = find("MachineDeployment", f"{spec.name}-{group.name}")
            mds[group.name or ""] = self._live(rendered) if rendered is not None else None
        conditions = cluster_conditions(spec, capi_live, cp_live, mds)
        old = obj.get("status") or {}
        status = {k: v for k, v in old.items() if k not in ("failureMessage", "failureReason", "conditions")}
        status["conditions"] = conditions
        status["observedGeneration"] = (obj.get("metadata") or {}).get("generation")
        self._write_status(obj, status)
        return any(c["type"] == READY and c["status"] == "True" for c in conditions)

    # -- deletion -------------------------------------------------------------------------------------------

    def delete(self, obj: Mapping[str, Any]) -> ReconcileResult:
        """Tear the cluster down: its Cluster API Cluster (its controllers delete the machines), then once it is
        gone what is left of its objects and the provider's resources, then the finalizer."""
        meta = obj.get("metadata") or {}
        if FINALIZER not in (meta.get("finalizers") or []):
            return ReconcileResult(outcome="gone")
        name = str(meta["name"])
        capi = self.kube.get_or_none(CAPI_API_VERSION, "Cluster", name, SYSTEM_NAMESPACE)
        if capi is not None:
            if not (capi.get("metadata") or {}).get("deletionTimestamp"):
                self.kube.delete(CAPI_API_VERSION, "Cluster", name, SYSTEM_NAMESPACE, ignore_not_found=True)
                self.writes.add("delete")
            return ReconcileResult(self.not_ready_requeue, "deleting")
        try:
            with _YAML_LOCK:
                spec, hooks, _ = self._load_for_delete(obj)
        except _Refused as refused:
            log.warning("cluster %s deleted without its provider's cleanup: %s", name, refused.message)
        else:
            from ..workflows.ops import delete_cluster, render_manifests

            ctx = self._workflow_context(spec, hooks, None)
            try:
                with _YAML_LOCK:
                    manifests = render_manifests(ctx, spec)
                delete_cluster(ctx, self._handle(), spec, manifests)
                hooks.cleanup_machines(spec, ctx.hook_context)
                hooks.delete_resources(spec, ctx.hook_context)
            except KubeError as exc:
                log.warning("cleanup of cluster %s: %s (retried)", name, exc)
                return ReconcileResult(self.not_ready_requeue, "deleting")
        cm = self._spec_configmap_name(obj)
        if self.kube.get_or_none("v1", "ConfigMap", cm, SYSTEM_NAMESPACE) is not None:
            self.kube.delete("v1", "ConfigMap", cm, SYSTEM_NAMESPACE, ignore_not_found=True)
            self.writes.add("delete")
        self._remove_finalizer(obj)
        return ReconcileResult(outcome="deleted")

    def _load_for_delete(self, obj: Mapping[str, Any]) -> tuple[Spec, ProviderHooks, None]:
        saved = self._load_saved_spec(obj)
        kind = str(((obj.get("spec") or {}).get("datacenterRef") or {}).get("kind") or "")
        hooks = self.plugins.find_for_datacenter_kind(kind)
        if hooks is None:
            raise _Refused("ProviderNotInstalled", f"no installed provider handles datacenter kind {kind}")
        if saved is not None:
            return saved, hooks, None
        return self._spec(self._documents(obj)), hooks, None


def _same_status(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return json.dumps(dict(old), sort_keys=True, default=str) == json.dumps(dict(new), sort_keys=True, default=str)


def _timestamp() -> str:
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
