#!/usr/bin/env bash
# Builds a Go program the test suite runs for real from its pinned module under
# test/tools/<name> (go.mod/go.sum name every version) into .cache/go-tools/<name>/.
# Rebuilt only when its build inputs change: the files of test/tools/<name>, this
# script and the Go version are hashed into a stamp beside the binary. Go's own
# module and build caches ($HOME/go, $HOME/.cache/go-build) make a rebuild warm.
#
# Usage: scripts/build-go-tool.sh otelcol|prometheus ...
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Go's standard install location, for shells whose PATH was not extended by a profile (CI's).
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
if ! command -v go >/dev/null; then
  echo "build-go-tool: Go is not installed; tests needing $* will skip" >&2
  exit 0
fi

# What `go build` makes of each module: the package and the flags.
build() {
  local name="$1" out="$2"
  case "$name" in
    # The Collector: main.go in its module, exactly the components otel-collector/config.yaml uses.
    otelcol) go build -trimpath -o "$out" . ;;
    # Prometheus 3.5 LTS from its Go module. remove_all_sd leaves out the cloud service
    # discoveries (static_configs is all the tests use), which halves the build.
    prometheus)
      local version; version="$(go list -m -f '{{.Version}}' github.com/prometheus/prometheus)"
      # Go module v0.305.1 is Prometheus 3.5.1.
      version="$(sed -E 's/^v0\.([0-9])([0-9]{2})\.([0-9]+).*/\1.\2.\3/; s/\.0([0-9])\./.\1./' <<<"$version")"
      go build -trimpath -tags remove_all_sd \
        -ldflags "-X github.com/prometheus/common/version.Version=$version" \
        -o "$out" github.com/prometheus/prometheus/cmd/prometheus
      ;;
    *) echo "build-go-tool: unknown tool $name" >&2; exit 2 ;;
  esac
}

for name in "$@"; do
  src="$ROOT/test/tools/$name"
  dest="$ROOT/.cache/go-tools/$name"
  inputs="$( (cd "$src" && sha256sum -- *; sha256sum "$ROOT/scripts/build-go-tool.sh" | cut -d' ' -f1; go version) | sha256sum | cut -d' ' -f1)"
  if [[ -x "$dest/$name" && "$(cat "$dest/inputs.sha256" 2>/dev/null)" == "$inputs" ]]; then continue; fi
  echo "build-go-tool: building $name from test/tools/$name (first run or pinned versions changed; minutes on 2 cores)" >&2
  mkdir -p "$dest"
  started=$SECONDS
  # The pinned go.sum is the truth: no module is added or upgraded, no toolchain fetched;
  # no VCS stamp (the binary depends on the pinned modules only).
  (cd "$src" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local build "$name" "$dest/$name.tmp")
  mv "$dest/$name.tmp" "$dest/$name"
  echo "$inputs" >"$dest/inputs.sha256"
  echo "build-go-tool: $name built in $((SECONDS - started)) s -> .cache/go-tools/$name/$name" >&2
done
