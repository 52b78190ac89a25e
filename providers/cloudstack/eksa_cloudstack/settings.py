"""The CloudStack provider's typed settings of a call (``context.settings(CloudStackSettings)``)."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["CloudStackSettings"]


@attrs.frozen
class CloudStackSettings:
    """Tuning of the CloudStack hooks.

    :ivar client_factory: builds the API client of a credentials profile (a ``ClientFactory`` of
        :mod:`eksa_cloudstack.live`, e.g. to set timeouts or a custom ``requests.Session``); default
        ``CloudStackClient.from_profile``.
    """

    client_factory: Any = None
