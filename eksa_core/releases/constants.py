"""Where release data comes from by default: plain values, importable without loading the release models (the
command line's help text names them). :mod:`eksa_core.releases.build` re-exports them."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUNDLED_RELEASE_MANIFEST", "DEFAULT_CLI_VERSION", "DEFAULT_RELEASE_MANIFEST_URL"]

DEFAULT_RELEASE_MANIFEST_URL = "https://anywhere-assets.eks.amazonaws.com/releases/eks-a/manifest.yaml"
"""EKS Anywhere's production release manifest (read only through a fetcher: the library downloads nothing by
itself; the ``eksa`` command line reads it by default with :class:`~eksa_core.releases.remote.RemoteFetcher`)."""

BUNDLED_RELEASE_MANIFEST = Path(__file__).resolve().parents[1] / "data" / "releases" / "releases.yaml"
"""Release data shipped with eksa for offline use: a snapshot mirroring EKS Anywhere v0.26.1 (Kubernetes
1.30-1.36; see the README of its folder for what it holds and what it leaves out)."""

DEFAULT_CLI_VERSION = "v0.26.1"
"""The EKS Anywhere version eksa acts as (EKS Anywhere's CLI version): the release picked from a release manifest
when the cluster's ``spec.eksaVersion`` names none. The bundled snapshot mirrors this release."""
