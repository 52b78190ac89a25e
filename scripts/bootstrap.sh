#!/usr/bin/env bash
# Install eksa (core, every provider, the test provider, the example provider and the dev tools) into ./.venv,
# then run the main job: validate the example spec, generate a Docker cluster spec and plan its creation (dry run: nothing is touched).
# Usage: bash scripts/bootstrap.sh [--no-run]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[dev]"
for provider in providers/*/; do
  python -m pip install --quiet -e "$provider"
done
# the Snow provider's tests run a moto_server as the devices' EC2 endpoint
python -m pip install --quiet -e "providers/snow[test]"
# grpcio-tools regenerates the bare metal provider's committed gRPC stubs (its tests check they are current)
python -m pip install --quiet -e "providers/baremetal[dev]"
python -m pip install --quiet -e tests/plugins/testprovider
# the provider guide's third-party example, found only through its entry point
python -m pip install --quiet -e examples/provider-example

if [ "${1:-}" = "--no-run" ]; then
  exit 0
fi

echo "== eksa providers"
eksa providers
echo "== eksa validate -f examples/vsphere-cluster.yaml"
eksa validate -f examples/vsphere-cluster.yaml
workdir="$(mktemp -d)"
echo "== eksa generate clusterconfig dev -p docker > $workdir/dev.yaml"
eksa generate clusterconfig dev -p docker > "$workdir/dev.yaml"
cat "$workdir/dev.yaml"
echo "== eksa create cluster -f $workdir/dev.yaml --dry-run"
# offline and deterministic: the release snapshot shipped with eksa instead of EKS Anywhere's public manifest
# (set EKSA_DEFAULT_RELEASE_MANIFEST to a URL to read that instead)
(cd "$workdir" && EKSA_DEFAULT_RELEASE_MANIFEST="${EKSA_DEFAULT_RELEASE_MANIFEST:-bundled}" \
  eksa create cluster -f dev.yaml --dry-run)
