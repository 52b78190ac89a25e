"""PackageBundle documents the package tests install (two bundles, as the controller would have pulled)."""

from __future__ import annotations

from typing import Any


def bundle(name: str, harbor_versions: list[str]) -> dict[str, Any]:
    """A PackageBundle with harbor (the given versions) and hello-eks-anywhere."""
    return {
        "apiVersion": "packages.eks.amazonaws.com/v1alpha1", "kind": "PackageBundle",
        "metadata": {"name": name, "namespace": "eksa-packages"},
        "spec": {"packages": [
            {"name": "harbor", "source": {
                "registry": "public.ecr.aws/eks-anywhere", "repository": "harbor/harbor-helm",
                "versions": [{"name": v, "digest": f"sha256:{i:064x}",
                              "images": [{"repository": "harbor/harbor-core", "digest": f"sha256:{i + 9:064x}"}]}
                             for i, v in enumerate(harbor_versions, start=1)]}},
            {"name": "hello-eks-anywhere", "source": {
                "registry": "public.ecr.aws/eks-anywhere", "repository": "hello-eks-anywhere",
                "versions": [{"name": "0.1.2-a6847010915747a9fc8a412b233a2b1ee608ae76",
                              "digest": "sha256:" + "c" * 64}]}},
        ]},
    }
