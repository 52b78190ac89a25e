"""The cluster's CNI: what EKS Anywhere installs as a workload cluster's pod network, rendered as Kubernetes objects.

A cluster names one plugin in ``spec.clusterNetwork.cniConfig``:

* **Cilium** (every provider). EKS Anywhere renders the Helm chart of the release bundle (``cilium.helmChart``,
  an OCI chart such as ``public.ecr.aws/eks/cilium/cilium:1.19.4-1``, pulled through the cluster's registry mirror
  when it has one) with values of its own (the bundle's images, Geneve tunnelling or native routing, the policy
  enforcement mode, ``helmValues`` on top) and applies the result. :class:`HelmCiliumRenderer` does the same with
  the ``helm`` CLI (``helm template``: nothing is installed by helm, no release Secret is written).
* **kindnetd** (development providers only). The bundle's ``kindnetd.manifest`` with the cluster's pod CIDR:
  :class:`KindnetdRenderer`.

:class:`BundleCNIRenderer` picks the one the spec names; it is what a workflow uses unless
``WorkflowOptions.cni_renderer`` names another :class:`CNIRenderer` (anything with ``render(spec)``).

Secrets never leave this module in a message: a registry password goes to helm on its standard input and any
text shown (a failed helm's output) has it masked.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import yaml

from .errors import EksaError
from .images import RegistryMirror

if TYPE_CHECKING:
    from .models.cluster import CiliumConfig
    from .spec import Spec

__all__ = [
    "CILIUM",
    "CILIUM_NAMESPACE",
    "KINDNETD",
    "BundleCNIRenderer",
    "CNIError",
    "CNIRenderError",
    "CNIRenderer",
    "HelmCiliumRenderer",
    "HelmFailedError",
    "HelmNotFoundError",
    "KindnetdRenderer",
    "allow_all_policies",
    "cilium_chart",
    "cilium_config",
    "cilium_values",
    "cni_plugin",
    "private_helm_env",
]

CILIUM = "cilium"
KINDNETD = "kindnetd"
CILIUM_NAMESPACE = "kube-system"
HELM_ENV = "EKSA_HELM"
"""The environment variable naming the helm executable (else ``helm`` on ``PATH``)."""

#: Namespaces whose pods keep talking to everything when Cilium's policy enforcement is ``always`` (EKS Anywhere
#: writes an allow-all NetworkPolicy into each of its system namespaces, else they would lose all traffic).
SYSTEM_NAMESPACES = ("kube-system", "eksa-system", "cert-manager", "capi-system", "capi-kubeadm-bootstrap-system",
                     "capi-kubeadm-control-plane-system", "etcdadm-bootstrap-provider-system",
                     "etcdadm-controller-system")


class CNIError(EksaError):
    """The cluster's CNI cannot be rendered or installed."""


class CNIRenderError(CNIError):
    """The spec or its release bundle does not say enough to render the CNI (no chart, no manifest...)."""


class HelmNotFoundError(CNIError):
    """No helm executable: neither given, nor named by ``EKSA_HELM``, nor on ``PATH``."""


class HelmFailedError(CNIError):
    """helm exited with an error; the message carries its output, secrets masked."""


@runtime_checkable
class CNIRenderer(Protocol):
    """Renders a cluster's CNI as the Kubernetes objects to apply to the workload cluster."""

    def render(self, spec: Spec) -> list[dict[str, Any]]:
        """The objects of the CNI ``spec`` names (in apply order); raises :class:`CNIError` when it cannot."""
        ...


def cni_plugin(spec: Spec) -> str | None:
    """``"cilium"``, ``"kindnetd"`` or ``None`` (no CNI configured: EKS Anywhere then installs none), from
    ``cniConfig`` or the deprecated ``cni`` string (``cilium``, ``kindnetd``)."""
    network = spec.cluster.spec.cluster_network
    if network is None:
        return None
    config = network.cni_config
    if config is not None and config.cilium is not None:
        return CILIUM
    if config is not None and config.kindnetd is not None:
        return KINDNETD
    legacy = (network.cni or "").lower()
    if legacy.startswith(CILIUM):
        return CILIUM
    if legacy == KINDNETD:
        return KINDNETD
    return None


def cilium_config(spec: Spec) -> CiliumConfig | None:
    """The spec's ``cniConfig.cilium`` (``None`` when it names no Cilium settings)."""
    network = spec.cluster.spec.cluster_network
    config = network.cni_config if network is not None else None
    return config.cilium if config is not None else None


