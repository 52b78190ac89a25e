"""The bare metal provider's typed settings of a call: what an SDK user (or a test) tunes beyond the spec.

A caller passes a :class:`TinkerbellSettings` among the call's settings (``WorkflowOptions(hook_options={"settings":
[TinkerbellSettings(...)]})``, or ``CallContext(options={"settings": [...]})``); the hooks read it with
:func:`settings_of` (``context.settings(TinkerbellSettings)``, the defaults when none was given). The command
line's own options (``--hardware-csv``, ``--tinkerbell-bootstrap-ip``) stay run options, not settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from eksa_core.provider import HookContext

__all__ = ["TinkerbellSettings", "settings_of"]


@attrs.frozen
class TinkerbellSettings:
    """Tuning of the bare metal hooks; every field's ``None`` means the provider's default.

    :ivar local_ports: the local ports a management create needs free (default: EKS Anywhere's 80, 42113, 7172...).
    :ivar local_host: where those ports are looked up (default ``127.0.0.1``).
    :ivar ip_check_port: the port the "IP in use" checks connect to (default 80).
    :ivar dialer: how those checks connect (a ``Dialer`` of :mod:`eksa_baremetal.setup`; default a TCP connect).
    :ivar bmc_timeout: seconds to wait for the BMCs to be contactable (default 300).
    :ivar stack_installer: the ``StackInstaller`` of the bootstrap Tinkerbell stack (default Helm and docker).
    :ivar clock: the clock of the BMC wait (default the Kubernetes client's).
    :ivar sleep: the sleep of the BMC wait (default the Kubernetes client's).
    :ivar grpc_target: ``host:port`` of tink-server (default: derived from the spec).
    :ivar grpc_tls: the ``TLSOptions`` of the tink-server connection (default plain text).
    :ivar poll_interval: seconds between two looks at the machines' workflows (default 5).
    """

    local_ports: tuple[int, ...] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else tuple(int(p) for p in v))
    local_host: str | None = None
    ip_check_port: int | None = None
    dialer: Callable[..., Any] | None = None
    bmc_timeout: float | None = None
    stack_installer: Any = None
    clock: Callable[[], float] | None = None
    sleep: Callable[[float], None] | None = None
    grpc_target: str | None = None
    grpc_tls: Any = None
    poll_interval: float | None = None


def settings_of(context: HookContext) -> TinkerbellSettings:
    """The call's :class:`TinkerbellSettings` (all defaults when the caller gave none)."""
    return context.settings(TinkerbellSettings) or TinkerbellSettings()
