"""vSphere conformance cases that the core runner hands to the provider.

``validate-datacenter``: read the case's input file, apply the vSphere defaults and run the static validation of
its ``VSphereDatacenterConfig`` (the same functions as :func:`~eksa_vsphere.validation.eksa_set_defaults` and
:func:`~eksa_vsphere.validation.eksa_validate_config`). Returns the defaulted datacenter config as plain data, or
raises :class:`~eksa_core.errors.SpecErrors`. ``render-failure-domains`` is answered by
:mod:`eksa_vsphere.templates`; other kinds get ``None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eksa_core import hookimpl
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.provider import unstructure

from .models import VSphereDatacenterConfig

__all__ = ["eksa_conformance_case", "validate_datacenter_file"]


def validate_datacenter_file(path: Path) -> dict[str, Any]:
    """Defaults + static validation of the ``VSphereDatacenterConfig`` of a spec file; its defaulted data."""
    from eksa_core import Plugins
    from eksa_core.provider import load_cluster_config

    from . import plugin
    from .validation import eksa_set_defaults, eksa_validate_config

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-vsphere")
    config = load_cluster_config(path, registry=plugins.registry)
    datacenters = config.of_kind(VSphereDatacenterConfig)
    if not datacenters:
        raise SpecErrors([SpecError("yamlop content is invalid or does not contain kind VSphereDatacenterConfig",
                                    kind=VSphereDatacenterConfig.KIND, file=str(path))])
    eksa_set_defaults(config)
    errors = [e for e in eksa_validate_config(config) if not e.warning and e.kind == VSphereDatacenterConfig.KIND]
    if errors:
        raise SpecErrors(errors, summary="VSphereDatacenterConfig is invalid")
    return dict(unstructure(datacenters[0]))


@hookimpl
def eksa_conformance_case(kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Run vSphere conformance cases (see the module docstring); ``None`` for kinds the provider does not handle."""
    if kind == "validate-datacenter":
        return validate_datacenter_file(Path(inputs["base_dir"]) / str(case["input"]))
    # one plugin module has one implementation of the hook: the template module's kinds are reached from here
    from . import templates

    return templates.eksa_conformance_case(kind=kind, case=case, inputs=inputs)
