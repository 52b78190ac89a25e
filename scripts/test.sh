#!/usr/bin/env bash
# Run every check: lint (ruff), types (mypy on eksa_core and the providers), the whole pytest suite (core, providers, the
# conformance cases) and the conformance runner itself over the public cases.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/bootstrap.sh --no-run
fi
. .venv/bin/activate

echo "== ruff"
ruff check .
echo "== mypy (eksa_core and every provider package)"
mypy eksa_core
for plugin in providers/*/eksa_*/plugin.py examples/provider-example/eksa_*/plugin.py; do
  mypy --ignore-missing-imports "$(dirname "$plugin")"
done
cases="${EKSA_CONFORMANCE_DIR:-tests/conformance/data}/cases.yaml"
echo "== conformance runner: $cases"
# the runner exits non-zero when a case fails; that fails this command
if ! python -m eksa_core.conformance "$cases" --json .conformance-results.json > .conformance-results.txt; then
  grep '^FAIL' .conformance-results.txt || true
  tail -n 1 .conformance-results.txt
  echo "conformance runner failed" >&2
  exit 1
fi
tail -n 1 .conformance-results.txt
echo "== pytest"
python -m pytest -q "$@"
