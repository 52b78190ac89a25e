#!/usr/bin/env bash
# Build kube-apiserver and kube-controller-manager from the k8s.io/kubernetes Go module and print the directory
# holding them (see ../lib.sh for the cache layout).
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@vX` cannot work: k8s.io/kubernetes requires its staging modules
# (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with ./staging/..., and a dependency's replace
# directives are ignored. So this script generates, at build time in a scratch directory, a throw-away module that
# requires k8s.io/kubernetes at KUBE_VERSION and replaces each module the kubernetes go.mod requires at v0.0.0 with
# its matching published release (v1.X.Y -> v0.X.Y). The list comes from the .mod file of k8s.io/kubernetes itself,
# so a new release brings its own list. Nothing of the module is kept: the versions are pinned here and Go's minimal
# version selection makes the rest deterministic, checked against the checksum database.
#
# Built as Kubernetes builds its release binaries: CGO_ENABLED=0, -tags selinux,notest, and version ldflags so
# /version reports KUBE_VERSION (clusterctl and Cluster API parse it as semver).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPONENT=kube
# shellcheck source=../lib.sh
. "$here/../lib.sh"

KUBE_VERSION="${EKSA_KUBE_VERSION:-v1.36.3}"

build_kube() {
    local work="$1" out="$2"
    local staging="v0.${KUBE_VERSION#v1.}"
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
    cd "$work"
    go mod init eksa.local/components/kube >&2 2>/dev/null
    local mods
    mods="$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u)"
    if [ -z "$mods" ]; then
        components_log "no v0.0.0 staging requirements found in $gomod"
        exit 1
    fi
    local args=() m
    for m in $mods; do args+=("-replace=$m=$m@$staging"); done
    go mod edit "${args[@]}"
    components_log "replaced $(echo "$mods" | wc -l) staging modules with $staging"
    go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >&2
    go get -tool "k8s.io/kubernetes/cmd/kube-controller-manager@$KUBE_VERSION" >&2
    local minor="${KUBE_VERSION#v1.}"
    minor="${minor%%.*}"
    local ld="" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        ld+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=eksa-components-build"
        ld+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    local cmd
    for cmd in kube-apiserver kube-controller-manager; do
        components_log "go build $cmd"
        CGO_ENABLED=0 go build -trimpath -tags selinux,notest -ldflags "-s -w$ld" -o "$out/$cmd" \
            "k8s.io/kubernetes/cmd/$cmd" >&2
    done
}

components_build kube "$KUBE_VERSION" "$here/build.sh" build_kube "$KUBE_VERSION"
