"""CustomResourceDefinitions as EKS Anywhere ships them, read from Go module downloads and installed at test time.

EKS Anywhere's own controller tests install the CRDs of its dependencies straight from their Go module directories;
this module does the same: ``go mod download -json MODULE@VERSION`` gives the module's ``Dir`` (Go's module cache
keeps the download, so only the first call fetches anything), and the CRD files are read from the directories the
projects generate them into. Nothing is committed to this repository.

Each entry of :data:`CRD_GROUPS` names one set of CRDs (``capi-core``, ``capi-kubeadm-bootstrap``, ``capv``, ...) at
the version EKS Anywhere pins or, where the module proxy does not serve that version, at the nearest one it serves
(the entry says which, and why). :func:`install_crds` applies chosen groups to a cluster and waits until every CRD
is ``Established``.

Processing is deliberately light: webhook conversion blocks (which point at in-cluster services that do not run
here) are replaced by ``strategy: None``, and for the Cluster API groups the named overlay
:data:`EKSA_CAPI_OVERLAY` (``data/eksa-capi-overlay.yaml``) adds exactly the fields EKS Anywhere's Cluster API build
adds to the upstream schemas. Nothing else is changed or loosened.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .controlplane import ControlPlaneUnavailable

__all__ = [
    "CRD_GROUPS",
    "EKSA_CAPI_OVERLAY",
    "FLUX_CRD_GROUPS",
    "CrdGroup",
    "CrdSourceError",
    "Overlay",
    "OverlayError",
    "apply_overlay",
    "ensure_crds",
    "group_for_kind",
    "install_crds",
    "load_crds",
    "load_overlay",
    "module_dir",
    "store_versions",
]

JSONObject = dict[str, Any]

CAPI_VERSION = "v1.13.2"
#: EKS Anywhere's module and the release of it the bundled release snapshot mirrors.
EKSA_MODULE = "github.com/aws/eks-anywhere"
EKSA_VERSION = "v0.26.1"


class CrdSourceError(RuntimeError):
    """A CRD group's module cannot be downloaded, or holds no CRD where expected."""


class OverlayError(RuntimeError):
    """The overlay does not fit the upstream schema (a field already there, a parent missing)."""


@dataclass(frozen=True)
class CrdGroup:
    """One set of CRDs: a Go module at a version and the directories or files (inside it) holding CRD files.

    ``overlay`` says whether :data:`EKSA_CAPI_OVERLAY` applies to these CRDs.
    """

    name: str
    module: str
    version: str
    paths: tuple[str, ...]
    description: str
    overlay: bool = False


def _group(name: str, module: str, version: str, *paths: str, description: str, overlay: bool = False) -> CrdGroup:
    return CrdGroup(name, module, version, tuple(paths), description, overlay)


