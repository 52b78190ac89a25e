# Shared helpers for tools/components/<component>/build.sh (sourced, not run).
#
# Every build script prints the directory holding its binaries on stdout and logs on stderr. Binaries live in
# the component cache outside git:
#   ${EKSA_COMPONENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksa/components}/<component>-<version>-<key>/bin
# where <key> hashes the pinned versions, `go version`, GOOS/GOARCH and the build script itself, so a new
# version, Go toolchain or build recipe gives a new directory and nothing else triggers a rebuild.
# Builds of one component are serialised with flock, so concurrent callers wait and then reuse the result.

set -euo pipefail

export GOTOOLCHAIN=local

components_log() { echo "${COMPONENT:-components}: $*" >&2; }

components_cache() {
    echo "${EKSA_COMPONENTS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/eksa/components}"
}

# components_require_go: exit 3 with one clear message when the go command is missing.
components_require_go() {
    if ! command -v go >/dev/null 2>&1; then
        components_log "the go command is not installed (Go >= 1.24 is needed to build the test components)"
        exit 3
    fi
}

# components_key SCRIPT VALUE...: a short hash of the given values, the Go toolchain and the build script.
components_key() {
    local script="$1"
    shift
    { printf '%s\n' "$@"; go version; go env GOOS GOARCH; cat "$script"; } | sha256sum | cut -c1-16
}

# components_build NAME VERSION SCRIPT BUILDFN VALUE...: print <cache>/<name>-<version>-<key>/bin, calling
# BUILDFN WORKDIR OUTDIR first when that directory is not complete yet (marked by a .complete file).
components_build() {
    local name="$1" version="$2" script="$3" buildfn="$4"
    shift 4
    components_require_go
    local cache key dir
    cache="$(components_cache)"
    key="$(components_key "$script" "$version" "$@")"
    dir="$cache/$name-$version-$key"
    if [ ! -f "$dir/.complete" ]; then
        mkdir -p "$cache"
        exec 9>"$cache/.$name.lock"
        flock 9
        if [ ! -f "$dir/.complete" ]; then
            local work start
            work="$(mktemp -d "$cache/.build-$name.XXXXXX")"
            # shellcheck disable=SC2064
            trap "rm -rf '$work'" EXIT
            start=$(date +%s)
            components_log "building $name $version into $dir (cold build, several minutes)"
            mkdir -p "$work/bin"
            "$buildfn" "$work" "$work/bin"
            rm -rf "$dir"
            mkdir -p "$dir"
            mv "$work/bin" "$dir/bin"
            echo "built $(date -u +%FT%TZ) in $(( $(date +%s) - start ))s with $(go version)" >"$dir/.complete"
            components_log "built $name in $(( $(date +%s) - start ))s"
        fi
        exec 9>&-
    fi
    echo "$dir/bin"
}
