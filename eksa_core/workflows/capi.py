"""Installing Cluster API (and the EKS Anywhere / EKS-D components) into a cluster.

:class:`ClusterAPIInstaller` is what the workflows call; implementations:

* :class:`ClusterctlInstaller` runs ``clusterctl init`` / ``clusterctl upgrade apply`` with the provider's
  environment (``eksa_env_map``) and a local repository of overrides written to
  ``<cluster>/generated/overrides/`` (the infrastructure bundle of
  ``eksa_infrastructure_bundle`` among them);
* :class:`ManifestInstaller` applies component manifests given to it with :class:`~eksa_core.kube.KubeClient`
  (for environments without clusterctl, and for air-gapped installs from local files);
* :class:`RecordingInstaller` is what a dry run uses: it records what would be installed and does nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from ..context import ClusterHandle
from ..errors import EksaError
from ..files import PUBLIC, write_file_atomic
from ..plugins import ComponentChangeDiff, InfrastructureBundle, ProviderInfo

if TYPE_CHECKING:
    from ..kube.client import KubeClient
    from ..spec import Spec
    from .context import WorkflowContext

__all__ = [
    "ClusterAPIInstaller",
    "ClusterctlInstaller",
    "ComponentsRequest",
    "InstallerError",
    "ManifestInstaller",
    "RecordingInstaller",
]

log = logging.getLogger("eksa.capi")


class InstallerError(EksaError):
    """Installing or upgrading components failed."""


@attrs.define
class ComponentsRequest:
    """What to install: the spec, the provider, its clusterctl environment and infrastructure bundle.

    ``env`` holds credentials: it is passed to processes, never logged or recorded (only its keys are).
    ``versions`` maps component (``cluster-api``, ``bootstrap-kubeadm``, ``control-plane-kubeadm``,
    ``infrastructure-<provider>``...) to version.
    """

    spec: Spec
    provider_name: str
    env: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    infrastructure: InfrastructureBundle | None = None
    versions: dict[str, str] = attrs.field(factory=dict)
    overrides_dir: Path | None = None
    external_etcd: bool = False

    @property
    def infrastructure_version(self) -> str:
        if self.infrastructure is not None:
            return Path(self.infrastructure.folder_name.rstrip("/")).name
        return self.versions.get(f"infrastructure-{self.provider_name}", "")


class ClusterAPIInstaller(ABC):
    """Installs Cluster API, the EKS-A controller and EKS-D components into clusters."""

    @abstractmethod
    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        """Install the Cluster API core, kubeadm bootstrap/control plane (and etcdadm providers for external
        etcd) and the infrastructure provider (``clusterctl init``); waits for their deployments."""

    @abstractmethod
    def upgrade(
        self, cluster: ClusterHandle, request: ComponentsRequest, current: ComponentsRequest | None
    ) -> list[ComponentChangeDiff]:
        """Upgrade the components to the versions of ``request`` (``clusterctl upgrade apply``); return the
        component version changes (empty when nothing changed)."""

    def ensure_etcd_providers(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        """Install the etcdadm providers when missing (clusters moving to external etcd). Default: nothing."""
        return None

    def install_eksa_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        """Install the EKS Anywhere CRDs and controller. Default: nothing (no EKS-A controller)."""
        return None

    def install_eksd_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        """Install the EKS-D CRDs and release manifest. Default: nothing."""
        return None


def component_versions(spec: Spec, provider: str | ProviderInfo) -> dict[str, str]:
    """Component versions from the spec's versions bundle, where it has them (best effort, by attribute).

    :param provider: the provider's registration (its :attr:`~eksa_core.contract.ProviderInfo.bundle_section`
        names the bundle section of its infrastructure components), or a provider name that is its own section.
    """
    if isinstance(provider, ProviderInfo):
        provider_name, section = provider.name, provider.bundle_attribute
    else:
        provider_name = section = provider
    out: dict[str, str] = {}
    try:
        bundle: Any = spec.versions_bundle()
    except Exception:
        return out
    for component, attr in (
        ("cluster-api", "cluster_api"),
        ("bootstrap-kubeadm", "bootstrap"),
        ("control-plane-kubeadm", "control_plane"),
        ("bootstrap-etcdadm-bootstrap", "etcdadm_bootstrap"),
        ("bootstrap-etcdadm-controller", "etcdadm_controller"),
        (f"infrastructure-{provider_name}", section),
    ):
        value = getattr(getattr(bundle, attr, None), "version", None)
        if isinstance(value, str) and value:
            out[component] = value
    return out


CORE_PROVIDERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("cluster-api", "CoreProvider", "cluster-api", "core-components.yaml", "cluster_api"),
    ("bootstrap-kubeadm", "BootstrapProvider", "kubeadm", "bootstrap-components.yaml", "bootstrap"),
    ("control-plane-kubeadm", "ControlPlaneProvider", "kubeadm", "control-plane-components.yaml", "control_plane"),
    ("bootstrap-etcdadm-bootstrap", "BootstrapProvider", "etcdadm-bootstrap", "bootstrap-components.yaml",
     "etcdadm_bootstrap"),
    ("bootstrap-etcdadm-controller", "BootstrapProvider", "etcdadm-controller", "bootstrap-components.yaml",
     "etcdadm_controller"),
)
"""The providers EKS Anywhere's clusterctl configuration declares beside the infrastructure one: (overrides folder,
clusterctl provider type, provider name, components file name, versions bundle attribute)."""


def bundle_core_providers(spec: Spec) -> list[tuple[str, str, str, str, Any]]:
    """:data:`CORE_PROVIDERS` with the versions bundle entry of each (``None`` where the bundle has none)."""
    try:
        bundle: Any = spec.versions_bundle()
    except Exception:
        bundle = None
    return [(folder, kind, name, file, getattr(bundle, attr, None))
            for folder, kind, name, file, attr in CORE_PROVIDERS]


def _manifest_uri(manifest: Any) -> str:
    uri = getattr(manifest, "uri", None)
    return uri if isinstance(uri, str) else ""


def _diffs(old: Mapping[str, str], new: Mapping[str, str]) -> list[ComponentChangeDiff]:
    return [
        ComponentChangeDiff(name, old[name], version)
        for name, version in new.items()
        if name in old and old[name] != version
    ]


def read_manifest(source: str, base: Path | None = None) -> bytes:
    """Read a manifest named by a local path, ``file://`` URL or ``http(s)://`` URL."""
    parsed = urllib.parse.urlsplit(source)
    if parsed.scheme in ("http", "https"):
        from urllib.request import urlopen

        with urlopen(source, timeout=60) as response:
            return bytes(response.read())
    path = Path(urllib.parse.unquote(parsed.path)) if parsed.scheme == "file" else Path(source)
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InstallerError(f"cannot read manifest {source}: {exc.strerror}") from None


