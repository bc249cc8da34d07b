#!/usr/bin/env bash
# Fetches the Debian tools the test suite runs for real (Prometheus 3.5 LTS +
# promtool and VictoriaMetrics 1.145 + vmalert from sid; Alertmanager, Pushgateway,
# node_exporter, debootstrap and systemd-nspawn from bookworm; Compose v2 from
# trixie) into .cache/tools/<package>-<suite> without touching the system's apt
# configuration or installing anything system-wide. Idempotent: tools already
# unpacked are left alone.
#
# Usage: scripts/provision-tools.sh [prometheus] [promtool] [victoria-metrics] [docker-compose] [systemd-root] ...
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
  [docker-compose]=usr/libexec/docker/cli-plugins/docker-compose
  [debootstrap]=usr/sbin/debootstrap
  [systemd-container]=usr/bin/systemd-nspawn
  # The private library systemd-nspawn links, of the same version (the tests put it first
  # on LD_LIBRARY_PATH, so the host's systemd version does not matter; its other
  # libraries come from the host).
  [libsystemd-shared]=usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so
)
# Which private apt setup each package comes from.
declare -A SUITE=(
  [prometheus]=sid
  [promtool]=sid
  [prometheus-alertmanager]=bookworm
  [prometheus-pushgateway]=bookworm
  [prometheus-node-exporter]=bookworm
  [victoria-metrics]=sid
  [docker-compose]=trixie
  [debootstrap]=bookworm
  [systemd-container]=bookworm
  [libsystemd-shared]=bookworm
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
  if [[ -e "$dest/${BINARY[$pkg]}" ]]; then return; fi
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

# A minimal Debian bookworm root that boots systemd (minbase + systemd, systemd-sysv,
# dbus) for the systemd unit test, which runs it with systemd-nspawn --volatile=overlay
# and so never writes to it. Built once with debootstrap (about 250 MB, a minute or
# two), bounded by QB_ROOT_BUILD_TIMEOUT seconds, into a temporary directory renamed
# into place when complete; a lock keeps concurrent runs from building it twice.
# Needs root (debootstrap chroots and creates device nodes).
SYSTEMD_ROOT="$ROOT/.cache/systemd-root/bookworm"
SYSTEMD_ROOT_PACKAGES="systemd,systemd-sysv,dbus"

build_systemd_root() {
  local marker="$SYSTEMD_ROOT/.qb-root-packages"
  if [[ -f "$marker" && "$(cat "$marker")" == "$SYSTEMD_ROOT_PACKAGES" ]]; then return; fi
  [[ $(id -u) -eq 0 ]] || { echo "provision-tools: systemd-root needs root (debootstrap)" >&2; exit 1; }
  fetch_pkg debootstrap
  mkdir -p "$(dirname "$SYSTEMD_ROOT")"
  exec 9>"$SYSTEMD_ROOT.lock"
  flock 9
  if [[ -f "$marker" && "$(cat "$marker")" == "$SYSTEMD_ROOT_PACKAGES" ]]; then return; fi
  local tmp="$SYSTEMD_ROOT.tmp" log="$SYSTEMD_ROOT.log" tools="$CACHE/debootstrap-bookworm"
  rm -rf "$tmp"
  echo "provision-tools: building a bookworm root with $SYSTEMD_ROOT_PACKAGES (once; log in $log)" >&2
  if ! DEBOOTSTRAP_DIR="$tools/usr/share/debootstrap" timeout "${QB_ROOT_BUILD_TIMEOUT:-900}" \
      "$tools/usr/sbin/debootstrap" --variant=minbase --include="$SYSTEMD_ROOT_PACKAGES" \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg bookworm "$tmp" "$(mirror_uri)" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$tmp"
    echo "provision-tools: debootstrap failed or timed out (see $log)" >&2
    exit 1
  fi
  echo "$SYSTEMD_ROOT_PACKAGES" >"$tmp/.qb-root-packages"
  rm -rf "$SYSTEMD_ROOT"
  mv "$tmp" "$SYSTEMD_ROOT"
  echo "provision-tools: systemd root -> $SYSTEMD_ROOT" >&2
}

pkgs=("$@")
if [[ ${#pkgs[@]} -eq 0 ]]; then pkgs=(prometheus promtool victoria-metrics); fi
for p in "${pkgs[@]}"; do
  if [[ "$p" == systemd-root ]]; then build_systemd_root; continue; fi
  [[ -n "${SUITE[$p]:-}" ]] || { echo "provision-tools: unknown tool $p" >&2; exit 2; }
  fetch_pkg "$p"
done
