"""Every public conformance case of tests/conformance/data (carried in the repository), through the runner."""

from __future__ import annotations

import pytest

from eksa_core.conformance.cases import Case, load_case_file
from eksa_core.conformance.runner import run_case
from tests.conftest import conformance_dir

_dir = conformance_dir()
CASES: list[Case] = load_case_file(_dir / "cases.yaml").cases if _dir else []


@pytest.mark.skipif(not CASES, reason="conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    result = run_case(case)
    if result.status == "SKIP":
        pytest.skip(result.detail)
    assert result.status == "PASS", result.detail
