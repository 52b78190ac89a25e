"""The pluggy markers of the provider contract (kept for older imports).

The hook specifications, grouped by phase, their documentation and the order in which the workflows call them
are in :mod:`eksa_core.contract`; providers mark their implementations with :data:`hookimpl` from either module.
"""

from __future__ import annotations

from .contract import ENTRY_POINT_GROUP, PROJECT_NAME, hookimpl, hookspec

__all__ = ["ENTRY_POINT_GROUP", "PROJECT_NAME", "hookimpl", "hookspec"]
