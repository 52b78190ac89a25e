"""CloudStack conformance case kinds: ``credentials-ini`` and ``render-credentials-secrets``.

Both read ``EKSA_CLOUDSTACK_B64ENCODED_SECRET`` from the case environment and call the same functions the
provider's hooks call (:func:`~eksa_cloudstack.credentials.credentials_from_env`,
:func:`~eksa_cloudstack.templates.credentials_secrets`).
"""

from __future__ import annotations

from typing import Any

from eksa_core import hookimpl

from .credentials import credentials_from_env
from .templates import credentials_secrets

__all__ = ["eksa_conformance_case"]


@hookimpl
def eksa_conformance_case(kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """``credentials-ini`` → ``{"profiles": [...]}``; ``render-credentials-secrets`` → the Secrets."""
    env = inputs.get("env") or {}
    if kind == "credentials-ini":
        return credentials_from_env(env).to_data()
    if kind == "render-credentials-secrets":
        return credentials_secrets(credentials_from_env(env))
    return None
