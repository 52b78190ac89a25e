"""The contract tests need the test provider installed (its entry point is what they check)."""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("eksa_testprovider") is None:  # pragma: no cover - setup problem
    raise pytest.UsageError("the test provider is not installed: run `pip install -e tests/plugins/testprovider`")