CRD_GROUPS: Mapping[str, CrdGroup] = {
    g.name: g
    for g in (
        _group(
            "capi-core",
            "sigs.k8s.io/cluster-api",
            CAPI_VERSION,
            "config/crd/bases",
            description="Cluster API core (Cluster, Machine, MachineDeployment, MachineSet, MachineHealthCheck, ...)",
            overlay=True,
        ),
        _group(
            "capi-kubeadm-bootstrap",
            "sigs.k8s.io/cluster-api",
            CAPI_VERSION,
            "bootstrap/kubeadm/config/crd/bases",
            description="Cluster API kubeadm bootstrap (KubeadmConfig, KubeadmConfigTemplate)",
            overlay=True,
        ),
        _group(
            "capi-kubeadm-controlplane",
            "sigs.k8s.io/cluster-api",
            CAPI_VERSION,
            "controlplane/kubeadm/config/crd/bases",
            description="Cluster API kubeadm control plane (KubeadmControlPlane, KubeadmControlPlaneTemplate)",
            overlay=True,
        ),
        # The test module has no v1.13.2 release on the proxy (its list starts at v1.13.7); v1.13.7 is the nearest
        # patch release of the same minor, whose CRDs are what EKS Anywhere's Docker provider deploys.
        _group(
            "capd",
            "sigs.k8s.io/cluster-api/test",
            "v1.13.7",
            "infrastructure/docker/config/crd/bases",
            description="Cluster API Docker provider (DockerCluster, DockerMachine, DevCluster, DevMachine, ...)",
        ),
        _group(
            "capv",
            "sigs.k8s.io/cluster-api-provider-vsphere",
            "v1.16.1",
            "config/default/crd/bases",
            description="Cluster API vSphere provider (VSphereCluster, VSphereMachineTemplate, failure domains, ...)",
        ),
        # EKS Anywhere pins CAPX v1.6.1; the proxy serves no v1.6.x (nor v1.5.1, v1.7.1+), and v1.5.3 and v1.7.0 are
        # the nearest releases it serves. v1.7.0 is used: compared with v1.6.1's CRDs (read from the project's tag)
        # it only adds (NutanixFailureDomain, NutanixCluster spec.controlPlaneFailureDomains) and tightens
        # (failureDomains[].controlPlane and dataDisks[].deviceProperties.adapterType required, a 512-character
        # controlPlaneEndpoint.host), whereas v1.5.3 lacks v1.6.1's machine spec.dataDisks and spec.imageLookup and
        # requires spec.image. The fields eksa renders are the same in all three; that eksa renders none of
        # v1.7.0's additions is asserted by the acceptance test (CAPX_ADDED_AFTER_PIN there).
        _group(
            "capx",
            "github.com/nutanix-cloud-native/cluster-api-provider-nutanix",
            "v1.7.0",
            "config/crd/bases",
            description="Cluster API Nutanix provider (NutanixCluster, NutanixMachineTemplate, failure domains, ...), "
            "v1.7.0 for EKS Anywhere's v1.6.1",
        ),
        _group(
            "capc",
            "sigs.k8s.io/cluster-api-provider-cloudstack",
            "v0.6.1",
            "config/crd/bases",
            description="Cluster API CloudStack provider (CloudStackCluster, CloudStackMachineTemplate, ...)",
        ),
        _group(
            "tink",
            "github.com/tinkerbell/tink",
            "v0.12.2",
            "config/crd/bases",
            description="Tinkerbell (Hardware, Template, Workflow)",
        ),
        # EKS Anywhere pins rufio at a commit that has no module version on the proxy; v0.6.5 is the release
        # the proxy serves for that line (bmc.tinkerbell.org Machine, Job, Task).
        _group(
            "rufio",
            "github.com/tinkerbell/rufio",
            "v0.6.5",
            "config/crd/bases",
            description="Tinkerbell rufio BMC (Machine, Job, Task)",
        ),
        # Flux, at the controller releases EKS Anywhere's bundle ships with Flux v2.8.8 (source-, kustomize- and
        # notification-controller v1.9.0, helm-controller v1.6.0; component-versions.yaml and the bundle's flux
        # images): the proxy serves these exact versions. FLUX_CRD_GROUPS names the four together.
        _group(
            "flux-source",
            "github.com/fluxcd/source-controller",
            "v1.9.0",
            "config/crd/bases",
            description="Flux source-controller (GitRepository, OCIRepository, HelmRepository, HelmChart, Bucket, ...)",
        ),
        _group(
            "flux-kustomize",
            "github.com/fluxcd/kustomize-controller",
            "v1.9.0",
            "config/crd/bases",
            description="Flux kustomize-controller (Kustomization)",
        ),
        _group(
            "flux-helm",
            "github.com/fluxcd/helm-controller",
            "v1.6.0",
            "config/crd/bases",
            description="Flux helm-controller (HelmRelease)",
        ),
        _group(
            "flux-notification",
            "github.com/fluxcd/notification-controller",
            "v1.9.0",
            "config/crd/bases",
            description="Flux notification-controller (Alert, Provider, Receiver)",
        ),
        # EKS Anywhere's own CRDs, at the release the bundled release snapshot mirrors (eksa_core/data/releases).
        _group(
            "eksa",
            EKSA_MODULE,
            EKSA_VERSION,
            "config/crd/bases",
            description="EKS Anywhere (Cluster, datacenter and machine configs, FluxConfig, GitOpsConfig, ...)",
        ),
        # The providers whose own modules the proxy does not serve: the CRD files EKS Anywhere's module carries
        # for its envtest (internal/test/envtest/config), which are what EKS Anywhere tests its controllers with.
        _group(
            "snow",
            EKSA_MODULE,
            EKSA_VERSION,
            "internal/test/envtest/config/snow-crds.yaml",
            description="Cluster API Snow provider (AWSSnowCluster, AWSSnowMachineTemplate, AWSSnowIPPool), "
            "from EKS Anywhere's envtest configuration",
        ),
        _group(
            "capt",
            EKSA_MODULE,
            EKSA_VERSION,
            "internal/test/envtest/config/capt-crds.yaml",
            description="Cluster API Tinkerbell provider (TinkerbellCluster, TinkerbellMachineTemplate, ...), "
            "from EKS Anywhere's envtest configuration",
        ),
        _group(
            "eksd",
            EKSA_MODULE,
            EKSA_VERSION,
            "internal/test/envtest/config/eks-d-crds.yaml",
            description="EKS-D Release, from EKS Anywhere's envtest configuration",
        ),
        _group(
            "packages",
            "github.com/aws/eks-anywhere-packages",
            "v0.4.17",
            "config/crd/bases",
            description="EKS Anywhere curated packages (Package, PackageBundle, PackageBundleController)",
        ),
        _group(
            "etcdadm-bootstrap",
            "github.com/aws/etcdadm-bootstrap-provider",
            "v1.0.22",
            "config/crd/bases",
            description="etcdadm bootstrap provider (EtcdadmConfig)",
        ),
        _group(
            "etcdadm-controller",
            "github.com/aws/etcdadm-controller",
            "v1.0.28",
            "config/crd/bases",
            description="etcdadm controller (EtcdadmCluster)",
        ),
    )
}
"""Every CRD group that can be installed, by name."""

