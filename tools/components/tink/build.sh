#!/usr/bin/env bash
# Build Tinkerbell's tink-server and tink-controller (github.com/tinkerbell/tink, the version EKS Anywhere ships)
# and rufio's BMC controller (github.com/tinkerbell/rufio, the version that tink release requires) from their Go
# modules, and print the directory holding the binaries on stdout (logs go to stderr).
#
# Cache: ${EKSA_COMPONENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksa/components}/tink-<version>-<key>/bin, where
# <key> hashes the pinned versions, `go version`, GOOS/GOARCH and this script: only a change of one of them rebuilds.
# Concurrent callers are serialised with flock and reuse the result.
#
# Neither module has replace directives, so each command is built by a throw-away module (made in a scratch
# directory, never kept) that requires the pinned release; Go's minimal version selection over the checksummed
# go.sum keeps the result deterministic.
set -euo pipefail
export GOTOOLCHAIN=local

TINK_VERSION="${EKSA_TINK_VERSION:-v0.12.2}"
RUFIO_VERSION="${EKSA_RUFIO_VERSION:-v0.6.1}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "tink: $*" >&2; }

if ! command -v go >/dev/null 2>&1; then
    log "the go command is not installed (Go >= 1.24 is needed to build tink-server)"
    exit 3
fi

cache="${EKSA_COMPONENTS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/eksa/components}"
key="$({ printf '%s\n' "$TINK_VERSION" "$RUFIO_VERSION"; go version; go env GOOS GOARCH; cat "$here/build.sh"; } \
    | sha256sum | cut -c1-16)"
dir="$cache/tink-$TINK_VERSION-$key"

build() {
    local work="$1" out="$2"
    cd "$work"
    go mod init eksa.local/components/tink >/dev/null 2>&1
    log "go get -tool github.com/tinkerbell/tink@$TINK_VERSION, github.com/tinkerbell/rufio@$RUFIO_VERSION"
    go get -tool "github.com/tinkerbell/tink/cmd/tink-server@$TINK_VERSION" >&2
    go get -tool "github.com/tinkerbell/tink/cmd/tink-controller@$TINK_VERSION" >&2
    go get -tool "github.com/tinkerbell/rufio@$RUFIO_VERSION" >&2
    local cmd
    for cmd in tink-server tink-controller; do
        log "go build $cmd"
        CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/$cmd" "github.com/tinkerbell/tink/cmd/$cmd" >&2
    done
    log "go build rufio"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/rufio" "github.com/tinkerbell/rufio" >&2
}

if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$cache"
    exec 9>"$cache/.tink.lock"
    flock 9
    if [ ! -f "$dir/.complete" ]; then
        work="$(mktemp -d "$cache/.build-tink.XXXXXX")"
        # shellcheck disable=SC2064
        trap "rm -rf '$work'" EXIT
        start=$(date +%s)
        log "building tink-server, tink-controller $TINK_VERSION and rufio $RUFIO_VERSION into $dir (cold build)"
        mkdir -p "$work/bin"
        (build "$work" "$work/bin")
        rm -rf "$dir"
        mkdir -p "$dir"
        mv "$work/bin" "$dir/bin"
        echo "built $(date -u +%FT%TZ) in $(( $(date +%s) - start ))s with $(go version)" >"$dir/.complete"
        log "built in $(( $(date +%s) - start ))s"
    fi
    exec 9>&-
fi
echo "$dir/bin"
