"""Lifecycle hooks of the bare metal (Tinkerbell) provider: the Tinkerbell stack and the hardware catalogue on the
bootstrap and management clusters.

* :func:`eksa_pre_capi_install_on_bootstrap` - annotate the Cluster with the bootstrap IP
  (``anywhere.eks.amazonaws.com/tinkerbell-bootstrap-ip``) and install the Tinkerbell stack on the kind cluster
  (host network, smee as a local ``smee`` container, no load balancer);
* :func:`eksa_post_bootstrap_setup` - apply the hardware catalogue (``Hardware``, rufio ``Machine``, BMC
  ``Secret`` in ``eksa-system``) and wait until every BMC is ``Contactable``;
* :func:`eksa_post_workload_init` - install the stack on the new management cluster (load balancer and DHCP
  relay; EKS-A's warning when the load balancer is skipped), then remove the local smee container;
* :func:`eksa_post_cluster_delete` - uninstall the local stack once a management cluster is deleted.

The Helm chart (``tinkerbell.tinkerbellStack.tinkerbellChart`` of the versions bundle) is installed through a
:class:`StackInstaller`: :class:`HelmStackInstaller` runs ``helm`` (and ``docker`` for the local smee) as
subprocesses; an SDK user (or a test) passes another one as the ``stack_installer`` of the call's
:class:`~eksa_baremetal.settings.TinkerbellSettings`. In a
dry run the install request is only recorded (``context.record("tinkerbell-stack-install", ...)``).
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from eksa_core import hookimpl, write_file_atomic
from eksa_core.errors import EksaError

from .bmc import (
    BMC_API_VERSION,
    CONTACTABLE,
    SKIP_CONTACT_CHECK_LABEL,
    BMCNotContactableError,
    wait_for_bmc,
)
from .hardware import HARDWARE_NAMESPACE, hardware_manifests
from .models import TinkerbellDatacenterConfig
from .settings import settings_of
from .setup import SetupOptions, load_catalogue, local_ip
from .templates import BOOTSTRAP_IP_ANNOTATION

if TYPE_CHECKING:
    from eksa_core.provider import ClusterHandle, HookContext, Spec

__all__ = [
    "BMC_API_VERSION",
    "CONTACTABLE",
    "SKIP_CONTACT_CHECK_LABEL",
    "SKIP_LOAD_BALANCER_WARNING",
    "SMEE_CONTAINER",
    "BMCNotContactableError",
    "HelmStackInstaller",
    "StackInstallRequest",
    "StackInstaller",
    "bootstrap_ip",
    "eksa_post_bootstrap_setup",
    "eksa_post_cluster_delete",
    "eksa_post_workload_init",
    "eksa_pre_capi_install_on_bootstrap",
    "local_ip",
    "stack_request",
    "wait_for_bmc",
]

log = logging.getLogger("eksa.tinkerbell")

SMEE_CONTAINER = "smee"
"""Name of the local smee (DHCP/iPXE) container the bootstrap stack runs with host networking."""

SKIP_LOAD_BALANCER_WARNING = ("Warning: Skipping load balancer deployment. Please install and configure a load "
                              "balancer once the cluster is created.")

RELEASE_NAME = "tinkerbell"
STACK_NAMESPACE = HARDWARE_NAMESPACE
TINK_SERVER_PORT = 42113
SMEE_HTTP_PORT = 7171
TOOTLES_PORT = 7172


# ---------------------------------------------------------------------------------------------------------------
# The stack install request and installers
# ---------------------------------------------------------------------------------------------------------------


@attrs.define
class StackInstallRequest:
    """What installing (or removing) the Tinkerbell stack on one cluster takes. Holds no secret.

    :ivar cluster: the cluster's name. :ivar kubeconfig: its kubeconfig.
    :ivar chart: the chart's OCI repository (``public.ecr.aws/.../tinkerbell/tinkerbell-chart``).
    :ivar version: the chart version (the image tag). :ivar values: the chart values.
    :ivar bootstrap: the stack runs on the kind bootstrap cluster (host network, local smee container).
    :ivar smee: on the bootstrap cluster, the local smee container: ``image``, ``args`` and ``env``.
    """

    cluster: str
    kubeconfig: Path | None
    chart: str
    version: str
    values: dict[str, Any]
    bootstrap: bool
    namespace: str = STACK_NAMESPACE
    release: str = RELEASE_NAME
    smee: dict[str, Any] | None = None

    def to_record(self) -> dict[str, Any]:
        """Plain data for a plan or a record."""
        out: dict[str, Any] = {"cluster": self.cluster, "chart": self.chart, "version": self.version,
                               "namespace": self.namespace, "release": self.release, "bootstrap": self.bootstrap,
                               "values": self.values}
        if self.smee is not None:
            out["smee"] = self.smee
        return out


class StackInstaller(Protocol):
    """Installs the Tinkerbell stack (the one Helm chart, plus the local smee container on a bootstrap cluster)."""

    def install(self, request: StackInstallRequest) -> None:
        """Install or upgrade the stack on ``request.kubeconfig`` (and start the local smee when bootstrapping)."""

    def uninstall(self, request: StackInstallRequest) -> None:
        """Remove the stack (and the local smee container)."""

    def remove_local_smee(self) -> None:
        """Remove the local smee container of the bootstrap stack (nothing when it does not exist)."""


Runner = Callable[[Sequence[str]], None]


def _run(argv: Sequence[str]) -> None:
    """Run a command; a failure raises :class:`EksaError` with its standard error."""
    try:
        subprocess.run(list(argv), check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise EksaError(f"{argv[0]} not found: it is needed to install the Tinkerbell stack") from None
    except subprocess.CalledProcessError as exc:
        raise EksaError(f"{' '.join(argv[:3])} failed: {(exc.stderr or exc.stdout or '').strip()}") from None


@attrs.define
class HelmStackInstaller:
    """:class:`StackInstaller` running ``helm upgrade --install`` / ``helm uninstall`` and ``docker`` (for the local
    smee) as subprocesses. ``runner`` runs one command line (raise on failure)."""

    helm: str = "helm"
    docker: str = "docker"
    runner: Runner = _run

    def install(self, request: StackInstallRequest) -> None:
        """Install the chart; on a bootstrap cluster first (re)start the local smee container."""
        if request.bootstrap and request.smee is not None:
            self.remove_local_smee()
            smee = request.smee
            argv = [self.docker, "run", "-d", "--name", SMEE_CONTAINER, "--network", "host"]
            for key, value in sorted((smee.get("env") or {}).items()):
                argv += ["-e", f"{key}={value}"]
            argv += [str(smee["image"]), *[str(a) for a in smee.get("args") or []]]
            self.runner(argv)
        from eksa_core.capi import to_yaml

        with tempfile.TemporaryDirectory(prefix="tinkerbell-") as tmp:
            values = Path(tmp) / "tinkerbell-chart-overrides.yaml"
            write_file_atomic(values, to_yaml(request.values))
            argv = [self.helm, "upgrade", "--install", request.release, f"oci://{request.chart}",
                    "--version", request.version, "--namespace", request.namespace, "--create-namespace",
                    "--values", str(values), "--wait"]
            if request.kubeconfig is not None:
                argv += ["--kubeconfig", str(request.kubeconfig)]
            self.runner(argv)

    def uninstall(self, request: StackInstallRequest) -> None:
        """``helm uninstall`` the release, then remove the local smee container."""
        argv = [self.helm, "uninstall", request.release, "--namespace", request.namespace, "--ignore-not-found"]
        if request.kubeconfig is not None:
            argv += ["--kubeconfig", str(request.kubeconfig)]
        self.runner(argv)
        if request.bootstrap:
            self.remove_local_smee()

    def remove_local_smee(self) -> None:
        """``docker rm -f smee`` (a missing container is not an error)."""
        try:
            self.runner([self.docker, "rm", "-f", SMEE_CONTAINER])
        except EksaError as exc:
            if "No such container" not in str(exc):
                raise


def _installer(context: HookContext) -> StackInstaller:
    installer = settings_of(context).stack_installer
    return installer if installer is not None else HelmStackInstaller()


# ---------------------------------------------------------------------------------------------------------------
# Bootstrap IP and chart values
# ---------------------------------------------------------------------------------------------------------------


def bootstrap_ip(spec: Spec, context: HookContext) -> str:
    """The bootstrap Tinkerbell IP: ``context.options["tinkerbell_bootstrap_ip"]``, else the Cluster's bootstrap-ip
    annotation (set by :func:`eksa_pre_capi_install_on_bootstrap`), else :func:`local_ip`."""
    given = context.options.get("tinkerbell_bootstrap_ip")
    if given:
        return str(given)
    annotations = spec.cluster.metadata.annotations or {}
    return annotations.get(BOOTSTRAP_IP_ANNOTATION) or local_ip()


def _datacenter(spec: Spec) -> TinkerbellDatacenterConfig:
    dc = spec.datacenter()
    if not isinstance(dc, TinkerbellDatacenterConfig):
        raise EksaError("TinkerbellDatacenterConfig not found in the cluster spec")
    return dc


def _hook_url(spec: Spec, dc: TinkerbellDatacenterConfig) -> str:
    if dc.spec.hook_images_url_path:
        return dc.spec.hook_images_url_path
    uri = spec.versions_bundle().tinkerbell.tinkerbell_stack.hook.initramfs.amd.uri or ""
    return uri.rsplit("/", 1)[0] if "/" in uri else uri


def stack_request(spec: Spec, cluster: ClusterHandle, *, bootstrap: bool, ip: str) -> StackInstallRequest:
    """The install request of the Tinkerbell stack on ``cluster``.

    On the bootstrap cluster the stack serves on ``ip`` (the bootstrap IP) with host networking, smee runs as a
    local container, and there is no load balancer nor DHCP relay. On the cluster itself it serves on
    ``tinkerbellIP`` through a kube-vip load balancer (unless ``skipLoadBalancerDeployment`` or the cluster has no
    worker nodes) with a DHCP relay. Both use DHCP mode ``reservation``, the Kubernetes backend in ``eksa-system``
    and HookOS from ``hookImagesURLPath`` (else the bundle).
    """
    dc = _datacenter(spec)
    bundle = spec.versions_bundle().tinkerbell
    stack = bundle.tinkerbell_stack
    public_ip = ip if bootstrap else (dc.spec.tinkerbell_ip or "")
    iso_url = dc.spec.hook_iso_url or (stack.hook.iso.amd.uri or "")
    load_balancer = (not bootstrap and not dc.spec.skip_load_balancer_deployment
                     and bool(spec.cluster.worker_groups()))
    smee_values: dict[str, Any] = {
        "deploy": not bootstrap,
        "image": stack.boots.uri,
        "publicIP": public_ip,
        "trustedProxies": [],
        "dhcp": {"mode": "reservation", "ip": public_ip, "allowUnknownHosts": False},
        "tftp": {"ip": public_ip},
        "syslog": {"ip": public_ip},
        "ipxe": {"http": {"ip": public_ip, "port": SMEE_HTTP_PORT}},
        "hookImagesURLPath": _hook_url(spec, dc),
        "iso": {"enabled": bool(dc.spec.iso_boot), "url": iso_url},
        "tinkServer": f"{public_ip}:{TINK_SERVER_PORT}",
        "tootles": f"http://{public_ip}:{TOOTLES_PORT}",
    }
    values: dict[str, Any] = {
        "publicIP": public_ip,
        "hostNetwork": bootstrap,
        "backend": {"kube": {"namespace": STACK_NAMESPACE}},
        "smee": smee_values,
        "tootles": {"image": stack.hegel.uri, "port": TOOTLES_PORT},
        "tinkServer": {"image": stack.tink.tink_server.uri, "port": TINK_SERVER_PORT},
        "tinkController": {"image": stack.tink.tink_controller.uri},
        "rufio": {"image": stack.rufio.uri},
        "agent": {"image": stack.tink.tink_worker.uri},
        "loadBalancer": {"enabled": load_balancer, "ip": public_ip, "image": bundle.kube_vip.uri,
                         "interface": dc.spec.load_balancer_interface or ""},
        "dhcpRelay": {"enabled": not bootstrap, "image": stack.tink.tink_relay.uri,
                      "initImage": stack.tink.tink_relay_init.uri},
    }
    smee = None
    if bootstrap:
        smee = {"image": stack.boots.uri,
                "args": ["-dhcp-addr", f"{public_ip}:67", "-dhcp-mode", "reservation", "-backend-kube-namespace",
                         STACK_NAMESPACE, "-tink-server", f"{public_ip}:{TINK_SERVER_PORT}",
                         "-osie-url", _hook_url(spec, dc)],
                "env": {"PUBLIC_IP": public_ip}}
    chart = stack.tinkerbell_chart
    return StackInstallRequest(cluster=cluster.name, kubeconfig=cluster.kubeconfig, chart=chart.repository,
                               version=chart.tag, values=values, bootstrap=bootstrap, smee=smee)


# ---------------------------------------------------------------------------------------------------------------
# BMC wait
# ---------------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------------
# Hooks
# ---------------------------------------------------------------------------------------------------------------


def _ours(spec: Spec) -> bool:
    return isinstance(spec.datacenter(), TinkerbellDatacenterConfig)


def _install(context: HookContext, request: StackInstallRequest) -> None:
    context.record("tinkerbell-stack-install", **request.to_record())
    if not context.dry_run:
        _installer(context).install(request)


@hookimpl
def eksa_pre_capi_install_on_bootstrap(spec: Spec, cluster: ClusterHandle,
                                       context: HookContext) -> StackInstallRequest | None:
    """Annotate the Cluster with the bootstrap IP and install the Tinkerbell stack on the bootstrap cluster.

    :return: the install request (also recorded as ``tinkerbell-stack-install``).
    """
    if not _ours(spec):
        return None
    ip = bootstrap_ip(spec, context)
    spec.cluster.annotate(BOOTSTRAP_IP_ANNOTATION, ip)
    context.record("annotate-cluster", cluster=spec.name, annotations={BOOTSTRAP_IP_ANNOTATION: ip})
    request = stack_request(spec, cluster, bootstrap=True, ip=ip)
    context.log.info("Installing Tinkerbell stack on bootstrap cluster")
    _install(context, request)
    return request


@hookimpl
def eksa_post_bootstrap_setup(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Apply the hardware catalogue of the CSV (``context.call_options.hardware_csv``) to the bootstrap cluster and
    wait for every BMC to be contactable."""
    if not _ours(spec):
        return
    options = SetupOptions.from_context(context)
    catalogue = load_catalogue(options.hardware_csv)
    machines = catalogue.machines
    context.record("apply-hardware", cluster=cluster.name, hardware=[m.hostname for m in machines],
                   bmc=[f"bmc-{m.hostname}" for m in machines if m.has_bmc()])
    if context.dry_run:
        return
    kube = context.kube(cluster)
    context.log.info("Applying hardware")
    kube.create_namespace(HARDWARE_NAMESPACE)
    if machines:
        kube.apply(hardware_manifests(machines))
    wait_for_bmc(kube, context, timeout=options.bmc_timeout)


