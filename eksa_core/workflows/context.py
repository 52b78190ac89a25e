"""The state and collaborators a workflow's tasks share (EKS Anywhere's ``CommandContext``)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..bootstrap import Bootstrapper
from ..context import ClusterHandle, HookContext
from ..files import PRIVATE, PUBLIC, write_file_atomic
from ..plugins import ComponentChangeDiff, Plugins, ProviderHooks, WorkflowEvent

if TYPE_CHECKING:
    from ..cni import CNIRenderer
    from ..kube.client import KubeClient
    from ..spec import Spec
    from .capi import ClusterAPIInstaller
    from .engine import Task
    from .plan import PlanStep

__all__ = ["RecordingKube", "Redactor", "Timeouts", "WorkflowContext", "WorkflowOptions"]

_SECRET_ENV = re.compile(r"PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIAL|PRIVATE|_KEY$|APIKEY|B64ENCODED", re.I)
#: Values that are never secrets, whatever holds them (``verify-ssl: "true"`` in a credentials Secret): masking
#: them would corrupt every flag of every text.
# scheme://user:password@ — the password is a secret wherever such a URL appears (plans, logs, checkpoints)
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s'\"]*:)[^@/\s'\"]+@")
_NEVER_SECRET = re.compile(r"(?i:true|false|yes|no|on|off|null)|[0-9]+")


@attrs.define
class Timeouts:
    """Waits of the apply-and-wait step (seconds; ``None``: no limit).

    The budgets EKS Anywhere's flags set:

    :ivar control_plane: the control plane's readiness: the Cluster's ``ControlPlaneAvailable`` and the
        KubeadmControlPlane's rollout (``--control-plane-wait-timeout``, EKS-A: 60 min).
    :ivar per_machine: each machine's share of the workers' and whole cluster's readiness: ``WorkersAvailable``,
        ``Available`` and each MachineDeployment's rollout get this times the cluster's machine count, control
        plane included, as EKS Anywhere's node wait does (``--per-machine-wait-timeout``, EKS-A: 10 min).
    :ivar external_etcd: the external etcd's readiness, waited for first when the cluster has
        ``externalEtcdConfiguration``: each EtcdadmCluster's ``status.ready`` (``--external-etcd-wait-timeout``,
        EKS-A: 60 min).

    and:

    :ivar cluster_ready: an overall cap on all condition and rollout waits of one apply (``None``: none, the
        default; the step budgets above apply alone).
    :ivar failure_message: how long ``status.failureMessage`` may stay set (EKS-A: 10 min).
    :ivar delete: how long a deleted Cluster may take to disappear (EKS-A retries for 5 min).
    :ivar poll_interval: pause between polls.
    """

    failure_message: float = 600.0
    cluster_ready: float | None = None
    delete: float = 300.0
    poll_interval: float = 5.0
    control_plane: float | None = 3600.0
    per_machine: float | None = 600.0
    external_etcd: float | None = 3600.0

    @classmethod
    def none(cls) -> Timeouts:
        """No limit on the condition and rollout waits (``--no-timeouts``)."""
        return cls(cluster_ready=None, control_plane=None, per_machine=None, external_etcd=None)


@attrs.define
class WorkflowOptions:
    """Options of a create / upgrade / delete run.

    :ivar env: environment the provider reads credentials from (default: ``os.environ``).
    :ivar hook_options: free-form options handed to hooks as ``context.options`` (``skip_ip_check``...).
    :ivar timeouts: waits of apply-and-wait and delete.
    :ivar kube_factory: builds a :class:`~eksa_core.kube.KubeClient` from a kubeconfig path (default:
        ``KubeClient(path)``); tests inject clients with fake clocks here.
    :ivar keep_generated: keep ``<cluster>/generated/`` after a successful run.
    :ivar wait_conditions: the conditions waited for on the Cluster API Cluster, in order (default: the v1beta2
        conditions Cluster API sets, ``ControlPlaneAvailable``, ``WorkersAvailable``, ``Available``).
    :ivar management_components_version: value of the management-components-version annotation.
    :ivar current_spec: the spec the cluster runs now (upgrade); default: read from the cluster or its folder.
    :ivar keep_files: files the user wrote (the spec file given with ``-f``...) that a workflow must never
        remove, even where it would remove its own (delete removes the cluster folder's generated files).
    :ivar cni_renderer: renders the cluster's CNI (default: :class:`~eksa_core.cni.BundleCNIRenderer`, Cilium's
        chart with the ``helm`` CLI found through ``EKSA_HELM`` or ``PATH``, or kindnetd's manifest).
    """

    env: Mapping[str, str] | None = None
    hook_options: dict[str, Any] = attrs.field(factory=dict)
    timeouts: Timeouts = attrs.field(factory=Timeouts)
    kube_factory: Callable[[Path], KubeClient] | None = None
    keep_generated: bool = False
    wait_conditions: tuple[str, ...] | None = None
    management_components_version: str | None = None
    keep_files: tuple[Path, ...] = attrs.field(default=(), converter=lambda v: tuple(Path(p) for p in v))
    cni_renderer: CNIRenderer | None = None


class Redactor:
    """Replaces secret values (credentials from the environment, Secret data) with ``*****`` in any text."""

    MASK = "*****"

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        """Treat each of ``values`` as a secret (values shorter than 4 characters, booleans and numbers are not)."""
        for value in values:
            if isinstance(value, str) and len(value) >= 4 and not _NEVER_SECRET.fullmatch(value):
                self._values.add(value)

    def add_env(self, env: Mapping[str, str]) -> None:
        """Treat the values of credential-looking variables (``*PASSWORD*``, ``*TOKEN*``...) as secrets."""
        self.add(v for k, v in env.items() if _SECRET_ENV.search(k))

    def add_env_map(self, env: Mapping[str, str]) -> None:
        """Treat the credential values of a provider's clusterctl environment as secrets (the same variables as
        :meth:`add_env`). Flags, account names, endpoints and versions (``true``, ``admin``, a Prism Central
        address) are not secrets: plans, logs and events show them as they are."""
        self.add_env(env)

    def add_manifests(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Treat every value of every Secret among ``objects`` as a secret (encoded and decoded)."""
        for obj in objects:
            if obj.get("kind") != "Secret":
                continue
            for value in (obj.get("stringData") or {}).values():
                self.add([str(value)])
            for value in (obj.get("data") or {}).values():
                self.add([str(value)])
                with contextlib.suppress(ValueError, UnicodeDecodeError):
                    self.add([base64.b64decode(str(value), validate=True).decode()])

    def redact_data(self, data: Any) -> Any:
        """A copy of ``data`` (plain YAML/JSON data) with the secret values inside its strings masked: the
        structure, every key and every other value stay as they are (a text-level replacement could break the
        YAML it is applied to)."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, Mapping):
            return {k: self.redact_data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.redact_data(v) for v in data]
        return data

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, self.MASK)
        # the password of any URL carrying one (a proxy such as http://user:pass@proxy:3128), however short
        return _URL_PASSWORD.sub(rf"\g<1>{self.MASK}@", text) if "@" in text else text


def redact_manifest(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` safe to show: a Secret's ``data``/``stringData`` values become ``*****``.

    Only the top level is copied (the values replaced are top-level keys): treat the result as read-only.
    """
    out = dict(obj)
    if out.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if isinstance(out.get(key), Mapping):
                out[key] = dict.fromkeys(out[key], Redactor.MASK)
    return out


