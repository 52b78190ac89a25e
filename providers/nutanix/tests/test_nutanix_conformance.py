"""Every Nutanix ``validate-datacenter`` case of the shared cases file, through the provider's conformance hook
(which runs the real Prism client against a Prism Central double seeded from the case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eksa_nutanix import plugin
from eksa_nutanix_testlib import conformance_dir

from eksa_core.errors import EksaError
from eksa_core.plugins import Plugins
from eksa_core.yamlio import read_text, safe_load


def _cases() -> list[dict[str, Any]]:
    base = conformance_dir()
    if base is None:
        return []
    data = safe_load(read_text(base / "cases.yaml"))
    return [c for c in data["cases"] if c.get("provider") == "nutanix" and c.get("kind") == "validate-datacenter"]


CASES = _cases()


@pytest.mark.skipif(not CASES, reason="conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_validate_datacenter_case(case: dict[str, Any], nutanix_conformance: Path) -> None:
    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-nutanix")
    hooks = plugins.provider("nutanix")
    inputs = {"base_dir": nutanix_conformance, "spec": None, "env": {}}
    if case.get("expected_error"):
        with pytest.raises(EksaError) as info:
            hooks.eksa_conformance_case(kind=case["kind"], case=case, inputs=inputs)
        assert case["expected_error"] in str(info.value)
    else:
        result = hooks.eksa_conformance_case(kind=case["kind"], case=case, inputs=inputs)
        assert result["valid"] is True and result["prism_round_trips"] >= 1


def test_other_kinds_are_not_handled() -> None:
    assert plugin.eksa_conformance_case(kind="hardware-csv", case={}, inputs={}) is None