@hookimpl
def eksa_post_workload_init(spec: Spec, cluster: ClusterHandle, context: HookContext) -> StackInstallRequest | None:
    """Install the Tinkerbell stack on the new cluster (warning when the load balancer is skipped), then remove the
    local smee container of the bootstrap stack."""
    if not _ours(spec):
        return None
    dc = _datacenter(spec)
    if dc.spec.skip_load_balancer_deployment:
        context.log.warning(SKIP_LOAD_BALANCER_WARNING)
    request = stack_request(spec, cluster, bootstrap=False, ip=dc.spec.tinkerbell_ip or "")
    context.log.info("Installing Tinkerbell stack on workload cluster")
    _install(context, request)
    context.record("remove-local-smee", container=SMEE_CONTAINER)
    if not context.dry_run:
        _installer(context).remove_local_smee()
    return request


@hookimpl
def eksa_post_cluster_delete(spec: Spec, cluster: ClusterHandle, context: HookContext) -> None:
    """Uninstall the local (bootstrap) Tinkerbell stack once the management cluster is deleted."""
    if not _ours(spec):
        return
    annotations = spec.cluster.metadata.annotations or {}
    ip = (context.options.get("tinkerbell_bootstrap_ip") or annotations.get(BOOTSTRAP_IP_ANNOTATION)
          or _datacenter(spec).spec.tinkerbell_ip or "")
    request = stack_request(spec, cluster, bootstrap=True, ip=str(ip))
    context.record("tinkerbell-stack-uninstall", cluster=cluster.name, release=request.release,
                   namespace=request.namespace)
    if not context.dry_run:
        _installer(context).uninstall(request)
