"""The add-ons that ship with ``eksa-core``, as one plugin of the ``eksa.providers`` entry-point group (a
distribution registers each plugin under its own name, so the core's add-ons are one module): GitOps with Flux
(:mod:`eksa_core.gitops.plugin`) and curated packages (:mod:`eksa_core.packages.plugin`)."""

from __future__ import annotations

from .gitops.plugin import (
    eksa_cleanup_gitops,
    eksa_install_gitops,
    eksa_pause_gitops_reconcile,
    eksa_resume_gitops_reconcile,
)
from .packages.plugin import eksa_cli_options, eksa_install_packages

__all__ = [
    "eksa_cleanup_gitops",
    "eksa_cli_options",
    "eksa_install_gitops",
    "eksa_install_packages",
    "eksa_pause_gitops_reconcile",
    "eksa_resume_gitops_reconcile",
]