def _mirror(spec: Spec) -> RegistryMirror | None:
    return RegistryMirror.from_config(spec.cluster.spec.registry_mirror_configuration)


def _image(uri: str | None, mirror: RegistryMirror | None) -> tuple[str, str]:
    """``(repository, tag)`` of an image reference, the registry replaced by the mirror's."""
    if not uri:
        raise CNIRenderError("the release bundle names no Cilium image")
    uri = mirror.replace_registry(uri) if mirror is not None else uri
    repository, _, tag = uri.rpartition(":")
    if not repository or "/" in tag:
        return uri, ""
    return repository, tag


def cilium_chart(spec: Spec) -> tuple[str, str]:
    """``(oci://<registry>/<repository>, version)`` of the bundle's Cilium chart for ``spec``, pulled through the
    cluster's registry mirror when it has one."""
    bundle = spec.versions_bundle().cilium
    uri = bundle.helm_chart.uri
    if not uri:
        raise CNIRenderError(f"the release bundle of Kubernetes {spec.versions_bundle().kube_version} names no "
                             "Cilium Helm chart (cilium.helmChart.uri)")
    repository, version = _image(uri, _mirror(spec))
    if not version:
        raise CNIRenderError(f"the Cilium chart {uri} of the release bundle has no version tag")
    return f"oci://{repository.removeprefix('oci://')}", version


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def cilium_values(spec: Spec) -> dict[str, Any]:
    """The Helm values EKS Anywhere renders the Cilium chart with for ``spec``.

    The bundle's agent and operator images (through the registry mirror; the chart adds the operator's
    ``-generic`` suffix itself, digests off since the bundle pins tags), Kubernetes IPAM, CRD identities, Prometheus
    metrics, agents rolled when their configuration changes, no separate Envoy DaemonSet; Geneve tunnelling, or
    native routing with ``ipv4NativeRoutingCIDR`` / ``ipv6NativeRoutingCIDR`` for ``routingMode: direct``; the
    policy enforcement mode, egress masquerade interfaces and ``cniExclusive`` when set; one operator replica on a
    single-node cluster. ``helmValues`` are merged over all of it, the user's word last.
    """
    config = cilium_config(spec)
    bundle = spec.versions_bundle().cilium
    mirror = _mirror(spec)
    agent_repo, agent_tag = _image(bundle.cilium.uri, mirror)
    operator_repo, operator_tag = _image(bundle.operator.uri, mirror)
    values: dict[str, Any] = {
        "cni": {"chainingMode": "portmap"},
        "ipam": {"mode": "kubernetes"},
        "identityAllocationMode": "crd",
        "prometheus": {"enabled": True},
        "rollOutCiliumPods": True,
        "envoy": {"enabled": False},
        "image": {"repository": agent_repo, "tag": agent_tag, "useDigest": False},
        "operator": {
            "image": {"repository": operator_repo.removesuffix("-generic"), "tag": operator_tag, "useDigest": False},
            "prometheus": {"enabled": True},
        },
    }
    from .workflows.ops import machine_count

    if machine_count(spec) == 1:  # a single node cannot hold two anti-affine operators
        values["operator"]["replicas"] = 1
    routing = (config.routing_mode if config is not None else None) or "overlay"
    if routing == "direct":
        values["routingMode"] = "native"
        values["autoDirectNodeRoutes"] = True
        if config is not None and config.ipv4_native_routing_cidr:
            values["ipv4NativeRoutingCIDR"] = config.ipv4_native_routing_cidr
        if config is not None and config.ipv6_native_routing_cidr:
            values["ipv6NativeRoutingCIDR"] = config.ipv6_native_routing_cidr
    else:
        values["routingMode"] = "tunnel"
        values["tunnelProtocol"] = "geneve"
    if config is not None:
        if config.policy_enforcement_mode:
            values["policyEnforcementMode"] = config.policy_enforcement_mode
        if config.egress_masquerade_interfaces:
            values["egressMasqueradeInterfaces"] = config.egress_masquerade_interfaces
        if config.cni_exclusive is not None:
            values["cni"]["exclusive"] = bool(config.cni_exclusive)
        if isinstance(config.helm_values, Mapping):
            values = _deep_merge(values, config.helm_values)
    return values


def allow_all_policies(namespaces: Sequence[str] = SYSTEM_NAMESPACES) -> list[dict[str, Any]]:
    """Each namespace and, in it, a NetworkPolicy allowing all ingress and egress of every pod: what EKS Anywhere
    adds when Cilium enforces policies ``always`` so its own components keep working."""
    out: list[dict[str, Any]] = []
    for namespace in namespaces:
        out.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        out.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "allow-all-ingress-egress", "namespace": namespace},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{}]},
        })
    return out


