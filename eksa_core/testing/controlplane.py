"""A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager on 127.0.0.1.

:class:`ControlPlane` starts the three processes (built from their Go modules by the repository's
``tools/components`` scripts) on free loopback ports, waits until the API server reports ``/readyz`` and the
controller manager ``/healthz``, and writes a kubeconfig (mode 0600) that the ``kubernetes`` client and
:class:`eksa_core.kube.KubeClient` load. It works with or without pytest::

    from eksa_core.testing.controlplane import ControlPlane

    with ControlPlane() as cp:
        client = KubeClient(str(cp.kubeconfig))
        ...

What runs:

* etcd on a data directory under the control plane's temporary work directory (``--unsafe-no-fsync``);
* kube-apiserver with RBAC, a serving certificate for ``127.0.0.1``/``localhost`` signed by a fresh CA, client
  certificate authentication against that CA (the kubeconfig's user is ``CN=admin, O=system:masters``),
  service-account signing keys, ``--advertise-address=127.0.0.1``, ``--service-cluster-ip-range`` and the
  ``ServiceAccount`` admission plugin disabled (no token controller runs);
* kube-controller-manager with only the namespace and garbage-collector controllers, so deleted namespaces are
  finalized and ownerReference garbage collection happens as on a real cluster.

Every process runs in its own process group, is asked to die with its parent (Linux ``PR_SET_PDEATHSIG``, which
fires when the *thread* that started it ends: start a control plane from a thread that outlives its use, e.g. the
main thread), and is stopped (SIGTERM, then SIGKILL) by :meth:`ControlPlane.stop`, on a failed start, and at
interpreter exit; the work directory is removed afterwards.

Where the binaries come from (:func:`find_binaries`): the directories named by ``EKSA_KUBE_BIN_DIR`` (holding
``kube-apiserver`` and ``kube-controller-manager``) and ``EKSA_ETCD_BIN_DIR`` (holding ``etcd``; defaults to
``EKSA_KUBE_BIN_DIR``); else, in a source checkout, ``tools/components/<component>/build.sh`` (which answers from
the component cache at once and builds only when its cache key changed); else a complete entry of the component
cache (``$EKSA_COMPONENTS_CACHE``, default ``${XDG_CACHE_HOME:-~/.cache}/eksa/components``) for the pinned
versions. When none is there and Go is missing, :class:`ControlPlaneUnavailable` says so in one sentence.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ETCD_VERSION",
    "KUBE_VERSION",
    "Binaries",
    "ControlPlane",
    "ControlPlaneError",
    "ControlPlaneUnavailable",
    "components_cache",
    "find_binaries",
    "repo_checkout",
]

KUBE_VERSION = "v1.36.3"
"""The Kubernetes release whose kube-apiserver and kube-controller-manager the fixtures run."""

ETCD_VERSION = "v3.6.16"
"""The etcd release the fixtures run."""

KUBE_BIN_DIR_ENV = "EKSA_KUBE_BIN_DIR"
ETCD_BIN_DIR_ENV = "EKSA_ETCD_BIN_DIR"
COMPONENTS_CACHE_ENV = "EKSA_COMPONENTS_CACHE"

SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"


class ControlPlaneUnavailable(RuntimeError):
    """The control plane cannot run on this machine (no binaries and no Go to build them); ``str()`` says why."""


class ControlPlaneError(RuntimeError):
    """A control plane process failed to build, start or become ready; the message carries its log's tail."""


@dataclass(frozen=True)
class Binaries:
    """Paths of the three executables a :class:`ControlPlane` runs."""

    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path


