""":meth:`eksa_core.testing.capi.ClusterAPI._wait_established` reads CRDs as the apiserver serves them in the
moments after creation: no object yet, ``status`` absent or null, ``conditions`` null, then Established. CI once met
``conditions: null`` and failed every Cluster API test at setup with a TypeError."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from eksa_core.testing.capi import ClusterAPI, ClusterAPIError
from eksa_core.testing.controlplane import ControlPlane


class _Served:
    """Answers ``get_or_none`` for one CRD name with each of the given objects in turn, the last one for good."""

    def __init__(self, *objects: dict[str, Any] | None) -> None:
        self._objects: Iterator[dict[str, Any] | None] = iter(objects)
        self._last: dict[str, Any] | None = None
        self.reads = 0

    def get_or_none(self, api_version: str, kind: str, name: str) -> dict[str, Any] | None:
        assert (api_version, kind, name) == ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "x.example.com")
        self.reads += 1
        self._last = next(self._objects, self._last)
        return self._last


def _established(status: str) -> dict[str, Any]:
    return {"status": {"conditions": [{"type": "Established", "status": status}]}}


def test_waits_through_every_shape_of_a_new_crd_until_established() -> None:
    client = _Served(
        None, {}, {"status": None}, {"status": {"conditions": None}}, _established("False"), _established("True")
    )
    ClusterAPI(ControlPlane(name="crd-wait"))._wait_established(client, ["x.example.com"], time.monotonic() + 30)
    assert client.reads == 6


def test_names_the_crds_still_not_established_at_the_deadline() -> None:
    client = _Served({"status": {"conditions": None}})
    with pytest.raises(ClusterAPIError, match=r"not Established .*x\.example\.com"):
        ClusterAPI(ControlPlane(name="crd-wait"))._wait_established(client, ["x.example.com"], time.monotonic())
