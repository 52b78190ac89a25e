#!/usr/bin/env bash
# Build the eksa vcsim test server (VMware's govmomi simulator, providers/vsphere/tests/vcsim/main.go)
# once into a cache directory outside git and print the binary's path on stdout.
#
# Installs golang-go and golang-github-vmware-govmomi-dev from Debian's packages when missing (needs root).
# The binary is rebuilt when main.go, the Go toolchain or the packaged govmomi change (content hash).
# Cache: $EKSA_VCSIM_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/eksa/vcsim.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$here/providers/vsphere/tests/vcsim/main.go"
gocode=/usr/share/gocode
govmomi="$gocode/src/github.com/vmware/govmomi"

log() { echo "vcsim.sh: $*" >&2; }

if ! command -v go >/dev/null 2>&1 || [ ! -d "$govmomi/simulator" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "Go or govmomi missing and cannot install them (need root and apt-get)"
        exit 2
    fi
    log "installing golang-go golang-github-vmware-govmomi-dev"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq golang-go golang-github-vmware-govmomi-dev >&2
fi

cache="${EKSA_VCSIM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/eksa/vcsim}"
govmomi_version="$(dpkg-query -W -f='${Version}' golang-github-vmware-govmomi-dev 2>/dev/null || echo unknown)"
hash="$( { cat "$src"; go version; echo "$govmomi_version"; } | sha256sum | cut -c1-16)"
bin="$cache/$hash/eksa-vcsim"

if [ ! -x "$bin" ]; then
    mkdir -p "$cache/$hash"
    work="$(mktemp -d "$cache/build.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    log "building $bin"
    (
        cd "$work"
        GOPATH="$work/gopath:$gocode" GO111MODULE=off GOFLAGS= GOCACHE="$cache/gocache" \
            go build -o "$work/eksa-vcsim" "$src" >&2
    )
    mv -f "$work/eksa-vcsim" "$bin"   # atomic: concurrent builders each rename a complete binary
fi
echo "$bin"
