"""The bare metal cases of the shared conformance suite (hardware-csv, render-hardware)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eksa_baremetal.conformance import eksa_conformance_case

from eksa_core.conformance.compare import compare_data, compare_manifests
from eksa_core.testing import conformance_dir
from eksa_core.yamlio import safe_load, to_plain


def _cases() -> list[dict[str, Any]]:
    base = conformance_dir(__file__)
    if base is None:
        return []
    path = base / "cases.yaml"
    data = to_plain(safe_load(path.read_text()))
    return [c for c in data["cases"] if c.get("provider") == "tinkerbell"
            and c.get("kind") in ("hardware-csv", "render-hardware")]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["id"])
def test_case(case: dict[str, Any], conformance: Path) -> None:
    result = eksa_conformance_case(kind=case["kind"], case=case, inputs={"base_dir": conformance, "env": {}})
    if case["kind"] == "render-hardware":
        expected = (conformance / case["expected"]).read_text()
        assert compare_manifests(expected, result, mode="exact") == []
    else:
        assert compare_data(case["expected_value"], to_plain(result)) == []


def test_other_kinds_are_not_handled() -> None:
    assert eksa_conformance_case(kind="credentials-ini", case={}, inputs={}) is None
