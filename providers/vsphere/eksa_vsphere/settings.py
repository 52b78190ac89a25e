"""The vSphere provider's typed settings of a call (``context.settings(VSphereSettings)``): an SDK user passes
``WorkflowOptions(hook_options={"settings": [VSphereSettings(timeout=60)]})``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from eksa_core.provider import HookContext

__all__ = ["VSphereSettings", "timeout_of"]


@attrs.frozen
class VSphereSettings:
    """Tuning of the vSphere hooks.

    :ivar timeout: seconds one vCenter request may take (``None``: the caller's default, 30 for the cleanup).
    """

    timeout: float | None = None


def timeout_of(context: HookContext, default: float) -> float:
    """The vCenter request timeout of the call: its :class:`VSphereSettings`' or ``default``."""
    settings = context.settings(VSphereSettings)
    return float(settings.timeout) if settings is not None and settings.timeout is not None else default
