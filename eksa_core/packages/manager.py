"""Curated packages on a cluster, as EKS Anywhere's ``eksctl anywhere`` package commands handle them: the
custom resources (Package in ``eksa-packages-<cluster>``, PackageBundle and PackageBundleController in
``eksa-packages``) created, read, changed and removed through the Kubernetes API.

The package controller itself is a Helm chart from an OCI registry (the bundle's ``packageController.helmChart``);
:func:`install_controller` sets up what the CLI owns around it (the CRDs, namespaces and the cluster's
PackageBundleController with the registries EKS Anywhere derives from the controller image) and does not run Helm.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from ..convert import structure, unstructure
from ..errors import EksaError
from ..kube import KubeClient
from .crds import package_crds
from .models import PACKAGES_API_VERSION, Package, PackageBundle, PackageBundleController, PackageSpec

__all__ = [
    "CONTROLLER_NAMESPACE",
    "GENERATED_PREFIX",
    "PackagesError",
    "active_bundle",
    "active_controller",
    "apply_packages",
    "bundle_table",
    "delete_packages",
    "describe_packages",
    "generate_packages",
    "get_packages",
    "install_controller",
    "install_package",
    "package_config",
    "packages_namespace",
    "packages_table",
    "registries",
    "upgrade_bundle",
]

CONTROLLER_NAMESPACE = "eksa-packages"
#: The name prefix of the Package objects ``generate packages`` writes (EKS Anywhere's ``generated-``).
GENERATED_PREFIX = "generated-"
_PLURAL = f"packages.{PACKAGES_API_VERSION.partition('/')[0]}"


class PackagesError(EksaError):
    """A package command cannot do what it was asked (no controller, unknown package, bad --set...)."""


def packages_namespace(cluster: str) -> str:
    """``eksa-packages-<cluster>``: where a cluster's Package objects live."""
    return f"{CONTROLLER_NAMESPACE}-{cluster}"


def _plain(obj: Any) -> dict[str, Any]:
    data = unstructure(obj)
    meta = data.get("metadata") or {}
    for key in ("managedFields", "resourceVersion", "uid", "generation", "creationTimestamp"):
        meta.pop(key, None)
    return data  # type: ignore[no-any-return]


def _load(data: Mapping[str, Any], cls: type[Any]) -> Any:
    live = dict(data)
    meta = dict(live.get("metadata") or {})
    meta.pop("managedFields", None)
    live["metadata"] = meta
    return structure(live, cls)


def active_controller(kube: KubeClient, cluster: str) -> PackageBundleController:
    """The cluster's PackageBundleController (``eksa-packages/<cluster>``)."""
    found = kube.get_or_none(PACKAGES_API_VERSION, "PackageBundleController", cluster, CONTROLLER_NAMESPACE)
    if found is None:
        raise PackagesError(f"package bundle controller {cluster} not found in namespace {CONTROLLER_NAMESPACE}; "
                            "install the package controller first (eksa install packagecontroller)")
    return _load(found, PackageBundleController)  # type: ignore[no-any-return]


def active_bundle(kube: KubeClient, cluster: str) -> PackageBundle:
    """The PackageBundle the cluster's controller names as active."""
    name = active_controller(kube, cluster).spec.active_bundle
    if not name:
        raise PackagesError("no bundle name specified")
    found = kube.get_or_none(PACKAGES_API_VERSION, "PackageBundle", name, CONTROLLER_NAMESPACE)
    if found is None:
        raise PackagesError(f"package bundle {name} not found in namespace {CONTROLLER_NAMESPACE}")
    return _load(found, PackageBundle)  # type: ignore[no-any-return]


def bundle_table(bundle: PackageBundle) -> str:
    """``list packages``: each package of the bundle and its versions."""
    rows = [("Package", "Version(s)"), ("-------", "----------")]
    rows += [(p.name or "", ", ".join(p.version_names())) for p in bundle.spec.packages or []]
    width = max(len(r[0]) for r in rows)
    return "".join(f"{a.ljust(width)}  {b}".rstrip() + "\n" for a, b in rows)


def package_config(settings: Sequence[str]) -> str:
    """The ``config`` YAML of ``--set key=value`` pairs (dotted keys nest: ``a.b=1`` -> ``a: {b: "1"}``)."""
    tree: dict[str, Any] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PackagesError(f"please specify {item} as key=value")
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise PackagesError(f"invalid --set {item!r}: {part} is already set to a value")
            node = child
        node[parts[-1]] = value
    return yaml.safe_dump(tree, sort_keys=True) if tree else ""


