"""``python -m eksa_core.conformance CASES.yaml [--json OUT] [-k TEXT]``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ..errors import EksaError
from .cases import load_case_file
from .runner import run_case, summary_line


def main(argv: list[str] | None = None) -> int:
    """Run a cases file; returns the exit status (0 when no case failed, 1 otherwise, 2 for bad usage)."""
    parser = argparse.ArgumentParser(prog="python -m eksa_core.conformance",
                                     description="Run EKS Anywhere conformance cases against eksa and its plugins.")
    parser.add_argument("cases", type=Path, help="a cases.yaml file")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON to OUT")
    parser.add_argument("-k", dest="keyword", help="run only cases whose id, kind or provider contains TEXT")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    try:
        case_file = load_case_file(args.cases)
    except EksaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = []
    for case in case_file.cases:
        if args.keyword and not any(args.keyword in s for s in (case.id, case.kind, case.provider)):
            continue
        result = run_case(case)
        results.append(result)
        print(result.line(), flush=True)
    line = summary_line(results)
    print(line)
    if args.json:
        args.json.write_text(json.dumps({"summary": line, "results": [r.to_dict() for r in results]}, indent=2))
    return 1 if any(r.status == "FAIL" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
