"""Real Cluster API controllers for tests, started against a real control plane on 127.0.0.1.

:class:`ClusterAPI` runs the four managers built by ``tools/components/capi/build.sh`` against a started
:class:`~eksa_core.testing.controlplane.ControlPlane`:

* the core manager (``cluster-api-controller``), the kubeadm bootstrap (``kubeadm-bootstrap``) and kubeadm control
  plane (``kubeadm-control-plane``) managers of Cluster API :data:`CAPI_VERSION` (the release EKS Anywhere ships);
* CAPD (``capd-manager``) of ``sigs.k8s.io/cluster-api/test`` :data:`CAPD_VERSION`, whose in-memory backend
  (``DevCluster`` / ``DevMachine`` with ``backend.inMemory``) simulates machines, a control-plane endpoint, the
  static pods, a Node and an etcd endpoint: enough for KubeadmControlPlanes and MachineDeployments to become ready
  without Docker.

Set up as controller-runtime's envtest does, plus what a real deployment's kustomize and cert-manager add:

* each manager gets its own CA and serving certificate for ``127.0.0.1`` in its ``--webhook-cert-dir`` and its own
  free ports: ``--health-addr`` and ``--diagnostics-address`` on 127.0.0.1, ``--webhook-port`` (the managers take
  no host for their webhook server, which controller-runtime binds on every interface; it is reached, and its
  certificate issued, for 127.0.0.1);
* the CRDs are read from the Go module downloads (``go mod download -json``) and installed with their conversion
  webhook pointed at the owning manager (``https://127.0.0.1:<port>/convert`` with that manager's CA bundle), so
  v1beta1 and v1beta2 are both served as on a real management cluster;
* once a manager reports ``/readyz``, its Validating/MutatingWebhookConfigurations (from the module's
  ``config/webhook/manifests.yaml``, renamed per manager) are installed pointing at its webhook port;
* ``POD_IP=127.0.0.1``, so CAPD's in-memory API servers are reached on loopback. (CAPD binds those listeners, ports
  20000-30000, and its debug listener on port 19000, on every interface; it offers no flag to narrow that. Only one
  CAPD can therefore run on a machine at a time: :meth:`ClusterAPI.start` takes an exclusive ``flock`` on
  ``$TMPDIR/eksa-capd.lock``, held until :meth:`ClusterAPI.stop`, so a second test process waits for the first.)

Every manager runs in its own process group, dies with its parent, and is stopped by :meth:`ClusterAPI.stop` (also
at interpreter exit); its work directory is removed afterwards.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
import datetime
import fcntl
import functools
import ipaddress
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .controlplane import (
    ControlPlane,
    ControlPlaneError,
    ControlPlaneUnavailable,
    _die_with_parent,
    _free_ports,
    _Process,
    _resolve,
    _tail,
    _write_private,
)

__all__ = [
    "CAPD_VERSION",
    "CAPI_VERSION",
    "MANAGERS",
    "ClusterAPI",
    "ClusterAPIError",
    "Manager",
    "cluster_api",
    "find_capi_binaries",
    "module_dir",
]

CAPI_VERSION = "v1.13.2"
"""The Cluster API release whose core, kubeadm bootstrap and kubeadm control plane managers run (EKS Anywhere's)."""

CAPD_VERSION = "v1.13.7"
"""The ``sigs.k8s.io/cluster-api/test`` release CAPD comes from (the module proxy does not serve v1.13.2 of it),
compiled against core :data:`CAPI_VERSION`."""

CAPI_BIN_DIR_ENV = "EKSA_CAPI_BIN_DIR"

CAPD_LOCK_NAME = "eksa-capd.lock"
"""The file (in ``$TMPDIR``, else ``/tmp``) every :class:`ClusterAPI` holds an exclusive ``flock`` on from start
to stop: CAPD binds ports 19000 and 20000-30000 on every interface, so a second CAPD on the same machine (another
test process, another checkout) waits for the first to stop instead of colliding with it."""

CAPI_MODULE = "sigs.k8s.io/cluster-api"
CAPI_TEST_MODULE = "sigs.k8s.io/cluster-api/test"


class ClusterAPIError(ControlPlaneError):
    """A Cluster API manager failed to start or become ready, or its CRDs could not be read or installed."""


@dataclass(frozen=True)
class Manager:
    """One Cluster API manager: its binary, the module (and directory in it) holding its CRDs and webhooks."""

    name: str
    binary: str
    module: str
    version: str
    config_dir: str
    extra_args: tuple[str, ...] = ()


MANAGERS: tuple[Manager, ...] = (
    Manager("core", "cluster-api-controller", CAPI_MODULE, CAPI_VERSION, "config"),
    Manager("kubeadm-bootstrap", "kubeadm-bootstrap", CAPI_MODULE, CAPI_VERSION, "bootstrap/kubeadm/config"),
    Manager("kubeadm-control-plane", "kubeadm-control-plane", CAPI_MODULE, CAPI_VERSION, "controlplane/kubeadm/config"),
    Manager("capd", "capd-manager", CAPI_TEST_MODULE, CAPD_VERSION, "infrastructure/docker/config"),
)
"""The managers :class:`ClusterAPI` runs, in start order."""


def find_capi_binaries() -> Path:
    """The directory holding the four manager binaries (``$EKSA_CAPI_BIN_DIR``, the build script, or the cache).

    Raises :class:`~eksa_core.testing.controlplane.ControlPlaneUnavailable` when they are missing and Go is not
    installed to build them.
    """
    return _resolve("capi", CAPI_VERSION, CAPI_BIN_DIR_ENV, [m.binary for m in MANAGERS])


@functools.cache
def module_dir(module: str, version: str) -> Path:
    """The directory of ``module@version`` in Go's module cache (downloaded first when missing)."""
    go = shutil.which("go")
    if go is None:
        raise ControlPlaneUnavailable(
            f"reading the CRDs of {module}@{version} needs Go: the go command is not installed"
        )
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    proc = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        info = {}
    if proc.returncode != 0 or not info.get("Dir"):
        detail = info.get("Error") or _tail(proc.stderr)
        raise ClusterAPIError(f"go mod download {module}@{version} failed: {detail}")
    return Path(info["Dir"])


def _load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [doc for doc in yaml.safe_load_all(fh) if isinstance(doc, dict)]


@dataclass(frozen=True)
class _WebhookCert:
    directory: Path
    ca_bundle: str  # base64 of the CA's PEM


def _webhook_cert(directory: Path, name: str) -> _WebhookCert:
    """A fresh CA and a serving certificate for 127.0.0.1/localhost, as ``tls.crt``/``tls.key`` in ``directory``."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:  # pragma: no cover - cryptography is in eksa-core's "testing" and "dev" extras
        raise ControlPlaneUnavailable(
            "the Cluster API fixture needs the cryptography package (pip install 'eksa-core[testing]')"
        ) from exc
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"eksa-test-{name}-webhook-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}-webhook")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    _write_private(directory / "tls.crt", cert.public_bytes(serialization.Encoding.PEM))
    _write_private(
        directory / "tls.key",
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    _write_private(directory / "ca.crt", ca_pem)
    return _WebhookCert(directory, base64.b64encode(ca_pem).decode())


def _kustomize_labels(kustomization: Path) -> dict[str, str]:
    """The labels a ``kustomization.yaml`` puts on its resources (``labels[].pairs`` and ``commonLabels``)."""
    if not kustomization.is_file():
        return {}
    docs = _load_yaml_documents(kustomization)
    labels: dict[str, str] = {}
    for doc in docs:
        for entry in doc.get("labels") or []:
            labels.update({str(k): str(v) for k, v in (entry.get("pairs") or {}).items()})
        labels.update({str(k): str(v) for k, v in (doc.get("commonLabels") or {}).items()})
    return labels


def manager_crds(manager: Manager, webhook_url: str, ca_bundle: str) -> list[dict[str, Any]]:
    """The CRDs of ``manager`` as read from its module, multi-version ones converted by ``webhook_url``/convert.

    Each CRD gets the labels the module's ``crd/kustomization.yaml`` adds, among them the contract version labels
    (``cluster.x-k8s.io/v1beta2: v1beta2``) Cluster API reads to resolve references to provider objects.
    """
    crd_dir = module_dir(manager.module, manager.version) / manager.config_dir / "crd" / "bases"
    labels = _kustomize_labels(crd_dir.parent / "kustomization.yaml")
    files = sorted(crd_dir.glob("*.yaml"))
    if not files:
        raise ClusterAPIError(f"no CRD files in {crd_dir}")
    crds: list[dict[str, Any]] = []
    for path in files:
        for doc in _load_yaml_documents(path):
            if doc.get("kind") != "CustomResourceDefinition":
                continue
            crd = copy.deepcopy(doc)
            crd.setdefault("metadata", {}).setdefault("labels", {}).update(labels)
            if len(crd.get("spec", {}).get("versions", [])) > 1:
                crd["spec"]["conversion"] = {
                    "strategy": "Webhook",
                    "webhook": {
                        "conversionReviewVersions": ["v1"],
                        "clientConfig": {"url": f"{webhook_url}/convert", "caBundle": ca_bundle},
                    },
                }
            crds.append(crd)
    return crds


def manager_webhook_configurations(manager: Manager, webhook_url: str, ca_bundle: str) -> list[dict[str, Any]]:
    """The manager's Validating/MutatingWebhookConfigurations, named ``eksa-test-<manager>-...``, aimed at
    ``webhook_url``."""
    path = module_dir(manager.module, manager.version) / manager.config_dir / "webhook" / "manifests.yaml"
    configs: list[dict[str, Any]] = []
    for doc in _load_yaml_documents(path):
        if doc.get("kind") not in {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}:
            continue
        config = copy.deepcopy(doc)
        config["metadata"] = {"name": f"eksa-test-{manager.name}-{doc['metadata']['name']}"}
        for hook in config.get("webhooks", []):
            service_path = hook.get("clientConfig", {}).get("service", {}).get("path", "")
            hook["clientConfig"] = {"url": f"{webhook_url}{service_path}", "caBundle": ca_bundle}
        configs.append(config)
    return configs


@dataclass
class _Running:
    manager: Manager
    process: _Process
    webhook_port: int
    health_port: int
    diagnostics_port: int
    cert: _WebhookCert

    @property
    def webhook_url(self) -> str:
        return f"https://127.0.0.1:{self.webhook_port}"


_RUNNING: weakref.WeakSet[ClusterAPI] = weakref.WeakSet()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_all_at_exit() -> None:
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for capi in running:
        capi.stop()


class ClusterAPI:
    """The Cluster API managers (core, kubeadm bootstrap, kubeadm control plane, CAPD in-memory) on a control plane.

    ``start()`` (or entering the context) finds or builds the binaries (:func:`find_capi_binaries`), installs the
    CRDs with their conversion webhooks, starts the managers, waits for each one's ``/readyz`` and installs its
    admission webhooks; ``stop()`` stops them. The control plane itself is neither started nor stopped here.
    """

    def __init__(
        self,
        control_plane: ControlPlane,
        *,
        bin_dir: Path | None = None,
        startup_timeout: float = 240.0,
        verbosity: int = 2,
        extra_env: Mapping[str, str] | None = None,
        lock_timeout: float = 3600.0,
    ) -> None:
        self.control_plane = control_plane
        self._lock_timeout = lock_timeout
        self._bin_dir = bin_dir
        self._startup_timeout = startup_timeout
        self._verbosity = verbosity
        self._extra_env = dict(extra_env or {})
        self._running: list[_Running] = []
        self._crds: list[dict[str, Any]] = []
        self._workdir: Path | None = None
        self._lock = threading.Lock()
        self._machine_lock: int | None = None  # fd holding the CAPD_LOCK_NAME flock while started

    # --- what a started instance offers ---------------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        """The temporary directory holding the managers' certificates and logs."""
        if self._workdir is None:
            raise ClusterAPIError("Cluster API is not started")
        return self._workdir

    @property
    def running(self) -> bool:
        """Whether every manager is alive."""
        return bool(self._running) and all(r.process.popen.poll() is None for r in self._running)

    def ports(self) -> dict[str, dict[str, int]]:
        """Each manager's ``webhook``, ``health`` and ``diagnostics`` port, by manager name."""
        return {
            r.manager.name: {"webhook": r.webhook_port, "health": r.health_port, "diagnostics": r.diagnostics_port}
            for r in self._running
        }

    def crds(self) -> list[dict[str, Any]]:
        """Copies of the CRDs :meth:`start` installed, conversion webhooks aimed at the running managers: what
        another control plane applies to serve the same Cluster API and CAPD kinds (with no controller of its own)."""
        if not self._crds:
            raise ClusterAPIError("Cluster API is not started")
        return copy.deepcopy(self._crds)

    def logs(self) -> dict[str, str]:
        """The tail of each manager's log, by manager name."""
        return {r.manager.name: r.process.log_tail() for r in self._running}

    def log_path(self, manager: str) -> Path:
        """The full log file of ``manager``."""
        for r in self._running:
            if r.manager.name == manager:
                return r.process.log
        raise KeyError(manager)

    def ready(self, manager: str) -> bool:
        """Whether ``manager`` answers ``/readyz`` with 200."""
        for r in self._running:
            if r.manager.name == manager:
                return self._ready(r)
        raise KeyError(manager)

    # --- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> ClusterAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ClusterAPI:
        """Install the CRDs, start the four managers, wait until each is ready and install its webhooks."""
        with self._lock:
            if self._running:
                return self
            bin_dir = self._bin_dir or find_capi_binaries()
            self._acquire_machine_lock()
            self._workdir = Path(tempfile.mkdtemp(prefix="eksa-capi-"))
            os.chmod(self._workdir, 0o700)
            with _RUNNING_LOCK:
                _RUNNING.add(self)
            try:
                self._start_all(bin_dir)
            except BaseException:
                self._stop_locked()
                raise
            return self

    def stop(self) -> None:
        """Stop every manager (SIGTERM, then SIGKILL to its process group) and remove the work directory.

        The webhook configurations installed by :meth:`start` are deleted too (when the API server still runs),
        so the control plane is left usable without the managers.
        """
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._running and self.control_plane.running:
            with contextlib.suppress(Exception):
                self._delete_webhook_configurations()
        for r in reversed(self._running):
            r.process.stop(grace=10.0)
        self._running = []
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self._release_machine_lock()

    @staticmethod
    def lock_path() -> Path:
        """The machine-wide lock file serialising CAPD instances (see :data:`CAPD_LOCK_NAME`)."""
        return Path(os.environ.get("TMPDIR") or "/tmp") / CAPD_LOCK_NAME

    def _acquire_machine_lock(self) -> None:
        """Block until no other CAPD runs on this machine (an exclusive ``flock``, bounded by the start timeout)."""
        path = self.lock_path()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + max(self._lock_timeout, 0.0)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ClusterAPIError(
                            f"another Cluster API (CAPD) instance held {path} for {self._lock_timeout:.0f}s: "
                            "only one CAPD can run per machine (it binds ports 19000 and 20000-30000)"
                        ) from None
                    time.sleep(1.0)
        except BaseException:
            os.close(fd)
            raise
        self._machine_lock = fd

    def _release_machine_lock(self) -> None:
        if self._machine_lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._machine_lock, fcntl.LOCK_UN)
            os.close(self._machine_lock)
            self._machine_lock = None

    # --- start ----------------------------------------------------------------------------------------------

    def _start_all(self, bin_dir: Path) -> None:
        from eksa_core.kube import KubeClient

        deadline = time.monotonic() + self._startup_timeout
        ports = _free_ports(3 * len(MANAGERS))
        planned: list[tuple[Manager, int, int, int, _WebhookCert]] = []
        for i, manager in enumerate(MANAGERS):
            cert = _webhook_cert(self.workdir / manager.name / "certs", manager.name)
            planned.append((manager, ports[3 * i], ports[3 * i + 1], ports[3 * i + 2], cert))
        client = KubeClient(str(self.control_plane.kubeconfig))
        crds = [
            crd
            for manager, webhook, _h, _d, cert in planned
            for crd in manager_crds(manager, f"https://127.0.0.1:{webhook}", cert.ca_bundle)
        ]
        for crd in crds:
            client.apply(crd)
        self._crds = crds
        self._wait_established(client, [crd["metadata"]["name"] for crd in crds], deadline)
        for manager, webhook, health, diagnostics, cert in planned:
            self._running.append(self._spawn(bin_dir, manager, webhook, health, diagnostics, cert))
        for r in self._running:
            self._wait_ready(r, deadline)
            for config in manager_webhook_configurations(r.manager, r.webhook_url, r.cert.ca_bundle):
                client.apply(config)

    def _spawn(
        self, bin_dir: Path, manager: Manager, webhook: int, health: int, diagnostics: int, cert: _WebhookCert
    ) -> _Running:
        log = self.workdir / manager.name / "manager.log"
        log_file = log.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBECONFIG")}
        env.update({"POD_IP": "127.0.0.1", "POD_NAMESPACE": "capi-system", "POD_NAME": manager.name})
        env.update(self._extra_env)
        args = [
            str(bin_dir / manager.binary),
            f"--kubeconfig={self.control_plane.kubeconfig}",
            "--leader-elect=false",
            f"--webhook-port={webhook}",
            f"--webhook-cert-dir={cert.directory}",
            f"--health-addr=127.0.0.1:{health}",
            f"--diagnostics-address=127.0.0.1:{diagnostics}",
            "--insecure-diagnostics",
            f"--v={self._verbosity}",
            *manager.extra_args,
        ]
        popen = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=self.workdir / manager.name,
            env=env,
            preexec_fn=_die_with_parent,
        )
        return _Running(manager, _Process(manager.name, popen, log, log_file), webhook, health, diagnostics, cert)

    def _ready(self, r: _Running) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{r.health_port}/readyz", timeout=5) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _wait_ready(self, r: _Running, deadline: float) -> None:
        delay = 0.1
        while not self._ready(r):
            dead = [x for x in self._running if x.process.popen.poll() is not None]
            if dead:
                raise ClusterAPIError(
                    f"Cluster API manager {dead[0].manager.name} exited with {dead[0].process.popen.returncode} "
                    f"while starting:\n{dead[0].process.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise ClusterAPIError(
                    f"Cluster API manager {r.manager.name} not ready within {self._startup_timeout:.0f}s:\n"
                    f"{r.process.log_tail()}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def _wait_established(self, client: Any, names: Sequence[str], deadline: float) -> None:
        pending = set(names)
        while pending:
            for name in sorted(pending):
                crd = client.get_or_none("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
                # A CRD just created has ``status: {conditions: null}`` until the apiserver names it.
                conditions = ((crd or {}).get("status") or {}).get("conditions") or []
                if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
                    pending.discard(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise ClusterAPIError(f"CRDs not Established within {self._startup_timeout:.0f}s: {sorted(pending)}")
            time.sleep(0.2)

    def _delete_webhook_configurations(self) -> None:
        from eksa_core.kube import KubeClient

        client = KubeClient(str(self.control_plane.kubeconfig))
        for r in self._running:
            for config in manager_webhook_configurations(r.manager, r.webhook_url, r.cert.ca_bundle):
                client.delete(
                    "admissionregistration.k8s.io/v1", config["kind"], config["metadata"]["name"], ignore_not_found=True
                )


@contextlib.contextmanager
def cluster_api(control_plane: ControlPlane, **kwargs: Any) -> Iterator[ClusterAPI]:
    """``with cluster_api(cp) as capi:`` — started :class:`ClusterAPI` managers on ``cp``, stopped on exit."""
    capi = ClusterAPI(control_plane, **kwargs)
    with capi:
        yield capi
