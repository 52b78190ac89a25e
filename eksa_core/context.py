"""What a provider hook is handed besides the spec (kept for older imports): :class:`CallContext` (also known as
:class:`HookContext`) and :class:`ClusterHandle` are defined in :mod:`eksa_core.contract`."""

from __future__ import annotations

from .contract import CallContext, ClusterHandle, HookContext

__all__ = ["CallContext", "ClusterHandle", "HookContext"]