def _package(bundle: PackageBundle, package: str, name: str, cluster: str, config: str = "",
             version: str | None = None) -> Package:
    pkg = bundle.package(package)
    if pkg is None:
        raise PackagesError(f"package {package} not found")
    if version and version not in pkg.version_names():
        raise PackagesError(f"package {package} has no version {version} (bundle {bundle.name}: "
                            f"{', '.join(pkg.version_names()) or 'none'})")
    obj = Package(spec=PackageSpec(package_name=pkg.name, package_version=version or None, config=config or None))
    obj.metadata.name = name
    obj.metadata.namespace = packages_namespace(cluster)
    return obj


def generate_packages(bundle: PackageBundle, names: Iterable[str], cluster: str) -> list[Package]:
    """``generate packages``: a Package named ``generated-<name>`` for each bundle package named."""
    out = []
    for name in names:
        if bundle.package(name) is None:
            raise PackagesError(f'unknown package "{name}"')
        out.append(_package(bundle, name, GENERATED_PREFIX + name.lower(), cluster))
    return out


def _ensure_namespace(kube: KubeClient, name: str) -> None:
    if kube.get_or_none("v1", "Namespace", name) is None:
        kube.create_namespace(name)


def install_package(kube: KubeClient, cluster: str, package: str, *, name: str | None = None,
                    settings: Sequence[str] = (), version: str | None = None) -> str:
    """``install package``: create the Package (it must not exist yet) from the active bundle; returns kubectl's
    line ``package.packages.eks.amazonaws.com/<name> created``."""
    bundle = active_bundle(kube, cluster)
    obj = _package(bundle, package, name or package.lower(), cluster, package_config(settings), version)
    _ensure_namespace(kube, packages_namespace(cluster))
    kube.create(_plain(obj))
    return f"{_PLURAL}/{obj.metadata.name} created"


def apply_packages(kube: KubeClient, documents: Sequence[Mapping[str, Any]]) -> list[str]:
    """``apply package -f FILE``: server-side apply each Package of the file (validated by the model first)."""
    lines = []
    for doc in documents:
        if doc.get("kind") != "Package" or doc.get("apiVersion") != PACKAGES_API_VERSION:
            raise PackagesError(f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}: only Package "
                                f"objects ({PACKAGES_API_VERSION}) can be applied")
        obj: Package = structure(dict(doc), Package)
        if not obj.metadata.name or not obj.metadata.namespace:
            raise PackagesError("a Package needs metadata.name and metadata.namespace (eksa-packages-<cluster>)")
        existed = kube.get_or_none(PACKAGES_API_VERSION, "Package", obj.metadata.name, obj.metadata.namespace)
        _ensure_namespace(kube, obj.metadata.namespace)
        kube.apply(_plain(obj), field_manager="eks-a-cli")
        lines.append(f"{_PLURAL}/{obj.metadata.name} {'configured' if existed else 'created'}")
    return lines


def get_packages(kube: KubeClient, cluster: str, names: Sequence[str] = ()) -> list[Package]:
    """The cluster's Package objects (all, or those named)."""
    namespace = packages_namespace(cluster)
    if names:
        out = []
        for name in names:
            found = kube.get_or_none(PACKAGES_API_VERSION, "Package", name, namespace)
            if found is None:
                raise PackagesError(f'packages.packages.eks.amazonaws.com "{name}" not found')
            out.append(_load(found, Package))
        return out
    return [_load(o, Package) for o in kube.list(PACKAGES_API_VERSION, "Package", namespace)]


