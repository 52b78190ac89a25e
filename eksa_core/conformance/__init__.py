"""The conformance runner: checks eksa (and any provider plugin) against EKS Anywhere's behaviour.

``python -m eksa_core.conformance CASES.yaml [--json OUT] [-k TEXT]`` runs every case of a cases file in the
format of EKS Anywhere's public fixtures (see that folder's README), prints one line per case starting with
PASS, FAIL or SKIP and ends with ``N passed, M failed, K skipped``. The exit status is 0 only when nothing failed.
Provider authors run it on their own case files.
"""

from __future__ import annotations

from .cases import Case, CaseFile, case_environment, load_case_file
from .compare import compare_data, compare_manifests, error_matches
from .runner import CaseResult, apply_mutations, build_case_spec, run_case, run_case_file, summary_line

__all__ = [
    "Case",
    "CaseFile",
    "CaseResult",
    "apply_mutations",
    "build_case_spec",
    "case_environment",
    "compare_data",
    "compare_manifests",
    "error_matches",
    "load_case_file",
    "run_case",
    "run_case_file",
    "summary_line",
]