FLUX_CRD_GROUPS = ("flux-source", "flux-kustomize", "flux-helm", "flux-notification")
"""The CRD groups of the Flux controllers EKS Anywhere's bundle ships (what ``flux install`` puts on a cluster)."""

EKSA_CAPI_OVERLAY = "eksa-capi-overlay.yaml"
"""The overlay (in ``eksa_core/testing/data``) adding EKS Anywhere's Cluster API fields to the upstream schemas."""


@functools.cache
def module_dir(module: str, version: str) -> Path:
    """The directory of ``module@version`` in Go's module cache (downloaded on first use)."""
    if shutil.which("go") is None:
        raise ControlPlaneUnavailable(
            f"the CRDs of {module} are read from its Go module download: the go command is not installed"
        )
    proc = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        check=False,
        env=_go_env(),
    )
    try:
        info = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        info = {}
    if proc.returncode != 0 or not info.get("Dir"):
        detail = info.get("Error") or proc.stderr.strip() or f"exit {proc.returncode}"
        raise CrdSourceError(f"cannot download {module}@{version}: {detail}")
    return Path(info["Dir"])


def _go_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.setdefault("GOTOOLCHAIN", "local")
    return env


def _crd_files(group: CrdGroup) -> list[Path]:
    root = module_dir(group.module, group.version)
    files: list[Path] = []
    for rel in group.paths:
        where = root / rel
        if where.is_file():
            files.append(where)
        elif where.is_dir():
            files.extend(sorted(where.glob("*.yaml")))
        else:
            raise CrdSourceError(f"{group.module}@{group.version} has no {rel}")
    if not files:
        raise CrdSourceError(f"{group.module}@{group.version} has no CRD files in {', '.join(group.paths)}")
    return files


def _without_webhook_conversion(crd: JSONObject) -> JSONObject:
    conversion = crd.get("spec", {}).get("conversion")
    if isinstance(conversion, Mapping) and conversion.get("strategy") == "Webhook":
        # the conversion webhook is a service in the provider's namespace, which does not run here
        crd["spec"]["conversion"] = {"strategy": "None"}
    return crd


