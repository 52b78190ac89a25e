#!/usr/bin/env bash
# Build etcd from the go.etcd.io/etcd/server/v3 Go module and print the directory holding it (see ../lib.sh).
#
# The etcd binary is the root package of go.etcd.io/etcd/server/v3. `go install ...@vX` refuses it because its
# go.mod has replace directives, so this script generates a throw-away module in a scratch directory that requires
# it at ETCD_VERSION (as a tool) and builds that package with -o etcd. Debian's etcd-server (3.4) is too old for
# Kubernetes 1.36.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPONENT=etcd
# shellcheck source=../lib.sh
. "$here/../lib.sh"

ETCD_VERSION="${EKSA_ETCD_VERSION:-v3.6.16}"

build_etcd() {
    local work="$1" out="$2"
    cd "$work"
    go mod init eksa.local/components/etcd >&2 2>/dev/null
    go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3 >&2
    # etcd's own version string comes from its api module (no ldflags needed); record what was built.
    "$out/etcd" --version >&2 || true
}

components_build etcd "$ETCD_VERSION" "$here/build.sh" build_etcd "$ETCD_VERSION"
