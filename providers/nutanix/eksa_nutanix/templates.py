"""Template-side hooks of the Nutanix provider: the clusterctl environment (``EnvMap``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from eksa_core import hookimpl
from eksa_core.errors import SpecError

from .models import NutanixDatacenterConfig
from .validate import ENV_PASSWORD, ENV_USERNAME

if TYPE_CHECKING:
    from eksa_core.context import HookContext
    from eksa_core.spec import Spec

__all__ = ["eksa_env_map", "env_map"]


def env_map(dc: NutanixDatacenterConfig, env: Mapping[str, str]) -> dict[str, str]:
    """``NUTANIX_ENDPOINT``, ``NUTANIX_USER``, ``NUTANIX_PASSWORD`` and
    ``EXP_CLUSTER_RESOURCE_SET`` for clusterctl, from ``EKSA_NUTANIX_USERNAME`` / ``EKSA_NUTANIX_PASSWORD``."""
    out: dict[str, str] = {}
    for source, target in ((ENV_USERNAME, "NUTANIX_USER"), (ENV_PASSWORD, "NUTANIX_PASSWORD")):
        value = env.get(source)
        if not value:
            raise SpecError(f"{source} is not set or is empty")
        out[target] = str(value)
    out["NUTANIX_ENDPOINT"] = dc.spec.endpoint or ""
    out["EXP_CLUSTER_RESOURCE_SET"] = "true"
    return out


@hookimpl
def eksa_env_map(spec: Spec, context: HookContext) -> dict[str, str]:
    """The clusterctl environment of a Nutanix cluster."""
    dc = spec.datacenter()
    if not isinstance(dc, NutanixDatacenterConfig):
        raise SpecError("yamlop content is invalid or does not contain kind NutanixDatacenterConfig",
                        kind=NutanixDatacenterConfig.KIND)
    return env_map(dc, context.env)
