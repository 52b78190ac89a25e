#!/usr/bin/env bash
# Build (or find in the component cache) every real component the tests run, one after the other (Go builds are
# CPU-heavy: never two at once), and print each component's bin directory as NAME=DIR on stdout.
# Usage: bash tools/components/build-all.sh [component...]   (default: every tools/components/*/build.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "$#" -gt 0 ]; then
    components=("$@")
else
    components=()
    for script in "$here"/*/build.sh; do
        components+=("$(basename "$(dirname "$script")")")
    done
fi

for component in "${components[@]}"; do
    start=$(date +%s)
    dir="$(bash "$here/$component/build.sh")"
    echo "build-all: $component ready in $(( $(date +%s) - start ))s: $dir" >&2
    echo "$component=$dir"
done
