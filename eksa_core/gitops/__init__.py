"""GitOps with Flux, as EKS Anywhere does it: the repository layout and objects (:mod:`.flux`), a git working
copy driven through the git CLI (:mod:`.git`) and the add-on plugin implementing the workflow hooks
(:mod:`.plugin`, registered in the ``eksa.providers`` entry-point group through :mod:`eksa_core.addons`)."""

from __future__ import annotations

from .flux import FluxSettings, GitOpsError, cluster_files, components, flux_system_files, sync_objects
from .git import GitCredentials, GitError, GitRepository

__all__ = [
    "FluxSettings",
    "GitCredentials",
    "GitError",
    "GitOpsError",
    "GitRepository",
    "cluster_files",
    "components",
    "flux_system_files",
    "sync_objects",
]