class RecordingKube:
    """Stands in for a :class:`~eksa_core.kube.KubeClient` in a dry run: every call is recorded, none is sent.

    Reads answer "nothing there" (``get_or_none`` → ``None``, ``list`` → ``[]``) and kinds are assumed served.
    """

    def __init__(self, ctx: WorkflowContext, cluster: ClusterHandle) -> None:
        self._ctx = ctx
        self._cluster = cluster.name

    def _record(self, action: str, **details: Any) -> None:
        self._ctx.record(action, cluster=self._cluster, **details)

    def apply(self, manifests: Any, **_: Any) -> list[dict[str, Any]]:
        from ..kube.client import KubeClient

        if isinstance(manifests, Mapping):
            manifests = [manifests]
        if isinstance(manifests, list) and all(isinstance(m, Mapping) and not str(m.get("kind", "")).endswith("List")
                                               for m in manifests):
            objects = [dict(m) for m in manifests]  # nothing is sent: no need for the client's deep copies
        else:
            objects = KubeClient.load_manifests(manifests)
        self._record("apply", objects=[_describe_obj(o) for o in objects])
        return objects

    def create_namespace(self, name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
        self._record("create-namespace", namespace=name)
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}

    def annotate(self, api_version: str, kind: str, name: str, annotations: Mapping[str, str | None],
                 namespace: str | None = None) -> dict[str, Any]:
        self._record("annotate", object=f"{kind}/{name}", annotations=dict(annotations))
        return {}

    def patch_merge(self, api_version: str, kind: str, name: str, patch: Mapping[str, Any],
                    namespace: str | None = None, **_: Any) -> dict[str, Any]:
        self._record("patch", object=f"{kind}/{name}")
        return {}

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None,
               **_: Any) -> None:
        self._record("delete", object=f"{kind}/{name}", namespace=namespace)

    def get_or_none(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        from ..kube.errors import KubeNotFoundError

        raise KubeNotFoundError(f"dry run: {kind} {name} is not read", kind=kind, name=name, namespace=namespace)

    def list(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return []

    def has_kind(self, api_version: str, kind: str) -> bool:
        return True

    def invalidate_discovery(self) -> None:
        return None

    def wait_for_condition(self, api_version: str, kind: str, name: str, namespace: str | None,
                           condition: str, status: str = "True", timeout: float = 0, **_: Any) -> dict[str, Any]:
        self._record("wait-for-condition", object=f"{kind}/{name}", condition=condition, timeout=timeout)
        return {}

    def wait_for_field_empty(self, api_version: str, kind: str, name: str, namespace: str | None,
                             field_path: str = "status.failureMessage", timeout: float = 0,
                             **_: Any) -> dict[str, Any]:
        self._record("wait-for-field-empty", object=f"{kind}/{name}", field=field_path, timeout=timeout)
        return {}

    def close(self) -> None:
        return None


def _describe_obj(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{obj.get('kind')}/{(ns + '/') if ns else ''}{meta.get('name')}"


def _share_management_cluster(ctx: WorkflowContext, _attribute: Any, value: ClusterHandle | None) -> Any:
    """Hand the management cluster's kubeconfig to provider hooks (a workload cluster's provider reads the
    management cluster: hardware, datacenter objects, name uniqueness)."""
    hook_context = getattr(ctx, "hook_context", None)
    if hook_context is not None:
        # CallContext.management_kubeconfig is a read-only view of management_cluster (and of this option)
        hook_context.management_cluster = value
        if value is not None and value.kubeconfig is not None:
            hook_context.options["management_kubeconfig"] = value.kubeconfig
        else:
            hook_context.options.pop("management_kubeconfig", None)
    return value


@attrs.define(eq=False)
class WorkflowContext:
    """Everything the tasks of a run share: collaborators, the clusters involved, and the run's state.

    ``bootstrap_cluster`` / ``management_cluster`` / ``workload_cluster`` are set by the tasks that create or
    find them (and by their ``restore`` in a resumed run).
    """

    spec: Spec
    plugins: Plugins
    provider: ProviderHooks
    workdir: Path
    bootstrapper: Bootstrapper | None
    installer: ClusterAPIInstaller
    options: WorkflowOptions = attrs.field(factory=WorkflowOptions)
    dry_run: bool = False
    current_spec: Spec | None = None
    bootstrap_cluster: ClusterHandle | None = None
    #: Setting it also tells provider hooks: ``hook_context.management_kubeconfig``.
    management_cluster: ClusterHandle | None = attrs.field(default=None, on_setattr=_share_management_cluster)
    workload_cluster: ClusterHandle | None = None
    change_diffs: list[ComponentChangeDiff] = attrs.field(factory=list)
    backup_dir: Path | None = None
    error: BaseException | None = None
    resuming: bool = False
    #: Names of the tasks the checkpoint of a resumed run lists as completed.
    checkpointed: set[str] = attrs.field(factory=set)
    current_task: str | None = None
    steps: list[PlanStep] = attrs.field(factory=list)
    plan_dir: Path | None = None
    redact: Redactor = attrs.field(factory=Redactor)
    #: Values computed once per run (rendered manifests...), never checkpointed.
    cache: dict[str, Any] = attrs.field(factory=dict)
    hook_context: HookContext = attrs.field(init=False)
    _step: PlanStep | None = attrs.field(default=None, init=False)
    _emit: Callable[[WorkflowEvent], None] | None = attrs.field(default=None, init=False)
    _workflow: str = attrs.field(default="", init=False)
    _clients: dict[str, Any] = attrs.field(factory=dict, init=False)
    _hooks: ProviderHooks | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        env = dict(self.options.env) if self.options.env is not None else dict(os.environ)
        self.redact.add_env(env)
        registry_user, registry_password = env.get("REGISTRY_USERNAME"), env.get("REGISTRY_PASSWORD")
        if registry_user is not None and registry_password:
            # nodes authenticate to a registry mirror with this token (containerd's hosts.toml)
            self.redact.add([base64.b64encode(f"{registry_user}:{registry_password}".encode()).decode()])
        self.hook_context = HookContext(
            cluster_dir=self.cluster_dir,
            env=env,
            dry_run=self.dry_run,
            kube_factory=self.options.kube_factory,
            options=dict(self.options.hook_options),
        )
        if self.management_cluster is not None:
            _share_management_cluster(self, None, self.management_cluster)

    # -- paths ----------------------------------------------------------------------------------------------

    @property
    def cluster_name(self) -> str:
        return self.spec.name

    @property
    def cluster_dir(self) -> Path:
        """``<workdir>/<cluster>/``."""
        return self.workdir / self.spec.name

    @property
    def generated_dir(self) -> Path:
        """``<cluster>/generated/`` (temporary; removed on success, kept on failure)."""
        return self.cluster_dir / "generated"

    @property
    def kubeconfig_path(self) -> Path:
        """``<cluster>/<cluster>-eks-a-cluster.kubeconfig``."""
        return self.cluster_dir / f"{self.spec.name}-eks-a-cluster.kubeconfig"

    @property
    def config_path(self) -> Path:
        """``<cluster>/<cluster>-eks-a-cluster.yaml``."""
        return self.cluster_dir / f"{self.spec.name}-eks-a-cluster.yaml"

    @property
    def aws_kubeconfig_path(self) -> Path:
        """``<cluster>/<cluster>-aws.kubeconfig`` (AWS IAM Authenticator users)."""
        return self.cluster_dir / f"{self.spec.name}-aws.kubeconfig"

    def is_kept(self, path: Path) -> bool:
        """Whether ``path`` is a file of the user's (:attr:`WorkflowOptions.keep_files`)."""
        target = path.resolve()
        return any(Path(kept).resolve() == target for kept in self.options.keep_files)

    # -- events and plan ------------------------------------------------------------------------------------

    def bind_events(self, workflow: str, emit: Callable[[WorkflowEvent], None]) -> None:
        self._workflow = workflow
        self._emit = emit
        self.hook_context.emit_progress = self._progress

    def _progress(self, message: str, level: int, details: dict[str, Any]) -> None:
        """A provider's :meth:`~eksa_core.context.HookContext.progress` report as a ``progress`` event."""
        if self._emit is not None:
            self._emit(WorkflowEvent(self._workflow, "progress", task=self.current_task, message=message,
                                     level=level, details=details))

    def info(self, message: str, level: int = 0) -> None:
        """Tell the user something (EKS Anywhere's ``logger.V(level).Info``)."""
        if self._step is not None and level == 0:
            self._step.messages.append(self.redact(message))
        if self._emit is not None:
            self._emit(WorkflowEvent(self._workflow, "message", task=self.current_task, message=message,
                                     level=level))

    def begin_step(self, task: Task) -> None:
        from .plan import PlanStep

        self._step = PlanStep(task.name, task.message, task.describe(self))
        self.steps.append(self._step)

    def end_step(self) -> None:
        self._step = None

    def record(self, action: str, **details: Any) -> None:
        """Note an action of the current task (the plan of a dry run is made of these)."""
        if self._step is not None:
            self._step.actions.append({"action": action, **_redacted(details, self.redact)})

    def set_error(self, error: BaseException) -> None:
        """Keep the first error only (as EKS Anywhere's ``SetError``)."""
        if self.error is None:
            self.error = error

    # -- collaborators --------------------------------------------------------------------------------------

    @property
    def hooks(self) -> ProviderHooks:
        """Typed calls of the spec's provider (and add-ons); each call is noted in the plan with what the hook
        recorded (:meth:`_observe_hook`)."""
        hooks = self._hooks
        if hooks is None or hooks.plugin is not self.provider.plugin:
            hooks = self.provider.observed(self._observe_hook)
            self._hooks = hooks
        return hooks

    def _observe_hook(self, name: str, call: Callable[[], Any]) -> Any:
        self.record("call-hook", hook=name)
        before = len(self.hook_context.recorded)
        result = call()
        for entry in self.hook_context.recorded[before:]:
            # the hook's own ``action`` key becomes ``hookAction`` (``action`` is this entry's kind)
            details = {("hookAction" if key == "action" else key): value for key, value in entry.items()}
            self.record("hook-action", hook=name, **details)
        return result

    def kube(self, cluster: ClusterHandle) -> Any:
        """A client for ``cluster``: a :class:`~eksa_core.kube.KubeClient`, or a :class:`RecordingKube` in a dry
        run (nothing is ever sent then)."""
        if self.dry_run:
            return RecordingKube(self, cluster)
        if cluster.kubeconfig is None:
            raise RuntimeError(f"no kubeconfig known for cluster {cluster.name}")
        key = str(cluster.kubeconfig)
        client = self._clients.get(key)
        if client is None:
            if self.options.kube_factory is not None:
                client = self.options.kube_factory(cluster.kubeconfig)
            else:
                from ..kube.client import KubeClient

                client = KubeClient(cluster.kubeconfig)
            self._clients[key] = client
        return client

    def forget_client(self, cluster: ClusterHandle) -> None:
        """Drop the cached client of ``cluster`` (after its kubeconfig changed or the cluster went away)."""
        client = self._clients.pop(str(cluster.kubeconfig), None)
        if client is not None:
            client.close()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def write_file(self, path: Path, content: str | Callable[[], str], *, private: bool = False) -> None:
        """Write a file of the cluster folder (mode 0600 when ``private``); a dry run only records it.
        ``content`` may be a function making the text, called only when the file is really written."""
        self.record("write-file", path=str(path), mode="0600" if private else "0644")
        if self.dry_run:
            return
        if callable(content):
            content = content()
        if self.is_kept(path):
            # the user's own file (the spec given with -f): its old content is kept as <name>.bak, its mode stays
            backup = write_file_atomic(path, content, mode=None, keep_backup=True)
            if backup is not None:
                self.record("backup-file", path=str(path), backup=str(backup))
            return
        write_file_atomic(path, content, mode=PRIVATE if private else PUBLIC)

    def remove_tree(self, path: Path) -> None:
        """Remove the folder ``path`` (generated files, plans, backups) except the user's files inside it
        (:attr:`WorkflowOptions.keep_files`, e.g. a spec given with ``-f`` that sits under ``generated/``) and
        the folders leading to them. A dry run only records it."""
        if self.dry_run:
            self.record("remove-directory", path=str(path))
            return
        for entry in remove_tree_keeping(path, self.options.keep_files):
            self.record("keep-file", path=str(entry), reason="given by the user")


    def remove_file(self, path: Path) -> bool:
        """Remove a file of the cluster folder unless it is the user's; a dry run only records it. Returns
        whether it was (or would be) removed."""
        if self.is_kept(path):
            self.record("keep-file", path=str(path), reason="given by the user")
            return False
        if not self.dry_run and not path.is_file():
            return False
        self.record("remove-file", path=str(path))
        if not self.dry_run:
            path.unlink(missing_ok=True)
        return True


def remove_tree_keeping(path: Path, keep: Iterable[Path]) -> list[Path]:
    """Remove the folder ``path`` except the files of ``keep`` inside it (and the folders leading to them);
    return the kept entries."""
    if not path.is_dir():
        return []
    root = path.resolve()
    kept = [Path(k).resolve() for k in keep]
    if not any(root == k or root in k.parents for k in kept):
        shutil.rmtree(path, ignore_errors=True)
        return []
    found: list[Path] = []
    for folder, dirs, files in os.walk(path, topdown=False):
        for name in [*files, *dirs]:
            entry = Path(folder) / name
            if entry.resolve() in kept:
                found.append(entry)
                continue
            with contextlib.suppress(OSError):
                if entry.is_symlink() or not entry.is_dir():
                    entry.unlink()
                else:
                    entry.rmdir()  # only when empty: a folder holding a kept file stays
    with contextlib.suppress(OSError):
        path.rmdir()
    return found


def _redacted(details: Mapping[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, Mapping):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        return redact(str(value))

    return {k: clean(v) for k, v in details.items()}
