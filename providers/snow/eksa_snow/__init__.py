"""eksa AWS Snow provider: Snow kinds, static validation and device credentials."""

from __future__ import annotations

__version__ = "0.1.0"
