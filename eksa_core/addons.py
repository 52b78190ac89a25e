"""The add-ons that ship with ``eksa-core``, as one plugin of the ``eksa.providers`` entry-point group (a
distribution registers each plugin under its own name, so the core's add-ons are one module): GitOps with Flux
(:mod:`eksa_core.gitops.plugin`) and curated packages (:mod:`eksa_core.packages.plugin`).

The implementations are named with :func:`~eksa_core.lazyhooks.lazy_hook`, so discovering the installed plugins
imports neither add-on (nor the git, GitHub and Flux code and the HTTP client behind them) until a hook is called.
"""

from __future__ import annotations

from .lazyhooks import lazy_hook

__all__ = [
    "eksa_cleanup_gitops",
    "eksa_cli_options",
    "eksa_install_gitops",
    "eksa_install_packages",
    "eksa_pause_gitops_reconcile",
    "eksa_resume_gitops_reconcile",
]

_GITOPS = ".gitops.plugin"
_PACKAGES = ".packages.plugin"

eksa_cleanup_gitops = lazy_hook(__name__, _GITOPS, "eksa_cleanup_gitops")
eksa_install_gitops = lazy_hook(__name__, _GITOPS, "eksa_install_gitops")
eksa_pause_gitops_reconcile = lazy_hook(__name__, _GITOPS, "eksa_pause_gitops_reconcile")
eksa_resume_gitops_reconcile = lazy_hook(__name__, _GITOPS, "eksa_resume_gitops_reconcile")
eksa_cli_options = lazy_hook(__name__, _PACKAGES, "eksa_cli_options")
eksa_install_packages = lazy_hook(__name__, _PACKAGES, "eksa_install_packages")
