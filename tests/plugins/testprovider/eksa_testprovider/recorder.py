"""Every hook call of the test provider, in order, and failures to inject into hooks.

:data:`CALLS` holds one :class:`HookCall` per call (hook name and the cluster handle's name where the hook gets
one). :data:`FAIL` maps a hook name to the exception that hook raises next (once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CALLS", "FAIL", "HookCall", "record", "reset"]


@dataclass(frozen=True)
class HookCall:
    """One call of a hook: its name and, for lifecycle hooks, the cluster it was called on."""

    hook: str
    cluster: str | None = None
    dry_run: bool | None = None


CALLS: list[HookCall] = []
FAIL: dict[str, BaseException] = {}


def record(hook: str, cluster: Any = None, context: Any = None) -> None:
    """Note a call (and raise the failure injected for this hook, if any)."""
    CALLS.append(HookCall(hook, getattr(cluster, "name", None), getattr(context, "dry_run", None)))
    failure = FAIL.pop(hook, None)
    if failure is not None:
        raise failure


def reset() -> None:
    """Forget the calls and the injected failures."""
    CALLS.clear()
    FAIL.clear()
