"""eksa bare metal provider: Tinkerbell kinds, static validation and the hardware catalogue from a CSV."""

from __future__ import annotations

__version__ = "0.1.0"