def components_cache() -> Path:
    """The component cache directory the ``tools/components`` build scripts write to."""
    if os.environ.get(COMPONENTS_CACHE_ENV):
        return Path(os.environ[COMPONENTS_CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eksa" / "components"


def repo_checkout() -> Path | None:
    """The source checkout this package is imported from (it has ``tools/components``), or ``None``."""
    root = Path(__file__).resolve().parents[2]
    if (root / "tools" / "components" / "build-all.sh").is_file():
        return root
    return None


def _bin_dir_from_env(var: str, names: Sequence[str]) -> Path | None:
    value = os.environ.get(var)
    if not value:
        return None
    path = Path(value)
    missing = [name for name in names if not os.access(path / name, os.X_OK)]
    if missing:
        raise ControlPlaneError(f"{var}={value} has no executable {', '.join(missing)}")
    return path


def _run_build_script(checkout: Path, component: str) -> Path:
    script = checkout / "tools" / "components" / component / "build.sh"
    bash = shutil.which("bash")
    if bash is None:
        raise ControlPlaneUnavailable(f"bash is needed to run tools/components/{component}/build.sh")
    proc = subprocess.run([bash, str(script)], capture_output=True, text=True, check=False)
    if proc.returncode == 3:  # the scripts' code for "the go command is not installed"
        raise ControlPlaneUnavailable(
            f"the real control plane needs Go to build {component} (tools/components/{component}/build.sh): "
            "the go command is not installed"
        )
    if proc.returncode != 0:
        raise ControlPlaneError(
            f"tools/components/{component}/build.sh failed (exit {proc.returncode}):\n{_tail(proc.stderr)}"
        )
    return Path(proc.stdout.strip().splitlines()[-1])


def _cached_bin_dir(component: str, version: str, names: Sequence[str]) -> Path | None:
    candidates = [
        entry / "bin"
        for entry in components_cache().glob(f"{component}-{version}-*")
        if (entry / ".complete").is_file() and all(os.access(entry / "bin" / n, os.X_OK) for n in names)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.parent / ".complete").stat().st_mtime)


def _resolve(component: str, version: str, env: str | None, names: Sequence[str]) -> Path:
    if env is not None:
        found = _bin_dir_from_env(env, names)
        if found is not None:
            return found
    checkout = repo_checkout()
    if checkout is not None and shutil.which("go"):
        return _run_build_script(checkout, component)
    cached = _cached_bin_dir(component, version, names)
    if cached is not None:
        return cached
    if checkout is not None:
        return _run_build_script(checkout, component)  # reports the missing go command
    raise ControlPlaneUnavailable(
        f"no {component} {version} binaries: set {env} or build them with eksa's "
        f"tools/components/{component}/build.sh (needs Go) into {components_cache()}"
    )


def find_binaries() -> Binaries:
    """Locate (or, in a source checkout, build) etcd, kube-apiserver and kube-controller-manager.

    Raises :class:`ControlPlaneUnavailable` when they are not there and cannot be built for want of Go, and
    :class:`ControlPlaneError` when a build fails.
    """
    kube = _resolve("kube", KUBE_VERSION, KUBE_BIN_DIR_ENV, ["kube-apiserver", "kube-controller-manager"])
    etcd_env = ETCD_BIN_DIR_ENV if os.environ.get(ETCD_BIN_DIR_ENV) else None
    if etcd_env is None and os.environ.get(KUBE_BIN_DIR_ENV) and os.access(kube / "etcd", os.X_OK):
        etcd_dir = kube
    else:
        etcd_dir = _resolve("etcd", ETCD_VERSION, etcd_env or ETCD_BIN_DIR_ENV, ["etcd"])
    return Binaries(
        etcd=etcd_dir / "etcd",
        kube_apiserver=kube / "kube-apiserver",
        kube_controller_manager=kube / "kube-controller-manager",
    )


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _write_private(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
    return path


@dataclass(frozen=True)
class _Pki:
    """PEM material of one control plane (all files under the work directory, 0600)."""

    ca_cert: Path
    serving_cert: Path
    serving_key: Path
    admin_cert: Path
    admin_key: Path
    service_account_key: Path
    service_account_pub: Path


def _make_pki(directory: Path) -> _Pki:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:  # pragma: no cover - cryptography is in eksa-core's "testing" and "dev" extras
        raise ControlPlaneUnavailable(
            "the real control plane needs the cryptography package (pip install 'eksa-core[testing]')"
        ) from exc

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    not_before = now - datetime.timedelta(hours=1)
    not_after = now + datetime.timedelta(days=2)

    def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def cert_pem(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eksa-test-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(
        name: x509.Name, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName] | None
    ) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return cert_pem(builder.sign(ca_key, hashes.SHA256())), key_pem(key)

    serving = leaf(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
        ExtendedKeyUsageOID.SERVER_AUTH,
        [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("10.0.0.1")),  # the in-cluster "kubernetes" Service
            x509.DNSName("kubernetes.default.svc"),
        ],
    )
    admin = leaf(
        x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                x509.NameAttribute(NameOID.COMMON_NAME, "admin"),
            ]
        ),
        ExtendedKeyUsageOID.CLIENT_AUTH,
        None,
    )
    sa = ec.generate_private_key(ec.SECP256R1())
    sa_key = sa.private_bytes(  # SEC1 "EC PRIVATE KEY": the form kube-apiserver's key reader accepts
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    sa_pub = sa.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _Pki(
        ca_cert=_write_private(directory / "ca.crt", cert_pem(ca_cert)),
        serving_cert=_write_private(directory / "apiserver.crt", serving[0]),
        serving_key=_write_private(directory / "apiserver.key", serving[1]),
        admin_cert=_write_private(directory / "admin.crt", admin[0]),
        admin_key=_write_private(directory / "admin.key", admin[1]),
        service_account_key=_write_private(directory / "service-account.key", sa_key),
        service_account_pub=_write_private(directory / "service-account.pub", sa_pub),
    )


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None


_PRCTL = _load_prctl()  # looked up here: the child between fork and exec must not import anything
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Own process group, and ask Linux to SIGKILL this child when its parent dies (PR_SET_PDEATHSIG)."""
    os.setsid()
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes] = field(repr=False)

    def log_tail(self) -> str:
        try:
            return _tail(self.log.read_text(errors="replace"))
        except OSError:
            return "(no log)"

    def stop(self, grace: float) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        # the group may hold more than the leader: kill what is left of it in any case
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        self.log_file.close()


_RUNNING: weakref.WeakSet[ControlPlane] = weakref.WeakSet()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_all_at_exit() -> None:
    with _RUNNING_LOCK:
        planes = list(_RUNNING)
    for plane in planes:
        plane.stop()


class ControlPlane:
    """etcd, kube-apiserver and kube-controller-manager on 127.0.0.1 free ports, with an admin kubeconfig.

    ``start()`` (or entering the context) builds or finds the binaries (:func:`find_binaries`), starts the
    processes and returns once the API server is ready; ``stop()`` (or leaving the context) stops them and removes
    the work directory (unless ``keep_workdir``). Several control planes can run side by side; each is
    independent (own etcd, own CA, own ports).

    Attributes after ``start()``: :attr:`kubeconfig` (path, 0600), :attr:`server` (``https://127.0.0.1:<port>``),
    :attr:`ca_cert`, :attr:`workdir`, :attr:`etcd_url`.
    """

    def __init__(
        self,
        *,
        name: str = "eksa-test",
        binaries: Binaries | None = None,
        workdir: Path | None = None,
        keep_workdir: bool = False,
        startup_timeout: float = 180.0,
        extra_apiserver_args: Sequence[str] = (),
        extra_controller_manager_args: Sequence[str] = (),
    ) -> None:
        self.name = name
        self._binaries = binaries
        self._given_workdir = workdir
        self._keep_workdir = keep_workdir
        self._startup_timeout = startup_timeout
        self._extra_apiserver_args = list(extra_apiserver_args)
        self._extra_kcm_args = list(extra_controller_manager_args)
        self._processes: list[_Process] = []
        self._workdir: Path | None = None
        self._pki: _Pki | None = None
        self._lock = threading.Lock()
        self.apiserver_port = 0
        self.etcd_port = 0
        self.controller_manager_port = 0

    # --- what a started control plane offers -------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        """The temporary directory holding data, certificates, logs and the kubeconfig."""
        if self._workdir is None:
            raise ControlPlaneError(f"control plane {self.name} is not started")
        return self._workdir

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig (mode 0600, certificates embedded)."""
        return self.workdir / "kubeconfig"

    @property
    def server(self) -> str:
        """The API server's URL."""
        return f"https://127.0.0.1:{self.apiserver_port}"

    @property
    def ca_cert(self) -> Path:
        """The CA certificate that signed the serving and client certificates."""
        if self._pki is None:
            raise ControlPlaneError(f"control plane {self.name} is not started")
        return self._pki.ca_cert

    @property
    def etcd_url(self) -> str:
        """etcd's client URL (plain HTTP on loopback)."""
        return f"http://127.0.0.1:{self.etcd_port}"

    @property
    def running(self) -> bool:
        """Whether every process of the control plane is alive."""
        return bool(self._processes) and all(p.popen.poll() is None for p in self._processes)

    def logs(self) -> dict[str, str]:
        """The tail of each process's log, by process name (for failure messages)."""
        return {p.name: p.log_tail() for p in self._processes}

    def api_client(self) -> Any:
        """A ``kubernetes.client.ApiClient`` for this control plane (from the kubeconfig)."""
        from kubernetes import config as k8s_config

        return k8s_config.new_client_from_config(config_file=str(self.kubeconfig))

    # --- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ControlPlane:
        """Start etcd, kube-apiserver and kube-controller-manager and wait until they are ready."""
        with self._lock:
            if self._processes:
                return self
            binaries = self._binaries or find_binaries()
            if self._given_workdir is not None:
                self._given_workdir.mkdir(parents=True, exist_ok=True)
                self._workdir = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=self._given_workdir))
            else:
                self._workdir = Path(tempfile.mkdtemp(prefix=f"{self.name}-controlplane-"))
            os.chmod(self._workdir, 0o700)
            with _RUNNING_LOCK:
                _RUNNING.add(self)
            try:
                self._pki = _make_pki(self._workdir / "pki")
                self._start_all(binaries)
            except BaseException:
                self._stop_locked()
                raise
            return self

    def _start_all(self, binaries: Binaries) -> None:
        deadline = time.monotonic() + self._startup_timeout
        for attempt in range(3):  # a free port can be taken between picking and binding it: pick again
            self.etcd_port, peer_port, self.apiserver_port, self.controller_manager_port = _free_ports(4)
            self._start_etcd(binaries.etcd, peer_port, attempt)
            if self._wait(self._etcd_ready, deadline, "etcd", fatal=attempt == 2):
                break
            self._stop_processes()
        else:  # pragma: no cover - the loop's last attempt raises
            raise ControlPlaneError("etcd did not start")
        self._write_kubeconfig()
        self._start_apiserver(binaries.kube_apiserver)
        self._wait(self._apiserver_ready, deadline, "kube-apiserver", fatal=True)
        self._start_controller_manager(binaries.kube_controller_manager)
        self._wait(self._controller_manager_ready, deadline, "kube-controller-manager", fatal=True)

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL to its process group) and remove the work directory."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        self._stop_processes()
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        if self._workdir is not None and not self._keep_workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def _stop_processes(self) -> None:
        # reverse order: the controller manager and API server go before the etcd they use
        for proc in reversed(self._processes):
            proc.stop(grace=10.0)
        self._processes = []

    # --- processes ------------------------------------------------------------------------------------------

    def _spawn(self, name: str, args: Sequence[str]) -> None:
        log = self.workdir / f"{name}.log"
        log_file = log.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBECONFIG", "ETCD"))}
        popen = subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=env,
            preexec_fn=_die_with_parent,
        )
        self._processes.append(_Process(name, popen, log, log_file))

    def _start_etcd(self, etcd: Path, peer_port: int, attempt: int) -> None:
        data = self.workdir / f"etcd-data-{attempt}"
        peer = f"http://127.0.0.1:{peer_port}"
        self._spawn(
            "etcd",
            [
                str(etcd),
                f"--name={self.name}",
                f"--data-dir={data}",
                f"--listen-client-urls={self.etcd_url}",
                f"--advertise-client-urls={self.etcd_url}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster={self.name}={peer}",
                "--initial-cluster-state=new",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )

    def _start_apiserver(self, apiserver: Path) -> None:
        pki = self._require_pki()
        self._spawn(
            "kube-apiserver",
            [
                str(apiserver),
                f"--etcd-servers={self.etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={self.apiserver_port}",
                f"--cert-dir={self.workdir / 'apiserver-certs'}",
                f"--tls-cert-file={pki.serving_cert}",
                f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_cert}",
                "--authorization-mode=RBAC",
                f"--service-account-issuer={self.server}",
                f"--service-account-key-file={pki.service_account_pub}",
                f"--service-account-signing-key-file={pki.service_account_key}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
                "--disable-admission-plugins=ServiceAccount",
                "--allow-privileged=true",
                "--profiling=false",
                "--v=0",
                *self._extra_apiserver_args,
            ],
        )

    def _start_controller_manager(self, kcm: Path) -> None:
        kubeconfig = str(self.kubeconfig)
        self._spawn(
            "kube-controller-manager",
            [
                str(kcm),
                f"--kubeconfig={kubeconfig}",
                # its secure port authenticates and authorizes callers through the API server, as the admin
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--bind-address=127.0.0.1",
                f"--secure-port={self.controller_manager_port}",
                f"--cert-dir={self.workdir / 'controller-manager-certs'}",
                "--controllers=namespace-controller,garbage-collector-controller",
                "--leader-elect=false",
                "--use-service-account-credentials=false",
                "--profiling=false",
                "--v=0",
                *self._extra_kcm_args,
            ],
        )

    def _require_pki(self) -> _Pki:
        if self._pki is None:
            raise ControlPlaneError(f"control plane {self.name} has no certificates")
        return self._pki

    def _write_kubeconfig(self) -> None:
        pki = self._require_pki()

        def b64(path: Path) -> str:
            return base64.b64encode(path.read_bytes()).decode()

        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": self.name, "cluster": {"server": self.server, "certificate-authority-data": b64(pki.ca_cert)}}
            ],
            "users": [
                {
                    "name": "admin",
                    "user": {"client-certificate-data": b64(pki.admin_cert), "client-key-data": b64(pki.admin_key)},
                }
            ],
            "contexts": [{"name": self.name, "context": {"cluster": self.name, "user": "admin"}}],
            "current-context": self.name,
        }
        # JSON is YAML: every kubeconfig loader reads it
        _write_private(self.kubeconfig, json.dumps(config, indent=2).encode())

    # --- readiness ------------------------------------------------------------------------------------------

    def _wait(self, ready: Callable[[], bool], deadline: float, what: str, *, fatal: bool) -> bool:
        delay = 0.05
        while True:
            dead = [p for p in self._processes if p.popen.poll() is not None]
            if dead:
                if not fatal:
                    return False
                proc = dead[0]
                raise ControlPlaneError(
                    f"{proc.name} of control plane {self.name} exited with {proc.popen.returncode} "
                    f"while waiting for {what}:\n{proc.log_tail()}"
                )
            if ready():
                return True
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}\n{t}" for n, t in self.logs().items())
                raise ControlPlaneError(
                    f"{what} of control plane {self.name} not ready within {self._startup_timeout:.0f}s:\n{tails}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    def _etcd_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.etcd_url}/health", timeout=2) as resp:
                return bool(json.loads(resp.read()).get("health") == "true")
        except (OSError, ValueError):
            return False

    def _admin_context(self) -> ssl.SSLContext:
        pki = self._require_pki()
        ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
        ctx.load_cert_chain(str(pki.admin_cert), str(pki.admin_key))
        return ctx

    def _apiserver_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.server}/readyz", timeout=5, context=self._admin_context()) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _controller_manager_ready(self) -> bool:
        # its serving certificate is self-signed (in --cert-dir): only liveness is checked here, not identity
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        url = f"https://127.0.0.1:{self.controller_manager_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5, context=ctx) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def version(self) -> Mapping[str, Any]:
        """The API server's ``/version`` document."""
        with urllib.request.urlopen(f"{self.server}/version", timeout=10, context=self._admin_context()) as resp:
            return dict(json.loads(resp.read()))


@contextlib.contextmanager
def control_plane(**kwargs: Any) -> Iterator[ControlPlane]:
    """``with control_plane() as cp:`` — a started :class:`ControlPlane`, stopped on exit."""
    plane = ControlPlane(**kwargs)
    with plane:
        yield plane