@functools.cache
def _load_group(name: str) -> tuple[JSONObject, ...]:
    group = CRD_GROUPS[name]
    crds: list[JSONObject] = []
    for path in _crd_files(group):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                crds.append(_without_webhook_conversion(doc))
    if group.overlay:
        apply_overlay(crds, load_overlay())
    return tuple(crds)


def _check_groups(groups: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(groups))
    for name in names:
        if name not in CRD_GROUPS:
            known = ", ".join(sorted(CRD_GROUPS))
            raise CrdSourceError(f"unknown CRD group {name!r} (known: {known})")
    return names


def load_crds(groups: Iterable[str]) -> list[JSONObject]:
    """The processed CRD objects of ``groups`` (deep copies, safe to change)."""
    out: list[JSONObject] = []
    for name in _check_groups(groups):
        out.extend(copy.deepcopy(list(_load_group(name))))
    return out


# --- the overlay ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlay:
    """A parsed overlay: ``targets`` (name -> CRD name -> dotted base path) and its ``fields`` entries."""

    name: str
    targets: Mapping[str, Mapping[str, str]]
    fields: tuple[Mapping[str, Any], ...]


@functools.cache
def load_overlay(name: str = EKSA_CAPI_OVERLAY) -> Overlay:
    """Read an overlay data file of ``eksa_core/testing/data`` (see :data:`EKSA_CAPI_OVERLAY`'s header)."""
    text = resources.files("eksa_core.testing").joinpath("data", name).read_text()
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise OverlayError(f"{name}: no 'fields' list")
    targets = data.get("targets") or {}
    return Overlay(name, targets, tuple(data["fields"]))


def _schema_node(schema: JSONObject, path: str, where: str) -> JSONObject:
    """Walk a dotted path (``spec.kubeadmConfigSpec``; ``[]`` steps into array items) to an object schema."""
    node = schema
    for step in [s for s in path.split(".") if s]:
        items = step.endswith("[]")
        key = step[:-2] if items else step
        props = node.get("properties")
        if not isinstance(props, dict) or key not in props:
            raise OverlayError(f"{where}: no field {key!r} on the way to {path!r}")
        node = props[key]
        if items:
            if not isinstance(node.get("items"), dict):
                raise OverlayError(f"{where}: {key!r} is not an array on the way to {path!r}")
            node = node["items"]
    return node


def _versions(crd: JSONObject) -> Iterator[tuple[str, JSONObject]]:
    for version in crd.get("spec", {}).get("versions", []):
        schema = version.get("schema", {}).get("openAPIV3Schema")
        if isinstance(schema, dict):
            yield version["name"], schema