def packages_table(packages: Sequence[Package]) -> str:
    """``get packages``: NAME PACKAGE STATE CURRENTVERSION TARGETVERSION DETAIL."""
    rows = [("NAME", "PACKAGE", "STATE", "CURRENTVERSION", "TARGETVERSION", "DETAIL")]
    for p in packages:
        st = p.status
        rows.append((p.metadata.name or "", p.spec.package_name or "", (st.state if st else None) or "",
                     (st.current_version if st else None) or "", (st.target_version if st else None) or "",
                     (st.detail if st else None) or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("   ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n" for r in rows)


def describe_packages(kube: KubeClient, cluster: str, names: Sequence[str] = ()) -> str:
    """``describe packages``: every field of each package, as ``kubectl describe`` lays them out."""
    packages = get_packages(kube, cluster, names)
    if not packages:
        raise PackagesError("no resources found")
    blocks = []
    for p in packages:
        data = _plain(p)
        body = yaml.safe_dump({k: data[k] for k in ("spec", "status") if data.get(k)}, sort_keys=False)
        blocks.append(f"Name:         {p.metadata.name}\nNamespace:    {p.metadata.namespace}\n"
                      f"API Version:  {PACKAGES_API_VERSION}\nKind:         Package\n{body}")
    return "\n".join(blocks)


def delete_packages(kube: KubeClient, cluster: str, names: Sequence[str]) -> list[str]:
    """``delete package NAME...``: kubectl's ``package.packages.eks.amazonaws.com "<name>" deleted`` lines."""
    namespace = packages_namespace(cluster)
    lines = []
    for name in names:
        if kube.get_or_none(PACKAGES_API_VERSION, "Package", name, namespace) is None:
            raise PackagesError(f'packages.packages.eks.amazonaws.com "{name}" not found')
        kube.delete(PACKAGES_API_VERSION, "Package", name, namespace)
        lines.append(f'{_PLURAL} "{name}" deleted')
    return lines


def upgrade_bundle(kube: KubeClient, cluster: str, bundle_version: str) -> str:
    """``upgrade packages --bundle-version V``: make ``V`` the controller's active bundle (it must exist)."""
    controller = active_controller(kube, cluster)
    if kube.get_or_none(PACKAGES_API_VERSION, "PackageBundle", bundle_version, CONTROLLER_NAMESPACE) is None:
        raise PackagesError(f"package bundle {bundle_version} not found in namespace {CONTROLLER_NAMESPACE}")
    controller.spec.active_bundle = bundle_version
    kube.apply(_plain(controller), field_manager="eks-a-cli")
    return f"packagebundlecontroller.packages.eks.amazonaws.com/{cluster} configured"


#: The curated packages' private ECR (EKS Anywhere's default image registry, region us-west-2).
PACKAGES_ECR = "783794618700.dkr.ecr.us-west-2.amazonaws.com"
DEFAULT_REGION = "us-west-2"


def registries(controller_image: str, *, registry_mirror: str | None = None,
               region: str = DEFAULT_REGION) -> tuple[str, str]:
    """The controller's ``defaultRegistry`` and ``defaultImageRegistry`` as EKS Anywhere chooses them.

    Without a mirror: the public alias the controller image comes from (``public.ecr.aws/<alias>``) and the
    packages ECR of ``region`` (``EKSA_AWS_REGION``). With a registry mirror (``host:port``): the mirror's copy of
    that alias, ``<mirror>/<alias>``, for the bundles, and the ECR for images (EKS Anywhere's choice when the mirror
    maps no namespace to the ECR).
    """
    registry, _, rest = controller_image.partition("/")
    alias = rest.split("/", 1)[0] if "/" in rest else ""
    image_registry = PACKAGES_ECR.replace(DEFAULT_REGION, region) if region else PACKAGES_ECR
    if registry_mirror:
        return (f"{registry_mirror}/{alias}" if alias else registry_mirror), image_registry
    return (f"{registry}/{alias}" if alias else registry), image_registry


def install_controller(kube: KubeClient, cluster: str, controller_image: str, *,
                       registry_mirror: str | None = None, region: str = DEFAULT_REGION,
                       bundles: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """``install packagecontroller``: the packages CRDs, the ``eksa-packages`` and ``eksa-packages-<cluster>``
    namespaces and the cluster's PackageBundleController (default registries from the bundle's controller image,
    or the registry mirror). ``bundles`` are PackageBundle objects to add (the first becomes the active one when
    the controller has none). Returns what was created."""
    from ..crds import install_crds

    names = install_crds(kube, package_crds())
    for ns in (CONTROLLER_NAMESPACE, packages_namespace(cluster)):
        _ensure_namespace(kube, ns)
    for doc in bundles:
        bundle: PackageBundle = structure(dict(doc), PackageBundle)
        bundle.metadata.namespace = CONTROLLER_NAMESPACE
        kube.apply(_plain(bundle), field_manager="eks-a-cli")
        names.append(f"packagebundle/{bundle.metadata.name}")
    default_registry, image_registry = registries(controller_image, registry_mirror=registry_mirror, region=region)
    existing = kube.get_or_none(PACKAGES_API_VERSION, "PackageBundleController", cluster, CONTROLLER_NAMESPACE)
    controller = (_load(existing, PackageBundleController) if existing else PackageBundleController())
    controller.metadata.name = cluster
    controller.metadata.namespace = CONTROLLER_NAMESPACE
    controller.spec.default_registry = controller.spec.default_registry or default_registry
    controller.spec.default_image_registry = controller.spec.default_image_registry or image_registry
    if not controller.spec.active_bundle and bundles:
        controller.spec.active_bundle = str((bundles[0].get("metadata") or {}).get("name"))
    controller.status = None
    kube.apply(_plain(controller), field_manager="eks-a-cli")
    names.append(f"packagebundlecontroller/{cluster}")
    return names


def to_yaml(packages: Sequence[Package]) -> str:
    """Package objects as multi-document YAML (what ``generate packages`` prints)."""
    return yaml.safe_dump_all([_plain(p) for p in packages], sort_keys=False)


def to_json(packages: Sequence[Package]) -> str:
    """Package objects as a JSON list (``get packages -o json``)."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [_plain(p) for p in packages]}, indent=2) + "\n"
