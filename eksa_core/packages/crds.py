"""The curated packages CRDs, derived from the models (:mod:`eksa_core.packages.models`) by the core's CRD
generator (:func:`eksa_core.crds.schema_for`), in group ``packages.eks.amazonaws.com``.

EKS Anywhere installs the CRDs generated in ``github.com/aws/eks-anywhere-packages`` with the package
controller's chart, which eksa does not install yet; until it does, the CLI installs these, which carry the schema
of our models (the same wire names, required fields and enums), so they accept what the CLI writes and refuse what
the models refuse. Tests also have the real ones (CRD group ``packages`` of :mod:`eksa_core.testing.crds`).
"""

from __future__ import annotations

from typing import Any

from ..crds import schema_for
from .models import PACKAGES_API_VERSION, Package, PackageBundle, PackageBundleController

__all__ = ["PACKAGE_KINDS", "package_crds"]

GROUP, _, VERSION = PACKAGES_API_VERSION.partition("/")
#: (model, plural, short names) of each kind.
PACKAGE_KINDS: tuple[tuple[type, str, list[str]], ...] = (
    (Package, "packages", ["pkg"]),
    (PackageBundle, "packagebundles", ["pb"]),
    (PackageBundleController, "packagebundlecontrollers", ["pbc"]),
)


def package_crds() -> list[dict[str, Any]]:
    """The CustomResourceDefinitions of Package, PackageBundle and PackageBundleController."""
    out = []
    for cls, plural, short in PACKAGE_KINDS:
        kind = cls.KIND  # type: ignore[attr-defined]
        schema = schema_for(cls, kind=kind)
        version: dict[str, Any] = {"name": VERSION, "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": schema}, "subresources": {"status": {}}}
        out.append({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{GROUP}"},
            "spec": {"group": GROUP, "scope": "Namespaced", "versions": [version],
                     "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                               "singular": kind.lower(), "shortNames": short}},
        })
    return out
