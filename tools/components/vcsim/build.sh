#!/usr/bin/env bash
# Build eksa-vcsim, our vCenter simulator server (main.go beside this script, over VMware's
# github.com/vmware/govmomi/simulator), from the govmomi Go module and print the directory holding it (see ../lib.sh).
#
# Since govmomi v0.47.0 the vcsim command is a nested module with a replace directive, so `go install .../vcsim`
# fails; our own main is built instead, in a throw-away module generated in a scratch directory that requires
# govmomi at GOVMOMI_VERSION (the version EKS Anywhere's build tooling pins). main.go is part of the cache key.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPONENT=vcsim
# shellcheck source=../lib.sh
. "$here/../lib.sh"

GOVMOMI_VERSION="${EKSA_GOVMOMI_VERSION:-v0.54.1}"

build_vcsim() {
    local work="$1" out="$2"
    cp "$here/main.go" "$work/main.go"
    cd "$work"
    go mod init eksa.local/components/vcsim >&2 2>/dev/null
    go get "github.com/vmware/govmomi@$GOVMOMI_VERSION" >&2
    go mod tidy >&2
    # tidy must not have moved govmomi: the pinned version is what we test against
    go list -m github.com/vmware/govmomi | grep -qx "github.com/vmware/govmomi $GOVMOMI_VERSION"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/eksa-vcsim" . >&2
}

components_build vcsim "$GOVMOMI_VERSION" "$here/build.sh" build_vcsim "$GOVMOMI_VERSION" \
    "$(sha256sum <"$here/main.go")"  # the content only: the checkout's path must not change the key
