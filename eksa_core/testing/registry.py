"""A real OCI registry serving Helm charts for tests: the CNCF distribution registry on 127.0.0.1 over TLS.

EKS Anywhere installs Cilium from an OCI Helm chart named in the release bundle
(``public.ecr.aws/eks/cilium/cilium:1.19.4-1``), pulled through the cluster's registry mirror when it has one.
:class:`ChartRegistry` stands in for that mirror: it starts the distribution registry (``cmd/registry``) on a free
loopback port with a TLS certificate signed by a CA it generates, storage in its temporary work directory, and
pushes charts into it with the real ``helm`` CLI, so code under test pulls them exactly as from a mirror::

    from eksa_core.testing.registry import ChartRegistry, find_helm_component

    component = find_helm_component()
    with ChartRegistry(component) as registry:
        ref = registry.push(component.cilium_chart)       # "127.0.0.1:<port>/eks/cilium/cilium:1.19.4-1"
        registry.run_helm("show", "chart", f"oci://{registry.endpoint}:{registry.port}/eks/cilium/cilium",
                          "--version", "1.19.4-1", "--ca-file", str(registry.ca_file))

What a started registry offers: :attr:`~ChartRegistry.endpoint` (``"127.0.0.1"``) and :attr:`~ChartRegistry.port`
(a spec's ``registryMirrorConfiguration`` endpoint and port), :attr:`~ChartRegistry.ca_pem` (the CA certificate in
PEM, for ``caCertContent``), :attr:`~ChartRegistry.ca_file`, :attr:`~ChartRegistry.helm` (the helm binary) and
:meth:`~ChartRegistry.helm_env` (an environment giving helm private config, cache and data homes). The registry
accepts pushes and pulls without credentials.

The process runs in its own process group, is asked to die with its parent (``PR_SET_PDEATHSIG``, as the control
plane's processes), and is stopped (SIGTERM, then SIGKILL to the group) by :meth:`ChartRegistry.stop`, on a failed
start, and at interpreter exit; the work directory is removed afterwards.

Where the binaries come from (:func:`find_helm_component`): ``EKSA_HELM_BIN_DIR`` (a directory holding ``helm``,
``registry`` and ``cilium-<tag>.tgz``), else, in a source checkout, ``tools/components/helm/build.sh``, else a
complete entry of the component cache, the same rules as the control plane's (see
:mod:`eksa_core.testing.controlplane`).
"""

from __future__ import annotations

import atexit
import datetime
import ipaddress
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..cni import private_helm_env
from .controlplane import (
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
    "CILIUM_CHART_REPOSITORY",
    "CILIUM_CHART_VERSION",
    "DISTRIBUTION_VERSION",
    "HELM_VERSION",
    "ChartRegistry",
    "ChartRegistryError",
    "HelmComponent",
    "find_helm_component",
]

HELM_VERSION = "v4.3.2"
"""The Helm release whose CLI the tests run (and which packages the Cilium chart)."""

DISTRIBUTION_VERSION = "v3.1.2"
"""The CNCF distribution release whose registry serves the charts."""

CILIUM_CHART_VERSION = "1.19.4-1"
"""The tag of the Cilium chart in EKS Anywhere's release bundle (``cilium.helmChart``), the packaged chart's version."""

CILIUM_CHART_REPOSITORY = "eks/cilium"
"""The repository (below the registry host) holding the bundle's Cilium chart: ``<host>/eks/cilium/cilium``."""

HELM_BIN_DIR_ENV = "EKSA_HELM_BIN_DIR"


class ChartRegistryError(ControlPlaneError):
    """The registry failed to start or become ready, or helm failed to push a chart; the message carries the log."""


@dataclass(frozen=True)
class HelmComponent:
    """What ``tools/components/helm/build.sh`` builds: the helm CLI, the registry and the packaged Cilium chart."""

    helm: Path
    registry: Path
    cilium_chart: Path


def find_helm_component() -> HelmComponent:
    """Locate (or, in a source checkout, build) helm, the registry and the bundle's Cilium chart.

    Raises :class:`~eksa_core.testing.controlplane.ControlPlaneUnavailable` when they are not there and cannot be
    built for want of Go, and :class:`~eksa_core.testing.controlplane.ControlPlaneError` when a build fails or the
    directory lacks the chart.
    """
    bin_dir = _resolve("helm", HELM_VERSION, HELM_BIN_DIR_ENV, ["helm", "registry"])
    chart = bin_dir / f"cilium-{CILIUM_CHART_VERSION}.tgz"
    if not chart.is_file():
        raise ControlPlaneError(f"{bin_dir} has no Cilium chart {chart.name}")
    return HelmComponent(helm=bin_dir / "helm", registry=bin_dir / "registry", cilium_chart=chart)