def _locations(overlay: Overlay, entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(CRD name, dotted path from the schema root) pairs an entry applies to."""
    target = entry["target"]
    rel = entry.get("path") or ""
    bases = overlay.targets.get(target, {target: ""})
    return [(crd, ".".join(p for p in (base, rel) if p)) for crd, base in bases.items()]


def apply_overlay(crds: Sequence[JSONObject], overlay: Overlay) -> int:
    """Add the overlay's fields to those of ``crds`` it names, in place; return how many additions were made.

    Adding a property that upstream already has, an enum value upstream already allows, or naming a version the CRD
    does not serve is an :class:`OverlayError`: the overlay only ever adds, and exactly what it says.
    """
    by_name = {crd["metadata"]["name"]: crd for crd in crds}
    count = 0
    for index, entry in enumerate(overlay.fields):
        where = f"{overlay.name} entry {index + 1} ({entry.get('target')} {entry.get('path')}.{entry.get('field')})"
        wanted = set(entry["versions"])
        for crd_name, path in _locations(overlay, entry):
            crd = by_name.get(crd_name)
            if crd is None:
                continue  # a CRD of another group
            seen = set()
            for version, schema in _versions(crd):
                if version not in wanted:
                    continue
                seen.add(version)
                node = _schema_node(schema, path, f"{where}, {crd_name} {version}")
                props = node.setdefault("properties", {})
                name = entry["field"]
                if "enum" in entry:
                    target = props.get(name)
                    if not isinstance(target, dict) or not isinstance(target.get("enum"), list):
                        raise OverlayError(f"{where}: {crd_name} {version} has no enum there")
                    for value in entry["enum"]:
                        if value in target["enum"]:
                            raise OverlayError(f"{where}: upstream {crd_name} {version} already allows {value!r}")
                        target["enum"].append(value)
                else:
                    if name in props:
                        raise OverlayError(f"{where}: upstream {crd_name} {version} already has this field")
                    props[name] = copy.deepcopy(entry["schema"])
                count += 1
            if seen != wanted:
                raise OverlayError(f"{where}: {crd_name} serves no version {', '.join(sorted(wanted - seen))}")
    return count


# --- installing ----------------------------------------------------------------------------------------------


def store_versions(crds: Sequence[JSONObject], versions: Mapping[str, str]) -> None:
    """Make ``versions[api_group]`` the storage version of each CRD of that API group, in place.

    No conversion webhook runs here (conversion is ``None``), so an object written in a served version that is not
    the storage version is relabelled and pruned by the storage version's schema on its way to etcd. Storing the
    version a test writes keeps its objects exactly as that version's schema accepts them (what the provider's
    conversion webhook would round-trip). The schemas themselves are not changed.
    """
    for crd in crds:
        wanted = versions.get(crd.get("spec", {}).get("group", ""))
        if wanted is None:
            continue
        names = [v["name"] for v in crd["spec"]["versions"]]
        if wanted not in names:
            raise CrdSourceError(f"{crd['metadata']['name']} has no version {wanted} (it has {', '.join(names)})")
        for version in crd["spec"]["versions"]:
            version["storage"] = version["name"] == wanted
            if version["name"] == wanted:
                version["served"] = True


def install_crds(
    kubeconfig: str | Path,
    groups: Iterable[str],
    *,
    timeout: float = 120.0,
    storage_versions: Mapping[str, str] | None = None,
) -> list[str]:
    """Server-side apply the CRDs of ``groups`` to the cluster of ``kubeconfig``; wait until each is Established.

    ``storage_versions`` (API group -> version) changes which version is stored (see :func:`store_versions`).
    Returns the names of the CRDs installed. Raises :class:`CrdSourceError` for an unknown group or a module that
    cannot be downloaded.
    """
    from ..kube import KubeClient

    crds = load_crds(groups)
    if storage_versions:
        store_versions(crds, storage_versions)
    with KubeClient(str(kubeconfig)) as kube:
        kube.apply(crds, field_manager="eksa-testing")
        for crd in crds:
            kube.wait_for_condition(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                crd["metadata"]["name"],
                None,
                "Established",
                timeout=timeout,
                poll_interval=0.2,
            )
    return [crd["metadata"]["name"] for crd in crds]


_INSTALLED: dict[str, set[str]] = {}


def ensure_crds(kubeconfig: str | Path, groups: Iterable[str], *, timeout: float = 120.0) -> None:
    """:func:`install_crds` for the groups not yet installed through this ``kubeconfig`` in this process."""
    done = _INSTALLED.setdefault(str(kubeconfig), set())
    missing = [g for g in _check_groups(groups) if g not in done]
    if missing:
        install_crds(kubeconfig, missing, timeout=timeout)
        done.update(missing)


def group_for_kind(api_version: str, kind: str) -> str:
    """The name of the CRD group that serves ``kind`` at ``api_version`` (``group/version``)."""
    group, _, version = api_version.partition("/")
    for name in CRD_GROUPS:
        for crd in _load_group(name):
            spec = crd.get("spec", {})
            if spec.get("group") != group or spec.get("names", {}).get("kind") != kind:
                continue
            if any(v.get("name") == version and v.get("served") for v in spec.get("versions", [])):
                return name
    raise CrdSourceError(f"no installable CRD group serves {kind} ({api_version})")
