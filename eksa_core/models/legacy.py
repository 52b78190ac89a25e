"""Kinds EKS Anywhere still parses but no longer provisions."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ..convert import field
from .base import DatacenterConfigObject

__all__ = ["AWSDatacenterConfig", "AWSDatacenterConfigSpec"]


@attrs.define
class AWSDatacenterConfigSpec:
    region: str | None = field()
    ami_id: str | None = field(wire="amiID")


@attrs.define(kw_only=True)
class AWSDatacenterConfig(DatacenterConfigObject):
    """Legacy AWS datacenter kind: readable, not provisionable (no provider implements it)."""

    KIND: ClassVar[str] = "AWSDatacenterConfig"
    spec: AWSDatacenterConfigSpec = field(factory=AWSDatacenterConfigSpec)
    status: dict[str, Any] | None = field()
