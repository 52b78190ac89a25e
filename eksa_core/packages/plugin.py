"""The curated packages add-on: the ``install-curated-packages`` step of management cluster creation (and
``upgrade-curated-packages``), as a plugin of the ``eksa.providers`` group registered by ``eksa-core``.

Unless ``spec.packages.disable`` is set ("  Package controller disabled"), it enables curated packages on the
cluster the way :func:`eksa_core.packages.manager.install_controller` does (CRDs, namespaces, the cluster's
PackageBundleController with the registries of the bundle's controller image or the registry mirror), then
applies the Package objects of ``--install-packages FILE``. Failures only warn (the workflow's task says so).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..cli_extensions import CliOption
from ..contract import CallContext, ClusterHandle, hookimpl
from .manager import PackagesError, apply_packages, install_controller

__all__ = ["INSTALL_PACKAGES_OPTION", "eksa_cli_options", "eksa_install_packages"]

#: The hook option (and ``create cluster`` flag ``--install-packages``) naming the packages file to apply.
INSTALL_PACKAGES_OPTION = "install_packages"


@hookimpl
def eksa_cli_options() -> list[CliOption]:
    """``--install-packages FILE`` on ``create cluster``."""
    return [CliOption(("--install-packages",), INSTALL_PACKAGES_OPTION, metavar="FILE",
                      help="Location of curated packages configuration files to install to the cluster")]


def _controller_image(spec: Any) -> str:
    bundle = spec.bundles.default_versions_bundle if spec.bundles is not None else spec.versions_bundle()
    image = bundle.package_controller.package_controller.uri
    if not image:
        raise PackagesError("the release bundle names no package controller image "
                            "(packageController.packageController)")
    return str(image)


def _mirror(spec: Any) -> str | None:
    mirror = spec.cluster.spec.registry_mirror_configuration
    if mirror is None or not mirror.endpoint:
        return None
    return f"{mirror.endpoint}:{mirror.port or 443}"


def _documents(location: str) -> list[dict[str, Any]]:
    try:
        return [d for d in yaml.safe_load_all(Path(location).read_text()) if d]
    except OSError as exc:
        raise PackagesError(f"reading the curated packages file {location}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PackagesError(f"the curated packages file {location} is not valid YAML: {exc}") from None


@hookimpl
def eksa_install_packages(spec: Any, cluster: ClusterHandle, context: CallContext) -> None:
    """Enable curated packages on ``cluster`` and apply ``--install-packages``."""
    packages = spec.cluster.spec.packages
    if packages is not None and packages.disable:
        context.progress("  Package controller disabled")
        return
    context.progress("Enabling curated packages on the cluster")
    image = _controller_image(spec)
    location = context.options.get(INSTALL_PACKAGES_OPTION)
    documents = _documents(str(location)) if location else []
    if context.dry_run:
        context.record("curated-packages", cluster=cluster.name, controller_image=image,
                       packages=[(d.get("metadata") or {}).get("name") for d in documents])
        return
    kube = context.kube(cluster)
    created = install_controller(kube, spec.cluster.name, image, registry_mirror=_mirror(spec),
                                 region=context.env.get("EKSA_AWS_REGION") or "us-west-2")
    context.record("curated-packages", cluster=cluster.name, objects=created)
    if documents:
        context.record("curated-packages-apply", cluster=cluster.name, packages=apply_packages(kube, documents))
