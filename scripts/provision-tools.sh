#!/usr/bin/env bash
# Fetches the Debian tools the test suite runs for real (Prometheus 3.5 LTS +
# promtool and VictoriaMetrics 1.145 + vmalert from sid; Alertmanager, Pushgateway,
# node_exporter from bookworm) into .cache/tools/<package>-<suite> without touching
# the system's apt configuration or installing anything system-wide. Idempotent:
# tools already unpacked are left alone.
#
# Usage: scripts/provision-tools.sh [prometheus] [promtool] [victoria-metrics] [prometheus-alertmanager] ...
#        (no argument = prometheus, promtool and victoria-metrics)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/tools"
mkdir -p "$CACHE"

if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  echo "provision-tools: apt-get/dpkg not available; tests needing Debian tools will skip" >&2
  exit 0
fi

# Binary inside each package, to tell whether it is already unpacked.
declare -A BINARY=(
  [prometheus]=usr/bin/prometheus
  [promtool]=usr/bin/promtool
  [prometheus-alertmanager]=usr/bin/prometheus-alertmanager
  [prometheus-pushgateway]=usr/bin/prometheus-pushgateway
  [prometheus-node-exporter]=usr/bin/prometheus-node-exporter
  [victoria-metrics]=usr/bin/victoria-metrics
)
# Which private apt setup each package comes from.
declare -A SUITE=(
  [prometheus]=sid
  [promtool]=sid
  [prometheus-alertmanager]=bookworm
  [prometheus-pushgateway]=bookworm
  [prometheus-node-exporter]=bookworm
  [victoria-metrics]=sid
)

mirror_uri() {
  local uri=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
    uri="$(awk '$1=="deb" {print $2; exit}' /etc/apt/sources.list)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# A private apt state per suite under .cache/apt/<suite>: the system's sources,
# lists and caches are never read or written.
apt_opts() {
  local suite="$1" dir="$ROOT/.cache/apt/$suite"
  echo "-o Dir::Etc::sourcelist=$dir/sources.list -o Dir::Etc::sourceparts=- \
-o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir/cache -o Dir::State::status=/var/lib/dpkg/status \
-o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
}

apt_update_once() {
  local suite="$1" dir="$ROOT/.cache/apt/$suite"
  if [[ -f "$dir/.updated" ]]; then return; fi
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror_uri) $suite main" >"$dir/sources.list"
  # shellcheck disable=SC2046
  apt-get $(apt_opts "$suite") -qq update
  touch "$dir/.updated"
}

fetch_pkg() {
  local pkg="$1" suite="${SUITE[$1]}" dest="$CACHE/$1-${SUITE[$1]}"
  if [[ -x "$dest/${BINARY[$pkg]}" ]]; then return; fi
  apt_update_once "$suite"
  local work; work="$(mktemp -d)"
  # shellcheck disable=SC2046
  if ! (cd "$work" && apt-get $(apt_opts "$suite") -qq download "$pkg"); then
    # The private package lists are kept between runs; after a Debian point release the
    # version they name is gone from the mirror. Refresh them once and retry.
    rm -f "$ROOT/.cache/apt/$suite/.updated"
    apt_update_once "$suite"
    # shellcheck disable=SC2046
    (cd "$work" && apt-get $(apt_opts "$suite") -qq download "$pkg")
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  dpkg -x "$work"/*.deb "$dest"
  rm -rf "$work"
  echo "provision-tools: $pkg ($suite) -> $dest" >&2
}

pkgs=("$@")
if [[ ${#pkgs[@]} -eq 0 ]]; then pkgs=(prometheus promtool victoria-metrics); fi
for p in "${pkgs[@]}"; do
  [[ -n "${SUITE[$p]:-}" ]] || { echo "provision-tools: unknown tool $p" >&2; exit 2; }
  fetch_pkg "$p"
done