class ClusterctlInstaller(ClusterAPIInstaller):
    """Runs ``clusterctl`` with the provider's environment and a local overrides repository.

    :param clusterctl: the executable. :param runner: ``subprocess.run``-like (injectable in tests).
    :param reader: reads a manifest source (path or URL) into bytes.
    """

    def __init__(
        self,
        clusterctl: str = "clusterctl",
        *,
        runner: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
        reader: Callable[[str], bytes] = read_manifest,
    ) -> None:
        self.clusterctl = clusterctl
        self.runner = runner
        self.reader = reader

    def write_overrides(self, request: ComponentsRequest) -> Path | None:
        """Write the infrastructure bundle to ``overrides/infrastructure-<name>/<version>/`` and the Cluster API
        core, kubeadm and etcdadm providers of the versions bundle (those it gives a components manifest) to
        ``overrides/<component>/<version>/``, as EKS Anywhere's local clusterctl repository holds them; return the
        clusterctl config file (``generated/clusterctl_tmp.yaml``) declaring each of them."""
        if request.overrides_dir is None or request.infrastructure is None:
            return None
        providers: list[dict[str, str]] = []
        for component, kind, name, components_file, entry in bundle_core_providers(request.spec):
            version = str(getattr(entry, "version", "") or "")
            components_uri = _manifest_uri(getattr(entry, "components", None))
            if not version or not components_uri:
                continue
            core_folder = request.overrides_dir / component / version
            core_folder.mkdir(parents=True, exist_ok=True)
            write_file_atomic(core_folder / components_file, self.reader(components_uri), mode=PUBLIC)
            metadata_uri = _manifest_uri(getattr(entry, "metadata", None))
            if metadata_uri:
                write_file_atomic(core_folder / "metadata.yaml", self.reader(metadata_uri), mode=PUBLIC)
            providers.append({"name": name, "type": kind, "url": str(core_folder / components_file)})
        folder = request.overrides_dir / request.infrastructure.folder_name.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        components = None
        for source in request.infrastructure.manifests:
            name = Path(urllib.parse.urlsplit(source).path).name or "manifest.yaml"
            write_file_atomic(folder / name, self.reader(source), mode=PUBLIC)
            if "components" in name:
                components = folder / name
        config = request.overrides_dir.parent / "clusterctl_tmp.yaml"
        providers.append({
            "name": request.provider_name,
            "type": "InfrastructureProvider",
            "url": str(components or folder / "infrastructure-components.yaml"),
        })
        write_file_atomic(config, yaml.safe_dump({"providers": providers}, sort_keys=False), mode=PUBLIC)
        return config

    def _run(self, args: Sequence[str], env: Mapping[str, str]) -> None:
        if self.runner is subprocess.run and shutil.which(self.clusterctl) is None:
            raise InstallerError(f"the clusterctl executable {self.clusterctl!r} was not found on PATH")
        full_env = {**os.environ, **env}
        result = self.runner([self.clusterctl, *args], capture_output=True, text=True, env=full_env, check=False)
        if result.returncode != 0:
            message = (result.stderr or "").strip()[-2000:]
            for value in env.values():  # clusterctl may echo its environment
                if value and len(value) >= 4:
                    message = message.replace(value, "*****")
            raise InstallerError(f"clusterctl {args[0]} failed: {message}")

    def _provider_args(self, request: ComponentsRequest) -> list[str]:
        v = request.versions
        args: list[str] = []
        for flag, component, name in (
            ("--core", "cluster-api", "cluster-api"),
            ("--bootstrap", "bootstrap-kubeadm", "kubeadm"),
            ("--control-plane", "control-plane-kubeadm", "kubeadm"),
        ):
            args += [flag, f"{name}:{v[component]}" if component in v else name]
        if request.external_etcd:
            for component, name in (("bootstrap-etcdadm-bootstrap", "etcdadm-bootstrap"),
                                    ("bootstrap-etcdadm-controller", "etcdadm-controller")):
                args += ["--bootstrap", f"{name}:{v[component]}" if component in v else name]
        infra = request.infrastructure_version
        args += ["--infrastructure", f"{request.provider_name}:{infra}" if infra else request.provider_name]
        return args

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        config = self.write_overrides(request)
        args = ["init", *self._provider_args(request), "--kubeconfig", str(cluster.kubeconfig), "--wait-providers"]
        if config is not None:
            args += ["--config", str(config)]
        self._run(args, request.env)

    def upgrade(
        self, cluster: ClusterHandle, request: ComponentsRequest, current: ComponentsRequest | None
    ) -> list[ComponentChangeDiff]:
        diffs = _diffs(current.versions if current else {}, request.versions)
        if current is not None and not diffs:
            return []
        config = self.write_overrides(request)
        args = ["upgrade", "apply", "--kubeconfig", str(cluster.kubeconfig)]
        for flag, component, name in (("--core", "cluster-api", "capi-system/cluster-api"),
                                      ("--bootstrap", "bootstrap-kubeadm", "capi-kubeadm-bootstrap-system/kubeadm"),
                                      ("--control-plane", "control-plane-kubeadm",
                                       "capi-kubeadm-control-plane-system/kubeadm")):
            if component in request.versions:
                args += [flag, f"{name}:{request.versions[component]}"]
        if request.infrastructure_version:
            args += ["--infrastructure", f"{request.provider_name}:{request.infrastructure_version}"]
        if config is not None:
            args += ["--config", str(config)]
        self._run(args, request.env)
        return diffs

    def ensure_etcd_providers(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        if not request.external_etcd:
            return
        args = ["init", "--kubeconfig", str(cluster.kubeconfig)]
        for component, name in (("bootstrap-etcdadm-bootstrap", "etcdadm-bootstrap"),
                                ("bootstrap-etcdadm-controller", "etcdadm-controller")):
            args += ["--bootstrap", f"{name}:{request.versions[component]}" if component in request.versions
                     else name]
        self._run(args, request.env)


class ManifestInstaller(ClusterAPIInstaller):
    """Applies component manifests with :class:`~eksa_core.kube.KubeClient` (server-side apply).

    :param components: component name → manifests (YAML text or a path/URL to read), applied in this order by
        :meth:`init`; ``eksa`` and ``eksd`` entries are applied by :meth:`install_eksa_components` and
        :meth:`install_eksd_components` instead.
    :param client_factory: kubeconfig path → client. :param versions: component → version installed.
    """

    def __init__(
        self,
        components: Mapping[str, str],
        *,
        client_factory: Callable[[Path], KubeClient] | None = None,
        versions: Mapping[str, str] | None = None,
        reader: Callable[[str], bytes] = read_manifest,
    ) -> None:
        self.components = dict(components)
        self.client_factory = client_factory
        self.versions = dict(versions or {})
        self.reader = reader

    def _client(self, cluster: ClusterHandle) -> KubeClient:
        if cluster.kubeconfig is None:
            raise InstallerError(f"no kubeconfig for cluster {cluster.name}")
        if self.client_factory is not None:
            return self.client_factory(cluster.kubeconfig)
        from ..kube.client import KubeClient

        return KubeClient(cluster.kubeconfig)

    def _text(self, value: str) -> str:
        if "\n" in value or value.lstrip().startswith(("apiVersion", "kind", "---")):
            return value
        return self.reader(value).decode()

    def _apply(self, cluster: ClusterHandle, names: Sequence[str]) -> None:
        client = self._client(cluster)
        for name in names:
            if name in self.components:
                log.info("applying %s components to %s", name, cluster.name)
                client.apply(self._text(self.components[name]))
        client.invalidate_discovery()

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._apply(cluster, [n for n in self.components if n not in ("eksa", "eksd")])

    def upgrade(
        self, cluster: ClusterHandle, request: ComponentsRequest, current: ComponentsRequest | None
    ) -> list[ComponentChangeDiff]:
        old = current.versions if current is not None else self.versions
        diffs = _diffs(old, request.versions)
        if diffs or current is None:
            self.init(cluster, request)
        return diffs

    def install_eksa_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._apply(cluster, ["eksa"])

    def install_eksd_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._apply(cluster, ["eksd"])


class RecordingInstaller(ClusterAPIInstaller):
    """Dry-run installer: notes what would be installed into the plan (environment keys only, never values)."""

    def __init__(self, ctx: WorkflowContext) -> None:
        self.ctx = ctx

    def _record(self, action: str, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.ctx.record(action, cluster=cluster.name, provider=request.provider_name,
                        versions=dict(request.versions), env_keys=sorted(request.env),
                        infrastructure=request.infrastructure.folder_name if request.infrastructure else None)

    def init(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._record("clusterctl-init", cluster, request)

    def upgrade(
        self, cluster: ClusterHandle, request: ComponentsRequest, current: ComponentsRequest | None
    ) -> list[ComponentChangeDiff]:
        self._record("clusterctl-upgrade", cluster, request)
        return _diffs(current.versions if current else {}, request.versions)

    def ensure_etcd_providers(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self._record("ensure-etcd-providers", cluster, request)

    def install_eksa_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.ctx.record("install-components", cluster=cluster.name, components="eksa")

    def install_eksd_components(self, cluster: ClusterHandle, request: ComponentsRequest) -> None:
        self.ctx.record("install-components", cluster=cluster.name, components="eksd")