def _make_tls(directory: Path) -> tuple[str, Path, Path, Path]:
    """A fresh CA and a serving certificate for 127.0.0.1/localhost it signed: (CA PEM, CA, cert, key files)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:  # pragma: no cover - cryptography is in eksa-core's "testing" and "dev" extras
        raise ControlPlaneUnavailable(
            "the chart registry needs the cryptography package (pip install 'eksa-core[testing]')"
        ) from exc

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    not_before, not_after = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eksa-test-registry-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    serving = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
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
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        ca_pem.decode(),
        _write_private(directory / "ca.crt", ca_pem),
        _write_private(directory / "registry.crt", serving.public_bytes(serialization.Encoding.PEM)),
        _write_private(directory / "registry.key", key_pem),
    )


_RUNNING: weakref.WeakSet[ChartRegistry] = weakref.WeakSet()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_all_at_exit() -> None:
    with _RUNNING_LOCK:
        registries = list(_RUNNING)
    for registry in registries:
        registry.stop()


_PUSHED = re.compile(r"^Pushed:\s*(\S+)", re.MULTILINE)


class ChartRegistry:
    """The distribution registry on ``127.0.0.1:<free port>`` over TLS, with charts pushed by the real helm.

    ``start()`` (or entering the context) finds or builds the binaries (:func:`find_helm_component`, unless a
    :class:`HelmComponent` is given), generates the certificates, starts the registry and returns once ``/v2/``
    answers; ``stop()`` (or leaving the context) stops it and removes the work directory (unless
    ``keep_workdir``). :meth:`push` uploads a packaged chart. Several registries can run side by side.
    """

    endpoint = "127.0.0.1"
    """The host the registry listens on (a registry mirror's ``endpoint``)."""

    def __init__(
        self,
        component: HelmComponent | None = None,
        *,
        workdir: Path | None = None,
        keep_workdir: bool = False,
        startup_timeout: float = 30.0,
    ) -> None:
        self._component = component
        self._given_workdir = workdir
        self._keep_workdir = keep_workdir
        self._startup_timeout = startup_timeout
        self._workdir: Path | None = None
        self._process: _Process | None = None
        self._ca_pem: str | None = None
        self._lock = threading.Lock()
        self.port = 0
        """The port the registry listens on (0 before ``start()``)."""

    # --- what a started registry offers ---------------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        """The temporary directory holding the configuration, certificates, storage, log and helm's homes."""
        if self._workdir is None:
            raise ChartRegistryError("the chart registry is not started")
        return self._workdir

    @property
    def component(self) -> HelmComponent:
        """The helm, registry and chart files this registry uses."""
        if self._component is None:
            raise ChartRegistryError("the chart registry is not started")
        return self._component

    @property
    def helm(self) -> Path:
        """The helm binary (run it with :meth:`helm_env`, or through :meth:`run_helm`)."""
        return self.component.helm

    @property
    def ca_pem(self) -> str:
        """The PEM certificate of the CA that signed the registry's serving certificate."""
        if self._ca_pem is None:
            raise ChartRegistryError("the chart registry is not started")
        return self._ca_pem

    @property
    def ca_file(self) -> Path:
        """:attr:`ca_pem` in a file (for ``helm --ca-file``)."""
        return self.workdir / "tls" / "ca.crt"

    @property
    def url(self) -> str:
        """The registry's base URL, ``https://127.0.0.1:<port>``."""
        return f"https://{self.endpoint}:{self.port}"

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the registry part of an image or chart reference."""
        return f"{self.endpoint}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the registry process is alive."""
        return self._process is not None and self._process.popen.poll() is None

    @property
    def pid(self) -> int | None:
        """The registry process's id while it runs (its process group has the same id)."""
        return self._process.popen.pid if self._process is not None else None

    def log(self) -> str:
        """The tail of the registry's log (for failure messages)."""
        return self._process.log_tail() if self._process is not None else "(not started)"

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context trusting only this registry's CA."""
        return ssl.create_default_context(cadata=self.ca_pem)

    def helm_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: the process environment) with helm's config, cache and data homes in the work
        directory, so helm neither reads nor writes the user's (registry logins, repositories, cache)."""
        return private_helm_env(os.environ if base is None else base, self.workdir / "helm")

    def run_helm(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run ``helm ARGS`` with :meth:`helm_env`; raises :class:`ChartRegistryError` (with helm's output) when
        it fails, else returns the completed process (``stdout``, ``stderr`` as text)."""
        proc = subprocess.run(
            [str(self.helm), *args], env=self.helm_env(), capture_output=True, text=True, timeout=timeout,
            check=False, stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            raise ChartRegistryError(
                f"helm {' '.join(args[:2])} failed (exit {proc.returncode}):\n{_tail(proc.stderr + proc.stdout)}"
            )
        return proc

    def push(self, chart_tgz: str | os.PathLike[str], repository: str = CILIUM_CHART_REPOSITORY) -> str:
        """Push the packaged chart ``chart_tgz`` to ``oci://127.0.0.1:<port>/<repository>`` with helm (verifying
        the registry's certificate against :attr:`ca_file`) and return the pushed reference,
        ``127.0.0.1:<port>/<repository>/<chart name>:<chart version>``."""
        chart = Path(chart_tgz)
        if not chart.is_file():
            raise ChartRegistryError(f"no chart archive {chart}")
        if not self.running:
            raise ChartRegistryError("the chart registry is not running")
        repository = repository.strip("/")
        proc = self.run_helm("push", str(chart), f"oci://{self.host}/{repository}", "--ca-file", str(self.ca_file))
        found = _PUSHED.search(proc.stderr + proc.stdout)
        if found is None:
            raise ChartRegistryError(f"helm push of {chart.name} did not say what it pushed:\n{_tail(proc.stderr)}")
        return found.group(1)

    # --- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> ChartRegistry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ChartRegistry:
        """Start the registry and wait until ``/v2/`` answers; a started registry is returned as is."""
        with self._lock:
            if self._process is not None:
                return self
            if self._component is None:
                self._component = find_helm_component()
            if self._given_workdir is not None:
                self._given_workdir.mkdir(parents=True, exist_ok=True)
                self._workdir = Path(tempfile.mkdtemp(prefix="chart-registry-", dir=self._given_workdir))
            else:
                self._workdir = Path(tempfile.mkdtemp(prefix="eksa-chart-registry-"))
            os.chmod(self._workdir, 0o700)
            with _RUNNING_LOCK:
                _RUNNING.add(self)
            try:
                self._ca_pem, _, cert, key = _make_tls(self._workdir / "tls")
                (self._workdir / "storage").mkdir()
                deadline = time.monotonic() + self._startup_timeout
                for attempt in range(3):  # a free port can be taken between picking and binding it: pick again
                    (self.port,) = _free_ports(1)
                    self._spawn(self._write_config(cert, key))
                    if self._wait_ready(deadline, fatal=attempt == 2):
                        break
                    self._stop_process()
            except BaseException:
                self._stop_locked()
                raise
            return self

    def stop(self) -> None:
        """Stop the registry (SIGTERM, then SIGKILL to its process group) and remove the work directory."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        self._stop_process()
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        if self._workdir is not None and not self._keep_workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None
        self._ca_pem = None

    def _stop_process(self) -> None:
        if self._process is not None:
            self._process.stop(grace=10.0)
            self._process = None

    def _write_config(self, cert: Path, key: Path) -> Path:
        # JSON is YAML: the registry's configuration parser reads it
        config = {
            "version": 0.1,
            "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.workdir / "storage")},
                "delete": {"enabled": True},
            },
            "http": {
                "addr": f"{self.endpoint}:{self.port}",
                "secret": secrets.token_hex(16),
                "tls": {"certificate": str(cert), "key": str(key)},
            },
            "health": {"storagedriver": {"enabled": False}},
        }
        path = self.workdir / "config.yml"
        _write_private(path, json.dumps(config, indent=2).encode())
        return path

    def _spawn(self, config: Path) -> None:
        log = self.workdir / "registry.log"
        log_file = log.open("ab")
        # REGISTRY_* variables override the configuration file: none of the caller's may leak in
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "OTEL_"))}
        # no OpenTelemetry exporter: its default (OTLP to localhost:4318) has nothing to talk to
        env.update(OTEL_TRACES_EXPORTER="none", OTEL_METRICS_EXPORTER="none", OTEL_LOGS_EXPORTER="none")
        popen = subprocess.Popen(
            [str(self.component.registry), "serve", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=env,
            preexec_fn=_die_with_parent,
        )
        self._process = _Process("registry", popen, log, log_file)

    def _ready(self, context: ssl.SSLContext) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/v2/", timeout=2, context=context) as resp:
                return bool(resp.status == 200)
        except (OSError, ValueError):
            return False

    def _wait_ready(self, deadline: float, *, fatal: bool) -> bool:
        context = self.ssl_context()
        delay = 0.02
        while True:
            proc = self._process
            if proc is None or proc.popen.poll() is not None:
                if not fatal:
                    return False
                code = proc.popen.returncode if proc is not None else None
                raise ChartRegistryError(
                    f"the registry exited with {code} while starting on port {self.port}:\n{self.log()}"
                )
            if self._ready(context):
                return True
            if time.monotonic() > deadline:
                raise ChartRegistryError(
                    f"the registry did not answer {self.url}/v2/ within {self._startup_timeout:.0f}s:\n{self.log()}"
                )
            time.sleep(delay)  # polling interval, not synchronisation: readiness is the /v2/ answer
            delay = min(delay * 1.5, 0.25)
