#!/usr/bin/env bash
# Build what the Cilium CNI tests need to fetch EKS Anywhere's Cilium chart from an OCI registry, and print the
# directory holding it (see ../lib.sh for the cache layout):
#   helm                 the Helm CLI                          (helm.sh/helm/v4, cmd/helm)
#   registry             the CNCF distribution registry        (github.com/distribution/distribution/v3, cmd/registry)
#   cilium-<tag>.tgz     the Cilium chart of the release bundle, packaged by that helm from the chart directory of
#                        the github.com/cilium/cilium module (install/kubernetes/cilium)
#
# EKS Anywhere's bundle names the chart public.ecr.aws/eks/cilium/cilium:<CILIUM_CHART_TAG>: the upstream chart of
# Cilium <CILIUM_VERSION> published under the EKS-A tag, so the chart is packaged with --version set to that tag
# (its appVersion stays the upstream release). The chart has no dependencies, so packaging needs no network.
# Both binaries are built in a throw-away module generated in a scratch directory that requires the pinned
# versions; Go's minimal version selection makes the rest deterministic, checked against the checksum database.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPONENT=helm
# shellcheck source=../lib.sh
. "$here/../lib.sh"

HELM_VERSION="${EKSA_HELM_VERSION:-v4.3.2}"
DISTRIBUTION_VERSION="${EKSA_DISTRIBUTION_VERSION:-v3.1.2}"
CILIUM_VERSION="${EKSA_CILIUM_VERSION:-v1.19.4}"
CILIUM_CHART_TAG="${EKSA_CILIUM_CHART_TAG:-1.19.4-1}"

HELM_MODULE=helm.sh/helm/v4
DISTRIBUTION_MODULE=github.com/distribution/distribution/v3
CILIUM_MODULE=github.com/cilium/cilium

# check_selected MODULE VERSION: fail when go mod tidy moved MODULE off its pinned VERSION.
check_selected() {
    local selected
    selected="$(go list -m -f '{{.Version}}' "$1")"
    if [ "$selected" != "$2" ]; then
        components_log "$1 resolved to $selected, not $2"
        exit 1
    fi
}

build_helm() {
    local work="$1" out="$2"
    mkdir -p "$work/mod"
    cd "$work/mod"
    go mod init eksa.local/components/helm >&2 2>/dev/null
    go mod edit -require "$HELM_MODULE@$HELM_VERSION" -require "$DISTRIBUTION_MODULE@$DISTRIBUTION_VERSION"
    cat >tools.go <<'GO'
//go:build tools

// Package tools names the commands this module builds, so go mod tidy keeps their requirements.
package tools

import (
	_ "github.com/distribution/distribution/v3/cmd/registry"
	_ "helm.sh/helm/v4/cmd/helm"
)
GO
    components_log "go mod tidy (helm $HELM_VERSION, distribution $DISTRIBUTION_VERSION)"
    go mod tidy >&2
    check_selected "$HELM_MODULE" "$HELM_VERSION"
    check_selected "$DISTRIBUTION_MODULE" "$DISTRIBUTION_VERSION"

    components_log "go build helm ($HELM_MODULE/cmd/helm)"
    local hv="$HELM_MODULE/internal/version"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X $hv.version=$HELM_VERSION -X $hv.gitTreeState=clean -X $hv.gitCommit=eksa-components-build" \
        -o "$out/helm" "$HELM_MODULE/cmd/helm" >&2
    components_log "go build registry ($DISTRIBUTION_MODULE/cmd/registry)"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X $DISTRIBUTION_MODULE/version.version=$DISTRIBUTION_VERSION" \
        -o "$out/registry" "$DISTRIBUTION_MODULE/cmd/registry" >&2

    components_log "packaging the Cilium chart ($CILIUM_MODULE@$CILIUM_VERSION) as version $CILIUM_CHART_TAG"
    local cilium
    cilium="$(go mod download -json "$CILIUM_MODULE@$CILIUM_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    if [ ! -f "$cilium/install/kubernetes/cilium/Chart.yaml" ]; then
        components_log "no Cilium chart in the module download of $CILIUM_MODULE@$CILIUM_VERSION ($cilium)"
        exit 1
    fi
    # the module cache is read-only: package a writable copy
    cp -R "$cilium/install/kubernetes/cilium" "$work/cilium"
    chmod -R u+w "$work/cilium"
    local app_version
    app_version="$(sed -n 's/^appVersion:[[:space:]]*//p' "$work/cilium/Chart.yaml")"
    # a private helm home: nothing is read from or written to the user's
    HELM_CONFIG_HOME="$work/helm/config" HELM_CACHE_HOME="$work/helm/cache" HELM_DATA_HOME="$work/helm/data" \
        "$out/helm" package "$work/cilium" --version "$CILIUM_CHART_TAG" --app-version "$app_version" \
        --destination "$out" >&2
    test -f "$out/cilium-$CILIUM_CHART_TAG.tgz"
}

components_build helm "$HELM_VERSION" "$here/build.sh" build_helm \
    "$HELM_VERSION" "$DISTRIBUTION_VERSION" "$CILIUM_VERSION" "$CILIUM_CHART_TAG"
