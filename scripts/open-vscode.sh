#!/usr/bin/env bash
# open-vscode.sh [TREE]
# Builds the extension, installs a real VS Code (code-server + Debian's Chromium for tests), and
# serves it on 127.0.0.1:${KPN_PORT:-8080} with the extension loaded and TREE open (default: the
# full linux-source-6.12 tree, extracted into the cache). Stays in the foreground; Ctrl-C stops
# code-server and every process it started.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KPN_CACHE:-$repo/.cache}"
port="${KPN_PORT:-8080}"
log() { echo "open-vscode: $*" >&2; }

# Debian packages, Node.js, npm dependencies and the build, as for the tests.
bash "$repo/scripts/setup.sh" run
export PATH="$repo/.cache/node/bin:$PATH"
cd "$repo"

eval "$(bash "$repo/scripts/install-editor.sh")"

if [ $# -ge 1 ]; then
  tree="$(cd "$1" && pwd)"
else
  tree="$cache/linux-source-6.12"
  bash "$repo/scripts/kernel-tree.sh" 6.12 "$tree" >/dev/null
fi

# The extension is loaded from the repo through a symlink in the extensions folder: code-server
# picks up unpacked extensions there, the repo's node_modules come along (a --no-dependencies
# .vsix would lack them), a rebuild plus "Developer: Reload Window" picks up changes, and the
# window is an ordinary one (the smoke-test-driver route used by the tests hides toasts).
home="$cache/vscode"
ext_dir="$home/extensions"
mkdir -p "$ext_dir" "$home/user-data" "$home/xdg"
version="$(node -p 'require("./package.json").version')"
find "$ext_dir" -maxdepth 1 -name 'kpn.kernel-probe-navigator-*' -type l -delete
ln -s "$repo" "$ext_dir/kpn.kernel-probe-navigator-$version"
printf 'auth: none\n' > "$home/config.yaml"

pgid=''
stop() {
  trap - EXIT INT TERM
  if [ -n "$pgid" ]; then
    log "stopping code-server (process group $pgid)"
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6; do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# setsid gives code-server its own process group, so stop() reaches its file watchers and
# extension host too.
XDG_CONFIG_HOME="$home/xdg/config" XDG_DATA_HOME="$home/xdg/data" XDG_CACHE_HOME="$home/xdg/cache" \
EXTENSIONS_GALLERY='{}' \
  setsid "$KPN_NODE24" "$KPN_CODE_SERVER" --config "$home/config.yaml" \
    --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check \
    --user-data-dir "$home/user-data" --extensions-dir "$ext_dir" \
    "$tree" &
pgid=$!

for _ in $(seq 1 120); do
  if ! kill -0 "$pgid" 2>/dev/null; then
    wait "$pgid" || true
    log "code-server exited early (is port $port in use? set KPN_PORT)"
    exit 1
  fi
  if node -e "fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    break
  fi
  sleep 0.5
done

url="http://127.0.0.1:$port/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$tree")"
echo
echo "Kernel Probe Navigator is open in VS Code at:"
echo "  $url"
echo "(tree: $tree; Ctrl-C to stop)"
echo
wait "$pgid"
