"""The Docker provider's kind: ``DockerDatacenterConfig`` (its spec has no fields)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from eksa_core.models import DatacenterConfigObject
from eksa_core.provider import field

__all__ = ["DockerDatacenterConfig", "DockerDatacenterConfigSpec"]


@attrs.define
class DockerDatacenterConfigSpec:
    """``DockerDatacenterConfig.spec``: empty. Any field in it is an unknown-field error (strict decoding)."""


@attrs.define(kw_only=True)
class DockerDatacenterConfig(DatacenterConfigObject):
    """Selects the Docker provider (``Cluster.spec.datacenterRef.kind: DockerDatacenterConfig``).

    ``spec`` may be written as ``spec:`` (null) or ``spec: {}``; a generated one is ``spec: {}``.
    """

    KIND: ClassVar[str] = "DockerDatacenterConfig"

    spec: DockerDatacenterConfigSpec | None = field(factory=DockerDatacenterConfigSpec)
    status: dict[str, Any] | None = field()
