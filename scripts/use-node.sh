# Sourced, not run: puts a Node >= 22.15 first on PATH for this shell. The choice
# (and, when the machine's node is older, fetching Node 24 into .cache/node24) is
# scripts/with-node.mjs's, which every npm script also runs through.
_qb_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if _qb_bin="$(node "$_qb_root/scripts/with-node.mjs" --bin-dir)"; then
  export PATH="$_qb_bin:$PATH"
  unset _qb_bin _qb_root
else
  echo "use-node: no usable Node (see the line above)" >&2
  unset _qb_bin _qb_root
  return 1
fi
