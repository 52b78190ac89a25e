"""The controller tests' fixtures (:mod:`tests.controller.helpers`)."""

from __future__ import annotations

from tests.controller.helpers import management, namespace, plane, plane_namespace  # noqa: F401