def _load_objects(text: str, source: str) -> list[dict[str, Any]]:
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise CNIRenderError(f"{source} is not valid YAML: {exc}") from None
    objects = [d for d in docs if d]
    bad = [d for d in objects if not isinstance(d, dict) or not d.get("kind") or not d.get("apiVersion")]
    if bad:
        raise CNIRenderError(f"{source} holds a document that is not a Kubernetes object")
    return objects


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def private_helm_env(base: Mapping[str, str], home: Path) -> dict[str, str]:
    """``base`` with helm's config, cache and data homes below ``home``, so helm neither reads nor writes the
    user's (registry logins, repositories, cache)."""
    env = {**base, "HELM_CONFIG_HOME": str(home / "config"), "HELM_CACHE_HOME": str(home / "cache"),
           "HELM_DATA_HOME": str(home / "data")}
    env.pop("HELM_REGISTRY_CONFIG", None)
    return env


class HelmCiliumRenderer:
    """Renders the bundle's Cilium chart with the ``helm`` CLI (``helm template``), as EKS Anywhere does.

    :param helm: the helm executable (default: ``$EKSA_HELM``, else ``helm`` on ``PATH``; looked up at render
        time, so constructing one never fails).
    :param env: the environment helm runs in and registry credentials are read from (``REGISTRY_USERNAME`` /
        ``REGISTRY_PASSWORD`` when the mirror authenticates, as EKS Anywhere reads them); default ``os.environ``.
        helm gets private config, cache and data homes of its own for each render: it neither reads nor writes
        the user's logins and repositories.
    :param policy_namespaces: the namespaces given an allow-all NetworkPolicy when policies are enforced
        ``always``.
    :param timeout: seconds each helm command may take.
    :param runner: ``subprocess.run``-like (tests inject one).
    """

    def __init__(
        self,
        helm: str | os.PathLike[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        policy_namespaces: Sequence[str] = SYSTEM_NAMESPACES,
        timeout: float = 300.0,
        runner: Runner = subprocess.run,
    ) -> None:
        self._helm = os.fspath(helm) if helm is not None else None
        self._env = env
        self.policy_namespaces = tuple(policy_namespaces)
        self.timeout = timeout
        self._runner = runner

    def helm_path(self) -> str:
        """The helm executable used; raises :class:`HelmNotFoundError` when there is none."""
        env = os.environ if self._env is None else self._env
        candidate = self._helm or env.get(HELM_ENV) or "helm"
        found = shutil.which(candidate, path=env.get("PATH", os.defpath)) if os.sep not in candidate else (
            candidate if os.access(candidate, os.X_OK) else None)
        if found is None:
            raise HelmNotFoundError(f"helm not found ({candidate}): Cilium is rendered with the helm CLI; put helm "
                                    f"on PATH or name it in {HELM_ENV}")
        return found

    def render(self, spec: Spec) -> list[dict[str, Any]]:
        """``helm template`` of the bundle's chart with :func:`cilium_values` into ``kube-system``, for the
        cluster's Kubernetes version; then, under policy enforcement ``always``, :func:`allow_all_policies`."""
        helm = self.helm_path()
        chart, version = cilium_chart(spec)
        mirror = _mirror(spec)
        values = cilium_values(spec)
        base_env = dict(os.environ if self._env is None else self._env)
        secrets = [v for v in (base_env.get("REGISTRY_PASSWORD"),) if v]
        with tempfile.TemporaryDirectory(prefix="eksa-helm-") as work:
            home = Path(work)
            env = private_helm_env(base_env, home)
            values_file = home / "values.yaml"
            values_file.write_text(yaml.safe_dump(values, sort_keys=False))
            tls: list[str] = []
            if mirror is not None and chart.startswith(f"oci://{mirror.base_registry}"):
                if mirror.insecure_skip_verify:
                    tls = ["--insecure-skip-tls-verify"]
                elif mirror.ca_cert_content:
                    ca = home / "registry-ca.crt"
                    ca.write_text(mirror.ca_cert_content)
                    tls = ["--ca-file", str(ca)]
                if mirror.authenticate:
                    self._login(helm, mirror, base_env, env, tls, secrets)
            args = ["template", "cilium", chart, "--version", version, "--namespace", CILIUM_NAMESPACE,
                    "--values", str(values_file), "--kube-version", spec.versions_bundle().kube_version or
                    (spec.cluster.spec.kubernetes_version or ""), *tls]
            out = self._run(helm, args, env, secrets)
        objects = _load_objects(out, f"helm template of {chart}:{version}")
        if not objects:
            raise CNIRenderError(f"helm template of {chart}:{version} rendered no objects")
        config = cilium_config(spec)
        if config is not None and config.policy_enforcement_mode == "always":
            objects += allow_all_policies(self.policy_namespaces)
        return objects

    def _login(self, helm: str, mirror: RegistryMirror, base_env: Mapping[str, str], env: dict[str, str],
               tls: list[str], secrets: list[str]) -> None:
        user, password = base_env.get("REGISTRY_USERNAME"), base_env.get("REGISTRY_PASSWORD")
        if not user or not password:
            raise CNIRenderError("the registry mirror authenticates but REGISTRY_USERNAME / REGISTRY_PASSWORD are "
                                 "not set")
        tls_login = ["--insecure"] if tls == ["--insecure-skip-tls-verify"] else tls
        self._run(helm, ["registry", "login", mirror.base_registry, "--username", user, "--password-stdin",
                         *tls_login], env, secrets, stdin=password)

    def _run(self, helm: str, args: list[str], env: Mapping[str, str], secrets: Sequence[str],
             stdin: str | None = None) -> str:
        command = " ".join(args[:2]) if args[0] == "registry" else args[0]
        try:
            proc = self._runner([helm, *args], env=env, input=stdin, capture_output=True, text=True,
                                timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise HelmFailedError(f"helm {command} did not finish within {self.timeout:g}s") from None
        except OSError as exc:
            raise HelmNotFoundError(f"cannot run helm ({helm}): {exc.strerror}") from None
        if proc.returncode != 0:
            text = (proc.stderr or "") + (proc.stdout or "")
            for secret in secrets:
                text = text.replace(secret, "*****")
            tail = "\n".join(text.strip().splitlines()[-20:])
            raise HelmFailedError(f"helm {command} failed (exit {proc.returncode}):\n{tail}")
        return str(proc.stdout or "")


class KindnetdRenderer:
    """The bundle's kindnetd manifest (``kindnetd.manifest.uri``: a path, ``file://`` or ``http(s)://`` URL)
    with the cluster's pod CIDR as kindnetd's ``POD_SUBNET``.

    :param reader: reads the manifest source into bytes (default: the installer's manifest reader).
    """

    def __init__(self, reader: Callable[[str], bytes] | None = None) -> None:
        self._reader = reader

    def _read(self, uri: str) -> bytes:
        if self._reader is not None:
            return self._reader(uri)
        from .workflows.capi import read_manifest

        return read_manifest(uri)

    def render(self, spec: Spec) -> list[dict[str, Any]]:
        bundle = spec.versions_bundle().kindnetd
        uri = bundle.manifest.uri
        if not uri:
            raise CNIRenderError(f"the release bundle of Kubernetes {spec.versions_bundle().kube_version} names no "
                                 "kindnetd manifest (kindnetd.manifest.uri)")
        try:
            text = self._read(uri).decode()
        except EksaError as exc:
            raise CNIRenderError(f"cannot read the kindnetd manifest: {exc}") from None
        objects = _load_objects(text, f"kindnetd manifest {uri}")
        network = spec.cluster.spec.cluster_network
        pods = network.pods.cidr_blocks if network is not None and network.pods is not None else None
        if pods:
            for obj in objects:
                if obj.get("kind") != "DaemonSet":
                    continue
                for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []:
                    env = container.setdefault("env", [])
                    env[:] = [e for e in env if e.get("name") != "POD_SUBNET"]
                    env.append({"name": "POD_SUBNET", "value": pods[0]})
        return objects


class BundleCNIRenderer:
    """The renderer EKS Anywhere's choice implies: :class:`HelmCiliumRenderer` for Cilium,
    :class:`KindnetdRenderer` for kindnetd (each replaceable)."""

    def __init__(self, cilium: CNIRenderer | None = None, kindnetd: CNIRenderer | None = None) -> None:
        self.cilium = cilium or HelmCiliumRenderer()
        self.kindnetd = kindnetd or KindnetdRenderer()

    def render(self, spec: Spec) -> list[dict[str, Any]]:
        plugin = cni_plugin(spec)
        if plugin == CILIUM:
            return self.cilium.render(spec)
        if plugin == KINDNETD:
            return self.kindnetd.render(spec)
        return []
