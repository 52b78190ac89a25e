#!/usr/bin/env bash
# Build the Cluster API managers the capireal tests run and print the directory holding them (see ../lib.sh for
# the cache layout):
#   cluster-api-controller   core manager            (sigs.k8s.io/cluster-api, main.go)
#   kubeadm-bootstrap        kubeadm bootstrap       (sigs.k8s.io/cluster-api, bootstrap/kubeadm/main.go)
#   kubeadm-control-plane    kubeadm control plane   (sigs.k8s.io/cluster-api, controlplane/kubeadm/main.go)
#   capd-manager             CAPD with its in-memory backend (DevCluster/DevMachine, backend.inMemory)
#                            (sigs.k8s.io/cluster-api/test, infrastructure/docker)
#
# Cluster API is pinned to the release EKS Anywhere ships (v1.13.2). CAPD lives in the nested module
# sigs.k8s.io/cluster-api/test, whose go.mod replaces sigs.k8s.io/cluster-api with ../ (ignored in a dependency).
# The module proxy does not serve sigs.k8s.io/cluster-api/test@v1.13.2, so CAPD comes from the nearest patch
# release it serves (v1.13.7), compiled against core v1.13.2 through
#   replace sigs.k8s.io/cluster-api => sigs.k8s.io/cluster-api v1.13.2
# as CAPV's test module does. The throw-away module is generated in a scratch directory at build time; Go's minimal
# version selection over the pinned versions makes the rest deterministic, checked against the checksum database.
#
# Both kubeadm mains are packages named kubeadm, so every binary is built with its own `go build -o`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPONENT=capi
# shellcheck source=../lib.sh
. "$here/../lib.sh"

CAPI_VERSION="${EKSA_CAPI_VERSION:-v1.13.2}"
CAPD_VERSION="${EKSA_CAPD_VERSION:-v1.13.7}"

build_capi() {
    local work="$1" out="$2"
    cd "$work"
    go mod init eksa.local/components/capi >&2 2>/dev/null
    go mod edit \
        -require "sigs.k8s.io/cluster-api@$CAPI_VERSION" \
        -require "sigs.k8s.io/cluster-api/test@$CAPD_VERSION" \
        -replace "sigs.k8s.io/cluster-api=sigs.k8s.io/cluster-api@$CAPI_VERSION"
    cat >tools.go <<'GO'
//go:build tools

// Package tools names the manager packages this module builds, so go mod tidy keeps their requirements.
package tools

import (
	_ "sigs.k8s.io/cluster-api"
	_ "sigs.k8s.io/cluster-api/bootstrap/kubeadm"
	_ "sigs.k8s.io/cluster-api/controlplane/kubeadm"
	_ "sigs.k8s.io/cluster-api/test/infrastructure/docker"
)
GO
    components_log "go mod tidy (cluster-api $CAPI_VERSION, cluster-api/test $CAPD_VERSION)"
    go mod tidy >&2
    local selected
    selected="$(go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' sigs.k8s.io/cluster-api)"
    if [ "$selected" != "$CAPI_VERSION" ]; then
        components_log "sigs.k8s.io/cluster-api resolved to $selected, not $CAPI_VERSION"
        exit 1
    fi
    local ld="" v="sigs.k8s.io/cluster-api/version"
    local minor="${CAPI_VERSION#v1.}"
    minor="${minor%%.*}"
    ld+=" -X $v.gitVersion=$CAPI_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor"
    ld+=" -X $v.gitTreeState=clean -X $v.gitCommit=eksa-components-build -X $v.buildDate=1970-01-01T00:00:00Z"
    local spec name pkg
    for spec in \
        "cluster-api-controller sigs.k8s.io/cluster-api" \
        "kubeadm-bootstrap sigs.k8s.io/cluster-api/bootstrap/kubeadm" \
        "kubeadm-control-plane sigs.k8s.io/cluster-api/controlplane/kubeadm" \
        "capd-manager sigs.k8s.io/cluster-api/test/infrastructure/docker"; do
        read -r name pkg <<<"$spec"
        components_log "go build $name ($pkg)"
        CGO_ENABLED=0 go build -ldflags "-s -w$ld" -o "$out/$name" "$pkg" >&2
    done
}

components_build capi "$CAPI_VERSION" "$here/build.sh" build_capi "$CAPI_VERSION" "$CAPD_VERSION"
